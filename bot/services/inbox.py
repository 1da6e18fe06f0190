"""The durable inbox: inbound updates are committed before they are acknowledged.

A channel stores every update it receives (`store`) before it tells the platform it has it
(the next getUpdates offset on Telegram, the webhook's 200 or the next poll on Zalo); a worker
then processes the channel's pending updates one at a time, in the order received, marking each
done in its own commit. After a crash, what is still pending is processed first.

What this guarantees: an update the platform considers delivered is stored, and it is processed
to the end at least once. What it changes is changed once: the flows record the update's key
with their change in one transaction (`DialogueService.once`) and replay the stored answer to a
second processing. The one answer that can arrive twice is the one being sent when the process
died (sent, but the update not yet marked done).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.address import Address
from bot.domain.records import InboxEntry
from bot.services.clock import Clock
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

#: Telegram keeps an update for 24 h: a processed one older than that cannot come back.
KEEP = timedelta(hours=24)
PRUNE_EVERY = timedelta(hours=1)
MAX_ATTEMPTS = 3
#: How long a claimed update is this instance's; renewed when its processing starts.
LEASE = timedelta(seconds=30)
#: Updates claimed per read (another instance can take the rest meanwhile).
CLAIM_BATCH = 20
#: How often an idle worker looks for updates stored or left behind by another instance.
POLL_SECONDS = 5.0

Handle = Callable[[InboxEntry], Awaitable[None]]
Observe = Callable[["Attempt"], contextlib.AbstractContextManager[None]]
#: The chat, the sender and the message key of a stored update, as the flows will know them
#: (None: unknown).
Subject = tuple[Address, Address, str]
Sender = Callable[[InboxEntry], "Subject | None"]


@dataclass(frozen=True)
class Attempt:
    """What was read when an update's attempt was counted, just before it is handled."""

    directory_version: int
    # (chat, sender, key) when, at that moment, the sender had no conversation in the chat and
    # the update had never been handled; None when either is not known to be so.
    quiet: Subject | None = None


@dataclass(frozen=True)
class Received:
    """One update as a channel received it: its unique key, raw payload and sequence number."""

    key: str
    payload: Any
    seq: int | None = None


class InboxService:
    """Stores inbound updates, hands out the pending ones, records them processed."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, *, max_attempts: int = MAX_ATTEMPTS,
        keep: timedelta = KEEP, lease: timedelta = LEASE, owner: str | None = None,
        exclusive: bool = False,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self.max_attempts = max_attempts
        self.keep = keep
        self._pruned_at: datetime | None = None
        self._observe: Observe | None = None
        # Several instances share the inbox: each processes what it claimed. The owner is
        # stable across a restart (host and port), so a restarted instance takes back its own
        # updates at once; `exclusive` (SQLite, one instance) takes back everything.
        self.owner = owner or socket.gethostname()[:64]
        self.lease = lease
        self.exclusive = exclusive

    async def store(
        self, channel: str, key: str, payload: Any, now: datetime, *, seq: int | None = None,
        replay: bool = False,
    ) -> bool:
        """Commit one update; True if it is new (or, with `replay`, queued again)."""
        [stored] = await self.store_many(channel, [Received(key, payload, seq)], now,
                                         replay=replay)
        return stored

    async def store_many(
        self, channel: str, received: Sequence[Received], now: datetime, *, replay: bool = False
    ) -> list[bool]:
        """Commit a batch of updates in one transaction; for each, whether it is to process."""
        async with self._uow_factory() as uow:
            stored = await uow.inbox.add_many(
                channel, [(item.key, item.payload, item.seq) for item in received], now,
                replay=replay,
            )
            await uow.commit()
        return stored

    async def pending(self, channel: str, limit: int = 100) -> list[InboxEntry]:
        """The channel's updates still to process, oldest first."""
        async with self._uow_factory(read_only=True, snapshot=False) as uow:
            return await uow.inbox.pending(channel, limit)

    def observe_attempts(self, observe: Observe) -> None:
        """Handle each update inside `observe(attempt)`: what its attempt read (the directory
        version, whether its sender is quiet) reaches the caches, at no extra statement."""
        self._observe = observe

    async def settle_and_fetch(self, channel: str, done_id: int | None,
                               limit: int = CLAIM_BATCH,
                               ledger: UnitOfWork | None = None) -> list[InboxEntry]:
        """Record `done_id` processed (if any) and claim the next pending updates, in one
        commit (on a `ledger`, one after the other, each committing by itself): what another
        instance holds is left to it."""
        now = self._clock.now()
        if ledger is not None:
            if done_id is not None:
                await ledger.inbox.done(done_id, now)
            claimed = await ledger.inbox.claim(channel, self.owner, now, now + self.lease,
                                               limit, everything=self.exclusive)
            await ledger.commit()
            return claimed
        async with self._uow_factory() as uow:
            if done_id is not None:
                await uow.inbox.done(done_id, now)
            claimed = await uow.inbox.claim(channel, self.owner, now, now + self.lease, limit,
                                            everything=self.exclusive)
            await uow.commit()
        return claimed

    def ledger(self) -> UnitOfWork:
        """A unit of work for a run of `attempt`s (a burst of updates): opened once, each of
        its statements committing by itself."""
        return self._uow_factory(bookkeeping=True)

    async def attempt(self, entry_id: int, done_id: int | None = None,
                      sender: Subject | None = None,
                      ledger: UnitOfWork | None = None) -> Attempt | None:
        """Count an attempt before processing (an update that kills the process is given up),
        with the previous update's done mark in the same commit; return what was read with it
        (the directory version; with `sender`, whether that sender is quiet), or None when
        another instance took the update over (this one's hold ran out): it is not to be
        processed here."""
        # One statement of bookkeeping (it runs for every update, most of which change nothing
        # else): lost in a database crash, the update is only handled once more.
        now = self._clock.now()
        if ledger is not None:
            settled = await ledger.inbox.attempt_settling(entry_id, done_id, now, self.owner,
                                                          now + self.lease, sender)
            await ledger.commit()
        else:
            async with self.ledger() as uow:
                settled = await uow.inbox.attempt_settling(entry_id, done_id, now, self.owner,
                                                           now + self.lease, sender)
                await uow.commit()
        if settled is None:
            return None
        quiet = sender if settled.quiet else None
        return Attempt(settled.directory_version, quiet)

    def observing(self, attempt: Attempt) -> contextlib.AbstractContextManager[None]:
        """The context an update is handled in (see `observe_attempts`)."""
        if self._observe is None:
            return contextlib.nullcontext()
        return self._observe(attempt)

    async def done(self, entry_id: int) -> None:
        """Record an update as processed, in its own commit."""
        async with self._uow_factory() as uow:
            await uow.inbox.done(entry_id, self._clock.now())
            await uow.commit()

    async def failed(self, entry_id: int, error: str, done_id: int | None = None) -> None:
        """Give up on an update (and record `done_id` processed in the same commit)."""
        async with self._uow_factory() as uow:
            if done_id is not None:
                await uow.inbox.done(done_id, self._clock.now())
            await uow.inbox.failed(entry_id, self._clock.now(), error)
            await uow.commit()

    async def note_error(self, entry_id: int, error: str) -> None:
        """Keep why an attempt failed; the update stays pending."""
        async with self._uow_factory() as uow:
            await uow.inbox.note_error(entry_id, error)
            await uow.commit()

    async def last_seq(self, channel: str) -> int | None:
        """The highest sequence number stored for a channel (where polling resumes)."""
        async with self._uow_factory(read_only=True, snapshot=False) as uow:
            return await uow.inbox.last_seq(channel)

    async def entries(self, channel: str | None = None) -> list[InboxEntry]:
        """Every stored update, oldest first (for tests and operators)."""
        async with self._uow_factory(read_only=True) as uow:
            return await uow.inbox.all(channel)

    async def prune(self, now: datetime | None = None) -> int:
        """Forget updates processed more than `keep` ago; return how many."""
        moment = now or self._clock.now()
        async with self._uow_factory() as uow:
            count = await uow.inbox.delete_processed_before(moment - self.keep)
            await uow.commit()
        self._pruned_at = moment
        return count

    async def prune_if_due(self) -> None:
        """Prune at most once an hour (on the injected clock)."""
        now = self._clock.now()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            await self.prune(now)

    def worker(self, channel: str, handle: Handle, sender: Sender | None = None) -> InboxWorker:
        """A worker that processes the channel's pending updates through `handle`; `sender`
        tells who an update is from, so that its attempt also reads whether they are quiet."""
        return InboxWorker(self, channel, handle, sender)


class InboxWorker:
    """Processes one channel's pending updates in order, each marked done in its own commit."""

    def __init__(self, inbox: InboxService, channel: str, handle: Handle,
                 sender: Sender | None = None, *, retry_seconds: float = 1.0,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self._inbox = inbox
        self.channel = channel
        self._handle = handle
        self._sender = sender
        self._retry_seconds = retry_seconds
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look at the inbox now (an update was stored)."""
        self._idle.clear()
        self._wake.set()

    def start(self) -> None:
        """Process what a previous run left pending, then whatever is stored, until `stop`."""
        self._stopping = False
        if self._task is None:
            self.wake()
            self._task = asyncio.create_task(self._run(), name=f"inbox-{self.channel}")

    async def idle(self) -> None:
        """Wait until every update stored so far is processed (or the worker stops)."""
        if self._task is None or self._task.done():
            return
        await self._idle.wait()

    async def stop(self) -> None:
        """Finish the update in hand and stop; the rest stays pending for the next start."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._idle.set()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_pending()
                await self._inbox.prune_if_due()
            except Exception:
                logger.exception("inbox %s: processing failed; trying again shortly",
                                 self.channel)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._retry_seconds):
                        await self._wake.wait()
                continue
            if self._stopping:
                break
            if not self._wake.is_set():
                self._idle.set()
            # Now and then even without news: updates another instance stored or left
            # behind when it died (its hold runs out) are taken over.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_seconds):
                    await self._wake.wait()

    async def run_pending(self) -> int:
        """Process every pending update of the channel, oldest first; return how many.

        An update's done mark is committed with the next one's attempt (or with the next read
        of the inbox), so each update costs one commit; it is always committed before the
        worker goes idle or stops.
        """
        count = 0
        finished: int | None = None  # processed, its done mark not yet committed
        try:
            # One connection for the burst's attempts, not one per update.
            async with self._inbox.ledger() as ledger:
                while not self._stopping:
                    batch = await self._inbox.settle_and_fetch(self.channel, finished,
                                                               ledger=ledger)
                    finished = None
                    if not batch:
                        return count
                    for entry in batch:
                        if self._stopping:
                            return count
                        finished, done = None, finished
                        if await self._process(entry, done, ledger):
                            finished = entry.id
                        count += 1
                return count
        finally:
            if finished is not None:
                await self._inbox.done(finished)

    async def _process(self, entry: InboxEntry, done_id: int | None,
                       ledger: UnitOfWork | None = None) -> bool:
        """Handle one update; True when it is to be recorded done (by the caller)."""
        inbox = self._inbox
        if entry.attempts >= inbox.max_attempts:
            # Each earlier attempt ended with the process (or raised): do not try forever.
            logger.error("inbox %s: update %d given up after %d attempts", self.channel,
                         entry.id, entry.attempts)
            await inbox.failed(entry.id, entry.last_error or "the process stopped while "
                               "processing it", done_id)
            return False
        sender = self._sender(entry) if self._sender is not None else None
        attempt = await inbox.attempt(entry.id, done_id, sender, ledger)
        if attempt is None:
            logger.info("inbox %s: update %d taken over by another instance", self.channel,
                        entry.id)
            return False
        try:
            with inbox.observing(attempt):
                await self._handle(entry)
        except Exception as exc:
            logger.exception("inbox %s: update %d failed", self.channel, entry.id)
            if entry.attempts + 1 >= inbox.max_attempts:
                await inbox.failed(entry.id, repr(exc))
            else:
                await inbox.note_error(entry.id, repr(exc))
                raise
            return False
        return True
