"""Report heads: the newest version of each (unit, task), kept as each version is stored.

The summary and the exports counted the latest report of every (unit, task) by grouping every
stored version; at a national campaign's 180,000 versions that took most of `/tonghop`'s second.
`report_heads` keeps one row per (unit, task) and chain: "*" for all its versions, and one
chain per period a recurring deadline's reports were made for. Each row names the newest
version, its status and time, when its unbroken run of "done" versions began (what the
deadlines count as done) and the latest time any version of the chain was stored.

The database keeps the heads itself: a trigger after each insert into `reports` moves its
chains' heads on (whatever writes the version: the bot, an import, a test's seed), in the
inserting transaction. The upgrade fills the table from the stored reports, folding each
chain's versions in order; nothing else changes. An index on the reports' time lets the summary check in one step that no version
is newer than the moment asked about (the heads answer only for "now"), and the index
of the assignments by unit now covers their task and state too, and one of the figures their
values (the summary's sums then read no table rows).

Revision ID: 0009
Revises: 0008
Created: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.models import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALL_PERIODS = "*"
BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "report_heads",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("done_since", UtcDateTime(), nullable=True),
        sa.Column("last_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id", "unit_id"], ["units.campaign_id", "units.id"],
                                name=op.f("fk_report_heads_campaign_id_unit_id_units")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE",
                                name=op.f("fk_report_heads_report_id_reports")),
        sa.PrimaryKeyConstraint("campaign_id", "chain", "unit_id", "task_id",
                                name=op.f("pk_report_heads")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_reports_created_at", "reports", ["created_at"])
    # The assignments' index covers what the summary reads of them (unit, task, active).
    op.create_index("ix_task_units_campaign_id_unit_id_task_id_active", "task_units",
                    ["campaign_id", "unit_id", "task_id", "active"])
    op.drop_index("ix_task_units_campaign_id_unit_id", table_name="task_units")
    op.create_index("ix_report_figures_report_id_metric_id_value", "report_figures",
                    ["report_id", "metric_id", "value"])
    _fill(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRESQL_FUNCTION)
        op.execute("CREATE TRIGGER report_heads_advance AFTER INSERT ON reports FOR EACH ROW"
                   " EXECUTE FUNCTION report_heads_advance()")
    else:
        op.execute(_SQLITE_TRIGGER)


def _advance(chain: str, max_function: str) -> str:
    """The upsert moving one chain's head to the new version `NEW` (an older version, stored
    late, leaves a newer head alone). `done_since` folds the run of "done" versions on: a done
    version keeps the run its done head began, or begins one."""
    return f"""
    INSERT INTO report_heads (campaign_id, unit_id, task_id, chain, report_id, version,
        status, created_at, done_since, last_at)
    SELECT NEW.campaign_id, NEW.unit_id, NEW.task_id, {chain}, NEW.id, NEW.version, NEW.status,
        NEW.created_at, CASE WHEN NEW.status = 'done' THEN NEW.created_at END, NEW.created_at
    WHERE {chain} IS NOT NULL
    ON CONFLICT (campaign_id, chain, unit_id, task_id) DO UPDATE SET
        report_id = excluded.report_id, version = excluded.version, status = excluded.status,
        created_at = excluded.created_at,
        done_since = CASE WHEN excluded.status = 'done'
                          THEN coalesce(report_heads.done_since, excluded.created_at) END,
        last_at = {max_function}(report_heads.last_at, excluded.last_at)
    WHERE excluded.version > report_heads.version;"""


_SQLITE_TRIGGER = f"""
CREATE TRIGGER report_heads_advance AFTER INSERT ON reports
BEGIN
{_advance("'*'", "max")}
{_advance("NEW.period", "max")}
END"""

_POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION report_heads_advance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_advance("'*'", "greatest")}
{_advance("NEW.period", "greatest")}
RETURN NULL;
END $$"""


def _fill(connection: Any) -> None:
    """Fold every stored version, in version order, into its chains' heads."""
    reports = sa.table(
        "reports", sa.column("id", sa.Integer()), sa.column("campaign_id", sa.String()),
        sa.column("unit_id", sa.String()), sa.column("task_id", sa.String()),
        sa.column("version", sa.Integer()), sa.column("status", sa.String()),
        sa.column("created_at", UtcDateTime()), sa.column("period", sa.String()),
    )
    heads_table = sa.table(
        "report_heads", *(sa.column(name) for name in (
            "campaign_id", "unit_id", "task_id", "chain", "report_id", "version", "status")),
        sa.column("created_at", UtcDateTime()), sa.column("done_since", UtcDateTime()),
        sa.column("last_at", UtcDateTime()),
    )
    heads: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    rows = connection.execute(
        sa.select(reports).order_by(reports.c.campaign_id, reports.c.unit_id,
                                    reports.c.task_id, reports.c.version)
    )
    for report_id, campaign, unit, task, version, status, at, period in rows:
        for chain in (ALL_PERIODS,) if period is None else (ALL_PERIODS, period):
            key = (campaign, unit, task, chain)
            head = heads.get(key)
            since = None
            if status == "done":
                since = head["done_since"] if head is not None and head["done_since"] else at
            heads[key] = dict(
                campaign_id=campaign, unit_id=unit, task_id=task, chain=chain,
                report_id=report_id, version=version, status=status, created_at=at,
                done_since=since, last_at=at if head is None else max(head["last_at"], at),
            )
    values = list(heads.values())
    for start in range(0, len(values), BATCH):
        connection.execute(sa.insert(heads_table), values[start:start + BATCH])


def downgrade() -> None:
    op.execute("DROP TRIGGER report_heads_advance" + (
        " ON reports" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION report_heads_advance()")
    op.drop_index("ix_report_figures_report_id_metric_id_value", table_name="report_figures")
    op.create_index("ix_task_units_campaign_id_unit_id", "task_units",
                    ["campaign_id", "unit_id"])
    op.drop_index("ix_task_units_campaign_id_unit_id_task_id_active", table_name="task_units")
    op.drop_index("ix_reports_created_at", table_name="reports")
    op.drop_table("report_heads")
