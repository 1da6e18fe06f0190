"""Whether units met a deadline: the one definition used by summaries and reminders alike."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from bot.domain.plan import Deadline, DeadlineKind, Plan, Task


class DeadlineState(StrEnum):
    """Where one unit stands against one deadline."""

    ON_TIME = "on_time"
    LATE = "late"
    # Some report, not every task due marked done: not met ("đang thực hiện").
    IN_PROGRESS = "in_progress"
    MISSING = "missing"


@dataclass(frozen=True)
class UnitDeadline:
    """One unit against one deadline.

    registration: met once the unit has a current focal point (on time if its first
    registration came by the due time). report and consolidation: see `report_states` and
    `consolidation_states` below.
    """

    deadline_id: str
    unit_id: str
    state: DeadlineState
    met_at: datetime | None
    tasks_total: int = 0
    tasks_reported: int = 0
    tasks_done: int = 0

    @property
    def met(self) -> bool:
        """Whether the deadline is met (on time or late)."""
        return self.state in (DeadlineState.ON_TIME, DeadlineState.LATE)


# --- The one definition of "done" and "on time" -------------------------------------------
#
# A report version has a status; the statuses fold into three stages a head counts by: not
# started, in progress (a difficulty reported is still work under way) and done. A task is done
# when its latest version is marked done; it was done at the first version of the last unbroken
# run of "done" versions (a unit that reopened a task and closed it again finished it the second
# time). A report deadline is met once every task due from the unit by it is done, on time when
# the last of them was done by the due time; a unit with some report but not all done stands
# "in progress", never as met. A unit with nothing due by a deadline is not among its units at
# all: never listed missing, never nudged. A consolidation deadline is met by the consolidating
# unit itself (the secretariat, or a parent for its subtree) marking its consolidated report as
# issued; producing a draft (an export) meets nothing.


class Stage(StrEnum):
    """How far a unit got on one task, from its latest report."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclass(frozen=True)
class ReportMark:
    """One stored report version reduced to what the definition needs."""

    unit_id: str
    task_id: str
    version: int
    status: str
    at: datetime
    period: str | None = None  # the period label the report was made for (recurring deadlines)


def stage_of(status: str | None) -> Stage:
    """The stage a report status counts as (None: no report)."""
    if status == "done":
        return Stage.DONE
    if status in ("in_progress", "problem"):
        return Stage.IN_PROGRESS
    return Stage.NOT_STARTED


def done_at(marks: Iterable[ReportMark]) -> datetime | None:
    """When a task of one unit was done, from its versions (None: not done now)."""
    since: datetime | None = None
    for mark in sorted(marks, key=lambda m: m.version):
        if mark.status == "done":
            since = since or mark.at
        else:
            since = None
    return since


# The chain of every version of a (unit, task), whatever period each was made for.
ALL_PERIODS = "*"


def tasks_due(plan: Plan, deadline: Deadline, unit_id: str) -> tuple[Task, ...]:
    """The tasks the unit must report by a report deadline: those it leads or cooperates on
    that name this deadline, or name none."""
    if deadline.kind is not DeadlineKind.REPORT or unit_id not in deadline.units:
        return ()
    return tuple(
        task
        for task in plan.tasks_of(unit_id)
        if task.deadline in (deadline.id, deadline.rule) or task.deadline is None
    )


def units_due(plan: Plan, deadline: Deadline) -> tuple[str, ...]:
    """The deadline's units that have something due by it (every unit, for registration and
    consolidation deadlines)."""
    if deadline.kind is not DeadlineKind.REPORT:
        return deadline.units
    return tuple(unit for unit in deadline.units if tasks_due(plan, deadline, unit))


def _state(met_at: datetime | None, due: datetime) -> DeadlineState:
    if met_at is None:
        return DeadlineState.MISSING
    return DeadlineState.ON_TIME if met_at <= due else DeadlineState.LATE


def report_states(
    deadline: Deadline,
    due: Mapping[str, Collection[str]],
    marks: Iterable[ReportMark],
) -> list[UnitDeadline]:
    """Each unit with something due (`due`: unit -> task ids) against a report deadline."""
    versions: dict[tuple[str, str], list[ReportMark]] = {}
    label = deadline.period.label if deadline.period else None
    for mark in marks:
        if label is not None and mark.period != label:
            continue  # a periodic deadline counts the reports made for its period only
        versions.setdefault((mark.unit_id, mark.task_id), []).append(mark)
    folded = {}
    for unit, tasks in due.items():
        finished = [done_at(versions.get((unit, task), ())) for task in tasks]
        done = [moment for moment in finished if moment is not None]
        reported = sum(1 for task in tasks if (unit, task) in versions)
        folded[unit] = UnitTasks(reported, len(done), max(done) if done else None)
    return unit_states(deadline, {unit: len(tasks) for unit, tasks in due.items()}, folded)


@dataclass(frozen=True)
class UnitTasks:
    """One unit's versions against a report deadline, folded per task as `done_at` folds
    them: how many tasks due have a report, how many are done, and when the last was done."""

    reported: int
    done: int
    last_done_at: datetime | None


def unit_states(
    deadline: Deadline, due: Mapping[str, int], folded: Mapping[str, UnitTasks]
) -> list[UnitDeadline]:
    """Each unit with something due (`due`: unit -> tasks due) against a report deadline,
    from its folded versions (the same verdict as `report_states`, without every version)."""
    result = []
    for unit in deadline.units:
        total = due.get(unit, 0)
        if not total:
            continue
        tasks = folded.get(unit, UnitTasks(0, 0, None))
        met_at = tasks.last_done_at if tasks.done == total else None
        state = _state(met_at, deadline.due)
        if state is DeadlineState.MISSING and tasks.reported:
            state = DeadlineState.IN_PROGRESS
        result.append(UnitDeadline(deadline.id, unit, state, met_at, total, tasks.reported,
                                   tasks.done))
    return result


@dataclass(frozen=True, slots=True)
class Tally:
    """A unit's active assignments of one task deadline (None: tasks naming none) whose latest
    report stands at one status (None: never reported), as `done_at` folds them: how many, how
    many are done and when the last of those was."""

    unit_id: str
    deadline_id: str | None
    status: str | None
    count: int
    done: int
    last_done_at: datetime | None


def tallied_states(deadline: Deadline, tallies: Iterable[Tally]) -> list[UnitDeadline]:
    """`unit_states` of a one-off report deadline from the tallies of the chain of all
    versions (what the summary reads anyway for its status counts)."""
    due: dict[str, int] = {}
    folded: dict[str, UnitTasks] = {}
    names = (deadline.id, deadline.rule, None)
    for tally in tallies:
        if tally.deadline_id not in names:
            continue
        unit = tally.unit_id
        due[unit] = due.get(unit, 0) + tally.count
        if tally.status is None:
            continue
        before = folded.get(unit, UnitTasks(0, 0, None))
        last = before.last_done_at
        if tally.last_done_at is not None and (last is None or tally.last_done_at > last):
            last = tally.last_done_at
        folded[unit] = UnitTasks(before.reported + tally.count, before.done + tally.done, last)
    return unit_states(deadline, due, folded)


def consolidation_states(
    deadline: Deadline, issued: Mapping[str, datetime]
) -> list[UnitDeadline]:
    """Each consolidating unit against its deadline: met by its own issued report only."""
    return [
        UnitDeadline(deadline.id, unit, _state(issued.get(unit), deadline.due), issued.get(unit))
        for unit in deadline.units
    ]


def counts_for(schedule: Sequence[tuple[datetime, date]], moment: datetime,
               met: Collection[int] = ()) -> int:
    """The index of the period a report or an issue made at `moment` counts for.

    `schedule`: each period's due and cut-off day (the last day of its data), oldest first, not
    empty; `met`: indexes of the periods already met. It counts for the first period whose due
    is ahead (the due minute itself still is) — unless that period's cut-off day has not come
    yet and the period before is past due and not met: then it catches that one up, late. From
    a period's cut-off day on, its data is all in, so what is made then is that period's. After
    the last due, the last period's.
    """
    ahead = next((i for i, (due, _) in enumerate(schedule) if due >= moment), None)
    if ahead is None:
        return len(schedule) - 1
    # Two periods due at once (a due moved off Tết onto the next one's): the second waits for
    # its own report once the first is met.
    while (ahead in met and ahead + 1 < len(schedule)
           and schedule[ahead + 1][0] == schedule[ahead][0]):
        ahead += 1
    due, cut_off = schedule[ahead]
    before_cut_off = moment < datetime.combine(cut_off, time(0, 0), due.tzinfo)
    if ahead > 0 and ahead - 1 not in met and before_cut_off:
        return ahead - 1
    return ahead


def schedule_of(periods: Sequence[Deadline]) -> list[tuple[datetime, date]]:
    """Each period's due and cut-off day, for `counts_for`."""
    return [(d.due, d.period.end) for d in periods if d.period is not None]


def current_period(
    periods: Sequence[Deadline], now: datetime, done: Collection[str] = ()
) -> Deadline | None:
    """The period a report made `now` is for (`periods` by due; `done`: labels the unit has
    done), by `counts_for`."""
    if not periods:
        return None
    met = [i for i, d in enumerate(periods) if d.period is None or d.period.label in done]
    return periods[counts_for(schedule_of(periods), now, met)]


def issued_for(
    schedule: Sequence[tuple[datetime, date]], issues: Iterable[datetime]
) -> dict[int, datetime]:
    """When each period of a recurring consolidation was met (period index -> first issue
    counted for it): each issue, in order, counts for one period by `counts_for`, so one
    issue never meets two periods."""
    met: dict[int, datetime] = {}
    if not schedule:
        return met
    for moment in sorted(issues):
        met.setdefault(counts_for(schedule, moment, met), moment)
    return met


TREND_PERIODS = 4  # periods in a trend: about a month of weeks, a season of months


def shown_period(periods: Sequence[Deadline], now: datetime) -> Deadline:
    """The period of one recurring rule a status shows at `now` (`periods` by due time, not
    empty): the first whose due is ahead, else the last."""
    return next((d for d in periods if d.due >= now), periods[-1])


def in_view(deadlines: Sequence[Deadline], now: datetime) -> tuple[Deadline, ...]:
    """The deadlines a status shows at `now`: every one-off deadline, and of each recurring
    one only its current period (`shown_period`)."""
    shown: list[Deadline] = []
    for deadline in deadlines:
        if deadline.period is None:
            shown.append(deadline)
            continue
        periods = sorted((d for d in deadlines if d.rule == deadline.rule), key=lambda d: d.due)
        if shown_period(periods, now).id == deadline.id:
            shown.append(deadline)
    return tuple(shown)


def task_periods(plan: Plan, now: datetime) -> dict[str, str]:
    """The period label each task on a recurring deadline is counted for at `now`: the one its
    deadline shows (`in_view`). A task's state and figures come from that period's reports
    only, so last week's done report never passes for this week's."""
    labels: dict[str, str] = {}
    for task in plan.tasks:
        periods = plan.periods_of(task.deadline) if task.deadline else ()
        if periods:
            period = shown_period(periods, now).period
            assert period is not None  # periods_of holds recurring deadlines only
            labels[task.id] = period.label
    return labels


def recent_periods(
    deadlines: Sequence[Deadline], current: Deadline, now: datetime, count: int = TREND_PERIODS
) -> tuple[Deadline, ...]:
    """The last `count` periods of the current one's rule that are due by `now`, oldest first
    (empty for a one-off deadline)."""
    if current.period is None:
        return ()
    past = sorted((d for d in deadlines if d.rule == current.rule and d.due <= now),
                  key=lambda d: d.due)
    return tuple(past[-count:])
