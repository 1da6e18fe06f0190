"""Focal-point registration: invites, consent, name, position, phone, handover, erasure."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.address import Address
from bot.domain.plan import DeadlineKind, Plan
from bot.domain.privacy import PersonTraces, erased_address
from bot.domain.records import (
    AuditEntry,
    Conversation,
    FocalPoint,
    FocalPointRole,
    Invite,
    OutboxMessage,
)
from bot.services.continuity import FLOW as CARRY_ON
from bot.services.continuity import pending_units
from bot.services.dialogue import DialogueService, Step, draft_reminder, draft_reminder_due
from bot.services.outbox import enqueue_new
from bot.services.parsing import PhoneError, format_phone, parse_choice, parse_phone, parse_yes_no
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.replies import Actor, Answer, Choice, Outcome, Reply

FLOW = "register"
FORGET_FLOW = "forget"
FORGET_STEP = "forget-confirm"
NAME_MAX = 100
POSITION_MAX = 150
CODE_BYTES = 16  # 128 bits; token_urlsafe gives [A-Za-z0-9_-], fit for a deep link
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

CONFIRM_CHOICES = (
    Choice("registration.choice_save"),
    Choice("registration.choice_edit_name"),
    Choice("registration.choice_edit_position"),
    Choice("registration.choice_edit_phone"),
)
YES_NO = (Choice("registration.choice_agree"), Choice("registration.choice_decline"))


# A code inside a longer text: a long run of code characters that is not a plain word.
_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{16,64}(?![A-Za-z0-9_-])")


def codes_in(text: str) -> list[str]:
    """The invite codes a text may hold (at most five), in the order written."""
    found = [match for match in _CODE_IN_TEXT.findall(text)
             if not match.isalpha() or not match.islower()]
    return list(dict.fromkeys(found))[:5]


def hash_code(code: str) -> str:
    """The SHA-256 hex digest under which an invite code is stored."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A fresh random invite code (128 bits, deep-link safe)."""
    return secrets.token_urlsafe(CODE_BYTES)


@dataclass(frozen=True)
class IssuedInvite:
    """An invite just created: the only moment its code is known in clear."""

    unit_id: str
    unit_name: str
    code: str
    link: str
    kind: FocalPointRole
    expires: datetime


def shorten(text: str, limit: int = 160) -> str:
    """A long plan text cut at a word boundary, for lists read on a phone."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def clean_text(text: str | None, limit: int) -> tuple[str | None, str | None]:
    """(cleaned text, None) or (None, problem) for a typed name or position."""
    if text is None:
        return None, "not_text"
    cleaned = unicodedata.normalize("NFC", text)
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch)[0] != "C" or ch == " ")
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    letters = sum(1 for ch in cleaned if unicodedata.category(ch).startswith("L"))
    if len(cleaned) > limit:
        return None, "too_long"
    if letters < 2:
        return None, "no_letters"
    return cleaned, None


class RegistrationService:
    """Registers focal points and deputies of units, with consent and an audit trail."""

    name = FLOW
    steps = frozenset({"consent", "name", "position", "phone", "confirm"})
    # Steps whose answer is free text: "Huy" there is a name, not a cancellation.
    free_text = frozenset({"name", "position"})
    # Steps where "hủy" is an answer of their own: a name, a "no" to consent or to the card.
    own_cancel = frozenset({"consent", "name", "position", "confirm"})

    def __init__(
        self,
        plan: Plan,
        uow_factory: UnitOfWorkFactory,
        dialogue: DialogueService,
        admin_ids: frozenset[Address],
        invite_link: Callable[[str], str],
        retention_months: int = 12,
    ) -> None:
        self._plan = plan
        self._retention_months = retention_months
        self._uow_factory = uow_factory
        self._dialogue = dialogue
        self._admin_ids = admin_ids
        self._invite_link = invite_link
        self._on_erased: list[Callable[[frozenset[Address]], None]] = []
        self._on_seats_changed: list[Callable[[], None]] = []
        dialogue.add_flow(self)
        dialogue.add_flow(ForgetFlow(self))

    def on_erased(self, hook: Callable[[frozenset[Address]], None]) -> None:
        """Call `hook` with the addresses of every erased person (to drop cached values)."""
        self._on_erased.append(hook)

    def on_seats_changed(self, hook: Callable[[], None]) -> None:
        """Call `hook` when a registration changed who holds a seat (before the commit)."""
        self._on_seats_changed.append(hook)

    # --- invites --------------------------------------------------------------------------

    def link(self, code: str) -> str:
        """A link that opens a chat with the bot and starts registration with a code, where the
        channel has one (Telegram's deep links); the code itself works on every channel."""
        return self._invite_link(code)

    async def issue_invites(
        self,
        unit_ids: Sequence[str] | None,
        kind: FocalPointRole,
        now: datetime,
        *,
        uow: UnitOfWork | None = None,
        expires: datetime | None = None,
        actor: Address | None = None,
    ) -> list[IssuedInvite]:
        """One new invite per unit (default: every unit that must name a focal point)."""
        units = (
            [self._plan.unit(unit_id) for unit_id in unit_ids]
            if unit_ids is not None
            else list(self._plan.focal_point_units)
        )
        expiry = expires or self._plan.end
        if uow is not None:
            return await self._issue(uow, units, kind, now, expiry, actor)
        async with self._uow_factory() as own:
            issued = await self._issue(own, units, kind, now, expiry, actor)
            await own.commit()
        return issued

    async def _issue(self, uow, units, kind, now, expiry, actor) -> list[IssuedInvite]:  # noqa: ANN001
        issued = []
        for unit in units:
            code = new_code()
            await uow.invites.add(
                Invite(self._plan.id, unit.id, kind, hash_code(code), now, expiry)
            )
            await uow.audit.append(
                AuditEntry(now, "invite.created", actor, self._plan.id, unit.id,
                           {"kind": kind.value, "expires": expiry.isoformat()})
            )
            issued.append(IssuedInvite(unit.id, unit.name, code, self.link(code), kind, expiry))
        return issued

    async def needing_invites(self, now: datetime) -> list[str]:
        """The units that must name a focal point and have none, nor a last campaign's focal
        point being asked to carry on (see bot/services/continuity.py), in plan order."""
        async with self._uow_factory(read_only=True) as uow:
            served = {seat.unit_id for seat in await uow.focal_points.active(self._plan.id)
                      if seat.role is FocalPointRole.FOCAL_POINT}
            asked = pending_units(await uow.conversations.of_flow(CARRY_ON), self._plan.id, now)
        return [unit.id for unit in self._plan.focal_point_units
                if unit.id not in served and unit.id not in asked]

    async def revoke(self, unit_id: str, now: datetime, actor: Address | None = None) -> int:
        """Revoke every unused invite of a unit; return how many."""
        self._plan.unit(unit_id)
        async with self._uow_factory() as uow:
            count = await uow.invites.revoke_unit(self._plan.id, unit_id, now)
            await uow.audit.append(
                AuditEntry(now, "invite.revoked", actor, self._plan.id, unit_id,
                           {"count": count})
            )
            await uow.commit()
        return count

    # --- the conversation -----------------------------------------------------------------

    async def start(
        self, actor: Actor, code: str, now: datetime, message_key: str | None = None
    ) -> Outcome:
        """Open the registration conversation for an invite code."""

        async def work(uow: UnitOfWork) -> Outcome:
            if not actor.private:
                return Outcome([Reply("registration.private_only")])
            invite, problem = await self._check_invite(uow, code, now)
            if invite is None:
                await uow.audit.append(
                    AuditEntry(now, "invite.refused", actor.user, self._plan.id, None,
                               {"reason": problem})
                )
                return Outcome([Reply(f"registration.invite_{problem}")])
            others = [
                seat for seat in await uow.focal_points.active_for_user(
                    self._plan.id, actor.user)
                if seat.unit_id != invite.unit_id
            ]
            if others:
                unit = self._plan.unit(others[0].unit_id)
                return Outcome([Reply("registration.already_other_unit", {"unit": unit.name})])
            data = {"invite_id": invite.id, "unit_id": invite.unit_id, "kind": invite.kind.value}
            unit = self._plan.unit(invite.unit_id)
            welcome = Reply(f"registration.welcome_{invite.kind.value}", {"unit": unit.name})
            step = Step.go("consent", data, welcome, self._consent_prompt())
            return await self._dialogue.save(uow, actor, FLOW, step, now)

        return await self._dialogue.once(message_key, now, work)

    async def start_from_text(
        self, actor: Actor, text: str, now: datetime, message_key: str | None = None
    ) -> Outcome | None:
        """Registration from a code found in what was typed or forwarded (the bare code, the
        invite letter, a link); None when the text holds no code."""
        candidates = codes_in(text)
        if not candidates:
            return None
        async with self._uow_factory() as uow:
            found = None
            for code in candidates:
                invite = await uow.invites.by_hash(hash_code(code))
                if invite is not None and invite.campaign_id == self._plan.id:
                    found = code
                    break
        if found is not None:
            return await self.start(actor, found, now, message_key)
        if text.strip() in candidates:  # only a code, and a wrong one: say why
            return await self.start(actor, text.strip(), now, message_key)
        return None

    async def _check_invite(
        self, uow: UnitOfWork, code: str, now: datetime
    ) -> tuple[Invite | None, str]:
        if not _CODE.match(code):
            return None, "wrong"
        invite = await uow.invites.by_hash(hash_code(code))
        if invite is None or invite.campaign_id != self._plan.id:
            return None, "wrong"
        if invite.revoked_at is not None:
            return None, "revoked"
        if invite.used_at is not None:
            return None, "used"
        if invite.expires_at <= now:
            return None, "expired"
        return invite, ""

    # --- a registration left unfinished is kept until the focal-point deadline -------------

    def keep_until(self, data: Any, now: datetime) -> datetime:
        """Until the unit's registration deadline; once that is past, the campaign's end."""
        dues = [d.due for d in self._plan.deadlines
                if d.kind is DeadlineKind.REGISTRATION and data.get("unit_id") in d.units
                and d.due > now]
        return min(dues) if dues else self._plan.end

    async def remind_drafts(self, now: datetime) -> int:
        """Queue one reminder per unfinished registration left untouched, before its
        deadline (once: the key names the invite it began with)."""
        async with self._uow_factory() as uow:
            planned: list[OutboxMessage] = []
            for draft in await uow.conversations.of_flow(FLOW):
                if not self._dialogue.owns(draft):
                    continue  # another campaign\'s flow reminds it
                due = self.keep_until(draft.data, now)
                if due == self._plan.end or not draft_reminder_due(draft, due, now):
                    continue  # no registration deadline ahead: nothing to be in time for
                reply = self.pending(draft, kept=False, key="reminder")
                planned.append(draft_reminder(
                    draft, reply, f"draft:{draft.user.key}:invite:{draft.data.get('invite_id')}",
                    due, self._plan.timezone, now, locale=draft.data.get("locale", "vi"),
                    unit_id=draft.data.get("unit_id"), campaign_id=self._plan.id))
            count = await enqueue_new(uow, planned)
            await uow.commit()
        return count

    def pending(self, conversation: Conversation, *, kept: bool, key: str = "") -> Reply:
        """The unfinished registration: for which unit, at which step, how to go on (one
        wording for a return, one for another command in the middle, one for the reminder)."""
        key = f"drafts.registration_{key or ('kept' if kept else 'pending')}"
        return Reply(key, {"unit": self._plan.unit(conversation.data["unit_id"]).name,
                           "where": {"key": f"drafts.where_{conversation.step}"}})

    def finish(self, conversation: Conversation) -> Step | None:
        """"xong" after a pause: the question where the person stopped."""
        return Step.go(conversation.step, conversation.data, self.prompt(conversation))

    def _consent_prompt(self) -> Reply:
        return Reply("registration.consent", self._privacy_values(), YES_NO, step="consent")

    def prompt(self, conversation: Conversation) -> Reply:
        """The question of the conversation's current step."""
        step = conversation.step
        if step == "consent":
            return self._consent_prompt()
        if step == "name":
            return Reply("registration.ask_name")
        if step == "position":
            return Reply("registration.ask_position")
        if step == "phone":
            return Reply("registration.ask_phone", request_contact=True)
        return self._card(conversation.data)

    def _card(self, data: dict[str, Any]) -> Reply:
        return Reply(
            "registration.card",
            {
                "unit": self._plan.unit(data["unit_id"]).name,
                "name": data["name"],
                "position": data["position"],
                "phone": format_phone(data["phone"]),
            },
            CONFIRM_CHOICES,
            step="confirm",
        )

    def _next(self, data: dict[str, Any], field_step: str) -> str:
        if data.get("editing"):
            return "confirm"
        return {"name": "position", "position": "phone", "phone": "confirm"}[field_step]

    async def advance(
        self, uow: UnitOfWork, conversation: Conversation, actor: Actor, answer: Answer,
        now: datetime,
    ) -> Step:
        """Take one answer of the registration conversation."""
        data = dict(conversation.data)
        step = conversation.step
        if step == "consent":
            return self._on_consent(uow, data, answer, now, actor)
        if step in ("name", "position"):
            return self._on_text_field(data, step, answer)
        if step == "phone":
            return self._on_phone(data, answer, actor)
        return await self._on_confirm(uow, data, answer, now, actor, conversation)

    def _on_consent(self, uow, data, answer, now, actor) -> Step:  # noqa: ANN001
        choice = parse_yes_no(answer.text or "") if answer.text else None
        if choice is None:
            # The notice is long: only its question and the choices are asked again.
            return Step.go("consent", data, Reply("registration.consent_again"),
                           Reply("drafts.consent_question", {}, YES_NO, step="consent"))
        if not choice:
            return Step.end(Reply("registration.declined"))
        data["consent_at"] = now.isoformat()
        return Step.go("name", data, Reply("registration.ask_name"))

    def _on_text_field(self, data: dict[str, Any], step: str, answer: Answer) -> Step:
        limit = NAME_MAX if step == "name" else POSITION_MAX
        value, problem = clean_text(answer.text, limit)
        if value is None:
            ask = "registration.ask_name" if step == "name" else "registration.ask_position"
            return Step.go(step, data, Reply(f"registration.bad_{step}_{problem}",
                                             {"limit": limit}), Reply(ask))
        data[step] = value
        following = self._next(data, step)
        if following == "position":
            return Step.go("position", data, Reply("registration.ask_position"))
        if following == "phone":
            return Step.go("phone", data, Reply("registration.ask_phone", request_contact=True))
        data.pop("editing", None)
        return Step.go("confirm", data, self._card(data))

    def _on_phone(self, data: dict[str, Any], answer: Answer, actor: Actor) -> Step:
        if answer.contact is not None:
            if answer.contact.owner != actor.user:
                return Step.go("phone", data, Reply("registration.not_your_contact"),
                               Reply("registration.ask_phone", request_contact=True))
            raw = answer.contact.phone
        elif answer.text is not None:
            raw = answer.text
        else:
            return Step.go("phone", data, Reply("registration.bad_phone_invalid"),
                           Reply("registration.ask_phone", request_contact=True))
        try:
            phone = parse_phone(raw)
        except PhoneError as exc:
            return Step.go("phone", data, Reply(f"registration.bad_phone_{exc.reason}"),
                           Reply("registration.ask_phone", request_contact=True))
        data["phone"] = phone.e164
        data.pop("editing", None)
        return Step.go(
            "confirm", data,
            Reply("registration.phone_ok", {"phone": phone.display}, remove_keyboard=True),
            self._card(data),
        )

    async def _on_confirm(self, uow, data, answer, now, actor, conversation) -> Step:  # noqa: ANN001
        index = parse_choice(answer.text or "", ["luu", "ho ten", "chuc vu", "so dien thoai"])
        if index is None and parse_yes_no(answer.text or "") is True:
            index = 0
        if index is None:
            return Step.go("confirm", data, Reply("registration.choose_again"), self._card(data))
        if index == 1:
            data["editing"] = True
            return Step.go("name", data, Reply("registration.ask_name"))
        if index == 2:
            data["editing"] = True
            return Step.go("position", data, Reply("registration.ask_position"))
        if index == 3:
            data["editing"] = True
            return Step.go("phone", data, Reply("registration.ask_phone", request_contact=True))
        return await self._save(uow, data, now, actor)

    async def _save(
        self, uow: UnitOfWork, data: dict[str, Any], now: datetime, actor: Actor
    ) -> Step:
        kind = FocalPointRole(data["kind"])
        unit = self._plan.unit(data["unit_id"])
        if not await uow.invites.use(data["invite_id"], actor.user, now):
            return Step.end(Reply("registration.invite_used"))
        await uow.audit.append(
            AuditEntry(now, "invite.used", actor.user, self._plan.id, unit.id,
                       {"invite_id": data["invite_id"], "kind": kind.value})
        )
        previous = [
            seat for seat in await uow.focal_points.active_for_unit(self._plan.id, unit.id)
            if seat.role is kind
        ]
        for seat in previous:
            same_person = seat.user == actor.user
            reason = "re-registered" if same_person else "handover"
            await uow.focal_points.end(seat.id, now, reason)
            if not same_person:
                await self._handover(uow, seat, unit.name, data["name"], now, actor)
        saved = await uow.focal_points.add(
            FocalPoint(
                campaign_id=self._plan.id,
                unit_id=unit.id,
                role=kind,
                user=actor.user,
                chat=actor.chat,
                full_name=data["name"],
                position=data["position"],
                phone_e164=data["phone"],
                locale=actor.locale,
                consent_at=datetime.fromisoformat(data["consent_at"]),
                registered_at=now,
            )
        )
        await uow.audit.append(
            AuditEntry(now, "focal_point.registered", actor.user, self._plan.id, unit.id,
                       {"focal_point_id": saved.id, "role": kind.value})
        )
        for hook in self._on_seats_changed:
            hook()
        return Step.end(
            Reply("registration.saved", {"unit": unit.name}),
            self.unit_brief(unit.id),
        )

    async def _handover(self, uow, seat, unit_name, new_name, now, actor) -> None:  # noqa: ANN001
        await uow.audit.append(
            AuditEntry(now, "focal_point.handover", actor.user, self._plan.id, seat.unit_id,
                       {"from_focal_point_id": seat.id, "to": str(actor.user)})
        )
        if seat.chat is None:
            return
        await uow.outbox.enqueue(
            OutboxMessage(
                key=f"handover:{seat.id}",
                kind="handover",
                address=seat.chat,
                text_key="registration.handover_notice",
                payload={"unit": unit_name, "name": new_name},
                locale=seat.locale or "vi",
                due_at=now,
                created_at=now,
                recipient_unit_id=seat.unit_id,
                campaign_id=self._plan.id,
            )
        )

    def unit_brief(self, unit_id: str) -> Reply:
        """The unit's tasks and deadlines, shown right after registration."""
        tasks = self._plan.tasks_of(unit_id)
        lines = [f"{number}. {shorten(task.text)}" for number, task in enumerate(tasks, start=1)]
        deadlines = [
            d for d in self._plan.deadlines if unit_id in d.units
        ]
        zone = ZoneInfo(self._plan.timezone)
        due_lines = [
            f"• {d.due.astimezone(zone).strftime('%d/%m/%Y %H:%M')} — {d.title}"
            for d in deadlines
        ]
        return Reply(
            "registration.unit_brief",
            {
                "tasks": "\n".join(lines) or "—",
                "deadlines": "\n".join(due_lines) or "—",
                "count": len(tasks),
            },
        )

    # --- privacy and erasure ----------------------------------------------------------------

    async def privacy(self, actor: Actor) -> Reply:
        """What is stored about the user, and why."""
        async with self._uow_factory() as uow:
            seats = await uow.focal_points.active_for_user(self._plan.id, actor.user)
        if not seats:
            return Reply("registration.privacy_nothing", self._privacy_values())
        seat = seats[0]
        zone = ZoneInfo(self._plan.timezone)
        return Reply(
            "registration.privacy_stored",
            {
                **self._privacy_values(),
                "unit": self._plan.unit(seat.unit_id).name,
                "name": seat.full_name,
                "position": seat.position,
                "phone": format_phone(seat.phone_e164) if seat.phone_e164 else "—",
                "registered": seat.registered_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
                "consented": seat.consent_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
            },
        )

    def _privacy_values(self) -> dict[str, object]:
        return {"secretariat": self._plan.unit(self._plan.secretariat).name,
                "months": self._retention_months}

    async def ask_forget(
        self, actor: Actor, now: datetime, message_key: str | None = None
    ) -> Outcome:
        """Ask a registered user to confirm the erasure of their data."""

        async def work(uow: UnitOfWork) -> Outcome:
            # A person who handed over their seat is still stored and may ask to be forgotten.
            if not await uow.focal_points.held_by(actor.user):
                return Outcome([Reply("registration.forget_nothing")])
            step = Step.go(FORGET_STEP, {}, ForgetFlow.question())
            return await self._dialogue.save(uow, actor, FORGET_FLOW, step, now)

        return await self._dialogue.once(message_key, now, work)

    async def erase(self, uow: UnitOfWork, actor: Actor, now: datetime) -> Reply:
        """Erase the person everywhere; tell the secretariat which units need a new focal point.

        Every seat the person holds or held loses name, position, phone and addresses. Reports
        stay the unit's but are credited to a placeholder, `erased:<seat id>`; the audit log,
        used invites and the outbox point to it too; their conversations and language choice
        are deleted; stored answers that mention them are dropped (see `forget_person`).
        """
        seats = await uow.focal_points.held_by(actor.user)
        if not seats:
            return Reply("registration.erased")
        await self.forget_seats(uow, seats, {actor.chat} if actor.private else set(), now)
        for seat in seats:
            if seat.ended_at is not None or seat.campaign_id != self._plan.id:
                continue  # only a seat held now leaves a unit without its focal point
            await uow.audit.append(
                AuditEntry(now, "focal_point.erased", None, self._plan.id, seat.unit_id,
                           {"focal_point_id": seat.id, "role": seat.role.value})
            )
            unit = self._plan.unit(seat.unit_id)
            for admin in sorted(self._admin_ids):
                await uow.outbox.enqueue(
                    OutboxMessage(
                        key=f"erased:{seat.id}:{admin.key}",
                        kind="erasure",
                        address=admin,
                        text_key="registration.erased_notice",
                        payload={"unit": unit.name},
                        locale="vi",
                        due_at=now,
                        created_at=now,
                        recipient_unit_id=None,
                        campaign_id=self._plan.id,
                    )
                )
        return Reply("registration.erased")

    async def forget_seats(
        self, uow: UnitOfWork, seats: list[FocalPoint], also: set[Address], now: datetime
    ) -> PersonTraces:
        """Erase one person's seats and every trace of them (``also``: more of their addresses).

        Shared by `/xoadulieu` and the retention rule, so both erase exactly the same things.
        """
        placeholder = erased_address(min(seat.id or 0 for seat in seats))
        addresses = [*also, *(seat.user for seat in seats), *(seat.chat for seat in seats)]
        traces = PersonTraces.of(
            addresses, [seat.full_name for seat in seats], [seat.phone_e164 for seat in seats]
        )
        for seat in seats:
            assert seat.id is not None
            await uow.focal_points.erase(seat.id, now)
        await forget_person(uow, traces, placeholder)
        for hook in self._on_erased:
            hook(traces.addresses)
        return traces


class ForgetFlow:
    """The one-question flow that confirms an erasure."""

    name = FORGET_FLOW
    # Not "confirm": the registration card's buttons stay on screen and say "c:confirm:N".
    steps = frozenset({FORGET_STEP})

    def __init__(self, registration: RegistrationService) -> None:
        self._registration = registration

    @staticmethod
    def question() -> Reply:
        """Ask for confirmation."""
        return Reply(
            "registration.forget_confirm",
            choices=(Choice("registration.choice_forget_yes"), Choice("registration.choice_no")),
            step=FORGET_STEP,
        )

    def prompt(self, conversation: Conversation) -> Reply:
        """The confirmation question again."""
        return self.question()

    async def advance(
        self, uow: UnitOfWork, conversation: Conversation, actor: Actor, answer: Answer,
        now: datetime,
    ) -> Step:
        """Erase on yes, keep everything on no."""
        choice = parse_yes_no(answer.text or "")
        if choice is None:
            return Step.go(FORGET_STEP, {}, Reply("registration.choose_again"), self.question())
        if not choice:
            return Step.end(Reply("registration.forget_kept"))
        return Step.end(await self._registration.erase(uow, actor, now))


async def forget_person(uow: UnitOfWork, traces: PersonTraces, placeholder: Address) -> None:
    """Remove a person's traces from every table other than `focal_points`.

    Rule for stored answers (`processed_updates`): an answer that holds the person's name,
    phone number (any format) or address is dropped, its key kept, so a redelivery is still
    not handled twice; every other answer is pruned a day after it was stored anyway
    (`DialogueService`'s callers prune with `prune_replays`), since no platform redelivers later.
    """
    for user in sorted(traces.addresses):
        await uow.invites.forget_user(user, placeholder)
        await uow.reports.forget_submitter(user, placeholder)
    await uow.audit.forget(traces, placeholder)
    await uow.conversations.delete_of(traces.addresses)
    await uow.prefs.forget(traces.addresses)
    await uow.outbox.forget(traces, placeholder)
    await uow.updates.forget(traces)
    await uow.inbox.forget(traces)
