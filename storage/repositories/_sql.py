"""Helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def upsert_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT for the session's dialect that supports ON CONFLICT (SQLite or PostgreSQL)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no ON CONFLICT support for {name}")


async def core_rows(session: AsyncSession, statement: Any) -> list[Any]:
    """A select's rows as plain tuples through the session's Core connection: no ORM
    bookkeeping per row (a national campaign's exports read hundreds of thousands)."""
    connection = await session.connection()
    return list(await connection.execute(statement))


async def core_stream(session: AsyncSession, statement: Any, size: int = 5000) -> Any:
    """A select's rows as plain tuples, `size` at a time (never all at once): each item is a
    list of rows, looped over without an await per row (hundreds of thousands in an export)."""
    connection = await session.connection()
    result = await connection.stream(statement.execution_options(yield_per=size))
    async for partition in result.partitions(size):
        yield partition


async def heads_answer(session: AsyncSession, now: datetime) -> bool:
    """Whether the report heads answer for `now`: no version was stored after it (a clock set
    back, as the sandbox and tests may set it, needs the versions folded)."""
    from sqlalchemy import func, select

    from storage.models import ReportRow

    connection = await session.connection()
    newest = (await connection.execute(select(func.max(ReportRow.created_at)))).scalar()
    return newest is None or newest <= now


def head_chains(periods: Mapping[str, str] | None) -> Any:
    """Of the report heads, the latest reports a summary counts: a task in `periods` (task id
    -> period label) by its period's chain, every other task by the chain of all its versions."""
    from sqlalchemy import and_, or_

    from bot.domain.progress import ALL_PERIODS
    from storage.models import ReportHeadRow

    head = ReportHeadRow
    if not periods:
        return head.chain == ALL_PERIODS
    return or_(and_(head.task_id.not_in(list(periods)), head.chain == ALL_PERIODS),
               *(and_(head.task_id == task, head.chain == label)
                 for task, label in periods.items()))


def assigned_tasks(statement: Any, campaign_id: str, *task_conditions: Any) -> Any:
    """Restrict a select on task_units to the campaign's active assignments of active tasks
    (of those meeting `task_conditions`, on tasks)."""
    from sqlalchemy import and_

    from storage.models import TaskRow, TaskUnitRow

    return statement.join(
        TaskRow,
        and_(TaskRow.campaign_id == TaskUnitRow.campaign_id, TaskRow.id == TaskUnitRow.task_id),
    ).where(
        TaskUnitRow.campaign_id == campaign_id,
        TaskUnitRow.active.is_(True),
        TaskRow.active.is_(True),
        *task_conditions,
    )
