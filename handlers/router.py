"""Every command and what answers it, and the one entry point channels call: `dispatch`."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.services.container import Services
from handlers import common, language, registration, reminders, summary
from handlers import reports as reports_handlers
from handlers.inbound import Inbound
from handlers.menu import (
    BROADCAST,
    CANCEL,
    EXPORT,
    FORGET,
    HELP,
    INVITE,
    LANG,
    MY_REPORTS,
    PRIVACY,
    REGISTER,
    REMIND,
    REPORT,
    SETGROUP,
    START,
    SUMMARY,
    TASKS,
    TIMELINE,
    UNITS,
    WHOAMI,
    Command,
)
from handlers.turn import Responder, Turn

Handler = Callable[[Turn], Awaitable[None]]

# Each command and what answers it; `/start CODE` (a deep link) is registration.
COMMANDS: tuple[tuple[Command, Handler], ...] = (
    (START, registration.start_with_code),
    (HELP, common.help_command),
    (REGISTER, registration.start_with_code),
    (CANCEL, registration.cancel),
    (UNITS, registration.units),
    (INVITE, registration.invite),
    (PRIVACY, registration.privacy),
    (FORGET, registration.forget),
    (LANG, language.choose_language),
    (TIMELINE, reminders.timeline),
    (REMIND, reminders.remind),
    (BROADCAST, reminders.broadcast),
    (SETGROUP, reminders.set_group),
    (SUMMARY, summary.summary),
    (EXPORT, summary.export),
    (TASKS, reports_handlers.tasks),
    (REPORT, reports_handlers.report),
    (MY_REPORTS, reports_handlers.my_reports),
    (WHOAMI, common.whoami),
)
HANDLERS: dict[str, Handler] = {
    name: handler for command, handler in COMMANDS for name in command.names
}


def fold(word: str) -> str:
    """A command name as people may type it: any case, with or without diacritics."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def typed_command(text: str | None) -> tuple[str, tuple[str, ...], str] | None:
    """A command typed without its slash ("tonghop", "Báo cáo…" no; "baocao 3" yes)."""
    if not text:
        return None
    words = text.strip().lstrip("/").split(None, 1)
    if not words:
        return None
    name = fold(words[0])
    if name not in HANDLERS:
        return None
    rest = words[1] if len(words) > 1 else ""
    return name, tuple(rest.split()), rest


async def dispatch(services: Services, inbound: Inbound, responder: Responder) -> None:
    """Answer one inbound message: a button, a command, a flow's next answer, or neither."""
    turn = Turn.of(services, inbound, responder)
    if inbound.choice is not None:
        await registration.press_choice(turn)
        return
    if inbound.command is not None:
        handler = HANDLERS.get(fold(inbound.command))
        await (handler or common.unknown_command)(turn)
        return
    # An open conversation takes the message first: a name such as "Huy" is an answer there.
    if turn.private and await registration.converse(turn):
        return
    typed = typed_command(inbound.text)
    if typed is not None:
        name, args, rest = typed
        await HANDLERS[name](Turn.of(services, replace(
            inbound, command=name, args=args, args_text=rest), responder))
        return
    await common.not_understood(turn)
