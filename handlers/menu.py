"""The commands, with their English and Vietnamese names, who may use them and where.

The same table drives the menus a channel shows, `/huongdan`, and the tests that hold both to
the checks the handlers make, so a menu never offers what the person will be refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.plan import Plan
from bot.services.access import MEMBERS, STAFF, Identity, Role, consolidating_unit
from bot.texts import DEFAULT_LOCALE, catalogue

EVERYONE = frozenset(Role)
SECRETARIAT = frozenset({Role.SECRETARIAT})


@dataclass(frozen=True)
class Command:
    """A command with its English and Vietnamese names, its audience and where it works."""

    en: str
    vi: str
    roles: frozenset[Role] = EVERYONE
    private: bool = True  # offered in a one-to-one chat
    group: bool = False  # offered in a group chat
    # Also offered to a focal point or deputy whose unit others report to (it consolidates).
    parents: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """Both names, for a CommandHandler."""
        return (self.en, self.vi) if self.vi != self.en else (self.en,)

    def menu_name(self, locale: str) -> str:
        """The name shown in the menu of a language."""
        return self.vi if locale == "vi" else self.en


START = Command("start", "start")
HELP = Command("help", "huongdan", group=True)
REGISTER = Command("register", "dangky", frozenset({Role.STRANGER, *MEMBERS}))
CANCEL = Command("cancel", "huy")
UNITS = Command("units", "donvi", STAFF, group=True)
INVITE = Command("invite", "moi", SECRETARIAT)
PRIVACY = Command("privacy", "baomat")
FORGET = Command("forget", "xoadulieu", MEMBERS)
LANG = Command("lang", "ngonngu")
SUMMARY = Command("summary", "tonghop", STAFF | MEMBERS, group=True)
EXPORT = Command("export", "xuat", STAFF, parents=True)
TIMELINE = Command("timeline", "lichtrinh", STAFF | MEMBERS, group=True)
REMIND = Command("remind", "nhacnho", SECRETARIAT, group=True)
BROADCAST = Command("broadcast", "thongbao", SECRETARIAT)
SETGROUP = Command("setgroup", "setgroup", SECRETARIAT, private=False, group=True)
TASKS = Command("tasks", "nhiemvu", MEMBERS)
REPORT = Command("report", "baocao", MEMBERS)
MY_REPORTS = Command("myreports", "baocaocuatoi", MEMBERS | STAFF)  # staff: one by reference
WHOAMI = Command("whoami", "toi", group=True)
# Only when the bot serves several campaigns (never in the menu of a bot serving one).
PLAN = Command("plan", "kehoach")

# The order a user needs them: joining, the daily work of a unit, then the staff's tools.
MENU: tuple[Command, ...] = (
    START, HELP, REGISTER, TASKS, REPORT, MY_REPORTS, SUMMARY, TIMELINE, UNITS, EXPORT,
    REMIND, BROADCAST, INVITE, SETGROUP, PRIVACY, FORGET, LANG, CANCEL, WHOAMI,
)


def is_parent_member(identity: Identity, plan: Plan) -> bool:
    """Whether a focal point or deputy speaks for a unit that consolidates its children's."""
    return identity.is_member and consolidating_unit(identity, plan) is not None


def commands_for(role: Role, *, private: bool, parent: bool = False) -> tuple[Command, ...]:
    """The commands a person of `role` may use, in a private chat or in a group, menu order;
    `parent`: a member whose unit others report to (see `is_parent_member`)."""
    return tuple(
        command for command in MENU
        if (role in command.roles or (parent and role in MEMBERS and command.parents))
        and (command.private if private else command.group)
    )


def group_commands() -> tuple[Command, ...]:
    """What a group's menu offers: every command that works in a group, whoever asks."""
    return tuple(command for command in MENU if command.group)


def text_key(section: str, command: Command, role: Role, parent: bool = False) -> str:
    """The catalogue key describing `command` in `section` ("menu", "help") to this role: a
    variant for members, a parent unit's members or staff where the command does something
    different for them."""
    audience = "member" if role in MEMBERS else "staff" if role in STAFF else "stranger"
    known = catalogue(DEFAULT_LOCALE)
    if parent and role in MEMBERS and f"{section}.{command.en}_parent" in known:
        return f"{section}.{command.en}_parent"
    variant = f"{section}.{command.en}_{audience}"
    return variant if variant in known else f"{section}.{command.en}"
