"""Campaign use cases: loading the plan into the database, and what is stored for it."""

from __future__ import annotations

from datetime import datetime

from bot.domain.plan import Plan
from bot.domain.records import AuditEntry, PlanLoadResult
from bot.services.ports import UnitOfWorkFactory

PLAN_LOADED = "plan.loaded"
# The campaign whose reminders keep the outbox keys a single-campaign bot gave them.
PLAIN_KEYS = "outbox.plain_keys_campaign"
# The files campaigns were loaded from with `daumoi plan load FILE`, served by `daumoi run`.
SOURCES = "plan.sources"


class CampaignService:
    """Loads plans and reports what the database holds for a campaign."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def load_plan(self, plan: Plan, now: datetime, source: str | None = None
                        ) -> PlanLoadResult:
        """Sync the plan into the database in one transaction; idempotent. With `source`, the
        file is remembered so that the running bot serves this campaign too."""
        async with self._uow_factory() as uow:
            result = await uow.campaigns.sync(plan, now)
            if source is not None:
                sources = dict(await uow.state.get(SOURCES) or {})
                if sources.get(plan.id) != source:
                    await uow.state.put(SOURCES, {**sources, plan.id: source})
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

    async def plain_keys_campaign(self, served: list[str]) -> str:
        """The one campaign whose reminder keys carry no campaign id, chosen once and kept:
        the one whose messages the outbox already holds most of (a bot that served it alone
        before must not send its reminders again), else the first served."""
        async with self._uow_factory() as uow:
            chosen = await uow.state.get(PLAIN_KEYS)
            if isinstance(chosen, str):
                return chosen
            sent = {cid: (await uow.campaigns.counts(cid))["outbox"] for cid in served}
            chosen = max(served, key=lambda cid: (sent[cid], -served.index(cid)))
            await uow.state.put(PLAIN_KEYS, chosen)
            await uow.commit()
        return chosen

    async def sources(self) -> dict[str, str]:
        """The file each campaign was last loaded from by `daumoi plan load FILE`."""
        async with self._uow_factory(read_only=True) as uow:
            return dict(await uow.state.get(SOURCES) or {})
