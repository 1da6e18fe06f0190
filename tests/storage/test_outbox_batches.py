"""Claims and outcomes in batches, on SQLite and PostgreSQL: each message once, none lost.

The dispatcher claims many rows in one transaction and writes the outcomes of the sends that
finish meanwhile in one transaction. A dispatcher that dies mid-batch (its outcomes never
written) loses nothing: its rows come back once their lease runs out, not before, and only the
rows it had not recorded are sent again. Time is injected (a simulated clock).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import timedelta

from bot.domain.address import Address
from bot.domain.records import OutboxStatus
from bot.plan import load_plan
from bot.services.clock import FixedClock
from bot.services.outbox import OutboxOptions, OutboxService, Pacing
from bot.services.schedule import ReminderPolicy
from tests.conftest import KONTUM
from tests.reminders.conftest import at
from tests.support import broadcast_row

LEASE = timedelta(minutes=2)
ROWS = 40


class Recorder:
    """Delivers everything, counting per message; `die_after` sends, it stops answering."""

    channel = "telegram"
    pacing = Pacing(overall_per_second=10_000, chat_per_second=1000, chat_burst=100)

    def __init__(self, delivered: Counter[int], die_after: int | None = None) -> None:
        self.delivered = delivered
        self.die_after = die_after
        self.sends = 0
        self.dead = asyncio.Event()

    def is_group(self, address: Address) -> bool:
        return False

    async def send(self, address, text_key, payload, locale):
        if self.die_after is not None and self.sends >= self.die_after:
            self.dead.set()
            await asyncio.Event().wait()  # the process is gone: this send never returns
        self.sends += 1
        self.delivered[payload["n"]] += 1
        return str(payload["n"])


async def _yield(_delay: float) -> None:
    """The injected sleep: time stands still, but every task ready to run gets to run."""
    for _ in range(20):
        await asyncio.sleep(0)


def _service(uow_factory, clock, notifier, batch: int = ROWS) -> OutboxService:
    plan = load_plan(KONTUM)
    service = OutboxService(
        plan, uow_factory, clock, ReminderPolicy(plan.timezone, quiet_hours=None), [],
        options=OutboxOptions(lease=LEASE, batch=batch),
        # Real pacing time runs on (a second per reading): the pacer never holds a send back.
        monotonic=itertools.count().__next__,
        sleep=_yield,
    )
    service.attach(notifier)
    return service


async def _queue(uow_factory, clock, rows: int = ROWS) -> None:
    async with uow_factory() as uow:
        for n in range(rows):
            await uow.outbox.enqueue(broadcast_row(f"batch:{n}", 500 + n, n, clock.now()))
        await uow.commit()


async def _statuses(uow_factory) -> Counter[OutboxStatus]:
    async with uow_factory() as uow:
        return Counter(row.status for row in await uow.outbox.recent(ROWS * 2))


async def test_a_batch_is_claimed_and_recorded_in_a_few_transactions(uow_factory):
    clock = FixedClock(at(20, 11, 10))
    await _queue(uow_factory, clock)
    writes = 0

    def counting(**options):
        nonlocal writes
        writes += not options.get("read_only")
        return uow_factory(**options)

    delivered: Counter[int] = Counter()
    result = await _service(counting, clock, Recorder(delivered)).drain()
    assert result.sent == ROWS and delivered == Counter({n: 1 for n in range(ROWS)})
    assert await _statuses(uow_factory) == Counter({OutboxStatus.SENT: ROWS})
    # The expiry, the claims and the outcomes: far fewer than one transaction per message.
    assert writes <= ROWS // 2


async def test_two_dispatchers_claiming_in_batches_send_each_message_once(uow_factory):
    clock = FixedClock(at(20, 11, 10))
    await _queue(uow_factory, clock)
    delivered: Counter[int] = Counter()
    first = _service(uow_factory, clock, Recorder(delivered), batch=7)
    second = _service(uow_factory, clock, Recorder(delivered), batch=7)
    await asyncio.gather(first.drain(), second.drain())
    assert delivered == Counter({n: 1 for n in range(ROWS)})
    assert await _statuses(uow_factory) == Counter({OutboxStatus.SENT: ROWS})


async def test_a_dispatcher_dying_mid_batch_loses_nothing_and_its_lease_is_respected(
    uow_factory,
):
    clock = FixedClock(at(20, 11, 10))
    await _queue(uow_factory, clock)
    delivered: Counter[int] = Counter()
    dying = Recorder(delivered, die_after=ROWS // 2)
    first = _service(uow_factory, clock, dying)
    others = asyncio.all_tasks()
    drain = asyncio.create_task(first.drain())
    await dying.dead.wait()
    for _ in range(50):  # let the outcomes already in hand be written
        await asyncio.sleep(0)
    # The process dies: every task of the first dispatcher ends where it is.
    gone = asyncio.all_tasks() - others
    for task in gone | {drain}:
        task.cancel()
    await asyncio.gather(*gone, drain, return_exceptions=True)
    recorded = await _statuses(uow_factory)
    assert recorded[OutboxStatus.SENT] + recorded[OutboxStatus.SENDING] == ROWS

    # Within the lease another dispatcher takes nothing the first one claimed.
    survivor: Counter[int] = Counter()
    second = _service(uow_factory, clock, Recorder(survivor))
    assert (await second.drain()).sent == 0 and not survivor

    clock.advance(LEASE + timedelta(seconds=1))
    await second.drain()
    assert await _statuses(uow_factory) == Counter({OutboxStatus.SENT: ROWS})
    # Every message arrived; only those sent but not yet recorded went twice.
    total = delivered + survivor
    assert set(total) == set(range(ROWS))
    twice = [n for n, count in total.items() if count > 1]
    assert all(total[n] == 2 for n in twice)
    assert len(twice) <= ROWS // 2 - recorded[OutboxStatus.SENT]


async def test_many_rows_queued_at_once_keep_a_key_already_queued_and_go_out_once(uow_factory):
    clock = FixedClock(at(20, 11, 10))
    async with uow_factory() as uow:
        await uow.outbox.enqueue(broadcast_row("batch:3", 503, 3, clock.now()))
        await uow.commit()
    # A nudge to thousands of units queues in one go: 3 is already there and stays as it was.
    rows = [broadcast_row(f"batch:{n}", 500 + n, 100 + n, clock.now()) for n in range(ROWS)]
    async with uow_factory() as uow:
        await uow.outbox.enqueue_many(rows)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.outbox.get("batch:3")).payload["n"] == 3
    delivered: Counter[int] = Counter()
    result = await _service(uow_factory, clock, Recorder(delivered)).drain()
    assert result.sent == ROWS
    assert delivered == Counter({3: 1} | {100 + n: 1 for n in range(ROWS) if n != 3})
