"""Whether a plan's dates are already behind today: said once, before the bot runs for real."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.plan import DeadlineKind, Plan


@dataclass(frozen=True)
class PastPlan:
    """A plan whose campaign ended, or whose focal-point deadline passed, before `now`."""

    key: str  # "ended" or "registration_passed"
    when: datetime  # the end, or the deadline, that is behind us
    days: int  # how many days ago
    rehearse_on: date  # an --event-date that makes the campaign start tomorrow


def past_plan(plan: Plan, now: datetime) -> PastPlan | None:
    """What of the plan is already over at `now` (None: nothing, the plan is ahead)."""
    zone = ZoneInfo(plan.timezone)
    today = now.astimezone(zone).date()
    # Moving the event date by this much starts the campaign tomorrow (every date moves with it).
    start = plan.start.astimezone(zone).date()
    rehearse_on = plan.event_date + (today - start) + timedelta(days=1)
    if plan.end < now:
        return PastPlan("ended", plan.end, (now - plan.end).days, rehearse_on)
    registration = [d.due for d in plan.deadlines if d.kind is DeadlineKind.REGISTRATION]
    if registration and max(registration) < now:
        due = max(registration)
        return PastPlan("registration_passed", due, (now - due).days, rehearse_on)
    return None
