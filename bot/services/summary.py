"""Where the campaign stands: focal points, deadlines, task status per unit, figures, problems.

Status and figures always come from the latest version of each report; earlier versions are
history. Deadline states come from `uow.progress.deadline_status`, the one definition of on time,
late and missing. Wording is left to the presenters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.address import Address
from bot.domain.figures import MetricKind, achieved, from_stored
from bot.domain.plan import Deadline, DeadlineKind, Metric, Plan, Task
from bot.domain.progress import (
    TREND_PERIODS,
    DeadlineState,
    UnitDeadline,
    in_view,
    tallied_states,
    task_periods,
)
from bot.domain.records import AuditEntry, FocalPoint, ReportStatus
from bot.domain.summary import ReportVersion, TaskFigure, UnitFigure
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

# A consolidated report produced (a draft: it meets nothing) and one marked as issued by the
# consolidating unit (the secretariat, or a parent for its subtree): that meets its deadline.
CONSOLIDATED = "report.consolidated"
ISSUED = "report.issued"
EXPORTED = "report.exported"
NOT_REPORTED = "not_reported"
# The order a head reads task states in: what is finished first, what is missing last.
TASK_STATES: tuple[str, ...] = (
    ReportStatus.DONE.value,
    ReportStatus.IN_PROGRESS.value,
    ReportStatus.PROBLEM.value,
    ReportStatus.NOT_STARTED.value,
    NOT_REPORTED,
)
PROBLEMS_SHOWN = 10


@dataclass(frozen=True)
class FocalPointCount:
    """Which of the units that must name a focal point have one."""

    required: tuple[str, ...]
    registered: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The required units without a current focal point, in plan order."""
        have = set(self.registered)
        return tuple(unit for unit in self.required if unit not in have)


@dataclass(frozen=True)
class DeadlineSummary:
    """One deadline and where each of its units stands against it."""

    deadline: Deadline
    states: tuple[UnitDeadline, ...]

    def units_in(self, state: DeadlineState) -> tuple[str, ...]:
        """The deadline's units in one state, in plan order."""
        return tuple(row.unit_id for row in self.states if row.state is state)

    @property
    def on_time(self) -> tuple[str, ...]:
        """Units that met the deadline on time."""
        return self.units_in(DeadlineState.ON_TIME)

    @property
    def late(self) -> tuple[str, ...]:
        """Units that met it after the due time."""
        return self.units_in(DeadlineState.LATE)

    @property
    def in_progress(self) -> tuple[str, ...]:
        """Units that reported but have not yet done every task due ("đang thực hiện")."""
        return self.units_in(DeadlineState.IN_PROGRESS)

    @property
    def missing(self) -> tuple[str, ...]:
        """Units that have reported nothing due by it yet."""
        return self.units_in(DeadlineState.MISSING)


@dataclass(frozen=True)
class UnitSummary:
    """One unit: its tasks by state, its last report, the reminders it already had."""

    unit_id: str
    tasks: Mapping[str, int]
    last_report: datetime | None
    reminders: int = 0
    last_reminder: datetime | None = None

    @property
    def total(self) -> int:
        """Tasks assigned to the unit."""
        return sum(self.tasks.values())


@dataclass(frozen=True)
class FigureTotal:
    """A figure summed over every unit's latest reports."""

    metric_id: str
    label: str
    total: int
    kind: MetricKind = MetricKind.COUNT
    unit: str = ""

    @property
    def value(self) -> Decimal:
        """The total in the metric's own terms (the stored total is in its smallest step)."""
        return from_stored(self.kind, self.total)


@dataclass(frozen=True)
class UnitTarget:
    """One unit's result on a metric against its own target."""

    unit_id: str
    result: Decimal
    target: Decimal

    @property
    def percent(self) -> int | None:
        """The share of the target reached, whole percent rounded down."""
        return achieved(self.result, self.target)

    @property
    def below(self) -> bool:
        """Whether the unit has not reached its target yet."""
        return self.result < self.target


@dataclass(frozen=True)
class TargetProgress:
    """A metric with a target: the plan's result against it, and each unit's against its own.

    The plan's result is the sum of the units' figures; for a percentage, their average.
    """

    metric_id: str
    label: str
    kind: MetricKind
    unit: str
    result: Decimal
    target: Decimal | None
    units: tuple[UnitTarget, ...] = ()

    @property
    def percent(self) -> int | None:
        """The plan's share of its target (None: only units have targets)."""
        return achieved(self.result, self.target) if self.target is not None else None

    @property
    def below(self) -> tuple[UnitTarget, ...]:
        """The units below their target, in plan order."""
        return tuple(unit for unit in self.units if unit.below)


@dataclass(frozen=True)
class Summary:
    """The state of a campaign at one moment."""

    campaign_id: str
    timezone: str
    now: datetime
    focal_points: FocalPointCount
    deadlines: tuple[DeadlineSummary, ...]
    units: tuple[UnitSummary, ...]
    figures: tuple[FigureTotal, ...]
    problems: tuple[ReportVersion, ...]
    problem_count: int
    targets: tuple[TargetProgress, ...] = ()
    # A parent's view: the unit whose subtree this is (None: the whole campaign).
    scope: str | None = None

    def unit(self, unit_id: str) -> UnitSummary:
        """The summary line of one unit (KeyError if it is not listed)."""
        for unit in self.units:
            if unit.unit_id == unit_id:
                return unit
        raise KeyError(unit_id)

    def task_totals(self) -> dict[str, int]:
        """Tasks by state over every unit."""
        return {
            state: sum(unit.tasks.get(state, 0) for unit in self.units) for state in TASK_STATES
        }

    def as_json(self) -> dict[str, Any]:
        """The JSON of `daumoi summary --json`; times in ISO 8601 in the plan's time zone."""
        zone = ZoneInfo(self.timezone)

        def iso(when: datetime | None) -> str | None:
            return when.astimezone(zone).isoformat() if when is not None else None

        figures: dict[str, int | float] = {}
        for figure in self.figures:
            amount = figure.total if figure.kind is MetricKind.COUNT else float(figure.value)
            figures[figure.label] = figures.get(figure.label, 0) + amount
        return {
            "campaign": self.campaign_id,
            "generated_at": iso(self.now),
            "focal_points": {
                "registered": len(self.focal_points.registered),
                "required": len(self.focal_points.required),
                "missing": list(self.focal_points.missing),
            },
            "deadlines": [
                {
                    "id": item.deadline.id,
                    "kind": item.deadline.kind.value,
                    "due": iso(item.deadline.due),
                    "on_time": list(item.on_time),
                    "late": list(item.late),
                    "in_progress": list(item.in_progress),
                    "missing": list(item.missing),
                }
                for item in self.deadlines
            ],
            "units": [
                {
                    "id": unit.unit_id,
                    "tasks": dict(unit.tasks),
                    "last_report": iso(unit.last_report),
                    "reminders": unit.reminders,
                }
                for unit in self.units
            ],
            "figures": figures,
            **({"targets": [_target_json(item) for item in self.targets]} if self.targets
               else {}),
        }


def _target_json(item: TargetProgress) -> dict[str, Any]:
    return {
        "metric": item.metric_id,
        "result": float(item.result),
        "target": float(item.target) if item.target is not None else None,
        "percent": item.percent,
        "below": [unit.unit_id for unit in item.below],
    }


@dataclass(frozen=True)
class TaskState:
    """One task of a unit and the unit's latest report on it (None: not reported)."""

    task: Task
    report: ReportVersion | None


@dataclass(frozen=True)
class UnitStatus:
    """What a focal point may see: the unit's own tasks, deadlines and reminders."""

    unit_id: str
    timezone: str
    now: datetime
    tasks: tuple[TaskState, ...]
    deadlines: tuple[tuple[Deadline, UnitDeadline], ...]
    reminders: int = 0
    last_reminder: datetime | None = None
    # The unit's own targets: each metric with one, and the unit's result against it.
    targets: tuple[tuple[TargetProgress, UnitTarget], ...] = ()


@dataclass(frozen=True)
class PeriodResult:
    """One period of a recurring report deadline: who met it, and the figures made for it
    (against the targets, each period on its own)."""

    deadline: DeadlineSummary
    figures: tuple[FigureTotal, ...]
    targets: tuple[TargetProgress, ...]
    current: bool  # the period the status shows now (`in_view`)

    @property
    def met(self) -> int:
        """Units that met the period, on time or late."""
        return len(self.deadline.on_time) + len(self.deadline.late)


@dataclass(frozen=True)
class ExportData:
    """Everything the Word and Excel exports show, read in one transaction."""

    summary: Summary
    latest: tuple[ReportVersion, ...]
    unit_figures: tuple[UnitFigure, ...]
    task_figures: tuple[TaskFigure, ...]
    focal_points: tuple[FocalPoint, ...] = ()
    history: tuple[ReportVersion, ...] = field(default=())
    # Each recurring report deadline's periods up to the current one, oldest first.
    periods: tuple[PeriodResult, ...] = ()

    def trend(self, count: int | None = None) -> tuple[tuple[PeriodResult, ...], ...]:
        """The periods of each recurring deadline (its last `count` only, if given)."""
        rules: dict[str, list[PeriodResult]] = {}
        for result in self.periods:
            rules.setdefault(result.deadline.deadline.rule, []).append(result)
        return tuple(tuple(rows[-count:] if count else rows) for rows in rules.values())


def unit_sums(task_figures: Iterable[TaskFigure]) -> list[UnitFigure]:
    """Each unit's total of each figure over its tasks (blank figures skipped; a figure left
    blank everywhere has no total), as `uow.summary.unit_figures` sums them."""
    totals: dict[tuple[str, str], int] = {}
    for figure in task_figures:
        if figure.value is not None:
            key = (figure.unit_id, figure.metric_id)
            totals[key] = totals.get(key, 0) + figure.value
    return [UnitFigure(unit, metric, total) for (unit, metric), total in totals.items()]


def metric_labels(plan: Plan) -> dict[str, str]:
    """Each figure's label, as the plan first names it, in plan order."""
    labels: dict[str, str] = {}
    for task in plan.tasks:
        for metric in task.metrics:
            labels.setdefault(metric.id, metric.label)
    return labels


def plan_metrics(plan: Plan) -> dict[str, Metric]:
    """Each metric id's first declaration, in plan order (its kind, unit and target)."""
    metrics: dict[str, Metric] = {}
    for task in plan.tasks:
        for metric in task.metrics:
            metrics.setdefault(metric.id, metric)
    return metrics


def _percent_means(
    totals: Mapping[str, int], unit_figures: Sequence[UnitFigure], metrics: Mapping[str, Metric]
) -> dict[str, int]:
    """The totals to show: a sum for every kind but a percentage, which is the units' mean
    (twelve communes at 90 % are 90 % together, not 1080 %)."""
    shown = dict(totals)
    values: dict[str, list[int]] = {}
    for figure in unit_figures:
        metric = metrics.get(figure.metric_id)
        if metric is not None and metric.kind is MetricKind.PERCENT:
            values.setdefault(figure.metric_id, []).append(figure.total)
    for metric_id, stored in values.items():
        shown[metric_id] = round(sum(stored) / len(stored))
    return shown


def figure_totals(
    plan: Plan, totals: Mapping[str, int], unit_figures: Sequence[UnitFigure]
) -> tuple[FigureTotal, ...]:
    """The totals people read, in plan order: sums, and a percentage's mean over its units."""
    metrics = plan_metrics(plan)
    displayed = _percent_means(totals, unit_figures, metrics)
    return tuple(
        FigureTotal(metric, label, displayed[metric], metrics[metric].kind, metrics[metric].unit)
        for metric, label in metric_labels(plan).items()
        if metric in displayed
    )


def target_progress(
    plan: Plan, totals: Mapping[str, int], unit_figures: Sequence[UnitFigure],
    scope: Collection[str] | None = None,
) -> tuple[TargetProgress, ...]:
    """Every metric with a target, measured on the units' latest reports (stored totals);
    with `scope` (a parent's subtree), on those units only, against their own targets."""
    by_unit: dict[str, dict[str, int]] = {}
    for figure in unit_figures:
        by_unit.setdefault(figure.metric_id, {})[figure.unit_id] = figure.total
    target_of = {
        m.id: m.target for task in plan.tasks for m in task.metrics if m.target is not None
    }
    reporters: dict[str, list[str]] = {}
    for task in plan.tasks:
        for metric in task.metrics:
            for unit_id in (*task.lead_units, *task.cooperating):
                if unit_id not in reporters.setdefault(metric.id, []):
                    reporters[metric.id].append(unit_id)
    order = {unit.id: index for index, unit in enumerate(plan.units)}
    progress = []
    for metric_id, metric in plan_metrics(plan).items():
        target = target_of.get(metric_id)
        if target is None:
            continue
        kind = metric.kind
        figures = by_unit.get(metric_id, {})
        values = [from_stored(kind, stored) for stored in figures.values()]
        if kind is MetricKind.PERCENT:
            result = sum(values, Decimal(0)) / len(values) if values else Decimal(0)
        else:
            result = from_stored(kind, totals.get(metric_id, 0))
        measured = sorted(set(reporters.get(metric_id, [])) | set(target.targeted_units),
                          key=lambda unit_id: order.get(unit_id, len(order)))
        units = tuple(
            UnitTarget(unit_id, from_stored(kind, figures.get(unit_id, 0)), own)
            for unit_id in measured
            if (scope is None or unit_id in scope)
            and (own := target.for_unit(unit_id)) is not None
        )
        overall = target.total
        if scope is not None:
            if not units:
                continue  # the plan's total says nothing of one district's share
            # A parent owes what its own units owe: their targets added (a share: their mean).
            owed = sum((unit.target for unit in units), Decimal(0))
            overall = owed / len(units) if kind is MetricKind.PERCENT else owed
        progress.append(TargetProgress(metric_id, metric.label, kind, metric.unit, result,
                                       overall, units))
    return tuple(progress)


class SummaryService:
    """Reads the campaign's state for /summary, the chart and the exports."""

    def __init__(self, plan: Plan, uow_factory: UnitOfWorkFactory) -> None:
        self._plan = plan
        self._uow_factory = uow_factory

    @property
    def plan(self) -> Plan:
        """The campaign plan summarised."""
        return self._plan

    async def summary(self, now: datetime, scope: str | None = None) -> Summary:
        """The whole campaign as of `now`, or the subtree of the unit `scope` (a parent)."""
        async with self._uow_factory(read_only=True) as uow:
            return await self._summary(uow, now, scope)

    async def unit_status(self, unit_id: str, now: datetime) -> UnitStatus:
        """One unit's own tasks, deadlines and reminders as of `now`."""
        plan = self._plan
        async with self._uow_factory(read_only=True) as uow:
            periods = task_periods(plan, now)
            reports = await uow.summary.latest_reports(plan.id, now, unit_id=unit_id,
                                                       periods=periods)
            by_task = {report.task_id: report for report in reports}
            deadlines = []
            for deadline in plan.deadlines:
                if unit_id not in deadline.units:
                    continue
                states = await uow.progress.deadline_status(plan.id, deadline, now)
                deadlines.extend((deadline, row) for row in states if row.unit_id == unit_id)
            reminders = {r.unit_id: r for r in await uow.summary.reminders(plan.id, now)}
            targets = await self._own_targets(uow, unit_id, now)
        reminder = reminders.get(unit_id)
        return UnitStatus(
            unit_id=unit_id,
            timezone=plan.timezone,
            now=now,
            tasks=tuple(TaskState(task, by_task.get(task.id)) for task in plan.tasks_of(unit_id)),
            deadlines=tuple(deadlines),
            reminders=reminder.count if reminder else 0,
            last_reminder=reminder.last_sent_at if reminder else None,
            targets=targets,
        )

    async def _own_targets(
        self, uow: UnitOfWork, unit_id: str, now: datetime
    ) -> tuple[tuple[TargetProgress, UnitTarget], ...]:
        """The unit's result against each target it has (its own figures only)."""
        plan = self._plan
        if not any(m.target is not None for task in plan.tasks_of(unit_id)
                   for m in task.metrics):
            return ()
        figures = [f for f in await uow.summary.unit_figures(plan.id, now, task_periods(plan, now))
                   if f.unit_id == unit_id]
        return tuple(
            (item, unit)
            for item in target_progress(plan, {}, figures)
            for unit in item.units
            if unit.unit_id == unit_id
        )

    async def consolidated(self, now: datetime, scope: str | None = None) -> ExportData:
        """The data of the consolidated report: latest reports and figures by unit and task
        (of the subtree of `scope` only, for a parent's report)."""
        plan = self._plan
        async with self._uow_factory(read_only=True) as uow:
            periods = task_periods(plan, now)
            latest = await uow.summary.latest_reports(plan.id, now, periods=periods)
            task_figures = await uow.summary.task_figures(plan.id, now, periods)
            # The units' sums from the task figures just read (the same periods' latest
            # reports): another pass over every latest report would cost as much as the first.
            unit_figures = unit_sums(task_figures)
            summary = await self._summary(uow, now, scope, unit_figures, latest)
            results = await self._period_results(uow, summary, now, TREND_PERIODS)
        if scope is not None:
            inside = set(plan.subtree(scope))
            latest = [row for row in latest if row.unit_id in inside]
            unit_figures = [row for row in unit_figures if row.unit_id in inside]
            task_figures = [row for row in task_figures if row.unit_id in inside]
        return ExportData(summary, tuple(latest), tuple(unit_figures), tuple(task_figures),
                          periods=results)

    async def _period_results(
        self, uow: UnitOfWork, summary: Summary, now: datetime, count: int | None = None
    ) -> tuple[PeriodResult, ...]:
        """Each recurring report deadline shown, period by period up to the current one (its
        last `count`): states from the summary, figures from each period's own reports."""
        plan = self._plan
        inside = set(plan.subtree(summary.scope)) if summary.scope is not None else None
        every = {item.deadline.id: item for item in summary.deadlines}
        results: list[PeriodResult] = []
        for current in in_view([item.deadline for item in summary.deadlines], now):
            if current.period is None or current.kind is not DeadlineKind.REPORT:
                continue
            periods = [d for d in plan.periods_of(current.rule)
                       if (d.due <= now or d.id == current.id) and d.id in every]
            tasks = {task.id for task in plan.tasks if task.deadline == current.rule}
            asked = {m.id for task in plan.tasks if task.id in tasks for m in task.metrics}
            for deadline in periods[-count:] if count else periods:
                assert deadline.period is not None
                labels = dict.fromkeys(tasks, deadline.period.label)
                rows = await uow.summary.task_figures(plan.id, now, labels)
                by_unit = unit_sums(row for row in rows if row.task_id in tasks and (
                    inside is None or row.unit_id in inside))
                totals: dict[str, int] = {}
                for figure in by_unit:
                    totals[figure.metric_id] = totals.get(figure.metric_id, 0) + figure.total
                results.append(PeriodResult(
                    every[deadline.id],
                    tuple(f for f in figure_totals(plan, totals, by_unit) if f.metric_id in asked),
                    tuple(item for item in target_progress(plan, totals, by_unit, inside)
                          if item.metric_id in asked),
                    deadline.id == current.id,
                ))
        return tuple(results)

    def may_consolidate(self, unit_id: str) -> bool:
        """Whether the unit consolidates a level: the secretariat, or a unit with children."""
        return unit_id == self._plan.secretariat or self._plan.is_parent(unit_id)

    async def issue_consolidated(
        self, unit_id: str, now: datetime, actor: Address | None
    ) -> tuple[tuple[Deadline, DeadlineState], ...]:
        """Mark the unit's consolidated report as issued: this, not an export, meets its
        consolidation deadline (ValueError if the unit consolidates nothing). Returns the
        periods of recurring consolidation deadlines this issue met, on time or late."""
        if not self.may_consolidate(unit_id):
            raise ValueError(unit_id)
        async with self._uow_factory() as uow:
            await uow.audit.append(
                AuditEntry(at=now, action=ISSUED, actor=actor, campaign_id=self._plan.id,
                           unit_id=unit_id)
            )
            await uow.commit()
        met = []
        async with self._uow_factory(read_only=True) as uow:
            for deadline in self._plan.deadlines:
                if (deadline.period is None or deadline.kind is not DeadlineKind.CONSOLIDATION
                        or unit_id not in deadline.units):
                    continue
                met.extend(
                    (deadline, row.state)
                    for row in await uow.progress.deadline_status(self._plan.id, deadline, now)
                    # Stored moments may lose sub-second digits: the issue of a second ago.
                    if row.unit_id == unit_id and row.met_at is not None
                    and abs(row.met_at - now) < timedelta(seconds=1)
                )
        return tuple(met)

    async def workbook(self, now: datetime) -> ExportData:
        """The data of the spreadsheet: every report version, figures, focal points."""
        plan = self._plan
        async with self._uow_factory(read_only=True) as uow:
            task_figures = await uow.summary.task_figures(plan.id, now, task_periods(plan, now))
            summary = await self._summary(uow, now, unit_figures=unit_sums(task_figures))
            focal_points = await uow.focal_points.active(plan.id)
            history = await uow.summary.history(plan.id, now)
            results = await self._period_results(uow, summary, now)
        return ExportData(summary, (), (), tuple(task_figures), tuple(focal_points),
                          tuple(history), results)

    async def record_consolidated(
        self, now: datetime, actor: Address | None, detail: Mapping[str, Any],
        unit_id: str | None = None,
    ) -> None:
        """Note that a consolidated report was produced: a draft, it meets no deadline."""
        async with self._uow_factory() as uow:
            await uow.audit.append(
                AuditEntry(
                    at=now,
                    action=CONSOLIDATED,
                    actor=actor,
                    campaign_id=self._plan.id,
                    unit_id=unit_id or self._plan.secretariat,
                    detail=dict(detail),
                )
            )
            await uow.commit()

    async def record_export(
        self, now: datetime, actor: Address | None, detail: Mapping[str, Any]
    ) -> None:
        """Note who exported the spreadsheet (it may hold phone numbers)."""
        async with self._uow_factory() as uow:
            await uow.audit.append(
                AuditEntry(at=now, action=EXPORTED, actor=actor,
                           campaign_id=self._plan.id, detail=dict(detail))
            )
            await uow.commit()

    async def _summary(
        self, uow: UnitOfWork, now: datetime, scope: str | None = None,
        unit_figures: Sequence[UnitFigure] | None = None,
        latest: Sequence[ReportVersion] | None = None,
    ) -> Summary:
        """The summary; an export that already read the latest reports' figures (summed by
        `unit_sums`) or the latest reports themselves, of the same periods, passes them: the
        totals and the problems are then taken from them instead of reading every latest
        report again."""
        plan = self._plan
        repo = uow.summary
        inside = set(plan.subtree(scope)) if scope is not None else None
        # A task on a recurring deadline counts the reports of the period shown only.
        periods = task_periods(plan, now)

        def shown(unit_id: str) -> bool:
            return inside is None or unit_id in inside

        with_focal_point = await uow.focal_points.units_with_focal_point(plan.id)
        required = tuple(unit.id for unit in plan.focal_point_units if shown(unit.id))
        focal_points = FocalPointCount(
            required=required,
            registered=tuple(unit for unit in required if unit in with_focal_point),
        )
        # One pass over the assignments gives the status counts and the one-off report
        # deadlines' states (None: the versions are folded, each asked for apart).
        tallies = await uow.progress.tallies(plan.id, now, periods)
        deadlines = []
        for deadline in plan.deadlines:
            if (tallies is not None and deadline.kind is DeadlineKind.REPORT
                    and deadline.period is None):
                states = tallied_states(deadline, tallies)
            else:
                states = await uow.progress.deadline_status(plan.id, deadline, now)
            states = [row for row in states if shown(row.unit_id)]
            if states or inside is None:
                deadlines.append(DeadlineSummary(deadline, tuple(states)))
        counts: dict[str, dict[str, int]] = {}
        statuses = (
            ((row.unit_id, row.status, row.count) for row in tallies) if tallies is not None
            else ((row.unit_id, row.status.value if row.status is not None else None, row.count)
                  for row in await repo.status_counts(plan.id, now, periods))
        )
        for unit_id, status, count in statuses:
            unit_counts = counts.setdefault(unit_id, dict.fromkeys(TASK_STATES, 0))
            unit_counts[status or NOT_REPORTED] += count
        last = await repo.last_reported(plan.id, now)
        reminders = {row.unit_id: row for row in await repo.reminders(plan.id, now)}
        units = []
        for unit in plan.units:
            if (unit.id not in counts and not unit.focal_point_required) or not shown(unit.id):
                continue
            reminder = reminders.get(unit.id)
            units.append(
                UnitSummary(
                    unit_id=unit.id,
                    tasks=counts.get(unit.id, dict.fromkeys(TASK_STATES, 0)),
                    last_report=last.get(unit.id),
                    reminders=reminder.count if reminder else 0,
                    last_reminder=reminder.last_sent_at if reminder else None,
                )
            )
        metrics = plan_metrics(plan)
        by_unit: list[UnitFigure] = []
        wants_units = any(m.target is not None or m.kind is MetricKind.PERCENT
                          for m in metrics.values())
        if unit_figures is not None:
            by_unit = list(unit_figures)  # what `repo.unit_figures` sums, from the same rows
        elif inside is not None or wants_units:
            by_unit = await repo.unit_figures(plan.id, now, periods)
        if inside is None and unit_figures is not None:
            totals = {}
            for row in by_unit:
                totals[row.metric_id] = totals.get(row.metric_id, 0) + row.total
        elif inside is None:
            totals = await repo.figure_totals(plan.id, now, periods)
        else:  # a parent's subtree: its units' figures only
            by_unit = [row for row in by_unit if row.unit_id in inside]
            totals = {}
            for row in by_unit:
                totals[row.metric_id] = totals.get(row.metric_id, 0) + row.total
        figures = figure_totals(plan, totals, by_unit)
        targets: tuple[TargetProgress, ...] = ()
        if any(metric.target is not None for metric in metrics.values()):
            targets = target_progress(plan, totals, by_unit, inside)
        problem_count = sum(unit.tasks[ReportStatus.PROBLEM.value] for unit in units)
        if latest is not None:  # newest first, as `latest_reports` orders them
            problems = sorted((row for row in latest if row.status is ReportStatus.PROBLEM),
                              key=lambda row: (row.created_at, row.id), reverse=True)
        else:
            problems = await repo.latest_reports(
                plan.id, now, status=ReportStatus.PROBLEM,
                limit=PROBLEMS_SHOWN if inside is None else None, periods=periods,
            )
        problems = [row for row in problems if shown(row.unit_id)][:PROBLEMS_SHOWN]
        return Summary(
            campaign_id=plan.id,
            timezone=plan.timezone,
            now=now,
            focal_points=focal_points,
            deadlines=tuple(deadlines),
            units=tuple(units),
            figures=figures,
            problems=tuple(problems),
            problem_count=problem_count,
            targets=targets,
            scope=scope,
        )
