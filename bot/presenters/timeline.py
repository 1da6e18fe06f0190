"""The /lichtrinh text: phases, agenda, deadlines and the next planned reminders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain.plan import Plan
from bot.domain.progress import UnitDeadline
from bot.presenters.common import format_when
from bot.services.reminders import SlotKind
from bot.texts import t, t_html


def timeline_lines(
    plan: Plan,
    locale: str,
    now: datetime,
    *,
    unit_id: str | None,
    staff: bool,
    status: Mapping[str, Sequence[UnitDeadline]],
    upcoming: Sequence[tuple[Any, int]],
    policy: Any,
) -> list[str]:
    """The timeline as HTML lines; a unit's focal point sees only the unit's deadlines."""

    def text(key: str, **values: object) -> str:
        return t_html(key, locale, **values)

    def when(moment: datetime) -> str:
        return format_when(moment, plan.timezone)

    lines = [
        text(
            "reminders.timeline_header",
            title=plan.title,
            start=when(plan.start),
            end=when(plan.end),
        )
    ]
    if plan.focus_start is not None and plan.focus_end is not None:
        lines.append(
            text(
                "reminders.timeline_focus", start=when(plan.focus_start), end=when(plan.focus_end)
            )
        )
    lines += ["", text("reminders.timeline_phases")]
    for phase in plan.phases:
        key = "timeline_phase_current" if phase.start <= now <= phase.end else "timeline_phase"
        lines.append(
            text(f"reminders.{key}", name=phase.name, start=when(phase.start), end=when(phase.end))
        )
    if plan.agenda:
        lines += ["", text("reminders.timeline_agenda")]
        for item in plan.agenda:
            if item.when is not None:
                lines.append(
                    text(
                        "reminders.timeline_activity_when",
                        number=item.number,
                        title=item.title,
                        when=when(item.when),
                    )
                )
            else:
                lines.append(
                    text("reminders.timeline_activity", number=item.number, title=item.title)
                )
    lines += ["", text("reminders.timeline_deadlines")]
    for deadline in plan.deadlines:
        if unit_id is not None and unit_id not in deadline.units:
            continue
        rows = status.get(deadline.id, [])
        if staff and rows:
            lines.append(
                text(
                    "reminders.timeline_deadline_state",
                    due=when(deadline.due),
                    title=deadline.title,
                    met=sum(1 for row in rows if row.met),
                    total=len(rows),
                )
            )
        else:
            lines.append(
                text("reminders.timeline_deadline", due=when(deadline.due), title=deadline.title)
            )
    lines += ["", text("reminders.timeline_next")]
    for slot, count in upcoming:
        at = when(slot.at)
        if slot.kind is SlotKind.PHASE:
            assert slot.phase is not None
            lines.append(
                text("reminders.timeline_slot_phase", at=at, phase=slot.phase.name, count=count)
            )
        elif slot.kind is SlotKind.DIGEST:
            lines.append(text("reminders.timeline_slot_digest", at=at))
        else:
            assert slot.deadline is not None
            kind = t(f"plan.kind_{slot.deadline.kind.value}", locale)
            key = (
                "reminders.timeline_slot_nudge"
                if slot.kind is SlotKind.NUDGE
                else "reminders.timeline_slot_escalation"
            )
            lines.append(text(key, at=at, kind=kind, count=count))
    if not upcoming:
        lines.append(text("reminders.timeline_none"))
    nudge = policy.nudge_time.strftime("%H:%M")
    if policy.quiet_hours is not None:
        quiet = "–".join(clock.strftime("%H:%M") for clock in policy.quiet_hours)
        lines.append(text("reminders.timeline_rules", nudge=nudge, quiet=quiet))
    else:
        lines.append(text("reminders.timeline_rules_no_quiet", nudge=nudge))
    return lines
