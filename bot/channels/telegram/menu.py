"""The command menus Telegram shows: one per role, in the person's language.

Strangers see the default scope's menu, every group the group menu, and the secretariat, the
head and each focal point or deputy a menu of their own in their private chat
(BotCommandScopeChat). Each scope has a Vietnamese list (no language code) and an English one
(language code "en"), so an English Telegram app shows English until the person picks a language
with /ngonngu, after which both lists are in the chosen language.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import BadRequest, TelegramError

from bot.domain.address import Address
from bot.services.access import Role
from bot.services.menus import MenuService, Wanted
from bot.texts import t
from handlers.menu import MENU, Command, commands_for, group_commands, text_key

log = logging.getLogger(__name__)

CHANNEL = "telegram"


def _entries(commands: tuple[Command, ...], locale: str, role: Role,
             parent: bool = False) -> list[BotCommand]:
    return [BotCommand(cmd.menu_name(locale), t(text_key("menu", cmd, role, parent), locale))
            for cmd in commands]


def menu_commands(
    locale: str, role: Role | None = None, *, group: bool = False, parent: bool = False,
    several: bool = False,
) -> list[BotCommand]:
    """The menu entries for a role (None: every command) in one language; `parent`: a
    member whose unit consolidates its children's reports; `several`: a person taking part
    in more than one campaign."""
    if group:
        return _entries(group_commands(), locale, Role.STRANGER)
    if role is None:
        return _entries(MENU, locale, Role.STRANGER)
    return _entries(commands_for(role, private=True, parent=parent, several=several),
                    locale, role, parent)


async def set_command_menus(bot: Bot, default_locale: str = "vi") -> None:
    """The strangers' menu as the default scope and the group menu for every group."""
    scopes = ((BotCommandScopeDefault(), False), (BotCommandScopeAllGroupChats(), True))
    calls = []
    for scope, group in scopes:
        role = None if group else Role.STRANGER
        calls.append(bot.set_my_commands(menu_commands(default_locale, role, group=group),
                                         scope=scope))
        calls.append(bot.set_my_commands(menu_commands("en", role, group=group), scope=scope,
                                         language_code="en"))
    # Four independent calls at once: the start waits for one round trip, not four.
    await asyncio.gather(*calls)


class TelegramMenus:
    """Keeps every known person's private-chat menu in step with their role and language."""

    def __init__(self, bot: Bot, menus: MenuService, default_locale: str) -> None:
        self._bot = bot
        self._menus = menus
        self._default_locale = default_locale
        self._published: dict[str, Wanted] | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Publish the default and group menus, then every person's own."""
        await set_command_menus(self._bot, self._default_locale)
        await self.sync()

    @property
    def syncing(self) -> bool:
        """Whether a sync is under way (a stop waits for it, so that it is recorded)."""
        return self._lock.locked()

    async def after_turn(self, sender: Address) -> None:
        """After a message: publish what changed (a registration, an erasure, a language), or
        the menu of a configured staff member whose chat did not exist before."""
        published = self._published or {}
        if not self._menus.changed and not (
            self._menus.is_staff(sender) and sender.id not in published
        ):
            return
        try:
            await self.sync()
        except TelegramError as exc:
            # The answer is sent; the menus are tried again after the next message.
            self._menus.mark_changed()
            log.warning("command menus not updated: %s", type(exc).__name__)

    async def sync(self) -> None:
        """Set or take back each person's menu so that it matches their role now."""
        async with self._lock:
            wanted = await self._menus.wanted(CHANNEL)
            if self._published is None:
                self._published = await self._menus.published(CHANNEL)
            published = dict(self._published)
            try:
                for ident, want in wanted.items():
                    if published.get(ident) != want and await self._set(ident, want):
                        published[ident] = want
                for ident in [ident for ident in published if ident not in wanted]:
                    await self._delete(ident)
                    del published[ident]
            finally:
                # Also when stopped or failing half-way (the start publishes in a task the
                # stop cancels): what was published is remembered, to be taken back later.
                if published != self._published:
                    await self._menus.record(CHANNEL, published)
                self._published = published

    async def _set(self, ident: str, want: Wanted) -> bool:
        role, chosen, parent, several = Role(want[0]), want[1], want[2], want[3]
        scope = BotCommandScopeChat(int(ident))
        try:
            await self._bot.set_my_commands(
                menu_commands(chosen or self._default_locale, role, parent=parent,
                              several=several), scope=scope)
            await self._bot.set_my_commands(
                menu_commands(chosen or "en", role, parent=parent, several=several),
                scope=scope, language_code="en")
        except BadRequest as exc:
            # "chat not found": the person never opened the bot; set after their first message.
            log.info("no command menu for a %s yet: %s", role.value, exc.message)
            return False
        return True

    async def _delete(self, ident: str) -> None:
        scope = BotCommandScopeChat(int(ident))
        for language in (None, "en"):
            try:
                await self._bot.delete_my_commands(scope=scope, language_code=language)
            except BadRequest as exc:
                log.info("command menu not taken back: %s", exc.message)
