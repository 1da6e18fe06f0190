"""Deadline status per unit, computed with SQL aggregates."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.plan import Deadline, DeadlineKind
from bot.domain.progress import (
    DeadlineState,
    UnitDeadline,
    UnitTasks,
    consolidation_states,
    unit_states,
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


def _since(deadline: Deadline) -> datetime | None:
    """A period's consolidated report counts once its data is cut off (the day after its
    window), so that last week's issue never meets this week's deadline."""
    if deadline.period is None:
        return None
    day_after = deadline.period.end + timedelta(days=1)
    return datetime.combine(day_after, time(0, 0), deadline.due.tzinfo)


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
                deadline, await self._issued(campaign_id, deadline.units, now, _since(deadline))
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
        self, campaign_id: str, units: tuple[str, ...], now: datetime,
        since: datetime | None = None,
    ) -> dict[str, datetime]:
        """When each unit first marked its consolidated report as issued (drafts never count),
        counting from `since` (a period's cut-off) when given."""
        statement = (
            select(AuditRow.unit_id, func.min(AuditRow.at))
            .where(
                AuditRow.campaign_id == campaign_id,
                AuditRow.action == ISSUED,
                AuditRow.unit_id.in_(units),
                AuditRow.at <= now,
                *((AuditRow.at >= since,) if since is not None else ()),
            )
            .group_by(AuditRow.unit_id)
        )
        return {unit: at for unit, at in (await self._session.execute(statement)).all()}

    async def _reports(
        self, campaign_id: str, deadline: Deadline, now: datetime
    ) -> list[UnitDeadline]:
        # The stored assignments say what is due; the domain says what counts as met. The
        # database folds every version into one row per unit (a national campaign has 180,000
        # versions, too many to fetch for a summary), exactly as `done_at` folds them: a task
        # was done at the first version of its last unbroken run of "done" versions.
        def due_here(statement: Any) -> Any:
            return statement.where(
                TaskUnitRow.unit_id.in_(deadline.units),
                or_(TaskRow.deadline_id.in_({deadline.id, deadline.rule}),
                    TaskRow.deadline_id.is_(None)),
            )

        assigned = due_here(
            assigned_tasks(select(TaskUnitRow.unit_id, func.count()), campaign_id)
        ).group_by(TaskUnitRow.unit_id)
        due = {unit: int(count) for unit, count in await self._rows(assigned)}
        label = deadline.period.label if deadline.period else None
        versions = due_here(
            assigned_tasks(
                select(ReportRow.unit_id, ReportRow.task_id, ReportRow.version,
                       ReportRow.status, ReportRow.created_at)
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
                ReportRow.created_at <= now,
                # A periodic deadline counts the reports made for its period only.
                *((ReportRow.period == label,) if label is not None else ()),
            )
        ).cte("versions")
        pair = (versions.c.unit_id, versions.c.task_id)
        # Per (unit, task): the last version that is not "done" (None: all of them are).
        broken = (
            select(*pair, func.max(case((versions.c.status != "done", versions.c.version)))
                   .label("broken"))
            .group_by(*pair)
            .cte("broken")
        )
        same = and_(versions.c.unit_id == broken.c.unit_id,
                    versions.c.task_id == broken.c.task_id)
        run = (
            select(*pair, func.min(versions.c.version).label("first"))
            .join(broken, same)
            .where(or_(broken.c.broken.is_(None), versions.c.version > broken.c.broken))
            .group_by(*pair)
            .cte("run")
        )
        finished = (
            select(run.c.unit_id, run.c.task_id, versions.c.created_at.label("done_at"))
            .join(versions, and_(versions.c.unit_id == run.c.unit_id,
                                 versions.c.task_id == run.c.task_id,
                                 versions.c.version == run.c.first))
            .cte("finished")
        )
        per_unit = (
            select(broken.c.unit_id, func.count(), func.count(finished.c.done_at),
                   func.max(finished.c.done_at))
            .outerjoin(finished, and_(finished.c.unit_id == broken.c.unit_id,
                                      finished.c.task_id == broken.c.task_id))
            .group_by(broken.c.unit_id)
        )
        folded = {
            unit: UnitTasks(int(reported), int(done), met_at)
            for unit, reported, done, met_at in await self._rows(per_unit)
        }
        return unit_states(deadline, due, folded)

    async def _rows(self, statement: Any) -> list[Any]:
        """Plain tuples through the Core connection (no ORM bookkeeping per row)."""
        connection = await self._session.connection()
        return list((await connection.execute(statement)).tuples())
