"""Plan output: the JSON document of `plan check --json`, and the human timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.domain.figures import MetricKind
from bot.domain.plan import Metric, Plan
from bot.plan.model import PlanFile
from bot.texts import DEFAULT_LOCALE, t
from bot.texts.numbers import format_amount

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def format_datetime(when: datetime) -> str:
    """A date-time as Vietnamese documents write it: dd/mm/yyyy HH:MM."""
    return when.strftime("%d/%m/%Y %H:%M")


def format_date(day: date) -> str:
    """A date as Vietnamese documents write it: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The resolved plan as JSON-ready data; date-times in ISO 8601 with their UTC offset."""
    focus = (
        {"start": _iso(plan.focus_start), "end": _iso(plan.focus_end)}
        if plan.focus_start is not None
        else None
    )
    return {
        "campaign": {
            "id": plan.id,
            "title": plan.title,
            "issuing_body": plan.issuing_body,
            "timezone": plan.timezone,
            "event_date": plan.event_date.isoformat(),
            "start": _iso(plan.start),
            "end": _iso(plan.end),
            "focus": focus,
            "head_title": plan.head_title,
            "recipients": list(plan.recipients),
            "parent_body": plan.parent_body,
            "place": plan.place,
        },
        "units": [
            {
                "id": unit.id,
                "name": unit.name,
                "short_name": unit.short_name,
                "focal_point_required": unit.focal_point_required,
                # Levels and kinds only where the plan has them: older plans' JSON is unchanged.
                **({"parent": unit.parent} if unit.parent else {}),
                **({"kind": unit.kind} if unit.kind else {}),
            }
            for unit in plan.units
        ],
        **({"groups": [
            {"id": group.id, "name": group.name, "members": list(group.members)}
            for group in plan.groups
        ]} if plan.groups else {}),
        "secretariat": plan.secretariat,
        "phases": [
            {
                "id": phase.id,
                "name": phase.name,
                "start": _iso(phase.start),
                "end": _iso(phase.end),
                "asks": phase.asks,
            }
            for phase in plan.phases
        ],
        "agenda": [
            {"number": item.number, "title": item.title, "when": _iso(item.when)}
            for item in plan.agenda
        ],
        "deadlines": [
            {
                "id": deadline.id,
                "title": deadline.title,
                "due": _iso(deadline.due),
                "kind": deadline.kind.value,
                "units": list(deadline.units),
            }
            for deadline in plan.deadlines
        ],
        "tasks": [
            {
                "id": task.id,
                "lead": task.lead,
                **({"leads": list(task.leads)} if task.leads else {}),
                "cooperating": list(task.cooperating),
                "phases": list(task.phases),
                "section": task.section,
                "text": task.text,
                "deadline": task.deadline,
                "metrics": [_metric_json(metric) for metric in task.metrics],
                **({"attachments": "required"} if task.attachments_required else {}),
            }
            for task in plan.tasks
        ],
    }


def _metric_json(metric: Metric) -> dict[str, Any]:
    """A metric as JSON; kind, unit and target only when the plan gives them (a count)."""
    data: dict[str, Any] = {"id": metric.id, "label": metric.label}
    if metric.kind is not MetricKind.COUNT:
        data["kind"] = metric.kind.value
    if metric.unit:
        data["unit"] = metric.unit
    if metric.target is not None:
        target = metric.target
        data["target"] = {
            "total": _number(target.total),
            "each": _number(target.each),
            "units": {unit: _number(value) for unit, value in target.units.items()},
            "groups": {group: _number(value) for group, value in target.groups.items()},
        }
    return data


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def target_lines(plan: Plan, locale: str = DEFAULT_LOCALE) -> list[str]:
    """The plan's targets for people, one line per metric id, as `plan check` prints them."""
    lines: list[str] = []
    seen: set[str] = set()
    for task in plan.tasks:
        for metric in task.metrics:
            if metric.target is None or metric.id in seen:
                continue
            seen.add(metric.id)
            target = metric.target
            parts = []
            if target.total is not None:
                parts.append(t("plan.tl_target_total", locale, value=_amount(metric, target.total,
                                                                             locale)))
            if target.each is not None:
                parts.append(t("plan.tl_target_each", locale, value=_amount(metric, target.each,
                                                                            locale)))
            for group_id, value in target.groups.items():
                parts.append(t("plan.tl_target_group", locale, group=plan.group(group_id).name,
                               value=_amount(metric, value, locale)))
            if target.units:
                parts.append(t("plan.tl_target_units", locale, count=len(target.units)))
            lines.append(t("plan.tl_target", locale, label=metric.label,
                           targets="; ".join(parts)))
    if lines:
        lines.insert(0, t("plan.tl_targets", locale, count=len(lines)))
    return lines


def _amount(metric: Metric, value: Decimal, locale: str) -> str:
    return format_amount(value, metric.kind, metric.unit, locale)


def timeline_lines(plan: Plan, locale: str = DEFAULT_LOCALE) -> list[str]:
    """The plan's timeline for people: campaign, phases, agenda, deadlines, focal units."""
    lines = [
        t("plan.tl_title", locale, title=plan.title),
        t("plan.tl_issuer", locale, body=plan.issuing_body),
        t(
            "plan.tl_span",
            locale,
            start=format_datetime(plan.start),
            end=format_datetime(plan.end),
            timezone=plan.timezone,
        ),
        t("plan.tl_event", locale, date=format_date(plan.event_date)),
    ]
    if plan.focus_start is not None and plan.focus_end is not None:
        lines.append(
            t(
                "plan.tl_focus",
                locale,
                start=format_datetime(plan.focus_start),
                end=format_datetime(plan.focus_end),
            )
        )
    secretariat = plan.unit(plan.secretariat)
    lines.append(t("plan.tl_secretariat", locale, name=secretariat.name))

    lines.append(t("plan.tl_phases", locale, count=len(plan.phases)))
    for number, phase in enumerate(plan.phases, start=1):
        lines.append(
            t(
                "plan.tl_phase",
                locale,
                number=number,
                id=phase.id,
                name=phase.name,
                start=format_datetime(phase.start),
                end=format_datetime(phase.end),
            )
        )

    lines.append(t("plan.tl_agenda", locale, count=len(plan.agenda)))
    for item in plan.agenda:
        if item.when is None:
            lines.append(t("plan.tl_activity", locale, number=item.number, title=item.title))
        else:
            lines.append(
                t(
                    "plan.tl_activity_when",
                    locale,
                    number=item.number,
                    title=item.title,
                    when=format_datetime(item.when),
                )
            )

    lines.append(t("plan.tl_deadlines", locale, count=len(plan.deadlines)))
    for deadline in sorted(plan.deadlines, key=lambda d: d.due):
        lines.append(
            t(
                "plan.tl_deadline",
                locale,
                due=format_datetime(deadline.due),
                title=deadline.title,
                kind=t(f"plan.kind_{deadline.kind.value}", locale),
                count=len(deadline.units),
            )
        )

    focal = plan.focal_point_units
    lines.append(t("plan.tl_focal_units", locale, count=len(focal)))
    for unit in focal:
        if unit.short_name == unit.name:
            lines.append(t("plan.tl_unit_name", locale, name=unit.name))
        else:
            lines.append(t("plan.tl_unit", locale, short_name=unit.short_name, name=unit.name))
    lines.append(t("plan.tl_tasks", locale, count=len(plan.tasks)))
    lines += target_lines(plan, locale)
    if plan.groups:
        lines.append(t("plan.tl_groups", locale, count=len(plan.groups)))
        lines += [t("plan.tl_group", locale, id=group.id, name=group.name,
                    count=len(group.members)) for group in plan.groups]
    parents = [unit for unit in plan.units if plan.is_parent(unit.id)]
    if parents:
        lines.append(t("plan.tl_levels", locale, count=len(parents)))
        lines += [t("plan.tl_level", locale, name=unit.short_name,
                    count=len(plan.children_of(unit.id))) for unit in parents]
    return lines


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema of the plan file format."""
    return {"$schema": JSON_SCHEMA_DIALECT, **PlanFile.model_json_schema()}
