"""Registration, roles and personal data: /start CODE, /dangky, /huy, /donvi, /baomat…"""

from __future__ import annotations

import contextlib
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.domain.records import FocalPointRole
from bot.services.replies import Answer, Outcome
from handlers import common
from handlers.context import answer_of, refuse, secretariat_only, turn_of
from handlers.render import parse_choice_data, remove_keyboard
from handlers.units import render_directory


async def start_with_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start CODE` from a deep link, or `/dangky CODE` typed: open registration."""
    turn = turn_of(update, context)
    if not context.args:
        if update.message and update.message.text and update.message.text.startswith("/start"):
            await common.start(update, context)
            return
        await turn.answer(turn.text("registration.need_code"))
        return
    outcome = await turn.services.registration.start(
        turn.actor, context.args[0], turn.now, turn.update_id
    )
    await turn.send(outcome)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/huy`: drop whatever conversation the user is in."""
    turn = turn_of(update, context)
    existed = await turn.services.dialogue.cancel(turn.actor, turn.now, turn.update_id)
    key = "dialogue.cancelled" if existed else "dialogue.nothing_to_cancel"
    await turn.answer(turn.text(key), remove_keyboard() if existed else None)


async def converse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any message in a private chat: the next answer of the user's open conversation."""
    turn = turn_of(update, context)
    outcome = await turn.services.dialogue.answer(
        turn.actor, answer_of(update.effective_message), turn.now, turn.update_id
    )
    if outcome is None:
        await common.not_understood(update, context)
        return
    await turn.send(outcome)


async def press_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline choice button: the same as typing its number, if it is still current."""
    query = update.callback_query
    assert query is not None
    turn = turn_of(update, context)
    parsed = parse_choice_data(query.data)
    if parsed is None:
        await query.answer(turn.text("dialogue.invalid_button"), show_alert=True)
        return
    step, number = parsed
    await query.answer()
    if query.message is not None:
        # Buttons answered once should not be pressed again; a second press finds none left.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    outcome = await turn.services.dialogue.answer(
        turn.actor, Answer(text=number), turn.now, turn.update_id, step
    )
    if outcome is None:
        await turn.answer(turn.text("dialogue.stale_button"))
        return
    await turn.send(outcome)


async def forged_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data the bot never made: refuse politely, change nothing."""
    query = update.callback_query
    assert query is not None
    turn = turn_of(update, context)
    await query.answer(turn.text("dialogue.invalid_button"), show_alert=True)


async def units(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/donvi`: every unit and its focal point, for the secretariat and the head."""
    turn = turn_of(update, context)
    identity = await turn.identity()
    if not identity.is_staff:
        await refuse(update, context, identity, "access.staff_only")
        return
    directory = await turn.services.directory.units()
    for text in render_directory(
        directory, turn.locale, with_phones=turn.private, timezone=turn.services.plan.timezone
    ):
        await turn.answer(text)


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/invite UNIT`: a fresh invite for a unit, for the secretariat (private chat)."""
    turn = turn_of(update, context)
    if not await secretariat_only(update, context):
        return
    plan = turn.services.plan
    unit_ids = {unit.id for unit in plan.units}
    if not context.args or context.args[0] not in unit_ids or not turn.private:
        choices = ", ".join(unit.id for unit in plan.focal_point_units)
        await turn.answer(turn.text("registration.invite_usage", units=choices))
        return
    kind = FocalPointRole.DEPUTY if context.args[1:2] == ["deputy"] else FocalPointRole.FOCAL_POINT
    [issued] = await turn.services.registration.issue_invites(
        [context.args[0]], kind, turn.now, actor_user_id=turn.user_id
    )
    expires = issued.expires.astimezone(ZoneInfo(plan.timezone)).strftime("%d/%m/%Y %H:%M")
    await turn.answer(turn.text(
        f"registration.invite_issued_{kind.value}",
        unit=issued.unit_name, link=issued.link, code=issued.code, expires=expires,
    ))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/baomat`: what is stored about the user and why."""
    turn = turn_of(update, context)
    if not turn.private:
        await turn.answer(turn.text("registration.private_only"))
        return
    reply = await turn.services.registration.privacy(turn.actor)
    await turn.send(Outcome([reply]))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/xoadulieu`: erase the user's personal data after confirmation."""
    turn = turn_of(update, context)
    if not turn.private:
        await turn.answer(turn.text("registration.private_only"))
        return
    outcome = await turn.services.registration.ask_forget(turn.actor, turn.now, turn.update_id)
    await turn.send(outcome)
