"""Fixtures for storage tests: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, empty_public_schema
from storage.migrate import upgrade_async
from storage.uow import SqlUnitOfWorkFactory, make_uow_factory

PG_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL storage tests skipped"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


def is_test_database(url: str) -> bool:
    """Whether a database's name marks it as one for tests (`test`, `daumoi_test`, `test_x`)."""
    name = make_url(url).database or ""
    return re.fullmatch(r"(.+[_-])?test([_-].+)?|tests?", name) is not None


def refusal(url: str) -> str | None:
    """Why the suite must not touch this database, or None."""
    if is_test_database(url):
        return None
    return (f"TEST_DATABASE_URL names the database {make_url(url).database!r}: the storage "
            "tests drop its public schema, so they only run on a database named like 'test' "
            "or 'daumoi_test'.")


def _refuse_unless_test_database(url: str) -> None:
    problem = refusal(url)
    if problem is not None:
        raise RuntimeError(problem)


async def _reset_postgres(url: str) -> None:
    _refuse_unless_test_database(url)
    await empty_public_schema(url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a fresh SQLite file, or PostgreSQL with a clean public schema."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'db' / 'daumoi.sqlite3'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    await _reset_postgres(url)
    return url


@pytest.fixture
async def migrated_url(database_url: str, _template_db: Path) -> str:
    """The database, migrated to head (SQLite: a copy of the suite's migrated template)."""
    if database_url.startswith("sqlite"):
        target = Path(make_url(database_url).database or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(_template_db, target)
        return database_url
    await upgrade_async(database_url)
    return database_url


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the migrated database, disposed of afterwards."""
    engine = create_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    """Makes units of work on the migrated database."""
    return make_uow_factory(engine)


@pytest.fixture
async def postgres_url() -> str:
    """TEST_DATABASE_URL with a clean schema migrated to head, for what only PostgreSQL has
    (several instances: the advisory lock, the shared send rate)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    await _reset_postgres(url)
    await upgrade_async(url)
    return url
