"""Campaign use cases: loading the plan into the database, and what is stored for it."""

from __future__ import annotations

from datetime import datetime

from bot.domain.plan import Plan
from bot.domain.records import AuditEntry, PlanLoadResult
from bot.services.ports import UnitOfWorkFactory

PLAN_LOADED = "plan.loaded"


class CampaignService:
    """Loads plans and reports what the database holds for a campaign."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def load_plan(self, plan: Plan, now: datetime) -> PlanLoadResult:
        """Sync the plan into the database in one transaction; idempotent."""
        async with self._uow_factory() as uow:
            result = await uow.campaigns.sync(plan, now)
            if result.changed:
                await uow.audit.append(
                    AuditEntry(
                        at=now,
                        action=PLAN_LOADED,
                        campaign_id=plan.id,
                        detail=result.as_dict(),
                    )
                )
            await uow.commit()
        return result

    async def counts(self, campaign_id: str) -> dict[str, int]:
        """Row counts per table for the campaign."""
        async with self._uow_factory() as uow:
            return await uow.campaigns.counts(campaign_id)
