"""The periodic tick: APScheduler calls one service method; the database says what is due.

Jobs are never persisted: a reminder is state in the database, so the scheduler only has to
wake the service regularly. A tick that runs late is still run (no misfire grace limit) and
overlapping ticks are merged into one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

TICK_JOB = "reminders.tick"


def start_ticker(tick: Callable[[], Awaitable[Any]], every_seconds: float) -> AsyncIOScheduler:
    """Start a scheduler that awaits `tick()` now and then every `every_seconds`."""

    async def run() -> None:
        try:
            await tick()
        except asyncio.CancelledError:
            # Shutting down: the executor cancels a tick in progress; the next run catches up.
            return
        except Exception:
            # A failing tick must not stop the next one; the next tick catches up.
            logger.exception("the reminder tick failed")

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        run,
        IntervalTrigger(seconds=every_seconds, timezone=UTC),
        id=TICK_JOB,
        replace_existing=True,
        next_run_time=datetime.now(UTC),
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    scheduler.start()
    return scheduler


def stop_ticker(scheduler: AsyncIOScheduler) -> None:
    """Stop scheduling ticks (a tick in progress finishes on its own)."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
