"""The inbox: every inbound update as received, stored before the platform is told it arrived."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.domain.address import Address
from bot.domain.privacy import PersonTraces
from bot.domain.records import InboxEntry, InboxStatus, Settled
from storage.driver_statement import DriverStatement
from storage.models import ConversationRow, DirectoryVersionRow, InboxRow, ProcessedUpdateRow
from storage.repositories._sql import upsert_insert

PENDING = InboxStatus.PENDING.value


# Built once, on the table (no ORM entity is loaded or synchronised): it runs for every
# update, and building it cost more than running it.
_INBOX = InboxRow.__table__.c
_IS_ENTRY = _INBOX.id == bindparam("entry")
_CHAT = bindparam("chat", type_=ConversationRow.chat_address.type)
_USER = bindparam("user", type_=ConversationRow.user_address.type)
# The entry is attempted only while this instance holds it (its claim is renewed with it).
_HELD = and_(_IS_ENTRY, _INBOX.claimed_by == bindparam("owner"),
             _INBOX.status == InboxStatus.PENDING.value)
_ATTEMPT_SETTLING = (
    update(InboxRow.__table__)
    .where(or_(_HELD, _INBOX.id == bindparam("done")))
    .values(
        attempts=case((_IS_ENTRY, _INBOX.attempts + 1), else_=_INBOX.attempts),
        status=case((_IS_ENTRY, _INBOX.status), else_=InboxStatus.DONE.value),
        processed_at=case((_IS_ENTRY, _INBOX.processed_at),
                          else_=bindparam("now", type_=_INBOX.processed_at.type)),
        claimed_until=case((_IS_ENTRY, bindparam("until", type_=_INBOX.claimed_until.type)),
                           else_=_INBOX.claimed_until),
    )
    .returning(
        _INBOX.id,
        select(func.coalesce(func.max(DirectoryVersionRow.version), 0)).scalar_subquery(),
        # Quiet: the sender has no conversation and the update (under the key the flows know
        # it by) was never handled, so most updates need no further read of either (see
        # DialogueService.quiet).
        and_(
            ~select(ConversationRow.flow).where(
                ConversationRow.chat_address == _CHAT, ConversationRow.user_address == _USER,
            ).exists(),
            ~select(ProcessedUpdateRow.message_key).where(
                ProcessedUpdateRow.message_key == bindparam("key")).exists(),
        ),
    )
)
# PostgreSQL: the same statement, whose commit does not wait for the WAL flush (set_config
# with is_local: for its own transaction; in AUTOCOMMIT, that is the statement alone).
# An uncorrelated scalar subquery: PostgreSQL evaluates it once, before the rows.
_NO_SYNC = select(func.set_config("synchronous_commit", "off", True)).scalar_subquery()
_ATTEMPT_SETTLING_PG = _ATTEMPT_SETTLING.where(_NO_SYNC.is_not(None))
_DRIVER_SETTLING = DriverStatement(_ATTEMPT_SETTLING)
_DRIVER_SETTLING_PG = DriverStatement(_ATTEMPT_SETTLING_PG)


def _entry(row: InboxRow) -> InboxEntry:
    return InboxEntry(
        id=row.id,
        channel=row.channel,
        message_key=row.message_key,
        payload=row.payload or {},
        received_at=row.received_at,
        status=InboxStatus(row.status),
        attempts=row.attempts,
        seq=row.seq,
        processed_at=row.processed_at,
        last_error=row.last_error,
    )


class SqlInboxRepository:
    """Inbox rows in SQL; never commits."""

    def __init__(self, session: AsyncSession | AsyncConnection) -> None:
        self._session = session

    async def add(
        self, channel: str, message_key: str, payload: Any, now: datetime,
        *, seq: int | None = None, replay: bool = False,
    ) -> bool:
        """Store an update unless its key is stored; True if it is (again) to be processed.

        With `replay`, an update already processed is queued once more (a redelivery is
        answered again; what it changed is not changed twice: see `DialogueService.once`).
        """
        statement = (
            upsert_insert(self._session, InboxRow)
            .values(channel=channel, message_key=message_key, seq=seq, payload=payload,
                    received_at=now, status=PENDING, attempts=0)
            .on_conflict_do_nothing(index_elements=["message_key"])
            .returning(InboxRow.id)
        )
        if (await self._session.execute(statement)).scalar_one_or_none() is not None:
            return True
        if not replay:
            return False
        requeued = await self._session.execute(
            update(InboxRow)
            .where(InboxRow.message_key == message_key, InboxRow.status != PENDING)
            .values(status=PENDING, attempts=0, processed_at=None, last_error=None)
            .returning(InboxRow.id)
        )
        return requeued.scalar_one_or_none() is not None

    async def add_many(
        self, channel: str, items: Sequence[tuple[str, Any, int | None]], now: datetime,
        *, replay: bool = False,
    ) -> list[bool]:
        """`add` for (key, payload, seq) items in one statement (two with `replay`): a batch
        of updates costs one round trip, not one per update."""
        if not items:
            return []
        # One cached statement for any batch size (executemany: SQLAlchemy sends it as one
        # multi-row INSERT), on the table: no ORM rows are built for it.
        statement = (
            upsert_insert(self._session, InboxRow.__table__)
            .on_conflict_do_nothing(index_elements=["message_key"])
            .returning(_INBOX.message_key, sort_by_parameter_order=True)
        )
        connection = await self._session.connection()
        stored = set((await connection.execute(statement, [
            {"channel": channel, "message_key": key, "seq": seq, "payload": payload,
             "received_at": now, "status": PENDING, "attempts": 0}
            for key, payload, seq in items
        ])).scalars().all())
        known = [key for key, _payload, _seq in items if key not in stored]
        if replay and known:
            requeued = await self._session.scalars(
                update(InboxRow)
                .where(InboxRow.message_key.in_(known), InboxRow.status != PENDING)
                .values(status=PENDING, attempts=0, processed_at=None, last_error=None)
                .returning(InboxRow.message_key)
            )
            stored.update(requeued.all())
        return [key in stored for key, _payload, _seq in items]

    async def pending(self, channel: str, limit: int = 100) -> list[InboxEntry]:
        """The channel's updates still to process, in the order they were received."""
        rows = await self._session.scalars(
            select(InboxRow)
            .where(InboxRow.channel == channel, InboxRow.status == PENDING)
            .order_by(InboxRow.id)
            .limit(limit)
        )
        return [_entry(row) for row in rows]

    async def claim(self, channel: str, owner: str, now: datetime, until: datetime,
                    limit: int = 100, *, everything: bool = False) -> list[InboxEntry]:
        """Take the oldest pending updates nobody else holds (or whose hold ran out), for
        `owner` until `until`; on PostgreSQL rows another instance is claiming are skipped.
        `everything`: the only instance takes whatever is pending."""
        free = or_(InboxRow.claimed_until.is_(None), InboxRow.claimed_until < now,
                   InboxRow.claimed_by == owner)
        conditions = [InboxRow.channel == channel, InboxRow.status == PENDING]
        candidates = (
            select(InboxRow.id)
            .where(*conditions, *([] if everything else [free]))
            .order_by(InboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # SQLite: one writer at a time anyway
        )
        connection = await self._connection()
        statement = (
            update(InboxRow.__table__)
            .where(_INBOX.id.in_(candidates.scalar_subquery()))
            .values(claimed_by=owner, claimed_until=until)
            .returning(*_INBOX)
        )
        if connection.dialect.name == "postgresql":
            # Bookkeeping, like the attempts: the commit of a claim (and of the done mark that
            # goes with it) does not wait for the disk; lost in a crash of the database
            # server, the updates are claimed and handled once more.
            statement = statement.where(_NO_SYNC.is_not(None))
        rows = await connection.execute(statement)
        return sorted((_entry(row) for row in rows), key=lambda entry: entry.id)

    async def attempt(self, entry_id: int, owner: str | None = None,
                      until: datetime | None = None) -> bool:
        """Count one attempt at processing an update (before it is processed) and renew the
        hold; False if `owner` no longer holds it (another instance took it over)."""
        statement = update(InboxRow).where(InboxRow.id == entry_id)
        values: dict[str, Any] = {"attempts": InboxRow.attempts + 1}
        if owner is not None:
            statement = statement.where(InboxRow.claimed_by == owner,
                                        InboxRow.status == PENDING)
            values["claimed_until"] = until
        result = await self._session.execute(
            statement.values(**values).returning(InboxRow.id)
        )
        return result.scalar_one_or_none() is not None

    async def attempt_settling(self, entry_id: int, done_id: int | None, now: datetime,
                               owner: str, until: datetime,
                               subject: tuple[Address, Address, str] | None = None,
                               ) -> Settled | None:
        """`attempt` on one update (renewing `owner`'s hold until `until`) and `done` on the
        previous one, in one statement (atomic without a transaction); return what it read:
        the directory version, and whether the update's `subject` (chat, sender, message key)
        is quiet (the sender has no conversation in the chat, the key was never handled);
        None if `owner` no longer holds the update. On PostgreSQL its transaction's commit
        does not wait for the disk (bookkeeping only)."""
        chat, user, key = subject if subject is not None else (None, None, None)
        values = {"entry": entry_id, "done": done_id, "now": now, "owner": owner,
                  "until": until, "chat": chat, "user": user, "key": key}
        if isinstance(self._session, AsyncConnection):
            # Bookkeeping's bare connection: straight to the driver (see DriverStatement).
            sqlite = self._session.dialect.name == "sqlite"
            rows = await (_DRIVER_SETTLING if sqlite else _DRIVER_SETTLING_PG).rows(
                self._session, values)
        else:
            bind = self._session.bind
            statement = _ATTEMPT_SETTLING if bind is None or bind.dialect.name == "sqlite" else (
                _ATTEMPT_SETTLING_PG)
            rows = (await self._session.execute(statement, values)).all()
        for row_id, version, quiet in rows:
            if row_id == entry_id:
                # Without a subject nothing was looked up: never quiet.
                return Settled(int(version), bool(quiet) and subject is not None)
        return None

    async def done(self, entry_id: int, now: datetime) -> None:
        """Record an update as processed (bookkeeping: on PostgreSQL its commit does not wait
        for the disk; lost in a crash of the database server, the update is handled again)."""
        statement = (update(InboxRow.__table__).where(_INBOX.id == entry_id)
                     .values(status=InboxStatus.DONE.value, processed_at=now))
        connection = await self._connection()
        if connection.dialect.name == "postgresql":
            statement = statement.where(_NO_SYNC.is_not(None))
        await connection.execute(statement)

    async def _connection(self) -> AsyncConnection:
        """The Core connection under the session (or the bare connection bookkeeping has)."""
        if isinstance(self._session, AsyncConnection):
            return self._session
        return await self._session.connection()

    async def failed(self, entry_id: int, now: datetime, error: str) -> None:
        """Give up on an update that failed every attempt, and say why."""
        await self._session.execute(
            update(InboxRow).where(InboxRow.id == entry_id)
            .values(status=InboxStatus.FAILED.value, processed_at=now, last_error=error[:500])
        )

    async def note_error(self, entry_id: int, error: str) -> None:
        """Keep why an attempt failed; the update stays pending."""
        await self._session.execute(
            update(InboxRow).where(InboxRow.id == entry_id).values(last_error=error[:500])
        )

    async def last_seq(self, channel: str) -> int | None:
        """The highest platform sequence number stored for a channel (Telegram's update_id)."""
        return await self._session.scalar(
            select(func.max(InboxRow.seq)).where(InboxRow.channel == channel)
        )

    async def get(self, message_key: str) -> InboxEntry | None:
        """The update stored under a key, or None."""
        row = await self._session.scalar(
            select(InboxRow).where(InboxRow.message_key == message_key))
        return _entry(row) if row is not None else None

    async def all(self, channel: str | None = None) -> list[InboxEntry]:
        """Every stored update (of one channel if given), oldest first."""
        statement = select(InboxRow).order_by(InboxRow.id)
        if channel is not None:
            statement = statement.where(InboxRow.channel == channel)
        return [_entry(row) for row in await self._session.scalars(statement)]

    async def forget(self, traces: PersonTraces) -> int:
        """Empty the stored payloads that mention a person (erasure); return how many.

        The rows stay, so the platform's sequence and the de-duplication key are kept; the
        table holds at most a day of messages, so reading every payload stays small.
        """
        rows = await self._session.execute(select(InboxRow.id, InboxRow.payload))
        ids = [row_id for row_id, payload in rows.all() if traces.mentioned_in(payload)]
        if ids:
            await self._session.execute(
                update(InboxRow).where(InboxRow.id.in_(ids)).values(payload={})
            )
        return len(ids)

    async def delete_processed_before(self, cutoff: datetime) -> int:
        """Forget updates processed before `cutoff` (platforms redeliver for 24 h at most)."""
        result = await self._session.execute(
            delete(InboxRow).where(InboxRow.status != PENDING, InboxRow.processed_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)
