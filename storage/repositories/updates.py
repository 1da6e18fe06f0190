"""Telegram updates already processed, so a redelivered update is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdateRow
from storage.repositories._sql import upsert_insert


class SqlProcessedUpdateRepository:
    """Processed update ids in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def mark(self, update_id: int, now: datetime) -> bool:
        """Record the update; True if it is new, False if it was already recorded."""
        statement = (
            upsert_insert(self._session, ProcessedUpdateRow)
            .values(update_id=update_id, processed_at=now)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(ProcessedUpdateRow.update_id)
        )
        result = await self._session.execute(statement)
        return result.scalar_one_or_none() is not None

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Forget updates processed before `cutoff` (Telegram redelivers for 24 h at most)."""
        result = await self._session.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0))
