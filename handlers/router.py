"""Every command and what answers it, and the one entry point channels call: `dispatch`."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.services.container import Services
from bot.services.parsing import is_resume, parse_choice
from bot.services.participation import Held
from bot.services.replies import Outcome
from handlers import campaigns, common, language, registration, reminders, summary
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
    PLAN,
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
    (PLAN, campaigns.plan_command),
)
HANDLERS: dict[str, Handler] = {
    name: handler for command, handler in COMMANDS for name in command.names
}
_SINGLE = {name: handler for name, handler in HANDLERS.items() if name not in PLAN.names}


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


# Commands that work the same whatever the campaign (the others ask which one when unclear).
_ANY_CAMPAIGN = {name for command in (START, HELP, REGISTER, CANCEL, PRIVACY, FORGET, LANG,
                                      WHOAMI, PLAN) for name in command.names}


def _command_of(inbound: Inbound) -> tuple[str, tuple[str, ...], str] | None:
    """The command a message gives, with a slash or typed, and its words."""
    if inbound.command is not None:
        return fold(inbound.command), inbound.args, inbound.args_text
    return typed_command(inbound.text)


async def _campaign_for(services: Services, inbound: Inbound, responder: Responder
                        ) -> tuple[Services, Inbound, Responder] | None:
    """The campaign a message is about, when several are served; None when the bot asked which
    (the command waits for the answer) or the answer to that question was handled."""
    picker = services.participation
    assert picker is not None
    turn = Turn.of(services, inbound, responder)
    command = _command_of(inbound)
    situation = await picker.situation(turn.actor, turn.now, command=command is not None)
    if situation.held is not None:
        if command is None and inbound.choice is None:
            titles = [plan.title for plan in situation.choices]
            index = parse_choice(inbound.text or "", titles) if titles else None
            if index is None:
                await campaigns.ask(turn, situation.choices, "campaigns.ask_again")
                return None
            await picker.drop_held(turn.actor)
            plan = await picker.choose(turn.actor, situation.choices[index].id)
            await turn.say("campaigns.switched", title=plan.title)
            held = situation.held
            return services.of(plan.id), replace(
                inbound, text=None, command=held.command, args=held.args,
                args_text=held.args_text), campaigns.NamingResponder(responder, plan.title)
        await picker.drop_held(turn.actor)  # something else was said: the question lapses
    if not situation.from_conversation:
        code_text = " ".join(command[1]) if command and command[0] in _WITH_CODE else (
            inbound.text if command is None else None)
        code_campaign = await picker.campaign_of_code(code_text) if code_text else None
        if code_campaign is not None:
            return services.of(code_campaign), inbound, responder
    if command is not None and command[0] not in _ANY_CAMPAIGN and situation.unclear \
            and command[0] in HANDLERS:
        await picker.hold(turn.actor, Held(*command), turn.now)
        await campaigns.ask(turn, situation.choices)
        return None
    chosen = services.of(situation.campaign_id or (
        situation.choices[0].id if situation.choices else services.plan.id))
    if command is not None and command[0] not in _ANY_CAMPAIGN and len(situation.choices) > 1:
        responder = campaigns.NamingResponder(responder, chosen.plan.title)
    return chosen, inbound, responder


async def dispatch(services: Services, inbound: Inbound, responder: Responder) -> None:
    """Answer one inbound message: a button, a command, a flow's next answer, or neither."""
    several = services.participation is not None and services.participation.several
    if several:
        routed = await _campaign_for(services, inbound, responder)
        if routed is None:
            return
        services, inbound, responder = routed
    # A bot serving one campaign has no /kehoach: it answers that word as it always did.
    handlers = HANDLERS if several else _SINGLE
    turn = Turn.of(services, inbound, responder)
    if inbound.choice is not None:
        await registration.press_choice(turn)
        return
    if inbound.command is not None:
        name = fold(inbound.command)
        handler = handlers.get(name)
        if handler is None:
            await common.unknown_command(turn)
            return
        await _command(turn, name, handler)
        return
    typed = typed_command(inbound.text)
    if typed is not None and typed[0] not in handlers:
        typed = None
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
