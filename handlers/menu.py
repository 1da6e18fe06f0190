"""The commands, with their English and Vietnamese names, in the order of the menu."""

from __future__ import annotations

from dataclasses import dataclass


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
WHOAMI = Command("whoami", "toi")

# The order a user needs them: joining, the daily work of a unit, then the staff's tools.
MENU: tuple[Command, ...] = (
    START, HELP, REGISTER, TASKS, REPORT, MY_REPORTS, SUMMARY, TIMELINE, UNITS, EXPORT,
    REMIND, BROADCAST, INVITE, SETGROUP, PRIVACY, FORGET, LANG, CANCEL, WHOAMI,
)
