"""The summary as chat messages in the catalogue markup, in chunks each channel re-splits."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.figures import MetricKind
from bot.domain.plan import DeadlineKind, Plan
from bot.domain.progress import DeadlineState, in_view, recent_periods, tasks_due
from bot.domain.records import report_reference
from bot.presenters.common import (
    MESSAGE_LIMIT,
    format_total,
    format_when,
    format_when_short,
    lead_name,
    period_values,
    shorten,
    split_messages,
    target_values,
    task_label,
    time_left,
    unit_name,
    unit_target_values,
)
from bot.services.summary import (
    TASK_STATES,
    DeadlineSummary,
    Summary,
    UnitStatus,
    UnitSummary,
)
from bot.texts import t, t_html

NAMES_SHOWN = 12  # units named in one line before "and N more": keeps every line short
QUOTE_WIDTH = 120
TITLE_WIDTH = 90


def _names(plan: Plan, unit_ids: Sequence[str], locale: str, notes: dict[str, str]) -> str:
    shown = [notes.get(unit, unit_name(plan, unit)) for unit in unit_ids[:NAMES_SHOWN]]
    text = t("summary.separator", locale).join(shown)
    if len(unit_ids) > NAMES_SHOWN:
        text += t("summary.more_units", locale, count=len(unit_ids) - NAMES_SHOWN)
    return text


def _reminder_notes(summary: Summary, plan: Plan, locale: str) -> dict[str, str]:
    """A unit's name followed by the reminders it already had."""
    notes = {}
    for unit in summary.units:
        name = unit_name(plan, unit.unit_id)
        if unit.reminders and unit.last_reminder is not None:
            notes[unit.unit_id] = t(
                "summary.unit_reminded",
                locale,
                unit=name,
                count=unit.reminders,
                last=format_when_short(unit.last_reminder, summary.timezone),
            )
        else:
            notes[unit.unit_id] = t("summary.unit_not_reminded", locale, unit=name)
    return notes


def summary_lines(
    summary: Summary, plan: Plan, locale: str, narratives: bool = True
) -> list[str]:
    """Every line of the summary, in reading order (blank lines between sections); without
    `narratives` (a group chat) problems are counted, not quoted."""
    zone = summary.timezone
    notes = _reminder_notes(summary, plan, locale)
    lines = [t_html("summary.title", locale, now=format_when(summary.now, zone))]
    if summary.now >= plan.end:  # read-only from now on: say so before any figure
        lines.append(t_html("summary.campaign_ended", locale,
                            ended=format_when(plan.end, zone)))
    lines += ["", *_focal_point_lines(summary, plan, locale, notes)]
    every = {item.deadline.id: item for item in summary.deadlines}
    shown = [every[d.id] for d in in_view([i.deadline for i in summary.deadlines], summary.now)]
    for item in shown:
        if item.deadline.kind is DeadlineKind.REPORT:
            lines += ["", *_report_deadline_lines(item, summary, plan, locale, notes)]
            if item.deadline.period is not None:
                period = item.deadline.period
                lines.append(t_html(f"summary.period_{period.every.value}", locale,
                                    **period_values(period)))
            lines += _trend_lines(item, summary, locale)
    for item in shown:
        if item.deadline.kind is DeadlineKind.CONSOLIDATION:
            lines += ["", _consolidation_line(item, summary, locale, plan)]
    lines += ["", t_html("summary.units_header", locale)]
    lines += [_unit_line(unit, summary, plan, locale) for unit in summary.units]
    lines += ["", *_figure_lines(summary, locale)]
    if summary.targets:
        lines += ["", *target_lines(summary, plan, locale)]
    if summary.problem_count and narratives:
        lines += ["", *_problem_lines(summary, plan, locale)]
    elif summary.problem_count:
        lines += ["", t_html("summary.problems_private", locale, count=summary.problem_count)]
    return lines


def summary_messages(
    summary: Summary, plan: Plan, locale: str, limit: int = MESSAGE_LIMIT,
    narratives: bool = True,
) -> list[str]:
    """The summary as chat messages of at most `limit` characters each."""
    return split_messages(summary_lines(summary, plan, locale, narratives), limit)


def _focal_point_lines(
    summary: Summary, plan: Plan, locale: str, notes: dict[str, str]
) -> list[str]:
    focal = summary.focal_points
    registration = next(
        (d for d in summary.deadlines if d.deadline.kind is DeadlineKind.REGISTRATION), None
    )
    counts = {"registered": len(focal.registered), "required": len(focal.required)}
    if registration is not None and focal.missing:
        due = registration.deadline.due
        line = t_html(
            "summary.focal_points_due",
            locale,
            **counts,
            due=format_when(due, summary.timezone),
            remaining=time_left(due, summary.now, locale),
        )
    else:
        line = t_html("summary.focal_points", locale, **counts)
    lines = [line]
    if focal.missing:
        lines.append(
            t_html("summary.focal_points_missing", locale,
                   units=_names(plan, focal.missing, locale, notes))
        )
    return lines


def _report_deadline_lines(
    item: DeadlineSummary, summary: Summary, plan: Plan, locale: str, notes: dict[str, str]
) -> list[str]:
    due = item.deadline.due
    lines = [
        t_html(
            "summary.deadline",
            locale,
            title=shorten(item.deadline.title, TITLE_WIDTH),
            due=format_when(due, summary.timezone),
            remaining=time_left(due, summary.now, locale),
        ),
        t_html(
            "summary.deadline_counts",
            locale,
            on_time=len(item.on_time),
            late=len(item.late),
            in_progress=len(item.in_progress),
            missing=len(item.missing),
            total=len(item.states),
        ),
    ]
    if item.in_progress:
        lines.append(
            t_html("summary.deadline_in_progress", locale,
                   units=_names(plan, item.in_progress, locale, notes))
        )
    if item.missing:
        lines.append(
            t_html("summary.deadline_missing", locale,
                   units=_names(plan, item.missing, locale, notes))
        )
    return lines


def _trend_lines(item: DeadlineSummary, summary: Summary, locale: str) -> list[str]:
    """A recurring deadline's last periods: "4 kỳ gần nhất: 8/10 · 9/10 đơn vị đúng hạn"."""
    every = {other.deadline.id: other for other in summary.deadlines}
    recent = recent_periods([i.deadline for i in summary.deadlines], item.deadline, summary.now)
    if not recent:
        return []
    values = t("summary.trend_separator", locale).join(
        t("summary.trend_value", locale, on_time=len(every[d.id].on_time),
          total=len(every[d.id].states))
        for d in recent
    )
    return [t_html("summary.period_trend", locale, count=len(recent), values=values)]


def _consolidation_line(
    item: DeadlineSummary, summary: Summary, locale: str, plan: Plan | None = None
) -> str:
    title = shorten(item.deadline.title, TITLE_WIDTH)
    if len(item.states) > 1 and plan is not None:
        # A level: every district consolidates its own communes.
        missing = [row.unit_id for row in item.states if not row.met]
        return t_html(
            "summary.consolidation_level", locale, title=title,
            due=format_when(item.deadline.due, summary.timezone),
            issued=len(item.states) - len(missing), total=len(item.states),
            missing=t("summary.consolidation_level_missing", locale,
                      units=_names(plan, missing, locale, {})) if missing else "",
        )
    met = next((row for row in item.states if row.met), None)
    if met is not None and met.met_at is not None:
        key = (
            "summary.consolidation_on_time"
            if met.state is DeadlineState.ON_TIME
            else "summary.consolidation_late"
        )
        return t_html(key, locale, title=title, at=format_when(met.met_at, summary.timezone))
    due = item.deadline.due
    return t_html(
        "summary.consolidation_pending",
        locale,
        title=title,
        due=format_when(due, summary.timezone),
        remaining=time_left(due, summary.now, locale),
    )


def _unit_line(unit: UnitSummary, summary: Summary, plan: Plan, locale: str) -> str:
    name = unit_name(plan, unit.unit_id)
    if not unit.total:
        return t_html("summary.unit_no_tasks", locale, unit=name)
    states = " ".join(
        t(f"summary.token_{state}", locale, count=unit.tasks[state])
        for state in TASK_STATES
        if unit.tasks.get(state)
    )
    if unit.last_report is not None:
        last = t("summary.last_report", locale,
                 at=format_when_short(unit.last_report, summary.timezone))
    else:
        last = t("summary.never_reported", locale)
    return t_html("summary.unit_line", locale, unit=name, states=states, last=last)


def _figure_lines(summary: Summary, locale: str) -> list[str]:
    if not summary.figures:
        return [t_html("summary.figures_none", locale)]
    return [t_html("summary.figures_header", locale)] + [
        t_html("summary.figure_line_mean" if figure.kind is MetricKind.PERCENT
               else "summary.figure_line", locale, label=figure.label,
               total=format_total(figure, locale))
        for figure in summary.figures
    ]


def target_lines(summary: Summary, plan: Plan, locale: str) -> list[str]:
    """Result against target for each metric that has one, and the units below their own."""
    lines = [t_html("summary.targets_header", locale)]
    for item in summary.targets:
        values = target_values(item, locale)
        key = "summary.target_line" if item.target is not None else "summary.target_line_units"
        lines.append(t_html(key, locale, **values))
        if item.below:
            below = "; ".join(t("summary.target_unit", locale,
                                **unit_target_values(plan, item, unit, locale))
                              for unit in item.below)
            lines.append(t_html("summary.target_below", locale, units=below))
        elif item.units:
            lines.append(t_html("summary.target_all_met", locale))
    return lines


def _problem_lines(summary: Summary, plan: Plan, locale: str) -> list[str]:
    lines = [t_html("summary.problems_header", locale, count=summary.problem_count)]
    for report in summary.problems:
        lines.append(
            t_html(
                "summary.problem_line",
                locale,
                unit=unit_name(plan, report.unit_id),
                task=task_label(plan, report.task_id, 40),
                quote=shorten(report.narrative, QUOTE_WIDTH) or "…",
                at=format_when_short(report.created_at, summary.timezone),
            )
        )
    hidden = summary.problem_count - len(summary.problems)
    if hidden > 0:
        lines.append(t_html("summary.problems_more", locale, count=hidden))
    return lines


def unit_status_lines(status: UnitStatus, plan: Plan, locale: str) -> list[str]:
    """A focal point's view: the unit's own deadlines and tasks, nothing of other units."""
    zone = status.timezone
    lines = [
        t_html("summary.unit_title", locale, unit=unit_name(plan, status.unit_id),
               now=format_when(status.now, zone)),
    ]
    due_here = {
        task.id
        for deadline, _row in status.deadlines
        for task in tasks_due(plan, deadline, status.unit_id)
    }
    rows = {deadline.id: row for deadline, row in status.deadlines}
    mine = [deadline for deadline, _row in status.deadlines]
    shown = in_view(mine, status.now)
    for deadline in shown:
        row = rows[deadline.id]
        kind = {
            DeadlineKind.REGISTRATION: "registration",
            DeadlineKind.CONSOLIDATION: "consolidation",
        }.get(deadline.kind, "deadline")
        lines.append(
            t_html(
                f"summary.unit_{kind}_{row.state.value}",
                locale,
                title=shorten(deadline.title, TITLE_WIDTH),
                due=format_when(deadline.due, zone),
                remaining=time_left(deadline.due, status.now, locale),
                reported=row.tasks_reported,
                done=row.tasks_done,
                total=row.tasks_total,
            )
        )
        recent = recent_periods(mine, deadline, status.now)
        if recent:
            values = t("summary.trend_separator", locale).join(
                t(f"summary.trend_{rows[d.id].state.value}", locale) for d in recent
            )
            lines.append(t_html("summary.unit_period_trend", locale, count=len(recent),
                                values=values))
    lines += ["", t_html("summary.unit_tasks_header", locale, count=len(status.tasks))]
    for item in status.tasks:
        label = task_label(plan, item.task.id)
        if not item.task.leads_it(status.unit_id):
            # Plain text: the line's template escapes the whole label once.
            label += t("summary.unit_task_cooperating", locale,
                       lead=lead_name(plan, item.task))
        if item.task.id not in due_here and any(
            d.kind is DeadlineKind.REPORT for d, _row in status.deadlines
        ):
            label += t("summary.unit_task_not_due", locale)
        if item.report is None:
            lines.append(t_html("summary.unit_task_unreported", locale, task=label))
        else:
            lines.append(
                t_html(
                    "summary.unit_task",
                    locale,
                    task=label,
                    state=t(f"summary.state_{item.report.status.value}", locale),
                    reference=report_reference(item.report.id),
                    version=item.report.version,
                    at=format_when(item.report.created_at, zone),
                )
            )
    if status.targets:
        lines += ["", t_html("summary.unit_targets_header", locale)]
        for item, unit in status.targets:
            key = "summary.unit_target_below" if unit.below else "summary.unit_target_met"
            lines.append(t_html(key, locale, label=item.label,
                                **unit_target_values(plan, item, unit, locale)))
    if status.reminders and status.last_reminder is not None:
        lines += [
            "",
            t_html("summary.unit_reminders", locale, count=status.reminders,
                   last=format_when_short(status.last_reminder, zone)),
        ]
    return lines


def unit_status_messages(
    status: UnitStatus, plan: Plan, locale: str, limit: int = MESSAGE_LIMIT
) -> list[str]:
    """A focal point's view as chat messages."""
    return split_messages(unit_status_lines(status, plan, locale), limit)
