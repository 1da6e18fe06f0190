"""Every command and what answers it, and the one entry point channels call: `dispatch`."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.services.container import Services
from bot.services.parsing import is_resume
from bot.services.replies import Outcome
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
    """A command typed without its slash ("tonghop", "baocao 3", "bao cao", "Báo cáo 2"); a
    sentence that merely starts with "Báo cáo…" is no command."""
    if not text:
        return None
    words = text.strip().lstrip("/").split()
    if not words:
        return None
    # "bao cao 3", "dang ky MÃ", "bao cao cua toi": a name in words, at most one word after.
    for size in (1, 2, 3, 4):
        name = fold("".join(words[:size]))
        rest_words = words[size:]
        if name in HANDLERS and (size == 1 or len(rest_words) <= 1):
            rest = text.strip().lstrip("/").split(None, size)[size:]
            return name, tuple(rest_words), rest[0] if rest else ""
    return None


# Commands that deal with an open draft themselves: /huy drops it, /baocao goes on with it,
# /baocaocuatoi lists it.
_OWN_DRAFT = {*CANCEL.names, *REPORT.names, *MY_REPORTS.names}
_WITH_CODE = {*START.names, *REGISTER.names}


async def _command(turn: Turn, name: str, handler: Handler) -> None:
    """Run a command; a draft left open is kept, and the person told how to return."""
    services = turn.services
    keeps = turn.private and name not in _OWN_DRAFT and not (name in _WITH_CODE and turn.args)
    note = await services.dialogue.hold(turn.actor, turn.now) if keeps else None
    await handler(turn)
    if note is not None and await services.dialogue.has_draft(turn.actor, turn.now):
        await turn.send(Outcome([note]))


async def _outside_flow(turn: Turn) -> bool:
    """What is said outside any flow and is no command: a resume, an invite code, report
    material, a mistyped command; False when it is none of these."""
    services, inbound = turn.services, turn.inbound
    text = inbound.text
    if text and is_resume(text):
        await turn.say("drafts.nothing_to_resume")
        return True
    if text:
        outcome = await services.registration.start_from_text(
            turn.actor, text, turn.now, inbound.key)
        if outcome is not None:
            await turn.send(outcome)
            return True
    identity = await turn.identity()
    if identity.is_member and identity.unit_id and services.reporting.is_loose(inbound.answer):
        await turn.send(await services.reporting.loose(
            turn.actor, identity.unit_id, inbound.answer, turn.now, inbound.key))
        return True
    if text and len(text.split()) <= 3:
        return await common.suggest(turn, text, identity.role)
    return False


async def dispatch(services: Services, inbound: Inbound, responder: Responder) -> None:
    """Answer one inbound message: a button, a command, a flow's next answer, or neither."""
    turn = Turn.of(services, inbound, responder)
    if inbound.choice is not None:
        await registration.press_choice(turn)
        return
    if inbound.command is not None:
        name = fold(inbound.command)
        handler = HANDLERS.get(name)
        if handler is None:
            await common.unknown_command(turn)
            return
        await _command(turn, name, handler)
        return
    typed = typed_command(inbound.text)
    # An open conversation takes the message first: a name such as "Huy" is an answer there.
    if turn.private and await registration.converse(turn, typed=typed is not None):
        return
    if typed is not None:
        name, args, rest = typed
        await _command(Turn.of(services, replace(
            inbound, command=name, args=args, args_text=rest), responder), name, HANDLERS[name])
        return
    if turn.private and await _outside_flow(turn):
        return
    await common.not_understood(turn)
