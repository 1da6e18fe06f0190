"""The outbox: every message the bot sends on its own initiative, keyed so it is sent once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.records import OutboxMessage, OutboxStatus
from storage.models import OutboxRow
from storage.repositories._sql import upsert_insert


def _outbox(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        key=row.key,
        kind=row.kind,
        campaign_id=row.campaign_id,
        chat_id=row.chat_id,
        recipient_unit_id=row.recipient_unit_id,
        text_key=row.text_key,
        payload=row.payload or {},
        locale=row.locale,
        due_at=row.due_at,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        telegram_message_id=row.telegram_message_id,
        not_before=row.not_before,
    )


class SqlOutboxRepository:
    """Outbox rows in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(self, message: OutboxMessage) -> bool:
        """Queue a message unless its key is already queued; True if it was new."""
        statement = (
            upsert_insert(self._session, OutboxRow)
            .values(
                key=message.key,
                kind=message.kind,
                campaign_id=message.campaign_id,
                chat_id=message.chat_id,
                recipient_unit_id=message.recipient_unit_id,
                text_key=message.text_key,
                payload=dict(message.payload),
                locale=message.locale,
                due_at=message.due_at,
                status=message.status.value,
                attempts=0,
                created_at=message.created_at,
                not_before=message.not_before,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxRow.id)
        )
        result = await self._session.execute(statement)
        return result.scalar_one_or_none() is not None
