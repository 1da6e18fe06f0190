"""The outbox: every message the bot sends on its own initiative, keyed so it is sent once."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.address import Address
from bot.domain.privacy import PersonTraces
from bot.domain.records import OutboxMessage, OutboxStatus
from storage.models import OutboxRow
from storage.repositories._sql import upsert_insert

# SQLite limits bound parameters per statement; key lookups are chunked below this.
_CHUNK = 500

PENDING = OutboxStatus.PENDING.value
SENDING = OutboxStatus.SENDING.value


def _outbox(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        key=row.key,
        kind=row.kind,
        campaign_id=row.campaign_id,
        address=row.address,
        recipient_unit_id=row.recipient_unit_id,
        text_key=row.text_key,
        payload=row.payload or {},
        locale=row.locale,
        due_at=row.due_at,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        channel_message_id=row.channel_message_id,
        not_before=row.not_before,
        lease_token=row.lease_token,
    )


def _row_values(message: OutboxMessage) -> dict[str, Any]:
    return {
        "key": message.key,
        "kind": message.kind,
        "campaign_id": message.campaign_id,
        "address": message.address,
        "recipient_unit_id": message.recipient_unit_id,
        "text_key": message.text_key,
        "payload": dict(message.payload),
        "locale": message.locale,
        "due_at": message.due_at,
        "status": message.status.value,
        "attempts": 0,
        "last_error": message.last_error,
        "created_at": message.created_at,
        "not_before": message.not_before,
    }


class SqlOutboxRepository:
    """Outbox rows in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Rows queued in this transaction (the unit of work wakes the dispatcher after the
        # commit only when there are some).
        self.queued = 0

    async def enqueue(self, message: OutboxMessage) -> bool:
        """Queue a message unless its key is already queued; True if it was new."""
        statement = (
            upsert_insert(self._session, OutboxRow)
            .values(**_row_values(message))
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxRow.id)
        )
        result = await self._session.execute(statement)
        new = result.scalar_one_or_none() is not None
        self.queued += new
        return new

    async def enqueue_many(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue the messages whose key is not queued yet, in one statement per thousand (a
        nudge to thousands of units must not hold the write lock for one trip per row)."""
        rows = [_row_values(message) for message in messages]
        for start in range(0, len(rows), 1000):
            await self._session.execute(
                upsert_insert(self._session, OutboxRow.__table__).on_conflict_do_nothing(
                    index_elements=["key"]),
                rows[start:start + 1000],
            )
        # Rows whose key was taken count too: a spurious wake of the dispatcher is harmless.
        self.queued += len(rows)

    async def existing_keys(self, keys: Collection[str]) -> set[str]:
        """Which of these keys are already in the outbox (whatever their status)."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            statement = select(OutboxRow.key).where(OutboxRow.key.in_(chunk))
            found.update(await self._session.scalars(statement))
        return found

    async def get(self, key: str) -> OutboxMessage | None:
        """The message stored under a key, or None."""
        row = await self._session.scalar(select(OutboxRow).where(OutboxRow.key == key))
        return _outbox(row) if row is not None else None

    def _claimable(self, now: datetime) -> object:
        ready = and_(
            OutboxRow.status == PENDING,
            OutboxRow.due_at <= now,
            or_(OutboxRow.not_before.is_(None), OutboxRow.not_before <= now),
        )
        # A row left "sending" past its lease belongs to a worker that died mid-send.
        orphaned = and_(OutboxRow.status == SENDING, OutboxRow.not_before <= now)
        return or_(ready, orphaned)

    async def claim(
        self, now: datetime, limit: int, lease_until: datetime,
        channels: Collection[str] | None = None,
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages for sending, oldest first, leased until a moment.

        Only rows addressed on `channels` (default: all) are taken, so a channel that is not
        running never holds up the others. On PostgreSQL the rows are locked with SKIP LOCKED,
        so several dispatchers never take the same row; SQLite serialises writers (BEGIN
        IMMEDIATE) to the same effect.
        """
        conditions = [self._claimable(now)]
        if channels is not None:
            conditions.append(or_(*[OutboxRow.address.like(f"{name}:%") for name in channels]))
        statement = (
            select(OutboxRow.id)
            .where(*conditions)  # type: ignore[arg-type]
            .order_by(OutboxRow.due_at, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(await self._session.scalars(statement))
        if not ids:
            return []
        # A fresh token per claim: a dispatcher whose lease ran out can no longer settle the
        # row once another has claimed it (see `_held`).
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids))
            .values(status=SENDING, not_before=lease_until, lease_token=str(uuid.uuid4()))
        )
        rows = await self._session.scalars(
            select(OutboxRow).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.due_at, OutboxRow.id)
        )
        return [_outbox(row) for row in rows]

    async def expire(self, now: datetime, due_before: datetime, kinds: Collection[str]) -> int:
        """Record as skipped the pending messages of these kinds due before a moment."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.status == PENDING,
                OutboxRow.due_at < due_before,
                OutboxRow.kind.in_(list(kinds)),
            )
            .values(status=OutboxStatus.SKIPPED.value, last_error="expired", not_before=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _held(self, message_id: int, lease_token: str | None) -> list[Any]:
        """The row, and with a token: only while that claim still holds it."""
        conditions: list[Any] = [OutboxRow.id == message_id]
        if lease_token is not None:
            conditions += [OutboxRow.status == SENDING, OutboxRow.lease_token == lease_token]
        return conditions

    async def _settle(self, message_id: int, lease_token: str | None, **values: Any) -> bool:
        result = await self._session.execute(
            update(OutboxRow).where(*self._held(message_id, lease_token))
            .values(lease_token=None, **values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def renew(self, message_id: int, lease_token: str, lease_until: datetime) -> bool:
        """Extend a claim's lease; False if the claim no longer holds the row."""
        result = await self._session.execute(
            update(OutboxRow).where(*self._held(message_id, lease_token))
            .values(not_before=lease_until)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_sent(
        self, message_id: int, sent_at: datetime, channel_message_id: str | None,
        lease_token: str | None = None,
    ) -> bool:
        """Record a delivered message (with a token: only if that claim still holds it)."""
        return await self._settle(
            message_id, lease_token,
            status=OutboxStatus.SENT.value,
            sent_at=sent_at,
            channel_message_id=channel_message_id,
            attempts=OutboxRow.attempts + 1,
            not_before=None,
        )

    async def mark_sent_many(
        self, sent: Sequence[tuple[int, datetime, str | None, str | None]],
    ) -> list[bool]:
        """Record many delivered messages, each `(id, sent_at, channel_message_id,
        lease_token)`, in two statements: which are still held by their claim (locked on
        PostgreSQL), then one update of those; True for each row recorded."""
        if not sent:
            return []
        held: set[int] = set()
        ids = [message_id for message_id, *_rest in sent]
        for start in range(0, len(ids), _CHUNK):
            statement = (
                select(OutboxRow.id, OutboxRow.status, OutboxRow.lease_token)
                .where(OutboxRow.id.in_(ids[start:start + _CHUNK]))
                .with_for_update()
            )
            tokens = {row_id: (status, token)
                      for row_id, status, token in await self._session.execute(statement)}
            for message_id, _at, _channel_id, token in sent[start:start + _CHUNK]:
                found = tokens.get(message_id)
                if found is not None and (token is None or found == (SENDING, token)):
                    held.add(message_id)
        rows = [{"row_id": message_id, "at": at, "channel_id": channel_id}
                for message_id, at, channel_id, _token in sent if message_id in held]
        if rows:
            table = OutboxRow.__table__
            await self._session.execute(
                update(table).where(table.c.id == bindparam("row_id")).values(
                    status=OutboxStatus.SENT.value, sent_at=bindparam("at"),
                    channel_message_id=bindparam("channel_id"),
                    attempts=table.c.attempts + 1, not_before=None, lease_token=None),
                rows,
            )
        return [message_id in held for message_id, *_rest in sent]

    async def mark_failed(
        self, message_id: int, error: str, lease_token: str | None = None
    ) -> bool:
        """Record a message that will never be delivered, and why."""
        return await self._settle(
            message_id, lease_token,
            status=OutboxStatus.FAILED.value,
            last_error=error[:500],
            attempts=OutboxRow.attempts + 1,
            not_before=None,
        )

    async def mark_skipped(
        self, message_id: int, reason: str, lease_token: str | None = None
    ) -> bool:
        """Record a message deliberately not sent, and why."""
        return await self._settle(
            message_id, lease_token,
            status=OutboxStatus.SKIPPED.value, last_error=reason[:500], not_before=None,
        )

    async def retry_later(
        self, message_id: int, not_before: datetime, error: str, lease_token: str | None = None
    ) -> bool:
        """Put a message back in the queue after a failed attempt, not before a moment."""
        return await self._settle(
            message_id, lease_token,
            status=PENDING,
            last_error=error[:500],
            attempts=OutboxRow.attempts + 1,
            not_before=not_before,
        )

    async def release(self, message_id: int, lease_token: str | None = None) -> bool:
        """Give a claimed message back untouched (the dispatcher is stopping)."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(*self._held(message_id, lease_token), OutboxRow.status == SENDING)
            .values(status=PENDING, not_before=None, lease_token=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def recover(self) -> int:
        """Put every row left "sending" back in the queue; return how many."""
        result = await self._session.execute(
            update(OutboxRow).where(OutboxRow.status == SENDING)
            .values(status=PENDING, not_before=None, lease_token=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def next_wake(self, after: datetime) -> datetime | None:
        """The earliest moment after `after` at which a queued message becomes sendable."""
        moment = func.coalesce(OutboxRow.not_before, OutboxRow.due_at)
        statement = select(func.min(moment)).where(
            OutboxRow.status.in_([PENDING, SENDING]), moment > after
        )
        value = await self._session.scalar(statement)
        if value is None:
            return None
        # min() over a coalesce loses the column type on SQLite: it comes back as text.
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    async def has_sendable(self, now: datetime) -> bool:
        """Whether some message is due and could be claimed at `now`."""
        statement = select(OutboxRow.id).where(self._claimable(now)).limit(1)  # type: ignore[arg-type]
        return await self._session.scalar(statement) is not None

    async def recent(
        self, limit: int = 200, campaign_id: str | None = None
    ) -> list[OutboxMessage]:
        """The newest messages first (by due time, then by id)."""
        statement = select(OutboxRow).order_by(OutboxRow.due_at.desc(), OutboxRow.id.desc())
        if campaign_id is not None:
            statement = statement.where(
                or_(OutboxRow.campaign_id == campaign_id, OutboxRow.campaign_id.is_(None))
            )
        rows = await self._session.scalars(statement.limit(limit))
        return [_outbox(row) for row in rows]

    async def counts(self) -> dict[str, int]:
        """How many messages are in each status."""
        statement = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        found = {status: count for status, count in (await self._session.execute(statement)).all()}
        return {status.value: int(found.get(status.value, 0)) for status in OutboxStatus}

    async def sent_by_unit(
        self, kind: str, key_prefixes: Collection[str]
    ) -> dict[str, list[datetime]]:
        """When messages of a kind whose key starts with a prefix reached each unit.

        One moment per occasion (a deputy's copy of the same nudge does not count twice).
        """
        if not key_prefixes:
            return {}
        statement = select(
            OutboxRow.recipient_unit_id, OutboxRow.due_at, func.min(OutboxRow.sent_at)
        ).where(
            OutboxRow.status == OutboxStatus.SENT.value,
            OutboxRow.kind == kind,
            OutboxRow.recipient_unit_id.is_not(None),
            or_(*(OutboxRow.key.startswith(prefix, autoescape=True) for prefix in key_prefixes)),
        ).group_by(OutboxRow.recipient_unit_id, OutboxRow.due_at)
        result: dict[str, list[datetime]] = {}
        for unit_id, _due, sent_at in (await self._session.execute(statement)).all():
            if isinstance(sent_at, str):
                sent_at = datetime.fromisoformat(sent_at)
            if sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=UTC)
            result.setdefault(unit_id, []).append(sent_at)
        return {unit: sorted(times) for unit, times in result.items()}

    async def forget(self, traces: PersonTraces, placeholder: Address) -> int:
        """Make every message to or about a person name nobody; return how many rows changed.

        Messages addressed to the person now go to the placeholder (an address on no channel),
        those still queued are skipped, and names, numbers and ids in keys, values and errors
        are replaced. Sent rows keep their status, so the summary still counts the reminders a
        unit received.
        """
        rows = (await self._session.scalars(select(OutboxRow))).all()
        keys = [
            re.compile(r"(^|:)" + re.escape(address.key) + r"(?=:|$)")
            for address in sorted(traces.addresses)
        ]
        changed = 0
        for row in rows:
            addressed = row.address in traces.addresses
            key = row.key
            for pattern in keys:
                key = pattern.sub(lambda m: m.group(1) + placeholder.key, key)
            payload = row.payload or {}
            mentioned = traces.mentioned_in(payload)
            error = row.last_error or ""
            if not (addressed or key != row.key or mentioned or traces.in_text(error)):
                continue
            values: dict[str, object] = {
                "key": key,
                "payload": traces.scrub(payload) if mentioned else payload,
                "last_error": traces.scrub(error) if error else row.last_error,
            }
            if addressed:
                values["address"] = placeholder
            if row.status in (PENDING, SENDING):
                values.update(status=OutboxStatus.SKIPPED.value, last_error="erased",
                              not_before=None)
            await self._session.execute(
                update(OutboxRow).where(OutboxRow.id == row.id).values(**values)
            )
            changed += 1
        return changed
