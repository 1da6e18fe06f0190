"""Alembic, driven from code: `upgrade(url)`, `current(url)`, and a small CLI for developers.

No alembic.ini is needed; the configuration points at the migrations inside this package.
Run `python -m storage.migrate --help` for the commands.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage.db import StorageUnavailable, check_connection, create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration for this package's migrations (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def head() -> str:
    """The newest revision the code knows."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return revision


async def _with_connection(url: str, work: Callable[[Connection], Any]) -> Any:
    """Run `work(sync_connection)` on our engine (same PRAGMAs and BEGIN IMMEDIATE as the app)."""
    engine = create_engine(url)
    try:
        await check_connection(engine)
        async with engine.connect() as connection:
            result = await connection.run_sync(work)
            await connection.commit()
            return result
    finally:
        await engine.dispose()


def _alembic(action: Callable[[Config], None]) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = alembic_config()
        # env.py uses this connection instead of opening its own.
        config.attributes["connection"] = connection
        action(config)

    return run


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest)."""
    await _with_connection(url, _alembic(lambda config: command.upgrade(config, revision)))


async def downgrade_async(url: str, revision: str) -> None:
    """Migrate the database back to `revision` ("base": drop everything)."""
    await _with_connection(url, _alembic(lambda config: command.downgrade(config, revision)))


async def current_async(url: str) -> str | None:
    """The database's revision, or None if it was never migrated."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    return await _with_connection(url, read)


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database to `revision`; runs its own event loop (call it off the loop)."""
    asyncio.run(upgrade_async(url, revision))


def current(url: str) -> str | None:
    """The database's revision, or None; runs its own event loop (call it off the loop)."""
    return asyncio.run(current_async(url))


def revision(url: str, message: str, *, autogenerate: bool = True) -> None:
    """Write the next numbered migration, compared against a database migrated to head."""
    script = ScriptDirectory.from_config(alembic_config())
    number = len(list(script.walk_revisions())) + 1
    rev_id = f"{number:04d}"
    asyncio.run(
        _with_connection(
            url,
            _alembic(
                lambda config: command.revision(
                    config, message, autogenerate=autogenerate, rev_id=rev_id
                )
            ),
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Developer CLI: upgrade, current, head, revision."""
    parser = argparse.ArgumentParser(prog="python -m storage.migrate")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL / settings)")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("upgrade", help="migrate to the newest revision")
    actions.add_parser("current", help="print the database's revision")
    actions.add_parser("head", help="print the newest revision of the code")
    new = actions.add_parser("revision", help="autogenerate the next migration")
    new.add_argument("-m", "--message", required=True)
    new.add_argument("--empty", action="store_true", help="do not autogenerate")
    args = parser.parse_args(argv)
    if args.action == "head":
        print(head())
        return 0
    url = args.url
    if url is None:
        from bot.settings import load_settings

        url = load_settings().database_url
    try:
        if args.action == "upgrade":
            upgrade(url)
        elif args.action == "current":
            print(current(url) or "-")
        else:
            revision(url, args.message, autogenerate=not args.empty)
    except StorageUnavailable as exc:
        print(f"database unavailable: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
