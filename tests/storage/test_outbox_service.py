"""The dispatcher keeps the messages it is sending (lease renewed while it waits out a flood),
leaves a message to the instance that took it over, and tells the secretariat who cannot be
reached. Time is injected: a simulated clock, moved by the dispatchers' sleeps."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.domain.address import Address
from bot.domain.records import OutboxMessage, OutboxStatus
from bot.plan import load_plan
from bot.services.clock import FixedClock
from bot.services.outbox import (
    OutboxOptions,
    OutboxService,
    Pacing,
    RecipientBlocked,
    RetryLater,
)
from bot.services.schedule import ReminderPolicy
from tests.conftest import KONTUM
from tests.reminders.conftest import at

LEASE = timedelta(minutes=2)
ADMIN = Address("telegram", "900001")
START = at(20, 11, 10)


class Notifier:
    """Answers `floods` 429s of `seconds` to each message, then sends it (or raises `fail`);
    `during_send` runs inside the send (another instance working meanwhile)."""

    channel = "telegram"
    pacing = Pacing(overall_per_second=1000, chat_per_second=1000, chat_burst=100)

    def __init__(self, name: str, seconds: float = 50, floods: int = 0, fail=None,
                 during_send=None) -> None:
        self.name, self.seconds, self.floods, self.fail = name, seconds, floods, fail
        self.during_send = during_send
        self.attempts = 0
        self.sent: list[str] = []

    def is_group(self, address: Address) -> bool:
        return int(address.id) < 0

    async def send(self, address, text_key, payload, locale):
        self.attempts += 1
        if self.attempts <= self.floods:
            raise RetryLater(self.seconds)
        if self.fail is not None:
            raise self.fail
        if self.during_send is not None:
            await self.during_send()
        self.sent.append(text_key)
        return f"{self.name}-{self.attempts}"


def _service(uow_factory, clock, notifier, sleep=None) -> OutboxService:
    plan = load_plan(KONTUM)

    async def advance(delay: float) -> None:
        clock.advance(timedelta(seconds=max(delay, 0)))

    service = OutboxService(
        plan, uow_factory, clock, ReminderPolicy(plan.timezone, quiet_hours=None), [ADMIN],
        options=OutboxOptions(lease=LEASE, retry_after_limit=10, batch=1),
        monotonic=lambda: clock.now().timestamp(), sleep=sleep or advance,
    )
    service.attach(notifier)
    return service


async def _queue(uow_factory, address: Address = Address("telegram", "100"),
                 unit: str | None = None) -> None:
    async with uow_factory() as uow:
        await uow.outbox.enqueue(OutboxMessage(
            key="broadcast:1", kind="broadcast", address=address,
            text_key="reminders.unit_line", payload={"unit": "x"}, locale="vi",
            due_at=START, created_at=START, recipient_unit_id=unit,
            campaign_id="kontum-2023"))
        await uow.commit()


async def _row(uow_factory, key: str = "broadcast:1") -> OutboxMessage:
    async with uow_factory() as uow:
        row = await uow.outbox.get(key)
    assert row is not None
    return row


async def test_a_dispatcher_waiting_out_a_long_flood_keeps_its_message_and_sends_it_once(
        uow_factory, caplog):
    clock = FixedClock(START)
    other = Notifier("B")
    second = _service(uow_factory, clock, other)

    held_until: list[timedelta] = []

    async def sleep(delay: float) -> None:
        clock.advance(timedelta(seconds=max(delay, 0)))
        if delay < 1:
            return  # the outcomes' short linger (written in batches), not a flood wait
        held_until.append((await _row(uow_factory)).not_before - START)
        await second.drain()  # another instance tries while this one waits

    first_notifier = Notifier("A", seconds=30, floods=4)  # 120 s of waiting: the whole lease
    first = _service(uow_factory, clock, first_notifier, sleep)
    await _queue(uow_factory)
    with caplog.at_level(logging.WARNING, logger="bot.services.outbox"):
        result = await first.drain()
    assert result.sent == 1 and first_notifier.sent == ["reminders.unit_line"]
    assert other.attempts == 0  # the lease was renewed: nobody else took the message
    # Renewed once half of it is used (at 60 s, again at 120 s), never earlier.
    assert held_until == [LEASE, LEASE, timedelta(seconds=60) + LEASE,
                          timedelta(seconds=60) + LEASE]
    row = await _row(uow_factory)
    assert (row.status, row.channel_message_id) == (OutboxStatus.SENT, "A-5")
    assert caplog.records == []


async def test_a_dispatcher_whose_wait_outlasted_its_lease_leaves_the_message_to_the_other(
        uow_factory, caplog):
    clock = FixedClock(START)
    other = Notifier("B")
    second = _service(uow_factory, clock, other)

    async def sleep(delay: float) -> None:
        clock.advance(timedelta(seconds=max(delay, 0)))
        await second.drain()

    first_notifier = Notifier("A", seconds=300, floods=1)  # one wait longer than the lease
    first = _service(uow_factory, clock, first_notifier, sleep)
    await _queue(uow_factory)
    with caplog.at_level(logging.WARNING, logger="bot.services.outbox"):
        await first.drain()
    assert first_notifier.sent == [] and other.sent == ["reminders.unit_line"]
    assert (await _row(uow_factory)).channel_message_id == "B-1"
    assert [r.getMessage() for r in caplog.records] == [
        "outbox broadcast:1: the lease ran out and another dispatcher claimed the message; "
        "it is left to that one"]


async def test_a_send_that_outlasted_the_lease_keeps_the_record_of_the_claim_holding_it(
        uow_factory, caplog):
    clock = FixedClock(START)
    other = Notifier("B")
    second = _service(uow_factory, clock, other)

    async def slow_send() -> None:
        clock.advance(LEASE + timedelta(seconds=1))
        await second.drain()  # took the row over and sent it while the first was sending

    first = _service(uow_factory, clock, Notifier("A", during_send=slow_send))
    await _queue(uow_factory)
    with caplog.at_level(logging.WARNING, logger="bot.services.outbox"):
        await first.drain()
    row = await _row(uow_factory)
    assert (row.status, row.channel_message_id, row.lease_token) == (
        OutboxStatus.SENT, "B-1", None)
    assert [r.getMessage() for r in caplog.records] == [
        "outbox broadcast:1: sent, but its lease had been taken over meanwhile (the send "
        "outlasted the lease): it may arrive twice"]


async def test_a_group_that_blocked_the_bot_is_reported_as_a_group_a_chat_by_its_address(
        uow_factory):
    clock = FixedClock(START)
    for chat, expected in (("-1001", ("reminders.unreachable_group", {})),
                           ("100", ("reminders.unreachable_chat", {"chat": "telegram:100"}))):
        async with uow_factory() as uow:
            for row in await uow.outbox.recent():
                await uow.outbox.mark_skipped(row.id, "done")
            await uow.commit()
        service = _service(uow_factory, clock, Notifier("A", fail=RecipientBlocked("403")))
        async with uow_factory() as uow:
            await uow.outbox.enqueue(OutboxMessage(
                key=f"broadcast:{chat}", kind="broadcast", address=Address("telegram", chat),
                text_key="reminders.unit_line", payload={"unit": "x"}, locale="vi",
                due_at=START, created_at=START, campaign_id="kontum-2023"))
            await uow.commit()
        await service.drain()
        async with uow_factory() as uow:
            rows = [r for r in await uow.outbox.recent() if r.kind == "unreachable"
                    and r.key.startswith(f"unreachable:{Address('telegram', chat).key}:")]
        assert [(r.address, r.text_key, dict(r.payload)) for r in rows] == [
            (ADMIN, *expected)], chat
