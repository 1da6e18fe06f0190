"""The audit log: append-only."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.address import Address
from bot.domain.privacy import PersonTraces
from bot.domain.records import AuditEntry
from storage.models import AuditRow


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        action=row.action,
        actor=row.actor,
        campaign_id=row.campaign_id,
        unit_id=row.unit_id,
        detail=row.detail or {},
    )


class SqlAuditRepository:
    """Audit entries in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, entry: AuditEntry) -> int:
        """Store an entry and return its id."""
        row = AuditRow(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            campaign_id=entry.campaign_id,
            unit_id=entry.unit_id,
            detail=dict(entry.detail),
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def recent(self, campaign_id: str | None = None, limit: int = 50) -> list[AuditEntry]:
        """The newest entries first, for one campaign or for all."""
        statement = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if campaign_id is not None:
            statement = statement.where(AuditRow.campaign_id == campaign_id)
        return [_entry(row) for row in await self._session.scalars(statement)]

    async def forget(self, traces: PersonTraces, placeholder: Address) -> int:
        """Replace a person by a placeholder as actor and inside details; return how many.

        The entries stay (the trail of who registered, handed over, erased) but name nobody.
        """
        actors = sorted(traces.addresses)
        changed = 0
        if actors:
            result = await self._session.execute(
                update(AuditRow).where(AuditRow.actor.in_(actors)).values(actor=placeholder)
            )
            changed += int(getattr(result, "rowcount", 0))
        # Details are JSON; the few that name a person (a handover's "to") are found in Python.
        rows = await self._session.execute(select(AuditRow.id, AuditRow.detail))
        for row_id, detail in rows.all():
            if detail and traces.mentioned_in(detail):
                await self._session.execute(
                    update(AuditRow).where(AuditRow.id == row_id)
                    .values(detail=traces.scrub(detail, str(placeholder)))
                )
                changed += 1
        return changed
