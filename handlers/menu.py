"""The command menu shown by Telegram, in Vietnamese (default) and English."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, BotCommand

from bot.texts import t


@dataclass(frozen=True)
class Command:
    """A command with its English and Vietnamese names."""

    en: str
    vi: str

    @property
    def names(self) -> tuple[str, ...]:
        """Both names, for a CommandHandler."""
        return (self.en, self.vi) if self.vi != self.en else (self.en,)

    def menu_name(self, locale: str) -> str:
        """The name shown in the menu of a language."""
        return self.vi if locale == "vi" else self.en


START = Command("start", "start")
HELP = Command("help", "huongdan")
REGISTER = Command("register", "dangky")
CANCEL = Command("cancel", "huy")
UNITS = Command("units", "donvi")
INVITE = Command("invite", "moi")
PRIVACY = Command("privacy", "baomat")
FORGET = Command("forget", "xoadulieu")

# The menu lists what works today, in the order a new user needs it.
MENU: tuple[Command, ...] = (START, HELP, REGISTER, UNITS, INVITE, PRIVACY, FORGET, CANCEL)


def menu_commands(locale: str) -> list[BotCommand]:
    """The menu entries for one language, described from the catalogue."""
    return [BotCommand(cmd.menu_name(locale), t(f"menu.{cmd.en}", locale)) for cmd in MENU]


async def set_command_menus(bot: Bot) -> None:
    """Register the Vietnamese menu as the default and the English one for English users."""
    await bot.set_my_commands(menu_commands("vi"))
    await bot.set_my_commands(menu_commands("en"), language_code="en")
