"""Which campaign a person's message is about, when the bot serves several.

A person takes part in the campaigns where they hold a seat (the secretariat and the head in
every campaign served). Their message is about, in this order: the campaign of the conversation
they are in; the one they chose (`/kehoach`, or by answering the bot's question); the only one
they take part in. When none of these tells, a command that needs a campaign is held while the
bot asks which one, and runs once it is answered.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.address import Address
from bot.domain.plan import Plan
from bot.domain.records import Conversation
from bot.services.continuity import FLOW as CARRY_ON
from bot.services.dialogue import CAMPAIGN
from bot.services.ports import UnitOfWorkFactory
from bot.services.preferences import PreferenceService
from bot.services.registration import codes_in, hash_code
from bot.services.replies import Actor

PICK_FLOW = "campaign"
PICK_STEP = "campaign_pick"
PICK_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class Held:
    """A command held while the person says which campaign it is for."""

    command: str
    args: tuple[str, ...] = ()
    args_text: str = ""


@dataclass(frozen=True)
class Situation:
    """What tells which campaign a person's message is about."""

    choices: tuple[Plan, ...] = ()  # the campaigns they take part in, in the order served
    # The campaign of their open conversation, else the one chosen, else the only one.
    campaign_id: str | None = None
    from_conversation: bool = False
    held: Held | None = None  # a command waiting for their answer to "which campaign?"

    @property
    def unclear(self) -> bool:
        """Whether a command needing a campaign must ask which one first."""
        return self.campaign_id is None and len(self.choices) > 1


@dataclass
class ParticipationService:
    """The campaigns each person takes part in, and the one they work in now."""

    plans: Sequence[Plan]
    uow_factory: UnitOfWorkFactory
    staff: Collection[Address]
    preferences: PreferenceService
    _ids: dict[str, Plan] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = {plan.id: plan for plan in self.plans}

    @property
    def several(self) -> bool:
        """Whether the bot serves more than one campaign."""
        return len(self.plans) > 1

    def plan(self, campaign_id: str) -> Plan:
        """A campaign served, by id."""
        return self._ids[campaign_id]

    async def taking_part(self, user: Address) -> list[Plan]:
        """The campaigns served in which the person holds a seat (staff: all of them)."""
        if user in self.staff:
            return list(self.plans)
        async with self.uow_factory(read_only=True, snapshot=False) as uow:
            return [plan for plan in self.plans
                    if await uow.focal_points.active_for_user(plan.id, user)]

    async def situation(self, actor: Actor, now: datetime, *, command: bool = False
                        ) -> Situation:
        """Where the person stands: their campaigns, the one their message is about, if known,
        and a command held for their choice. A command is not about the campaign asking
        them to carry on (they serve in it only once they said so)."""
        choices = tuple(await self.taking_part(actor.user))
        async with self.uow_factory(read_only=True, snapshot=False) as uow:
            conversation = await uow.conversations.get(actor.chat, actor.user, now)
            # Read afresh, not cached: another instance may have taken the person's choice.
            chosen = await uow.prefs.campaign(actor.user)
        if conversation is not None and conversation.flow == PICK_FLOW:
            data = conversation.data
            held = Held(str(data["command"]), tuple(data.get("args", ())),
                        str(data.get("args_text", "")))
            return Situation(choices, None, held=held)
        if conversation is not None and not (command and conversation.flow == CARRY_ON):
            # Begun before several campaigns were served: the first one's (it was the only).
            stamped = conversation.data.get(CAMPAIGN) or self.plans[0].id
            if stamped in self._ids:
                return Situation(choices, stamped, from_conversation=True)
        if chosen is not None and any(plan.id == chosen for plan in choices):
            return Situation(choices, chosen)
        return Situation(choices, choices[0].id if len(choices) == 1 else None)

    async def campaign_of_code(self, text: str) -> str | None:
        """The campaign served whose invite code the text holds, if any."""
        candidates = codes_in(text)
        if not candidates:
            return None
        async with self.uow_factory(read_only=True, snapshot=False) as uow:
            for code in candidates:
                invite = await uow.invites.by_hash(hash_code(code))
                if invite is not None and invite.campaign_id in self._ids:
                    return invite.campaign_id
        return None

    async def hold(self, actor: Actor, held: Held, now: datetime) -> None:
        """Keep a command until the person says which campaign it is for."""
        async with self.uow_factory() as uow:
            await uow.conversations.put(Conversation(
                chat=actor.chat, user=actor.user, flow=PICK_FLOW, step=PICK_STEP,
                data={"command": held.command, "args": list(held.args),
                      "args_text": held.args_text},
                updated_at=now, expires_at=now + PICK_TTL))
            await uow.commit()

    async def drop_held(self, actor: Actor) -> None:
        """Forget the held command (the person went on with something else)."""
        async with self.uow_factory() as uow:
            await uow.conversations.delete(actor.chat, actor.user)
            await uow.commit()

    async def choose(self, actor: Actor, campaign_id: str) -> Plan:
        """Make a campaign the person's current one."""
        await self.preferences.choose_campaign(actor.user, campaign_id)
        return self._ids[campaign_id]
