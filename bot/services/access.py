"""Who is asking: the role of a person (by address), never stale on any command.

Roles are cached in memory and the cache is dropped whenever the directory version grows:
every change of who holds a seat (registration, handover, erasure) bumps that version in its
own transaction. This process hears of its own changes after their commit; changes made by
another process (a second instance on the same database, the CLI) are seen when the version is
read again, which each update does in its inbox transaction (`observed`) or, failing that, in
the lookup itself.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.address import Address
from bot.domain.plan import Plan
from bot.domain.records import AuditEntry, FocalPoint, FocalPointRole
from bot.services.ports import UnitOfWorkFactory


class Role(StrEnum):
    """What a user may do."""

    SECRETARIAT = "secretariat"
    HEAD = "head"
    FOCAL_POINT = "focal_point"
    DEPUTY = "deputy"
    STRANGER = "stranger"


STAFF = frozenset({Role.SECRETARIAT, Role.HEAD})
MEMBERS = frozenset({Role.FOCAL_POINT, Role.DEPUTY})


@dataclass(frozen=True)
class Identity:
    """A user's role and, for a focal point or deputy, the unit and the seat."""

    user: Address
    role: Role
    seat: FocalPoint | None = None

    @property
    def unit_id(self) -> str | None:
        """The unit a focal point or deputy speaks for."""
        return self.seat.unit_id if self.seat is not None else None

    @property
    def is_staff(self) -> bool:
        """Secretariat or head: sees every unit."""
        return self.role in STAFF

    @property
    def is_member(self) -> bool:
        """Focal point or deputy of a unit."""
        return self.role in MEMBERS


def consolidating_unit(identity: Identity, plan: Plan) -> str | None:
    """The unit whose level this person consolidates: the secretariat for staff, a parent unit
    (one that others report to) for its focal point or deputy; None for anyone else. That
    person sees the subtree's summary, exports its Word report and marks it issued."""
    if identity.is_staff:
        return plan.secretariat
    if identity.is_member and identity.unit_id is not None and plan.is_parent(identity.unit_id):
        return identity.unit_id
    return None


CACHE_MAX = 50_000

# The directory version read after the update being handled arrived (None: not read yet).
_OBSERVED: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "directory_version_observed", default=None
)


class AccessService:
    """Decides roles from the configured ids and the registered focal points."""

    def __init__(
        self,
        campaign_id: str,
        admin_ids: frozenset[Address],
        head_ids: frozenset[Address],
        uow_factory: UnitOfWorkFactory,
    ) -> None:
        self._campaign_id = campaign_id
        self._admin_ids = admin_ids
        self._head_ids = head_ids
        self._uow_factory = uow_factory
        self._version = -1
        self._cache: dict[Address, Identity] = {}

    def directory_changed(self, version: int) -> None:
        """The directory is at `version` or later: cached roles read before it are dropped."""
        if version > self._version:
            self._cache.clear()
            self._version = version

    @contextmanager
    def observed(self, version: int) -> Iterator[None]:
        """While handling one update: the directory version was read after it arrived."""
        self.directory_changed(version)
        token = _OBSERVED.set(version)
        try:
            yield
        finally:
            _OBSERVED.reset(token)

    def reload(self, admin_ids: frozenset[Address], head_ids: frozenset[Address]) -> None:
        """New secretariat and head ids (settings reloaded); every cached role is dropped."""
        self._admin_ids = admin_ids
        self._head_ids = head_ids
        self._cache.clear()

    async def identify(self, user: Address) -> Identity:
        """The user's identity, as the directory stands now (cached while it does not change)."""
        if user in self._admin_ids:
            return Identity(user, Role.SECRETARIAT)
        if user in self._head_ids:
            return Identity(user, Role.HEAD)
        observed = _OBSERVED.get()
        if observed is not None:
            self.directory_changed(observed)
            cached = self._cache.get(user)
            if cached is not None:
                return cached
        async with self._uow_factory(read_only=True, snapshot=False) as uow:
            # The version first: seats read after it are at least as new (a later change
            # only makes the entry be dropped sooner).
            version = await uow.focal_points.version()
            seats = await uow.focal_points.active_for_user(self._campaign_id, user)
        identity = self._identity(user, seats)
        self.directory_changed(version)
        if version == self._version:
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()  # strangers writing from ever new ids cannot grow it
            self._cache[user] = identity
        return identity

    def _identity(self, user: Address, seats: list[FocalPoint]) -> Identity:
        # A person holding both seats of a unit acts as its focal point.
        seats.sort(key=lambda seat: seat.role != FocalPointRole.FOCAL_POINT)
        if not seats:
            return Identity(user, Role.STRANGER)
        seat = seats[0]
        role = Role.FOCAL_POINT if seat.role == FocalPointRole.FOCAL_POINT else Role.DEPUTY
        return Identity(user, role, seat)

    async def role_of(self, user: Address) -> Role:
        """The user's role."""
        return (await self.identify(user)).role

    async def deny(self, identity: Identity, command: str, now: datetime) -> None:
        """Record a refused command in the audit log."""
        async with self._uow_factory() as uow:
            await uow.audit.append(
                AuditEntry(now, "access.denied", identity.user, self._campaign_id,
                           identity.unit_id, {"command": command, "role": identity.role.value})
            )
            await uow.commit()

    def is_staff(self, user: Address) -> bool:
        """Whether the user is configured as secretariat or head (no query needed)."""
        return user in self._admin_ids or user in self._head_ids

    def is_secretariat(self, user: Address) -> bool:
        """Whether the user is configured as secretariat."""
        return user in self._admin_ids
