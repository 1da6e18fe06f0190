"""The Zalo webhook as an aiohttp route.

Zalo POSTs each event as JSON with the secret given to ``setWebhook`` in the
``X-Bot-Api-Secret-Token`` header (a plain value, not an HMAC). The route checks, in order:

- the secret, in constant time: a mismatch answers 403 and reads nothing more;
- the content type: anything but ``application/json`` answers 415;
- the size, while reading (Content-Length is not trusted): over ``max_body`` answers 413;
- the JSON: malformed answers 400. A valid body without usable events answers 200.

Then it hands the events, in order, to ``on_event``, in one of two modes:

- ``ack_after=True`` (the default): ``on_event`` is awaited for every event BEFORE the 200, so a
  core that commits each event to a durable inbox acknowledges only what it stored. If
  ``on_event`` raises, the route answers 500 (events before the failing one were handled;
  dedupe by ``ZaloEvent.dedupe_key`` covers a redelivery). ``on_event`` must be quick: Zalo's
  delivery timeout is undocumented.
- ``ack_after=False``: the route answers 200 at once and handles the events in a background task;
  errors are logged. ``drain()`` awaits the tasks still running (call it at shutdown).

In both modes events are handled one at a time, in the order the requests arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.channels.http import WebhookGate

from .updates import ZaloEvent, parse_events

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
DEFAULT_PATH = "/zalo/webhook"
MAX_BODY = 1024 * 1024
SECRET_LENGTHS = (8, 256)

OnEvent = Callable[[ZaloEvent], Awaitable[None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ZaloWebhook:
    """The webhook handler: secret check, body limits, then events to ``on_event``."""

    def __init__(
        self,
        secret: str,
        on_event: OnEvent,
        *,
        path: str = DEFAULT_PATH,
        ack_after: bool = True,
        max_body: int = MAX_BODY,
    ) -> None:
        low, high = SECRET_LENGTHS
        if not low <= len(secret) <= high:
            raise ValueError(f"the webhook secret must be {low}-{high} characters")
        self._gate = WebhookGate("Zalo", SECRET_HEADER, secret.encode(), max_body)
        self.on_event = on_event
        self.path = path
        self.ack_after = ack_after
        self.tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    def authorised(self, request: web.Request) -> bool:
        """Return True if the request carries the secret (constant-time compare)."""
        return self._gate.authorised(request)

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one webhook POST (see the module docstring for the statuses)."""
        body = await self._gate.body(request)
        if isinstance(body, web.Response):
            return body
        events = parse_events(body)
        if not self.ack_after:
            self._spawn(events)
            return web.json_response({"ok": True})
        try:
            await self._process(events)
        except Exception:
            log.exception("Zalo webhook: on_event failed; answering 500")
            return web.Response(status=500, text="Internal Server Error")
        return web.json_response({"ok": True})

    async def _process(self, events: list[ZaloEvent]) -> None:
        async with self._lock:
            for event in events:
                await self.on_event(event)

    def _spawn(self, events: list[ZaloEvent]) -> None:
        if not events:
            return
        task = asyncio.create_task(self._background(events))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _background(self, events: list[ZaloEvent]) -> None:
        try:
            await self._process(events)
        except Exception:
            log.exception("Zalo webhook: on_event failed in the background")

    async def drain(self) -> None:
        """Wait for every background task still handling events."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    def route(self) -> tuple[str, Handler]:
        """Return ``(path, handler)`` for ``app.router.add_post``."""
        return self.path, self.handle


def webhook_route(
    secret: str, on_event: OnEvent, path: str = DEFAULT_PATH, *, ack_after: bool = True
) -> tuple[str, Handler]:
    """Return ``(path, handler)``; use ``ZaloWebhook`` directly to reach ``drain()``."""
    return ZaloWebhook(secret, on_event, path=path, ack_after=ack_after).route()


def add_webhook_route(
    app: web.Application,
    secret: str,
    on_event: OnEvent,
    path: str = DEFAULT_PATH,
    *,
    ack_after: bool = True,
    max_body: int = MAX_BODY,
) -> ZaloWebhook:
    """Add the webhook POST route to ``app`` (drained on shutdown) and return the handler."""
    webhook = ZaloWebhook(secret, on_event, path=path, ack_after=ack_after, max_body=max_body)
    app.router.add_post(path, webhook.handle)

    async def drain(_: web.Application) -> None:
        await webhook.drain()

    app.on_shutdown.append(drain)
    return webhook
