"""Multi-step chat flows whose state lives in the database, so a restart loses nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.records import Conversation
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.replies import Actor, Answer, Outcome, Reply

CONVERSATION_TTL = timedelta(days=1)


@dataclass
class Step:
    """What a flow decided: replies, and where the conversation goes next (None: it ends)."""

    outcome: Outcome = field(default_factory=Outcome)
    step: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def end(cls, *replies: Reply) -> Step:
        """Finish the conversation with these replies."""
        return cls(Outcome(list(replies)), None, {})

    @classmethod
    def go(cls, step: str, data: Mapping[str, Any], *replies: Reply) -> Step:
        """Move to a step with new data and these replies."""
        return cls(Outcome(list(replies)), step, data)


class Flow(Protocol):
    """A conversation type: registration, report, broadcast…"""

    name: str

    async def advance(
        self, uow: UnitOfWork, conversation: Conversation, actor: Actor, answer: Answer,
        now: datetime,
    ) -> Step:
        """Take one answer at the conversation's current step."""
        ...

    def prompt(self, conversation: Conversation) -> Reply:
        """The question of the current step again (after a stale button or a restart)."""
        ...


class DialogueService:
    """Routes each answer to the user's open flow, in one transaction per answer."""

    def __init__(self, uow_factory: UnitOfWorkFactory, flows: Mapping[str, Flow]) -> None:
        self._uow_factory = uow_factory
        self._flows = dict(flows)

    def add_flow(self, flow: Flow) -> None:
        """Make a flow routable by its name."""
        self._flows[flow.name] = flow

    async def open(self, uow: UnitOfWork, actor: Actor, now: datetime) -> Conversation | None:
        """The user's live conversation, if any (an expired one is dropped)."""
        conversation = await uow.conversations.get(actor.chat_id, actor.user_id)
        if conversation is not None and conversation.expired(now):
            await uow.conversations.delete(actor.chat_id, actor.user_id)
            return None
        return conversation

    async def save(self, uow: UnitOfWork, actor: Actor, flow: str, step: Step,
                   now: datetime) -> None:
        """Store where a flow is after a step, or end it."""
        if step.step is None:
            await uow.conversations.delete(actor.chat_id, actor.user_id)
            return
        await uow.conversations.put(
            Conversation(
                chat_id=actor.chat_id,
                user_id=actor.user_id,
                flow=flow,
                step=step.step,
                data=dict(step.data),
                updated_at=now,
                expires_at=now + CONVERSATION_TTL,
            )
        )

    async def answer(
        self, actor: Actor, answer: Answer, now: datetime, update_id: int | None = None,
        button_step: str | None = None,
    ) -> Outcome | None:
        """Handle an answer; None when the user has no open conversation."""
        async with self._uow_factory() as uow:
            if update_id is not None and not await uow.updates.mark(update_id, now):
                return Outcome()
            conversation = await self.open(uow, actor, now)
            if conversation is None:
                await uow.commit()
                return None
            flow = self._flows[conversation.flow]
            if button_step is not None and button_step != conversation.step:
                await uow.commit()
                return Outcome([Reply("dialogue.stale_button"), flow.prompt(conversation)])
            step = await flow.advance(uow, conversation, actor, answer, now)
            await self.save(uow, actor, conversation.flow, step, now)
            await uow.commit()
        return step.outcome

    async def begin(
        self, flow_name: str, actor: Actor, now: datetime, update_id: int | None, start: Step,
        uow: UnitOfWork,
    ) -> Step:
        """Open a flow at its first step inside the caller's transaction (replaces any other)."""
        await self.save(uow, actor, flow_name, start, now)
        return start

    async def cancel(self, actor: Actor, now: datetime) -> bool:
        """Drop the user's open conversation; True if there was one."""
        async with self._uow_factory() as uow:
            existed = await uow.conversations.delete(actor.chat_id, actor.user_id)
            await uow.commit()
        return existed


def with_data(conversation: Conversation, **changes: Any) -> dict[str, Any]:
    """The conversation's data with some fields changed."""
    data = dict(conversation.data)
    data.update(changes)
    return data


def moved(conversation: Conversation, step: str) -> Conversation:
    """A copy of the conversation at another step (to render that step's prompt)."""
    return replace(conversation, step=step)
