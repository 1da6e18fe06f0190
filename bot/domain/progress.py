"""Whether units met a deadline: the one definition used by summaries and reminders alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DeadlineState(StrEnum):
    """Where one unit stands against one deadline."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"


@dataclass(frozen=True)
class UnitDeadline:
    """One unit against one deadline.

    registration: met once the unit has a current focal point (on time if its first
    registration came by the due time). report: met once the unit has reported on every
    task it leads or cooperates on that falls under the deadline (on time if the last of
    those first reports came by the due time). consolidation: met once the consolidated
    report was produced (audit action `report.consolidated`).
    """

    deadline_id: str
    unit_id: str
    state: DeadlineState
    met_at: datetime | None
    tasks_total: int = 0
    tasks_reported: int = 0

    @property
    def met(self) -> bool:
        """Whether the deadline is met (on time or late)."""
        return self.state is not DeadlineState.MISSING
