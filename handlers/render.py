"""Turn a service Reply into a Telegram message: text, numbered choices, buttons."""

from __future__ import annotations

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.services.replies import Reply
from bot.texts import t, t_html

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply

CHOICE_PREFIX = "c"


def choice_data(step: str, index: int) -> str:
    """The callback data of a choice button: "c:<step>:<n>" (well under 64 bytes)."""
    return f"{CHOICE_PREFIX}:{step}:{index + 1}"


def parse_choice_data(data: str | None) -> tuple[str, str] | None:
    """(step, typed number) from choice callback data, or None if it is not ours."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != CHOICE_PREFIX or not parts[2].isdigit():
        return None
    return parts[1], parts[2]


def render_text(reply: Reply, locale: str) -> str:
    """The HTML text of a reply, with its choices numbered so typing alone works."""
    text = t_html(reply.key, locale, **reply.values)
    if reply.choices:
        lines = [
            f"<b>{number}</b>. {t_html(choice.key, locale, **choice.values)}"
            for number, choice in enumerate(reply.choices, start=1)
        ]
        text = f"{text}\n\n" + "\n".join(lines)
    return text


def render_markup(reply: Reply, locale: str) -> ReplyMarkup | None:
    """Buttons for a reply: inline choices, or the share-my-number keyboard."""
    if reply.request_contact:
        label = t("registration.share_contact_button", locale)
        button = KeyboardButton(label, request_contact=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if reply.choices and reply.step:
        rows = [
            [InlineKeyboardButton(
                f"{number}. {t(choice.key, locale, **choice.values)}"[:64],
                callback_data=choice_data(reply.step, number - 1),
            )]
            for number, choice in enumerate(reply.choices, start=1)
        ]
        return InlineKeyboardMarkup(rows)
    return None


def remove_keyboard() -> ReplyKeyboardRemove:
    """Markup that hides a reply keyboard once its question is answered."""
    return ReplyKeyboardRemove()
