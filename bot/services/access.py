"""Who is asking: the role of a person (by address), checked afresh on every command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.address import Address
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

    async def identify(self, user: Address) -> Identity:
        """The user's identity, read from the database on every call (roles change)."""
        if user in self._admin_ids:
            return Identity(user, Role.SECRETARIAT)
        if user in self._head_ids:
            return Identity(user, Role.HEAD)
        async with self._uow_factory() as uow:
            seats = await uow.focal_points.active_for_user(self._campaign_id, user)
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
