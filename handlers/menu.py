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
LANG = Command("lang", "ngonngu")
SUMMARY = Command("summary", "tonghop")
EXPORT = Command("export", "xuat")
TIMELINE = Command("timeline", "lichtrinh")
REMIND = Command("remind", "nhacnho")
BROADCAST = Command("broadcast", "thongbao")
SETGROUP = Command("setgroup", "setgroup")
TASKS = Command("tasks", "nhiemvu")
REPORT = Command("report", "baocao")
MY_REPORTS = Command("myreports", "baocaocuatoi")

# The order a user needs them: joining, the daily work of a unit, then the staff's tools.
MENU: tuple[Command, ...] = (
    START, HELP, REGISTER, TASKS, REPORT, MY_REPORTS, SUMMARY, TIMELINE, UNITS, EXPORT,
    REMIND, BROADCAST, INVITE, SETGROUP, PRIVACY, FORGET, LANG, CANCEL,
)


def menu_commands(locale: str) -> list[BotCommand]:
    """The menu entries for one language, described from the catalogue."""
    return [BotCommand(cmd.menu_name(locale), t(f"menu.{cmd.en}", locale)) for cmd in MENU]


async def set_command_menus(bot: Bot) -> None:
    """Register the Vietnamese menu as the default and the English one for English users."""
    await bot.set_my_commands(menu_commands("vi"))
    await bot.set_my_commands(menu_commands("en"), language_code="en")
