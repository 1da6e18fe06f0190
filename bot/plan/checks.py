"""Warnings about a plan that loads but makes no sense: `daumoi plan check` (errors with --strict).

Each warning names the field where it is best fixed; the loader turns it into file:line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.plan import Deadline, DeadlineKind, Plan
from bot.domain.progress import tasks_due

# add(path, code, **values): the loader's collector, with catalogue keys plan.warn_<code>.
Add = Callable[..., Any]
NAMES_SHOWN = 5


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:NAMES_SHOWN])
    return shown + (f" (+{len(ids) - NAMES_SHOWN})" if len(ids) > NAMES_SHOWN else "")


def _first_of_each_rule(plan: Plan) -> list[Deadline]:
    """Each deadline of the file once: a recurring one by its first period (all share units)."""
    seen: dict[str, Deadline] = {}
    for deadline in plan.deadlines:
        seen.setdefault(deadline.rule, deadline)
    return list(seen.values())


def plan_warnings(plan: Plan, add: Add) -> None:
    """Report every warning of a resolved plan through `add`."""
    for index, group in enumerate(plan.groups):
        if not group.members:
            add(("groups", index), "empty_group", id=group.id)
    rules = plan.deadline_rules or tuple(d.id for d in plan.deadlines)
    concrete = {deadline.rule for deadline in plan.deadlines}
    for index, rule in enumerate(rules):
        if rule not in concrete:
            add(("deadlines", index, "every"), "recurring_no_period", id=rule)
    for deadline in _first_of_each_rule(plan):
        index = rules.index(deadline.rule)
        if deadline.kind is not DeadlineKind.REPORT:
            continue
        idle = [unit for unit in deadline.units if not tasks_due(plan, deadline, unit)]
        if idle and len(idle) == len(deadline.units):
            add(("deadlines", index, "units"), "deadline_nothing_due", id=deadline.rule)
        elif idle:
            add(("deadlines", index, "units"), "units_nothing_due", id=deadline.rule,
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
    for deadline in _first_of_each_rule(plan):
        index = rules.index(deadline.rule)
        if deadline.kind is not DeadlineKind.CONSOLIDATION:
            continue
        lonely = [
            unit for unit in deadline.units
            if unit != plan.secretariat and not plan.is_parent(unit)
        ]
        if lonely:
            add(("deadlines", index, "units"), "consolidates_nothing", id=deadline.rule,
                units=_names(lonely))
