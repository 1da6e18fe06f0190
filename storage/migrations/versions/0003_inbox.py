"""A durable inbox of inbound updates, and a lease token that fences outbox claims.

Every update a channel receives is committed to `inbox` before it is acknowledged (before the
next getUpdates offset, before a webhook's 200) and processed from there. An outbox row being
sent carries its claimer's `lease_token`: only that claimer may settle it.

Revision ID: 0003
Revises: 0002
Created: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("message_key", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("processed_at", _TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed')",
                           name=op.f("ck_inbox_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("message_key", name=op.f("uq_inbox_message_key")),
    )
    op.create_index("ix_inbox_channel_status_id", "inbox", ["channel", "status", "id"])
    op.create_index(op.f("ix_inbox_processed_at"), "inbox", ["processed_at"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_token", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_token")
    op.drop_index(op.f("ix_inbox_processed_at"), table_name="inbox")
    op.drop_index("ix_inbox_channel_status_id", table_name="inbox")
    op.drop_table("inbox")
