"""The Zalo Bot Platform channel: polling or webhook, every event becomes an `Inbound`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from types import SimpleNamespace
from typing import Any

from bot.channels.zalo.api import ZaloApi, ZaloError, ZaloUnauthorized
from bot.channels.zalo.inbound import CHANNEL, event_inbound, message_key, subject
from bot.channels.zalo.notifier import ZaloFileFetcher, ZaloNotifier
from bot.channels.zalo.poller import ZaloPoller
from bot.channels.zalo.responder import CAPABILITIES, ZaloResponder
from bot.channels.zalo.updates import ZaloEvent, parse_event
from bot.channels.zalo.webhook import ZaloWebhook
from bot.domain.records import InboxEntry
from bot.errors import StartupError
from bot.services.container import Services
from bot.texts import t
from bot.web import FileLinks, WebServer
from handlers import dispatch

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/zalo/webhook"
DEDUPE_WINDOW_S = 600.0
STORE_TRIES = 3


class _Recent:
    """Keys stored in the last minutes: a fast path before the inbox's unique key."""

    def __init__(self, window_s: float) -> None:
        self._window = window_s
        self._seen: OrderedDict[str, float] = OrderedDict()

    def seen(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - self._window:
            self._seen.popitem(last=False)
        return key in self._seen

    def add(self, key: str) -> None:
        self._seen[key] = time.monotonic()

    def first_time(self, key: str) -> bool:
        if self.seen(key):
            return False
        self.add(key)
        return True


class ZaloChannel:
    """The bot on Zalo: getMe, then long polling or a webhook; the outbox's notifier."""

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(self, settings: Any, services: Services, web: WebServer, links: FileLinks,
                 quota: Any = None, shared_rate: Any = None) -> None:
        self._settings = settings
        self._shared_rate = shared_rate
        self._services = services
        self._web = web
        self._links = links
        self._quota = quota
        self.api = ZaloApi(settings.zalo_bot_token.get_secret_value(),
                           base_url=settings.zalo_api_url)
        self.display_name = ""
        self._poller: ZaloPoller | None = None
        self._webhook: ZaloWebhook | None = None
        self._recent = _Recent(DEDUPE_WINDOW_S)
        self._groups: set[str] = set()
        self._error_handlers: list[Any] = []
        self._worker = None
        if services.inbox is not None:
            self._worker = services.inbox.worker(CHANNEL, self._process, subject)
        if settings.zalo_webhook_url:
            secret = settings.zalo_webhook_secret.get_secret_value()
            if not secret:
                raise StartupError(t("cli.zalo_secret_missing"))
            self._webhook = ZaloWebhook(secret, self._on_event, path=WEBHOOK_PATH)
            web.add("POST", WEBHOOK_PATH, self._webhook.handle)

    def add_error_handler(self, callback: Any) -> None:
        """Be told of errors raised while answering an event."""
        self._error_handlers.append(callback)

    async def start(self) -> None:
        """Check the token (getMe), then receive by webhook or by polling."""
        try:
            me = await self.api.get_me()
        except ZaloUnauthorized:
            raise StartupError(t("cli.zalo_token_rejected")) from None
        except ZaloError as exc:
            raise StartupError(t("cli.zalo_unreachable", "vi",
                                 problem=self.api.redact(str(exc)))) from None
        self.display_name = str(me.get("display_name") or me.get("account_name") or "")
        if self._worker is not None:
            self._worker.start()  # events stored before a crash first, in order
        if self._webhook is not None:
            await self.api.set_webhook(self._settings.zalo_webhook_url,
                                       self._settings.zalo_webhook_secret.get_secret_value())
            return
        self._poller = ZaloPoller(self.api, self._on_event, timeout_s=10)
        await self._poller.start()

    async def _on_event(self, event: ZaloEvent) -> None:
        """Store the event in the inbox (the webhook answers 200, the poller polls again after
        this returns); a repeated delivery is stored once and has one effect."""
        inbox = self._services.inbox
        if inbox is None or self._worker is None:
            if self._recent.first_time(event.dedupe_key):
                await self._answer(event)
            return
        key = message_key(event)
        if self._recent.seen(key):
            return
        payload = {"event_name": event.event_name, "message": event.raw}
        for attempt in range(1, STORE_TRIES + 1):
            try:
                stored = await inbox.store(CHANNEL, key, payload, self._services.clock.now())
                break
            except Exception:
                if attempt == STORE_TRIES:
                    raise  # the webhook answers 500: Zalo delivers the event again
                logger.warning("Zalo: storing %s failed; trying again", key, exc_info=True)
                await asyncio.sleep(0.5 * attempt)
        self._recent.add(key)
        if stored:
            self._worker.wake()

    async def _process(self, entry: InboxEntry) -> None:
        """Answer one stored event."""
        event = parse_event(dict(entry.payload))
        if event is None:
            logger.warning("Zalo: stored event %d cannot be read; skipped", entry.id)
            return
        await self._answer(event)

    async def _answer(self, event: ZaloEvent) -> None:
        inbound = event_inbound(event, [self.display_name, "Bot", "daumoi"])
        if inbound is None:
            return
        if not inbound.private:
            self._groups.add(inbound.chat.id)
        responder = ZaloResponder(self.api, inbound.chat, inbound.sender, self._links,
                                  self._quota, self._services.clock.now, self._shared_rate)
        try:
            await dispatch(self._services, inbound, responder)
        except Exception as exc:
            logger.exception("Zalo: answering %s failed", inbound.key)
            for callback in self._error_handlers:
                await callback(None, SimpleNamespace(error=exc))

    def notifier(self) -> ZaloNotifier:
        """The outbox's sender on Zalo."""
        return ZaloNotifier(self.api, self._groups)

    def fetcher(self) -> ZaloFileFetcher:
        """Downloads of images users sent (by URL)."""
        return ZaloFileFetcher()

    async def stop(self) -> None:
        """Stop receiving and close the connection; what is stored stays for the next start."""
        if self._poller is not None:
            with contextlib.suppress(Exception):
                await self._poller.stop()
        if self._webhook is not None:
            await self._webhook.drain()
        if self._worker is not None:
            await self._worker.stop()
        await self.api.close()
