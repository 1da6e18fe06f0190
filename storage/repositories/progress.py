"""Deadline status per unit, computed with SQL aggregates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.plan import Deadline, DeadlineKind
from bot.domain.progress import (
    ALL_PERIODS,
    DeadlineState,
    Tally,
    UnitDeadline,
    UnitTasks,
    consolidation_states,
    issued_for,
    unit_states,
)
from storage.models import (
    AuditRow,
    FocalPointRow,
    ReportHeadRow,
    ReportRow,
    TaskRow,
    TaskUnitRow,
    UtcDateTime,
)
from storage.repositories._sql import assigned_tasks, core_rows, head_chains, heads_answer

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

    async def tallies(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> list[Tally] | None:
        """Per unit, task deadline and latest status, its active assignments (a task in
        `periods` counted by that period's reports), how many are done and when the last of
        them was: in one pass, what the summary's status counts and its one-off report
        deadlines need. None when the report heads do not answer for `now` (a clock set back):
        `deadline_status` and the summary's status counts then fold the versions."""
        if not await heads_answer(self._session, now):
            return None
        head = ReportHeadRow
        heads = (
            select(head.unit_id, head.task_id, head.status, head.done_since)
            .where(head.campaign_id == campaign_id, head_chains(periods))
            .subquery("heads")
        )
        statement = (
            assigned_tasks(select(
                TaskUnitRow.unit_id, TaskRow.deadline_id, heads.c.status, func.count(),
                func.count(heads.c.done_since),
                type_coerce(func.max(heads.c.done_since), UtcDateTime()),
            ), campaign_id)
            .outerjoin(heads, and_(heads.c.unit_id == TaskUnitRow.unit_id,
                                   heads.c.task_id == TaskUnitRow.task_id))
            .group_by(TaskUnitRow.unit_id, TaskRow.deadline_id, heads.c.status)
        )
        return [
            Tally(unit, deadline_id, status, int(count), int(done), last)
            for unit, deadline_id, status, count, done, last in await self._rows(statement)
        ]

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
        # The stored assignments say what is due; the domain says what counts as met. The
        # database folds the versions into one row per unit (a national campaign has 180,000
        # versions, too many to fetch for a summary), exactly as `done_at` folds them: a task
        # was done at the first version of its last unbroken run of "done" versions. Units
        # outside the deadline are left to `unit_states` to pass over (cheaper than a long IN).
        def due_here(statement: Any) -> Any:
            return assigned_tasks(
                statement, campaign_id,
                or_(TaskRow.deadline_id.in_({deadline.id, deadline.rule}),
                    TaskRow.deadline_id.is_(None)),
            )

        assigned = due_here(select(TaskUnitRow.unit_id, func.count())).group_by(
            TaskUnitRow.unit_id)
        due = {unit: int(count) for unit, count in await self._rows(assigned)}
        label = deadline.period.label if deadline.period else None
        if await heads_answer(self._session, now):
            # The heads keep `done_at` folded as each version is stored.
            head = ReportHeadRow
            heads = (
                select(head.unit_id, head.task_id, head.done_since.label("done_at"))
                .where(head.campaign_id == campaign_id, head.chain == (label or ALL_PERIODS))
                .subquery("heads")
            )
            tasks = (
                due_here(select(heads.c.unit_id, heads.c.done_at).select_from(TaskUnitRow))
                .join(heads, and_(heads.c.unit_id == TaskUnitRow.unit_id,
                                  heads.c.task_id == TaskUnitRow.task_id))
                .subquery("tasks")
            )
            return unit_states(deadline, due, await self._per_unit(tasks))
        # A periodic deadline counts the reports made for its period only.
        in_period = (ReportRow.period == label,) if label is not None else ()
        folded = (
            select(
                ReportRow.unit_id,
                ReportRow.task_id,
                func.max(ReportRow.version).label("latest"),
                # The last version that is not "done" (None: every one is).
                func.max(case((ReportRow.status != "done", ReportRow.version))).label("broken"),
            )
            .where(ReportRow.campaign_id == campaign_id, ReportRow.created_at <= now,
                   *in_period)
            .group_by(ReportRow.unit_id, ReportRow.task_id)
            .cte("folded")
        )
        run = aliased(ReportRow)
        run_start = (
            select(run.created_at)
            .where(
                run.campaign_id == campaign_id,
                run.unit_id == folded.c.unit_id,
                run.task_id == folded.c.task_id,
                run.version > func.coalesce(folded.c.broken, -1),
                run.created_at <= now,
                *((run.period == label,) if label is not None else ()),
            )
            .order_by(run.version)
            .limit(1)
            .scalar_subquery()
        )
        done_at = case(
            (or_(folded.c.broken.is_(None), folded.c.broken < folded.c.latest), run_start)
        ).label("done_at")
        tasks = (
            due_here(select(folded.c.unit_id, done_at).select_from(TaskUnitRow))
            .join(folded, and_(folded.c.unit_id == TaskUnitRow.unit_id,
                               folded.c.task_id == TaskUnitRow.task_id))
            .subquery("tasks")
        )
        return unit_states(deadline, due, await self._per_unit(tasks))

    async def _per_unit(self, tasks: Any) -> dict[str, UnitTasks]:
        """Per unit, its tasks reported, those done and when the last of them was."""
        per_unit = select(
            tasks.c.unit_id, func.count(), func.count(tasks.c.done_at),
            type_coerce(func.max(tasks.c.done_at), UtcDateTime()),
        ).group_by(tasks.c.unit_id)
        return {
            unit: UnitTasks(int(reported), int(done), met_at)
            for unit, reported, done, met_at in await self._rows(per_unit)
        }

    async def _rows(self, statement: Any) -> list[Any]:
        return await core_rows(self._session, statement)
