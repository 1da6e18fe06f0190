"""A new campaign asks the units' last focal points whether they keep serving (consent asked
again for the new purpose); the secretariat's invites go only where a unit needs one."""

from __future__ import annotations

from datetime import date, datetime

from bot.app import Runtime
from bot.domain.records import OutboxStatus
from bot.plan import load_plan
from bot.services.clock import FixedClock
from bot.services.replies import Actor, Answer
from tests.campaigns.conftest import KONTUM_ID, TET, TET_ID, seat
from tests.conftest import ADMIN_ID, VN
from tests.reminders.conftest import shown
from tests.support import tg

# Tết starting on 08/12/2023, after Kon Tum; its focal points are due on 15/12 17:00.
TET_AFTER = date(2024, 1, 5)
NOW = datetime(2023, 12, 13, 9, 0, tzinfo=VN)
LAN, MINH = tg(7001), tg(7002)  # Kon Tum's focal points of BĐBP and Báo Kon Tum


async def _rows(runtime: Runtime, kind: str) -> list:
    async with runtime.uow_factory() as uow:
        return [row for row in await uow.outbox.recent(500) if row.kind == kind]


async def _asked_for_by_hand(runtime: Runtime) -> list:
    """Tết's registration lists the secretariat asked for (/nhacnho), newest first."""
    return [row for row in await _rows(runtime, "registration")
            if row.key.startswith(f"{TET_ID}:remind:")]


async def test_one_focal_point_carries_on_and_another_unit_sends_someone_else(
        database_url, kontum_plan) -> None:
    from bot.settings import Settings

    settings = Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                        admin_ids=frozenset({ADMIN_ID}))
    clock = FixedClock(NOW)
    async with Runtime.open(settings, kontum_plan, clock) as alone:
        await alone.load_plan()
        await seat(alone, KONTUM_ID, "bdbp", LAN)
        await seat(alone, KONTUM_ID, "bao-kon-tum", MINH)

    tet_plan = load_plan(TET, event_date=TET_AFTER)
    async with Runtime.open(settings, kontum_plan, clock, [tet_plan]) as runtime:
        await runtime.load_plan()
        tet = runtime.services.of(TET_ID)
        await runtime.tick()
        asked = await _rows(runtime, "carry_on")
        # One message each, to the two people who served a unit Tết needs.
        assert sorted(row.address for row in asked) == sorted([LAN, MINH])
        text = shown(next(row for row in asked if row.address == LAN))
        assert "1. Tôi tiếp tục làm đầu mối cho kế hoạch «Tuyên truyền mừng Đảng" in text
        assert "2. Đơn vị sẽ cử người khác" in text
        assert "mục đích mới" in text and "/xoadulieu" in text  # consent for the new purpose
        await runtime.tick()
        assert len(await _rows(runtime, "carry_on")) == 2  # asked once, never again

        # While they think it over, the secretariat's list offers invites only for the units
        # nobody is being asked for.
        await tet.reminders.remind_now(tg(ADMIN_ID), clock.now())
        [listed] = await _asked_for_by_hand(runtime)
        assert "Sở Văn hóa" in shown(listed) and "Báo Kon Tum" not in shown(listed)
        assert await tet.registration.needing_invites(clock.now()) == ["so-vhttdl", "dai-ptth"]

        kept = await tet.dialogue.answer(Actor(LAN, LAN, "vi"), Answer(text="1"), clock.now())
        declined = await tet.dialogue.answer(Actor(MINH, MINH, "vi"), Answer(text="2"),
                                             clock.now())
        assert kept is not None and kept.replies[0].key == "continuity.kept"
        assert declined is not None and declined.replies[0].key == "continuity.declined"

        async with runtime.uow_factory() as uow:
            [carried] = await uow.focal_points.active(TET_ID)
            audit = [entry.action for entry in await uow.audit.recent(TET_ID, 50)]
        assert (carried.unit_id, carried.user, carried.consent_at) == ("bdbp", LAN, clock.now())
        assert {"focal_point.carried_on", "focal_point.carry_on_declined"} <= set(audit)

        # Báo Kon Tum now needs a new person: the next list offers its invite, BĐBP's none.
        clock.set(datetime(2023, 12, 13, 10, 0, tzinfo=VN))
        await tet.reminders.remind_now(tg(ADMIN_ID), clock.now())
        latest = (await _asked_for_by_hand(runtime))[0]
        assert "Báo Kon Tum" in shown(latest) and "Biên phòng" not in shown(latest)
        assert await tet.registration.needing_invites(clock.now()) == [
            "so-vhttdl", "bao-kon-tum", "dai-ptth"]
        assert all(row.status is not OutboxStatus.FAILED for row in asked)


async def test_retention_past_the_first_campaign_keeps_who_serves_in_the_second(
        database_url, kontum_plan) -> None:
    from dateutil.relativedelta import relativedelta

    from bot.settings import Settings

    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    tet_plan = load_plan(TET)  # the real Tết 2024: 13/01 – 02/03/2024
    clock = FixedClock(datetime(2024, 1, 15, 9, 0, tzinfo=VN))
    async with Runtime.open(settings, kontum_plan, clock, [tet_plan]) as runtime:
        await runtime.load_plan()
        await seat(runtime, KONTUM_ID, "bdbp", LAN)
        await seat(runtime, KONTUM_ID, "bao-kon-tum", MINH)
        await runtime.tick()  # Tết asks both; Lan carries on, Minh's unit sends someone else
        tet = runtime.services.of(TET_ID)
        await tet.dialogue.answer(Actor(LAN, LAN, "vi"), Answer(text="1"), clock.now())
        await tet.dialogue.answer(Actor(MINH, MINH, "vi"), Answer(text="2"), clock.now())

        past_kontum = kontum_plan.end + relativedelta(months=12) + relativedelta(days=1)
        assert past_kontum < tet_plan.end + relativedelta(months=12)
        erased = await runtime.services.retention.erase_due(past_kontum)
        async with runtime.uow_factory() as uow:
            kept = [(s.campaign_id, s.full_name) for s in await uow.focal_points.active(TET_ID)]
            people = {s.user for s in await uow.focal_points.with_person()}
    assert [case.user for case in erased] == [MINH]
    assert kept == [(TET_ID, "Nguyễn Văn bdbp")] and LAN in people and MINH not in people


async def test_on_telegram_the_focal_point_answers_1_and_serves_both(
        settings, kontum_plan, fake_api) -> None:
    from tests.campaigns.conftest import serving
    from tests.support import Person

    lan = Person(fake_api, fake_api.add_user("Lan", id=7001))
    clock = FixedClock(NOW)
    async with Runtime.open(settings, kontum_plan, clock) as alone:
        await alone.load_plan()
        await seat(alone, KONTUM_ID, "bdbp", tg(lan.id))
    async with serving(settings, [kontum_plan, load_plan(TET, event_date=TET_AFTER)],
                       clock) as runtime:
        question = await lan.reply()  # sent by the first tick, as the bot starts
        assert "2. Đơn vị sẽ cử người khác" in question.text
        # A command meanwhile is about the campaign she serves in, the question stays open.
        await lan.say("/nhiemvu")
        await lan.silence()
        tasks = " ".join(m.text for m in fake_api.sent_messages(lan.id)[1:])
        assert kontum_plan.tasks_of("bdbp")[0].text[:40] in tasks.replace("\n", " ")
        fake_api.send_text(lan.user, "1")
        kept = await fake_api.wait_for_message(
            lan.id, predicate=lambda m: "tiếp tục là đầu mối" in (m.text or ""))
        assert "Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in kept.text
        brief = await fake_api.wait_for_message(
            lan.id, predicate=lambda m: "Xuân Biên phòng ấm lòng dân bản" in (m.text or ""))
        assert brief.seq > kept.seq  # Tết's duty for the unit, right after
        await lan.silence()
        fake_api.send_text(lan.user, "/kehoach")
        listed = await fake_api.wait_for_message(
            lan.id, predicate=lambda m: "kế hoạch" in (m.text or "") and m.seq > brief.seq)
        assert "đang tham gia 2 kế hoạch" in listed.text
        async with runtime.uow_factory() as uow:
            assert [s.unit_id for s in await uow.focal_points.active(TET_ID)] == ["bdbp"]
