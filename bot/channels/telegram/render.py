"""A reply as Telegram shows it: HTML text with numbered choices, and its buttons."""

from __future__ import annotations

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.common import reply_markup_text
from bot.presenters.common import shorten
from bot.services.replies import Reply
from bot.texts import t
from handlers.language import LANGUAGE_STEP

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply

CHOICE_PREFIX = "c"
LANGUAGE_PREFIX = "lang:"
BUTTON_LIMIT = 64  # Telegram's callback data and a readable button label


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


def button_label(number: int | None, label: str) -> str:
    """A button's text, at most BUTTON_LIMIT characters: cut at a word boundary with "…"."""
    prefix = f"{number}. " if number is not None else ""
    return prefix + shorten(label, BUTTON_LIMIT - len(prefix))


def render_text(reply: Reply, locale: str) -> str:
    """The HTML text of a reply, with its choices numbered so typing alone works."""
    return reply_markup_text(reply, locale, typed=False)


def _data(reply: Reply, index: int) -> str:
    if reply.step == LANGUAGE_STEP:
        return LANGUAGE_PREFIX + str(reply.choices[index].values["code"])
    return choice_data(reply.step, index)


def render_markup(reply: Reply, locale: str) -> ReplyMarkup | None:
    """Buttons for a reply: inline choices, the share-my-number keyboard, or none."""
    if reply.request_contact:
        label = t("registration.share_contact_button", locale)
        button = KeyboardButton(label, request_contact=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if reply.choices and reply.step:
        # Language buttons name each language in itself; numbers would add nothing there.
        numbered = reply.step != LANGUAGE_STEP
        rows = [
            [InlineKeyboardButton(
                button_label(number if numbered else None, t(choice.key, locale, **choice.values)),
                callback_data=_data(reply, number - 1),
            )]
            for number, choice in enumerate(reply.choices, start=1)
        ]
        return InlineKeyboardMarkup(rows)
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None
