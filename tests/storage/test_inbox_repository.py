"""The inbox on SQLite and PostgreSQL: stored once, processed in order, retried, pruned."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from bot.domain.address import Address
from bot.domain.records import Conversation, InboxStatus
from bot.services.clock import FixedClock
from bot.services.inbox import InboxService, Received
from tests.storage.plans import NOW


async def test_an_update_is_stored_once_and_a_replay_queues_it_again(uow_factory):
    inbox = InboxService(uow_factory, FixedClock(NOW))
    assert await inbox.store_many("telegram", [Received("telegram:update:5", {"u": 5}, 5),
                                               Received("telegram:update:6", {"u": 6}, 6)], NOW)
    assert await inbox.store("telegram", "telegram:update:5", {"u": 5}, NOW, seq=5) is False
    assert await inbox.last_seq("telegram") == 6
    assert await inbox.last_seq("zalo") is None
    first, second = await inbox.pending("telegram")
    assert (first.message_key, first.payload, second.seq) == ("telegram:update:5", {"u": 5}, 6)
    await inbox.done(first.id)
    assert [e.message_key for e in await inbox.pending("telegram")] == ["telegram:update:6"]
    # Still pending: a second copy changes nothing; processed: `replay` queues it again.
    assert not await inbox.store("telegram", "telegram:update:6", {}, NOW, replay=True)
    assert await inbox.store("telegram", "telegram:update:5", {}, NOW, replay=True)
    assert [e.message_key for e in await inbox.pending("telegram")] == [
        "telegram:update:5", "telegram:update:6"]


async def test_the_worker_processes_in_order_gives_up_after_three_attempts_and_prunes(
    uow_factory,
):
    clock = FixedClock(NOW)
    inbox = InboxService(uow_factory, clock)
    for n in range(4):
        await inbox.store("zalo", f"zalo:m:{n}", {"n": n}, NOW)
    seen: list[int] = []

    async def handle(entry):
        seen.append(entry.payload["n"])
        if entry.payload["n"] == 2:
            raise RuntimeError("boom")

    worker = inbox.worker("zalo", handle)
    for _ in range(3):
        try:
            await worker.run_pending()
        except RuntimeError:
            pass
    assert seen == [0, 1, 2, 2, 2, 3]
    statuses = {e.message_key: e.status for e in await inbox.entries("zalo")}
    assert statuses == {"zalo:m:0": InboxStatus.DONE, "zalo:m:1": InboxStatus.DONE,
                        "zalo:m:2": InboxStatus.FAILED, "zalo:m:3": InboxStatus.DONE}
    # An update whose processing killed the process each time is given up without a 4th try.
    await inbox.store("zalo", "zalo:m:poison", {"n": 9}, NOW)
    [poison] = await inbox.settle_and_fetch("zalo", None)  # claimed, as a worker does
    for _ in range(3):
        assert await inbox.attempt(poison.id) is not None
    assert await worker.run_pending() == 1 and 9 not in seen
    assert (await inbox.entries("zalo"))[-1].status is InboxStatus.FAILED
    await inbox.store("zalo", "zalo:m:late", {"n": 10}, NOW)
    clock.advance(timedelta(hours=25))
    assert await inbox.prune() == 5  # processed more than 24 h ago; the pending one stays
    assert [e.message_key for e in await inbox.entries()] == ["zalo:m:late"]


async def test_two_instances_each_process_what_they_claimed_and_take_over_a_dead_ones(
    uow_factory,
):
    clock = FixedClock(NOW)
    first = InboxService(uow_factory, clock, owner="may-1:8088")
    second = InboxService(uow_factory, clock, owner="may-2:8088")
    for n in range(30):
        await first.store("telegram", f"telegram:update:{n}", {"n": n}, NOW)
    mine = await first.settle_and_fetch("telegram", None)
    theirs = await second.settle_and_fetch("telegram", None)
    assert [e.payload["n"] for e in mine] == list(range(20))  # the oldest, one batch
    assert [e.payload["n"] for e in theirs] == list(range(20, 30))  # never the same update
    assert await second.settle_and_fetch("telegram", None) == theirs  # its own, again
    # The first instance dies; once its hold runs out the second takes its updates over.
    clock.advance(first.lease + timedelta(seconds=1))
    taken = await second.settle_and_fetch("telegram", None)
    assert [e.payload["n"] for e in taken] == list(range(20))
    assert await first.attempt(mine[0].id) is None  # come back: it is no longer its to do
    assert await second.attempt(taken[0].id) is not None


async def test_the_only_instance_takes_back_everything_at_once(uow_factory):
    clock = FixedClock(NOW)
    before = InboxService(uow_factory, clock, owner="may-1:8088")
    await before.store("zalo", "zalo:m:1", {"n": 1}, NOW)
    await before.settle_and_fetch("zalo", None)  # claimed, then the process died
    restarted = InboxService(uow_factory, clock, owner="container-2", exclusive=True)
    [entry] = await restarted.settle_and_fetch("zalo", None)
    assert entry.payload == {"n": 1}


async def test_an_attempt_settles_the_previous_update_and_reads_the_directory_version(
    uow_factory,
):
    inbox = InboxService(uow_factory, FixedClock(NOW))
    await inbox.store_many("telegram", [Received(f"telegram:update:{n}", {"u": n}, n)
                                        for n in (1, 2)], NOW)
    first, second = await inbox.settle_and_fetch("telegram", None)  # claimed, as a worker does
    inbox.observe_attempts(lambda attempt: contextlib.nullcontext())
    async with uow_factory() as uow:
        before = await uow.focal_points.version()
    assert (await inbox.attempt(first.id)).directory_version == before
    assert (await inbox.attempt(second.id, done_id=first.id)).directory_version == before
    entries = {e.message_key: e for e in await inbox.entries("telegram")}
    done, current = entries["telegram:update:1"], entries["telegram:update:2"]
    assert (done.status, done.attempts, done.processed_at) == (InboxStatus.DONE, 1, NOW)
    assert (current.status, current.attempts, current.processed_at) == (
        InboxStatus.PENDING, 1, None)


async def test_an_attempt_reads_whether_its_sender_is_quiet(uow_factory):
    """Quiet: no conversation of the sender in the chat, the update never handled."""
    inbox = InboxService(uow_factory, FixedClock(NOW))
    await inbox.store_many("telegram", [Received(f"telegram:update:{n}", {}, n)
                                        for n in (1, 2, 3, 4)], NOW)
    first, second, third, fourth = await inbox.settle_and_fetch("telegram", None)
    lan, an = Address("telegram", "1"), Address("telegram", "2")
    async with uow_factory() as uow:
        await uow.conversations.put(Conversation(an, an, "registration", "consent", {}, NOW,
                                                 NOW + timedelta(days=1)))
        await uow.updates.mark("telegram:update:3", NOW)
        await uow.commit()
    assert (await inbox.attempt(first.id, None, (lan, lan, "telegram:update:1"))).quiet == (
        lan, lan, "telegram:update:1")
    assert (await inbox.attempt(second.id, None, (an, an, "telegram:update:2"))).quiet is None
    assert (await inbox.attempt(third.id, None, (lan, lan, "telegram:update:3"))).quiet is None
    # Who sent it unknown: nothing is assumed.
    assert (await inbox.attempt(fourth.id)).quiet is None


async def test_the_bookkeeping_commit_leaves_later_transactions_durable(uow_factory):
    """PostgreSQL: the attempt's commit skips the wait for the disk; what follows on the same
    connection waits again (inbound updates and flow steps are never committed lazily)."""
    from sqlalchemy import text

    inbox = InboxService(uow_factory, FixedClock(NOW))
    await inbox.store_many("telegram", [Received("telegram:update:9", {}, 9)], NOW)
    [entry] = await inbox.settle_and_fetch("telegram", None)
    await inbox.attempt(entry.id)
    async with uow_factory() as uow:
        if uow.session.bind.dialect.name != "postgresql":
            return
        setting = (await uow.session.execute(text("SHOW synchronous_commit"))).scalar()
    assert setting == "on"


async def test_a_burst_of_attempts_on_one_ledger_stores_what_single_attempts_store(uow_factory):
    """The worker's ledger runs the bookkeeping statement on the driver: same rows, same times,
    the hold renewed until now + lease (which the next claim compares with its own clock)."""
    clock = FixedClock(NOW)
    inbox = InboxService(uow_factory, clock, owner="container-1")
    await inbox.store_many("telegram", [Received(f"telegram:update:{n}", {}, n)
                                        for n in range(1, 5)], NOW)
    first, second, third, fourth = await inbox.settle_and_fetch("telegram", None)
    lan = Address("telegram", "1")
    assert (await inbox.attempt(first.id)).quiet is None
    async with inbox.ledger() as ledger:
        on_ledger = await inbox.attempt(second.id, first.id, (lan, lan, "k2"), ledger)
        assert on_ledger.quiet == (lan, lan, "k2")
        assert await inbox.attempt(third.id, second.id, None, ledger) is not None
    entries = {e.seq: e for e in await inbox.entries("telegram")}
    assert [(entries[n].status, entries[n].attempts, entries[n].processed_at)
            for n in (1, 2, 3)] == [(InboxStatus.DONE, 1, NOW), (InboxStatus.DONE, 1, NOW),
                                    (InboxStatus.PENDING, 1, None)]
    # Held until now + lease: another instance cannot claim it before, and can after.
    other = InboxService(uow_factory, clock, owner="container-2")
    assert [e.seq for e in await other.settle_and_fetch("telegram", None)] == []
    clock.set(NOW + inbox.lease + timedelta(seconds=1))
    assert [e.seq for e in await other.settle_and_fetch("telegram", None)] == [3, 4]
    assert await inbox.attempt(fourth.id) is None, "taken over: not attempted here"
