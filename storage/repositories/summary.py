"""The campaign summary as SQL aggregates over the latest version of each report.

Nothing here loads every report to count in Python. The newest version per (unit, task) comes
from the report heads, kept as each version is stored (one row per unit and task); asked about a
moment before the newest version, as a clock set back may ask, it is picked with a max(version)
subquery instead (served by the unique index on campaign, unit, task, version). Statuses, figures
and reminders are counted and summed by the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.progress import ALL_PERIODS
from bot.domain.records import OutboxStatus, ReportStatus
from bot.domain.summary import (
    ReminderCount,
    ReportVersion,
    StatusCount,
    TaskFigure,
    UnitFigure,
)
from storage.models import OutboxRow, ReportFigureRow, ReportHeadRow, ReportRow, TaskUnitRow
from storage.repositories._sql import (
    assigned_tasks,
    core_rows,
    core_stream,
    head_chains,
    heads_answer,
)

# Reminder kinds start with this (deadline nudges of the reminders dispatcher).
REMINDER_KIND_PREFIX = "deadline"


def _in_periods(periods: Mapping[str, str] | None) -> tuple[Any, ...]:
    """The condition keeping, of a task on a recurring deadline, its given period's reports."""
    if not periods:
        return ()
    return (or_(ReportRow.task_id.not_in(list(periods)),
                *(and_(ReportRow.task_id == task, ReportRow.period == label)
                  for task, label in periods.items())),)


def _latest(campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None,
            columns: Sequence[Any] = (), *, subquery: bool = True) -> Any:
    """A subquery of the newest report version per (unit, task) stored by `now` (of a task in
    `periods`, task id -> period label: the newest made for that period); with `columns`, those
    of its report instead of the id, unit, task, version, status and time; `subquery=False`:
    the select itself."""
    newest = (
        select(
            ReportRow.unit_id,
            ReportRow.task_id,
            func.max(ReportRow.version).label("version"),
        )
        .where(ReportRow.campaign_id == campaign_id, ReportRow.created_at <= now,
               *_in_periods(periods))
        .group_by(ReportRow.unit_id, ReportRow.task_id)
        .subquery("newest")
    )
    # Driven by the grouped versions (a left join keeps SQLite from reordering it): each one
    # finds its report through the unique index, where starting from the reports looked the
    # group up again for every version (half the time at 180,000 versions). Every group has
    # its report, so no row is left empty.
    statement = (
        select(*(columns or (
            ReportRow.id,
            ReportRow.unit_id,
            ReportRow.task_id,
            ReportRow.version,
            ReportRow.status,
            ReportRow.created_at,
        )))
        .select_from(newest)
        .join(
            ReportRow,
            and_(
                ReportRow.campaign_id == campaign_id,
                ReportRow.unit_id == newest.c.unit_id,
                ReportRow.task_id == newest.c.task_id,
                ReportRow.version == newest.c.version,
            ),
            isouter=True,
        )
    )
    return statement.subquery("latest") if subquery else statement


def _heads(campaign_id: str, periods: Mapping[str, str] | None = None) -> Any:
    """What `_latest` gives, read from the heads kept as reports are stored: one row per
    (unit, task) instead of a fold over every version (valid while none is newer than now)."""
    head = ReportHeadRow
    return (
        select(head.report_id.label("id"), head.unit_id, head.task_id, head.version,
               head.status, head.created_at)
        .where(head.campaign_id == campaign_id, head_chains(periods))
        .subquery("latest")
    )


def _figures_of(latest: Any) -> Any:
    """The latest reports' figures, for a left join from the reports: SQLite
    then walks the latest reports and looks their figures up by key, instead of taking every
    figure row and looking its report up among the latest (twice the time). A report without
    figures gives one row of None (skipped, or a None sum that HAVING drops)."""
    return latest.c.id == ReportFigureRow.report_id


_VERSION_COLUMNS = (
    ReportRow.id,
    ReportRow.unit_id,
    ReportRow.task_id,
    ReportRow.version,
    ReportRow.status,
    ReportRow.narrative,
    ReportRow.submitted_by_name,
    ReportRow.created_at,
)


def _interned() -> Any:
    """`same(text, text)`: one string object per distinct id or name (every row of a large
    read brings its own copy of the same unit and task ids otherwise); the dict's own method,
    called with the text twice, costs no Python frame per value."""
    seen: dict[str, str] = {}
    return seen.setdefault


_STATUSES = {status.value: status for status in ReportStatus}


async def _versions(partitions: Any) -> list[ReportVersion]:
    """Report versions from streamed rows (of `_VERSION_COLUMNS`)."""
    same = _interned()
    versions: list[ReportVersion] = []
    async for rows in partitions:
        versions += [
            ReportVersion(report_id, same(unit_id, unit_id), same(task_id, task_id), version,
                          _STATUSES[status], narrative, same(name, name), created_at)
            for report_id, unit_id, task_id, version, status, narrative, name, created_at
            in rows
        ]
    return versions


class SqlSummaryRepository:
    """Read-only aggregates for /summary and the exports; never writes."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _latest(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None
    ) -> Any:
        """The latest reports' subquery: from the heads when they answer for `now`."""
        if await heads_answer(self._session, now):
            return _heads(campaign_id, periods)
        return _latest(campaign_id, now, periods)

    async def status_counts(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> list[StatusCount]:
        """Per unit, how many assigned tasks stand at each status of their latest report."""
        latest = await self._latest(campaign_id, now, periods)
        statement = (
            assigned_tasks(select(TaskUnitRow.unit_id, latest.c.status, func.count()), campaign_id)
            .outerjoin(
                latest,
                and_(
                    latest.c.unit_id == TaskUnitRow.unit_id,
                    latest.c.task_id == TaskUnitRow.task_id,
                ),
            )
            .group_by(TaskUnitRow.unit_id, latest.c.status)
        )
        return [
            StatusCount(unit, _STATUSES[status] if status else None, int(count))
            for unit, status, count in await core_rows(self._session, statement)
        ]

    async def last_reported(self, campaign_id: str, now: datetime) -> dict[str, datetime]:
        """The time of each unit's most recent report (any task, any version)."""
        head = ReportHeadRow
        statement = (
            select(head.unit_id, func.max(head.last_at))
            .where(head.campaign_id == campaign_id, head.chain == ALL_PERIODS)
            .group_by(head.unit_id)
        ) if await heads_answer(self._session, now) else (
            select(ReportRow.unit_id, func.max(ReportRow.created_at))
            .where(ReportRow.campaign_id == campaign_id, ReportRow.created_at <= now)
            .group_by(ReportRow.unit_id)
        )
        return {unit: last for unit, last in await core_rows(self._session, statement)}

    async def figure_totals(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> dict[str, int]:
        """The sum of each figure over every unit's latest reports (blank figures skipped)."""
        latest = await self._latest(campaign_id, now, periods)
        total = func.sum(ReportFigureRow.value)
        statement = (
            select(ReportFigureRow.metric_id, total)
            .select_from(latest)
            .outerjoin(ReportFigureRow, _figures_of(latest))
            .group_by(ReportFigureRow.metric_id)
            .having(total.is_not(None))
        )
        return {
            metric: int(value)
            for metric, value in await core_rows(self._session, statement)
        }

    async def unit_figures(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> list[UnitFigure]:
        """The sum of each figure per unit over the unit's latest reports."""
        latest = await self._latest(campaign_id, now, periods)
        total = func.sum(ReportFigureRow.value)
        statement = (
            select(latest.c.unit_id, ReportFigureRow.metric_id, total)
            .select_from(latest)
            .outerjoin(ReportFigureRow, _figures_of(latest))
            .group_by(latest.c.unit_id, ReportFigureRow.metric_id)
            .having(total.is_not(None))
        )
        return [
            UnitFigure(unit, metric, int(value))
            for unit, metric, value in await core_rows(self._session, statement)
        ]

    async def task_figures(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> list[TaskFigure]:
        """Every figure of every latest report, by unit and task."""
        latest = await self._latest(campaign_id, now, periods)
        statement = (
            select(
                latest.c.unit_id,
                latest.c.task_id,
                ReportFigureRow.metric_id,
                ReportFigureRow.value,
            )
            .select_from(latest)
            .outerjoin(ReportFigureRow, _figures_of(latest))
            .order_by(latest.c.unit_id, latest.c.task_id, ReportFigureRow.metric_id)
        )
        same = _interned()
        figures: list[TaskFigure] = []
        async for rows in core_stream(self._session, statement):
            figures += [
                TaskFigure(same(unit, unit), same(task, task), same(metric, metric),
                           None if value is None else int(value))
                for unit, task, metric, value in rows
                if metric is not None  # a latest report without figures
            ]
        return figures

    async def latest_reports(
        self,
        campaign_id: str,
        now: datetime,
        *,
        unit_id: str | None = None,
        status: ReportStatus | None = None,
        limit: int | None = None,
        periods: Mapping[str, str] | None = None,
    ) -> list[ReportVersion]:
        """The latest report per (unit, task), newest first; optionally of one unit or status."""
        if await heads_answer(self._session, now):
            head = ReportHeadRow
            statement = (
                select(*_VERSION_COLUMNS)
                .select_from(head)
                .join(ReportRow, ReportRow.id == head.report_id)
                .where(head.campaign_id == campaign_id, head_chains(periods))
            )
            unit_column, status_column = head.unit_id, head.status
        else:
            statement = _latest(campaign_id, now, periods, _VERSION_COLUMNS, subquery=False)
            unit_column, status_column = ReportRow.unit_id, ReportRow.status
        statement = statement.order_by(ReportRow.created_at.desc(), ReportRow.id.desc())
        if unit_id is not None:
            statement = statement.where(unit_column == unit_id)
        if status is not None:
            statement = statement.where(status_column == status.value)
        if limit is not None:
            statement = statement.limit(limit)
        return await _versions(core_stream(self._session, statement))

    async def history(self, campaign_id: str, now: datetime) -> list[ReportVersion]:
        """Every stored report version, by unit, task and version."""
        statement = (
            select(*_VERSION_COLUMNS)
            .where(ReportRow.campaign_id == campaign_id, ReportRow.created_at <= now)
            .order_by(ReportRow.unit_id, ReportRow.task_id, ReportRow.version)
        )
        return await _versions(core_stream(self._session, statement))

    async def reminders(self, campaign_id: str, now: datetime) -> list[ReminderCount]:
        """Per unit, the deadline reminders delivered so far and when the last one went."""
        statement = (
            select(OutboxRow.recipient_unit_id, func.count(), func.max(OutboxRow.sent_at))
            .where(
                OutboxRow.status == OutboxStatus.SENT.value,
                OutboxRow.kind.startswith(REMINDER_KIND_PREFIX),
                OutboxRow.recipient_unit_id.is_not(None),
                or_(OutboxRow.campaign_id == campaign_id, OutboxRow.campaign_id.is_(None)),
                or_(OutboxRow.sent_at.is_(None), OutboxRow.sent_at <= now),
            )
            .group_by(OutboxRow.recipient_unit_id)
        )
        return [
            ReminderCount(unit, int(count), last)
            for unit, count, last in await core_rows(self._session, statement)
        ]
