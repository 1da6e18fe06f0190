"""Retention: a campaign's people are forgotten 12 months after it ended, and only then."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from bot.domain.records import FocalPoint, FocalPointRole
from bot.services.retention import RETENTION_ERASED
from tests.e2e.test_erasure import dump_database
from tests.e2e.test_registration import UNIT, invite, newcomer, register_by_typing
from tests.e2e.test_reports import to_preview
from tests.support import tg

NAME = "Đinh Thị Hồng Nhung"
PHONE = "0912 777 888"


async def register_and_report(bot, fake_api):
    nhung = newcomer(fake_api, "Nhung")
    await register_by_typing(nhung, await invite(bot), name=NAME, phone=PHONE)
    await to_preview(nhung, narrative="Đã treo 40 băng rôn.")
    await nhung.say("1")  # send the report
    await nhung.silence()
    return nhung


def past_retention(bot, extra=timedelta(days=1)):
    return bot.runtime.plan.end + relativedelta(months=12) + extra


async def test_nobody_is_due_before_twelve_months_after_the_campaign_ended(bot, fake_api, clock):
    await register_and_report(bot, fake_api)
    retention = bot.runtime.services.retention
    assert await retention.due(past_retention(bot, -timedelta(days=1))) == []


async def test_a_dry_run_lists_the_person_and_changes_nothing(bot, fake_api):
    await register_and_report(bot, fake_api)
    [case] = await bot.runtime.services.retention.due(past_retention(bot))
    assert [seat.full_name for seat in case.seats] == [NAME]
    assert [seat.unit_id for seat in case.seats] == [UNIT]
    assert NAME in await dump_database(bot.runtime.engine)


async def test_past_retention_the_person_is_erased_everywhere_and_the_report_stays(bot, fake_api):
    await register_and_report(bot, fake_api)
    now = past_retention(bot)
    [case] = await bot.runtime.services.retention.erase_due(now)
    dump = await dump_database(bot.runtime.engine)
    for trace in (NAME, "0912777888", "+84912777888"):
        assert trace not in dump, trace
    [report] = await bot.runtime.services.reporting.all_reports(UNIT)
    assert report.narrative == "Đã treo 40 băng rôn."
    async with bot.runtime.uow_factory() as uow:
        audit = [entry for entry in await uow.audit.recent(limit=50) if entry.action == RETENTION_ERASED]
    assert [(entry.unit_id, entry.detail["focal_point_id"]) for entry in audit] == [
        (UNIT, case.seats[0].id)]
    assert await bot.runtime.services.retention.due(now) == []  # nothing left to erase


async def test_serving_in_a_running_campaign_keeps_the_person(bot, fake_api):
    await register_and_report(bot, fake_api)
    runtime = bot.runtime
    now = past_retention(bot)
    [case] = await runtime.services.retention.due(now)
    later = dataclasses.replace(runtime.plan, id="tet-2027", end=now + timedelta(days=90))
    async with runtime.uow_factory() as uow:
        await uow.campaigns.sync(later, now)
        await uow.focal_points.add(FocalPoint(
            "tet-2027", UNIT, FocalPointRole.FOCAL_POINT, case.user, case.user, NAME,
            "Phóng viên", "+84912777888", "vi", now, now))
        await uow.commit()
    assert await runtime.services.retention.due(now) == []
    # Twelve months after the second campaign too, both seats go together.
    [both] = await runtime.services.retention.due(now + relativedelta(months=15))
    assert sorted(seat.campaign_id for seat in both.seats) == ["kontum-2023", "tet-2027"]


async def test_someone_who_registered_after_the_end_is_kept_from_their_registration(bot):
    runtime = bot.runtime
    arrived = runtime.plan.end + relativedelta(months=13)  # a rehearsal on an old plan
    user = tg(4242)
    async with runtime.uow_factory() as uow:
        await uow.focal_points.add(FocalPoint(
            runtime.plan.id, UNIT, FocalPointRole.FOCAL_POINT, user, user, NAME, "Phóng viên",
            "+84912777888", "vi", arrived, arrived))
        await uow.commit()
    retention = runtime.services.retention
    assert await retention.due(arrived + timedelta(days=30)) == []
    assert len(await retention.due(arrived + relativedelta(months=12, days=1))) == 1


async def test_the_scheduler_erases_once_a_day_without_being_asked(bot, fake_api):
    await register_and_report(bot, fake_api)
    retention = bot.runtime.services.retention
    kept = bot.runtime.plan.end + relativedelta(months=12)
    assert await retention.erase_if_due(kept - timedelta(hours=1)) == 0  # not yet
    # Due now, but checked less than a day ago: the chore waits for its daily pass.
    assert await retention.erase_if_due(kept + timedelta(minutes=30)) == 0
    assert NAME in await dump_database(bot.runtime.engine)
    assert await retention.erase_if_due(kept + timedelta(hours=23)) == 1
    assert NAME not in await dump_database(bot.runtime.engine)


async def test_the_reminder_loop_runs_the_retention_rule(bot, fake_api, clock):
    await register_and_report(bot, fake_api)
    clock.set(bot.runtime.plan.end + relativedelta(months=12, days=1))
    await bot.runtime.services.reminders.tick()
    assert NAME not in await dump_database(bot.runtime.engine)
