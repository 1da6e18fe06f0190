"""The outbox and bot_state repositories on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
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


async def _row(uow_factory, key: str) -> OutboxMessage:
    async with uow_factory() as uow:
        row = await uow.outbox.get(key)
    assert row is not None
    return row


async def test_a_queued_message_keeps_its_campaign_error_and_wait_and_is_counted_once(
        uow_factory):
    waiting = replace(_message("w"), last_error="flood", not_before=NOW + timedelta(minutes=5))
    async with uow_factory() as uow:
        assert uow.outbox.queued == 0
        await uow.outbox.enqueue(waiting)
        await uow.outbox.enqueue(_message("x"))
        await uow.outbox.enqueue(_message("x"))
        assert uow.outbox.queued == 2
        await uow.commit()
    row = await _row(uow_factory, "w")
    assert (row.campaign_id, row.last_error, row.not_before, row.attempts) == (
        "kontum-2023", "flood", NOW + timedelta(minutes=5), 0)
    assert [r.key for r in await _claim(uow_factory)] == ["x"]  # "w" waits five minutes


async def test_a_message_waiting_until_now_is_sent_now_and_not_a_second_earlier(uow_factory):
    await _enqueue(uow_factory, replace(_message("wait"), not_before=NOW + timedelta(minutes=1)))
    assert await _claim(uow_factory, NOW + timedelta(seconds=59)) == []
    assert [r.key for r in await _claim(uow_factory, NOW + timedelta(minutes=1))] == ["wait"]


async def test_a_dead_dispatchers_message_is_taken_again_the_moment_its_lease_ends(uow_factory):
    await _enqueue(uow_factory, _message("m"))
    [first] = await _claim(uow_factory)
    assert await _claim(uow_factory, NOW + LEASE - timedelta(seconds=1)) == []
    [again] = await _claim(uow_factory, NOW + LEASE)
    assert again.key == "m" and again.lease_token != first.lease_token


async def test_messages_due_at_the_same_moment_go_out_in_the_order_they_were_queued(
        uow_factory):
    await _enqueue(uow_factory, *[_message(f"k{i}", NOW - timedelta(minutes=i % 2))
                                  for i in range(6)])
    rows = await _claim(uow_factory, limit=4)
    assert [r.key for r in rows] == ["k1", "k3", "k5", "k0"]
    assert [r.key for r in await _claim(uow_factory)] == ["k2", "k4"]


async def test_more_keys_than_one_query_holds_are_all_found(uow_factory):
    keys = [f"phase:{i}" for i in range(1203)]
    async with uow_factory() as uow:
        for key in keys[::300] + keys[-1:]:
            await uow.outbox.enqueue(_message(key))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.existing_keys(keys) == set(keys[::300] + keys[-1:])


async def test_only_pending_reminders_due_before_the_cut_are_expired(uow_factory):
    await _enqueue(uow_factory, _message("old", NOW - timedelta(days=2)),
                   _message("edge", NOW - timedelta(days=1)),
                   _message("other-kind", NOW - timedelta(days=2), kind="notice"),
                   _message("claimed", NOW - timedelta(days=2)))
    async with uow_factory() as uow:
        claimed = await uow.outbox.claim(NOW, 10, NOW + LEASE)
        await uow.commit()
    assert {r.key for r in claimed} == {"old", "edge", "other-kind", "claimed"}
    async with uow_factory() as uow:
        for row in claimed:
            await uow.outbox.release(row.id, row.lease_token)
        sending = await uow.outbox.claim(NOW, 10, NOW + LEASE)
        for row in sending:
            if row.key != "claimed":
                await uow.outbox.release(row.id, row.lease_token)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.outbox.expire(NOW, NOW - timedelta(days=1), ["deadline"]) == 1
        assert await uow.outbox.expire(NOW, NOW - timedelta(days=1), ["deadline"]) == 0
        await uow.commit()
    old = await _row(uow_factory, "old")
    assert (old.status, old.last_error, old.not_before) == (OutboxStatus.SKIPPED, "expired", None)
    for key in ("edge", "other-kind"):
        assert (await _row(uow_factory, key)).status is OutboxStatus.PENDING, key
    assert (await _row(uow_factory, "claimed")).status is OutboxStatus.SENDING


async def test_a_released_message_is_back_in_the_queue_and_only_its_claim_may_release_it(
        uow_factory):
    await _enqueue(uow_factory, _message("a"), _message("b"))
    [a, b] = await _claim(uow_factory)
    async with uow_factory() as uow:
        assert await uow.outbox.release(a.id, "someone else's token") is False
        assert await uow.outbox.release(a.id, a.lease_token) is True
        assert await uow.outbox.release(a.id, a.lease_token) is False  # not sending any more
        await uow.commit()
    released, other = await _row(uow_factory, "a"), await _row(uow_factory, "b")
    assert (released.status, released.not_before, released.lease_token) == (
        OutboxStatus.PENDING, None, None)
    assert other.status is OutboxStatus.SENDING and other.lease_token == b.lease_token
    assert [r.key for r in await _claim(uow_factory)] == ["a"]  # at once, not after a lease


async def test_settling_one_message_of_a_claim_leaves_the_others_of_that_claim_sending(
        uow_factory):
    await _enqueue(uow_factory, _message("a"), _message("b"))
    [a, b] = await _claim(uow_factory)
    assert a.lease_token == b.lease_token
    async with uow_factory() as uow:
        assert await uow.outbox.mark_sent(a.id, NOW, "m1", lease_token=a.lease_token)
        await uow.commit()
    assert (await _row(uow_factory, "a")).status is OutboxStatus.SENT
    assert (await _row(uow_factory, "b")).status is OutboxStatus.SENDING


async def test_a_renewed_lease_holds_the_message_until_its_new_end(uow_factory):
    await _enqueue(uow_factory, _message("a"))
    [a] = await _claim(uow_factory)
    async with uow_factory() as uow:
        assert await uow.outbox.renew(a.id, a.lease_token, NOW + 3 * LEASE)
        await uow.commit()
    assert (await _row(uow_factory, "a")).not_before == NOW + 3 * LEASE
    assert await _claim(uow_factory, NOW + 2 * LEASE) == []
    assert [r.key for r in await _claim(uow_factory, NOW + 3 * LEASE)] == ["a"]


async def test_recovering_at_start_up_frees_every_message_left_sending_and_says_how_many(
        uow_factory):
    await _enqueue(uow_factory, _message("a"), _message("b"))
    await _claim(uow_factory)
    async with uow_factory() as uow:
        assert await uow.outbox.recover() == 2
        assert await uow.outbox.recover() == 0
        await uow.commit()
    row = await _row(uow_factory, "a")
    assert (row.status, row.not_before, row.lease_token) == (OutboxStatus.PENDING, None, None)


async def test_a_sent_message_is_never_put_back_in_the_queue(uow_factory):
    await _enqueue(uow_factory, _message("a"))
    [a] = await _claim(uow_factory)
    async with uow_factory() as uow:
        assert await uow.outbox.mark_sent(a.id, NOW, "m1", lease_token=a.lease_token)
        assert await uow.outbox.release(a.id) is False  # a stopping dispatcher, no token
        await uow.commit()
    assert (await _row(uow_factory, "a")).status is OutboxStatus.SENT
