"""Deadline status per unit, computed with SQL aggregates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.plan import Deadline, DeadlineKind
from bot.domain.progress import DeadlineState, UnitDeadline
from storage.models import (
    AuditRow,
    FocalPointRow,
    ReportRow,
    TaskRow,
    TaskUnitRow,
)
from storage.repositories._sql import assigned_tasks

CONSOLIDATED = "report.consolidated"


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
            met_at = await self._consolidated(campaign_id, now)
            return [
                UnitDeadline(deadline.id, unit, _state(met_at, met_at is not None, deadline.due),
                             met_at)
                for unit in deadline.units
            ]
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

    async def _consolidated(self, campaign_id: str, now: datetime) -> datetime | None:
        statement = select(func.min(AuditRow.at)).where(
            AuditRow.campaign_id == campaign_id,
            AuditRow.action == CONSOLIDATED,
            AuditRow.at <= now,
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def _reports(
        self, campaign_id: str, deadline: Deadline, now: datetime
    ) -> list[UnitDeadline]:
        first_reports = (
            select(
                ReportRow.unit_id,
                ReportRow.task_id,
                func.min(ReportRow.created_at).label("first_at"),
            )
            .where(ReportRow.campaign_id == campaign_id, ReportRow.created_at <= now)
            .group_by(ReportRow.unit_id, ReportRow.task_id)
            .subquery()
        )
        counts = select(
            TaskUnitRow.unit_id,
            func.count(TaskUnitRow.task_id),
            func.count(first_reports.c.first_at),
            func.max(first_reports.c.first_at),
        )
        statement = (
            assigned_tasks(counts, campaign_id)
            .outerjoin(
                first_reports,
                and_(
                    first_reports.c.unit_id == TaskUnitRow.unit_id,
                    first_reports.c.task_id == TaskUnitRow.task_id,
                ),
            )
            .where(
                TaskUnitRow.unit_id.in_(deadline.units),
                or_(TaskRow.deadline_id == deadline.id, TaskRow.deadline_id.is_(None)),
            )
            .group_by(TaskUnitRow.unit_id)
        )
        rows = {
            unit: (total, reported, last)
            for unit, total, reported, last in (await self._session.execute(statement)).all()
        }
        result = []
        for unit in deadline.units:
            total, reported, last = rows.get(unit, (0, 0, None))
            complete = total > 0 and reported == total
            result.append(
                UnitDeadline(deadline.id, unit, _state(last, complete, deadline.due),
                             last if complete else None, total, reported)
            )
        return result
