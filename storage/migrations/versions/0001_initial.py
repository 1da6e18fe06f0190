"""Initial schema: the plan, people, reports, outbox, chat state and bookkeeping.

Revision ID: 0001
Revises:
Created: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=ID), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column:
    # UTC; storage.models.UtcDateTime makes it aware on read (SQLite has no time zones).
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _active() -> sa.Column:
    return sa.Column("active", sa.Boolean(), nullable=False)


def _fk(table: str, columns: list[str], referred: str, referred_columns: list[str]):
    return sa.ForeignKeyConstraint(
        columns,
        [f"{referred}.{column}" for column in referred_columns],
        name=op.f(f"fk_{table}_{'_'.join(columns)}_{referred}"),
    )


def _to_unit(table: str, column: str = "unit_id"):
    return _fk(table, ["campaign_id", column], "units", ["campaign_id", "id"])


def _to_task(table: str):
    return _fk(table, ["campaign_id", "task_id"], "tasks", ["campaign_id", "id"])


def _pk(table: str, *columns: str):
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _one_of(table: str, column: str, values: Sequence[str]):
    quoted = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    # --- The plan --------------------------------------------------------------------------
    op.create_table(
        "campaigns",
        _id("id"),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("issuing_body", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        _time("start_at"),
        _time("end_at"),
        sa.Column("plan_hash", sa.String(length=64), nullable=False),
        _time("loaded_at"),
        _pk("campaigns", "id"),
    )
    op.create_table(
        "units",
        _id("campaign_id"),
        _id("id"),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("short_name", sa.String(length=255), nullable=False),
        sa.Column("focal_point_required", sa.Boolean(), nullable=False),
        sa.Column("is_secretariat", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        _active(),
        _fk("units", ["campaign_id"], "campaigns", ["id"]),
        _pk("units", "campaign_id", "id"),
    )
    op.create_table(
        "phases",
        _id("campaign_id"),
        _id("id"),
        sa.Column("name", sa.Text(), nullable=False),
        _time("start_at"),
        _time("end_at"),
        sa.Column("asks", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        _active(),
        _fk("phases", ["campaign_id"], "campaigns", ["id"]),
        _pk("phases", "campaign_id", "id"),
    )
    op.create_table(
        "deadlines",
        _id("campaign_id"),
        _id("id"),
        sa.Column("title", sa.Text(), nullable=False),
        _time("due_at"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _active(),
        _one_of("deadlines", "kind", ["registration", "report", "consolidation"]),
        _fk("deadlines", ["campaign_id"], "campaigns", ["id"]),
        _pk("deadlines", "campaign_id", "id"),
    )
    op.create_table(
        "deadline_units",
        _id("campaign_id"),
        _id("deadline_id"),
        _id("unit_id"),
        _active(),
        _fk("deadline_units", ["campaign_id", "deadline_id"], "deadlines", ["campaign_id", "id"]),
        _to_unit("deadline_units"),
        _pk("deadline_units", "campaign_id", "deadline_id", "unit_id"),
    )
    op.create_table(
        "tasks",
        _id("campaign_id"),
        _id("id"),
        _id("lead_unit_id"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("section", sa.String(length=255), nullable=False),
        _id("deadline_id", nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        _active(),
        _to_unit("tasks", "lead_unit_id"),
        _fk("tasks", ["campaign_id", "deadline_id"], "deadlines", ["campaign_id", "id"]),
        _pk("tasks", "campaign_id", "id"),
    )
    op.create_table(
        "task_units",
        _id("campaign_id"),
        _id("task_id"),
        _id("unit_id"),
        sa.Column("role", sa.String(length=16), nullable=False),
        _active(),
        _one_of("task_units", "role", ["lead", "cooperating"]),
        _to_task("task_units"),
        _to_unit("task_units"),
        _pk("task_units", "campaign_id", "task_id", "unit_id"),
    )
    op.create_index(
        "ix_task_units_campaign_id_unit_id", "task_units", ["campaign_id", "unit_id"]
    )
    op.create_table(
        "task_phases",
        _id("campaign_id"),
        _id("task_id"),
        _id("phase_id"),
        _active(),
        _to_task("task_phases"),
        _fk("task_phases", ["campaign_id", "phase_id"], "phases", ["campaign_id", "id"]),
        _pk("task_phases", "campaign_id", "task_id", "phase_id"),
    )
    op.create_table(
        "task_metrics",
        _id("campaign_id"),
        _id("task_id"),
        _id("metric_id"),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        _active(),
        _to_task("task_metrics"),
        _pk("task_metrics", "campaign_id", "task_id", "metric_id"),
    )

    # --- People ----------------------------------------------------------------------------
    op.create_table(
        "focal_points",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _id("campaign_id"),
        _id("unit_id"),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("position", sa.String(length=255), nullable=False),
        sa.Column("phone_e164", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        _time("consent_at"),
        _time("registered_at"),
        _time("ended_at", nullable=True),
        sa.Column("ended_reason", sa.String(length=64), nullable=True),
        _one_of("focal_points", "role", ["focal_point", "deputy"]),
        _to_unit("focal_points"),
        _pk("focal_points", "id"),
    )
    op.create_index(
        op.f("ix_focal_points_telegram_user_id"), "focal_points", ["telegram_user_id"]
    )
    # At most one current holder per (campaign, unit, role); former holders stay as history.
    op.create_index(
        "uq_focal_points_active_seat",
        "focal_points",
        ["campaign_id", "unit_id", "role"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _id("campaign_id"),
        _id("unit_id"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        _time("used_at", nullable=True),
        sa.Column("used_by_user_id", sa.BigInteger(), nullable=True),
        _time("revoked_at", nullable=True),
        _one_of("invites", "kind", ["focal_point", "deputy"]),
        _to_unit("invites"),
        _pk("invites", "id"),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
    )
    op.create_index("ix_invites_campaign_id_unit_id", "invites", ["campaign_id", "unit_id"])

    # --- Reports ---------------------------------------------------------------------------
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _id("campaign_id"),
        _id("unit_id"),
        _id("task_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("submitted_by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("submitted_by_name", sa.String(length=255), nullable=False),
        _time("created_at"),
        _one_of("reports", "status", ["not_started", "in_progress", "done", "problem"]),
        _to_unit("reports"),
        _to_task("reports"),
        _pk("reports", "id"),
        sa.UniqueConstraint(
            "campaign_id",
            "unit_id",
            "task_id",
            "version",
            name=op.f("uq_reports_campaign_id_unit_id_task_id_version"),
        ),
    )
    op.create_index("ix_reports_campaign_id_task_id", "reports", ["campaign_id", "task_id"])
    op.create_table(
        "report_figures",
        sa.Column("report_id", sa.Integer(), nullable=False),
        _id("metric_id"),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_figures_report_id_reports"),
            ondelete="CASCADE",
        ),
        _pk("report_figures", "report_id", "metric_id"),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=255), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("mime_type", sa.String(length=127), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("archive_path", sa.String(length=1024), nullable=True),
        _one_of("attachments", "kind", ["photo", "document"]),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_attachments_report_id_reports"),
            ondelete="CASCADE",
        ),
        _pk("attachments", "id"),
    )
    op.create_index(op.f("ix_attachments_report_id"), "attachments", ["report_id"])

    # --- Delivery, chat state and bookkeeping ----------------------------------------------
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        _id("campaign_id", nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        _id("recipient_unit_id", nullable=True),
        sa.Column("text_key", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        _time("due_at"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _time("created_at"),
        _time("sent_at", nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        _time("not_before", nullable=True),
        _one_of("outbox", "status", ["pending", "sending", "sent", "failed", "skipped"]),
        _pk("outbox", "id"),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_index("ix_outbox_status_due_at", "outbox", ["status", "due_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _time("at"),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        _id("campaign_id", nullable=True),
        _id("unit_id", nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        _pk("audit_log", "id"),
    )
    op.create_index("ix_audit_log_campaign_id_at", "audit_log", ["campaign_id", "at"])
    op.create_table(
        "conversations",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _time("updated_at"),
        _time("expires_at"),
        _pk("conversations", "chat_id", "user_id"),
    )
    op.create_index(op.f("ix_conversations_expires_at"), "conversations", ["expires_at"])
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        _time("processed_at"),
        sa.Column("outcome", sa.JSON(), nullable=True),
        _pk("processed_updates", "update_id"),
    )
    op.create_index(
        op.f("ix_processed_updates_processed_at"), "processed_updates", ["processed_at"]
    )
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        _pk("bot_state", "key"),
    )
    op.create_table(
        "user_prefs",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        _pk("user_prefs", "user_id"),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; children go before their parents.
    for table in (
        "user_prefs",
        "bot_state",
        "processed_updates",
        "conversations",
        "audit_log",
        "outbox",
        "attachments",
        "report_figures",
        "reports",
        "invites",
        "focal_points",
        "task_metrics",
        "task_phases",
        "task_units",
        "tasks",
        "deadline_units",
        "deadlines",
        "phases",
        "units",
        "campaigns",
    ):
        op.drop_table(table)
