"""What the summary reads from storage: aggregates over the latest version of each report.

A unit's report on a task may have several versions; only the newest one counts for status and
figures, the earlier ones are history (listed in the spreadsheet export).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.records import ReportStatus


@dataclass(frozen=True, slots=True)
class StatusCount:
    """How many of a unit's assigned tasks stand at a status (None: never reported)."""

    unit_id: str
    status: ReportStatus | None
    count: int


@dataclass(frozen=True, slots=True)
class UnitFigure:
    """The total of one figure over a unit's latest reports."""

    unit_id: str
    metric_id: str
    total: int


@dataclass(frozen=True, slots=True)
class TaskFigure:
    """One figure of the latest report of a unit on a task (None: left blank)."""

    unit_id: str
    task_id: str
    metric_id: str
    value: int | None


@dataclass(frozen=True, slots=True)
class ReportVersion:
    """One stored report version, without its figures."""

    id: int
    unit_id: str
    task_id: str
    version: int
    status: ReportStatus
    narrative: str
    submitted_by_name: str
    created_at: datetime


@dataclass(frozen=True)
class ReminderCount:
    """The deadline reminders already delivered to a unit."""

    unit_id: str
    count: int
    last_sent_at: datetime | None
