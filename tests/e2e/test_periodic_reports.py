"""Issue 15, point 3, over the real bot: weekly reports, each week its own deadline.

The plan (tests/plan/fixtures/periodic.yaml) has a weekly report due on Mondays 17:00 from
16/11 to 07/12/2026. Commune 1 reports week 46 on time, week 47 a day late (the bot says so
and counts it late for week 47, not early for week 48), and never week 48.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.plan import load_plan
from bot.presenters.summary import summary_lines, unit_status_lines
from bot.services.clock import FixedClock
from tests.e2e.test_summary import seat
from tests.support import Person, open_runtime, plain

PLAN = load_plan(Path(__file__).resolve().parents[1] / "plan/fixtures/periodic.yaml")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 16, 9, tzinfo=TZ)  # Monday of the first weekly due


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
async def runtime(settings, clock):
    """Database and services for the periodic plan."""
    async with open_runtime(settings, PLAN, clock) as opened:
        yield opened


async def report_week(person: Person, task: int = 1) -> str:
    """Report a task (1: the weekly one) as done; the text of the period line the bot showed."""
    period = await person.say(f"/baocao {task}")
    await person.reply()  # the status question follows the period line
    await person.say("hoàn thành")
    await person.say("Đã làm xong việc của tuần.")
    await person.say("xong")
    saved = await person.say("gửi")
    assert saved.text.startswith("✅ Đã lưu báo cáo")
    return period.text


async def test_each_week_is_its_own_deadline_on_time_late_or_missing(
    bot, fake_api, runtime, clock
):
    lan = Person(fake_api, fake_api.add_user("Lan"))
    await seat(runtime, lan, "xa-1")

    said = await report_week(lan)
    assert said == plain("reports.period_week", number=46, year=2026, start="09/11",
                         end="15/11", due="17:00 16/11/2026")

    # Tuesday 24/11: week 47 was due yesterday and is not done: the report catches it up.
    clock.set(datetime(2026, 11, 24, 9, tzinfo=TZ))
    said = await report_week(lan)
    assert said == plain("reports.period_week_late", number=47, year=2026, start="16/11",
                         end="22/11", due="17:00 23/11/2026")
    assert "Báo cáo tuần 47/2026, số liệu từ 16/11 đến 22/11" in said

    reports = await runtime.services.reporting.all_reports("xa-1")
    assert sorted(r.period or "" for r in reports) == ["2026-W46", "2026-W47"]

    # Week 48 passes with nothing from commune 1.
    now = datetime(2026, 12, 1, 9, tzinfo=TZ)
    clock.set(now)
    weeks = PLAN.periods_of("bao-cao-tuan")
    async with runtime.uow_factory() as uow:
        states = [
            {row.unit_id: row.state.value
             for row in await uow.progress.deadline_status(PLAN.id, week, now)}
            for week in weeks[:3]
        ]
    assert states == [
        {"xa-1": "on_time", "xa-2": "missing"},
        {"xa-1": "late", "xa-2": "missing"},
        {"xa-1": "missing", "xa-2": "missing"},
    ]

    # /tonghop: the current period (week 49, due 07/12) and the trend of the three past ones.
    summary = await runtime.services.summary.summary(now)
    text = "\n".join(summary_lines(summary, PLAN, "vi"))
    assert "Báo cáo tuần 49/2026" in text
    assert "Báo cáo tuần 46/2026" not in text and "Báo cáo tuần 48/2026" not in text
    assert "3 kỳ gần nhất: 1/2 · 0/2 · 0/2 đơn vị đúng hạn" in text
    own = "\n".join(unit_status_lines(await runtime.services.summary.unit_status("xa-1", now),
                                      PLAN, "vi"))
    assert "3 kỳ gần nhất: đúng hạn · muộn · chưa nộp" in own
    assert own.count("Báo cáo tuần") == 1


async def test_a_monthly_report_on_the_due_minute_and_one_minute_after(
    bot, fake_api, runtime, clock
):
    """The period /baocao names is the one the report then counts for, on time or late."""
    hoa = Person(fake_api, fake_api.add_user("Hoa"))
    await seat(runtime, hoa, "xa-2")
    months = PLAN.periods_of("bao-cao-thang")  # due the 16th 10:00, figures the 15th to the 14th

    clock.set(months[0].due)  # 16/11 10:00 sharp: still on time for November
    said = await report_week(hoa, task=2)
    assert said == plain("reports.period_month", number=11, year=2026, start="15/10",
                         end="14/11", due="10:00 16/11/2026")

    clock.set(months[1].due + timedelta(minutes=1))  # 16/12 10:01: December is late
    said = await report_week(hoa, task=2)
    assert said == plain("reports.period_month_late", number=12, year=2026, start="15/11",
                         end="14/12", due="10:00 16/12/2026")

    now = months[1].due + timedelta(hours=1)
    async with runtime.uow_factory() as uow:
        states = [{row.unit_id: row.state.value
                   for row in await uow.progress.deadline_status(PLAN.id, month, now)}
                  for month in months[:3]]
    assert states == [{"xa-2": "on_time"}, {"xa-2": "late"}, {"xa-2": "missing"}]
