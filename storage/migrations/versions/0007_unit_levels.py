"""Levels of units: a unit may name the unit it reports to (its parent) and a kind.

A plan may now give units a `parent` (a commune's district) and a `kind` (xa, huyen) that plan
groups select by. Both columns are nullable: every existing unit stays at the top level with no
kind, and every existing report, with its status, figures and attachments, is kept as it is. What
changes is what counts: a report deadline is met by reports marked done, and a consolidation
deadline by an issued consolidated report (audit `report.issued`); earlier exports stay in the
audit log as drafts (`report.consolidated`).

Revision ID: 0007
Revises: 0006
Created: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("units", sa.Column("parent_id", sa.String(length=64), nullable=True))
    op.add_column("units", sa.Column("kind", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of `units` would trip the
    # foreign keys of every table that points at it.
    op.drop_column("units", "kind")
    op.drop_column("units", "parent_id")
