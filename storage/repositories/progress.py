"""Deadline status per unit, computed with SQL aggregates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.plan import Deadline, DeadlineKind
from bot.domain.progress import (
    DeadlineState,
    ReportMark,
    UnitDeadline,
    consolidation_states,
    issued_for,
    report_states,
)
from storage.models import (
    AuditRow,
    FocalPointRow,
    ReportRow,
    TaskRow,
    TaskUnitRow,
)
from storage.repositories._sql import assigned_tasks

# The consolidating unit marked its consolidated report as issued (report.consolidated is a
# draft export and meets nothing).
ISSUED = "report.issued"


def _state(met_at: datetime | None, complete: bool, due: datetime) -> DeadlineState:
    if not complete or met_at is None:
        return DeadlineState.MISSING
    return DeadlineState.ON_TIME if met_at <= due else DeadlineState.LATE


class SqlProgressRepository:
    """Reads of who met which deadline; never writes."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def deadline_status(
        self, campaign_id: str, deadline: Deadline, now: datetime
    ) -> list[UnitDeadline]:
        """Each of the deadline's units against it, as of `now` (later rows are ignored)."""
        if deadline.kind is DeadlineKind.REGISTRATION:
            met = await self._registrations(campaign_id, deadline.units, now)
            return [
                UnitDeadline(deadline.id, unit, _state(met.get(unit), unit in met, deadline.due),
                             met.get(unit))
                for unit in deadline.units
            ]
        if deadline.kind is DeadlineKind.CONSOLIDATION:
            return consolidation_states(
                deadline, await self._issued(campaign_id, deadline, now)
            )
        return await self._reports(campaign_id, deadline, now)

    async def _registrations(
        self, campaign_id: str, units: tuple[str, ...], now: datetime
    ) -> dict[str, datetime]:
        current = (
            select(FocalPointRow.unit_id)
            .where(
                FocalPointRow.campaign_id == campaign_id,
                FocalPointRow.role == "focal_point",
                FocalPointRow.registered_at <= now,
                or_(FocalPointRow.ended_at.is_(None), FocalPointRow.ended_at > now),
            )
            .scalar_subquery()
        )
        statement = (
            select(FocalPointRow.unit_id, func.min(FocalPointRow.registered_at))
            .where(
                FocalPointRow.campaign_id == campaign_id,
                FocalPointRow.role == "focal_point",
                FocalPointRow.unit_id.in_(units),
                FocalPointRow.registered_at <= now,
                FocalPointRow.unit_id.in_(current),
            )
            .group_by(FocalPointRow.unit_id)
        )
        return {unit: first for unit, first in (await self._session.execute(statement)).all()}

    async def _issued(
        self, campaign_id: str, deadline: Deadline, now: datetime
    ) -> dict[str, datetime]:
        """When each unit's issue of its consolidated report met the deadline (drafts never
        count): its first issue, or for one period of a recurring deadline the first issue
        counted for that period (`issued_for`)."""
        statement = (
            select(AuditRow.unit_id, AuditRow.at)
            .where(
                AuditRow.campaign_id == campaign_id,
                AuditRow.action == ISSUED,
                AuditRow.unit_id.in_(deadline.units),
                AuditRow.at <= now,
            )
            .order_by(AuditRow.at)
        )
        issues: dict[str, list[datetime]] = {}
        for unit, at in (await self._session.execute(statement)).all():
            issues.setdefault(unit, []).append(at)
        period = deadline.period
        if period is None or (deadline.due, period.end) not in period.schedule:
            return {unit: moments[0] for unit, moments in issues.items()}
        index = period.schedule.index((deadline.due, period.end))
        met = {unit: issued_for(period.schedule, moments).get(index)
               for unit, moments in issues.items()}
        return {unit: at for unit, at in met.items() if at is not None}

    async def _reports(
        self, campaign_id: str, deadline: Deadline, now: datetime
    ) -> list[UnitDeadline]:
        # The stored assignments say what is due; the domain says what counts as met.
        assigned = (
            assigned_tasks(select(TaskUnitRow.unit_id, TaskUnitRow.task_id), campaign_id)
            .where(
                TaskUnitRow.unit_id.in_(deadline.units),
                or_(TaskRow.deadline_id.in_({deadline.id, deadline.rule}),
                    TaskRow.deadline_id.is_(None)),
            )
            .order_by(TaskUnitRow.unit_id, TaskRow.sort_order)
        )
        due: dict[str, list[str]] = {}
        for unit, task in (await self._session.execute(assigned)).all():
            due.setdefault(unit, []).append(task)
        versions = (
            assigned_tasks(
                select(ReportRow.unit_id, ReportRow.task_id, ReportRow.version,
                       ReportRow.status, ReportRow.created_at, ReportRow.period)
                .select_from(TaskUnitRow),
                campaign_id,
            )
            .join(
                ReportRow,
                and_(
                    ReportRow.campaign_id == TaskUnitRow.campaign_id,
                    ReportRow.unit_id == TaskUnitRow.unit_id,
                    ReportRow.task_id == TaskUnitRow.task_id,
                ),
            )
            .where(
                TaskUnitRow.unit_id.in_(deadline.units),
                or_(TaskRow.deadline_id.in_({deadline.id, deadline.rule}),
                    TaskRow.deadline_id.is_(None)),
                ReportRow.created_at <= now,
            )
        )
        marks = [
            ReportMark(unit, task, version, status, at, period)
            for unit, task, version, status, at, period
            in (await self._session.execute(versions)).all()
        ]
        return report_states(deadline, due, marks)
