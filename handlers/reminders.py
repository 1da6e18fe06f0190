"""/timeline, /remind, /broadcast and /setgroup: the schedule and the secretariat's messages."""

from __future__ import annotations

from datetime import datetime

from bot.presenters.common import split_messages
from bot.presenters.timeline import timeline_lines
from bot.texts import t
from handlers.turn import Turn, refuse, secretariat_only


def _local(turn: Turn, moment: datetime) -> str:
    return turn.services.reminders.policy.local(moment).strftime("%d/%m/%Y %H:%M")


def _short(turn: Turn, moment: datetime) -> str:
    return turn.services.reminders.policy.local(moment).strftime("%H:%M %d/%m")


async def timeline(turn: Turn) -> None:
    """`/lichtrinh`: phases, the agenda, deadlines and the next planned reminders."""
    identity = await turn.identity()
    if not (identity.is_staff or identity.is_member):
        await refuse(turn, identity, "access.staff_only")
        return
    reminders = turn.services.reminders
    now = turn.now
    lines = timeline_lines(
        turn.services.plan, turn.locale, now,
        unit_id=None if identity.is_staff else identity.unit_id, staff=identity.is_staff,
        status=await reminders.deadline_status(now), upcoming=await reminders.upcoming(now, 5),
        policy=reminders.policy,
    )
    await turn.lines(split_messages(lines))


async def remind(turn: Turn) -> None:
    """`/nhacnho`: nudge now every unit missing the nearest deadline (secretariat)."""
    if not await secretariat_only(turn):
        return
    result = await turn.services.reminders.remind_now(turn.inbound.chat, turn.now)
    plan = turn.services.plan
    deadline = result.deadline
    if deadline is None:
        await turn.say("reminders.remind_nothing")
        return
    due = _local(turn, deadline.due)
    if result.registration_list:
        await turn.say("reminders.remind_registration", count=len(result.nudged), due=due)
    else:
        if result.nudged:
            names = ", ".join(plan.unit(unit).short_name for unit in result.nudged)
            kind = t(f"plan.kind_{deadline.kind.value}", turn.locale)
            await turn.say("reminders.remind_queued", kind=kind, due=due,
                           count=len(result.nudged), units=names)
        if result.without_focal_point:
            names = ", ".join(plan.unit(unit).short_name for unit in result.without_focal_point)
            await turn.say("reminders.remind_without", units=names)
    if result.held_until is not None:
        await turn.say("reminders.remind_held", at=_short(turn, result.held_until))


async def broadcast(turn: Turn) -> None:
    """`/thongbao TEXT`: preview an announcement to every focal point, then confirm."""
    if not await secretariat_only(turn):
        return
    outcome = await turn.services.broadcast.start(
        turn.actor, turn.inbound.args_text, turn.now, turn.inbound.key
    )
    await turn.send(outcome)


async def set_group(turn: Turn) -> None:
    """`/setgroup` in a group: make it the coordination group (secretariat)."""
    if not await secretariat_only(turn):
        return
    if turn.private:
        await turn.say("reminders.group_only")
        return
    title = turn.inbound.chat_title or turn.inbound.chat.id
    await turn.services.reminders.set_group(turn.inbound.chat, title, turn.inbound.sender,
                                            turn.now)
    await turn.say("reminders.group_set", title=title)
