"""The services one running bot uses, handed to handlers and scheduler jobs."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.plan import Plan
from bot.services.access import AccessService
from bot.services.campaign import CampaignService
from bot.services.clock import Clock


@dataclass
class Services:
    """Everything the edges may call; built only by the composition root."""

    plan: Plan
    clock: Clock
    default_locale: str
    access: AccessService
    campaign: CampaignService
