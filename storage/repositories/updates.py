"""Inbound messages already processed, so a message delivered twice is handled once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.privacy import PersonTraces
from storage.models import ProcessedUpdateRow
from storage.repositories._sql import upsert_insert


class SqlProcessedUpdateRepository:
    """Processed update ids in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Set by `mark`: the unit of work tells who assumes an update was never handled.
        self.written = False

    async def mark(self, message_key: str, now: datetime) -> bool:
        """Record the update; True if it is new, False if it was already recorded."""
        statement = (
            upsert_insert(self._session, ProcessedUpdateRow)
            .values(message_key=message_key, processed_at=now)
            .on_conflict_do_nothing(index_elements=["message_key"])
            .returning(ProcessedUpdateRow.message_key)
        )
        self.written = True
        result = await self._session.execute(statement)
        return result.scalar_one_or_none() is not None

    async def remember(self, message_key: str, outcome: Any) -> None:
        """Keep what the bot answered to an update (JSON-ready)."""
        await self._session.execute(
            update(ProcessedUpdateRow)
            .where(ProcessedUpdateRow.message_key == message_key)
            .values(outcome=outcome)
        )

    async def recall(self, message_key: str) -> Any | None:
        """What the bot answered to an update, if it was remembered."""
        return (
            await self._session.execute(
                select(ProcessedUpdateRow.outcome).where(
                    ProcessedUpdateRow.message_key == message_key
                )
            )
        ).scalar_one_or_none()

    async def seen(self, message_key: str) -> bool:
        """Whether the update was recorded (handled before)."""
        found = await self._session.scalar(
            select(ProcessedUpdateRow.message_key).where(
                ProcessedUpdateRow.message_key == message_key
            )
        )
        return found is not None

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Forget updates processed before `cutoff` (platforms redeliver for 24 h at most)."""
        result = await self._session.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0))

    async def forget(self, traces: PersonTraces) -> int:
        """Drop the stored answers that mention a person; return how many.

        The keys stay, so a redelivered message is still recognised and not handled twice; it
        is only no longer answered again. The table holds at most a day of messages (see
        `delete_older_than`), so reading every stored answer here stays small.
        """
        rows = await self._session.execute(
            select(ProcessedUpdateRow.message_key, ProcessedUpdateRow.outcome)
            .where(ProcessedUpdateRow.outcome.is_not(None))
        )
        keys = [key for key, outcome in rows.all() if traces.mentioned_in(outcome)]
        for key in keys:
            await self._session.execute(
                update(ProcessedUpdateRow)
                .where(ProcessedUpdateRow.message_key == key)
                .values(outcome=None)
            )
        return len(keys)
