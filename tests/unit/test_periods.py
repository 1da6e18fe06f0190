"""Which period a report is for, and what a status shows of a recurring deadline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.plan import Deadline, Plan
from bot.domain.progress import (
    DeadlineState,
    ReportMark,
    current_period,
    in_view,
    issued_for,
    recent_periods,
    report_states,
    schedule_of,
)
from bot.plan import load_plan
from bot.services.reporting import period_reply
from tests.plan.test_plan_periodic import YEARLY
from tests.support import plain

FIXTURE = Path(__file__).parents[1] / "plan" / "fixtures" / "periodic.yaml"
PLAN = load_plan(FIXTURE)
WEEKS = PLAN.periods_of("bao-cao-tuan")  # due 16/11, 23/11, 30/11, 07/12 at 17:00
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_report_is_for_the_first_period_still_ahead() -> None:
    before = WEEKS[1].due - timedelta(hours=1)
    assert current_period(WEEKS, before, done={"2026-W46"}) == WEEKS[1]
    # Exactly at the due time it is still on time for that week.
    assert current_period(WEEKS, WEEKS[1].due, done={"2026-W46"}) == WEEKS[1]


def test_a_report_after_a_missed_due_catches_that_period_up() -> None:
    tuesday = WEEKS[1].due + timedelta(hours=16)
    assert current_period(WEEKS, tuesday, done={"2026-W46"}) == WEEKS[1]  # late for week 47
    assert current_period(WEEKS, tuesday, done={"2026-W46", "2026-W47"}) == WEEKS[2]


def test_once_every_period_passed_the_last_one_is_current() -> None:
    assert current_period(WEEKS, WEEKS[-1].due + timedelta(days=3)) == WEEKS[-1]
    assert current_period((), WEEKS[0].due) is None


def test_a_period_counts_only_the_reports_made_for_it() -> None:
    week = WEEKS[1]
    marks = [
        ReportMark("xa-1", "tuan", 1, "done", week.due - timedelta(days=1), "2026-W46"),
        ReportMark("xa-2", "tuan", 1, "done", week.due - timedelta(days=1), "2026-W47"),
        ReportMark("xa-2", "tuan", 2, "done", week.due + timedelta(days=1), "2026-W48"),
    ]
    rows = report_states(week, {"xa-1": ["tuan"], "xa-2": ["tuan"]}, marks)
    assert {row.unit_id: row.state for row in rows} == {
        "xa-1": DeadlineState.MISSING, "xa-2": DeadlineState.ON_TIME}


def test_a_status_shows_the_current_period_and_the_last_ones_as_trend() -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=TZ)
    shown = [d.id for d in in_view(PLAN.deadlines, now)]
    assert "bao-cao-tuan@2026-W49" in shown
    assert not {"bao-cao-tuan@2026-W46", "bao-cao-tuan@2026-W48"} & set(shown)
    assert [d.period.label for d in recent_periods(PLAN.deadlines, WEEKS[3], now)
            if d.period] == ["2026-W46", "2026-W47", "2026-W48"]
    assert recent_periods(PLAN.deadlines, WEEKS[3], now, count=2) == WEEKS[1:3]


# The office consolidates every Monday 17:00 (data of the week before, cut off on Sunday) and
# every 16th at 10:00 (data from the 15th of the month before to the 14th, cut off on the 14th).
CONSOLIDATIONS = """\
  - id: tong-hop-tuan
    title: Văn phòng tổng hợp tuần
    kind: consolidation
    units: [van-phong]
    every: week
    weekday: 1
    first: 2026-11-16
    last: 2026-12-07
  - id: tong-hop-thang
    title: Văn phòng tổng hợp tháng
    kind: consolidation
    units: [van-phong]
    every: month
    day: 16
    time: "10:00"
    window: {from_day: 15, to_day: 14}
"""


def periodic_plan(folder: Path, extra: str = CONSOLIDATIONS) -> Plan:
    """The periodic fixture plan with more deadlines appended (YAML, indented as a list item)."""
    path = folder / "plan.yaml"
    path.write_text(FIXTURE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_plan(path)


def _met(periods: tuple[Deadline, ...], *issues: datetime) -> dict[str, str]:
    """Which periods the issues meet, and how: {label: on_time | late}."""
    met = issued_for(schedule_of(periods), issues)
    return {periods[i].period.label: "on_time" if at <= periods[i].due else "late"
            for i, at in met.items() if periods[i].period}


def test_a_weekly_issue_counts_for_the_week_whose_due_it_meets(tmp_path) -> None:
    weeks = periodic_plan(tmp_path).periods_of("tong-hop-tuan")
    w46, w47 = weeks[0].due, weeks[1].due  # Mondays 16/11 and 23/11, 17:00
    sunday = datetime(2026, 11, 22, 20, tzinfo=TZ)  # the evening of week 47's cut-off day
    assert _met(weeks, w46, sunday) == {"2026-W46": "on_time", "2026-W47": "on_time"}
    assert _met(weeks, w46, w47) == {"2026-W46": "on_time", "2026-W47": "on_time"}
    one_minute_late = w47 + timedelta(minutes=1)
    assert _met(weeks, w46, one_minute_late) == {"2026-W46": "on_time", "2026-W47": "late"}
    # Week 47 met already: an issue a minute after its due is week 48's, on time.
    assert _met(weeks, w46, sunday, one_minute_late) == {
        "2026-W46": "on_time", "2026-W47": "on_time", "2026-W48": "on_time"}


def test_one_issue_never_meets_two_weeks(tmp_path) -> None:
    weeks = periodic_plan(tmp_path).periods_of("tong-hop-tuan")
    # Week 46 missed: Tuesday's issue catches it up, late; week 47 waits for the next one.
    tuesday = weeks[0].due + timedelta(hours=16)
    assert _met(weeks, tuesday) == {"2026-W46": "late"}
    assert _met(weeks, tuesday, tuesday + timedelta(hours=2)) == {
        "2026-W46": "late", "2026-W47": "on_time"}
    # From week 47's cut-off day (Sunday) on, its data is all in: an issue then is week 47's,
    # and the week missed before it stays missed.
    sunday = datetime(2026, 11, 22, 8, tzinfo=TZ)
    assert _met(weeks, sunday) == {"2026-W47": "on_time"}
    saturday_night = datetime(2026, 11, 21, 23, 59, tzinfo=TZ)
    assert _met(weeks, saturday_night) == {"2026-W46": "late"}


def test_a_monthly_issue_counts_for_the_month_whose_due_it_meets(tmp_path) -> None:
    months = periodic_plan(tmp_path).periods_of("tong-hop-thang")
    november, december = months[0].due, months[1].due  # 16/11 and 16/12, 10:00
    cut_off = datetime(2026, 12, 14, 21, tzinfo=TZ)  # the evening of the 14th
    assert _met(months, november, cut_off) == {"2026-11": "on_time", "2026-12": "on_time"}
    assert _met(months, november, december) == {"2026-11": "on_time", "2026-12": "on_time"}
    late = december + timedelta(minutes=1)
    assert _met(months, november, late) == {"2026-11": "on_time", "2026-12": "late"}
    assert _met(months, november, cut_off, late) == {
        "2026-11": "on_time", "2026-12": "on_time", "2027-01": "on_time"}


def _report_for(periods: tuple[Deadline, ...], moment: datetime, done: set[str]) -> str:
    """Which period a report made at `moment` counts for, and whether on time or late."""
    deadline = current_period(periods, moment, done)
    assert deadline is not None and deadline.period is not None
    return f"{deadline.period.label} {'on_time' if moment <= deadline.due else 'late'}"


def test_a_weekly_report_at_the_edges_of_its_due() -> None:
    w47 = WEEKS[1].due  # Monday 23/11 17:00, figures 16/11–22/11
    sunday = datetime(2026, 11, 22, 20, tzinfo=TZ)
    assert _report_for(WEEKS, sunday, {"2026-W46"}) == "2026-W47 on_time"
    assert _report_for(WEEKS, sunday, set()) == "2026-W47 on_time"  # week 46 stays missed
    assert _report_for(WEEKS, w47 - timedelta(hours=8), {"2026-W46"}) == "2026-W47 on_time"
    # The morning of the due day, week 46 never done: still this week's report, on time.
    assert _report_for(WEEKS, w47 - timedelta(hours=8), set()) == "2026-W47 on_time"
    assert _report_for(WEEKS, w47, {"2026-W46"}) == "2026-W47 on_time"
    late = w47 + timedelta(minutes=1)
    assert _report_for(WEEKS, late, {"2026-W46"}) == "2026-W47 late"
    assert _report_for(WEEKS, late, {"2026-W46", "2026-W47"}) == "2026-W48 on_time"


def test_a_monthly_report_at_the_edges_of_its_due() -> None:
    months = PLAN.periods_of("bao-cao-thang")  # the 16th 10:00, figures the 15th to the 14th
    december = months[1].due
    assert _report_for(months, datetime(2026, 12, 14, 21, tzinfo=TZ), {"2026-11"}) == (
        "2026-12 on_time")
    assert _report_for(months, datetime(2026, 12, 16, 8, tzinfo=TZ), {"2026-11"}) == (
        "2026-12 on_time")
    assert _report_for(months, december, {"2026-11"}) == "2026-12 on_time"
    late = december + timedelta(minutes=1)
    assert _report_for(months, late, {"2026-11"}) == "2026-12 late"
    assert _report_for(months, late, {"2026-11", "2026-12"}) == "2027-01 on_time"
    # November missed: early December (before its cut-off on the 14th) catches it up, late.
    assert _report_for(months, datetime(2026, 12, 1, 9, tzinfo=TZ), set()) == "2026-11 late"


def test_report_asks_name_a_yearly_period_with_its_years(tmp_path) -> None:
    [year] = periodic_plan(tmp_path, YEARLY).periods_of("bao-cao-nam")
    reply = period_reply(year, "Asia/Ho_Chi_Minh", year.due)
    assert plain(reply.key, **reply.values) == (
        "📅 Báo cáo năm 2026, số liệu từ 15/12/2025 đến 14/12/2026 (hạn 17:00 20/12/2026).")


def test_an_issue_on_a_due_day_that_is_also_the_cut_off_day_meets_that_month(tmp_path) -> None:
    # Due the 25th 17:00 with data from the 26th to the 25th itself: the due day before 17:00
    # is that month's, even with the month before missed.
    same_day = CONSOLIDATIONS.split("  - id: tong-hop-thang")[0].replace(
        "tong-hop-tuan", "tong-hop-25").replace(
        "every: week\n    weekday: 1\n    first: 2026-11-16\n    last: 2026-12-07\n",
        "every: month\n    day: 25\n    window: {from_day: 26, to_day: 25}\n")
    months = periodic_plan(tmp_path, same_day).periods_of("tong-hop-25")
    assert months[1].period is not None and months[1].period.end == date(2026, 12, 25)
    afternoon = datetime(2026, 12, 25, 16, tzinfo=TZ)
    assert _met(months, afternoon) == {"2026-12": "on_time"}
    assert _met(months, months[0].due, afternoon) == {"2026-11": "on_time", "2026-12": "on_time"}
    # The evening before the cut-off day, with November missed, catches November up.
    assert _met(months, datetime(2026, 12, 24, 20, tzinfo=TZ)) == {"2026-11": "late"}
