"""Delivery to a webhook, as Telegram does it: one update per POST, in order, retried until 2xx.

Telegram sends the secret given to ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token`` and
keeps an update until the bot answers it with a 2xx; meanwhile later updates wait.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.tasks import cancel_and_wait

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
RETRY_DELAY = 0.05  # seconds between failed tries (Telegram waits longer; tests need less)
FOREVER = 3600.0


@dataclass(frozen=True)
class Delivery:
    """One try to deliver an update: its id and the HTTP status (None: no connection)."""

    update_id: int
    status: int | None


class WebhookPusher:
    """POSTs the world's pending updates to the webhook URL until stopped."""

    def __init__(self, world: Any, url: str, secret: str | None) -> None:
        self._world = world
        self.url = url
        self._headers = {SECRET_HEADER: secret} if secret else {}
        self.deliveries: list[Delivery] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin delivering in a task."""
        self._task = asyncio.create_task(self._run(), name="fake-webhook")

    async def stop(self) -> None:
        """Stop delivering; what is undelivered stays queued."""
        task, self._task = self._task, None
        await cancel_and_wait(task)

    def _next(self) -> dict[str, Any] | None:
        batch = self._world.take_updates(1, self._world.allowed_updates)
        return batch[0] if batch else None

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                update = await self._world.updates_changed.wait_for(self._next, FOREVER)
                while not await self._deliver(session, update):
                    await asyncio.sleep(RETRY_DELAY)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> bool:
        status: int | None = None
        try:
            async with session.post(self.url, data=json.dumps(update), headers={
                    **self._headers, "Content-Type": "application/json"}) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("fake webhook delivery of %s failed: %r", update["update_id"], exc)
        self.deliveries.append(Delivery(update["update_id"], status))
        self._world.activity.fire()
        if status is not None and 200 <= status < 300:
            self._world.confirm_before(update["update_id"] + 1)
            return True
        return False
