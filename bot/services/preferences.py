"""Users' chosen language (cached for every update) and campaign, kept in the database."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.address import Address
from bot.services.ports import UnitOfWorkFactory
from bot.texts import LOCALES


class PreferenceService:
    """The language each user chose with /ngonngu (None: the language the channel reports)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self._locales: dict[Address, str] = {}
        self._on_chosen: list[Callable[[Address], None]] = []

    def on_chosen(self, hook: Callable[[Address], None]) -> None:
        """Call `hook` with the user's address after they chose a language."""
        self._on_chosen.append(hook)

    async def load(self) -> None:
        """Read every stored choice (once, at start-up)."""
        async with self._uow_factory() as uow:
            self._locales = await uow.prefs.locales()

    def locale_of(self, user: Address) -> str | None:
        """The user's chosen language, if any."""
        return self._locales.get(user)

    def forget_cached(self, addresses: frozenset[Address]) -> None:
        """Drop erased people's choices from the cache (the database rows are already gone)."""
        for address in addresses:
            self._locales.pop(address, None)

    async def choose_campaign(self, user: Address, campaign_id: str) -> None:
        """Store the campaign the user works in from now on (read afresh by every instance,
        see bot/services/participation.py)."""
        async with self._uow_factory() as uow:
            await uow.prefs.set_campaign(user, campaign_id)
            await uow.commit()

    async def choose(self, user: Address, locale: str) -> bool:
        """Store a user's language; False if the language is not offered."""
        if locale not in LOCALES:
            return False
        async with self._uow_factory() as uow:
            await uow.prefs.set_locale(user, locale)
            await uow.commit()
        self._locales[user] = locale
        for hook in self._on_chosen:
            hook(user)
        return True
