"""Recurring deadlines: one deadline per week, month, quarter or year, with its data window.

A week's report is due on a weekday and covers the 7 days before that day. A month's (a
quarter's, a year's) is due on a day of the month and covers the previous month (quarter,
calendar year), or the window the plan gives by day of month: ``from_day: 15, to_day: 14``
covers the 15th of the previous month to the 14th of the due's month (Decree 09/2019/NĐ-CP,
art. 12). A period is named after the week (ISO), month, quarter or year its window ends in:
2026-W47, 2026-11, 2026-Q4, 2026.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from bot.domain.plan import Every, Period

MONTHS_IN = {Every.MONTH: 1, Every.QUARTER: 3, Every.YEAR: 12}


def _on_day(year: int, month: int, day: int) -> date:
    """The day of that month, or its last day when it has fewer (31 → 30/11)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _latest_on_or_before(limit: date, day: int) -> date:
    """The latest date on or before `limit` that falls on `day` of its month (clamped)."""
    candidate = _on_day(limit.year, limit.month, day)
    if candidate <= limit:
        return candidate
    year, month = _shift(limit.year, limit.month, -1)
    return _on_day(year, month, day)


def due_days(every: Every, first: date, last: date, *, weekday: int = 1, day: int = 1,
             month: int = 1) -> Iterator[date]:
    """The due days from `first` to `last` (both included)."""
    if every is Every.WEEK:
        current = first + timedelta(days=(weekday - 1 - first.weekday()) % 7)
        while current <= last:
            yield current
            current += timedelta(days=7)
        return
    year, mon = first.year, first.month
    if every is Every.YEAR:
        year, mon = first.year, month
    elif every is Every.QUARTER:
        # Quarters' months 1–3: Jan/Apr/Jul/Oct are month 1.
        year, mon = _shift(year, mon, -((mon - 1) % 3) + month - 1)
    step = MONTHS_IN[every]
    while True:
        current = _on_day(year, mon, day)
        if current > last:
            return
        if current >= first:
            yield current
        year, mon = _shift(year, mon, step)


def window(every: Every, due: date, from_day: int | None = None,
           to_day: int | None = None) -> tuple[date, date]:
    """The first and last day of the data a report due on `due` covers."""
    if every is Every.WEEK:
        return due - timedelta(days=7), due - timedelta(days=1)
    months = MONTHS_IN[every]
    if from_day is None or to_day is None:
        if every is Every.YEAR:  # the calendar year before the due's
            return date(due.year - 1, 1, 1), date(due.year - 1, 12, 31)
        if every is Every.MONTH:
            year, mon = _shift(due.year, due.month, -1)
        else:  # the last full quarter before the due's month
            year, mon = _shift(due.year, due.month, -1 - (due.month - 1) % 3)
            year, mon = _shift(year, mon, -((mon - 1) % 3))
        end_year, end_mon = _shift(year, mon, months - 1)
        return date(year, mon, 1), _on_day(end_year, end_mon, 31)
    end = _latest_on_or_before(due, to_day)
    year, mon = _shift(end.year, end.month, -(months - 1))
    start = _latest_on_or_before(_on_day(year, mon, end.day), from_day)
    if start >= end and months == 1:
        start = _latest_on_or_before(end - timedelta(days=1), from_day)
    return start, end


def period(rule: str, every: Every, start: date, end: date) -> Period:
    """The period whose window is `start`–`end`, named after where the window ends."""
    if every is Every.WEEK:
        year, number, _ = end.isocalendar()
        label = f"{year}-W{number:02d}"
    elif every is Every.MONTH:
        year, number = end.year, end.month
        label = f"{year}-{number:02d}"
    elif every is Every.YEAR:
        year = number = end.year
        label = str(year)
    else:
        year, number = end.year, (end.month - 1) // 3 + 1
        label = f"{year}-Q{number}"
    return Period(rule=rule, every=every, label=label, number=number, year=year,
                  start=start, end=end)
