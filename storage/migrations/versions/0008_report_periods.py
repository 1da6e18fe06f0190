"""Periodic reports: a report version may say which period of a recurring deadline it is for.

A recurring deadline (every week, month or quarter) becomes one deadline per period; a report
made for one of them stores the period's label (2026-W47, 2026-11, 2026-Q4) so that each period
keeps its own status and history, whatever happens to the plan's dates later. The column is
nullable: every existing report, made for a one-off deadline, keeps no period and counts as
before.

Revision ID: 0008
Revises: 0007
Created: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("period", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("reports", "period")
