"""The engine factory: SQLite (WAL, busy timeout, BEGIN IMMEDIATE) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import await_

from storage.sqlite_driver import OneTripConnection, one_trip_dbapi

SQLITE_BUSY_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_S = 10.0
PG_POOL_RECYCLE_S = 1800
_AIOSQLITE_SETTLE_S = 0.1

# Execution option: on SQLite, start the transaction with a plain (deferred) BEGIN, which
# takes no write lock. Only for transactions that never write.
READ_ONLY = "daumoi_read_only"
# Execution option: no transaction at all, each statement commits on its own (SQLite: no BEGIN;
# PostgreSQL: AUTOCOMMIT). Only for work that is one statement, atomic by itself.
SINGLE_STATEMENT = "daumoi_single_statement"

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class StorageUnavailable(Exception):
    """The database cannot be reached or opened; the message is one line without secrets."""


def parse_url(url: str) -> URL:
    """The URL with its async driver (sqlite+aiosqlite or postgresql+asyncpg)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageUnavailable(
            "not a database URL: expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://..."
        ) from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise StorageUnavailable(
            f"unsupported database {parsed.drivername!r}: use sqlite+aiosqlite or "
            "postgresql+asyncpg"
        )
    return parsed.set(drivername=driver)


def describe_url(url: URL | str) -> str:
    """The URL as it may be shown or logged: the password masked."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


async def empty_public_schema(url: str) -> None:
    """Drop and recreate PostgreSQL's public schema (tests and benchmarks only: the callers
    check that the database's name says so)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for the URL; for a SQLite file, its folder is created if missing."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo)
    # No pre-ping: it costs round trips on every checkout. A connection the server dropped
    # fails its statement once, SQLAlchemy then discards the whole pool (a disconnect
    # invalidates every pooled connection) and the caller's retry gets a fresh one; the inbox
    # and outbox workers retry by design. Connections are also renewed before idle timeouts
    # of proxies and servers can cut them.
    return create_async_engine(
        parsed,
        echo=echo,
        pool_recycle=PG_POOL_RECYCLE_S,
        connect_args={"timeout": CONNECT_TIMEOUT_S},
    )


def _sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    if not database or database == ":memory:" or url.query.get("uri"):
        return None
    return Path(database)


def _sqlite_engine(url: URL, echo: bool) -> AsyncEngine:
    path = _sqlite_file(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(
                f"{describe_url(url)}: cannot create the folder {path.parent}: "
                f"{exc.strerror or exc}"
            ) from None
    engine = create_async_engine(
        url,
        echo=echo,
        module=one_trip_dbapi(),
        # isolation_level=None stops the sqlite3 module from issuing its own (deferred)
        # BEGIN; the "begin" listener below issues ours.
        # check_same_thread=False: short statements also run on the event loop's thread (see
        # storage.sqlite_driver), one at a time like every use of the connection.
        connect_args={"isolation_level": None, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                      "check_same_thread": False},
        # Reset by `_sqlite_on_reset`: a rollback only when a transaction is open.
        pool_reset_on_return=None,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    event.listen(engine.sync_engine, "reset", _sqlite_on_reset)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _driver(dbapi_connection: Any) -> Any:
    """The aiosqlite connection under SQLAlchemy's adapter (None if it is not one)."""
    return getattr(dbapi_connection, "_connection", None)


def _sqlite_on_begin(connection: Connection) -> None:
    # A deferred transaction that reads and then writes gets SQLITE_BUSY at once, whatever
    # the busy timeout; IMMEDIATE takes the write lock up front and waits for it instead.
    options = connection.get_execution_options()
    dbapi_connection = connection.connection.dbapi_connection
    single = bool(options.get(SINGLE_STATEMENT))
    if isinstance(dbapi_connection, OneTripConnection):
        # Short statements outside a transaction skip the trip to aiosqlite's thread.
        dbapi_connection.run_inline(SQLITE_BUSY_TIMEOUT_MS if single else None)
    if single:
        return  # sqlite3 runs each statement in its own transaction (isolation_level=None)
    statement = "BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE"
    if isinstance(dbapi_connection, OneTripConnection):
        # Sent with the transaction's first statement, in the same trip to aiosqlite's thread:
        # each trip costs as much as the statement itself.
        dbapi_connection.begin_with_next(statement)
        return
    driver = _driver(dbapi_connection)
    if driver is None:
        connection.exec_driver_sql(statement)
        return
    await_(driver.execute(statement))


def _sqlite_on_reset(dbapi_connection: Any, _record: Any, reset_state: Any) -> None:
    # The default reset rolls back on every return to the pool, a trip to aiosqlite's
    # thread even after a commit; only an open transaction needs one.
    if reset_state.terminate_only:
        return
    if isinstance(dbapi_connection, OneTripConnection):
        dbapi_connection.run_inline(None)
        dbapi_connection.rollback()  # a trip only when a transaction is open
        return
    driver = _driver(dbapi_connection)
    if driver is None or driver.in_transaction:
        dbapi_connection.rollback()


async def check_connection(engine: AsyncEngine, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Open a connection and run a trivial query, or raise StorageUnavailable."""
    try:
        async with asyncio.timeout(timeout):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except TimeoutError:
        raise StorageUnavailable(
            f"{describe_url(engine.url)}: no answer within {timeout:g} s"
        ) from None
    except (SQLAlchemyError, OSError) as exc:
        if engine.url.get_backend_name() == "sqlite":
            # After a failed open, aiosqlite's worker thread still reports its shutdown to
            # this event loop; if the loop closed first, the thread would print a traceback.
            await asyncio.sleep(_AIOSQLITE_SETTLE_S)
        where = describe_url(engine.url)
        raise StorageUnavailable(f"{where}: {_reason(exc, engine.url)}") from None


async def check_writable(engine: AsyncEngine) -> None:
    """Write to the migrated database and roll back, or raise StorageUnavailable: a read-only
    file, folder or account is found at start, not at the first report."""
    try:
        async with engine.connect() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = version_num")
            )
            await connection.rollback()
    except (SQLAlchemyError, OSError) as exc:
        where = describe_url(engine.url)
        raise StorageUnavailable(f"{where}: {_reason(exc, engine.url)}") from None


def _reason(exc: BaseException, url: URL) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    message = " ".join(str(cause).split()) or type(cause).__name__
    if url.password:
        message = message.replace(str(url.password), "***")
    return message
