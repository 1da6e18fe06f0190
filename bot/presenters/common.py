"""Formatting shared by the presenters: local times, durations, numbers, short quotes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.figures import MetricKind
from bot.domain.plan import Period, Plan, Task, Unit
from bot.services.summary import FigureTotal, TargetProgress, UnitTarget
from bot.texts import t
from bot.texts.numbers import format_amount, format_decimal


def local(when: datetime, timezone: str) -> datetime:
    """The moment in the plan's time zone."""
    return when.astimezone(ZoneInfo(timezone))


def format_when(when: datetime, timezone: str) -> str:
    """A date-time as Vietnamese documents write it, in the plan's zone: 15/12/2023 17:00."""
    return local(when, timezone).strftime("%d/%m/%Y %H:%M")


def format_when_short(when: datetime, timezone: str) -> str:
    """Day, month and time without the year, for short notes: 14/12 08:00."""
    return local(when, timezone).strftime("%d/%m %H:%M")


def format_number(value: int, locale: str) -> str:
    """A whole number with thousands grouped the way the language writes it (1.234 / 1,234)."""
    return format_decimal(value, locale)


def format_total(figure: FigureTotal, locale: str) -> str:
    """A figure's total as people write it: 1.200 for a count, 5,5 km, 80 %, 2.000.000 đồng."""
    if figure.kind is MetricKind.COUNT and not figure.unit:
        return format_number(figure.total, locale)
    return format_amount(figure.value, figure.kind, figure.unit, locale)


def target_values(item: TargetProgress, locale: str) -> dict[str, object]:
    """The plan's result, target and share of a metric with a target, formatted."""
    return {
        "label": item.label,
        "result": format_amount(item.result.quantize(Decimal("0.1"))
                                if item.kind is MetricKind.PERCENT else item.result,
                                item.kind, item.unit, locale),
        "target": format_amount(item.target, item.kind, item.unit, locale)
        if item.target is not None else "",
        "percent": item.percent if item.percent is not None else 0,
        "met": sum(1 for unit in item.units if not unit.below),
        "count": len(item.units),
    }


def unit_target_values(
    plan: Plan, item: TargetProgress, unit: UnitTarget, locale: str
) -> dict[str, object]:
    """One unit's result against its own target, formatted."""
    return {
        "unit": unit_name(plan, unit.unit_id),
        # "2/4 km", "95/90 %", "4.000.000/5.000.000 đồng": the unit once, after the target.
        "result": format_decimal(unit.result, locale),
        "target": format_amount(unit.target, item.kind, item.unit, locale),
        "percent": unit.percent if unit.percent is not None else 0,
    }


def format_duration(delta: timedelta, locale: str) -> str:
    """A positive duration, rounded to the minute, in its two largest units."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days and hours:
        return t("summary.duration_days_hours", locale, days=days, hours=hours)
    if days:
        return t("summary.duration_days", locale, days=days)
    if hours and minutes:
        return t("summary.duration_hours_minutes", locale, hours=hours, minutes=minutes)
    if hours:
        return t("summary.duration_hours", locale, hours=hours)
    return t("summary.duration_minutes", locale, minutes=minutes)


def time_left(due: datetime, now: datetime, locale: str) -> str:
    """Time left before the due time (còn 2 ngày 5 giờ), or how long it is overdue."""
    if now <= due:
        return t("summary.time_left", locale, duration=format_duration(due - now, locale))
    return t("summary.overdue", locale, duration=format_duration(now - due, locale))


def shorten(text: str, width: int) -> str:
    """The text on one line, cut at a word boundary to at most `width` characters."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    if " " in cut[width // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


@dataclass(frozen=True)
class PlanIndex:
    """Units and tasks of a plan by id, and each unit's tasks: built once per plan."""

    units: dict[str, Unit]
    tasks: dict[str, Task]
    tasks_of: dict[str, tuple[Task, ...]]


_INDEXES: dict[int, tuple[Plan, PlanIndex]] = {}


def plan_index(plan: Plan) -> PlanIndex:
    """The index of a plan (a campaign of thousands of units makes linear lookups too slow)."""
    cached = _INDEXES.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    assigned: dict[str, list[Task]] = {}
    for task in plan.tasks:
        for unit in (*task.lead_units, *task.cooperating):
            assigned.setdefault(unit, []).append(task)
    index = PlanIndex(
        units={unit.id: unit for unit in plan.units},
        tasks={task.id: task for task in plan.tasks},
        tasks_of={unit: tuple(tasks) for unit, tasks in assigned.items()},
    )
    _INDEXES.clear()  # one plan per process in practice; never let the cache grow
    _INDEXES[id(plan)] = (plan, index)
    return index


def unit_name(plan: Plan, unit_id: str) -> str:
    """A unit's short name, or its id if the plan no longer lists it."""
    unit = plan_index(plan).units.get(unit_id)
    return unit.short_name if unit is not None else unit_id


def lead_name(plan: Plan, task: Task) -> str:
    """Who leads a task, as a cooperating unit reads it: the unit, or the group's name."""
    for group in plan.groups:
        if group.id == task.lead:
            return group.name
    return unit_name(plan, task.lead)


def task_label(plan: Plan, task_id: str, width: int = 60) -> str:
    """A task as people recognise it: its section of the plan and the start of its text."""
    task = plan_index(plan).tasks.get(task_id)
    if task is None:
        return task_id
    text = shorten(task.text, width)
    return f"{task.section} {text}" if task.section else text


# How much a presenter groups per message; each channel re-splits at its own limit.
MESSAGE_LIMIT = 4096


def split_messages(lines: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join lines into as few messages as fit `limit`, breaking only between lines."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in _bounded(lines, limit):
        if current and size + 1 + len(line) > limit:
            messages.append("\n".join(current).rstrip())
            current, size = [], 0
        if not current and not line.strip():
            continue  # a message never opens with a blank line
        size += len(line) + (1 if current else 0)
        current.append(line)
    if current:
        messages.append("\n".join(current).rstrip())
    return [message for message in messages if message]


def _bounded(lines: Sequence[str], limit: int) -> list[str]:
    # Lines are kept short by construction; a freak one is cut at spaces rather than dropped.
    result: list[str] = []
    for line in lines:
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            result.append(line[:cut])
            line = line[cut:].lstrip()
        result.append(line)
    return result


def period_values(period: Period) -> dict[str, object]:
    """A period's number, year and data window, as the catalogue's period texts take them."""
    start, end = period.window_days()
    return {"number": period.number, "year": period.year, "start": start, "end": end}
