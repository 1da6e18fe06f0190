"""The command menu Telegram shows, in Vietnamese (default) and English."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.texts import t
from handlers.menu import MENU


def menu_commands(locale: str) -> list[BotCommand]:
    """The menu entries for one language, described from the catalogue."""
    return [BotCommand(cmd.menu_name(locale), t(f"menu.{cmd.en}", locale)) for cmd in MENU]


async def set_command_menus(bot: Bot) -> None:
    """Register the Vietnamese menu as the default and the English one for English users."""
    await bot.set_my_commands(menu_commands("vi"))
    await bot.set_my_commands(menu_commands("en"), language_code="en")
