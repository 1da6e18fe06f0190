"""Per-user preferences (the chosen language)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import UserPrefRow
from storage.repositories._sql import upsert_insert


class SqlPreferenceRepository:
    """User preferences in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def locales(self) -> dict[int, str]:
        """Every user's chosen language."""
        rows = await self._session.execute(select(UserPrefRow.user_id, UserPrefRow.locale))
        return {user_id: locale for user_id, locale in rows.all()}

    async def set_locale(self, user_id: int, locale: str) -> None:
        """Remember a user's language."""
        statement = upsert_insert(self._session, UserPrefRow).values(
            user_id=user_id, locale=locale
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id"], set_={"locale": statement.excluded.locale}
            )
        )
