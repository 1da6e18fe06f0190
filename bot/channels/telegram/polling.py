"""Long polling that stores every update in the inbox before Telegram is told it arrived.

python-telegram-bot's Updater confirms a batch (the next getUpdates offset) before it is
handled, so a crash loses what was queued. Here a batch is committed to the inbox first; only
then does the offset move. At start the offset resumes after the newest stored update, so
nothing already stored is fetched again; the inbox worker processes what is pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.services.inbox import InboxService, InboxWorker, Received
from bot.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

MIN_BACKOFF = 1.0
MAX_BACKOFF = 30.0
FRESH_MAX = 1000


def update_key(update_id: int) -> str:
    """The inbox key of a Telegram update (also the inbound message's key)."""
    return f"telegram:update:{update_id}"


class TelegramPoller:
    """getUpdates in a loop: store each batch, then ask for the next (which confirms it)."""

    def __init__(self, bot: Bot, inbox: InboxService, worker: InboxWorker, clock: Any,
                 *, timeout: int = 10, channel: str = "telegram",
                 raw: Callable[[], list[Any] | None] | None = None) -> None:
        self._bot = bot
        # The updates of the last getUpdates as Telegram sent them (see UpdatesRequest).
        self._raw = raw
        self._inbox = inbox
        self._worker = worker
        self._clock = clock
        self._timeout = timeout
        self._channel = channel
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self.failed: BaseException | None = None
        # The updates just polled, by inbox key: the worker takes them instead of parsing the
        # stored payload again (what it would do after a restart).
        self._fresh: dict[str, Update] = {}
        #: Set once the first getUpdates was answered and its updates handled.
        self.first_poll_done = asyncio.Event()

    def take(self, key: str) -> Update | None:
        """The update polled under this inbox key in this run, if it is still at hand."""
        return self._fresh.pop(key, None)

    @property
    def running(self) -> bool:
        """Whether the polling task runs."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Drop any webhook, resume after the newest stored update, and poll in a task."""
        await self._bot.delete_webhook(drop_pending_updates=False)
        last = await self._inbox.last_seq(self._channel)
        self._offset = None if last is None else last + 1
        self._task = asyncio.create_task(self._run(), name="telegram-poller")

    async def stop(self) -> None:
        """Stop polling; what is stored stays stored."""
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        delay = MIN_BACKOFF
        while True:
            try:
                await self._poll_once()
                self.first_poll_done.set()
            except InvalidToken as exc:
                self.failed = exc
                logger.error("Telegram polling stopped: the token was rejected")
                return
            except (NetworkError, TelegramError) as exc:
                logger.warning("Telegram poll failed (%s); polling again in %.0f s", exc, delay)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("storing Telegram updates failed; polling again in %.0f s",
                                 delay)
            else:
                delay = MIN_BACKOFF
                continue
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    async def _poll_once(self) -> None:
        updates = await self._bot.get_updates(offset=self._offset, timeout=self._timeout)
        if not updates:
            return
        raw = self._raw() if self._raw is not None else None
        if raw is None or len(raw) != len(updates) or any(
                not isinstance(item, dict) or item.get("update_id") != u.update_id
                for item, u in zip(raw, updates, strict=True)):
            raw = [u.to_dict() for u in updates]
        received = [Received(update_key(u.update_id), item, u.update_id)
                    for item, u in zip(raw, updates, strict=True)]
        if len(self._fresh) > FRESH_MAX:
            self._fresh.clear()  # updates given up without being handled
        self._fresh.update((item.key, u) for item, u in zip(received, updates, strict=True))
        # Committed before the offset moves: the next getUpdates is what confirms the batch.
        # A redelivered update already processed is queued again, to be answered again.
        await self._inbox.store_many(self._channel, received, self._clock.now(), replay=True)
        self._offset = max(u.update_id for u in updates) + 1
        self._worker.wake()
        await self._worker.idle()
