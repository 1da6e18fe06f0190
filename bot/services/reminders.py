"""Reminders computed from the plan, the settings and the stored state, never kept in memory.

The plan gives fixed moments ("slots"): each phase's start, nudges before and after each
deadline, an escalation one working day after it, a daily digest in the focus period. At every
tick the service asks, for each slot up to now, who should hear what given the stored state
(who holds a seat, who met the deadline: `uow.progress.deadline_status`), and queues each message
in the outbox under a unique key: the same message is never queued twice, so a restart or a
second tick sends nothing again. Slots missed by more than the grace window (the bot was down)
are recorded as skipped.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.domain.address import Address
from bot.domain.plan import Deadline, DeadlineKind, Phase, Plan
from bot.domain.progress import UnitDeadline, in_view
from bot.domain.records import FocalPoint, FocalPointRole, OutboxMessage, OutboxStatus
from bot.services.continuity import FLOW as CARRY_ON
from bot.services.continuity import pending_units
from bot.services.outbox import DrainResult, OutboxService, line
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.schedule import ReminderPolicy

logger = logging.getLogger(__name__)

GROUP_KEY = "coordination_group"
# A phase announcement lists at most this many tasks, shortened, to stay one short message.
TASKS_LISTED = 8
TASK_TEXT_MAX = 140
#: How far ahead `next_due` and `/timeline` look for a slot that would send something.
LOOKAHEAD_SLOTS = 120


class SlotKind(StrEnum):
    """What a scheduled moment is for."""

    PHASE = "phase"
    NUDGE = "nudge"
    ESCALATION = "escalation"
    DIGEST = "digest"


_KIND_ORDER = {SlotKind.PHASE: 0, SlotKind.NUDGE: 1, SlotKind.ESCALATION: 2, SlotKind.DIGEST: 3}


@dataclass(frozen=True)
class Slot:
    """A moment the plan and the settings set for unattended messages."""

    kind: SlotKind
    at: datetime
    label: str = ""  # nudges: T-3d, T-0d, late-1…
    phase: Phase | None = None
    deadline: Deadline | None = None
    day: date | None = None  # digests: the local day

    @property
    def overdue(self) -> bool:
        """Whether this is a nudge after the deadline."""
        return self.label.startswith("late-")


@dataclass(frozen=True)
class Planned:
    """One message a slot calls for, before it is queued."""

    slot: Slot
    message: OutboxMessage
    units: tuple[str, ...] = ()
    # Units whose fresh invite links the message carries (issued only when it is queued).
    invites_for: tuple[str, ...] = ()


@dataclass
class TickResult:
    """What one tick queued and sent."""

    queued: int = 0
    skipped: int = 0
    drained: DrainResult = field(default_factory=DrainResult)


@dataclass(frozen=True)
class RemindResult:
    """What `/remind` did: the deadline chosen and who was nudged."""

    deadline: Deadline | None
    nudged: tuple[str, ...] = ()
    without_focal_point: tuple[str, ...] = ()
    registration_list: bool = False
    held_until: datetime | None = None


@dataclass(frozen=True)
class CoordinationGroup:
    """The group chat where announcements and digests are also posted."""

    address: Address
    title: str
    set_at: datetime


class InviteIssuer(Protocol):
    """Issues fresh invite links (the registration service)."""

    async def issue_invites(
        self,
        unit_ids: Sequence[str] | None,
        kind: FocalPointRole,
        now: datetime,
        *,
        uow: UnitOfWork | None = None,
    ) -> list[Any]:
        """One new invite per unit; each has unit_id, unit_name and link."""
        ...


# --- the slots of a plan (pure) -------------------------------------------------------------


def plan_slots(plan: Plan, policy: ReminderPolicy) -> list[Slot]:
    """Every scheduled moment of the campaign, in order."""
    slots = [Slot(SlotKind.PHASE, policy.deliverable(p.start), phase=p) for p in plan.phases]
    for deadline in plan.deadlines:
        slots.extend(_deadline_slots(deadline, policy))
    slots.extend(_digest_slots(plan, policy))
    return sorted(slots, key=lambda slot: (slot.at, _KIND_ORDER[slot.kind]))


def _deadline_slots(deadline: Deadline, policy: ReminderPolicy) -> list[Slot]:
    due = policy.local(deadline.due)
    slots = []
    for offset in policy.nudge_offsets:
        if offset.unit == "d":
            day = due.date() - timedelta(days=offset.amount)
            at = policy.at(day, policy.nudge_time)
        else:
            at = due - timedelta(hours=offset.amount)
            day = at.date()
        # A nudge that would fall on a skipped day or in quiet hours is dropped, not moved:
        # moving it could bring it after the deadline or on top of the next one.
        if at >= due or not policy.is_working_day(day) or policy.in_quiet_hours(at):
            continue
        slots.append(Slot(SlotKind.NUDGE, at, offset.label, deadline=deadline))
    day = due.date() if policy.at(due.date(), policy.nudge_time) > due else (
        due.date() + timedelta(days=1)
    )
    count = 0
    while count < policy.overdue_nudges_max:
        if policy.is_working_day(day):
            count += 1
            at = policy.quiet_end(policy.at(day, policy.nudge_time))
            slots.append(Slot(SlotKind.NUDGE, at, f"late-{count}", deadline=deadline))
        day += timedelta(days=1)
    first_working = next(policy.working_days_after(due.date()))
    escalate = policy.deliverable(policy.at(first_working, due.time()))
    slots.append(Slot(SlotKind.ESCALATION, escalate, deadline=deadline))
    return slots


def _digest_slots(plan: Plan, policy: ReminderPolicy) -> list[Slot]:
    start = plan.focus_start or plan.start
    end = plan.focus_end or plan.end
    day = policy.local(start).date()
    slots = []
    while day <= policy.local(end).date():
        at = policy.at(day, policy.digest_time)
        if start <= at <= end and policy.is_working_day(day) and not policy.in_quiet_hours(at):
            slots.append(Slot(SlotKind.DIGEST, at, day=day))
        day += timedelta(days=1)
    return slots


# --- the state a slot is judged against -----------------------------------------------------


@dataclass
class _State:
    seats: list[FocalPoint]
    status: dict[str, list[UnitDeadline]]
    group: CoordinationGroup | None
    # Units whose last campaign's focal point is being asked to carry on: no invite yet.
    asked: set[str] = field(default_factory=set)
    _by_unit: dict[str, list[FocalPoint]] = field(default_factory=dict)
    _rows: dict[tuple[str, str], UnitDeadline] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for seat in self.seats:
            if seat.chat is not None:
                self._by_unit.setdefault(seat.unit_id, []).append(seat)
        for seats in self._by_unit.values():
            seats.sort(key=lambda s: s.role is not FocalPointRole.FOCAL_POINT)
        for deadline_id, rows in self.status.items():
            for row in rows:
                self._rows[(deadline_id, row.unit_id)] = row

    def seats_at(self, moment: datetime) -> list[FocalPoint]:
        """Seats held at a moment whose holder can be written to."""
        return [s for s in self.seats if s.chat is not None and s.registered_at <= moment]

    def nudge_seat(self, unit_id: str, moment: datetime) -> FocalPoint | None:
        """Who receives a unit's nudges: its focal point, else its deputy."""
        for seat in self._by_unit.get(unit_id, ()):
            if seat.registered_at <= moment:
                return seat
        return None

    def row(self, deadline_id: str, unit_id: str) -> UnitDeadline | None:
        """One unit against one deadline."""
        return self._rows.get((deadline_id, unit_id))

    def missing(self, deadline: Deadline) -> list[str]:
        """The deadline's units that have not met it, in plan order (for a registration, not
        those whose last focal point is still being asked to carry on)."""
        waiting = self.asked if deadline.kind is DeadlineKind.REGISTRATION else set()
        return [row.unit_id for row in self.status.get(deadline.id, [])
                if not row.met and row.unit_id not in waiting]


def _group_of(value: Any) -> CoordinationGroup | None:
    if not isinstance(value, dict) or "address" not in value:
        return None
    return CoordinationGroup(
        Address.parse(str(value["address"])), str(value.get("title", "")),
        datetime.fromisoformat(value["set_at"]),
    )


# A reminder of one campaign among several: its name, then the message itself.
NAMED = "reminders.of_campaign"


# --- the service ----------------------------------------------------------------------------


class ReminderService:
    """Queues the reminders that are due and runs the outbox; answers what comes next."""

    def __init__(
        self,
        plan: Plan,
        uow_factory: UnitOfWorkFactory,
        clock: Any,
        policy: ReminderPolicy,
        outbox: OutboxService,
        admin_ids: Collection[Address],
        head_ids: Collection[Address],
        default_locale: str = "vi",
        invites: InviteIssuer | None = None,
        key_prefix: str = "",
    ) -> None:
        self.plan = plan
        # Keys of campaigns other than the first one served carry its id: two campaigns'
        # deadlines may share an id, and their nudges must never be taken for one another.
        self.key_prefix = key_prefix
        # With several campaigns served, every reminder says which one it is about.
        self.named = False
        self._peers: list[ReminderService] = []
        self.policy = policy
        self.outbox = outbox
        self._uow_factory = uow_factory
        self._clock = clock
        self._admin_ids = sorted(admin_ids)
        self._head_ids = sorted(head_ids)
        self._locale = default_locale
        self._locale_of: Callable[[Address], str | None] = lambda _user: None
        self._invites = invites
        self._units = {unit.id: unit for unit in plan.units}
        self._tasks: dict[str, list[Any]] = {}
        for task in plan.tasks:
            for unit_id in (*task.lead_units, *task.cooperating):
                self._tasks.setdefault(unit_id, []).append(task)
        self._lock = asyncio.Lock()
        self._chores: list[Callable[[datetime], Awaitable[Any]]] = []

    @functools.cached_property
    def slots(self) -> list[Slot]:
        """Every scheduled moment of the campaign, in order (worked out on first use: the
        holiday tables behind working days take a tenth of a second to load)."""
        return plan_slots(self.plan, self.policy)

    # --- ticking --------------------------------------------------------------------------

    def add_chore(self, chore: Callable[[datetime], Awaitable[Any]]) -> None:
        """Run a periodic use case (pruning) on every tick, with the clock's time."""
        self._chores.append(chore)

    def serve_also(self, other: ReminderService) -> None:
        """Queue another campaign's reminders on this one's ticks (one ticker for all)."""
        self._peers.append(other)

    async def tick(self) -> TickResult:
        """Queue what is due at the clock's time for every campaign served, then send
        everything due; wait for it."""
        for service in (self, *self._peers):
            if "slots" not in service.__dict__:
                # The first tick comes as the bot starts: the slots are worked out on a
                # thread, so the first answers do not wait for the holiday tables.
                slots = await asyncio.to_thread(plan_slots, service.plan, service.policy)
                service.__dict__.setdefault("slots", slots)
        async with self._lock:
            result = await self.enqueue_due(self._clock.now())
            for peer in self._peers:
                more = await peer.enqueue_due(self._clock.now())
                result.queued += more.queued
                result.skipped += more.skipped
            result.drained = await self.outbox.drain()
        for chore in self._chores:
            try:
                await chore(self._clock.now())
            except Exception:
                # Housekeeping must never stop reminders; the next tick tries again.
                logger.exception("a periodic chore failed")
        return result

    async def enqueue_due(self, now: datetime) -> TickResult:
        """Queue every message due at `now` not queued yet; skip those past the grace window."""
        result = TickResult()
        cutoff = now - self.policy.grace
        async with self._uow_factory() as uow:
            state = await self._state(uow, now)
            due = [slot for slot in self.slots if slot.at <= now]
            planned = [p for slot in due for p in self._build(slot, state)]
            existing = await uow.outbox.existing_keys([p.message.key for p in planned])
            fresh = [p for p in planned if p.message.key not in existing]
            issued: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            queue = []
            for item in fresh:
                message = replace(item.message, created_at=now)
                if item.slot.at < cutoff:
                    message = replace(message, status=OutboxStatus.SKIPPED, last_error="missed")
                    result.skipped += 1
                else:
                    if item.invites_for:
                        if item.invites_for not in issued:
                            issued[item.invites_for] = await self._invite_lines(
                                uow, item.invites_for, now
                            )
                        message = replace(
                            message, payload={**message.payload, "units": issued[item.invites_for]}
                        )
                    result.queued += 1
                queue.append(self._named(message))
            await uow.outbox.enqueue_many(queue)
            await uow.commit()
        if result.queued:
            self.outbox.wake()
        return result

    async def _invite_lines(
        self, uow: UnitOfWork, unit_ids: Sequence[str], now: datetime
    ) -> list[dict[str, Any]]:
        if self._invites is None:
            return [line("reminders.unit_line", unit=self._unit(u).name) for u in unit_ids]
        issued = await self._invites.issue_invites(
            list(unit_ids), FocalPointRole.FOCAL_POINT, now, uow=uow
        )
        return [
            line("reminders.invite_line", unit=invite.unit_name, link=invite.link)
            if invite.link else
            line("reminders.invite_line_code", unit=invite.unit_name, code=invite.code)
            for invite in issued
        ]

    # --- looking ahead and back -----------------------------------------------------------

    async def preview(self, at: datetime) -> list[Planned]:
        """What a tick at `at` would queue given the stored state (nothing is written)."""
        cutoff = at - self.policy.grace
        async with self._uow_factory() as uow:
            state = await self._state(uow, at)
            planned = [
                p for slot in self.slots if cutoff <= slot.at <= at
                for p in self._build(slot, state)
            ]
            existing = await uow.outbox.existing_keys([p.message.key for p in planned])
        return [p for p in planned if p.message.key not in existing]

    async def upcoming(self, now: datetime, limit: int = 5) -> list[tuple[Slot, int]]:
        """The next slots after `now` that would send something, with how many messages."""
        found: list[tuple[Slot, int]] = []
        async with self._uow_factory() as uow:
            state = await self._state(uow, now)
            later = [slot for slot in self.slots if slot.at > now][:LOOKAHEAD_SLOTS]
            for slot in later:
                planned = self._build(slot, state)
                if not planned:
                    continue
                existing = await uow.outbox.existing_keys([p.message.key for p in planned])
                count = sum(1 for p in planned if p.message.key not in existing)
                if count:
                    found.append((slot, count))
                    if len(found) >= limit:
                        break
        return found

    async def next_due(self, now: datetime) -> datetime | None:
        """The next moment after `now` at which something would be sent, or None."""
        candidates = []
        for service in (self, *self._peers):
            upcoming = await service.upcoming(now, limit=1)
            candidates += [upcoming[0][0].at] if upcoming else []
        queued = await self.outbox.next_wake(now)
        if queued is not None:
            candidates.append(queued)
        return min(candidates) if candidates else None

    # --- the secretariat's commands -------------------------------------------------------

    async def remind_now(self, chat: Address, now: datetime) -> RemindResult:
        """Nudge now every unit missing the nearest open deadline (`/remind`)."""
        async with self._uow_factory() as uow:
            state = await self._state(uow, now)
            deadline = self._nearest_open(state, now)
            if deadline is None:
                return RemindResult(None)
            stamp = self.policy.local(now).strftime("%Y%m%dT%H%M")
            missing = state.missing(deadline)
            timing = self._timing(deadline, now, overdue=now > deadline.due)
            slot = Slot(SlotKind.NUDGE, now, "manual", deadline=deadline)
            held = self.policy.quiet_end(now) if self.policy.in_quiet_hours(now) else None
            if deadline.kind is DeadlineKind.REGISTRATION:
                message = self._registration_list(deadline, missing, chat, timing, now)
                message = replace(
                    message,
                    key=f"{self.key_prefix}remind:{deadline.id}:{stamp}:staff:{chat.key}",
                    payload={**message.payload,
                             "units": await self._invite_lines(uow, missing, now)},
                )
                await uow.outbox.enqueue(self._named(message))
                await uow.commit()
                return RemindResult(deadline, tuple(missing), registration_list=True,
                                    held_until=held)
            nudged, without = [], []
            for unit_id in missing:
                seat = state.nudge_seat(unit_id, now)
                if seat is None or seat.chat is None:
                    without.append(unit_id)
                    continue
                message = self._nudge(slot, deadline, unit_id, seat.chat,
                                      self._seat_locale(seat), state, timing)
                await uow.outbox.enqueue(self._named(replace(
                    message, key=f"{self.key_prefix}remind:{deadline.id}:{stamp}:unit:{unit_id}",
                    kind="deadline.manual",
                )))
                nudged.append(unit_id)
            await uow.commit()
        if nudged:
            self.outbox.wake()
        return RemindResult(deadline, tuple(nudged), tuple(without), held_until=held)

    def _nearest_open(self, state: _State, now: datetime) -> Deadline | None:
        unit_deadlines = [d for d in self.plan.deadlines if state.missing(d)]
        ahead = [d for d in unit_deadlines if d.due >= now]
        if ahead:
            return min(ahead, key=lambda d: d.due)
        return max(unit_deadlines, key=lambda d: d.due) if unit_deadlines else None

    async def set_group(self, chat: Address, title: str, user: Address, now: datetime) -> None:
        """Make a group chat the coordination group (announcements and digests go there)."""
        async with self._uow_factory() as uow:
            await uow.state.put(GROUP_KEY, {
                "address": str(chat), "title": title, "set_at": now.isoformat(),
                "set_by": str(user), "campaign_id": self.plan.id,
            })
            await uow.commit()

    async def group(self) -> CoordinationGroup | None:
        """The coordination group, if one was set."""
        async with self._uow_factory() as uow:
            return _group_of(await uow.state.get(GROUP_KEY))

    async def deadline_status(self, now: datetime) -> dict[str, list[UnitDeadline]]:
        """Every deadline's units against it as of `now`."""
        async with self._uow_factory() as uow:
            return (await self._state(uow, now)).status

    # --- building messages ----------------------------------------------------------------

    async def _state(self, uow: UnitOfWork, now: datetime) -> _State:
        seats = await uow.focal_points.active(self.plan.id)
        status = {
            d.id: await uow.progress.deadline_status(self.plan.id, d, now)
            for d in self.plan.deadlines
        }
        asked = pending_units(await uow.conversations.of_flow(CARRY_ON), self.plan.id, now) \
            if self.named else set()
        return _State(seats, status, _group_of(await uow.state.get(GROUP_KEY)), asked)

    def _build(self, slot: Slot, state: _State) -> list[Planned]:
        if slot.kind is SlotKind.PHASE:
            return self._phase(slot, state)
        if slot.kind is SlotKind.NUDGE:
            return self._nudges(slot, state)
        if slot.kind is SlotKind.ESCALATION:
            return self._escalation(slot, state)
        return self._digest(slot, state)

    def use_locales(self, locale_of: Callable[[Address], str | None]) -> None:
        """Write to people in the language they chose (/ngonngu), when they chose one."""
        self._locale_of = locale_of

    def _staff_locale(self, user: Address) -> str:
        return self._locale_of(user) or self._locale

    def _seat_locale(self, seat: FocalPoint) -> str:
        chosen = self._locale_of(seat.user) if seat.user else None
        return chosen or seat.locale or self._locale

    def _unit(self, unit_id: str) -> Any:
        return self._units[unit_id]

    def _fmt(self, moment: datetime) -> str:
        return self.policy.local(moment).strftime("%d/%m/%Y %H:%M")

    def _message(
        self, key: str, kind: str, address: Address, text_key: str, payload: dict[str, Any],
        locale: str, slot: Slot, unit_id: str | None = None,
    ) -> OutboxMessage:
        return OutboxMessage(
            key=self.key_prefix + key, kind=kind, address=address, text_key=text_key,
            payload=payload, locale=locale, due_at=slot.at, created_at=slot.at,
            recipient_unit_id=unit_id, campaign_id=self.plan.id,
        )

    def _named(self, message: OutboxMessage) -> OutboxMessage:
        """The message under a line naming its campaign, when several are served."""
        if not self.named:
            return message
        return replace(message, text_key=NAMED, payload={
            "campaign": self.plan.title, "message": {"key": message.text_key,
                                                     "values": message.payload}})

    def _phase(self, slot: Slot, state: _State) -> list[Planned]:
        phase = slot.phase
        assert phase is not None
        values = {"phase": phase.name, "start": self._fmt(phase.start),
                  "end": self._fmt(phase.end), "asks": phase.asks}
        planned = []
        for seat in state.seats_at(slot.at):
            assert seat.chat is not None
            tasks = [task for task in self._tasks.get(seat.unit_id, []) if phase.id in task.phases]
            lines = [
                line("reminders.task_line", number=number, text=_shorten(task.text))
                for number, task in enumerate(tasks[:TASKS_LISTED], start=1)
            ] or [line("reminders.no_tasks_in_phase")]
            if len(tasks) > TASKS_LISTED:
                lines.append(line("reminders_more.tasks", count=len(tasks) - TASKS_LISTED))
            suffix = ":deputy" if seat.role is FocalPointRole.DEPUTY else ""
            payload = {**values, "unit": self._unit(seat.unit_id).name, "tasks": lines}
            message = self._message(
                f"phase:{phase.id}:unit:{seat.unit_id}{suffix}", "phase", seat.chat,
                "reminders.phase_start", payload, self._seat_locale(seat), slot, seat.unit_id,
            )
            planned.append(Planned(slot, message, (seat.unit_id,)))
        if state.group is not None and state.group.set_at <= slot.at:
            message = self._message(
                f"phase:{phase.id}:group", "phase", state.group.address,
                "reminders.phase_group", values, self._locale, slot,
            )
            planned.append(Planned(slot, message))
        return planned

    def _timing(self, deadline: Deadline, at: datetime, *, overdue: bool) -> str:
        if overdue:
            return "overdue"
        same_day = self.policy.local(at).date() == self.policy.local(deadline.due).date()
        return "today" if same_day else "before"

    def _nudges(self, slot: Slot, state: _State) -> list[Planned]:
        deadline = slot.deadline
        assert deadline is not None
        missing = state.missing(deadline)
        if not missing:
            return []
        timing = self._timing(deadline, slot.at, overdue=slot.overdue)
        if deadline.kind is DeadlineKind.REGISTRATION:
            return [
                Planned(
                    slot,
                    self._registration_list(deadline, missing, admin, timing, slot.at, slot),
                    tuple(missing), tuple(missing),
                )
                for admin in self._admin_ids
            ]
        planned = []
        unreachable = []
        for unit_id in missing:
            seat = state.nudge_seat(unit_id, slot.at)
            if seat is not None and seat.chat is not None:
                message = self._nudge(slot, deadline, unit_id, seat.chat,
                                      self._seat_locale(seat), state, timing)
                planned.append(Planned(slot, message, (unit_id,)))
            elif unit_id != self.plan.secretariat:
                unreachable.append(unit_id)
            if unit_id == self.plan.secretariat:
                # The secretariat's own deadline (the consolidated report) goes to its staff.
                for admin in self._admin_ids:
                    message = self._nudge(slot, deadline, unit_id, admin,
                                          self._staff_locale(admin), state, timing)
                    message = replace(message, key=f"{message.key}:admin:{admin.key}")
                    planned.append(Planned(slot, message, (unit_id,)))
        planned.extend(self._parent_nudges(slot, deadline, missing, state))
        if unreachable:
            # Units without a focal point cannot be nudged: the secretariat chases them.
            payload = {
                "deadline": deadline.title, "due": self._fmt(deadline.due),
                "count": len(unreachable),
                "units": [line("reminders.unit_line", unit=self._unit(u).name)
                          for u in unreachable],
            }
            planned.extend(
                Planned(slot, self._message(
                    f"deadline:{deadline.id}:staff:{admin.key}:{slot.label}", "deadline.staff",
                    admin,
                    "reminders_more.no_focal_point", payload, self._staff_locale(admin), slot,
                ), tuple(unreachable))
                for admin in self._admin_ids
            )
        return planned

    def _parent_nudges(
        self, slot: Slot, deadline: Deadline, missing: Sequence[str], state: _State
    ) -> list[Planned]:
        """A parent (a district) hears which of the units reporting to it are not done."""
        below: dict[str, list[str]] = {}
        for unit_id in missing:
            parent = self._unit(unit_id).parent
            if parent is not None and parent != self.plan.secretariat:
                below.setdefault(parent, []).append(unit_id)
        planned = []
        for parent, children in below.items():
            seat = state.nudge_seat(parent, slot.at)
            if seat is None or seat.chat is None:
                continue
            payload = {
                "deadline": deadline.title, "due": self._fmt(deadline.due),
                "unit": self._unit(parent).name, "count": len(children),
                "units": [line("reminders.unit_line", unit=self._unit(u).name)
                          for u in children],
            }
            planned.append(Planned(slot, self._message(
                f"deadline:{deadline.id}:parent:{parent}:{slot.label}", "deadline.parent",
                seat.chat, "reminders_more.children", payload, self._seat_locale(seat), slot,
                parent,
            ), tuple(children)))
        return planned

    def _nudge(
        self, slot: Slot, deadline: Deadline, unit_id: str, chat: Address, locale: str,
        state: _State, timing: str,
    ) -> OutboxMessage:
        row = state.row(deadline.id, unit_id)
        progress = []
        if deadline.kind is DeadlineKind.REPORT and row is not None and row.tasks_total:
            progress = [line("reminders.progress_line", reported=row.tasks_done,
                             total=row.tasks_total)]
        payload = {"deadline": deadline.title, "due": self._fmt(deadline.due),
                   "unit": self._unit(unit_id).name, "progress": progress}
        return self._message(
            f"deadline:{deadline.id}:unit:{unit_id}:{slot.label}", "deadline", chat,
            f"reminders.nudge_{timing}", payload, locale, slot, unit_id,
        )

    def _registration_list(
        self, deadline: Deadline, missing: Sequence[str], chat: Address, timing: str,
        at: datetime, slot: Slot | None = None,
    ) -> OutboxMessage:
        slot = slot or Slot(SlotKind.NUDGE, at, "manual", deadline=deadline)
        payload = {
            "deadline": deadline.title, "due": self._fmt(deadline.due), "count": len(missing),
            "units": [line("reminders.unit_line", unit=self._unit(u).name) for u in missing],
        }
        return self._message(
            f"deadline:{deadline.id}:staff:{chat.key}:{slot.label}", "registration", chat,
            f"reminders.registration_{timing}", payload, self._staff_locale(chat), slot,
        )

    def _escalation(self, slot: Slot, state: _State) -> list[Planned]:
        deadline = slot.deadline
        assert deadline is not None
        missing = state.missing(deadline)
        if not missing:
            return []
        payload = {
            "deadline": deadline.title, "due": self._fmt(deadline.due), "count": len(missing),
            "units": [line("reminders.unit_line", unit=self._unit(u).name) for u in missing],
        }
        return [
            Planned(slot, self._message(
                f"escalation:{deadline.id}:head:{head.key}", "escalation", head,
                "reminders.escalation", payload, self._staff_locale(head), slot,
            ), tuple(missing))
            for head in self._head_ids
        ]

    def _digest(self, slot: Slot, state: _State) -> list[Planned]:
        assert slot.day is not None
        lines = []
        # A recurring deadline: its current period only, not every past and future one.
        for deadline in in_view(self.plan.deadlines, slot.at):
            rows = state.status.get(deadline.id, [])
            met = sum(1 for row in rows if row.met)
            lines.append(line(f"reminders.digest_{deadline.kind.value}",
                              due=self._fmt(deadline.due), met=met, total=len(rows)))
            missing = [self._unit(row.unit_id).short_name for row in rows if not row.met]
            if missing:
                lines.append(line("reminders.digest_missing", units=", ".join(missing)))
        payload = {"date": slot.day.strftime("%d/%m/%Y"), "lines": lines}
        day = slot.day.isoformat()
        planned = [
            Planned(slot, self._message(f"digest:{day}:head:{head.key}", "digest", head,
                                        "reminders.digest", payload,
                                        self._staff_locale(head), slot))
            for head in self._head_ids
        ]
        if state.group is not None and state.group.set_at <= slot.at:
            planned.append(Planned(slot, self._message(
                f"digest:{day}:group", "digest", state.group.address, "reminders.digest",
                payload, self._locale, slot,
            )))
        return planned


def _shorten(text: str, limit: int = TASK_TEXT_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def planned_as_dict(item: Planned) -> dict[str, Any]:
    """A planned message as the CLI prints it (JSON-ready)."""
    message = item.message
    return {
        "key": message.key,
        "kind": message.kind,
        "recipient_unit": message.recipient_unit_id,
        "address": str(message.address),
        "text_key": message.text_key,
        "due_at": message.due_at.isoformat(),
        "units": list(item.units),
    }
