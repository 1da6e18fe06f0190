"""Telegram's webhook: each update is stored in the inbox before Telegram is answered 200.

Telegram POSTs one update per request, with the secret given to ``setWebhook`` in the
``X-Telegram-Bot-Api-Secret-Token`` header, and retries until it gets a 2xx. So the route
answers 200 only once the update is committed: a crash before that means Telegram sends it
again, and the inbox's key (the update_id) keeps a repeat from being handled twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.channels.http import WebhookGate
from bot.channels.telegram.polling import update_key
from bot.services.inbox import InboxService, InboxWorker, Received

if TYPE_CHECKING:  # aiohttp is imported only by a bot that serves web routes (see handle)
    from aiohttp import web

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
PATH = "/telegram/webhook"
MAX_BODY = 1024 * 1024
SECRET_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def valid_secret(secret: str) -> bool:
    """Whether Telegram accepts ``secret`` as a webhook secret token (1–256 of A-Z a-z 0-9 _ -)."""
    return 1 <= len(secret) <= 256 and set(secret) <= SECRET_ALPHABET


class TelegramWebhook:
    """The route: secret, content type, size and JSON checked, then the update committed."""

    def __init__(self, secret: str, inbox: InboxService, worker: InboxWorker, clock: Any,
                 *, channel: str = "telegram", max_body: int = MAX_BODY) -> None:
        self._gate = WebhookGate("Telegram", SECRET_HEADER, secret.encode(), max_body)
        self._inbox, self._worker, self._clock = inbox, worker, clock
        self._channel = channel

    async def handle(self, request: web.Request) -> web.Response:
        """Answer 200 once the update is stored; 4xx for what Telegram would never send."""
        from aiohttp import web

        update = await self._gate.body(request)
        if isinstance(update, web.Response):
            return update
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return web.Response(status=400, text="Bad Request: no update_id")
        try:
            await self._inbox.store_many(
                self._channel, [Received(update_key(update_id), update, update_id)],
                self._clock.now(), replay=True)
        except Exception:
            # Not acknowledged: Telegram delivers it again later.
            logger.exception("Telegram webhook: storing update failed; answering 500")
            return web.Response(status=500, text="Internal Server Error")
        self._worker.wake()
        return web.Response(status=200)
