"""aiosqlite with one trip to its thread per statement instead of four.

SQLAlchemy's aiosqlite adapter creates a cursor, executes, fetches the rows and closes the
cursor as four separate requests to aiosqlite's worker thread; each request is a queue put, a
thread wake-up and a call back into the event loop, and costs more than the statement itself.
The cursor here does the four in one function run on that thread, and keeps what SQLAlchemy
reads afterwards (the rows, their description, the row count, the last row id).
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

_Result = tuple[Any, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, begin: str | None, operation: str, parameters: Any,
         many: bool, busy_timeout_ms: int | None = None) -> _Result:
    """On aiosqlite's thread: restore the busy timeout (if asked), begin (if asked), execute,
    fetch everything, close; return what SQLAlchemy reads."""
    cursor = connection.cursor()
    try:
        if busy_timeout_ms is not None:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _run_inline(connection: sqlite3.Connection, operation: str, parameters: Any,
                many: bool) -> _Result | None:
    """`_run` on the calling thread, never waiting for a lock (the connection's busy timeout
    is 0 by then): None when the database is busy (the statement, committing by itself, then
    did nothing)."""
    try:
        return _run(connection, None, operation, parameters, many)
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) in _BUSY:
            return None
        raise


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor: each execute is one request to aiosqlite's thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is created (that alone would be a trip): `_run` makes its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._rows = collections.deque()
        self._soft_closed_memoized = EMPTY_DICT
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        """The result's columns, as sqlite3 described them (None for no rows)."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:  # type: ignore[override]
        """The id of the last inserted row."""
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        return  # nothing is open on the thread

    def close(self) -> None:
        """Forget the buffered rows."""
        self._rows.clear()

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection, adapted = self._connection, self._adapt_connection
        async with adapted._execute_mutex:
            begin, adapted.pending_begin = adapted.pending_begin, None
            result = None
            inline = adapted.inline_busy_timeout_ms
            if adapted.holds_write_lock:
                # Nothing left to wait for: straight on this thread.
                result = _run(connection._conn, None, operation, parameters, many)
            elif inline is not None and begin is None:
                if adapted.restore_busy_ms is None:
                    # Left at 0 until a statement goes to the thread (which restores it): two
                    # PRAGMAs around every inline statement cost a third of the statement.
                    connection._conn.execute("PRAGMA busy_timeout = 0")
                    adapted.restore_busy_ms = inline
                result = _run_inline(connection._conn, operation, parameters, many)
            if result is None:
                restore, adapted.restore_busy_ms = adapted.restore_busy_ms, None
                result = await connection._execute(_run, connection._conn, begin, operation,
                                                   parameters, many, restore)
                if begin == "BEGIN IMMEDIATE":
                    adapted.holds_write_lock = True
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:  # type: ignore[override]
        await self._trip(operation, parameters, False)

    async def _executemany_async(self, operation: Any,  # type: ignore[override]
                                 seq_of_parameters: Sequence[Any]) -> None:
        await self._trip(operation, seq_of_parameters, True)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, handing out one-trip cursors."""

    __slots__ = ("pending_begin", "inline_busy_timeout_ms", "holds_write_lock",
                 "restore_busy_ms")
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # The BEGIN to send with the next statement, in the same trip (see `begin_with_next`).
        self.pending_begin: str | None = None
        # Set while statements may run on the event loop's thread (see `run_inline`).
        self.inline_busy_timeout_ms: int | None = None
        # In a write transaction once BEGIN IMMEDIATE returned: its statements and its commit
        # can no longer wait for a lock (WAL commits wait for no reader), so they run inline.
        self.holds_write_lock = False
        # Set while sqlite3's busy timeout is 0 (for inline statements): the timeout to put
        # back before the next statement that may wait for a lock, on aiosqlite's thread.
        self.restore_busy_ms: int | None = None

    def run_inline(self, busy_timeout_ms: int | None) -> None:
        """Run statements outside any transaction on the calling thread, without the trip to
        aiosqlite's (None: never). Under load a trip costs milliseconds of thread wake-ups, an
        indexed lookup or a one-row update microseconds; a statement that would wait for a
        lock is sent to the thread instead, where it waits up to `busy_timeout_ms`."""
        self.inline_busy_timeout_ms = busy_timeout_ms

    async def run(self, operation: str, parameters: Sequence[Any],
                  busy_timeout_ms: int) -> list[Any]:
        """Run one statement outside any transaction (it commits by itself), inline when the
        database is free (see `run_inline`); return its rows."""
        if self.in_transaction or self.pending_begin is not None:
            raise RuntimeError("a statement that commits by itself, inside a transaction")
        self.run_inline(busy_timeout_ms)
        cursor = self.cursor()
        await cursor._trip(operation, parameters, False)
        return list(cursor._rows)

    def begin_with_next(self, statement: str) -> None:
        """Open the transaction with `statement` (BEGIN, BEGIN IMMEDIATE) together with the
        next statement: one trip for both; a transaction that runs nothing costs no trip."""
        self.pending_begin = statement

    @property
    def in_transaction(self) -> bool:
        """Whether sqlite3 has a transaction open (one still pending does not count)."""
        connection = self._connection._connection
        return connection is not None and connection.in_transaction

    def commit(self) -> None:
        """Commit; no trip to the thread when no transaction is open or the write lock is
        held."""
        self._end("commit")

    def rollback(self) -> None:
        """Roll back; no trip to the thread when no transaction is open or the write lock is
        held."""
        self._end("rollback")

    def _end(self, how: str) -> None:
        self.pending_begin = None
        locked, self.holds_write_lock = self.holds_write_lock, False
        if not self.in_transaction:
            return
        if locked:
            try:
                getattr(self._connection._conn, how)()
            except Exception as error:
                self._handle_exception(error)
        elif how == "commit":
            super().commit()
        else:
            super().rollback()


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module to give `create_async_engine(module=...)` for sqlite+aiosqlite."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        """Open a connection (aiosqlite's thread and all) whose cursors take one trip."""
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDbapi:
    """A fresh DBAPI module object for one engine."""
    return OneTripDbapi(aiosqlite, sqlite3)
