"""Ports: what services need from storage, as Protocols (implemented in `storage`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain.address import Address
from bot.domain.plan import Deadline, Plan
from bot.domain.privacy import PersonTraces
from bot.domain.progress import Tally, UnitDeadline
from bot.domain.records import (
    AuditEntry,
    Campaign,
    Conversation,
    FocalPoint,
    InboxEntry,
    Invite,
    OutboxMessage,
    PlanLoadResult,
    Report,
    ReportStatus,
    Settled,
)
from bot.domain.summary import (
    ReminderCount,
    ReportVersion,
    StatusCount,
    TaskFigure,
    UnitFigure,
)


class CampaignRepository(Protocol):
    """Campaign plans as stored."""

    async def sync(self, plan: Plan, now: datetime) -> PlanLoadResult:
        """Make the stored campaign match the plan; dropped rows are deactivated, not deleted."""
        ...

    async def get(self, campaign_id: str) -> Campaign | None:
        """The stored campaign, or None."""
        ...

    async def all(self) -> list[Campaign]:
        """Every stored campaign, by id."""
        ...

    async def counts(self, campaign_id: str) -> dict[str, int]:
        """Row counts per table for one campaign."""
        ...


class AuditRepository(Protocol):
    """The append-only audit log."""

    async def append(self, entry: AuditEntry) -> int:
        """Store an entry and return its id."""
        ...

    async def recent(self, campaign_id: str | None = None, limit: int = 50) -> list[AuditEntry]:
        """The newest entries first."""
        ...

    async def forget(self, traces: PersonTraces, placeholder: Address) -> int:
        """Replace an erased person by a placeholder as actor and inside details."""
        ...


class ConversationRepository(Protocol):
    """Multi-step chat flow state, one per (chat, user)."""

    async def get(
        self, chat: Address, user: Address, now: datetime | None = None, *, lock: bool = False
    ) -> Conversation | None:
        """The conversation, or None (also None when expired at `now`, if given); `lock` holds
        it until the transaction ends, so concurrent answers to one step run one after the
        other."""
        ...

    async def put(self, conversation: Conversation) -> None:
        """Create or replace the conversation of (chat, user)."""
        ...

    async def delete(self, chat: Address, user: Address) -> bool:
        """Forget the conversation; return whether there was one."""
        ...

    async def delete_expired(self, now: datetime) -> int:
        """Delete conversations expired at `now`; return how many."""
        ...

    async def of_flow(self, flow: str) -> list[Conversation]:
        """Every stored conversation of one flow (the report drafts, for their reminder)."""
        ...

    async def delete_of(self, addresses: Collection[Address]) -> int:
        """Delete every conversation of these people (or in their private chats)."""
        ...


class ProcessedUpdateRepository(Protocol):
    """Inbound messages already handled, by their channel-unique key."""

    async def mark(self, message_key: str, now: datetime) -> bool:
        """Record the message; True if new, False if already recorded."""
        ...

    async def remember(self, message_key: str, outcome: Any) -> None:
        """Keep what the bot answered to a message (JSON-ready)."""
        ...

    async def recall(self, message_key: str) -> Any | None:
        """What the bot answered to an update, if it was remembered."""
        ...

    async def seen(self, message_key: str) -> bool:
        """Whether the message was recorded (handled before)."""
        ...

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Forget updates processed before `cutoff`; return how many."""
        ...

    async def forget(self, traces: PersonTraces) -> int:
        """Drop stored answers that mention a person (keys stay); return how many."""
        ...


class InboxRepository(Protocol):
    """Inbound updates as received, stored before they are acknowledged."""

    async def forget(self, traces: PersonTraces) -> int:
        """Empty the stored payloads that mention a person; return how many."""
        ...

    async def add(
        self, channel: str, message_key: str, payload: Any, now: datetime,
        *, seq: int | None = None, replay: bool = False,
    ) -> bool:
        """Store an update unless its key is stored; True if it is (again) to be processed."""
        ...

    async def add_many(
        self, channel: str, items: Sequence[tuple[str, Any, int | None]], now: datetime,
        *, replay: bool = False,
    ) -> list[bool]:
        """`add` for (key, payload, seq) items in one statement (two with `replay`)."""
        ...

    async def pending(self, channel: str, limit: int = 100) -> list[InboxEntry]:
        """The channel's updates still to process, oldest first."""
        ...

    async def claim(self, channel: str, owner: str, now: datetime, until: datetime,
                    limit: int = 100, *, everything: bool = False) -> list[InboxEntry]:
        """Take the oldest pending updates nobody else holds, for `owner` until `until`."""
        ...

    async def attempt(self, entry_id: int, owner: str | None = None,
                      until: datetime | None = None) -> bool:
        """Count an attempt and renew the hold; False if `owner` no longer holds it."""
        ...

    async def attempt_settling(self, entry_id: int, done_id: int | None, now: datetime,
                               owner: str, until: datetime,
                               subject: tuple[Address, Address, str] | None = None,
                               ) -> Settled | None:
        """`attempt` and the previous update's `done` in one statement; what it read (the
        directory version, whether the subject (chat, sender, key) is quiet), or None if
        `owner` no longer holds the update."""
        ...

    async def done(self, entry_id: int, now: datetime) -> None:
        """Record an update as processed."""
        ...

    async def failed(self, entry_id: int, now: datetime, error: str) -> None:
        """Give up on an update, and say why."""
        ...

    async def note_error(self, entry_id: int, error: str) -> None:
        """Keep why an attempt failed; the update stays pending."""
        ...

    async def last_seq(self, channel: str) -> int | None:
        """The highest platform sequence number stored for a channel."""
        ...

    async def get(self, message_key: str) -> InboxEntry | None:
        """The update stored under a key, or None."""
        ...

    async def all(self, channel: str | None = None) -> list[InboxEntry]:
        """Every stored update, oldest first."""
        ...

    async def delete_processed_before(self, cutoff: datetime) -> int:
        """Forget updates processed before `cutoff`; return how many."""
        ...


class FocalPointRepository(Protocol):
    """The people holding units' focal-point and deputy seats."""

    async def active(self, campaign_id: str) -> list[FocalPoint]:
        """Every current seat holder of the campaign."""
        ...

    async def units_with_focal_point(self, campaign_id: str) -> set[str]:
        """The units whose focal-point seat (not a deputy's) is held now."""
        ...

    async def active_for_user(self, campaign_id: str, user: Address) -> list[FocalPoint]:
        """The seats a person (by address) currently holds."""
        ...

    async def active_for_unit(self, campaign_id: str, unit_id: str) -> list[FocalPoint]:
        """The current holders of a unit's seats."""
        ...

    async def add(self, focal_point: FocalPoint) -> FocalPoint:
        """Store a new seat holder and return it with its id."""
        ...

    async def end(self, focal_point_id: int, now: datetime, reason: str) -> None:
        """Close a seat; the record stays as history."""
        ...

    async def erase(self, focal_point_id: int, now: datetime) -> None:
        """Forget the person's name, position, phone and chat ids and close the seat."""
        ...

    async def held_by(self, user: Address) -> list[FocalPoint]:
        """Every seat a person holds or held, in any campaign."""
        ...

    async def with_person(self) -> list[FocalPoint]:
        """Every seat, current or past, that still holds a person (not erased), by id."""
        ...

    async def version(self) -> int:
        """A number that grows with every add, end or erase (cached roles compare to it)."""
        ...


class InviteRepository(Protocol):
    """Single-use registration codes, stored hashed."""

    async def add(self, invite: Invite) -> Invite:
        """Store an invite and return it with its id."""
        ...

    async def by_hash(self, code_hash: str) -> Invite | None:
        """The invite with this code hash, or None."""
        ...

    async def use(self, invite_id: int, user: Address, now: datetime) -> bool:
        """Mark the invite used; False if it was used or revoked first."""
        ...

    async def revoke_unit(self, campaign_id: str, unit_id: str, now: datetime) -> int:
        """Revoke every unused invite of a unit; return how many."""
        ...

    async def forget_user(self, user: Address, placeholder: Address) -> int:
        """Replace the person who used invites by a placeholder."""
        ...


class OutboxRepository(Protocol):
    """Messages the bot sends on its own initiative, each under a unique key."""

    async def enqueue(self, message: OutboxMessage) -> bool:
        """Queue a message unless its key is already queued; True if it was new."""
        ...

    async def enqueue_many(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue the messages whose key is not queued yet, in as few statements as may be."""
        ...

    async def mark_sent_many(
        self, sent: Sequence[tuple[int, datetime, str | None, str | None]],
    ) -> list[bool]:
        """Record many delivered messages `(id, sent_at, channel_message_id, lease_token)`
        at once; True for each row its claim still held (and so was recorded)."""
        ...

    async def existing_keys(self, keys: Collection[str]) -> set[str]:
        """Which of these keys are already in the outbox (whatever their status)."""
        ...

    async def get(self, key: str) -> OutboxMessage | None:
        """The message stored under a key, or None."""
        ...

    async def claim(
        self, now: datetime, limit: int, lease_until: datetime,
        channels: Collection[str] | None = None,
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages addressed on `channels` (default all) for sending."""
        ...

    async def expire(self, now: datetime, due_before: datetime, kinds: Collection[str]) -> int:
        """Record as skipped the pending messages of these kinds due before a moment."""
        ...

    async def renew(self, message_id: int, lease_token: str, lease_until: datetime) -> bool:
        """Extend a claim's lease; False if that claim no longer holds the row."""
        ...

    # With a `lease_token`, each of the following settles the row only while the claim that
    # token names still holds it, and says whether it did (fencing a dispatcher whose lease ran
    # out); without one, it settles the row whoever holds it.

    async def mark_sent(
        self, message_id: int, sent_at: datetime, channel_message_id: str | None,
        lease_token: str | None = None,
    ) -> bool:
        """Record a delivered message."""
        ...

    async def mark_failed(
        self, message_id: int, error: str, lease_token: str | None = None
    ) -> bool:
        """Record a message that will never be delivered, and why."""
        ...

    async def mark_skipped(
        self, message_id: int, reason: str, lease_token: str | None = None
    ) -> bool:
        """Record a message deliberately not sent, and why."""
        ...

    async def retry_later(
        self, message_id: int, not_before: datetime, error: str, lease_token: str | None = None
    ) -> bool:
        """Put a message back in the queue after a failed attempt, not before a moment."""
        ...

    async def release(self, message_id: int, lease_token: str | None = None) -> bool:
        """Give a claimed message back untouched."""
        ...

    async def recover(self) -> int:
        """Put every row left "sending" back in the queue; return how many."""
        ...

    async def next_wake(self, after: datetime) -> datetime | None:
        """The earliest moment after `after` at which a queued message becomes sendable."""
        ...

    async def has_sendable(self, now: datetime) -> bool:
        """Whether some message is due and could be claimed at `now`."""
        ...

    async def recent(
        self, limit: int = 200, campaign_id: str | None = None
    ) -> list[OutboxMessage]:
        """The newest messages first."""
        ...

    async def counts(self) -> dict[str, int]:
        """How many messages are in each status."""
        ...

    async def sent_by_unit(
        self, kind: str, key_prefixes: Collection[str]
    ) -> dict[str, list[datetime]]:
        """When messages of a kind whose key starts with a prefix reached each unit."""
        ...

    async def forget(self, traces: PersonTraces, placeholder: Address) -> int:
        """Make every message to or about a person name nobody (queued ones are skipped)."""
        ...


class BotStateRepository(Protocol):
    """Bot-wide values learned at run time, e.g. the coordination group."""

    async def get(self, key: str) -> Any | None:
        """The value stored under a key, or None."""
        ...

    async def put(self, key: str, value: Any) -> None:
        """Store (or replace) the value of a key."""
        ...

    async def delete(self, key: str) -> bool:
        """Forget a key; return whether it was there."""
        ...


class ProgressRepository(Protocol):
    """Who met which deadline (see `bot.domain.progress.UnitDeadline` for the rules)."""

    async def tallies(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> list[Tally] | None:
        """Per unit, task deadline and latest status: assignments, done, last done; None when
        only folding the versions answers for `now`."""
        ...

    async def deadline_status(
        self, campaign_id: str, deadline: Deadline, now: datetime
    ) -> list[UnitDeadline]:
        """Each of the deadline's units against it, as of `now`."""
        ...


class SummaryRepository(Protocol):
    """Aggregates over the latest version of each report, for the summary and the exports."""

    async def status_counts(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> list[StatusCount]:
        """Per unit, how many assigned tasks stand at each status (None: not reported)."""
        ...

    async def last_reported(self, campaign_id: str, now: datetime) -> dict[str, datetime]:
        """The time of each unit's most recent report."""
        ...

    async def figure_totals(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> dict[str, int]:
        """The sum of each figure over every unit's latest reports."""
        ...

    async def unit_figures(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> list[UnitFigure]:
        """The sum of each figure per unit."""
        ...

    async def task_figures(
        self, campaign_id: str, now: datetime, periods: Mapping[str, str] | None = None
    ) -> list[TaskFigure]:
        """Every figure of every latest report, by unit and task."""
        ...

    async def latest_reports(
        self,
        campaign_id: str,
        now: datetime,
        *,
        unit_id: str | None = None,
        status: ReportStatus | None = None,
        limit: int | None = None,
        periods: Mapping[str, str] | None = None,
    ) -> list[ReportVersion]:
        """The latest report per (unit, task), newest first (`periods`: task id -> the period
        label whose reports alone count for a task on a recurring deadline)."""
        ...

    async def history(self, campaign_id: str, now: datetime) -> list[ReportVersion]:
        """Every stored report version."""
        ...

    async def reminders(self, campaign_id: str, now: datetime) -> list[ReminderCount]:
        """Per unit, the deadline reminders delivered so far."""
        ...


class ReportRepository(Protocol):
    """Units' progress reports: every version kept, with figures and attachments."""

    async def add(self, report: Report) -> Report:
        """Store a report as the next version on its (campaign, unit, task); return it stored."""
        ...

    async def get(self, report_id: int) -> Report | None:
        """One report version with its figures and attachments, or None."""
        ...

    async def for_unit(self, campaign_id: str, unit_id: str) -> list[Report]:
        """Every version of every report of a unit, by task then version."""
        ...

    async def latest(self, campaign_id: str, unit_id: str) -> dict[str, Report]:
        """The newest version per task of a unit."""
        ...

    async def all(self, campaign_id: str, unit_id: str | None = None) -> list[Report]:
        """Every version of the campaign's reports (of one unit if given), oldest first."""
        ...

    async def unarchived(self, campaign_id: str, limit: int = 100) -> list[Report]:
        """Reports with at least one attachment not archived yet, oldest first."""
        ...

    async def set_archive_path(self, attachment_id: int, path: str) -> None:
        """Record where an attachment was archived."""
        ...

    async def forget_submitter(self, user: Address, placeholder: Address) -> int:
        """Credit a person's reports to a placeholder, without their name."""
        ...


class FileFetcher(Protocol):
    """Downloads a file a user sent, by the channel's reference to it."""

    async def fetch(self, source_ref: str, destination: Path) -> None:
        """Write the file to `destination`; raise on any failure."""
        ...


class PreferenceRepository(Protocol):
    """Per-user preferences."""

    async def locales(self) -> dict[Address, str]:
        """Every user's chosen language."""
        ...

    async def set_locale(self, address: Address, locale: str) -> None:
        """Remember a user's language."""
        ...

    async def campaigns(self) -> dict[Address, str]:
        """Every user's current campaign (chosen with /kehoach)."""
        ...

    async def campaign(self, address: Address) -> str | None:
        """The user's current campaign, if they chose one."""
        ...

    async def set_campaign(self, address: Address, campaign_id: str) -> None:
        """Remember a user's current campaign."""
        ...

    async def forget(self, addresses: Collection[Address]) -> int:
        """Forget the language of these addresses."""
        ...


class UnitOfWork(Protocol):
    """One transaction: `async with uow:`, then `await uow.commit()`; leaving rolls back."""

    @property
    def campaigns(self) -> CampaignRepository:
        """Campaign plans."""
        ...

    @property
    def audit(self) -> AuditRepository:
        """The audit log."""
        ...

    @property
    def conversations(self) -> ConversationRepository:
        """Chat flow state."""
        ...

    @property
    def updates(self) -> ProcessedUpdateRepository:
        """Inbound messages already processed."""
        ...

    @property
    def inbox(self) -> InboxRepository:
        """Inbound updates not yet (or already) processed."""
        ...

    @property
    def focal_points(self) -> FocalPointRepository:
        """Focal points and deputies."""
        ...

    @property
    def invites(self) -> InviteRepository:
        """Registration invites."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """Outgoing messages."""
        ...

    @property
    def state(self) -> BotStateRepository:
        """Bot-wide values (the coordination group…)."""
        ...

    @property
    def progress(self) -> ProgressRepository:
        """Deadline status per unit."""
        ...

    @property
    def prefs(self) -> PreferenceRepository:
        """User preferences."""
        ...

    @property
    def summary(self) -> SummaryRepository:
        """Aggregates for the summary and the exports."""
        ...

    @property
    def reports(self) -> ReportRepository:
        """Units' progress reports and their versions."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make the work permanent."""
        ...

    async def rollback(self) -> None:
        """Discard the work since the last commit."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh, not yet opened unit of work per use case."""

    def __call__(self, *, read_only: bool = False, bookkeeping: bool = False,
                 snapshot: bool = True) -> UnitOfWork:
        """A unit of work; `read_only=True` promises it never writes (no write lock taken),
        with `snapshot=False` its statements need not see one moment (each reads the latest
        commit, with no transaction around them: no BEGIN, no ROLLBACK); `bookkeeping=True`
        that it runs one statement recording progress only, whose loss in a crash of the
        database server means the work is done again (no transaction on SQLite, no wait for
        the disk on PostgreSQL)."""
        ...
