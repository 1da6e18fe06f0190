"""SQLAlchemy ORM rows; they never leave `storage` (repositories map them to records)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.domain.address import Address
from bot.domain.plan import DeadlineKind
from bot.domain.records import (
    AttachmentKind,
    FocalPointRole,
    InboxStatus,
    OutboxStatus,
    ReportStatus,
    TaskRole,
)

# Explicit names keep SQLite batch migrations and PostgreSQL in step.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ADDRESS = 160  # length of a stored address, `channel:id`
ID = 64  # length of plan identifiers (campaign, unit, task, phase, deadline, metric)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and returned as an aware UTC datetime on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: only timezone-aware times are stored")
        value = value.astimezone(UTC)
        # SQLite has no time zone type; the stored text is UTC by convention.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns; normalise PostgreSQL's offset to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """On SQLite, the stored text read straight as UTC (see `_sqlite_utc`)."""
        processor = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or processor is None:
            return processor
        return _sqlite_utc(processor)


def _sqlite_utc(fallback: Any) -> Any:
    """A reader of SQLite's stored timestamps: the text with "+00:00" appended, parsed by
    `datetime.fromisoformat` (in C, giving the UTC singleton), is ten times cheaper than the
    generic parse followed by `replace(tzinfo=UTC)`; the exports read hundreds of thousands.
    Any other text (an offset already there, another layout) takes the generic path."""
    parse = datetime.fromisoformat

    def process(value: Any) -> datetime | None:
        if type(value) is str and value[10:11] == " ":
            try:
                moment = parse(value + "+00:00")
            except ValueError:
                pass
            else:
                if moment.tzinfo is UTC:
                    return moment
        return fallback(value)  # type: ignore[no-any-return]

    return process


class AddressType(TypeDecorator[Address]):
    """A person or chat address stored as `channel:id` text (e.g. `zalo:6ede…`, `telegram:42`)."""

    impl = String(ADDRESS)
    cache_ok = True

    def process_bind_param(self, value: Address | None, dialect: Dialect) -> str | None:
        """The address as text."""
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Address | None:
        """The text back as an address."""
        return None if value is None else Address.parse(value)


def _one_of(column: str, values: type[Any]) -> str:
    quoted = ", ".join(f"'{member.value}'" for member in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """The declarative base of every row class."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- The plan (synced from YAML; rows are deactivated, never deleted) ---------------------


class CampaignRow(Base):
    """A campaign plan as last loaded."""

    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    issuing_body: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    event_date: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    plan_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UnitRow(Base):
    """A participating unit of a campaign."""

    __tablename__ = "units"

    campaign_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("campaigns.id"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(String(255))
    focal_point_required: Mapped[bool] = mapped_column(Boolean)
    is_secretariat: Mapped[bool] = mapped_column(Boolean)
    sort_order: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The unit it reports to (no foreign key: a plan reload may reorder or drop units).
    parent_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(ID), nullable=True)


class PhaseRow(Base):
    """A period of a campaign."""

    __tablename__ = "phases"

    campaign_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("campaigns.id"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    asks: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DeadlineRow(Base):
    """A due date-time for some units."""

    __tablename__ = "deadlines"
    __table_args__ = (CheckConstraint(_one_of("kind", DeadlineKind), name="kind"),)

    campaign_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("campaigns.id"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DeadlineUnitRow(Base):
    """A unit a deadline applies to."""

    __tablename__ = "deadline_units"
    __table_args__ = (
        ForeignKeyConstraint(
            ["campaign_id", "deadline_id"], ["deadlines.campaign_id", "deadlines.id"]
        ),
        ForeignKeyConstraint(["campaign_id", "unit_id"], ["units.campaign_id", "units.id"]),
    )

    campaign_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    deadline_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskRow(Base):
    """A duty of a lead unit."""

    __tablename__ = "tasks"
    __table_args__ = (
        ForeignKeyConstraint(["campaign_id", "lead_unit_id"], ["units.campaign_id", "units.id"]),
        ForeignKeyConstraint(
            ["campaign_id", "deadline_id"], ["deadlines.campaign_id", "deadlines.id"]
        ),
    )

    campaign_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    lead_unit_id: Mapped[str] = mapped_column(String(ID))
    text: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(String(255))
    deadline_id: Mapped[str | None] = mapped_column(String(ID))
    sort_order: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskUnitRow(Base):
    """A unit that leads or cooperates on a task."""

    __tablename__ = "task_units"
    __table_args__ = (
        ForeignKeyConstraint(["campaign_id", "task_id"], ["tasks.campaign_id", "tasks.id"]),
        ForeignKeyConstraint(["campaign_id", "unit_id"], ["units.campaign_id", "units.id"]),
        CheckConstraint(_one_of("role", TaskRole), name="role"),
        # Covering: the summary reads a unit's assignments from the index alone, in the
        # order of the report heads it looks up.
        Index("ix_task_units_campaign_id_unit_id_task_id_active", "campaign_id", "unit_id",
              "task_id", "active"),
    )

    campaign_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskPhaseRow(Base):
    """A phase during which a task runs."""

    __tablename__ = "task_phases"
    __table_args__ = (
        ForeignKeyConstraint(["campaign_id", "task_id"], ["tasks.campaign_id", "tasks.id"]),
        ForeignKeyConstraint(["campaign_id", "phase_id"], ["phases.campaign_id", "phases.id"]),
    )

    campaign_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    phase_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskMetricRow(Base):
    """A figure units report for a task."""

    __tablename__ = "task_metrics"
    __table_args__ = (
        ForeignKeyConstraint(["campaign_id", "task_id"], ["tasks.campaign_id", "tasks.id"]),
    )

    campaign_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    metric_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --- People ----------------------------------------------------------------------------------


class FocalPointRow(Base):
    """A person holding a unit's focal-point (or deputy) seat, now or in the past."""

    __tablename__ = "focal_points"
    __table_args__ = (
        ForeignKeyConstraint(["campaign_id", "unit_id"], ["units.campaign_id", "units.id"]),
        CheckConstraint(_one_of("role", FocalPointRole), name="role"),
        # At most one current holder per seat; people who stepped down stay as history.
        Index(
            "uq_focal_points_active_seat",
            "campaign_id",
            "unit_id",
            "role",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(ID))
    unit_id: Mapped[str] = mapped_column(String(ID))
    role: Mapped[str] = mapped_column(String(16))
    # Both become NULL when the person asks to be forgotten; the seat's history stays.
    user_address: Mapped[Address | None] = mapped_column(AddressType(), index=True)
    chat_address: Mapped[Address | None] = mapped_column(AddressType())
    full_name: Mapped[str] = mapped_column(String(255))
    position: Mapped[str] = mapped_column(String(255))
    phone_e164: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_reason: Mapped[str | None] = mapped_column(String(64))


class InviteRow(Base):
    """A one-time registration code, stored only as its SHA-256 hex digest."""

    __tablename__ = "invites"
    __table_args__ = (
        ForeignKeyConstraint(["campaign_id", "unit_id"], ["units.campaign_id", "units.id"]),
        CheckConstraint(_one_of("kind", FocalPointRole), name="kind"),
        Index("ix_invites_campaign_id_unit_id", "campaign_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(ID))
    unit_id: Mapped[str] = mapped_column(String(ID))
    kind: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    used_by: Mapped[Address | None] = mapped_column(AddressType())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# --- Reports ---------------------------------------------------------------------------------


class ReportRow(Base):
    """One version of a unit's report on a task (shown to users as BC-0012)."""

    __tablename__ = "reports"
    __table_args__ = (
        ForeignKeyConstraint(["campaign_id", "unit_id"], ["units.campaign_id", "units.id"]),
        ForeignKeyConstraint(["campaign_id", "task_id"], ["tasks.campaign_id", "tasks.id"]),
        UniqueConstraint("campaign_id", "unit_id", "task_id", "version"),
        CheckConstraint(_one_of("status", ReportStatus), name="status"),
        Index("ix_reports_campaign_id_task_id", "campaign_id", "task_id"),
        # The summary's check that no version is newer than the moment it is asked about (by
        # time alone: with the campaign first, SQLite would fold the versions through it).
        Index("ix_reports_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(ID))
    unit_id: Mapped[str] = mapped_column(String(ID))
    task_id: Mapped[str] = mapped_column(String(ID))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    narrative: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[Address] = mapped_column(AddressType())
    submitted_by_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The period of a recurring deadline the report is for (2026-W47); None: a one-off one.
    period: Mapped[str | None] = mapped_column(String(ID))


class ReportHeadRow(Base):
    """The newest version of a (unit, task) in one chain: every version of it (chain "*") or
    those made for one period (chain = the period's label). Written with each version, so the
    summary reads one row per (unit, task) where folding 180,000 versions took most of its time.
    Without rowid on SQLite: the rows are the primary key's own index, in key order."""

    __tablename__ = "report_heads"
    __table_args__ = (
        # A chain's heads lie together, in unit and task order: a period's deadline reads its
        # own and none of the other periods'.
        PrimaryKeyConstraint("campaign_id", "chain", "unit_id", "task_id"),
        ForeignKeyConstraint(["campaign_id", "unit_id"], ["units.campaign_id", "units.id"]),
        {"sqlite_with_rowid": False},
    )

    campaign_id: Mapped[str] = mapped_column(String(ID))
    chain: Mapped[str] = mapped_column(String(ID))
    unit_id: Mapped[str] = mapped_column(String(ID))
    task_id: Mapped[str] = mapped_column(String(ID))
    report_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reports.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When the chain's unbroken run of "done" versions began (None: the head is not done).
    done_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReportFigureRow(Base):
    """One figure of a report."""

    __tablename__ = "report_figures"
    __table_args__ = (
        # Covering: the summary sums the latest reports' figures from the index alone.
        Index("ix_report_figures_report_id_metric_id_value", "report_id", "metric_id", "value"),
    )

    report_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    metric_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    value: Mapped[int | None] = mapped_column(BigInteger)


class AttachmentRow(Base):
    """A photo or document sent with a report."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint(_one_of("kind", AttachmentKind), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    # Where the file came from: the channel and its reference (a file id, or a URL on Zalo).
    channel: Mapped[str] = mapped_column(String(32))
    source_ref: Mapped[str] = mapped_column(String(2048))
    source_unique_ref: Mapped[str] = mapped_column(String(255))
    file_name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(127))
    size: Mapped[int | None] = mapped_column(BigInteger)
    caption: Mapped[str | None] = mapped_column(Text)
    archive_path: Mapped[str | None] = mapped_column(String(1024))


# --- Delivery, chat state and bookkeeping ----------------------------------------------------


class OutboxRow(Base):
    """A message to send; `key` makes enqueueing the same message twice a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_one_of("status", OutboxStatus), name="status"),
        Index("ix_outbox_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str | None] = mapped_column(String(ID))
    address: Mapped[Address] = mapped_column(AddressType())
    recipient_unit_id: Mapped[str | None] = mapped_column(String(ID))
    text_key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(8))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    channel_message_id: Mapped[str | None] = mapped_column(String(64))
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Who holds the row while it is "sending": only that claimer may settle it (fencing).
    lease_token: Mapped[str | None] = mapped_column(String(36))


class AuditRow(Base):
    """An audit log entry."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_campaign_id_at", "campaign_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[Address | None] = mapped_column(AddressType())
    action: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str | None] = mapped_column(String(ID))
    unit_id: Mapped[str | None] = mapped_column(String(ID))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class ConversationRow(Base):
    """The step a user has reached in a multi-step chat flow."""

    __tablename__ = "conversations"

    chat_address: Mapped[Address] = mapped_column(AddressType(), primary_key=True)
    user_address: Mapped[Address] = mapped_column(AddressType(), primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class ProcessedUpdateRow(Base):
    """An inbound message already handled, so a redelivery is ignored."""

    __tablename__ = "processed_updates"

    # Unique per channel: `telegram:update:123`, `zalo:message.text.received:2d75…`.
    message_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # What the bot answered, so a redelivered update after a crash gets the same answer again.
    outcome: Mapped[Any | None] = mapped_column(JSON)


class InboxRow(Base):
    """An inbound update as received, stored before it is acknowledged, processed from here."""

    __tablename__ = "inbox"
    __table_args__ = (
        CheckConstraint(_one_of("status", InboxStatus), name="status"),
        Index("ix_inbox_channel_status_id", "channel", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    # Unique per channel: `telegram:update:123`, `zalo:message.text.received:2d75…`.
    message_key: Mapped[str] = mapped_column(String(255), unique=True)
    # The platform's own sequence number where it has one (Telegram's update_id), else None.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Which instance is processing it, and until when (another may take it over after that).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class BotStateRow(Base):
    """A bot-wide setting learned at run time (e.g. the coordination group's chat id)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class SendSlotRow(Base):
    """The next free moment to send on a channel, shared by every instance (a global rate)."""

    __tablename__ = "send_slots"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Seconds since the epoch on the database server's clock, the one clock all instances share.
    next_at: Mapped[float] = mapped_column(Double)


class DirectoryVersionRow(Base):
    """One row counting changes of who holds a seat (cached roles compare against it)."""

    __tablename__ = "directory_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


class UserPrefRow(Base):
    """A user's chosen language."""

    __tablename__ = "user_prefs"

    address: Mapped[Address] = mapped_column(AddressType(), primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))
