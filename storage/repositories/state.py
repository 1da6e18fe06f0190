"""Bot-wide values learned at run time (the coordination group…), in the bot_state table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BotStateRow
from storage.repositories._sql import upsert_insert


class SqlBotStateRepository:
    """Key/value rows of JSON; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, key: str) -> Any | None:
        """The value stored under a key, or None."""
        return await self._session.scalar(select(BotStateRow.value).where(BotStateRow.key == key))

    async def put(self, key: str, value: Any) -> None:
        """Store (or replace) the value of a key."""
        statement = upsert_insert(self._session, BotStateRow).values(key=key, value=value)
        statement = statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": statement.excluded.value}
        )
        await self._session.execute(statement)

    async def delete(self, key: str) -> bool:
        """Forget a key; return whether it was there."""
        result = await self._session.execute(delete(BotStateRow).where(BotStateRow.key == key))
        return bool(result.rowcount)  # type: ignore[attr-defined]
