"""Helpers shared by the repositories."""

from __future__ import annotations

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


def assigned_tasks(statement: Any, campaign_id: str) -> Any:
    """Restrict a select on task_units to the campaign's active assignments of active tasks."""
    from sqlalchemy import and_

    from storage.models import TaskRow, TaskUnitRow

    return statement.join(
        TaskRow,
        and_(TaskRow.campaign_id == TaskUnitRow.campaign_id, TaskRow.id == TaskUnitRow.task_id),
    ).where(
        TaskUnitRow.campaign_id == campaign_id,
        TaskUnitRow.active.is_(True),
        TaskRow.active.is_(True),
    )
