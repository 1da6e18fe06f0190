"""A new campaign asks each shared unit's last focal point whether to keep serving.

Units are shared by id across campaigns. When a campaign starts and a unit it needs has no focal
point in it yet, the person who served the unit in the campaign before (the latest to start) is
asked in one message: "1. I keep serving as focal point for the new plan" or "2. The unit will
send someone else". Consent is per purpose (Law 91/2025): the new campaign is a new purpose, so
the question says what will be processed for it, and answering 1 is the consent to it. While the
question waits, the unit needs no invite; once it is declined (or left unanswered until it lapses)
the unit is missing as any unit without a focal point, and the secretariat's invite list shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.plan import Plan
from bot.domain.records import AuditEntry, Conversation, FocalPoint, FocalPointRole, OutboxMessage
from bot.services.dialogue import CAMPAIGN, DialogueService, Step
from bot.services.parsing import parse_choice
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.replies import Actor, Answer, Reply
from bot.texts import t

FLOW = "carry_on"
STEP = "carry_on"
ASKED = "focal_point.carry_on_asked"
KEPT = "focal_point.carried_on"
DECLINED = "focal_point.carry_on_declined"
_OPTIONS = ("continuity.choice_keep", "continuity.choice_other")


def pending_units(conversations: list[Conversation], campaign_id: str, now: datetime
                  ) -> set[str]:
    """The units whose last focal point has not yet said whether they keep serving."""
    return {str(c.data["unit_id"]) for c in conversations
            if c.data.get(CAMPAIGN) == campaign_id and not c.expired(now)}


class ContinuityService:
    """Asks last campaign's focal points to carry on, and takes their answer (a flow)."""

    name = FLOW
    steps = frozenset({STEP})

    def __init__(self, plan: Plan, uow_factory: UnitOfWorkFactory, dialogue: DialogueService,
                 retention_months: int, brief: Callable[[str], Reply]) -> None:
        self._plan = plan
        self._uow_factory = uow_factory
        self._dialogue = dialogue
        self._months = retention_months
        self._brief = brief
        self._on_seats_changed: list[Callable[[], None]] = []
        dialogue.add_flow(self)

    def on_seats_changed(self, hook: Callable[[], None]) -> None:
        """Call `hook` when a focal point carried on (menus follow seats)."""
        self._on_seats_changed.append(hook)

    async def offer(self, now: datetime) -> int:
        """Ask, once each, the last focal point of every unit still without one in this
        running campaign; return how many were asked (someone in a conversation is asked on a
        later tick, so that no answer of theirs is taken for this one)."""
        plan = self._plan
        if not plan.start <= now < plan.end:
            return 0
        asked = 0
        async with self._uow_factory() as uow:
            earlier = sorted((c for c in await uow.campaigns.all()
                              if c.id != plan.id and c.start_at < plan.start),
                             key=lambda c: c.start_at, reverse=True)
            if not earlier:
                return 0
            seats = await uow.focal_points.active(plan.id)
            served = {seat.unit_id for seat in seats}
            busy = {seat.user for seat in seats}
            for unit in plan.focal_point_units:
                if unit.id in served:
                    continue
                last = await self._last_seat(uow, [c.id for c in earlier], unit.id)
                if last is None or last.user in busy or last.chat is None or last.user is None:
                    continue
                key = f"carry-on:{plan.id}:{unit.id}:{last.id}"
                if await uow.outbox.existing_keys([key]) or await uow.conversations.get(
                        last.chat, last.user, now) is not None:
                    continue
                await self._ask(uow, last, unit.id, key, now)
                busy.add(last.user)
                asked += 1
            await uow.commit()
        return asked

    async def _last_seat(self, uow: UnitOfWork, campaigns: list[str], unit_id: str
                         ) -> FocalPoint | None:
        for campaign_id in campaigns:
            for seat in await uow.focal_points.active_for_unit(campaign_id, unit_id):
                if seat.role is FocalPointRole.FOCAL_POINT and seat.user is not None:
                    return seat
        return None

    async def _ask(self, uow: UnitOfWork, last: FocalPoint, unit_id: str, key: str,
                   now: datetime) -> None:
        assert last.user is not None and last.chat is not None
        locale = last.locale or "vi"
        previous = await uow.campaigns.get(last.campaign_id)
        data = {"unit_id": unit_id, "seat_id": last.id, "from": last.campaign_id}
        await self._dialogue.save(uow, Actor(last.user, last.chat, locale), FLOW,
                                  Step.go(STEP, data), now)
        await uow.outbox.enqueue(OutboxMessage(
            key=key, kind="carry_on", address=last.chat, text_key="continuity.ask",
            payload={**self._values(unit_id),
                     "previous": previous.title if previous else last.campaign_id,
                     "secretariat": self._plan.unit(self._plan.secretariat).name,
                     "months": self._months},
            locale=locale, due_at=now, created_at=now, recipient_unit_id=unit_id,
            campaign_id=self._plan.id))
        await uow.audit.append(AuditEntry(now, ASKED, None, self._plan.id, unit_id,
                                          {"focal_point_id": last.id, "from": last.campaign_id}))

    def _values(self, unit_id: str) -> dict[str, object]:
        return {"unit": self._plan.unit(unit_id).name, "campaign": self._plan.title}

    def prompt(self, conversation: Conversation) -> Reply:
        """The question again, short."""
        return Reply("continuity.again", self._values(str(conversation.data["unit_id"])))

    async def advance(self, uow: UnitOfWork, conversation: Conversation, actor: Actor,
                      answer: Answer, now: datetime) -> Step:
        """1: the person is the unit's focal point in this campaign too (consent for it given
        now); 2: the unit will send someone else; anything else: asked again."""
        data = dict(conversation.data)
        unit_id = str(data["unit_id"])
        options = [t(key, actor.locale, **self._values(unit_id)) for key in _OPTIONS]
        choice = parse_choice(answer.text or "", options)
        if choice is None:
            return Step.go(STEP, data, self.prompt(conversation))
        if choice == 1:
            await uow.audit.append(AuditEntry(now, DECLINED, actor.user, self._plan.id,
                                              unit_id, {"focal_point_id": data["seat_id"]}))
            return Step.end(Reply("continuity.declined", self._values(unit_id)))
        if await uow.focal_points.active_for_unit(self._plan.id, unit_id):
            return Step.end(Reply("continuity.taken", self._values(unit_id)))
        last = next((seat for seat in await uow.focal_points.active_for_unit(
            str(data["from"]), unit_id) if seat.id == data["seat_id"]), None)
        if last is None or last.user != actor.user:
            return Step.end(Reply("continuity.lapsed", self._values(unit_id)))
        saved = await uow.focal_points.add(FocalPoint(
            campaign_id=self._plan.id, unit_id=unit_id, role=FocalPointRole.FOCAL_POINT,
            user=last.user, chat=last.chat, full_name=last.full_name, position=last.position,
            phone_e164=last.phone_e164, locale=last.locale, consent_at=now, registered_at=now))
        await uow.audit.append(AuditEntry(now, KEPT, actor.user, self._plan.id, unit_id, {
            "focal_point_id": saved.id, "from_focal_point_id": last.id,
            "consent": "carry_on", "purpose": self._plan.id}))
        for hook in self._on_seats_changed:
            hook()
        return Step.end(Reply("continuity.kept", self._values(unit_id)), self._brief(unit_id))
