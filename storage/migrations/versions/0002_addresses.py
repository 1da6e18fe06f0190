"""People and chats by address (`channel:id` text) instead of Telegram's integer ids.

Every Telegram id already stored becomes `telegram:<id>`. Outbox keys keep naming Telegram chats
by their bare id (`Address.key`), so a reminder sent before the upgrade is never queued again.
Attachments record the channel they came from.

Revision ID: 0002
Revises: 0001
Created: 2026-12-02
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADDRESS = 160
PREFIX = "telegram:"

# (table, old integer column, new address column, nullable)
RENAMED = (
    ("focal_points", "telegram_user_id", "user_address", True),
    ("focal_points", "chat_id", "chat_address", True),
    ("invites", "used_by_user_id", "used_by", True),
    ("reports", "submitted_by_user_id", "submitted_by", False),
    ("outbox", "chat_id", "address", False),
    ("audit_log", "actor_user_id", "actor", True),
)

def _to_address(column: str) -> str:
    return f"'{PREFIX}' || CAST({column} AS VARCHAR)"


def _from_address(column: str) -> str:
    return f"CAST(SUBSTR({column}, {len(PREFIX) + 1}) AS BIGINT)"


def _address_column(name: str, nullable: bool, primary_key: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=ADDRESS), nullable=nullable, primary_key=primary_key)


def _convert_group(to_address: bool) -> None:
    connection = op.get_bind()
    row = connection.execute(
        sa.text("SELECT value FROM bot_state WHERE key = 'coordination_group'")
    ).fetchone()
    if row is None:
        return
    value = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    if to_address and "chat_id" in value:
        value["address"] = f"{PREFIX}{value.pop('chat_id')}"
        if "set_by" in value and value["set_by"] is not None:
            value["set_by"] = f"{PREFIX}{value['set_by']}"
    elif not to_address and str(value.get("address", "")).startswith(PREFIX):
        value["chat_id"] = int(value.pop("address")[len(PREFIX):])
        value["set_by"] = None
    else:
        return
    connection.execute(
        sa.text("UPDATE bot_state SET value = :value WHERE key = 'coordination_group'"),
        {"value": json.dumps(value)},
    )


def _recreate(
    table: str,
    old: dict[str, sa.types.TypeEngine],
    columns: list[sa.Column],
    convert: Callable[[dict[str, Any]], dict[str, Any] | None],
    index: tuple[str, list[str]] | None,
) -> None:
    """Replace a table whose primary key changes; its rows are small (chat state), so they are
    carried over in Python, converted one by one (None drops a row)."""
    connection = op.get_bind()
    source = sa.table(table, *[sa.column(name, kind) for name, kind in old.items()])
    rows = [dict(row._mapping) for row in connection.execute(sa.select(source))]
    if index is not None:
        op.drop_index(op.f(index[0]), table_name=table)
    op.drop_table(table)
    keys = [column.name for column in columns if column.primary_key]
    plain = [sa.Column(c.name, c.type, nullable=c.nullable, autoincrement=False) for c in columns]
    created = op.create_table(table, *plain, sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{table}")))
    converted = [new for new in map(convert, rows) if new is not None]
    if converted:
        op.bulk_insert(created, converted)
    if index is not None:
        op.create_index(op.f(index[0]), table, index[1])


def _telegram(value: object) -> str:
    return f"{PREFIX}{value}"


def _telegram_id(value: str) -> int | None:
    return int(value[len(PREFIX):]) if value.startswith(PREFIX) else None


_TIME = sa.DateTime(timezone=True)
_CONVERSATION = {"flow": sa.String(), "step": sa.String(), "data": sa.JSON(),
                 "updated_at": _TIME, "expires_at": _TIME}


def _conversation_columns(id_type: Callable[[str], sa.Column]) -> list[sa.Column]:
    return [
        id_type("chat"), id_type("user"),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
    ]


def upgrade() -> None:
    for table, old, new, nullable in RENAMED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(_address_column(new, True))
        op.execute(f"UPDATE {table} SET {new} = {_to_address(old)} WHERE {old} IS NOT NULL")
        with op.batch_alter_table(table) as batch:
            if old == "telegram_user_id":
                batch.drop_index("ix_focal_points_telegram_user_id")
            batch.drop_column(old)
            if not nullable:
                batch.alter_column(new, existing_type=sa.String(length=ADDRESS), nullable=False)
            if new == "user_address":
                batch.create_index("ix_focal_points_user_address", ["user_address"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel_message_id", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE outbox SET channel_message_id = CAST(telegram_message_id AS VARCHAR) "
        "WHERE telegram_message_id IS NOT NULL"
    )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("telegram_message_id")

    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("source_ref", sa.String(length=2048), nullable=True))
        batch.add_column(sa.Column("source_unique_ref", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE attachments SET channel = 'telegram', source_ref = file_id, "
        "source_unique_ref = file_unique_id"
    )
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("file_id")
        batch.drop_column("file_unique_id")
        for name, length in (("channel", 32), ("source_ref", 2048), ("source_unique_ref", 255)):
            batch.alter_column(name, existing_type=sa.String(length=length), nullable=False)

    _recreate(
        "conversations",
        {"chat_id": sa.BigInteger(), "user_id": sa.BigInteger(), **_CONVERSATION},
        _conversation_columns(lambda who: _address_column(f"{who}_address", False, True)),
        lambda row: {**row, "chat_address": _telegram(row.pop("chat_id")),
                     "user_address": _telegram(row.pop("user_id"))},
        ("ix_conversations_expires_at", ["expires_at"]),
    )
    _recreate(
        "processed_updates",
        {"update_id": sa.BigInteger(), "processed_at": _TIME, "outcome": sa.JSON()},
        [
            sa.Column("message_key", sa.String(length=255), nullable=False, primary_key=True),
            sa.Column("processed_at", _TIME, nullable=False),
            sa.Column("outcome", sa.JSON(), nullable=True),
        ],
        lambda row: {**row, "message_key": f"telegram:update:{row.pop('update_id')}"},
        ("ix_processed_updates_processed_at", ["processed_at"]),
    )
    _recreate(
        "user_prefs",
        {"user_id": sa.BigInteger(), "locale": sa.String()},
        [_address_column("address", False, True),
         sa.Column("locale", sa.String(length=8), nullable=False)],
        lambda row: {"address": _telegram(row["user_id"]), "locale": row["locale"]},
        None,
    )
    _convert_group(to_address=True)


def downgrade() -> None:
    # Only Telegram addresses have an integer form; rows of other channels cannot go back.
    _convert_group(to_address=False)
    telegram = f"LIKE '{PREFIX}%'"

    def back(row: dict[str, Any], *names: str) -> dict[str, Any] | None:
        for name in names:
            ident = _telegram_id(row.pop(f"{name}_address"))
            if ident is None:
                return None
            row[f"{name}_id"] = ident
        return row

    _recreate(
        "user_prefs",
        {"address": sa.String(), "locale": sa.String()},
        [sa.Column("user_id", sa.BigInteger(), nullable=False, primary_key=True),
         sa.Column("locale", sa.String(length=8), nullable=False)],
        lambda row: back({"user_address": row["address"], "locale": row["locale"]}, "user"),
        None,
    )
    _recreate(
        "processed_updates",
        {"message_key": sa.String(), "processed_at": _TIME, "outcome": sa.JSON()},
        [
            sa.Column("update_id", sa.BigInteger(), nullable=False, primary_key=True),
            sa.Column("processed_at", _TIME, nullable=False),
            sa.Column("outcome", sa.JSON(), nullable=True),
        ],
        lambda row: (
            {**row, "update_id": int(row.pop("message_key").rsplit(":", 1)[1])}
            if row["message_key"].startswith("telegram:update:") else None
        ),
        ("ix_processed_updates_processed_at", ["processed_at"]),
    )
    _recreate(
        "conversations",
        {"chat_address": sa.String(), "user_address": sa.String(), **_CONVERSATION},
        _conversation_columns(
            lambda who: sa.Column(f"{who}_id", sa.BigInteger(), nullable=False, primary_key=True)
        ),
        lambda row: back(row, "chat", "user"),
        ("ix_conversations_expires_at", ["expires_at"]),
    )
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("file_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("file_unique_id", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE attachments SET file_id = SUBSTR(source_ref, 1, 255), "
        "file_unique_id = source_unique_ref"
    )
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("channel")
        batch.drop_column("source_ref")
        batch.drop_column("source_unique_ref")
        batch.alter_column("file_id", existing_type=sa.String(length=255), nullable=False)
        batch.alter_column("file_unique_id", existing_type=sa.String(length=255), nullable=False)

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("telegram_message_id", sa.BigInteger(), nullable=True))
    op.execute("DELETE FROM outbox WHERE address NOT " + telegram)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("channel_message_id")
    for table, old, new, nullable in RENAMED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(old, sa.BigInteger(), nullable=True))
        fallback = "NULL" if nullable else "0"
        op.execute(
            f"UPDATE {table} SET {old} = CASE WHEN {new} {telegram} THEN {_from_address(new)} "
            f"ELSE {fallback} END"
        )
        with op.batch_alter_table(table) as batch:
            if new == "user_address":
                batch.drop_index("ix_focal_points_user_address")
            batch.drop_column(new)
            if not nullable:
                batch.alter_column(old, existing_type=sa.BigInteger(), nullable=False)
            if old == "telegram_user_id":
                batch.create_index("ix_focal_points_telegram_user_id", ["telegram_user_id"])
