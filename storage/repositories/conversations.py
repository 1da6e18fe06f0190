"""Conversation state of multi-step chat flows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.address import Address
from bot.domain.records import Conversation
from storage.models import ConversationRow
from storage.repositories._sql import upsert_insert


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        chat=row.chat_address,
        user=row.user_address,
        flow=row.flow,
        step=row.step,
        data=row.data or {},
        updated_at=row.updated_at,
        expires_at=row.expires_at,
    )


class SqlConversationRepository:
    """Conversations in SQL, one per (chat, user); never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Set by `put`: the unit of work tells who assumes a person has no conversation.
        self.written = False

    async def get(
        self, chat: Address, user: Address, now: datetime | None = None, *, lock: bool = False
    ) -> Conversation | None:
        """The user's conversation in the chat; with `now`, an expired one counts as none."""
        statement = (
            select(ConversationRow)
            .where(ConversationRow.chat_address == chat, ConversationRow.user_address == user)
            .execution_options(populate_existing=True)
        )
        if lock:
            # Two answers to one step (a double tap) must not both advance it: on PostgreSQL
            # the second waits here and then sees the step the first left (SQLite's write
            # transactions are serial already; the clause is ignored there).
            statement = statement.with_for_update()
        row = (await self._session.scalars(statement)).one_or_none()
        if row is None:
            return None
        conversation = _conversation(row)
        if now is not None and conversation.expired(now):
            return None
        return conversation

    async def put(self, conversation: Conversation) -> None:
        """Create or replace the conversation of (chat, user)."""
        values = {
            "flow": conversation.flow,
            "step": conversation.step,
            "data": dict(conversation.data),
            "updated_at": conversation.updated_at,
            "expires_at": conversation.expires_at,
        }
        statement = upsert_insert(self._session, ConversationRow).values(
            chat_address=conversation.chat, user_address=conversation.user, **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=["chat_address", "user_address"],
            set_={name: statement.excluded[name] for name in values},
        )
        self.written = True
        await self._session.execute(statement)

    async def delete(self, chat: Address, user: Address) -> bool:
        """Forget the conversation; return whether there was one."""
        result = await self._session.execute(
            delete(ConversationRow).where(
                ConversationRow.chat_address == chat, ConversationRow.user_address == user
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def delete_expired(self, now: datetime) -> int:
        """Delete every conversation that expired at or before `now`; return how many."""
        result = await self._session.execute(
            delete(ConversationRow).where(ConversationRow.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0))

    async def of_flow(self, flow: str) -> list[Conversation]:
        """Every conversation of one flow, oldest change first."""
        rows = await self._session.scalars(
            select(ConversationRow).where(ConversationRow.flow == flow)
            .order_by(ConversationRow.updated_at)
        )
        return [_conversation(row) for row in rows]

    async def delete_of(self, addresses: Collection[Address]) -> int:
        """Delete every conversation of these people, or held in their private chats."""
        if not addresses:
            return 0
        wanted = sorted(addresses)
        result = await self._session.execute(
            delete(ConversationRow).where(
                or_(ConversationRow.user_address.in_(wanted),
                    ConversationRow.chat_address.in_(wanted))
            )
        )
        return int(getattr(result, "rowcount", 0))
