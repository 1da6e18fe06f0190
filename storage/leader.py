"""Which instance sends: a lock that one process holds while it lives.

Several instances can serve one database (webhooks land on whichever is behind the proxy), but
reminders and queued messages must leave from one of them, so the platforms' rate limits hold
and nothing is computed twice. PostgreSQL: a session advisory lock on a connection kept open;
the server frees it when the holder dies, even by kill -9. SQLite serves one instance: an
exclusive `flock` on a file next to the database, freed by the kernel when the process ends,
tells a second one to stay away.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

#: The advisory lock's key: "daumoi" in ASCII, so other users of the database are unlikely
#: to pick it.
ADVISORY_KEY = 0x6461756D6F69


class LeaderLock(Protocol):
    """A lock at most one process holds; never blocks."""

    #: Whether several instances may share the database (the others wait as followers);
    #: False for SQLite, where a second instance is refused.
    shared: bool

    async def acquire(self) -> bool:
        """Take the lock if it is free; True if this process now holds it."""
        ...

    async def holds(self) -> bool:
        """Whether this process still holds it (False once the hold was lost)."""
        ...

    async def release(self) -> None:
        """Let it go (no-op if not held)."""
        ...


class PgAdvisoryLock:
    """A PostgreSQL session advisory lock on a connection of its own."""

    shared = True

    def __init__(self, engine: AsyncEngine, key: int = ADVISORY_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """Take the lock if it is free."""
        if self._connection is not None:
            return await self.holds()
        try:
            connection = await self._engine.connect()
        except (SQLAlchemyError, OSError):
            logger.warning("leader lock: the database cannot be reached; trying again")
            return False
        try:
            taken = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                            {"key": self._key})
            await connection.commit()  # end the implicit transaction; the lock is the session's
        except (SQLAlchemyError, OSError):
            await _close(connection)
            return False
        if not taken:
            await _close(connection)
            return False
        self._connection = connection
        return True

    async def holds(self) -> bool:
        """Whether the connection holding the lock is still alive (and so the lock)."""
        if self._connection is None:
            return False
        try:
            await self._connection.scalar(text("SELECT 1"))
            await self._connection.commit()
            return True
        except (SQLAlchemyError, OSError):
            logger.warning("leader lock: its connection was lost")
            await _close(self._connection)
            self._connection = None
            return False

    async def release(self) -> None:
        """Unlock and close the connection."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(SQLAlchemyError, OSError):
            await connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            await connection.commit()
        await _close(connection)


async def _close(connection: AsyncConnection) -> None:
    with contextlib.suppress(SQLAlchemyError, OSError):
        await connection.close()


class FileLock:
    """An exclusive, non-blocking ``flock`` on a file next to a SQLite database."""

    shared = False

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None

    async def acquire(self) -> bool:
        """Take the lock if no other process holds it."""
        if self._file is not None:
            return True
        handle = open(self._path, "ab")  # noqa: SIM115 - held open as long as the lock
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    async def holds(self) -> bool:
        """A flock is lost only with the process."""
        return self._file is not None

    async def release(self) -> None:
        """Unlock and close the file."""
        handle, self._file = self._file, None
        if handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()


class SoleLock:
    """For a database only this process can open (SQLite in memory): always held."""

    shared = False

    async def acquire(self) -> bool:
        """Always granted."""
        return True

    async def holds(self) -> bool:
        """Always held."""
        return True

    async def release(self) -> None:
        """Nothing to let go."""


def leader_lock(engine: AsyncEngine) -> LeaderLock:
    """The lock that fits the engine's database."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PgAdvisoryLock(engine)
    database = url.database or ""
    if not database or database == ":memory:" or url.query.get("uri"):
        return SoleLock()
    return FileLock(Path(os.fspath(database) + ".leader"))
