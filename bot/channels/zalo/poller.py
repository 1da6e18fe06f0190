"""Long polling for Zalo: one ``getUpdates`` at a time, one event per answer.

Zalo's getUpdates has no offset and no acknowledgement: each answer is one event, or an error
408 when nothing came within the timeout. Polling and a webhook exclude each other, so
``start()`` deletes the webhook first (GC-1542: a forgotten webhook silences polling).

Errors back off exponentially (1 s doubling to 60 s, reset by the next good answer), 429 quota
errors included, with one log line per backoff. A 401 (token reset) stops the poller: the error
is kept in ``failed`` and raised by ``wait()``. ``on_event`` is awaited before the next poll; an
exception from it is logged and the poller goes on (there is no way to ask Zalo to redeliver).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .api import ZaloApi, ZaloBadRequest, ZaloError, ZaloRateLimited, ZaloUnauthorized
from .updates import ZaloEvent, parse_events

log = logging.getLogger(__name__)

MIN_BACKOFF = 1.0
MAX_BACKOFF = 60.0
#: An empty answer faster than this (with a timeout of at least 1 s) is suspicious: pause as long.
FAST_EMPTY = 0.5

OnEvent = Callable[[ZaloEvent], Awaitable[None]]
Sleep = Callable[[float], Awaitable[Any]]


class ZaloPoller:
    """Polls ``api.get_update`` in a task and awaits ``on_event`` for each event, in order."""

    def __init__(
        self,
        api: ZaloApi,
        on_event: OnEvent,
        timeout_s: float = 30,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        min_backoff: float = MIN_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        self.api = api
        self.on_event = on_event
        self.timeout_s = timeout_s
        self._sleep = sleep
        self._clock = clock
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.failed: BaseException | None = None
        self.backoffs: list[float] = []  # every backoff delay taken, for monitoring and tests
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._handling = False

    @property
    def running(self) -> bool:
        """Return True while the polling task runs."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Delete any webhook (ignoring "none set"), then start polling in a task."""
        if self.running:
            raise RuntimeError("the poller is already running")
        try:
            await self.api.delete_webhook()
        except ZaloBadRequest as exc:
            log.debug("Zalo deleteWebhook: %s (no webhook set)", exc.description)
        self._stopping = False
        self.failed = None
        self._task = asyncio.create_task(self._run(), name="zalo-poller")

    async def stop(self) -> None:
        """Stop polling; an event being handled is finished first."""
        self._stopping = True
        task = self._task
        if task is None or task.done() or task is asyncio.current_task():
            return
        if not self._handling:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def wait(self) -> None:
        """Wait until the poller ends; raise the error that stopped it, if any."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.failed is not None:
            raise self.failed

    async def _run(self) -> None:
        delay = self.min_backoff
        while not self._stopping:
            started = self._clock()
            try:
                result = await self.api.get_update(self.timeout_s)
            except ZaloUnauthorized as exc:
                self.failed = exc
                log.error("Zalo polling stopped: %s (was the token reset?)", exc)
                return
            except Exception as exc:
                await self._backoff(exc, delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            delay = self.min_backoff
            if result is None:
                await self._pause_if_too_fast(started)
            else:
                await self._handle(parse_events(result))

    async def _backoff(self, exc: Exception, delay: float) -> None:
        if isinstance(exc, ZaloRateLimited):
            log.warning("Zalo quota exceeded (429); polling again in %.0f s", delay)
        elif isinstance(exc, ZaloError):
            log.warning("Zalo poll failed (%s); polling again in %.0f s", exc, delay)
        else:
            log.exception("Zalo poll failed unexpectedly; polling again in %.0f s", delay)
        self.backoffs.append(delay)
        await self._sleep(delay)

    async def _pause_if_too_fast(self, started: float) -> None:
        if self.timeout_s >= 1 and self._clock() - started < FAST_EMPTY:
            await self._sleep(FAST_EMPTY)

    async def _handle(self, events: list[ZaloEvent]) -> None:
        self._handling = True
        try:
            for event in events:
                try:
                    await self.on_event(event)
                except Exception:
                    log.exception("Zalo on_event failed for %s", event.dedupe_key)
        finally:
            self._handling = False
