"""Delivery under Telegram's conditions: flood control, blocked users, errors, quiet hours."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.records import OutboxStatus
from bot.fakeserver import FloodLimits
from tests.conftest import ADMIN_ID
from tests.reminders.conftest import at, shown
from tests.support import plain

UNITS = ["bdbp", "so-vhttdl", "ubnd-ngoc-hoi", "ubnd-dak-to", "ubnd-dak-ha", "ubnd-tp-kon-tum",
         "bao-kon-tum", "dai-ptth", "cong-ttdt", "so-ngoai-vu", "cong-an"]


async def test_flood_control_is_honoured_and_nothing_is_lost(campaign, fake_api):
    for unit in UNITS:
        await campaign.register(unit)
    # Telegram answers 429 well before the bot's own pacing would stop: 4 messages/s overall.
    fake_api.enable_flood_control(FloodLimits(overall_per_second=4, overall_burst=4))
    fake_api.flood_chat(campaign.people["bdbp"].id, retry_after=1, times=1)
    await campaign.run_until(at(5, 12, 7))  # the phase announcement to every focal point
    rows = await campaign.outbox(OutboxStatus.SENT)
    phase = [row for row in rows if row.kind == "phase"]
    assert len(phase) == len(UNITS)
    assert fake_api.retry_after_count >= 1
    for row in phase:
        assert [m.text for m in fake_api.sent_messages(int(row.address.id))] == [shown(row)]
    assert await campaign.outbox(OutboxStatus.PENDING, OutboxStatus.SENDING,
                                 OutboxStatus.FAILED) == []


async def test_a_focal_point_who_blocked_the_bot_is_reported_to_the_secretariat(
    campaign, fake_api, secretariat
):
    for unit in UNITS:
        await campaign.register(unit)
    blocker = campaign.people["bao-kon-tum"]
    fake_api.block_bot(blocker)
    await campaign.run_until(at(5, 12, 7))
    rows = {row.key: row for row in await campaign.outbox()}
    failed = rows["phase:trong:unit:bao-kon-tum"]
    assert failed.status is OutboxStatus.FAILED
    assert "blocked" in failed.last_error
    notices = [m.text for m in fake_api.sent_messages(ADMIN_ID)
               if m.text.startswith("⚠️")]
    unit = campaign.plan.unit("bao-kon-tum").name
    assert notices == [plain("reminders.unreachable_focal_point", unit=unit,
                             name="Nguyễn Văn bao-kon-tum")]
    # The other focal points were not held up.
    assert sum(1 for row in rows.values()
               if row.kind == "phase" and row.status is OutboxStatus.SENT) == len(UNITS) - 1
    # A second failure the same day does not repeat the notice.
    await campaign.run_until(at(5, 12, 20))
    assert len([m for m in fake_api.sent_messages(ADMIN_ID) if m.text.startswith("⚠️")]) == 1


async def test_network_errors_are_retried_and_a_persistent_outage_waits_for_later(
    campaign, fake_api
):
    for unit in UNITS:
        await campaign.register(unit)
    person = campaign.people["cong-an"]
    fake_api.fail_next("sendMessage", times=2, status=502, chat_id=person.id)
    await campaign.run_until(at(5, 12, 7))
    [row] = [row for row in await campaign.outbox() if row.key == "phase:trong:unit:cong-an"]
    assert row.status is OutboxStatus.SENT
    assert len(fake_api.sent_messages(person.id)) == 1

    fake_api.fail_next("sendMessage", times=3, status=503, chat_id=person.id)
    await campaign.run_until(at(12, 12, 8))  # the T-3d nudge: three failures, then deferred
    nudge = next(r for r in await campaign.outbox() if r.key.endswith(":T-3d")
                 and r.recipient_unit_id == "cong-an")
    assert nudge.status is OutboxStatus.PENDING
    assert nudge.not_before == at(12, 12, 8) + timedelta(minutes=1)
    assert await campaign.runtime.next_due() == at(12, 12, 8, 1)
    await campaign.run_until(at(12, 12, 8, 1))
    nudge = next(r for r in await campaign.outbox() if r.key == nudge.key)
    assert nudge.status is OutboxStatus.SENT
    assert nudge.sent_at == at(12, 12, 8, 1)
    assert len([m for m in fake_api.sent_messages(person.id) if m.text.startswith("⏰")]) == 1


async def test_nothing_is_sent_during_quiet_hours_and_it_all_goes_when_they_end(
    campaign, fake_api, secretariat
):
    campaign.clock.set(at(4, 12, 22, 30))
    for unit in UNITS[:3]:
        await campaign.register(unit)
    await campaign.runtime.tick()  # what fell due before is past the grace window: skipped
    sent_before = len(fake_api.sent_messages())
    preview = await secretariat.say("/thongbao Sáng mai 7 giờ tập trung tại cửa khẩu Bờ Y.")
    assert "cửa khẩu Bờ Y" in preview.text
    reply = await secretariat.say("1")
    assert reply.text == plain("reminders.broadcast_held", count=3, at="07:00 05/12")
    await campaign.runtime.tick()
    assert len(fake_api.sent_messages()) == sent_before + 2  # only the two answers
    assert await campaign.runtime.next_due() == at(5, 12, 7)
    await campaign.run_until(at(5, 12, 7))
    for unit in UNITS[:3]:
        texts = [m.text for m in fake_api.sent_messages(campaign.people[unit].id)]
        assert sum("cửa khẩu Bờ Y" in text for text in texts) == 1
    rows = [row for row in await campaign.outbox() if row.kind == "broadcast"]
    assert {row.sent_at for row in rows} == {at(5, 12, 7)}


async def test_a_chat_that_does_not_exist_is_reported_to_the_secretariat(
    campaign, fake_api, secretariat
):
    for unit in UNITS:
        await campaign.register(unit)
    gone = campaign.people["dai-ptth"]
    fake_api.fail_next("sendMessage", times=1, status=400,
                       description="Bad Request: chat not found", chat_id=gone.id)
    await campaign.run_until(at(5, 12, 7))
    [row] = [row for row in await campaign.outbox() if row.key == "phase:trong:unit:dai-ptth"]
    assert row.status is OutboxStatus.FAILED and "chat not found" in row.last_error.lower()
    notices = [m.text for m in fake_api.sent_messages(ADMIN_ID) if m.text.startswith("⚠️")]
    assert notices == [plain("reminders.unreachable_focal_point_not_found",
                             unit=campaign.plan.unit("dai-ptth").name,
                             name="Nguyễn Văn dai-ptth")]


async def test_a_message_given_up_after_repeated_5xx_is_reported_to_the_secretariat(
    campaign, fake_api, secretariat
):
    for unit in UNITS:
        await campaign.register(unit)
    person = campaign.people["cong-an"]
    # Every attempt fails: three in-process tries per attempt, five attempts (backoff 1, 2,
    # 4, 8 minutes on the clock).
    fake_api.fail_next("sendMessage", times=100, status=502, chat_id=person.id)
    await campaign.run_until(at(5, 12, 7))
    await campaign.run_until(at(5, 12, 9))
    [row] = [row for row in await campaign.outbox() if row.key == "phase:trong:unit:cong-an"]
    assert row.status is OutboxStatus.FAILED and row.attempts == 5
    notices = [m.text for m in fake_api.sent_messages(ADMIN_ID) if m.text.startswith("⚠️")]
    assert notices == [plain("reminders.unreachable_focal_point_failing",
                             unit=campaign.plan.unit("cong-an").name,
                             name="Nguyễn Văn cong-an")]
    # Later failures the same day do not repeat the notice.
    await campaign.run_until(at(5, 12, 20))
    assert len([m for m in fake_api.sent_messages(ADMIN_ID) if m.text.startswith("⚠️")]) == 1
