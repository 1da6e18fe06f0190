"""The outbox's Telegram side: send one HTML message, turn Telegram errors into domain ones."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.services.outbox import (
    MessageRejected,
    RecipientBlocked,
    RetryLater,
    TransientFailure,
)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramNotifier:
    """Implements the `Notifier` port with python-telegram-bot's `Bot.send_message`."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, html_text: str) -> int | None:
        """Send the message and return its id, or raise a `DeliveryError`."""
        try:
            message = await self._bot.send_message(
                chat_id, html_text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW
            )
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc.retry_after)) from None
        except Forbidden as exc:
            raise RecipientBlocked(exc.message) from None
        except ChatMigrated as exc:
            raise MessageRejected(f"the group moved to chat {exc.new_chat_id}") from None
        # BadRequest is a NetworkError in PTB: it must be caught first.
        except BadRequest as exc:
            raise MessageRejected(exc.message) from None
        except NetworkError as exc:  # time-outs, connection errors, 5xx
            raise TransientFailure(exc.message) from None
        except TelegramError as exc:
            raise TransientFailure(exc.message) from None
        return message.message_id
