"""Repositories: each takes the unit of work's session, maps rows to records, never commits."""

from storage.repositories.audit import SqlAuditRepository
from storage.repositories.campaigns import SqlCampaignRepository, plan_hash
from storage.repositories.conversations import SqlConversationRepository
from storage.repositories.inbox import SqlInboxRepository
from storage.repositories.outbox import SqlOutboxRepository
from storage.repositories.people import SqlFocalPointRepository, SqlInviteRepository
from storage.repositories.prefs import SqlPreferenceRepository
from storage.repositories.progress import SqlProgressRepository
from storage.repositories.reports import SqlReportRepository
from storage.repositories.state import SqlBotStateRepository
from storage.repositories.summary import SqlSummaryRepository
from storage.repositories.updates import SqlProcessedUpdateRepository

__all__ = [
    "SqlAuditRepository",
    "SqlBotStateRepository",
    "SqlCampaignRepository",
    "SqlConversationRepository",
    "SqlFocalPointRepository",
    "SqlInboxRepository",
    "SqlInviteRepository",
    "SqlOutboxRepository",
    "SqlPreferenceRepository",
    "SqlProcessedUpdateRepository",
    "SqlProgressRepository",
    "SqlReportRepository",
    "SqlSummaryRepository",
    "plan_hash",
]
