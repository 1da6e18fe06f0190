"""/ngonngu: choose Vietnamese or English."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.texts import LOCALES, t
from handlers.context import turn_of

PREFIX = "lang:"


async def choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/ngonngu en` switches at once; `/ngonngu` offers the languages."""
    turn = turn_of(update, context)
    wanted = (context.args or [""])[0].lower()
    if wanted in LOCALES:
        await turn.services.preferences.choose(turn.user_id, wanted)
        await turn.answer(t("language.chosen", wanted))
        return
    buttons = [[InlineKeyboardButton(t("language.name", code), callback_data=PREFIX + code)]
               for code in LOCALES]
    await turn.answer(turn.text("language.ask"), InlineKeyboardMarkup(buttons))


async def press_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A language button."""
    query = update.callback_query
    assert query is not None
    turn = turn_of(update, context)
    code = (query.data or "").removeprefix(PREFIX)
    if not await turn.services.preferences.choose(turn.user_id, code):
        await query.answer(turn.text("dialogue.invalid_button"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(t("language.chosen", code))
