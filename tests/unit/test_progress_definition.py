"""The one definition of done and on time, as pure functions over report versions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.plan import Deadline, DeadlineKind
from bot.domain.progress import (
    DeadlineState,
    ReportMark,
    Stage,
    consolidation_states,
    done_at,
    report_states,
    stage_of,
)

DUE = datetime(2026, 3, 5, 17, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
DEADLINE = Deadline("bc", "Báo cáo", DUE, DeadlineKind.REPORT, ("a", "b", "c", "d"))


def mark(unit: str, task: str, version: int, status: str, hours: float) -> ReportMark:
    return ReportMark(unit, task, version, status, DUE + timedelta(hours=hours))


def test_stages_fold_the_statuses() -> None:
    assert [stage_of(s) for s in (None, "not_started", "in_progress", "problem", "done")] == [
        Stage.NOT_STARTED, Stage.NOT_STARTED, Stage.IN_PROGRESS, Stage.IN_PROGRESS, Stage.DONE]


def test_a_task_is_done_from_the_last_unbroken_run_of_done_versions() -> None:
    assert done_at([]) is None
    assert done_at([mark("a", "t", 1, "in_progress", -5)]) is None
    first = mark("a", "t", 1, "done", -5)
    assert done_at([first]) == first.at
    again = [first, mark("a", "t", 2, "done", -4)]  # a correction keeps the first moment
    assert done_at(again) == first.at
    reopened = [mark("a", "t", 3, "done", 2), first, mark("a", "t", 2, "problem", -1)]
    assert done_at(reopened) == DUE + timedelta(hours=2)  # versions, not list order, count
    assert done_at([first, mark("a", "t", 2, "in_progress", 1)]) is None


def test_report_states_by_unit() -> None:
    due = {"a": ["t1", "t2"], "b": ["t1"], "c": ["t1"], "d": []}
    marks = [
        mark("a", "t1", 1, "done", -3), mark("a", "t2", 1, "done", 0),  # at the due minute
        mark("b", "t1", 1, "in_progress", -3),
        mark("c", "t1", 1, "done", 0.5),
    ]
    rows = {row.unit_id: row for row in report_states(DEADLINE, due, marks)}
    assert set(rows) == {"a", "b", "c"}  # d has nothing due: not among the units at all
    assert rows["a"].state is DeadlineState.ON_TIME and rows["a"].met_at == DUE
    assert (rows["a"].tasks_total, rows["a"].tasks_done) == (2, 2)
    assert rows["b"].state is DeadlineState.IN_PROGRESS and not rows["b"].met
    assert (rows["b"].tasks_reported, rows["b"].tasks_done) == (1, 0)
    assert rows["c"].state is DeadlineState.LATE and rows["c"].met


def test_a_unit_with_nothing_reported_is_missing() -> None:
    [row] = report_states(DEADLINE, {"a": ["t1"]}, [mark("b", "t1", 1, "done", -1)])
    assert (row.unit_id, row.state) == ("a", DeadlineState.MISSING)


def test_consolidation_is_met_by_the_units_own_issue_only() -> None:
    level = Deadline("th", "Tổng hợp", DUE, DeadlineKind.CONSOLIDATION, ("h1", "h2", "h3"))
    rows = consolidation_states(level, {"h1": DUE, "h3": DUE + timedelta(minutes=1)})
    assert [(r.unit_id, r.state) for r in rows] == [
        ("h1", DeadlineState.ON_TIME), ("h2", DeadlineState.MISSING), ("h3", DeadlineState.LATE)]
