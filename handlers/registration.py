"""Registration, roles and personal data: /start CODE, /dangky, /huy, /donvi, /baomat…"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.records import FocalPointRole
from bot.services.replies import Answer, Outcome
from handlers import common
from handlers.turn import Turn, refuse, secretariat_only
from handlers.units import render_directory


async def start_with_code(turn: Turn) -> None:
    """`/start CODE` from a deep link, or `/dangky CODE` typed: open registration."""
    if not turn.args and turn.inbound.command == "start":
        await common.start(turn)
        return
    if turn.services.access.is_staff(turn.inbound.sender):
        # Their rights come from ADMIN_IDS/HEAD_IDS; a seat would change nothing for them.
        await turn.say("registration.staff_no_need")
        return
    if not turn.args:
        await turn.say("registration.need_code")
        return
    outcome = await turn.services.registration.start(
        turn.actor, turn.args[0], turn.now, turn.inbound.key
    )
    await turn.send(outcome)


async def cancel(turn: Turn) -> None:
    """`/huy`: drop whatever conversation the user is in."""
    outcome = await turn.services.dialogue.cancel(turn.actor, turn.now, turn.inbound.key)
    await turn.send(outcome)


async def converse(turn: Turn, *, typed: bool = False) -> bool:
    """The next answer of the user's open conversation; False when there is none (or, `typed`,
    when the message is a command and the draft was paused: the command runs instead)."""
    outcome = await turn.services.dialogue.answer(
        turn.actor, turn.inbound.answer, turn.now, turn.inbound.key, typed_command=typed
    )
    if outcome is None:
        return False
    await turn.send(outcome)
    return True


async def press_choice(turn: Turn) -> None:
    """A choice button: the same as typing its number, if it is still current."""
    assert turn.inbound.choice is not None
    step, number = turn.inbound.choice
    outcome = await turn.services.dialogue.answer(
        turn.actor, Answer(text=number), turn.now, turn.inbound.key, step
    )
    if outcome is None:
        await turn.say("dialogue.stale_button")
        return
    await turn.send(outcome)


async def units(turn: Turn) -> None:
    """`/donvi`: every unit and its focal point, for the secretariat and the head."""
    identity = await turn.identity()
    if not identity.is_staff:
        await refuse(turn, identity, "access.staff_only")
        return
    directory = await turn.services.directory.units()
    await turn.lines(render_directory(
        directory, turn.locale, with_phones=turn.private, timezone=turn.services.plan.timezone
    ))


async def invite(turn: Turn) -> None:
    """`/moi UNIT`: a fresh invite for a unit, for the secretariat (private chat)."""
    if not await secretariat_only(turn):
        return
    plan = turn.services.plan
    unit_ids = {unit.id for unit in plan.units}
    if not turn.args or turn.args[0] not in unit_ids or not turn.private:
        choices = ", ".join(unit.id for unit in plan.focal_point_units)
        await turn.say("registration.invite_usage", units=choices)
        return
    kind = FocalPointRole.DEPUTY if turn.args[1:2] == ("deputy",) else FocalPointRole.FOCAL_POINT
    [issued] = await turn.services.registration.issue_invites(
        [turn.args[0]], kind, turn.now, actor=turn.inbound.sender
    )
    expires = issued.expires.astimezone(ZoneInfo(plan.timezone)).strftime("%d/%m/%Y %H:%M")
    key = f"registration.invite_issued_{kind.value}"
    await turn.say(key if issued.link else f"{key}_code", unit=issued.unit_name,
                   link=issued.link, code=issued.code, expires=expires)


async def privacy(turn: Turn) -> None:
    """`/baomat`: what is stored about the user and why."""
    if not turn.private:
        await turn.say("registration.private_only")
        return
    reply = await turn.services.registration.privacy(turn.actor)
    await turn.send(Outcome([reply]))


async def forget(turn: Turn) -> None:
    """`/xoadulieu`: erase the user's personal data after confirmation."""
    if not turn.private:
        await turn.say("registration.private_only")
        return
    outcome = await turn.services.registration.ask_forget(turn.actor, turn.now, turn.inbound.key)
    await turn.send(outcome)
