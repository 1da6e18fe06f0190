"""When the bot may speak on its own: quiet hours, working days, nudge offsets, grace.

Everything here is pure: moments in, moments out, in the plan's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import workdays

_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3])[:hH]([0-5]\d)\s*$")
_OFFSET = re.compile(r"^\s*(\d{1,3})\s*([dh])\s*$")
_OFF = {"", "off", "none", "no", "0", "false", "tắt", "khong", "không"}


def parse_clock(text: str) -> time:
    """A time of day written "08:00" (or "8h00")."""
    match = _CLOCK.match(text)
    if match is None:
        raise ValueError(f"expected a time of day like 08:00, got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """Quiet hours written "21:00-07:00"; None when switched off ("", "off")."""
    if text.strip().lower() in _OFF:
        return None
    parts = re.split(r"\s*[-–]\s*", text.strip())
    if len(parts) != 2:
        raise ValueError(f"expected quiet hours like 21:00-07:00, got {text!r}")
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start == end:
        raise ValueError("quiet hours must not start and end at the same time")
    return start, end


@dataclass(frozen=True)
class NudgeOffset:
    """How long before a deadline a nudge goes: whole days (at the nudge time) or hours."""

    amount: int
    unit: str  # "d" or "h"

    @property
    def label(self) -> str:
        """The offset as it appears in outbox keys: T-3d, T-12h."""
        return f"T-{self.amount}{self.unit}"


def parse_offsets(text: str) -> tuple[NudgeOffset, ...]:
    """Nudge offsets written "3d,1d,0d" (days) or with hours ("12h"); "" means none."""
    if text.strip().lower() in _OFF - {"0"}:
        return ()
    offsets = []
    for part in text.split(","):
        match = _OFFSET.match(part)
        if match is None:
            raise ValueError(f"expected offsets like 3d,1d,0d or 12h, got {part.strip()!r}")
        offset = NudgeOffset(int(match.group(1)), match.group(2))
        if offset not in offsets:
            offsets.append(offset)
    return tuple(offsets)


@dataclass(frozen=True)
class ReminderPolicy:
    """The rules of unattended messages, read from the settings."""

    timezone: str
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(7, 0))
    nudge_offsets: tuple[NudgeOffset, ...] = field(
        default=(NudgeOffset(3, "d"), NudgeOffset(1, "d"), NudgeOffset(0, "d"))
    )
    nudge_time: time = time(8, 0)
    overdue_nudges_max: int = 5
    grace: timedelta = timedelta(hours=12)
    skip_sundays: bool = True
    skip_holidays: bool = True
    digest_time: time = time(17, 0)

    @cached_property
    def zone(self) -> ZoneInfo:
        """The plan's time zone."""
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A moment in the plan's time zone."""
        return moment.astimezone(self.zone)

    def at(self, day: date, clock: time) -> datetime:
        """A local day and time of day as an aware moment."""
        return datetime.combine(day, clock, tzinfo=self.zone)

    # --- working days ---------------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        """Whether the day is a Vietnamese public holiday (lunar holidays included)."""
        return workdays.is_holiday(day)

    def is_working_day(self, day: date) -> bool:
        """Whether unattended messages may go on this day (Sundays and holidays if skipped)."""
        if self.skip_sundays and day.weekday() == 6:
            return False
        return not (self.skip_holidays and self.is_holiday(day))

    def working_days_after(self, day: date) -> Iterator[date]:
        """The working days after a day, in order (endless)."""
        current = day
        while True:
            current += timedelta(days=1)
            if self.is_working_day(current):
                yield current

    # --- quiet hours ----------------------------------------------------------------------

    def in_quiet_hours(self, moment: datetime) -> bool:
        """Whether nothing but answers may be sent at this moment."""
        if self.quiet_hours is None:
            return False
        start, end = self.quiet_hours
        clock = self.local(moment).time()
        if start < end:
            return start <= clock < end
        return clock >= start or clock < end

    @property
    def quiet_length(self) -> timedelta:
        """How long the quiet hours last each night (zero when there are none)."""
        if self.quiet_hours is None:
            return timedelta(0)
        start, end = (datetime.combine(date(2000, 1, 1), clock) for clock in self.quiet_hours)
        return (end - start) % timedelta(days=1)

    def quiet_end(self, moment: datetime) -> datetime:
        """The first moment at or after `moment` outside quiet hours."""
        if not self.in_quiet_hours(moment):
            return moment
        assert self.quiet_hours is not None
        end = self.quiet_hours[1]
        local = self.local(moment)
        candidate = self.at(local.date(), end)
        if candidate <= local:
            candidate = self.at(local.date() + timedelta(days=1), end)
        return candidate

    def deliverable(self, moment: datetime) -> datetime:
        """The moment moved out of quiet hours, then on to a working day (same time of day)."""
        local = self.local(self.quiet_end(moment))
        while not self.is_working_day(local.date()):
            local = self.at(local.date() + timedelta(days=1), local.time())
        return local


def policy_from_settings(settings: Any, timezone: str) -> ReminderPolicy:
    """The reminder policy described by the settings, in the plan's time zone."""
    return ReminderPolicy(
        timezone=timezone,
        quiet_hours=parse_quiet_hours(settings.quiet_hours),
        nudge_offsets=parse_offsets(settings.nudge_offsets),
        nudge_time=parse_clock(settings.nudge_time),
        overdue_nudges_max=settings.overdue_nudges_max,
        grace=timedelta(hours=settings.reminder_grace_hours),
        skip_sundays=settings.skip_sundays,
        skip_holidays=settings.skip_holidays,
        digest_time=parse_clock(settings.digest_time),
    )
