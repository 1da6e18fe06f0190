"""Restarts: what fell due while the bot was down is caught up once, or skipped if stale."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import Counter
from datetime import timedelta

from bot.app import Runtime, running_bot
from bot.domain.records import OutboxStatus
from bot.services.outbox import TransientFailure
from tests.conftest import ADMIN_ID, HEAD_ID
from tests.reminders.conftest import Campaign, at
from tests.support import Talk, plain

REGISTER = "dang-ky-dau-moi"
EIGHT = ["bdbp", "so-vhttdl", "ubnd-ngoc-hoi", "ubnd-dak-to", "ubnd-tp-kon-tum",
         "bao-kon-tum", "dai-ptth", "cong-ttdt"]


@contextlib.asynccontextmanager
async def started(settings, plan, clock, api):
    """A runtime with the plan loaded and the real bot polling the fake server."""
    async with Runtime.open(settings, plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            yield Talk(api, runtime)


async def _statuses(runtime) -> dict[str, OutboxStatus]:
    async with runtime.uow_factory() as uow:
        return {row.key: row.status for row in await uow.outbox.recent(1000)}


async def test_a_restart_catches_up_within_the_grace_window_and_sends_nothing_twice(
    settings, kontum_plan, clock, fake_api, secretariat, head
):
    async with started(settings, kontum_plan, clock, fake_api) as talk:
        first = Campaign(talk, clock)
        for unit in EIGHT:
            await first.register(unit)
        await first.run_until(at(27, 11, 9))
    # Down from 27/11 09:00 to 29/11 19:00: T-0d (28/11 08:00) is 35 h old, late-1 (29/11 08:00)
    # 11 h old and the escalation (29/11 17:00) 2 h old.
    clock.set(at(29, 11, 19))
    async with started(settings, kontum_plan, clock, fake_api) as talk:
        second = Campaign(talk, clock, first.people)
        await talk.runtime.tick()
        await talk.runtime.tick()  # a second tick at the same moment changes nothing
        statuses = await _statuses(talk.runtime)
        assert statuses == {
            f"deadline:{REGISTER}:staff:{ADMIN_ID}:T-3d": OutboxStatus.SENT,
            f"deadline:{REGISTER}:staff:{ADMIN_ID}:T-1d": OutboxStatus.SENT,
            f"deadline:{REGISTER}:staff:{ADMIN_ID}:T-0d": OutboxStatus.SKIPPED,
            f"deadline:{REGISTER}:staff:{ADMIN_ID}:late-1": OutboxStatus.SENT,
            f"escalation:{REGISTER}:head:{HEAD_ID}": OutboxStatus.SENT,
        }
        assert await talk.runtime.next_due() == at(30, 11, 8)
        await second.run_until(at(30, 11, 9))

    admin_texts = [m.text for m in fake_api.sent_messages(ADMIN_ID)]
    assert len(admin_texts) == 4  # T-3d, T-1d, late-1, late-2
    assert len(set(admin_texts)) == 4  # fresh invite links: every list differs
    assert len(fake_api.sent_messages(HEAD_ID)) == 1
    rows = await _rows(settings, kontum_plan, clock)
    late = {row.key: row.sent_at for row in rows if row.status is OutboxStatus.SENT}
    assert late[f"deadline:{REGISTER}:staff:{ADMIN_ID}:late-1"] == at(29, 11, 19)
    assert late[f"deadline:{REGISTER}:staff:{ADMIN_ID}:late-2"] == at(30, 11, 8)
    assert len(rows) == 6


async def _rows(settings, plan, clock):
    async with Runtime.open(settings, plan, clock) as runtime, runtime.uow_factory() as uow:
        return await uow.outbox.recent(1000)


async def test_what_a_restart_finds_during_quiet_hours_waits_for_the_morning(
    settings, kontum_plan, clock, fake_api, secretariat, head
):
    async with started(settings, kontum_plan, clock, fake_api) as talk:
        first = Campaign(talk, clock)
        for unit in EIGHT:
            await first.register(unit)
        await first.run_until(at(27, 11, 9))
    clock.set(at(29, 11, 22))  # back at 22:00: quiet hours
    async with started(settings, kontum_plan, clock, fake_api) as talk:
        await talk.runtime.tick()
        statuses = await _statuses(talk.runtime)
        assert statuses[f"deadline:{REGISTER}:staff:{ADMIN_ID}:late-1"] is OutboxStatus.SKIPPED
        assert statuses[f"escalation:{REGISTER}:head:{HEAD_ID}"] is OutboxStatus.PENDING
        assert fake_api.sent_messages(HEAD_ID) == []
        assert await talk.runtime.next_due() == at(30, 11, 7)
        clock.set(at(30, 11, 7))
        await talk.runtime.tick()
        [escalation] = fake_api.sent_messages(HEAD_ID)
        assert "Sở Ngoại vụ" in escalation.text


async def test_a_broadcast_cut_by_a_crash_reaches_everyone_exactly_once(
    settings, kontum_plan, clock, fake_api, secretariat, tmp_path
):
    """A kill -9 mid-broadcast leaves what was committed; the next run finishes the job."""
    release = asyncio.Event()
    blocked = asyncio.Event()
    async with started(settings, kontum_plan, clock, fake_api) as talk:
        campaign = Campaign(talk, clock)
        units = [unit.id for unit in kontum_plan.focal_point_units]
        for unit in units:
            await campaign.register(unit)
        outbox = talk.runtime.services.outbox
        real = outbox._notifiers["telegram"]
        delivered = 0

        class Dying:
            channel, pacing, is_group = real.channel, real.pacing, real.is_group

            async def send(self, address, text_key, payload, locale):
                nonlocal delivered
                if delivered == 5:
                    blocked.set()
                    await release.wait()  # the process is "killed" here, before the request
                    raise TransientFailure("killed")
                delivered += 1
                return await real.send(address, text_key, payload, locale)

        outbox.attach(Dying())
        await secretariat.say("/thongbao Họp giao ban lúc 14:00 thứ Hai.")
        fake_api.send_text(secretariat.user, "1")
        await asyncio.wait_for(blocked.wait(), 10)
        for _ in range(200):  # the fifth message's "sent" mark is committed just after it
            statuses = Counter((await _statuses(talk.runtime)).values())
            if statuses[OutboxStatus.SENT] == 5:
                break
            await asyncio.sleep(0.01)
        assert statuses[OutboxStatus.SENDING] == len(units) - 5
        # What a kill -9 leaves behind: every committed transaction, nothing else.
        on_sqlite = settings.database_url.startswith("sqlite")
        if on_sqlite:
            crashed = tmp_path / "after-crash.sqlite3"
            source = sqlite3.connect(settings.database_url.split("///", 1)[1])
            target = sqlite3.connect(crashed)
            source.backup(target)
            source.close()
            target.close()
        release.set()
    restarted = settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{crashed}"}) \
        if on_sqlite else settings
    if not on_sqlite:
        # PostgreSQL is shared by instances: rows left "sending" are taken once their lease ends.
        clock.set(clock.now() + timedelta(minutes=3))

    def broadcast_received():
        return Counter(m.chat_id for m in fake_api.sent_messages()
                       if m.chat_id != secretariat.id and "Họp giao ban" in m.text)

    before = broadcast_received()
    assert sum(before.values()) == 5
    async with started(restarted, kontum_plan, clock, fake_api) as talk:
        await talk.runtime.tick()
        await asyncio.sleep(0)  # let the dispatcher loop finish its recovery run
        await talk.runtime.tick()
        statuses = Counter((await _statuses(talk.runtime)).values())
    received = broadcast_received()
    assert set(received) == {campaign.people[unit].id for unit in units}
    assert set(received.values()) == {1}
    assert statuses[OutboxStatus.SENT] == len(units)
    assert plain("reminders.broadcast_queued", count=len(units)) in [
        m.text for m in fake_api.sent_messages(secretariat.id)
    ]
