"""The outbox's Zalo side: render a row as plain text and send it, errors as domain ones."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp

from bot.channels.common import payload_markup_text, split_text, to_plain
from bot.channels.zalo.api import (
    ZaloApi,
    ZaloApiError,
    ZaloBadRequest,
    ZaloNetworkError,
    ZaloRateLimited,
)
from bot.channels.zalo.responder import MESSAGE_LIMIT
from bot.domain.address import Address
from bot.services.outbox import (
    MessageRejected,
    Pacing,
    RecipientBlocked,
    RetryLater,
    TransientFailure,
)

logger = logging.getLogger(__name__)
CHANNEL = "zalo"
# Zalo publishes no rates; a 429 means the plan's quota or a burst. Stay gentle and back off
# a whole minute, never in a tight loop.
ZALO_PACING = Pacing(overall_per_second=5.0, chat_per_second=1.0, chat_burst=3,
                     group_per_minute=20.0, group_burst=10)
BACKOFF_ON_429 = 60.0


class ZaloNotifier:
    """Implements the outbox's `Notifier` port with `sendMessage` (plain text, split)."""

    channel = CHANNEL
    pacing = ZALO_PACING

    def __init__(self, api: ZaloApi, groups: set[str]) -> None:
        self._api = api
        self._groups = groups

    def is_group(self, address: Address) -> bool:
        """Zalo ids say nothing of the chat; groups are the ones the bot was mentioned in."""
        return address.id in self._groups

    async def send(
        self, address: Address, text_key: str, payload: Mapping[str, Any], locale: str
    ) -> str | None:
        """Send the row (in parts over 2,000 characters); the last part's message id."""
        text = to_plain(payload_markup_text(text_key, payload, locale))
        message_id = None
        try:
            for chunk in split_text(text, MESSAGE_LIMIT):
                message_id = await self._api.send_message(address.id, chunk)
        except ZaloRateLimited:
            logger.warning("Zalo answered 429 (quota or rate); backing off %.0f s",
                           BACKOFF_ON_429)
            raise RetryLater(BACKOFF_ON_429) from None
        except ZaloBadRequest as exc:
            raise MessageRejected(exc.description) from None
        except ZaloApiError as exc:
            if exc.error_code == 403:
                raise RecipientBlocked(exc.description) from None
            raise TransientFailure(exc.description) from None
        except ZaloNetworkError as exc:
            raise TransientFailure(str(exc)) from None
        return message_id


class ZaloFileFetcher:
    """Downloads an image a user sent, by the URL in the event (it may not live long)."""

    def __init__(self, session_factory: Any = aiohttp.ClientSession) -> None:
        self._session_factory = session_factory

    async def fetch(self, source_ref: str, destination: Path) -> None:
        """Download the URL to `destination`; raise on any failure."""
        if not source_ref.startswith(("https://", "http://")):
            raise ValueError("not a URL")
        async with self._session_factory() as session, session.get(
            source_ref, timeout=aiohttp.ClientTimeout(total=60)
        ) as response:
            response.raise_for_status()
            destination.write_bytes(await response.read())
