"""Date-time expressions of the plan file, absolute or relative to the event date.

Grammar (one of):

- absolute: ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` (a ``T`` may replace the space);
- relative to ``event_date``: a signed number of days or weeks, optionally followed by a
  time of day: ``-7d``, ``+5d 17:00``, ``0d 08:00``, ``+2w``, ``-1w 09:30``.

Every value is local time in the plan's time zone. When no time of day is written, the field
decides (see ``START_OF_DAY``, ``END_OF_DAY`` and ``DEADLINE_TIME``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A start (campaign, focus, phase, agenda activity) with no hour begins at midnight.
START_OF_DAY = time(0, 0)
# An end with no hour includes the whole day: "05/12 – 15/12" covers all of 15/12.
END_OF_DAY = time(23, 59, 59)
# A deadline with no hour closes with the office day, as the plan brief requires.
DEADLINE_TIME = time(17, 0)

WHEN_PATTERN = r"^(\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2})?|[+-]?\d{1,4}[dw]( \d{1,2}:\d{2})?)$"
WHEN_EXAMPLES = ("2023-11-28", "2023-11-28 17:00", "-7d", "+5d 17:00", "0d 08:00", "+2w")

_ABSOLUTE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?")
_RELATIVE = re.compile(r"([+-]?)(\d{1,4})([dw])(?: (\d{1,2}):(\d{2}))?")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class WhenError(ValueError):
    """A date-time expression that cannot be read; ``reason`` is 'syntax' or 'range'."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{reason}: {value!r}")
        self.value = value
        self.reason = reason


@dataclass(frozen=True)
class When:
    """A parsed expression: an absolute day or an offset in days, and maybe a time of day."""

    day: date | None
    offset_days: int | None
    at: time | None

    @property
    def is_relative(self) -> bool:
        """Whether the expression moves with the event date."""
        return self.offset_days is not None

    def resolve(self, event_date: date, tz: ZoneInfo, default_time: time) -> datetime:
        """The aware date-time in ``tz``, using ``default_time`` when no hour was written."""
        if self.offset_days is not None:
            day = event_date + timedelta(days=self.offset_days)
        else:
            assert self.day is not None
            day = self.day
        return datetime.combine(day, self.at or default_time, tzinfo=tz)


def _time_of(hour: str | None, minute: str | None, text: str) -> time | None:
    if hour is None or minute is None:
        return None
    try:
        return time(int(hour), int(minute))
    except ValueError:
        raise WhenError(text, "range") from None


def parse_when(text: str) -> When:
    """Parse an absolute or relative date-time expression (raises WhenError)."""
    value = text.strip()
    if match := _ABSOLUTE.fullmatch(value):
        year, month, day, hour, minute = match.groups()
        try:
            absolute = date(int(year), int(month), int(day))
        except ValueError:
            raise WhenError(text, "range") from None
        return When(day=absolute, offset_days=None, at=_time_of(hour, minute, text))
    if match := _RELATIVE.fullmatch(value):
        sign, number, unit, hour, minute = match.groups()
        days = int(number) * (7 if unit == "w" else 1)
        return When(
            day=None, offset_days=-days if sign == "-" else days, at=_time_of(hour, minute, text)
        )
    raise WhenError(text, "syntax")


def parse_date(text: str) -> date:
    """Parse a strict ``YYYY-MM-DD`` calendar date (raises WhenError)."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise WhenError(text, "syntax")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise WhenError(text, "range") from None
