"""Working days of Vietnamese state bodies: Monday to Friday, public holidays off.

A reporting due that falls on a day off may be moved to the next working day (a plan's
``on_day_off: next_working_day``); unattended messages skip Sundays and holidays (schedule).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


@lru_cache(maxsize=16)
def public_holidays(year: int) -> frozenset[date]:
    """Vietnam's public holidays of a year (lunar ones and days off in lieu included)."""
    # Imported on first use: the library builds its country tables lazily and is large.
    import holidays

    return frozenset(holidays.country_holidays("VN", years=year))


def is_holiday(day: date) -> bool:
    """Whether the day is a Vietnamese public holiday."""
    return day in public_holidays(day.year)


def is_day_off(day: date) -> bool:
    """Whether state offices are closed that day: a Saturday, a Sunday or a public holiday."""
    return day.weekday() >= 5 or is_holiday(day)


def next_working_day(day: date) -> date:
    """The day itself if offices work then, else the first working day after it."""
    while is_day_off(day):
        day += timedelta(days=1)
    return day
