"""The outbox and bot_state repositories on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.address import Address
from bot.domain.records import OutboxMessage, OutboxStatus
from tests.storage.plans import NOW
from tests.support import tg

LEASE = timedelta(minutes=2)


def _message(key: str, due=NOW, kind: str = "deadline", unit: str | None = "bdbp",
             chat_id: int = 1) -> OutboxMessage:
    return OutboxMessage(key=key, kind=kind, address=Address("telegram", str(chat_id)), text_key="reminders.unit_line",
                         payload={"unit": key}, locale="vi", due_at=due, created_at=NOW,
                         recipient_unit_id=unit, campaign_id="kontum-2023")


async def _enqueue(uow_factory, *messages: OutboxMessage) -> list[bool]:
    async with uow_factory() as uow:
        added = [await uow.outbox.enqueue(message) for message in messages]
        await uow.commit()
    return added


async def _claim(uow_factory, now=NOW, limit: int = 10):
    async with uow_factory() as uow:
        rows = await uow.outbox.claim(now, limit, now + LEASE)
        await uow.commit()
    return rows


async def test_enqueue_is_idempotent_by_key(uow_factory):
    assert await _enqueue(uow_factory, _message("a"), _message("a"), _message("b")) == [
        True, False, True]
    async with uow_factory() as uow:
        assert await uow.outbox.existing_keys(["a", "b", "c"]) == {"a", "b"}
        assert await uow.outbox.counts() == {"pending": 2, "sending": 0, "sent": 0,
                                             "failed": 0, "skipped": 0}


async def test_claim_takes_due_rows_oldest_first_and_leases_them(uow_factory):
    await _enqueue(uow_factory, _message("later", NOW + timedelta(hours=1)),
                   _message("second", NOW - timedelta(minutes=1)),
                   _message("first", NOW - timedelta(minutes=2)))
    rows = await _claim(uow_factory)
    assert [row.key for row in rows] == ["first", "second"]
    assert all(row.status is OutboxStatus.SENDING for row in rows)
    assert await _claim(uow_factory) == []  # leased: not taken twice
    # A dispatcher that died leaves its rows "sending"; after the lease they are taken again.
    again = await _claim(uow_factory, NOW + LEASE + timedelta(seconds=1))
    assert [row.key for row in again] == ["first", "second"]


async def test_concurrent_claims_never_share_a_row(uow_factory):
    await _enqueue(uow_factory, *[_message(f"m{i}") for i in range(40)])
    batches = await asyncio.gather(*[_claim(uow_factory, limit=7) for _ in range(8)])
    keys = [row.key for batch in batches for row in batch]
    assert len(keys) == len(set(keys)) == 40


async def test_outcomes_are_recorded(uow_factory):
    await _enqueue(uow_factory, _message("ok"), _message("bad"), _message("later"))
    rows = {row.key: row for row in await _claim(uow_factory, limit=3)}
    await _enqueue(uow_factory, _message("stale", NOW - timedelta(days=2), kind="phase"),
                   _message("notice", NOW - timedelta(days=2), kind="handover"))
    async with uow_factory() as uow:
        await uow.outbox.mark_sent(rows["ok"].id, NOW, "77")
        await uow.outbox.mark_failed(rows["bad"].id, "blocked: Forbidden")
        await uow.outbox.retry_later(rows["later"].id, NOW + timedelta(minutes=1), "502")
        assert await uow.outbox.expire(NOW, NOW - timedelta(hours=12), {"phase"}) == 1
        await uow.commit()
    async with uow_factory() as uow:
        stored = {row.key: row for row in await uow.outbox.recent()}
        assert await uow.outbox.next_wake(NOW) == NOW + timedelta(minutes=1)
        assert await uow.outbox.has_sendable(NOW)  # the handover notice
    assert (stored["ok"].status, stored["ok"].channel_message_id, stored["ok"].attempts) == (
        OutboxStatus.SENT, "77", 1)
    assert stored["bad"].status is OutboxStatus.FAILED and "blocked" in stored["bad"].last_error
    assert stored["later"].status is OutboxStatus.PENDING and stored["later"].attempts == 1
    assert stored["stale"].status is OutboxStatus.SKIPPED
    assert stored["notice"].status is OutboxStatus.PENDING  # other features' rows never expire


async def test_recover_puts_rows_left_sending_back_in_the_queue(uow_factory):
    await _enqueue(uow_factory, _message("a"), _message("b"))
    await _claim(uow_factory)
    async with uow_factory() as uow:
        assert await uow.outbox.recover() == 2
        await uow.commit()
    assert len(await _claim(uow_factory)) == 2


async def test_sent_by_unit_counts_occasions(uow_factory):
    later = NOW + timedelta(days=1)
    await _enqueue(uow_factory, _message("deadline:report:unit:bdbp:T-3d"),
                   _message("deadline:report:unit:bdbp:T-1d", later),
                   _message("deadline:register:unit:bdbp:T-1d", later))
    rows = await _claim(uow_factory, later)
    async with uow_factory() as uow:
        for row in rows:
            await uow.outbox.mark_sent(row.id, row.due_at, None)
        await uow.commit()
    async with uow_factory() as uow:
        sent = await uow.outbox.sent_by_unit("deadline", ["deadline:report:"])
    assert sent == {"bdbp": [NOW, later]}


async def test_bot_state_keeps_one_value_per_key(uow_factory):
    async with uow_factory() as uow:
        assert await uow.state.get("coordination_group") is None
        await uow.state.put("coordination_group", {"chat_id": -100, "title": "A"})
        await uow.state.put("coordination_group", {"chat_id": -200, "title": "B"})
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.state.get("coordination_group") == {"chat_id": -200, "title": "B"}
        assert await uow.state.delete("coordination_group")
        assert not await uow.state.delete("coordination_group")


async def test_reminders_are_queued_once_on_either_database(uow_factory):
    """The reminder service against real SQL: a second tick at the same moment adds nothing."""
    from bot.domain.records import FocalPoint, FocalPointRole
    from bot.plan import load_plan
    from bot.services.clock import FixedClock
    from bot.services.outbox import OutboxService
    from bot.services.reminders import ReminderService
    from bot.services.schedule import ReminderPolicy
    from tests.conftest import KONTUM
    from tests.reminders.conftest import at

    plan = load_plan(KONTUM)
    clock = FixedClock(at(20, 11, 9))
    async with uow_factory() as uow:
        await uow.campaigns.sync(plan, clock.now())
        await uow.focal_points.add(FocalPoint(plan.id, "cong-an", FocalPointRole.FOCAL_POINT,
                                              tg(5), tg(5), "A", "B", None, "vi", clock.now(),
                                              clock.now()))
        await uow.commit()
    policy = ReminderPolicy(plan.timezone)
    outbox = OutboxService(plan, uow_factory, clock, policy, [1])
    reminders = ReminderService(plan, uow_factory, clock, policy, outbox,
                                [Address("telegram", "1")], [Address("telegram", "2")])
    first = await reminders.enqueue_due(at(12, 12, 8))
    again = await reminders.enqueue_due(at(12, 12, 8))
    assert (again.queued, again.skipped) == (0, 0)
    async with uow_factory() as uow:
        rows = {row.key: row for row in await uow.outbox.recent(1000)}
    assert first.queued == sum(1 for row in rows.values() if row.status is OutboxStatus.PENDING)
    assert rows["deadline:bao-cao-don-vi:unit:cong-an:T-3d"].address == Address("telegram", "5")
    assert rows["phase:trong:unit:cong-an"].status is OutboxStatus.SKIPPED  # a week old
    assert await reminders.next_due(at(12, 12, 8)) == at(12, 12, 17)  # the day's digest
