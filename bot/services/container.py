"""The services one running bot uses, handed to handlers and scheduler jobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.plan import Plan
from bot.services.access import AccessService
from bot.services.archive import ArchiveService
from bot.services.broadcast import BroadcastService
from bot.services.campaign import CampaignService
from bot.services.clock import Clock
from bot.services.dialogue import DialogueService
from bot.services.directory import DirectoryService
from bot.services.inbox import InboxService
from bot.services.menus import MenuService
from bot.services.outbox import OutboxService
from bot.services.participation import ParticipationService
from bot.services.preferences import PreferenceService
from bot.services.quota import QuotaService
from bot.services.registration import RegistrationService
from bot.services.reminders import ReminderService
from bot.services.reporting import ReportingService
from bot.services.retention import RetentionService
from bot.services.summary import SummaryService


@dataclass
class Services:
    """Everything the edges may call; built only by the composition root."""

    plan: Plan
    clock: Clock
    default_locale: str
    access: AccessService
    campaign: CampaignService
    dialogue: DialogueService
    registration: RegistrationService
    directory: DirectoryService
    preferences: PreferenceService
    outbox: OutboxService
    reminders: ReminderService
    broadcast: BroadcastService
    reporting: ReportingService
    archive: ArchiveService
    summary: SummaryService
    quota: QuotaService | None = None
    # Inbound updates stored before they are acknowledged (None: channels process directly).
    inbox: InboxService | None = None
    # Who should see which command menu (channels with menus publish them).
    menus: MenuService | None = None
    # Who is forgotten once the campaigns they served in are past retention.
    retention: RetentionService | None = None
    # Which campaign a person's message is about (set when several are served).
    participation: ParticipationService | None = None
    # Every campaign served, by id, the first plan first (each holds this same mapping).
    campaigns: dict[str, Services] = field(default_factory=dict)

    def of(self, campaign_id: str) -> Services:
        """The services of one campaign served (KeyError for any other)."""
        return self.campaigns[campaign_id] if self.campaigns else self
