"""Progress reports: /nhiemvu (the unit's tasks), /baocao (report), /baocaocuatoi (history)."""

from __future__ import annotations

from bot.domain.plan import Metric, Task
from bot.domain.records import Report
from bot.presenters.common import format_when, lead_name, split_messages
from bot.services.access import Identity, Role
from bot.services.replies import Outcome
from bot.services.reporting import (
    TaskHistory,
    TaskView,
    format_metric_figure,
    shorten,
)
from bot.texts import t, t_html
from handlers.turn import Turn, refuse


async def _unit_of(turn: Turn, identity: Identity | None = None) -> Identity | None:
    """The asker's identity if they speak for a unit; otherwise refuse politely and say None."""
    identity = identity or await turn.identity()
    if identity.is_member and identity.unit_id is not None:
        return identity
    if identity.is_staff:
        await turn.say("reports.staff_no_seat")
        return None
    await refuse(turn, identity, "reports.members_only")
    return None


def _text(turn: Turn, key: str, **values: object) -> str:
    """A catalogue line in the reader's language, for the presenters below."""
    return t_html(key, turn.locale, **values)


def _status(turn: Turn, report: Report) -> str:
    return _text(turn, f"reports.status_{report.status.value}")


def _when(turn: Turn, report: Report) -> str:
    return format_when(report.created_at, turn.services.plan.timezone)


def render_tasks(turn: Turn, unit_name: str, views: list[TaskView]) -> list[str]:
    """The unit's numbered tasks with phase, deadline, figures and current status."""
    timezone = turn.services.plan.timezone
    lines = [_text(turn, "reports.tasks_header", unit=unit_name, count=len(views))]
    for view in views:
        if view.latest is None:
            state = _text(turn, "reports.state_none")
        else:
            state = _text(turn,
                "reports.state_reported", status=_status(turn, view.latest),
                when=_when(turn, view.latest), version=view.latest.version,
                reference=view.latest.reference,
            )
        deadline = (
            _text(turn, "reports.tasks_deadline", title=view.deadline.title,
                      when=format_when(view.deadline.due, timezone))
            if view.deadline is not None else "—"
        )
        item = _text(turn,
            "reports.tasks_item",
            number=view.number,
            text=view.task.text,
            # Plain: the item's template escapes it (a lead named "Sở TT&TT" stays readable).
            role=t(f"reports.role_{view.role.value}", turn.locale,
                   lead=lead_name(turn.services.plan, view.task)),
            phases=", ".join(phase.name for phase in view.phases) or "—",
            deadline=deadline,
            figures="; ".join(metric.label for metric in view.task.metrics) or "—",
            state=state,
        )
        lines.append("")
        lines.extend(item.split("\n"))
    lines.append("")
    lines.append(_text(turn, "reports.tasks_footer"))
    return split_messages(lines)


def render_history(turn: Turn, unit_name: str, history: list[TaskHistory]) -> list[str]:
    """Every report version of the unit, grouped by task, newest version first."""
    if not history:
        return [_text(turn, "reports.history_none", unit=unit_name)]
    lines = [_text(turn, "reports.history_header", unit=unit_name)]
    for entry in history:
        text = shorten(entry.task.text, 90) if entry.task is not None else entry.task_id
        lines.append("")
        lines.append(_text(turn, "reports.history_task", number=entry.number or "–", task=text))
        for report in reversed(entry.versions):
            lines.append(_text(turn,
                "reports.history_version", reference=report.reference,
                version=report.version, status=_status(turn, report),
                when=_when(turn, report), name=_submitter(turn, report),
                attachments=len(report.attachments),
            ))
    lines.append("")
    lines.append(_text(turn, "reports.history_footer"))
    return split_messages(lines)


def _submitter(turn: Turn, report: Report) -> str:
    # An erased person's reports stay the unit's, under no name.
    return report.submitted_by_name or _text(turn, "reports.erased_person")


def _size(size: int | None) -> str:
    if size is None:
        return ""
    return f"{max(1, round(size / 1024))} KB"


def _label(metrics: dict[str, Metric], metric_id: str) -> str:
    metric = metrics.get(metric_id)
    return metric.label if metric is not None else metric_id


def render_report(turn: Turn, report: Report, task: Task | None) -> list[str]:
    """One report version in full: status, figures, narrative, attachments."""
    metrics = {metric.id: metric for metric in task.metrics} if task else {}
    figures = [
        f"• {_label(metrics, figure.metric_id)}: "
        f"{format_metric_figure(metrics.get(figure.metric_id), figure.value, turn.locale)}"
        for figure in report.figures
    ]
    attachments = []
    for item in report.attachments:
        details = [part for part in (item.file_name, _size(item.size)) if part]
        attachments.append(_text(turn,
            f"reports.card_{item.kind.value}",
            details=", ".join(details) or "—",
            caption=item.caption or "—",
        ))
    plan = turn.services.plan
    try:
        unit = plan.unit(report.unit_id).name
    except KeyError:
        unit = report.unit_id
    text = _text(turn,
        "reports.card",
        reference=report.reference,
        version=report.version,
        unit=unit,
        task=task.text if task is not None else report.task_id,
        status=_status(turn, report),
        when=_when(turn, report),
        name=_submitter(turn, report),
        figures="\n".join(figures) or "—",
        narrative=report.narrative or "—",
        count=len(report.attachments),
    )
    lines = text.split("\n") + attachments
    return split_messages(lines)


async def tasks(turn: Turn) -> None:
    """`/nhiemvu`: the unit's tasks, numbered, with deadline, figures and status."""
    identity = await _unit_of(turn)
    if identity is None:
        return
    assert identity.unit_id is not None
    views = await turn.services.reporting.tasks(identity.unit_id)
    unit_name = turn.services.plan.unit(identity.unit_id).name
    if not views:
        await turn.say("reports.no_tasks")
        return
    await turn.lines(render_tasks(turn, unit_name, views))


async def report(turn: Turn) -> None:
    """`/baocao [N]`: start a progress report (on task N of /nhiemvu)."""
    identity = await _unit_of(turn)
    if identity is None:
        return
    assert identity.unit_id is not None
    choice = " ".join(turn.args) or None
    outcome = await turn.services.reporting.start(
        turn.actor, identity.unit_id, choice, turn.now, turn.inbound.key
    )
    await turn.send(outcome)


async def my_reports(turn: Turn) -> None:
    """`/baocaocuatoi [BC-0012]`: the unit's reports and versions, or one report in full."""
    identity = await turn.identity()
    reference = " ".join(turn.args) or None
    if reference is not None and identity.role in (Role.SECRETARIAT, Role.HEAD):
        # Staff see every unit's reports, one at a time by reference.
        await _show_one(turn, reference, None)
        return
    identity_with_unit = await _unit_of(turn, identity)
    if identity_with_unit is None:
        return
    assert identity_with_unit.unit_id is not None
    if reference is not None:
        await _show_one(turn, reference, identity_with_unit.unit_id)
        return
    history = await turn.services.reporting.history(identity_with_unit.unit_id)
    unit_name = turn.services.plan.unit(identity_with_unit.unit_id).name
    await turn.lines(render_history(turn, unit_name, history))
    unsent = await turn.services.reporting.unsent(turn.actor, turn.now)
    if unsent is not None:
        await turn.send(Outcome([unsent]))


async def _show_one(turn: Turn, reference: str, unit_id: str | None) -> None:
    found = await turn.services.reporting.find(reference, unit_id)
    if found is None:
        await turn.say("reports.not_found", reference=reference[:30])
        return
    await turn.lines(render_report(turn, found, turn.services.reporting.task(found.task_id)))

