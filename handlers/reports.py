"""Progress reports: /nhiemvu (the unit's tasks), /baocao (report), /baocaocuatoi (history)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.domain.plan import Task
from bot.domain.records import Report
from bot.presenters.common import format_when, split_messages
from bot.services.access import Identity, Role
from bot.services.reporting import TaskHistory, TaskView, format_figure, shorten
from handlers.context import Turn, refuse, turn_of


async def _unit_of(
    update: Update, context: ContextTypes.DEFAULT_TYPE, identity: Identity | None = None
) -> Identity | None:
    """The asker's identity if they speak for a unit; otherwise refuse politely and say None."""
    turn = turn_of(update, context)
    identity = identity or await turn.identity()
    if identity.is_member and identity.unit_id is not None:
        return identity
    if identity.is_staff:
        await turn.answer(turn.text("reports.staff_no_seat"))
        return None
    await refuse(update, context, identity, "reports.members_only")
    return None


def _status(turn: Turn, report: Report) -> str:
    return turn.text(f"reports.status_{report.status.value}")


def _when(turn: Turn, report: Report) -> str:
    return format_when(report.created_at, turn.services.plan.timezone)


def render_tasks(turn: Turn, unit_name: str, views: list[TaskView]) -> list[str]:
    """The unit's numbered tasks with phase, deadline, figures and current status."""
    timezone = turn.services.plan.timezone
    lines = [turn.text("reports.tasks_header", unit=unit_name, count=len(views))]
    for view in views:
        if view.latest is None:
            state = turn.text("reports.state_none")
        else:
            state = turn.text(
                "reports.state_reported", status=_status(turn, view.latest),
                when=_when(turn, view.latest), version=view.latest.version,
                reference=view.latest.reference,
            )
        deadline = (
            turn.text("reports.tasks_deadline", title=view.deadline.title,
                      when=format_when(view.deadline.due, timezone))
            if view.deadline is not None else "—"
        )
        item = turn.text(
            "reports.tasks_item",
            number=view.number,
            text=view.task.text,
            role=turn.text(f"reports.role_{view.role.value}"),
            phases=", ".join(phase.name for phase in view.phases) or "—",
            deadline=deadline,
            figures="; ".join(metric.label for metric in view.task.metrics) or "—",
            state=state,
        )
        lines.append("")
        lines.extend(item.split("\n"))
    lines.append("")
    lines.append(turn.text("reports.tasks_footer"))
    return split_messages(lines)


def render_history(turn: Turn, unit_name: str, history: list[TaskHistory]) -> list[str]:
    """Every report version of the unit, grouped by task, newest version first."""
    if not history:
        return [turn.text("reports.history_none", unit=unit_name)]
    lines = [turn.text("reports.history_header", unit=unit_name)]
    for entry in history:
        text = shorten(entry.task.text, 90) if entry.task is not None else entry.task_id
        lines.append("")
        lines.append(turn.text("reports.history_task", number=entry.number or "–", task=text))
        for report in reversed(entry.versions):
            lines.append(turn.text(
                "reports.history_version", reference=report.reference,
                version=report.version, status=_status(turn, report),
                when=_when(turn, report), name=report.submitted_by_name,
                attachments=len(report.attachments),
            ))
    lines.append("")
    lines.append(turn.text("reports.history_footer"))
    return split_messages(lines)


def _size(size: int | None) -> str:
    if size is None:
        return ""
    return f"{max(1, round(size / 1024))} KB"


def render_report(turn: Turn, report: Report, task: Task | None) -> list[str]:
    """One report version in full: status, figures, narrative, attachments."""
    labels = {metric.id: metric.label for metric in task.metrics} if task else {}
    figures = [
        f"• {labels.get(figure.metric_id, figure.metric_id)}: {format_figure(figure.value)}"
        for figure in report.figures
    ]
    attachments = []
    for item in report.attachments:
        details = [part for part in (item.file_name, _size(item.size)) if part]
        attachments.append(turn.text(
            f"reports.card_{item.kind.value}",
            details=", ".join(details) or "—",
            caption=item.caption or "—",
        ))
    plan = turn.services.plan
    try:
        unit = plan.unit(report.unit_id).name
    except KeyError:
        unit = report.unit_id
    text = turn.text(
        "reports.card",
        reference=report.reference,
        version=report.version,
        unit=unit,
        task=task.text if task is not None else report.task_id,
        status=_status(turn, report),
        when=_when(turn, report),
        name=report.submitted_by_name,
        figures="\n".join(figures) or "—",
        narrative=report.narrative or "—",
        count=len(report.attachments),
    )
    lines = text.split("\n") + attachments
    return split_messages(lines)


async def tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/nhiemvu`: the unit's tasks, numbered, with deadline, figures and status."""
    identity = await _unit_of(update, context)
    if identity is None:
        return
    turn = turn_of(update, context)
    assert identity.unit_id is not None
    views = await turn.services.reporting.tasks(identity.unit_id)
    unit_name = turn.services.plan.unit(identity.unit_id).name
    if not views:
        await turn.answer(turn.text("reports.no_tasks"))
        return
    for text in render_tasks(turn, unit_name, views):
        await turn.answer(text)


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/baocao [N]`: start a progress report (on task N of /nhiemvu)."""
    identity = await _unit_of(update, context)
    if identity is None:
        return
    turn = turn_of(update, context)
    assert identity.unit_id is not None
    choice = " ".join(context.args or ()) or None
    outcome = await turn.services.reporting.start(
        turn.actor, identity.unit_id, choice, turn.now, turn.update_id
    )
    await turn.send(outcome)


async def my_reports(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/baocaocuatoi [BC-0012]`: the unit's reports and versions, or one report in full."""
    turn = turn_of(update, context)
    identity = await turn.identity()
    reference = " ".join(context.args or ()) or None
    if reference is not None and identity.role in (Role.SECRETARIAT, Role.HEAD):
        # Staff see every unit's reports, one at a time by reference.
        await _show_one(turn, reference, None)
        return
    identity_with_unit = await _unit_of(update, context, identity)
    if identity_with_unit is None:
        return
    assert identity_with_unit.unit_id is not None
    if reference is not None:
        await _show_one(turn, reference, identity_with_unit.unit_id)
        return
    history = await turn.services.reporting.history(identity_with_unit.unit_id)
    unit_name = turn.services.plan.unit(identity_with_unit.unit_id).name
    for text in render_history(turn, unit_name, history):
        await turn.answer(text)


async def _show_one(turn: Turn, reference: str, unit_id: str | None) -> None:
    found = await turn.services.reporting.find(reference, unit_id)
    if found is None:
        await turn.answer(turn.text("reports.not_found", reference=reference[:30]))
        return
    for text in render_report(turn, found, turn.services.reporting.task(found.task_id)):
        await turn.answer(text)

