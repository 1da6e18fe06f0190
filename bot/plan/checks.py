"""Warnings about a plan that loads but makes no sense: `daumoi plan check` (errors with --strict).

Each warning names the field where it is best fixed; the loader turns it into file:line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.plan import DeadlineKind, Plan
from bot.domain.progress import tasks_due

# add(path, code, **values): the loader's collector, with catalogue keys plan.warn_<code>.
Add = Callable[..., Any]
NAMES_SHOWN = 5


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:NAMES_SHOWN])
    return shown + (f" (+{len(ids) - NAMES_SHOWN})" if len(ids) > NAMES_SHOWN else "")


def plan_warnings(plan: Plan, add: Add) -> None:
    """Report every warning of a resolved plan through `add`."""
    for index, group in enumerate(plan.groups):
        if not group.members:
            add(("groups", index), "empty_group", id=group.id)
    for index, deadline in enumerate(plan.deadlines):
        if deadline.kind is not DeadlineKind.REPORT:
            continue
        idle = [unit for unit in deadline.units if not tasks_due(plan, deadline, unit)]
        if idle and len(idle) == len(deadline.units):
            add(("deadlines", index, "units"), "deadline_nothing_due", id=deadline.id)
        elif idle:
            add(("deadlines", index, "units"), "units_nothing_due", id=deadline.id,
                count=len(idle), units=_names(idle))
    reporters = {unit.id for unit in plan.units if unit.focal_point_required}
    for index, task in enumerate(plan.tasks):
        # The secretariat reports its own duties through the consolidated report.
        leads = [unit for unit in task.lead_units if unit != plan.secretariat]
        silent = [unit for unit in leads if unit not in reporters]
        if not silent:
            continue
        if task.for_group:
            add(("tasks", index, "lead"), "group_members_cannot_report", id=task.id,
                group=task.lead, count=len(silent), units=_names(silent))
        else:
            add(("tasks", index, "lead"), "lead_cannot_report", id=task.id, unit=task.lead)
    for index, deadline in enumerate(plan.deadlines):
        if deadline.kind is not DeadlineKind.CONSOLIDATION:
            continue
        lonely = [
            unit for unit in deadline.units
            if unit != plan.secretariat and not plan.is_parent(unit)
        ]
        if lonely:
            add(("deadlines", index, "units"), "consolidates_nothing", id=deadline.id,
                units=_names(lonely))
