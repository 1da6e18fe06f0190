"""The outbox's Telegram side: render a row as HTML, send it, turn errors into domain ones."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

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
from telegram.warnings import PTBUserWarning

from bot.channels.common import payload_markup_text
from bot.domain.address import Address
from bot.services.outbox import (
    MessageRejected,
    Pacing,
    RecipientBlocked,
    RetryLater,
    TransientFailure,
)

CHANNEL = "telegram"
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
MESSAGE_LIMIT = 4096
#: The share of Telegram's ~30 messages/s the outbox uses. Telegram counts by its own clock:
#: sent exactly at the limit, the jitter of the network and of both ends adds up until a
#: burst crosses it, and each 429 stops all sending for a whole second (retry_after >= 1).
#: A little under the limit its bucket refills and absorbs that jitter.
OVERALL_HEADROOM = 0.97
TELEGRAM_PACING = Pacing(overall_per_second=30.0 * OVERALL_HEADROOM)

# Messages go through `Bot.do_api_request`, which suggests `Bot.send_message`: that would
# build a `Message` from every result, for its id alone.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'",
                        category=PTBUserWarning)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_id_of(address: Address) -> int:
    """Telegram's integer chat id of an address on this channel."""
    return int(address.id)


class TelegramNotifier:
    """Implements the `Notifier` port with python-telegram-bot's `Bot.send_message`."""

    channel = CHANNEL

    def __init__(self, bot: Bot, pacing: Pacing | None = None) -> None:
        self._bot = bot
        # The Bot API FAQ: ~30 messages/s overall, 1/s per chat, 20/min per group.
        self.pacing = pacing or TELEGRAM_PACING

    def is_group(self, address: Address) -> bool:
        """Groups and supergroups have negative ids."""
        return chat_id_of(address) < 0

    async def send(
        self, address: Address, text_key: str, payload: Mapping[str, Any], locale: str
    ) -> str | None:
        """Send the message and return its id, or raise a `DeliveryError`."""
        text = payload_markup_text(text_key, payload, locale)
        try:
            # The same call as send_message (see bot.channels.telegram.responder), without
            # building a Message from the result: only its id is kept.
            message = await self._bot.do_api_request("sendMessage", api_kwargs={
                "chat_id": chat_id_of(address), "text": text, "parse_mode": ParseMode.HTML,
                "link_preview_options": _NO_PREVIEW,
            })
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
        return str(message["message_id"])
