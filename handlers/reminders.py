"""/timeline, /remind, /broadcast and /setgroup: the schedule and the secretariat's messages."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.presenters.common import split_messages
from bot.services.access import Role
from bot.services.reminders import SlotKind
from bot.texts import t
from handlers.context import Turn, refuse, turn_of

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
    services = turn.services
    plan = services.plan
    now = turn.now
    lines = [turn.text("reminders.timeline_header", title=plan.title,
                       start=_local(turn, plan.start), end=_local(turn, plan.end))]
    if plan.focus_start is not None and plan.focus_end is not None:
        lines.append(turn.text("reminders.timeline_focus", start=_local(turn, plan.focus_start),
                               end=_local(turn, plan.focus_end)))
    lines += ["", turn.text("reminders.timeline_phases")]
    for phase in plan.phases:
        key = "timeline_phase_current" if phase.start <= now <= phase.end else "timeline_phase"
        lines.append(turn.text(f"reminders.{key}", name=phase.name,
                               start=_local(turn, phase.start), end=_local(turn, phase.end)))
    if plan.agenda:
        lines += ["", turn.text("reminders.timeline_agenda")]
        for item in plan.agenda:
            if item.when is not None:
                lines.append(turn.text("reminders.timeline_activity_when", number=item.number,
                                       title=item.title, when=_local(turn, item.when)))
            else:
                lines.append(turn.text("reminders.timeline_activity", number=item.number,
                                       title=item.title))
    status = await services.reminders.deadline_status(now)
    lines += ["", turn.text("reminders.timeline_deadlines")]
    for deadline in plan.deadlines:
        if identity.is_member and identity.unit_id not in deadline.units:
            continue
        rows = status.get(deadline.id, [])
        if identity.is_staff and rows:
            lines.append(turn.text("reminders.timeline_deadline_state",
                                   due=_local(turn, deadline.due), title=deadline.title,
                                   met=sum(1 for row in rows if row.met), total=len(rows)))
        else:
            lines.append(turn.text("reminders.timeline_deadline", due=_local(turn, deadline.due),
                                   title=deadline.title))
    lines += ["", turn.text("reminders.timeline_next")]
    upcoming = await services.reminders.upcoming(now, limit=5)
    for slot, count in upcoming:
        at = _local(turn, slot.at)
        if slot.kind is SlotKind.PHASE:
            assert slot.phase is not None
            lines.append(turn.text("reminders.timeline_slot_phase", at=at, phase=slot.phase.name,
                                   count=count))
        elif slot.kind is SlotKind.DIGEST:
            lines.append(turn.text("reminders.timeline_slot_digest", at=at))
        else:
            assert slot.deadline is not None
            kind = t(f"plan.kind_{slot.deadline.kind.value}", turn.locale)
            key = ("reminders.timeline_slot_nudge" if slot.kind is SlotKind.NUDGE
                   else "reminders.timeline_slot_escalation")
            lines.append(turn.text(key, at=at, kind=kind, count=count))
    if not upcoming:
        lines.append(turn.text("reminders.timeline_none"))
    policy = services.reminders.policy
    nudge = policy.nudge_time.strftime("%H:%M")
    if policy.quiet_hours is not None:
        quiet = "–".join(clock.strftime("%H:%M") for clock in policy.quiet_hours)
        lines.append(turn.text("reminders.timeline_rules", nudge=nudge, quiet=quiet))
    else:
        lines.append(turn.text("reminders.timeline_rules_no_quiet", nudge=nudge))
    for text in split_messages(lines):
        await turn.answer(text)


async def remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/nhacnho`: nudge now every unit missing the nearest deadline (secretariat)."""
    turn = turn_of(update, context)
    identity = await turn.identity()
    if identity.role is not Role.SECRETARIAT:
        await refuse(update, context, identity, "access.secretariat_only")
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
    identity = await turn.identity()
    if identity.role is not Role.SECRETARIAT:
        await refuse(update, context, identity, "access.secretariat_only")
        return
    outcome = await turn.services.broadcast.start(
        turn.actor, _text_after_command(update), turn.now, turn.update_id
    )
    await turn.send(outcome)


async def set_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/setgroup` in a group: make it the coordination group (secretariat)."""
    turn = turn_of(update, context)
    identity = await turn.identity()
    if identity.role is not Role.SECRETARIAT:
        await refuse(update, context, identity, "access.secretariat_only")
        return
    chat = update.effective_chat
    if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await turn.answer(turn.text("reminders.group_only"))
        return
    title = chat.title or str(chat.id)
    await turn.services.reminders.set_group(chat.id, title, turn.user_id, turn.now)
    await turn.answer(turn.text("reminders.group_set", title=title))
