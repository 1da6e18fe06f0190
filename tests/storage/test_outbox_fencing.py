"""Two dispatchers on one database under a flood that outlasts the lease: each message once.

A claim gives the row a fresh lease token; the holder renews its lease while it retries, and
settling a row (sent, retry later, failed) only succeeds for the claim that still holds it. A
dispatcher whose lease was taken over stops trying that row. Time is injected: a simulated
clock, moved by the dispatchers' sleeps.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from bot.domain.address import Address
from bot.domain.records import OutboxMessage, OutboxStatus
from bot.plan import load_plan
from bot.services.clock import FixedClock
from bot.services.outbox import OutboxOptions, OutboxService, Pacing, RetryLater
from bot.services.schedule import ReminderPolicy
from storage.db import create_engine
from storage.uow import make_uow_factory
from tests.conftest import KONTUM
from tests.reminders.conftest import at
from tests.support import broadcast_row

LEASE = timedelta(minutes=2)
MESSAGES = 8


class FloodedNotifier:
    """Answers 429 (retry after `seconds`) to the first `floods` attempts at each message."""

    channel = "telegram"
    pacing = Pacing(overall_per_second=1000, chat_per_second=1000, chat_burst=100)

    def __init__(self, name: str, ledger: dict, seconds: float, floods: int) -> None:
        self.name = name
        self.ledger = ledger
        self.seconds = seconds
        self.floods = floods

    def is_group(self, address: Address) -> bool:
        return False

    async def send(self, address, text_key, payload, locale):
        key = payload["n"]
        self.ledger["attempts"][key] += 1
        if self.ledger["attempts"][key] <= self.floods:
            raise RetryLater(self.seconds)
        self.ledger["delivered"][key] += 1
        self.ledger["by"][key].append(self.name)
        return f"{self.name}-{key}"


def _service(plan, uow_factory, clock, notifier, sleep) -> OutboxService:
    service = OutboxService(
        plan, uow_factory, clock, ReminderPolicy(plan.timezone, quiet_hours=None), [],
        options=OutboxOptions(lease=LEASE, retry_after_limit=10, batch=1),
        monotonic=lambda: clock.now().timestamp(), sleep=sleep,
    )
    service.attach(notifier)
    return service


@pytest.mark.parametrize(("seconds", "floods"), [(50, 4), (300, 1)])
async def test_two_dispatchers_never_send_a_message_twice(uow_factory, migrated_url, seconds,
                                                          floods):
    """While the first waits out a 429, the second claims whatever it can (a whole drain);
    the flood outlasts the lease, so without renewal and fencing rows would go out twice."""
    plan = load_plan(KONTUM)
    clock = FixedClock(at(20, 11, 10))
    async with uow_factory() as uow:
        for n in range(MESSAGES):
            await uow.outbox.enqueue(broadcast_row(f"flood:{n}", 100 + n, n, clock.now()))
        await uow.commit()
    ledger = {"attempts": Counter(), "delivered": Counter(), "by": {n: [] for n in
                                                                   range(MESSAGES)}}
    second: OutboxService | None = None

    async def second_sleep(delay: float) -> None:
        clock.advance(timedelta(seconds=max(delay, 0)))

    async def first_sleep(delay: float) -> None:
        clock.advance(timedelta(seconds=max(delay, 0)))
        assert second is not None
        await second.drain()  # the other instance works while this one waits

    # The second instance has its own engine, as a second process would.
    other_engine = create_engine(migrated_url)
    try:
        first = _service(plan, uow_factory, clock, FloodedNotifier("A", ledger, seconds, floods),
                         first_sleep)
        second = _service(plan, make_uow_factory(other_engine), clock,
                          FloodedNotifier("B", ledger, seconds, floods), second_sleep)
        for _ in range(50):
            await first.drain()
            await second.drain()
            if len(ledger["delivered"]) == MESSAGES:
                break
            clock.advance(LEASE)  # rows deferred or left to a lease come due again
        async with uow_factory() as uow:
            rows = await uow.outbox.recent(100)
    finally:
        await other_engine.dispose()
    assert ledger["delivered"] == Counter({n: 1 for n in range(MESSAGES)}), ledger["by"]
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert all(row.lease_token is None for row in rows)
    assert clock.now() - at(20, 11, 10) > LEASE  # the flood did outlast the lease


async def test_a_lost_lease_cannot_settle_the_row(uow_factory):
    clock = FixedClock(at(20, 11, 10))
    async with uow_factory() as uow:
        await uow.outbox.enqueue(OutboxMessage(
            key="k", kind="broadcast", address=Address("telegram", "1"),
            text_key="reminders.unit_line", payload={}, locale="vi", due_at=clock.now(),
            created_at=clock.now()))
        await uow.commit()
    now = clock.now()
    async with uow_factory() as uow:
        [mine] = await uow.outbox.claim(now, 10, now + LEASE)
        await uow.commit()
    later = now + LEASE + timedelta(seconds=1)
    async with uow_factory() as uow:
        [theirs] = await uow.outbox.claim(later, 10, later + LEASE)
        await uow.commit()
    assert mine.lease_token and theirs.lease_token and mine.lease_token != theirs.lease_token
    async with uow_factory() as uow:
        assert not await uow.outbox.renew(mine.id, mine.lease_token, later + LEASE)
        assert not await uow.outbox.mark_sent(mine.id, later, "1", lease_token=mine.lease_token)
        assert not await uow.outbox.retry_later(mine.id, later, "429",
                                                lease_token=mine.lease_token)
        assert await uow.outbox.renew(theirs.id, theirs.lease_token, later + 2 * LEASE)
        assert await uow.outbox.mark_sent(theirs.id, later, "2",
                                          lease_token=theirs.lease_token)
        await uow.commit()
    async with uow_factory() as uow:
        row = await uow.outbox.get("k")
    assert row.status is OutboxStatus.SENT and row.channel_message_id == "2"


async def test_a_lost_lease_cannot_settle_the_row_in_a_batch_of_deliveries(uow_factory):
    clock = FixedClock(at(20, 11, 10))
    now = clock.now()
    async with uow_factory() as uow:
        for key in ("lost", "kept"):
            await uow.outbox.enqueue(OutboxMessage(
                key=key, kind="broadcast", address=Address("telegram", key),
                text_key="reminders.unit_line", payload={}, locale="vi", due_at=now,
                created_at=now))
        await uow.commit()
    async with uow_factory() as uow:
        mine = {row.key: row for row in await uow.outbox.claim(now, 10, now + LEASE)}
        await uow.commit()
    # The claim on "lost" runs out and another dispatcher takes it.
    later = now + LEASE + timedelta(seconds=1)
    async with uow_factory() as uow:
        await uow.outbox.renew(mine["kept"].id, mine["kept"].lease_token, later + LEASE)
        [theirs] = await uow.outbox.claim(later, 10, later + LEASE)
        await uow.commit()
    assert theirs.key == "lost"
    async with uow_factory() as uow:
        recorded = await uow.outbox.mark_sent_many([
            (mine["lost"].id, later, "1", mine["lost"].lease_token),
            (mine["kept"].id, later, "2", mine["kept"].lease_token),
        ])
        await uow.commit()
    assert recorded == [False, True]
    async with uow_factory() as uow:
        lost, kept = await uow.outbox.get("lost"), await uow.outbox.get("kept")
    assert lost.status is OutboxStatus.SENDING and lost.channel_message_id is None
    assert kept.status is OutboxStatus.SENT and kept.channel_message_id == "2"
    assert kept.sent_at == later and kept.attempts == 1
