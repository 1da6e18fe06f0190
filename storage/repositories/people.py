"""Focal points (and deputies) of units, and the invites that let them register."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.address import Address
from bot.domain.records import FocalPoint, FocalPointRole, Invite
from storage.models import DirectoryVersionRow, FocalPointRow, InviteRow


def _focal_point(row: FocalPointRow) -> FocalPoint:
    return FocalPoint(
        id=row.id,
        campaign_id=row.campaign_id,
        unit_id=row.unit_id,
        role=FocalPointRole(row.role),
        user=row.user_address,
        chat=row.chat_address,
        full_name=row.full_name,
        position=row.position,
        phone_e164=row.phone_e164,
        locale=row.locale,
        consent_at=row.consent_at,
        registered_at=row.registered_at,
        ended_at=row.ended_at,
        ended_reason=row.ended_reason,
    )


def _invite(row: InviteRow) -> Invite:
    return Invite(
        id=row.id,
        campaign_id=row.campaign_id,
        unit_id=row.unit_id,
        kind=FocalPointRole(row.kind),
        code_hash=row.code_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        used_by=row.used_by,
        revoked_at=row.revoked_at,
    )


class SqlFocalPointRepository:
    """Focal points in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The version this transaction bumped the directory to (the unit of work reports it
        # after the commit, so this process drops its cached roles at once).
        self.bumped_to: int | None = None

    async def version(self) -> int:
        """The directory version: it grows with every change of who holds a seat."""
        return int(await self._session.scalar(select(DirectoryVersionRow.version)) or 0)

    async def _bump(self) -> None:
        # In the changing transaction: a process caching roles sees the new version no later
        # than it can see the change (and, on PostgreSQL, concurrent changes queue on the row).
        result = await self._session.execute(
            update(DirectoryVersionRow)
            .values(version=DirectoryVersionRow.version + 1)
            .returning(DirectoryVersionRow.version)
        )
        self.bumped_to = result.scalar_one()

    async def _active(self, *conditions: object) -> list[FocalPoint]:
        statement = (
            select(FocalPointRow)
            .where(FocalPointRow.ended_at.is_(None), *conditions)  # type: ignore[arg-type]
            .order_by(FocalPointRow.unit_id, FocalPointRow.role)
        )
        return [_focal_point(row) for row in await self._session.scalars(statement)]

    async def active(self, campaign_id: str) -> list[FocalPoint]:
        """Every current focal point and deputy of the campaign."""
        return await self._active(FocalPointRow.campaign_id == campaign_id)

    async def units_with_focal_point(self, campaign_id: str) -> set[str]:
        """The units whose focal-point seat (not a deputy's) is held now: ids only, for a
        summary that counts them (no person is read)."""
        statement = select(FocalPointRow.unit_id).where(
            FocalPointRow.campaign_id == campaign_id, FocalPointRow.ended_at.is_(None),
            FocalPointRow.role == FocalPointRole.FOCAL_POINT.value,
        )
        return set((await self._session.scalars(statement)).all())

    async def active_for_user(self, campaign_id: str, user: Address) -> list[FocalPoint]:
        """The seats a person currently holds."""
        return await self._active(
            FocalPointRow.campaign_id == campaign_id, FocalPointRow.user_address == user
        )

    async def active_for_unit(self, campaign_id: str, unit_id: str) -> list[FocalPoint]:
        """The current holders of a unit's seats (focal point, deputy)."""
        return await self._active(
            FocalPointRow.campaign_id == campaign_id, FocalPointRow.unit_id == unit_id
        )

    async def held_by(self, user: Address) -> list[FocalPoint]:
        """Every seat a person holds or held, in any campaign (erasure covers them all)."""
        statement = (
            select(FocalPointRow)
            .where(FocalPointRow.user_address == user)
            .order_by(FocalPointRow.id)
        )
        return [_focal_point(row) for row in await self._session.scalars(statement)]

    async def with_person(self) -> list[FocalPoint]:
        """Every seat, current or past, that still holds a person (not erased), by id."""
        statement = (
            select(FocalPointRow)
            .where(FocalPointRow.user_address.is_not(None))
            .order_by(FocalPointRow.id)
        )
        return [_focal_point(row) for row in await self._session.scalars(statement)]

    async def add(self, focal_point: FocalPoint) -> FocalPoint:
        """Store a new seat holder and return it with its id."""
        row = FocalPointRow(
            campaign_id=focal_point.campaign_id,
            unit_id=focal_point.unit_id,
            role=focal_point.role.value,
            user_address=focal_point.user,
            chat_address=focal_point.chat,
            full_name=focal_point.full_name,
            position=focal_point.position,
            phone_e164=focal_point.phone_e164,
            locale=focal_point.locale,
            consent_at=focal_point.consent_at,
            registered_at=focal_point.registered_at,
        )
        self._session.add(row)
        await self._session.flush()
        await self._bump()
        return _focal_point(row)

    async def end(self, focal_point_id: int, now: datetime, reason: str) -> None:
        """Close a seat (handover, re-registration); the record stays as history."""
        await self._session.execute(
            update(FocalPointRow)
            .where(FocalPointRow.id == focal_point_id, FocalPointRow.ended_at.is_(None))
            .values(ended_at=now, ended_reason=reason)
        )
        await self._bump()

    async def erase(self, focal_point_id: int, now: datetime) -> None:
        """Forget the person (name, position, phone, chat ids) and close the seat.

        A seat already closed keeps when and why it ended (a handover stays a handover).
        """
        await self._session.execute(
            update(FocalPointRow)
            .where(FocalPointRow.id == focal_point_id)
            .values(
                full_name="",
                position="",
                phone_e164=None,
                user_address=None,
                chat_address=None,
                ended_at=func.coalesce(FocalPointRow.ended_at, now),
                ended_reason=func.coalesce(FocalPointRow.ended_reason, "erased"),
            )
        )
        await self._bump()


class SqlInviteRepository:
    """Invites in SQL (hashed codes only); never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, invite: Invite) -> Invite:
        """Store an invite and return it with its id."""
        row = InviteRow(
            campaign_id=invite.campaign_id,
            unit_id=invite.unit_id,
            kind=invite.kind.value,
            code_hash=invite.code_hash,
            created_at=invite.created_at,
            expires_at=invite.expires_at,
        )
        self._session.add(row)
        await self._session.flush()
        return _invite(row)

    async def by_hash(self, code_hash: str) -> Invite | None:
        """The invite with this code hash, or None."""
        row = (
            await self._session.scalars(select(InviteRow).where(InviteRow.code_hash == code_hash))
        ).one_or_none()
        return _invite(row) if row is not None else None

    async def use(self, invite_id: int, user: Address, now: datetime) -> bool:
        """Mark the invite used by a user; False if someone used or revoked it first."""
        result = await self._session.execute(
            update(InviteRow)
            .where(
                InviteRow.id == invite_id,
                InviteRow.used_at.is_(None),
                InviteRow.revoked_at.is_(None),
            )
            .values(used_at=now, used_by=user)
        )
        return int(getattr(result, "rowcount", 0)) == 1

    async def forget_user(self, user: Address, placeholder: Address) -> int:
        """Replace the person who used invites by a placeholder; return how many."""
        result = await self._session.execute(
            update(InviteRow).where(InviteRow.used_by == user).values(used_by=placeholder)
        )
        return int(getattr(result, "rowcount", 0))

    async def revoke_unit(self, campaign_id: str, unit_id: str, now: datetime) -> int:
        """Revoke every unused invite of a unit; return how many."""
        result = await self._session.execute(
            update(InviteRow)
            .where(
                InviteRow.campaign_id == campaign_id,
                InviteRow.unit_id == unit_id,
                InviteRow.used_at.is_(None),
                InviteRow.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0))
