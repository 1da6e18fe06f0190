"""Per-user preferences (the chosen language)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.address import Address
from storage.models import UserPrefRow
from storage.repositories._sql import upsert_insert


class SqlPreferenceRepository:
    """User preferences in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def locales(self) -> dict[Address, str]:
        """Every user's chosen language."""
        rows = await self._session.execute(select(UserPrefRow.address, UserPrefRow.locale))
        return {address: locale for address, locale in rows.all()}

    async def set_locale(self, address: Address, locale: str) -> None:
        """Remember a user's language."""
        statement = upsert_insert(self._session, UserPrefRow).values(
            address=address, locale=locale
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["address"], set_={"locale": statement.excluded.locale}
            )
        )

    async def forget(self, addresses: Collection[Address]) -> int:
        """Forget the language of these addresses; return how many were stored."""
        if not addresses:
            return 0
        result = await self._session.execute(
            delete(UserPrefRow).where(UserPrefRow.address.in_(sorted(addresses)))
        )
        return int(getattr(result, "rowcount", 0))
