"""/start, /help and the answers to what the bot does not understand."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.services.access import Role
from handlers.context import Turn, turn_of


def _campaign_values(turn: Turn) -> dict[str, str]:
    plan = turn.services.plan
    return {"campaign": plan.title, "secretariat": plan.unit(plan.secretariat).name}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user: what daumoi is and what to do next, by role."""
    turn = turn_of(update, context)
    role = await turn.role()
    key = "common.start_stranger" if role is Role.STRANGER else "common.start_staff"
    await turn.answer(turn.text(key, **_campaign_values(turn)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands this user may use."""
    turn = turn_of(update, context)
    role = await turn.role()
    key = "common.help_stranger" if role is Role.STRANGER else "common.help_staff"
    await turn.answer(turn.text(key))


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
