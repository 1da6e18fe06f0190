"""`/broadcast`: a message from the secretariat to every focal point, after a preview.

The preview and the confirmation live in the conversation table, so a restart between them
loses nothing; confirming queues one outbox row per seat under a key unique to the broadcast,
so a redelivered confirmation or a crash mid-sending never gives anyone the message twice.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime
from typing import Any

from bot.domain.plan import Plan
from bot.domain.records import AuditEntry, Conversation, OutboxMessage
from bot.services.dialogue import DialogueService, Step
from bot.services.parsing import parse_choice, parse_yes_no
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.replies import Actor, Answer, Choice, Outcome, Reply
from bot.services.schedule import ReminderPolicy
from bot.services.secrecy import is_classified

FLOW = "broadcast"
STEP = "broadcast_confirm"
#: Room left for the heading the recipients see (channels split longer messages at their limit).
TEXT_MAX = 3500
CHOICES = (Choice("reminders.choice_send"), Choice("reminders.choice_cancel"))
_WORDS = ("gui", "huy")  # the choices typed in words, folded ("gửi", "hủy")


class BroadcastService:
    """Previews, confirms and queues broadcasts to every focal point and deputy."""

    name = FLOW
    steps = frozenset({STEP})

    def __init__(
        self,
        plan: Plan,
        uow_factory: UnitOfWorkFactory,
        dialogue: DialogueService,
        policy: ReminderPolicy,
    ) -> None:
        self._plan = plan
        self._uow_factory = uow_factory
        self._dialogue = dialogue
        self._policy = policy
        dialogue.add_flow(self)

    async def start(
        self, actor: Actor, text: str, now: datetime, message_key: str | None = None
    ) -> Outcome:
        """Check the text and show the preview with its confirmation question."""

        async def work(uow: UnitOfWork) -> Outcome:
            if not actor.private:
                return Outcome([Reply("reminders.broadcast_private_only")])
            body = unicodedata.normalize("NFC", text).strip()
            if not body:
                return Outcome([Reply("reminders.broadcast_usage")])
            if len(body) > TEXT_MAX:
                return Outcome([Reply("reminders.broadcast_too_long",
                                      {"max": TEXT_MAX, "length": len(body)})])
            if is_classified(body):
                return Outcome([Reply("reminders.broadcast_classified")])
            group, body = self._group_of(body)
            seats = await self._recipients(uow, group)
            if not seats and group is not None:
                return Outcome([Reply("reminders.broadcast_nobody_group",
                                      {"group": self._plan.group(group).name})])
            if not seats:
                return Outcome([Reply("reminders.broadcast_nobody")])
            data = {"text": body, "id": secrets.token_hex(8), "count": len(seats)}
            if group is not None:
                data["group"] = group
            step = Step.go(STEP, data, self._preview(data))
            return await self._dialogue.save(uow, actor, FLOW, step, now)

        return await self._dialogue.once(message_key, now, work)

    def _group_of(self, body: str) -> tuple[str | None, str]:
        """A first word naming a group of the plan targets that group (ids carry a hyphen or
        are plan slugs, never a plain Vietnamese word); the rest is the message."""
        first, _, rest = body.partition(" ")
        groups = {group.id for group in self._plan.groups}
        if first.strip() in groups and rest.strip():
            return first.strip(), rest.strip()
        return None, body

    async def _recipients(self, uow: UnitOfWork, group: str | None = None) -> list[Any]:
        seats = await uow.focal_points.active(self._plan.id)
        members = set(self._plan.group(group).members) if group is not None else None
        return [seat for seat in seats if seat.chat is not None
                and (members is None or seat.unit_id in members)]

    def _preview(self, data: dict[str, Any]) -> Reply:
        if data.get("group"):
            return Reply("reminders.broadcast_preview_group",
                         {"text": data["text"], "count": data["count"],
                          "group": self._plan.group(data["group"]).name}, CHOICES, step=STEP)
        return Reply("reminders.broadcast_preview", {"text": data["text"], "count": data["count"]},
                     CHOICES, step=STEP)

    def prompt(self, conversation: Conversation) -> Reply:
        """The preview and its question again."""
        return self._preview(dict(conversation.data))

    async def advance(
        self, uow: UnitOfWork, conversation: Conversation, actor: Actor, answer: Answer,
        now: datetime,
    ) -> Step:
        """Send on "1" (or yes), drop on "2" (or no); ask again otherwise."""
        data = dict(conversation.data)
        typed = answer.text or ""
        choice = parse_choice(typed, _WORDS)
        if choice is None:
            yes = parse_yes_no(typed)
            choice = None if yes is None else (0 if yes else 1)
        if choice is None:
            return Step.go(STEP, data, Reply("reminders.broadcast_choose"), self._preview(data))
        if choice == 1:
            return Step.end(Reply("reminders.broadcast_cancelled"))
        seats = await self._recipients(uow, data.get("group"))
        sender = self._plan.unit(self._plan.secretariat).name
        for seat in seats:
            await uow.outbox.enqueue(
                OutboxMessage(
                    key=f"broadcast:{data['id']}:seat:{seat.id}",
                    kind="broadcast",
                    address=seat.chat,
                    text_key="reminders.broadcast_message",
                    payload={"text": data["text"], "sender": sender},
                    locale=seat.locale or actor.locale,
                    due_at=now,
                    created_at=now,
                    recipient_unit_id=seat.unit_id,
                    campaign_id=self._plan.id,
                )
            )
        await uow.audit.append(AuditEntry(
            now, "broadcast.queued", actor.user, self._plan.id, None,
            {"broadcast": data["id"], "recipients": len(seats), "length": len(data["text"])},
        ))
        if self._policy.in_quiet_hours(now):
            held = self._policy.local(self._policy.quiet_end(now)).strftime("%H:%M %d/%m")
            return Step.end(Reply("reminders.broadcast_held", {"count": len(seats), "at": held}))
        return Step.end(Reply("reminders.broadcast_queued", {"count": len(seats)}))
