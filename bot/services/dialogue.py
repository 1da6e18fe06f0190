"""Multi-step chat flows whose state lives in the database, so a restart loses nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from bot.domain.records import Conversation, OutboxMessage
from bot.services.parsing import is_cancel, is_resume, says_done
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.replies import Actor, Answer, Outcome, Reply

# A question left unanswered this long is dropped (a broadcast being written, a language
# choice); drafts (registration, report) live until their deadline instead, and never less.
CONVERSATION_TTL = timedelta(days=1)
# After this long without an answer the next message is not taken as one: the person is told
# what is pending first (Friday's report must not swallow Monday's "5" without a word).
RESUME_AFTER = timedelta(hours=2)
# An unfinished registration or report gets one reminder before its deadline: once it has
# been left untouched a day, or two hours when the deadline is less than a day away.
DRAFT_REMIND_IDLE = timedelta(hours=24)
DRAFT_REMIND_LAST = timedelta(hours=24)


def draft_reminder(draft: Conversation, reply: Reply, key: str, due: datetime, zone: str,
                   now: datetime, *, locale: str, unit_id: str | None,
                   campaign_id: str) -> OutboxMessage:
    """The one reminder of an unfinished draft, as an outbox row (its `key` makes it once)."""
    return OutboxMessage(
        key=key, kind="draft_reminder", address=draft.chat, text_key=reply.key,
        payload={**reply.values,
                 "due": due.astimezone(ZoneInfo(zone)).strftime("%H:%M %d/%m/%Y")},
        locale=locale, due_at=now, created_at=now, recipient_unit_id=unit_id,
        campaign_id=campaign_id,
    )


def draft_reminder_due(draft: Conversation, due: datetime, now: datetime) -> bool:
    """Whether a draft serving a deadline `due` is to be reminded of at `now`."""
    if draft.expired(now) or due <= now:
        return False
    idle = now - draft.updated_at
    return idle >= DRAFT_REMIND_IDLE or (idle >= RESUME_AFTER and due - now <= DRAFT_REMIND_LAST)
# A text this long, where the step asks for free text, is an answer even after a pause.
LONG_TEXT = 120
# Marks a draft whose next message must not be taken as an answer (a pause, another command).
HELD = "_held"
# With several campaigns served: the campaign whose flow a conversation belongs to.
CAMPAIGN = "_campaign"


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
    # Every step name the flow uses; unique across flows (buttons carry only the step).
    steps: frozenset[str]

    async def advance(
        self, uow: UnitOfWork, conversation: Conversation, actor: Actor, answer: Answer,
        now: datetime,
    ) -> Step:
        """Take one answer at the conversation's current step."""
        ...

    def prompt(self, conversation: Conversation) -> Reply:
        """The question of the current step again (after a stale button)."""
        ...


@runtime_checkable
class DraftFlow(Flow, Protocol):
    """A flow whose state is work of the person's (a registration, a report): it is kept until
    it no longer matters, and coming back to it the person is told what is pending."""

    def keep_until(self, data: Mapping[str, Any], now: datetime) -> datetime:
        """Until when the draft is worth keeping (its deadline, else the campaign's end)."""
        ...

    def pending(self, conversation: Conversation, *, kept: bool, key: str = "") -> Reply:
        """What is pending and where the person was; `kept`: said after another command;
        `key` names another wording of it (a flow may have "mine", "reminder"…)."""
        ...

    def finish(self, conversation: Conversation) -> Step | None:
        """"xong" after a pause: the draft's last step (the preview), if it has one."""
        ...


Work = Callable[[UnitOfWork], Awaitable[Outcome]]


class _NoConversation(Exception):
    """The person has no open flow: nothing was done."""


class DialogueService:
    """Routes each answer to the user's open flow, in one transaction per update."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self._flows: dict[str, Flow] = {}
        self._after_commit: list[Callable[[], None]] = []
        # Set when the bot serves several campaigns: each conversation then names its own.
        self.campaign_id: str | None = None
        # The first campaign served also owns the conversations begun before (named by none).
        self.first = True

    def owns(self, conversation: Conversation) -> bool:
        """Whether a conversation is this campaign's (always, when one campaign is served)."""
        if self.campaign_id is None:
            return True
        stamp = conversation.data.get(CAMPAIGN)
        return stamp == self.campaign_id if stamp else self.first

    def add_flow(self, flow: Flow) -> None:
        """Make a flow routable by its name; its step names must be new (no shared buttons)."""
        for other in self._flows.values():
            shared = other.steps & flow.steps
            if shared:
                raise ValueError(f"flows {other.name} and {flow.name} share {sorted(shared)}")
        self._flows[flow.name] = flow

    def flow_steps(self) -> dict[str, frozenset[str]]:
        """Every flow's step names (tests press every old button against every question)."""
        return {name: flow.steps for name, flow in self._flows.items()}

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Call `hook` after every committed transaction (e.g. to wake a background worker)."""
        self._after_commit.append(hook)

    async def once(self, message_key: str | None, now: datetime, work: Work) -> Outcome:
        """Run work in one transaction, once per inbound message.

        A redelivered message (after a crash or a restart) is not processed again: the answer
        stored with it is replayed, so nothing is done twice and no answer is lost.
        """
        async with self._uow_factory() as uow:
            if message_key is not None and not await uow.updates.mark(message_key, now):
                return Outcome.from_json(await uow.updates.recall(message_key))
            outcome = await work(uow)
            if message_key is not None:
                await uow.updates.remember(message_key, outcome.to_json())
            await uow.commit()
        # Work that must only see committed data (downloads of report attachments) starts here.
        for hook in self._after_commit:
            hook()
        return outcome

    async def current(self, uow: UnitOfWork, actor: Actor, now: datetime) -> Conversation | None:
        """The user's live conversation, if any (an expired one is dropped)."""
        conversation = await uow.conversations.get(actor.chat, actor.user, lock=True)
        if conversation is not None and conversation.expired(now):
            await uow.conversations.delete(actor.chat, actor.user)
            return None
        return conversation

    def _expiry(self, flow: str, data: Mapping[str, Any], now: datetime) -> datetime:
        handler = self._flows.get(flow)
        ttl = now + CONVERSATION_TTL
        if isinstance(handler, DraftFlow):
            return max(handler.keep_until(data, now), ttl)
        return ttl

    async def save(
        self, uow: UnitOfWork, actor: Actor, flow: str, step: Step, now: datetime
    ) -> Outcome:
        """Store where a flow is after a step (or end it) and return the step's replies."""
        if step.step is None:
            await uow.conversations.delete(actor.chat, actor.user)
        else:
            data = {k: v for k, v in step.data.items() if k != HELD}
            if self.campaign_id is not None:
                data[CAMPAIGN] = self.campaign_id
            await uow.conversations.put(
                Conversation(
                    chat=actor.chat,
                    user=actor.user,
                    flow=flow,
                    step=step.step,
                    data=data,
                    updated_at=now,
                    expires_at=self._expiry(flow, data, now),
                )
            )
        return step.outcome

    async def keep(self, uow: UnitOfWork, conversation: Conversation, now: datetime) -> None:
        """Keep the draft as it is, but take its next message as no answer."""
        await uow.conversations.put(replace(
            conversation, data={**conversation.data, HELD: True}, updated_at=now,
            expires_at=self._expiry(conversation.flow, conversation.data, now),
        ))

    async def hold(self, actor: Actor, now: datetime, flow_name: str | None = None,
                   key: str = "") -> Reply | None:
        """Another command is starting: keep the open draft (of `flow_name`, if given) and say
        what it holds and how to return to it; None when there is no such draft."""
        # Most commands come with no draft open: a look without the write lock tells.
        async with self._uow_factory(read_only=True, snapshot=False) as uow:
            peek = await uow.conversations.get(actor.chat, actor.user, now)
        if peek is None or not isinstance(self._flows.get(peek.flow), DraftFlow):
            return None
        async with self._uow_factory() as uow:
            conversation = await self.current(uow, actor, now)
            flow = self._flows.get(conversation.flow) if conversation else None
            if conversation is None or not isinstance(flow, DraftFlow) or (
                    flow_name is not None and conversation.flow != flow_name):
                return None
            await self.keep(uow, conversation, now)
            reply = flow.pending(conversation, kept=True, key=key)
            await uow.commit()
        return reply

    async def has_draft(self, actor: Actor, now: datetime) -> bool:
        """Whether the person has an open draft (a registration or report left unfinished)."""
        async with self._uow_factory(read_only=True, snapshot=False) as uow:
            conversation = await uow.conversations.get(actor.chat, actor.user, now)
        return conversation is not None and isinstance(
            self._flows.get(conversation.flow), DraftFlow)

    async def _returning(
        self, uow: UnitOfWork, flow: DraftFlow, conversation: Conversation, actor: Actor,
        answer: Answer, now: datetime, typed_command: bool,
    ) -> Outcome | None:
        """A draft's answer after a pause or another command; None: take it as an answer."""
        text = answer.text or ""
        resume = bool(text) and is_resume(text)
        held = bool(conversation.data.get(HELD)) or now - conversation.updated_at >= RESUME_AFTER
        free_text = conversation.step in getattr(flow, "free_text", frozenset())
        # "hủy" drops the draft, except at steps that answer it themselves (a name "Huy", a
        # "no" to consent, the preview's own cancel choice).
        own_cancel = conversation.step in getattr(flow, "own_cancel", frozenset())
        if not held and text and is_cancel(text) and not own_cancel:
            await uow.conversations.delete(actor.chat, actor.user)
            return Outcome([Reply("dialogue.cancelled", remove_keyboard=True)])
        if not held and not resume:
            return None
        if resume:
            step = Step.go(conversation.step, conversation.data, Reply("drafts.resumed"),
                           flow.prompt(conversation))
            return await self.save(uow, actor, conversation.flow, step, now)
        if answer.upload is not None:
            return None  # a file is never ambiguous: it joins the draft
        if free_text and len(text.strip()) >= LONG_TEXT:
            return None  # nor is a long text where a text is asked for (a narrative)
        if typed_command:
            raise _NoConversation  # "tonghop" typed while a draft waits: the command runs
        if text and is_cancel(text):
            await uow.conversations.delete(actor.chat, actor.user)
            return Outcome([Reply("drafts.dropped", remove_keyboard=True)])
        if text and says_done(text):
            finished = flow.finish(conversation)
            if finished is not None:
                return await self.save(uow, actor, conversation.flow, finished, now)
        await self.keep(uow, conversation, now)
        return Outcome([flow.pending(conversation, kept=False)])

    async def has_open(self, actor: Actor, now: datetime) -> bool:
        """Whether the user is in the middle of a flow."""
        async with self._uow_factory(read_only=True, snapshot=False) as uow:
            conversation = await uow.conversations.get(actor.chat, actor.user, now)
        return conversation is not None

    async def _may_answer(self, actor: Actor, now: datetime, message_key: str | None) -> bool:
        """Whether an answer needs the write transaction: the user has a live conversation of a
        known flow, or the message was handled before (its stored answer is replayed).

        Read without the write lock, so free text from someone in no conversation (the most
        common message) changes nothing and waits for nobody.
        """
        async with self._uow_factory(read_only=True, snapshot=False) as uow:
            if message_key is not None and await uow.updates.seen(message_key):
                return True
            conversation = await uow.conversations.get(actor.chat, actor.user, now)
        return conversation is not None and conversation.flow in self._flows

    async def answer(
        self, actor: Actor, answer: Answer, now: datetime, message_key: str | None = None,
        button_step: str | None = None, *, typed_command: bool = False,
    ) -> Outcome | None:
        """Handle an answer; None when the user has no open conversation (or, for a typed
        command, when the draft waits after a pause)."""

        async def work(uow: UnitOfWork) -> Outcome:
            conversation = await self.current(uow, actor, now)
            if conversation is None or conversation.flow not in self._flows:
                # Roll back: the message is not marked as handled, so the command it may be
                # ("dangky CODE" typed without its slash) is still processed once.
                raise _NoConversation
            flow = self._flows[conversation.flow]
            if button_step is not None and button_step != conversation.step:
                return Outcome([Reply("dialogue.stale_button"), flow.prompt(conversation)])
            if isinstance(flow, DraftFlow) and button_step is None:
                returning = await self._returning(uow, flow, conversation, actor, answer, now,
                                                  typed_command)
                if returning is not None:
                    return returning
            step = await flow.advance(uow, conversation, actor, answer, now)
            return await self.save(uow, actor, conversation.flow, step, now)

        if not await self._may_answer(actor, now, message_key):
            return None
        try:
            return await self.once(message_key, now, work)
        except _NoConversation:
            return None

    async def cancel(
        self, actor: Actor, now: datetime, message_key: str | None = None
    ) -> Outcome:
        """Drop the user's open conversation; the answer says whether there was one (and is
        stored, so a redelivered `/huy` gets the same answer again)."""

        async def work(uow: UnitOfWork) -> Outcome:
            existed = await self.current(uow, actor, now) is not None
            await uow.conversations.delete(actor.chat, actor.user)
            key = "dialogue.cancelled" if existed else "dialogue.nothing_to_cancel"
            return Outcome([Reply(key, remove_keyboard=existed)])

        return await self.once(message_key, now, work)
