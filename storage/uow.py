"""The SQL unit of work: one session and transaction, with the repositories bound to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import READ_ONLY, SINGLE_STATEMENT
from storage.repositories import (
    SqlAuditRepository,
    SqlBotStateRepository,
    SqlCampaignRepository,
    SqlConversationRepository,
    SqlFocalPointRepository,
    SqlInboxRepository,
    SqlInviteRepository,
    SqlOutboxRepository,
    SqlPreferenceRepository,
    SqlProcessedUpdateRepository,
    SqlProgressRepository,
    SqlReportRepository,
    SqlSummaryRepository,
)

_REPOSITORIES = {
    "campaigns": SqlCampaignRepository,
    "audit": SqlAuditRepository,
    "conversations": SqlConversationRepository,
    "updates": SqlProcessedUpdateRepository,
    "focal_points": SqlFocalPointRepository,
    "invites": SqlInviteRepository,
    "inbox": SqlInboxRepository,
    "outbox": SqlOutboxRepository,
    "progress": SqlProgressRepository,
    "prefs": SqlPreferenceRepository,
    "state": SqlBotStateRepository,
    "summary": SqlSummaryRepository,
    "reports": SqlReportRepository,
}


class SqlUnitOfWork:
    """`async with uow:` opens a transaction; `await uow.commit()` keeps it, leaving rolls back.

    Repositories are made on first use: most units of work need one or two of them, and
    every update opens a few units of work.
    """

    campaigns: SqlCampaignRepository
    audit: SqlAuditRepository
    conversations: SqlConversationRepository
    updates: SqlProcessedUpdateRepository
    focal_points: SqlFocalPointRepository
    invites: SqlInviteRepository
    inbox: SqlInboxRepository
    outbox: SqlOutboxRepository
    progress: SqlProgressRepository
    prefs: SqlPreferenceRepository
    state: SqlBotStateRepository
    summary: SqlSummaryRepository
    reports: SqlReportRepository

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, read_only: bool = False,
        bookkeeping: bool = False, snapshot: bool = True, engine: AsyncEngine | None = None,
        directory_listeners: Sequence[Callable[[int], None]] = (),
        outbox_listeners: Sequence[Callable[[], None]] = (),
        conversation_listeners: Sequence[Callable[[], None]] = (),
    ) -> None:
        self._session_factory = session_factory
        self._read_only = read_only
        self._bookkeeping = bookkeeping
        self._snapshot = snapshot
        self._directory_listeners = directory_listeners
        self._outbox_listeners = outbox_listeners
        self._conversation_listeners = conversation_listeners
        self._session: AsyncSession | None = None
        # Bookkeeping runs on a bare connection: its statements are Core statements that commit
        # themselves, and an ORM session around each costs more than the statement.
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._repositories: dict[str, Any] = {}

    async def __aenter__(self) -> Self:
        if self._session is not None or self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        if self._bookkeeping and self._engine is not None:
            connection = await self._engine.connect()
            try:
                # No BEGIN and no COMMIT trip: each statement commits by itself (on PostgreSQL
                # it does not wait for the WAL to reach the disk either: see
                # SqlInboxRepository.attempt_settling).
                options: dict[str, object] = (
                    {SINGLE_STATEMENT: True} if connection.dialect.name == "sqlite"
                    else {"isolation_level": "AUTOCOMMIT"})
                self._connection = await connection.execution_options(**options)
            except BaseException:
                await connection.close()
                raise
            return self
        session = self._session_factory()
        if self._bookkeeping:
            if self._on_sqlite(session):
                # No BEGIN and no COMMIT trip: the one statement commits by itself.
                await session.connection(execution_options={SINGLE_STATEMENT: True})
            else:
                # One round trip: AUTOCOMMIT; the statement itself does not wait for the WAL
                # to reach the disk (see SqlInboxRepository.attempt_settling): a crash of the
                # database server may lose its last fraction of a second, never corrupt.
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        elif self._read_only and not self._snapshot:
            # Each statement reads the latest commit by itself: no BEGIN, no ROLLBACK.
            options: dict[str, object] = {SINGLE_STATEMENT: True}
            if not self._on_sqlite(session):
                options["isolation_level"] = "AUTOCOMMIT"
            await session.connection(execution_options=options)
        elif self._read_only:
            # Setting the option before the first statement makes SQLite begin deferred.
            await session.connection(execution_options={READ_ONLY: True})
        self._session = session
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        connection, self._connection = self._connection, None
        self._repositories.clear()
        if connection is not None:
            await connection.close()
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    def __getattr__(self, name: str) -> Any:
        # Only reached for what is not set yet: a repository, made on first use.
        repository = _REPOSITORIES.get(name)
        if repository is None:
            raise AttributeError(name)
        made = self._repositories.get(name)
        if made is None:
            bound = self._connection if self._connection is not None else self.session
            made = self._repositories[name] = repository(bound)
        return made

    @staticmethod
    def _on_sqlite(session: AsyncSession) -> bool:
        return session.bind is not None and session.bind.dialect.name == "sqlite"

    @property
    def session(self) -> AsyncSession:
        """The open session (for repositories and storage tests only)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    async def commit(self) -> None:
        """Make everything done so far permanent (then tell who caches roles, if seats changed,
        the outbox, if a row was queued, and who assumes people quiet, if a conversation or a
        handled update was written)."""
        if self._connection is not None:
            return  # each bookkeeping statement committed by itself
        await self.session.commit()
        repositories = self._repositories
        focal_points, outbox = repositories.get("focal_points"), repositories.get("outbox")
        bumped = queued = None
        if focal_points is not None:
            bumped, focal_points.bumped_to = focal_points.bumped_to, None
        if outbox is not None:
            queued, outbox.queued = outbox.queued, 0
        if bumped is not None:
            for listener in self._directory_listeners:
                listener(bumped)
        if queued:
            for wake in self._outbox_listeners:
                wake()
        if self._wrote_conversations():
            for changed in self._conversation_listeners:
                changed()

    def _wrote_conversations(self) -> bool:
        written = False
        for name in ("conversations", "updates"):
            repository = self._repositories.get(name)
            if repository is not None and repository.written:
                repository.written, written = False, True
        return written

    async def rollback(self) -> None:
        """Discard everything done since the last commit."""
        if self._connection is not None:
            return  # nothing is held back: each bookkeeping statement is committed
        await self.session.rollback()
        repositories = self._repositories
        if "focal_points" in repositories:
            repositories["focal_points"].bumped_to = None
        if "outbox" in repositories:
            repositories["outbox"].queued = 0
        for name in ("conversations", "updates"):
            if name in repositories:
                repositories[name].written = False


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use case (`read_only=True`: it never writes)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.session_factory = async_sessionmaker(engine, expire_on_commit=False)
        self._directory_listeners: list[Callable[[int], None]] = []
        self._outbox_listeners: list[Callable[[], None]] = []
        self._conversation_listeners: list[Callable[[], None]] = []

    def on_directory_change(self, listener: Callable[[int], None]) -> None:
        """Call `listener(version)` after each commit that changed who holds a seat."""
        self._directory_listeners.append(listener)

    def on_outbox_queued(self, wake: Callable[[], None]) -> None:
        """Call `wake()` after each commit that queued an outbox row (and only then)."""
        self._outbox_listeners.append(wake)

    def on_conversation_written(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after each commit that wrote a conversation or marked an update
        handled."""
        self._conversation_listeners.append(listener)

    def __call__(self, *, read_only: bool = False, bookkeeping: bool = False,
                 snapshot: bool = True) -> SqlUnitOfWork:
        """A new, not yet opened unit of work (see `UnitOfWorkFactory`)."""
        return SqlUnitOfWork(self.session_factory, read_only=read_only, bookkeeping=bookkeeping,
                             snapshot=snapshot, engine=self._engine,
                             directory_listeners=self._directory_listeners,
                             outbox_listeners=self._outbox_listeners,
                             conversation_listeners=self._conversation_listeners)


def make_uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    """A callable returning a new SqlUnitOfWork on the engine each time."""
    return SqlUnitOfWorkFactory(engine)
