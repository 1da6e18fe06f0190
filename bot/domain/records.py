"""Stored entities as plain frozen dataclasses: what repositories return and accept.

Every datetime is timezone-aware UTC. An `id` of None means "not stored yet".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.address import Address


class FocalPointRole(StrEnum):
    """The seat a person holds for a unit (also the kind of an invite)."""

    FOCAL_POINT = "focal_point"
    DEPUTY = "deputy"


class TaskRole(StrEnum):
    """How a unit takes part in a task."""

    LEAD = "lead"
    COOPERATING = "cooperating"


class ReportStatus(StrEnum):
    """Where a unit stands on a task."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    PROBLEM = "problem"


class AttachmentKind(StrEnum):
    """What a report attachment is."""

    PHOTO = "photo"
    DOCUMENT = "document"


class OutboxStatus(StrEnum):
    """The delivery state of an outgoing message."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class InboxStatus(StrEnum):
    """Where an inbound update stands: waiting, handled, or given up on."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Campaign:
    """A campaign as stored when its plan was last loaded."""

    id: str
    title: str
    issuing_body: str
    timezone: str
    event_date: date
    start_at: datetime
    end_at: datetime
    plan_hash: str
    loaded_at: datetime


@dataclass(frozen=True)
class TableChanges:
    """How many rows of one table a plan load inserted, updated and deactivated."""

    inserted: int = 0
    updated: int = 0
    deactivated: int = 0

    @property
    def total(self) -> int:
        """All changed rows."""
        return self.inserted + self.updated + self.deactivated


@dataclass(frozen=True)
class PlanLoadResult:
    """What loading a plan into the database changed, table by table."""

    campaign_id: str
    plan_hash: str
    tables: Mapping[str, TableChanges] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether anything at all was written."""
        return any(changes.total for changes in self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form: counts per table."""
        return {
            "campaign_id": self.campaign_id,
            "plan_hash": self.plan_hash,
            "changed": self.changed,
            "tables": {
                name: {
                    "inserted": changes.inserted,
                    "updated": changes.updated,
                    "deactivated": changes.deactivated,
                }
                for name, changes in self.tables.items()
            },
        }

    def describe(self) -> str:
        """A compact, language-neutral summary such as `units +11, tasks +20 ~1 -2`."""
        parts = []
        for name, changes in self.tables.items():
            if not changes.total:
                continue
            counts = [
                f"{sign}{count}"
                for sign, count in (
                    ("+", changes.inserted),
                    ("~", changes.updated),
                    ("-", changes.deactivated),
                )
                if count
            ]
            parts.append(f"{name} {' '.join(counts)}")
        return ", ".join(parts) if parts else "±0"


@dataclass(frozen=True)
class FocalPoint:
    """A person registered for a unit; `ended_at` set once they stepped down or were removed."""

    campaign_id: str
    unit_id: str
    role: FocalPointRole
    user: Address | None
    chat: Address | None
    full_name: str
    position: str
    phone_e164: str | None
    locale: str | None
    consent_at: datetime
    registered_at: datetime
    ended_at: datetime | None = None
    ended_reason: str | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        """Whether this person currently holds the seat."""
        return self.ended_at is None


@dataclass(frozen=True)
class Invite:
    """A one-time registration code for a unit; only the SHA-256 of the code is kept."""

    campaign_id: str
    unit_id: str
    kind: FocalPointRole
    code_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: Address | None = None
    revoked_at: datetime | None = None
    id: int | None = None

    def usable(self, now: datetime) -> bool:
        """Whether the code may still be redeemed at `now`."""
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class ReportFigure:
    """One figure of a report (None: the unit left it blank)."""

    metric_id: str
    value: int | None


@dataclass(frozen=True)
class Attachment:
    """A photo or file sent with a report, by the channel's reference to it."""

    kind: AttachmentKind
    channel: str
    # The channel's own reference (a file id; on Zalo, the image URL) and a stable unique one.
    source_ref: str
    source_unique_ref: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    caption: str | None = None
    archive_path: str | None = None
    report_id: int | None = None
    id: int | None = None


def report_reference(report_id: int) -> str:
    """The number users see for a report, e.g. BC-0012."""
    return f"BC-{report_id:04d}"


@dataclass(frozen=True)
class Report:
    """One version of a unit's progress report on a task; newer versions never overwrite."""

    campaign_id: str
    unit_id: str
    task_id: str
    version: int
    status: ReportStatus
    narrative: str
    submitted_by: Address
    submitted_by_name: str
    created_at: datetime
    figures: tuple[ReportFigure, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    id: int | None = None
    period: str | None = None  # the period of a recurring deadline it is for (2026-W47)

    @property
    def reference(self) -> str:
        """The number shown to users (BC-0012); empty before the report is stored."""
        return report_reference(self.id) if self.id is not None else ""


@dataclass(frozen=True)
class OutboxMessage:
    """A message waiting to be sent (or already sent); `key` makes enqueueing idempotent."""

    key: str
    kind: str
    address: Address
    text_key: str
    payload: Mapping[str, Any]
    locale: str
    due_at: datetime
    created_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    channel_message_id: str | None = None
    not_before: datetime | None = None
    recipient_unit_id: str | None = None
    campaign_id: str | None = None
    id: int | None = None
    # Set by a claim: the claimer's token, which settling the row must present.
    lease_token: str | None = None


@dataclass(frozen=True)
class InboxEntry:
    """One inbound update as the channel received it, kept until it is processed."""

    id: int
    channel: str
    message_key: str
    payload: Mapping[str, Any]
    received_at: datetime
    status: InboxStatus = InboxStatus.PENDING
    attempts: int = 0
    seq: int | None = None
    processed_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Settled:
    """What the statement counting an update's attempt read with it."""

    directory_version: int
    # The sender had no conversation and the update had never been handled.
    quiet: bool


@dataclass(frozen=True)
class AuditEntry:
    """Something that happened and who did it; never contains secrets or phone numbers."""

    at: datetime
    action: str
    actor: Address | None = None
    campaign_id: str | None = None
    unit_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class Conversation:
    """Where a user is in a multi-step chat flow, kept across restarts."""

    chat: Address
    user: Address
    flow: str
    step: str
    data: Mapping[str, Any]
    updated_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        """Whether the flow has timed out at `now`."""
        return self.expires_at <= now
