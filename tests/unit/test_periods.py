"""Which period a report is for, and what a status shows of a recurring deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.progress import (
    DeadlineState,
    ReportMark,
    current_period,
    in_view,
    recent_periods,
    report_states,
)
from bot.plan import load_plan

PLAN = load_plan(Path(__file__).parents[1] / "plan" / "fixtures" / "periodic.yaml")
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
