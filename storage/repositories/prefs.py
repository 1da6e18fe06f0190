"""Per-user preferences (the chosen language, the current campaign)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.address import Address
from storage.models import BotStateRow, UserPrefRow
from storage.repositories._sql import upsert_insert

# The current campaign of a person in several (`/kehoach`) is a bot_state row of its own: the
# language rows stay as a bot serving one campaign always had them.
CAMPAIGN_PREFIX = "campaign:"


class SqlPreferenceRepository:
    """User preferences in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def locales(self) -> dict[Address, str]:
        """Every user's chosen language."""
        rows = await self._session.execute(select(UserPrefRow.address, UserPrefRow.locale))
        return {address: locale for address, locale in rows.all()}

    async def campaigns(self) -> dict[Address, str]:
        """Every user's current campaign (chosen with /kehoach)."""
        rows = await self._session.execute(select(BotStateRow.key, BotStateRow.value).where(
            BotStateRow.key.startswith(CAMPAIGN_PREFIX)))
        return {Address.parse(value["address"]): str(value["campaign"])
                for _key, value in rows.all()}

    async def campaign(self, address: Address) -> str | None:
        """The user's current campaign, if they chose one."""
        value = await self._session.scalar(
            select(BotStateRow.value).where(BotStateRow.key == _campaign_key(address)))
        return str(value["campaign"]) if isinstance(value, dict) else None

    async def set_campaign(self, address: Address, campaign_id: str) -> None:
        """Remember a user's current campaign (their language, if chosen, stays)."""
        statement = upsert_insert(self._session, BotStateRow).values(
            key=_campaign_key(address), value={"address": str(address), "campaign": campaign_id})
        await self._session.execute(statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": statement.excluded.value}))

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
        await self._session.execute(delete(BotStateRow).where(
            BotStateRow.key.in_(sorted(_campaign_key(address) for address in addresses))))
        return int(getattr(result, "rowcount", 0))


def _campaign_key(address: Address) -> str:
    # A digest: any address fits the key's 64 characters (the address is in the value).
    return CAMPAIGN_PREFIX + hashlib.sha256(str(address).encode()).hexdigest()[:48]
