"""The outbox dispatcher: sends every queued message once, within each channel's limits.

Features queue rows (`uow.outbox.enqueue`) in the same transaction as the change they announce:
an address, a catalogue key and its values, never rendered text. This service claims due rows
and hands each to the `Notifier` of the address's channel, which renders it in the recipient's
language with its own markup and length limit at send time. Delivery is at least once: a crash
between the platform accepting a message and the row being marked sent can repeat that one
message, nothing else. Each channel has its own pacer with the channel's rates (Telegram: about
30 messages/s overall, 1/s per chat, 20/min per group); a `RetryLater` pauses that channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.address import Address
from bot.domain.plan import Plan
from bot.domain.records import FocalPointRole, OutboxMessage
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.schedule import ReminderPolicy
from bot.texts import t_html

logger = logging.getLogger(__name__)

#: Kinds of scheduled reminders: stale ones (older than the grace window) are skipped.
REMINDER_KINDS = frozenset(
    {"phase", "deadline", "deadline.manual", "registration", "escalation", "digest"}
)
UNREACHABLE_KIND = "unreachable"
#: Why a message can never be delivered, as told to the secretariat: blocked (403), the chat
#: does not exist (400 "chat not found"), or the platform kept failing until attempts ran out.
BLOCKED, NOT_FOUND, FAILING = "blocked", "not_found", "failing"
_NOT_FOUND = ("chat not found", "user not found", "peer_id_invalid", "not exist")


# --- the Notifier port and its domain errors ----------------------------------------------


class DeliveryError(Exception):
    """A message could not be delivered this time."""


class RecipientBlocked(DeliveryError):
    """The user blocked the bot, or the bot was removed from the group (403)."""


class MessageRejected(DeliveryError):
    """The platform refused the message itself (chat not found, bad text…); never retried."""


class TransientFailure(DeliveryError):
    """A network error, a time-out or a 5xx: worth trying again later."""


class RetryLater(DeliveryError):
    """Flood control (429): nothing may be sent for `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g} s")
        self.seconds = seconds


class RenderError(DeliveryError):
    """The catalogue could not render the row (unknown key, missing value); never retried."""


class Quota(Protocol):
    """A channel's monthly message allowance (the Zalo free plan counts every message)."""

    async def take(self, channel: str, kind: str, now: datetime) -> bool:
        """Reserve room for one message of this kind; False when the allowance is used up."""
        ...

    def give_back(self, channel: str) -> None:
        """Release a reservation whose message was not sent."""
        ...

    async def sent(self, channel: str, now: datetime) -> None:
        """Count a reserved message that went out."""
        ...


class Notifier(Protocol):
    """One channel's sender: renders an outbox row and delivers it, or raises `DeliveryError`."""

    channel: str
    pacing: Pacing

    def is_group(self, address: Address) -> bool:
        """Whether the address is a group chat (groups have their own, slower rate)."""
        ...

    async def send(
        self, address: Address, text_key: str, payload: Mapping[str, Any], locale: str
    ) -> str | None:
        """Render the catalogue key with the payload in `locale`, send it; the message id."""
        ...


# --- rendering ------------------------------------------------------------------------------


def render_message(text_key: str, locale: str, payload: Mapping[str, Any]) -> str:
    """An outbox row's text in the catalogue's markup (values escaped), for the CLI and logs.

    A value that is a list of `{"key": …, "values": {…}}` items is rendered item by item from
    the catalogue and joined with newlines; this is how lists keep their wording there.
    """
    return t_html(text_key, locale, **dict(payload))


def line(key: str, **values: object) -> dict[str, Any]:
    """One catalogue line of a list value in an outbox payload."""
    return {"key": key, "values": {name: _jsonable(value) for name, value in values.items()}}


def _jsonable(value: object) -> object:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


# --- pacing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pacing:
    """Outgoing rates: overall (spaced evenly), per chat and per group (token buckets)."""

    overall_per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20

    def scaled(self, factor: float) -> Pacing:
        """The same pacing with every rate multiplied (bursts unchanged)."""
        return Pacing(
            self.overall_per_second * factor,
            self.chat_per_second * factor,
            self.chat_burst,
            self.group_per_minute * factor,
            self.group_burst,
        )


#: Overall slots a late sender may still use (Telegram's overall burst is about 30).
CATCH_UP_SLOTS = 5
#: Sends a channel has on the wire at once (the Telegram outbox's connections are 16).
IN_FLIGHT = 16


@dataclass
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    updated: float

    def reserve(self, now: float) -> float:
        """Take a token (possibly one not there yet) and return when it may be used."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return now if self.tokens >= 0 else now + (-self.tokens) / self.rate


class Pacer:
    """Keeps sends within the rates, in real (monotonic) time."""

    def __init__(
        self,
        pacing: Pacing,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pacing = pacing
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[tuple[str, Address], _Bucket] = {}
        self._next_slot = 0.0
        self._slot_lock = asyncio.Lock()
        #: Sends between their slot and their answer. A slot is taken only with a place here:
        #: when answers come late, the senders whose slots passed meanwhile would otherwise
        #: all go at once as the connections free up, a burst over the platform's limit.
        self.in_flight = asyncio.Semaphore(IN_FLIGHT)
        #: With several instances: waits for this instance's turn in the rate they all share.
        self.shared: Callable[[], Awaitable[None]] | None = None

    def _bucket(self, kind: str, chat: Address, rate: float, burst: int, now: float) -> _Bucket:
        bucket = self._buckets.get((kind, chat))
        if bucket is None:
            bucket = self._buckets[(kind, chat)] = _Bucket(rate, burst, burst, now)
        return bucket

    async def wait_for_chat(self, chat: Address, group: bool = False) -> None:
        """Wait until this chat may receive one more message."""
        now = self._monotonic()
        pacing = self.pacing
        ready = self._bucket("chat", chat, pacing.chat_per_second, pacing.chat_burst,
                             now).reserve(now)
        if group:
            group_bucket = self._bucket("group", chat, pacing.group_per_minute / 60,
                                        pacing.group_burst, now)
            ready = max(ready, group_bucket.reserve(now))
        if ready > now:
            await self._sleep(ready - now)

    async def wait_for_slot(self) -> None:
        """Wait for the next overall sending slot (slots are evenly spaced)."""
        async with self._slot_lock:
            now = self._monotonic()
            interval = 1 / self.pacing.overall_per_second
            # A slot missed by a few intervals (the loop was busy, a sleep woke late) is still
            # used: a short catch-up, well within the platform's burst, instead of losing it.
            # Further behind, the sender was idle: no credit, the next slot is now.
            behind = now - self._next_slot
            slot = self._next_slot if 0 < behind <= CATCH_UP_SLOTS * interval else max(
                now, self._next_slot)
            self._next_slot = slot + interval
            if slot > now:
                await self._sleep(slot - now)
            if self.shared is not None:
                await self.shared()

    def pause(self, seconds: float) -> None:
        """Send nothing for a while (the platform asked: 429, retry after)."""
        self._next_slot = max(self._next_slot, self._monotonic() + seconds)


# --- the dispatcher -------------------------------------------------------------------------

#: What `_attempt` returns when the row's lease was lost before sending.
_LEASE_LOST = object()


@dataclass
class _Lease:
    """This dispatcher's claim on a row: the token the row carries and when it runs out."""

    token: str | None
    until: datetime


@dataclass
class DrainResult:
    """What one drain of the outbox did."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    expired: int = 0
    retry_after: int = 0

    def add(self, other: DrainResult) -> None:
        """Add another result's counts to this one."""
        self.sent += other.sent
        self.failed += other.failed
        self.deferred += other.deferred
        self.expired += other.expired
        self.retry_after += other.retry_after


@dataclass(frozen=True)
class OutboxOptions:
    """Tuning of the dispatcher."""

    pacing: Pacing = field(default_factory=Pacing)
    # A claimed row not settled within its lease is taken again (its dispatcher died).
    lease: timedelta = timedelta(minutes=2)
    # Only this process uses the outbox (SQLite): rows left "sending" by a previous run are
    # taken back at start instead of after their lease.
    exclusive: bool = False
    max_attempts: int = 5
    in_process_retries: int = 3
    retry_after_limit: int = 10
    backoff_seconds: float = 0.5
    poll_seconds: float = 5.0
    # How long the outcomes of sends are gathered before they are written in one transaction.
    marks_linger: float = 0.05
    batch: int | None = None  # default: two seconds of sending at the overall rate

    @property
    def batch_size(self) -> int:
        """How many rows are claimed at once."""
        return self.batch or max(20, int(self.pacing.overall_per_second * 2))


async def enqueue_new(uow: UnitOfWork, messages: list[OutboxMessage]) -> int:
    """Queue the messages whose key was never queued before; return how many were new."""
    existing = await uow.outbox.existing_keys([message.key for message in messages])
    fresh = [message for message in messages if message.key not in existing]
    await uow.outbox.enqueue_many(fresh)
    return len(fresh)


class _Marks:
    """Outcomes of sends written in batches: every outcome that arrives while one batch is
    being written goes into the next, in one transaction (at 300 messages/s, one write
    transaction per message would queue on the database's write lock)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, linger: float,
                 sleep: Callable[[float], Awaitable[None]]) -> None:
        self._uow_factory = uow_factory
        self._linger = linger
        self._sleep = sleep
        self._waiting: list[tuple[str, int, tuple[Any, ...], str | None,
                                  asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, message_id: int, action: str, args: tuple[Any, ...],
                    token: str | None) -> bool:
        """Record one outcome; True once committed if the claim (`token`) still held the row."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((action, message_id, args, token, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="outbox-marks")
        return await done

    async def _write_all(self) -> None:
        while self._waiting:
            # The sends finishing meanwhile join this batch (outcomes only need to be written
            # soon: a row stays claimed by its lease until then).
            await self._sleep(self._linger)
            batch, self._waiting = self._waiting, []
            try:
                results: dict[int, bool] = {}
                async with self._uow_factory() as uow:
                    # Deliveries, nearly all of the batch, in two statements; the rest one by
                    # one (failures, deferrals: few).
                    sent = [(message_id, *args, token)
                            for action, message_id, args, token, _done in batch
                            if action == "mark_sent"]
                    recorded = await uow.outbox.mark_sent_many(sent)
                    results = {index: ok for index, ok in zip(
                        (i for i, item in enumerate(batch) if item[0] == "mark_sent"),
                        recorded, strict=True)}
                    for index, (action, message_id, args, token, _done) in enumerate(batch):
                        if action != "mark_sent":
                            method = getattr(uow.outbox, action)
                            results[index] = bool(await method(message_id, *args,
                                                               lease_token=token))
                    await uow.commit()
            except BaseException as exc:
                # Nothing of the batch is recorded: each row stays claimed and, after its
                # lease, is sent again (at least once, never lost).
                for *_rest, done in batch:
                    if not done.done():
                        done.set_exception(exc if isinstance(exc, Exception) else
                                           RuntimeError("outbox marks interrupted"))
                if not isinstance(exc, Exception):
                    raise
                continue
            for index, (*_rest, done) in enumerate(batch):
                if not done.done():
                    done.set_result(results[index])


class OutboxService:
    """Claims due outbox rows and delivers each through its channel's `Notifier`."""

    def __init__(
        self,
        plan: Plan,
        uow_factory: UnitOfWorkFactory,
        clock: Any,
        policy: ReminderPolicy,
        admin_ids: Collection[Address],
        default_locale: str = "vi",
        options: OutboxOptions | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        quota: Quota | None = None,
        locale_of: Callable[[Address], str | None] = lambda _address: None,
    ) -> None:
        self._plan = plan
        self._uow_factory = uow_factory
        self._clock = clock
        self._policy = policy
        self._admin_ids = frozenset(admin_ids)
        self._default_locale = default_locale
        self.options = options or OutboxOptions()
        self._sleep = sleep
        self._monotonic = monotonic
        self._notifiers: dict[str, Notifier] = {}
        self._pacers: dict[str, Pacer] = {}
        self._quota = quota
        self._locale_of = locale_of
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._leases: dict[int, _Lease] = {}
        self._shared_rates: dict[str, Callable[[], Awaitable[None]]] = {}
        self._marks = _Marks(uow_factory, self.options.marks_linger, sleep)
        self.totals = DrainResult()

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def attached(self) -> bool:
        """Whether some channel's notifier is attached (the bot is running)."""
        return bool(self._notifiers)

    def attach(self, notifier: Notifier) -> None:
        """Deliver the rows addressed on the notifier's channel through it from now on."""
        self._notifiers[notifier.channel] = notifier
        # The bot's own setting caps the overall rate below the channel's published one.
        pacing = notifier.pacing
        if pacing.overall_per_second > self.options.pacing.overall_per_second:
            pacing = replace(pacing, overall_per_second=self.options.pacing.overall_per_second)
        pacer = self._pacers[notifier.channel] = Pacer(pacing, self._monotonic, self._sleep)
        pacer.shared = self._shared_rates.get(notifier.channel)
        self._stopping = False

    def share_rate(self, channel: str, take: Callable[[], Awaitable[None]]) -> None:
        """Several instances: each send on `channel` also waits for `take` (a global rate)."""
        self._shared_rates[channel] = take
        if channel in self._pacers:
            self._pacers[channel].shared = take

    def pacer(self, channel: str) -> Pacer | None:
        """The pacer of an attached channel."""
        return self._pacers.get(channel)

    def use_locales(self, locale_of: Callable[[Address], str | None]) -> None:
        """Render each row in the language its recipient chose, looked up at send time."""
        self._locale_of = locale_of

    def wake(self) -> None:
        """Ask the dispatcher to look at the outbox now (after a commit that queued a row)."""
        self._wake.set()

    def start(self) -> None:
        """Run the dispatch loop in the background until `stop`."""
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def recover(self) -> int:
        """Take back the rows a previous run left "sending" (exclusive use only)."""
        if not self.options.exclusive:
            return 0
        # Under the drain lock: rows a drain of this run holds are never taken back.
        async with self._lock, self._uow_factory() as uow:
            count = await uow.outbox.recover()
            await uow.commit()
        if count:
            logger.warning("outbox: %d messages were being sent when the bot stopped; "
                           "they are sent again (one of them may arrive twice)", count)
        return count

    async def stop(self) -> None:
        """Finish the messages in flight, stop the loop and detach the notifier."""
        await self._stop_loop()
        async with self._lock:  # wait for a drain started by a tick
            self._notifiers = {}
            self._pacers = {}

    async def pause(self) -> None:
        """Finish the messages in flight and stop the loop; `start` resumes (another
        instance leads meanwhile)."""
        await self._stop_loop()
        async with self._lock:  # wait for a drain started by a tick
            self._stopping = False

    async def _stop_loop(self) -> None:
        self._stopping = True
        self._wake.set()
        task, self._loop_task = self._loop_task, None
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        try:
            await self.recover()
        except Exception:
            logger.exception("outbox recovery failed")
        while not self._stopping:
            try:
                await self.drain()
            except Exception:
                logger.exception("outbox dispatch failed; trying again shortly")
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.poll_seconds):
                    await self._wake.wait()
            self._wake.clear()

    # --- draining -------------------------------------------------------------------------

    async def drain(self) -> DrainResult:
        """Send everything due at the clock's time; return when it is all done."""
        result = DrainResult()
        if not self._notifiers:
            return result
        async with self._lock:
            if not self._notifiers or self._stopping:
                return result
            self._wake.clear()
            now = self._clock.now()
            if self._policy.in_quiet_hours(now):
                return result
            # A reminder still queued long after it fell due (the bot was down before sending
            # it) is stale; quiet hours may hold a row that long, so they do not count.
            cutoff = now - self._policy.grace - self._policy.quiet_length
            async with self._uow_factory() as uow:
                result.expired = await uow.outbox.expire(now, cutoff, REMINDER_KINDS)
                await uow.commit()
            await self._drain_claimed(result)
        self.totals.add(result)
        return result

    async def _drain_claimed(self, result: DrainResult) -> None:
        size = self.options.batch_size
        in_flight: set[asyncio.Task[None]] = set()
        # The rows this drain is sending: one claimed again only renews its lease (and token).
        held: dict[int, asyncio.Task[None]] = {}
        # Once a claim came back short, claim again only when a commit queued new rows: an
        # empty claim is a write transaction too (one per finished send, otherwise).
        exhausted = False
        try:
            while not self._stopping:
                rows: list[OutboxMessage] = []
                room = size - len(in_flight)
                if room > 0 and (not exhausted or self._wake.is_set()):
                    self._wake.clear()
                    now = self._clock.now()
                    async with self._uow_factory() as uow:
                        rows = await uow.outbox.claim(
                            now, room, now + self.options.lease, channels=set(self._notifiers)
                        )
                        await uow.commit()
                    exhausted = len(rows) < room
                for row in rows:
                    assert row.id is not None
                    # A row this drain holds, claimed again: its lease (and token) is renewed.
                    self._leases[row.id] = _Lease(row.lease_token, now + self.options.lease)
                    if row.id in held and not held[row.id].done():
                        continue
                    task = asyncio.create_task(self._deliver(row, result))
                    held[row.id] = task
                    in_flight.add(task)
                if not in_flight:
                    break
                # Claim more once half the batch is done, so rows never wait long on a lease.
                while in_flight and (len(in_flight) > size // 2 or not rows):
                    _done, in_flight = await asyncio.wait(
                        in_flight, return_when=asyncio.FIRST_COMPLETED
                    )
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _deliver(self, row: OutboxMessage, result: DrainResult) -> None:
        assert row.id is not None
        try:
            await self._deliver_held(row, result)
        finally:
            self._leases.pop(row.id, None)

    async def _keep_lease(self, row: OutboxMessage) -> bool:
        """Renew the lease once half of it is used; False if another dispatcher took the row.

        Checked before every attempt, so a sender that waited out a long flood never sends a
        row that another instance has claimed since (and may have sent).
        """
        assert row.id is not None
        lease = self._leases.get(row.id)
        if lease is None or lease.token is None:
            return True
        now = self._clock.now()
        if now < lease.until - self.options.lease / 2:
            return True
        until = now + self.options.lease
        async with self._uow_factory() as uow:
            kept = await uow.outbox.renew(row.id, lease.token, until)
            await uow.commit()
        if kept:
            lease.until = until
        else:
            logger.warning("outbox %s: the lease ran out and another dispatcher claimed the "
                           "message; it is left to that one", row.key)
        return kept

    async def _deliver_held(self, row: OutboxMessage, result: DrainResult) -> None:
        assert row.id is not None
        channel = row.address.channel
        notifier, pacer = self._notifiers.get(channel), self._pacers.get(channel)
        if notifier is None or pacer is None:
            await self._write(row.id, "release")
            return
        quota = self._quota
        if quota is not None and not await quota.take(channel, row.kind, self._clock.now()):
            await self._write(row.id, "mark_skipped", f"quota: {channel} monthly quota reached")
            result.failed += 1
            return
        try:
            await self._send(row, notifier, pacer, result)
        finally:
            if quota is not None:
                quota.give_back(channel)

    async def _attempt(self, row: OutboxMessage, notifier: Notifier, pacer: Pacer,
                       locale: str) -> Any:
        """One send in its slot, or _LEASE_LOST if another dispatcher took the row."""
        async with pacer.in_flight:
            await pacer.wait_for_slot()
            if not await self._keep_lease(row):
                return _LEASE_LOST
            return await notifier.send(row.address, row.text_key, row.payload, locale)

    async def _send(self, row: OutboxMessage, notifier: Notifier, pacer: Pacer,
                    result: DrainResult) -> None:
        assert row.id is not None
        channel = row.address.channel
        locale = self._locale_of(row.address) or row.locale
        await pacer.wait_for_chat(row.address, notifier.is_group(row.address))
        transient = retries = 0
        while True:
            try:
                message_id = await self._attempt(row, notifier, pacer, locale)
                if message_id is _LEASE_LOST:
                    return
            except RenderError as exc:
                logger.error("outbox %s: cannot render %s: %s", row.key, row.text_key, exc)
                await self._write(row.id, "mark_failed", f"render: {exc}")
                result.failed += 1
                return
            except RetryLater as exc:
                result.retry_after += 1
                retries += 1
                pacer.pause(exc.seconds)
                if retries <= self.options.retry_after_limit:
                    continue
                await self._defer(row, str(exc), result)
                return
            except TransientFailure as exc:
                transient += 1
                if transient < self.options.in_process_retries:
                    await self._sleep(self.options.backoff_seconds * 2 ** (transient - 1))
                    continue
                await self._defer(row, f"transient: {exc}", result)
                return
            except RecipientBlocked as exc:
                await self._write(row.id, "mark_failed", f"blocked: {exc}")
                result.failed += 1
                await self._report_unreachable(row)
                return
            except MessageRejected as exc:
                logger.warning("outbox %s rejected by %s: %s", row.key, channel, exc)
                await self._write(row.id, "mark_failed", f"rejected: {exc}")
                result.failed += 1
                # The recipient cannot be reached (no such chat); any other refusal is about
                # the message and still means it never arrives.
                missing = any(part in str(exc).lower() for part in _NOT_FOUND)
                await self._report_unreachable(row, NOT_FOUND if missing else FAILING)
                return
            except Exception as exc:
                logger.exception("outbox %s: unexpected error while sending", row.key)
                await self._defer(row, f"error: {exc!r}", result)
                return
            if not await self._write(row.id, "mark_sent", self._clock.now(), message_id):
                logger.warning("outbox %s: sent, but its lease had been taken over meanwhile "
                               "(the send outlasted the lease): it may arrive twice", row.key)
            if self._quota is not None:
                await self._quota.sent(channel, self._clock.now())
            result.sent += 1
            return

    async def _defer(self, row: OutboxMessage, error: str, result: DrainResult) -> None:
        assert row.id is not None
        if row.attempts + 1 >= self.options.max_attempts:
            await self._write(row.id, "mark_failed", error)
            result.failed += 1
            logger.warning("outbox %s: given up after %d attempts", row.key, row.attempts + 1)
            await self._report_unreachable(row, FAILING)
            return
        # Capped exponential backoff on the injected clock: 1, 2, 4… minutes.
        delay = timedelta(minutes=min(60, 2**row.attempts))
        not_before = self._clock.now() + delay
        await self._write(row.id, "retry_later", not_before, error)
        result.deferred += 1

    async def _write(self, message_id: int, action: str, *args: Any) -> bool:
        """Record the outcome of one message (batched with the others finishing meanwhile),
        fenced by this dispatcher's lease token; False if another claim holds the row now."""
        lease = self._leases.get(message_id)
        token = lease.token if lease is not None else None
        return await self._marks.write(message_id, action, args, token)

    async def _report_unreachable(self, row: OutboxMessage, reason: str = BLOCKED) -> None:
        """Tell the secretariat which unit (or chat) the bot can no longer reach, and why
        (once a day per recipient, whatever the reason)."""
        if row.address in self._admin_ids or row.kind == UNREACHABLE_KIND:
            return
        now = self._clock.now()
        day = self._policy.local(now).strftime("%Y-%m-%d")
        async with self._uow_factory() as uow:
            if row.recipient_unit_id is not None:
                unit = self._plan.unit(row.recipient_unit_id)
                seats = await uow.focal_points.active_for_unit(self._plan.id, unit.id)
                seat = next((s for s in seats if s.chat == row.address), None)
                role = seat.role if seat is not None else FocalPointRole.FOCAL_POINT
                name = seat.full_name if seat is not None else ""
                text_key = f"reminders.unreachable_{role.value}"
                payload: dict[str, Any] = {"unit": unit.name, "name": name}
            elif self._is_group(row.address):
                text_key, payload = "reminders.unreachable_group", {}
            else:
                text_key, payload = "reminders.unreachable_chat", {"chat": str(row.address)}
            if reason != BLOCKED:
                text_key = f"{text_key}_{reason}"
            for admin in sorted(self._admin_ids):
                await uow.outbox.enqueue(
                    OutboxMessage(
                        key=f"unreachable:{row.address.key}:{day}:admin:{admin.key}",
                        kind=UNREACHABLE_KIND,
                        address=admin,
                        text_key=text_key,
                        payload=payload,
                        locale=self._default_locale,
                        due_at=now,
                        created_at=now,
                        recipient_unit_id=row.recipient_unit_id,
                        campaign_id=self._plan.id,
                    )
                )
            await uow.commit()

    def _is_group(self, address: Address) -> bool:
        notifier = self._notifiers.get(address.channel)
        return notifier is not None and notifier.is_group(address)

    # --- reading --------------------------------------------------------------------------

    async def recent(self, limit: int = 200) -> list[OutboxMessage]:
        """The newest outbox rows first."""
        async with self._uow_factory() as uow:
            return await uow.outbox.recent(limit, self._plan.id)

    async def counts(self) -> dict[str, int]:
        """How many rows are in each status."""
        async with self._uow_factory() as uow:
            return await uow.outbox.counts()

    async def next_wake(self, now: datetime) -> datetime | None:
        """When a queued message next becomes sendable after `now` (quiet hours included)."""
        async with self._uow_factory() as uow:
            later = await uow.outbox.next_wake(now)
            waiting_now = await uow.outbox.has_sendable(now)
        candidates = []
        if later is not None:
            candidates.append(self._policy.quiet_end(later))
        if waiting_now and self._policy.in_quiet_hours(now):
            candidates.append(self._policy.quiet_end(now))
        return min(candidates) if candidates else None

    def as_log_entry(self, row: OutboxMessage) -> dict[str, Any]:
        """One outbox row as JSON-ready data, with its text as it is (or was) sent."""
        try:
            text = render_message(row.text_key, row.locale, row.payload)
        except (KeyError, IndexError, ValueError):
            text = row.text_key
        return {
            "key": row.key,
            "kind": row.kind,
            "status": row.status.value,
            "address": str(row.address),
            "recipient_unit": row.recipient_unit_id,
            "text_key": row.text_key,
            "text": text,
            "due_at": row.due_at.isoformat(),
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "attempts": row.attempts,
            "last_error": row.last_error,
        }

