"""Answers on Telegram: HTML, buttons, files, split at 4,096 characters."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.warnings import PTBUserWarning

from bot.channels.common import reply_markup_text, split_text
from bot.channels.telegram.notifier import MESSAGE_LIMIT
from bot.channels.telegram.render import render_markup
from bot.services.replies import Reply
from handlers.turn import Capabilities

CAPABILITIES = Capabilities(
    max_text=MESSAGE_LIMIT, buttons=True, markup="html", contact_sharing=True, files=True,
    editing=True,
)


# Answers go through `Bot.do_api_request` (below), which suggests `Bot.send_message` instead:
# that would also build a `Message` from every answer's result, which nothing here reads, at
# about a fifth of the cost of handling an update.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'",
                        category=PTBUserWarning)


class TelegramResponder:
    """Implements `handlers.Responder` for one Telegram chat."""

    capabilities = CAPABILITIES

    def __init__(self, bot: Bot, chat_id: int, edit: Message | None = None) -> None:
        self._bot = bot
        self._chat_id = chat_id
        # The message whose button was pressed, when its answer replaces its text (language).
        self._edit = edit

    async def send(self, reply: Reply, locale: str) -> None:
        """Send a reply; its buttons go with the last part when it is split."""
        chunks = split_text(reply_markup_text(reply, locale, typed=False), MESSAGE_LIMIT)
        markup = render_markup(reply, locale)
        if self._edit is not None and len(chunks) == 1 and markup is None:
            edit, self._edit = self._edit, None
            await edit.edit_text(chunks[0], parse_mode=ParseMode.HTML)
            return
        for number, chunk in enumerate(chunks, start=1):
            message: dict[str, Any] = {"chat_id": self._chat_id, "text": chunk,
                                       "parse_mode": ParseMode.HTML}
            if markup is not None and number == len(chunks):
                message["reply_markup"] = markup
            # The same call as send_message, through PTB's request, limiter and errors.
            await self._bot.do_api_request("sendMessage", api_kwargs=message)

    async def photo(self, png: bytes, caption: Reply, locale: str) -> None:
        """Send a picture with an HTML caption."""
        await self._bot.send_photo(self._chat_id, png, parse_mode=ParseMode.HTML,
                                   caption=reply_markup_text(caption, locale, typed=False))

    async def document(self, content: bytes, filename: str, caption: Reply, locale: str) -> None:
        """Send a file with an HTML caption."""
        await self._bot.send_document(self._chat_id, content, filename=filename,
                                      parse_mode=ParseMode.HTML,
                                      caption=reply_markup_text(caption, locale, typed=False))

    async def action(self, kind: str) -> None:
        """Show "uploading a photo…" and the like."""
        await self._bot.send_chat_action(self._chat_id, kind)
