"""Leadership: the instance holding the leader lock runs the scheduled work; the others wait.

Every instance answers its users; only the leader runs the reminder tick, the outbox dispatcher
and the attachment archive. A follower tries the lock every `retry_seconds`, so when the leader
dies its work resumes on another instance within about that long. A leader that finds its lock
lost (its database connection broke) stops the work at once: two leaders would send twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class Lock(Protocol):
    """What leadership needs of a lock (see storage.leader)."""

    async def acquire(self) -> bool: ...  # noqa: D102

    async def holds(self) -> bool: ...  # noqa: D102

    async def release(self) -> None: ...  # noqa: D102


class Leadership:
    """Runs `lead` when this process gains the lock and `step_down` when it loses or stops."""

    def __init__(self, lock: Lock, lead: Callable[[], Awaitable[None]],
                 step_down: Callable[[], Awaitable[None]],
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self._lock = lock
        self._lead = lead
        self._step_down = step_down
        self._retry = retry_seconds
        self.leading = False
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        """Try once now (a single instance leads before this returns), then keep watching."""
        await self._check()
        self._task = asyncio.create_task(self._watch(), name="leadership")

    async def stop(self) -> None:
        """Stop watching; step down and let the lock go."""
        task, self._task = self._task, None
        await cancel_and_wait(task)
        if self.leading:
            self.leading = False
            await self._step_down()
        await self._lock.release()

    async def wait_changed(self) -> None:
        """Wait until this process gains or loses leadership (for tests and the sandbox)."""
        self._changed.clear()
        await self._changed.wait()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._retry)
            try:
                await self._check()
            except Exception:
                logger.exception("leadership check failed; trying again")

    async def _check(self) -> None:
        if self.leading:
            if not await self._lock.holds():
                logger.warning("this instance lost the leader lock: it stops sending reminders")
                self.leading = False
                await self._step_down()
                self._changed.set()
            return
        if await self._lock.acquire():
            logger.info("this instance now sends the reminders and queued messages")
            self.leading = True
            await self._lead()
            self._changed.set()
