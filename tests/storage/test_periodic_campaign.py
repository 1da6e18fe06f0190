"""A recurring deadline in storage: each period's status and nudges count its own reports."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document

from bot.domain.address import Address
from bot.plan import load_plan
from bot.presenters.docx_report import consolidated_docx
from bot.presenters.summary import summary_lines
from bot.services.outbox import OutboxService, render_message
from bot.services.reminders import ReminderService
from bot.services.schedule import ReminderPolicy
from bot.services.summary import SummaryService
from tests.storage.test_levels_campaign import plain_html
from tests.summary_support import Seed
from tests.support import plain
from tests.unit.test_periods import CONSOLIDATIONS, FIXTURE, periodic_plan

PLAN = load_plan(Path(__file__).parents[1] / "plan" / "fixtures" / "periodic.yaml")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN, HEAD = Address("telegram", "900001"), Address("telegram", "900002")


async def _campaign(uow_factory) -> ReminderService:
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, PLAN.start)
        await uow.commit()
    seed = Seed(PLAN.id)
    seed.seat("xa-1", PLAN.start, 700001).seat("xa-2", PLAN.start, 700002)
    # Commune 1 has done week 47 already; commune 2 only week 46 (a day late).
    seed.report("xa-1", "tuan", datetime(2026, 11, 21, 10, tzinfo=TZ), period="2026-W47")
    seed.report("xa-2", "tuan", datetime(2026, 11, 17, 10, tzinfo=TZ), period="2026-W46")
    await seed.store(uow_factory)
    policy = ReminderPolicy(PLAN.timezone)
    return ReminderService(
        PLAN, uow_factory, None, policy, OutboxService(PLAN, uow_factory, None, policy, [ADMIN]),
        [ADMIN], [HEAD],
    )


async def test_nudges_of_a_week_follow_that_weeks_reports_only(uow_factory):
    reminders = await _campaign(uow_factory)

    # Monday 23/11 08:00: the nudge of the day week 47 is due (17:00).
    planned = await reminders.preview(datetime(2026, 11, 23, 8, tzinfo=TZ))

    nudged = {p.message.recipient_unit_id for p in planned
              if p.message.key.startswith("deadline:bao-cao-tuan@2026-W47:unit:")}
    assert nudged == {"xa-2"}
    # Week 46: commune 2's report counts there (late), commune 1's week-47 one does not.
    async with uow_factory() as uow:
        week46 = next(d for d in PLAN.deadlines if d.id == "bao-cao-tuan@2026-W46")
        rows = await uow.progress.deadline_status(
            PLAN.id, week46, datetime(2026, 11, 23, tzinfo=TZ))
    assert {row.unit_id: row.state.value for row in rows} == {"xa-1": "missing", "xa-2": "late"}


async def test_the_digest_counts_the_current_week_only(uow_factory):
    reminders = await _campaign(uow_factory)

    planned = await reminders.preview(datetime(2026, 11, 23, 17, tzinfo=TZ))

    digest = next(p.message for p in planned if p.message.kind == "digest")
    text = plain_html(render_message(digest.text_key, "vi", digest.payload))
    assert plain("reminders.digest_report", due="23/11/2026 17:00", met=1, total=2) in text
    # Week 46 (past) and week 48 (ahead) are not listed beside it.
    assert "16/11/2026 17:00" not in text and "30/11/2026 17:00" not in text


async def test_a_weekly_consolidation_is_met_by_that_weeks_issue_only(uow_factory, tmp_path):
    plan = periodic_plan(tmp_path, CONSOLIDATIONS.replace("weekday: 1", "weekday: 2"))
    async with uow_factory() as uow:
        await uow.campaigns.sync(plan, plan.start)
        await uow.commit()
    summary = SummaryService(plan, uow_factory)
    # The first week's (due Tuesday 17/11, figures 10–16/11) issued that morning; nothing for
    # the second: last week's issue must not meet it.
    await summary.issue_consolidated("van-phong", datetime(2026, 11, 17, 9, tzinfo=TZ), ADMIN)
    now = datetime(2026, 11, 26, tzinfo=TZ)
    weeks = plan.periods_of("tong-hop-tuan")
    async with uow_factory() as uow:
        states = [(await uow.progress.deadline_status(plan.id, week, now))[0].state.value
                  for week in weeks[:2]]
    assert [week.id for week in weeks[:2]] == ["tong-hop-tuan@2026-W47", "tong-hop-tuan@2026-W48"]
    assert states == ["on_time", "missing"]


async def test_a_month_done_is_not_next_months_and_the_word_report_says_which_month(
        uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, PLAN.start)
        await uow.commit()
    # Commune 2 sends November's monthly report (figures 15/10–14/11) on the 15th, on time.
    await Seed(PLAN.id).report("xa-2", "thang", datetime(2026, 11, 15, 9, tzinfo=TZ),
                               period="2026-11").store(uow_factory)
    summary = SummaryService(PLAN, uow_factory)

    before = await summary.summary(datetime(2026, 11, 15, 12, tzinfo=TZ))
    text = plain_html("\n".join(summary_lines(before, PLAN, "vi")))
    assert plain("summary.period_month", number=11, year=2026, start="15/10", end="14/11") in text
    assert before.unit("xa-2").tasks["done"] == 1

    # On the 20th December's month is the one shown: November's report does not make it done.
    now = datetime(2026, 11, 20, 9, tzinfo=TZ)
    after = await summary.summary(now)
    assert after.unit("xa-2").tasks["done"] == 0
    document = Document(io.BytesIO(consolidated_docx(await summary.consolidated(now), PLAN)))
    paragraphs = [p.text for p in document.paragraphs]
    assert plain("consolidated.period_month", number=12, year=2026, start="15/11",
                 end="14/12") in paragraphs
    rows = [[cell.text for cell in row.cells] for table in document.tables
            for row in table.rows]
    november = next(row for row in rows if row[0].startswith("Tháng 11/2026"))
    assert november[:4] == ["Tháng 11/2026 (15/10–14/11)", "16/11/2026 10:00", "1/1", "1/1"]
    december = next(row for row in rows if row[0].startswith("Tháng 12/2026"))
    assert december[2:4] == ["0/1", "0/1"]


async def test_an_issue_on_the_cut_off_evening_meets_that_weeks_due(uow_factory, tmp_path):
    plan = periodic_plan(tmp_path)  # the office consolidates on Mondays 17:00
    async with uow_factory() as uow:
        await uow.campaigns.sync(plan, plan.start)
        await uow.commit()
    summary = SummaryService(plan, uow_factory)
    for moment in (datetime(2026, 11, 16, 9, tzinfo=TZ),  # week 46, on its due day
                   datetime(2026, 11, 22, 20, tzinfo=TZ),  # Sunday evening, week 47's cut-off
                   datetime(2026, 11, 30, 17, 1, tzinfo=TZ)):  # a minute after week 48's due
        await summary.issue_consolidated("van-phong", moment, ADMIN)
    now = datetime(2026, 12, 8, 9, tzinfo=TZ)
    async with uow_factory() as uow:
        states = {week.period.label: (await uow.progress.deadline_status(plan.id, week, now))[0]
                  .state.value for week in plan.periods_of("tong-hop-tuan") if week.period}
    assert states == {"2026-W46": "on_time", "2026-W47": "on_time", "2026-W48": "late",
                      "2026-W49": "missing"}


async def test_nudges_follow_a_due_moved_off_a_saturday(uow_factory, tmp_path):
    # January's monthly report falls due on Saturday 16/01/2027; the plan moves it to Monday.
    path = tmp_path / "moved.yaml"
    path.write_text(FIXTURE.read_text(encoding="utf-8").replace(
        '    time: "10:00"\n', '    time: "10:00"\n    on_day_off: next_working_day\n'),
        encoding="utf-8")
    plan = load_plan(path)
    async with uow_factory() as uow:
        await uow.campaigns.sync(plan, plan.start)
        await uow.commit()
    await Seed(plan.id).seat("xa-2", plan.start, 700002).store(uow_factory)
    policy = ReminderPolicy(plan.timezone)
    reminders = ReminderService(
        plan, uow_factory, None, policy, OutboxService(plan, uow_factory, None, policy, [ADMIN]),
        [ADMIN], [HEAD],
    )
    key = "deadline:bao-cao-thang@2027-01:unit:xa-2"

    def nudges(planned) -> list[str]:
        return [p.message.key for p in planned if p.message.key.startswith(key)]

    # The nudge of the due day goes on Monday 18/01 and names that day; none on the 16th.
    monday = await reminders.preview(datetime(2027, 1, 18, 8, tzinfo=TZ))
    [nudge] = [p.message for p in monday if p.message.key.startswith(key)]
    assert nudge.key.endswith("T-0d")
    assert "18/01/2027" in plain_html(render_message(nudge.text_key, "vi", nudge.payload))
    assert not [k for k in nudges(await reminders.preview(datetime(2027, 1, 16, 8, tzinfo=TZ)))
                if k.endswith("T-0d")]
