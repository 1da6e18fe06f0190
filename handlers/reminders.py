"""/timeline, /remind, /broadcast and /setgroup: the schedule and the secretariat's messages."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.presenters.common import split_messages
from bot.presenters.timeline import timeline_lines
from bot.texts import t
from handlers.context import Turn, refuse, secretariat_only, turn_of

# Telegram's limit is 4,096 characters; long schedules are split on line boundaries.


def _local(turn: Turn, moment: datetime) -> str:
    return turn.services.reminders.policy.local(moment).strftime("%d/%m/%Y %H:%M")


def _short(turn: Turn, moment: datetime) -> str:
    return turn.services.reminders.policy.local(moment).strftime("%H:%M %d/%m")


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/lichtrinh`: phases, the agenda, deadlines and the next planned reminders."""
    turn = turn_of(update, context)
    identity = await turn.identity()
    if not (identity.is_staff or identity.is_member):
        await refuse(update, context, identity, "access.staff_only")
        return
    reminders = turn.services.reminders
    now = turn.now
    lines = timeline_lines(
        turn.services.plan, turn.locale, now,
        unit_id=None if identity.is_staff else identity.unit_id, staff=identity.is_staff,
        status=await reminders.deadline_status(now), upcoming=await reminders.upcoming(now, 5),
        policy=reminders.policy,
    )
    for text in split_messages(lines):
        await turn.answer(text)


async def remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/nhacnho`: nudge now every unit missing the nearest deadline (secretariat)."""
    turn = turn_of(update, context)
    if not await secretariat_only(update, context):
        return
    result = await turn.services.reminders.remind_now(turn.chat_id, turn.now)
    plan = turn.services.plan
    deadline = result.deadline
    if deadline is None:
        await turn.answer(turn.text("reminders.remind_nothing"))
        return
    due = _local(turn, deadline.due)
    if result.registration_list:
        await turn.answer(turn.text("reminders.remind_registration", count=len(result.nudged),
                                    due=due))
    else:
        if result.nudged:
            names = ", ".join(plan.unit(unit).short_name for unit in result.nudged)
            kind = t(f"plan.kind_{deadline.kind.value}", turn.locale)
            await turn.answer(turn.text("reminders.remind_queued", kind=kind, due=due,
                                        count=len(result.nudged), units=names))
        if result.without_focal_point:
            names = ", ".join(plan.unit(unit).short_name for unit in result.without_focal_point)
            await turn.answer(turn.text("reminders.remind_without", units=names))
    if result.held_until is not None:
        await turn.answer(turn.text("reminders.remind_held", at=_short(turn, result.held_until)))
    turn.services.wake_outbox()


def _text_after_command(update: Update) -> str:
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    parts = text.split(None, 1)
    return parts[1] if len(parts) > 1 else ""


async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/thongbao TEXT`: preview an announcement to every focal point, then confirm."""
    turn = turn_of(update, context)
    if not await secretariat_only(update, context):
        return
    outcome = await turn.services.broadcast.start(
        turn.actor, _text_after_command(update), turn.now, turn.update_id
    )
    await turn.send(outcome)


async def set_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/setgroup` in a group: make it the coordination group (secretariat)."""
    turn = turn_of(update, context)
    if not await secretariat_only(update, context):
        return
    chat = update.effective_chat
    if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await turn.answer(turn.text("reminders.group_only"))
        return
    title = chat.title or str(chat.id)
    await turn.services.reminders.set_group(chat.id, title, turn.user_id, turn.now)
    await turn.answer(turn.text("reminders.group_set", title=title))
