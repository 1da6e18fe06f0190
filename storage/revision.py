"""The schema revision without Alembic: a restart on an up-to-date database skips importing it.

Migrations are numbered `NNNN_slug.py` with `NNNN` as their revision id (see
`storage.migrate.revision`), so the newest revision is the highest number in the folder.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"


def head_revision() -> str:
    """The newest revision the code knows, from the migration files' numbers."""
    numbers = [path.name[:4] for path in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py")]
    if not numbers:
        raise RuntimeError(f"no migrations found in {VERSIONS}")
    return max(numbers)


async def stored_revision(engine: AsyncEngine) -> str | None:
    """The database's revision, or None (never migrated, or unreadable: Alembic decides)."""
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError:
        return None
