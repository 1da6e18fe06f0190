"""Campaigns: syncing a plan into its tables, look-ups and row counts."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.plan import Deadline, DeadlineKind, Plan
from bot.domain.records import Campaign, PlanLoadResult, TableChanges, TaskRole
from storage.models import (
    AttachmentRow,
    AuditRow,
    CampaignRow,
    DeadlineRow,
    DeadlineUnitRow,
    FocalPointRow,
    InviteRow,
    OutboxRow,
    PhaseRow,
    ReportFigureRow,
    ReportRow,
    TaskMetricRow,
    TaskPhaseRow,
    TaskRow,
    TaskUnitRow,
    UnitRow,
)

Key = tuple[str, ...]

# Tables whose rows carry a campaign_id, in the order `counts` reports them.
_CAMPAIGN_TABLES: tuple[type[Any], ...] = (
    UnitRow,
    PhaseRow,
    DeadlineRow,
    DeadlineUnitRow,
    TaskRow,
    TaskUnitRow,
    TaskPhaseRow,
    TaskMetricRow,
    FocalPointRow,
    InviteRow,
    ReportRow,
    OutboxRow,
    AuditRow,
)


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):  # targets (issue 15): 10 and 10.0 are the same target
        return str(value.normalize())
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def plan_hash(plan: Plan) -> str:
    """A SHA-256 fingerprint of the plan's content (times compared as UTC instants)."""
    canonical = json.dumps(
        dataclasses.asdict(plan), sort_keys=True, ensure_ascii=False, default=_json_default
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _recurring_rules(plan: Plan) -> list[Deadline]:
    """A row per recurring deadline of the file, which tasks name (their periods have rows of
    their own): its last period's title, due and units, or the campaign's end when it has none."""
    last: dict[str, Deadline] = {}
    for deadline in plan.deadlines:
        if deadline.period is not None:
            last[deadline.rule] = max(last.get(deadline.rule, deadline), deadline,
                                      key=lambda d: d.due)
    known = {deadline.id for deadline in plan.deadlines}
    rows = [Deadline(rule, d.title, d.due, d.kind, d.units) for rule, d in last.items()]
    named = {task.deadline for task in plan.tasks if task.deadline}
    rows += [Deadline(rule, rule, plan.end, DeadlineKind.REPORT, ())
             for rule in plan.deadline_rules if rule not in known and rule not in last
             and rule in named]
    return rows


def _campaign(row: CampaignRow) -> Campaign:
    return Campaign(
        id=row.id,
        title=row.title,
        issuing_body=row.issuing_body,
        timezone=row.timezone,
        event_date=row.event_date,
        start_at=row.start_at,
        end_at=row.end_at,
        plan_hash=row.plan_hash,
        loaded_at=row.loaded_at,
    )


class SqlCampaignRepository:
    """Campaign plans in SQL; never commits (the unit of work does)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, campaign_id: str) -> Campaign | None:
        """The stored campaign, or None if its plan was never loaded."""
        row = await self._session.get(CampaignRow, campaign_id)
        return _campaign(row) if row is not None else None

    async def all(self) -> list[Campaign]:
        """Every stored campaign, by id."""
        rows = await self._session.scalars(select(CampaignRow).order_by(CampaignRow.id))
        return [_campaign(row) for row in rows]

    async def counts(self, campaign_id: str) -> dict[str, int]:
        """Row counts per table for one campaign (inactive plan rows included)."""
        session = self._session
        counts = {
            "campaigns": await session.scalar(
                select(func.count()).select_from(CampaignRow).where(CampaignRow.id == campaign_id)
            )
            or 0
        }
        for row_class in _CAMPAIGN_TABLES:
            counts[row_class.__tablename__] = (
                await session.scalar(
                    select(func.count())
                    .select_from(row_class)
                    .where(row_class.campaign_id == campaign_id)
                )
                or 0
            )
        for child in (ReportFigureRow, AttachmentRow):
            counts[child.__tablename__] = (
                await session.scalar(
                    select(func.count())
                    .select_from(child)
                    .join(ReportRow, ReportRow.id == child.report_id)
                    .where(ReportRow.campaign_id == campaign_id)
                )
                or 0
            )
        return counts

    async def sync(self, plan: Plan, now: datetime) -> PlanLoadResult:
        """Make the stored campaign match the plan; what the plan dropped is deactivated."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        digest = plan_hash(plan)
        cid = plan.id
        tables: dict[str, TableChanges] = {}
        tables["campaigns"] = await self._sync_campaign(plan, digest, now)
        # Parents before children, so foreign keys hold at every flush.
        tables["units"] = await self._sync_rows(
            UnitRow,
            cid,
            ("id",),
            {
                (unit.id,): {
                    "name": unit.name,
                    "short_name": unit.short_name,
                    "focal_point_required": unit.focal_point_required,
                    "is_secretariat": unit.is_secretariat,
                    "sort_order": order,
                    "parent_id": unit.parent,
                    "kind": unit.kind,
                }
                for order, unit in enumerate(plan.units)
            },
        )
        tables["phases"] = await self._sync_rows(
            PhaseRow,
            cid,
            ("id",),
            {
                (phase.id,): {
                    "name": phase.name,
                    "start_at": phase.start,
                    "end_at": phase.end,
                    "asks": phase.asks,
                    "sort_order": order,
                }
                for order, phase in enumerate(plan.phases)
            },
        )
        rules = _recurring_rules(plan)
        tables["deadlines"] = await self._sync_rows(
            DeadlineRow,
            cid,
            ("id",),
            {
                (deadline.id,): {
                    "title": deadline.title,
                    "due_at": deadline.due,
                    "kind": deadline.kind.value,
                }
                for deadline in (*plan.deadlines, *rules)
            },
        )
        tables["deadline_units"] = await self._sync_rows(
            DeadlineUnitRow,
            cid,
            ("deadline_id", "unit_id"),
            {(deadline.id, unit): {}
             for deadline in (*plan.deadlines, *rules) for unit in deadline.units},
        )
        tables["tasks"] = await self._sync_rows(
            TaskRow,
            cid,
            ("id",),
            {
                (task.id,): {
                    # A group's task: its first member stands for the group here; every
                    # member's own lead row is in task_units.
                    "lead_unit_id": task.lead_units[0],
                    "text": task.text,
                    "section": task.section,
                    "deadline_id": task.deadline,
                    "sort_order": order,
                }
                for order, task in enumerate(plan.tasks)
            },
        )
        task_units: dict[Key, dict[str, Any]] = {}
        for task in plan.tasks:
            for unit in task.cooperating:
                task_units[(task.id, unit)] = {"role": TaskRole.COOPERATING.value}
            # The lead wins should a plan also list it among the cooperating units.
            for lead in task.lead_units:
                task_units[(task.id, lead)] = {"role": TaskRole.LEAD.value}
        tables["task_units"] = await self._sync_rows(
            TaskUnitRow, cid, ("task_id", "unit_id"), task_units
        )
        tables["task_phases"] = await self._sync_rows(
            TaskPhaseRow,
            cid,
            ("task_id", "phase_id"),
            {(task.id, phase): {} for task in plan.tasks for phase in task.phases},
        )
        tables["task_metrics"] = await self._sync_rows(
            TaskMetricRow,
            cid,
            ("task_id", "metric_id"),
            {
                (task.id, metric.id): {"label": metric.label, "sort_order": order}
                for task in plan.tasks
                for order, metric in enumerate(task.metrics)
            },
        )
        return PlanLoadResult(campaign_id=cid, plan_hash=digest, tables=tables)

    async def _sync_campaign(self, plan: Plan, digest: str, now: datetime) -> TableChanges:
        values = {
            "title": plan.title,
            "issuing_body": plan.issuing_body,
            "timezone": plan.timezone,
            "event_date": plan.event_date,
            "start_at": plan.start,
            "end_at": plan.end,
            "plan_hash": digest,
        }
        row = await self._session.get(CampaignRow, plan.id)
        if row is None:
            self._session.add(CampaignRow(id=plan.id, loaded_at=now, **values))
            await self._session.flush()
            return TableChanges(inserted=1)
        if not _assign(row, values):
            return TableChanges()
        # loaded_at is when the stored plan last changed, so an identical reload writes nothing.
        row.loaded_at = now
        await self._session.flush()
        return TableChanges(updated=1)

    async def _sync_rows(
        self,
        row_class: type[Any],
        campaign_id: str,
        key_columns: tuple[str, ...],
        wanted: Mapping[Key, Mapping[str, Any]],
    ) -> TableChanges:
        rows = await self._session.scalars(
            select(row_class).where(row_class.campaign_id == campaign_id)
        )
        existing = {tuple(getattr(row, name) for name in key_columns): row for row in rows}
        inserted = updated = deactivated = 0
        for key, values in wanted.items():
            row = existing.pop(key, None)
            if row is None:
                self._session.add(
                    row_class(
                        campaign_id=campaign_id,
                        active=True,
                        **dict(zip(key_columns, key, strict=True)),
                        **values,
                    )
                )
                inserted += 1
            elif _assign(row, {**values, "active": True}):
                updated += 1
        for row in existing.values():
            if row.active:
                row.active = False
                deactivated += 1
        await self._session.flush()
        return TableChanges(inserted=inserted, updated=updated, deactivated=deactivated)


def _assign(row: object, values: Mapping[str, Any]) -> bool:
    """Set the attributes that differ; return whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
