"""The periodic tick: APScheduler calls one service method; the database says what is due.

Jobs are never persisted: a reminder is state in the database, so the scheduler only has to
wake the service regularly. A tick that runs late is still run (no misfire grace limit) and
overlapping ticks are merged into one. Stopping waits for a tick in progress, so the database
is never closed under it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

TICK_JOB = "reminders.tick"


class Ticker:
    """Awaits `tick()` now and then every `every_seconds`, until stopped."""

    def __init__(self, tick: Callable[[], Awaitable[Any]], every_seconds: float) -> None:
        self._tick = tick
        self._every = every_seconds
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._current: asyncio.Future[Any] | None = None
        self._stopping = False

    def start(self, first_after: float = 0.0) -> None:
        """Schedule the ticks, the first one `first_after` seconds from now."""
        self._scheduler.add_job(
            self._run,
            IntervalTrigger(seconds=self._every, timezone=UTC),
            id=TICK_JOB,
            replace_existing=True,
            next_run_time=datetime.now(UTC) + timedelta(seconds=first_after),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        self._scheduler.start()

    async def _run(self) -> None:
        if self._stopping:
            return
        # The tick runs as a task of its own: when the scheduler shuts down it cancels this
        # job, not the tick, which `stop` then waits for.
        self._current = asyncio.ensure_future(self._tick())
        try:
            await asyncio.shield(self._current)
        except asyncio.CancelledError:
            return
        except Exception:
            # A failing tick must not stop the next one; the next tick catches up.
            logger.exception("the reminder tick failed")

    async def stop(self) -> None:
        """Schedule no more ticks and wait for the one in progress, if any."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        current = self._current
        if current is not None and not current.done():
            with contextlib.suppress(Exception):
                await current
