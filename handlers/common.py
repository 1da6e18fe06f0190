"""/start, /help and the answers to what the bot does not understand."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.services.access import MEMBERS, STAFF, Role
from handlers.context import Turn, turn_of


def _campaign_values(turn: Turn) -> dict[str, str]:
    plan = turn.services.plan
    return {"campaign": plan.title, "secretariat": plan.unit(plan.secretariat).name}


def _audience(role: Role) -> str:
    if role in STAFF:
        return "staff"
    return "member" if role in MEMBERS else "stranger"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user: what daumoi is and what to do next, by role."""
    turn = turn_of(update, context)
    identity = await turn.identity()
    values = _campaign_values(turn)
    if identity.seat is not None and not identity.is_staff:
        unit = turn.services.plan.unit(identity.seat.unit_id).name
        values.update(name=identity.seat.full_name, unit=unit)
    await turn.answer(turn.text(f"common.start_{_audience(identity.role)}", **values))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands this user may use."""
    turn = turn_of(update, context)
    role = await turn.role()
    await turn.answer(turn.text(f"common.help_{_audience(role)}"))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a command the bot does not have."""
    turn = turn_of(update, context)
    await turn.answer(turn.text("common.unknown_command"))


async def not_understood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer free text, stickers and files outside any conversation."""
    turn = turn_of(update, context)
    role = await turn.role()
    if not turn.private:
        # In a group the bot speaks only when spoken to with a command.
        return
    key = "common.stranger_info" if role is Role.STRANGER else "common.not_understood"
    await turn.answer(turn.text(key, **_campaign_values(turn)))
