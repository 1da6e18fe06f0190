"""Who may do what: roles read afresh from the configured ids and the registered seats."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.address import Address
from bot.domain.records import FocalPoint, FocalPointRole
from bot.services.access import AccessService, Identity, Role
from tests.storage.plans import NOW, build_plan

ADMIN = Address("telegram", "900001")
HEAD = Address("telegram", "900002")
LAN = Address("zalo", "00000000000000000001")
STRANGER = Address("zalo", "00000000000000000009")


def _seat(user: Address, role: FocalPointRole, unit: str = "baokontum",
          campaign: str = "kontum-2023") -> FocalPoint:
    return FocalPoint(campaign, unit, role, user, user, "Y Lan", "Phóng viên", "+84912345678",
                      "vi", NOW, NOW)


async def _access(uow_factory, *seats: FocalPoint) -> AccessService:
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        for seat in seats:
            await uow.focal_points.add(seat)
        await uow.commit()
    return AccessService("kontum-2023", frozenset({ADMIN}), frozenset({HEAD}), uow_factory)


async def test_the_configured_secretariat_and_head_are_staff_and_no_one_else(uow_factory):
    access = await _access(uow_factory, _seat(LAN, FocalPointRole.FOCAL_POINT))
    admin, head, lan = [await access.identify(user) for user in (ADMIN, HEAD, LAN)]
    assert (admin.role, head.role, lan.role) == (Role.SECRETARIAT, Role.HEAD, Role.FOCAL_POINT)
    assert admin.is_staff and head.is_staff and not lan.is_staff
    assert access.is_secretariat(ADMIN) and not access.is_secretariat(HEAD)
    assert not access.is_secretariat(LAN)
    assert admin.seat is None and admin.unit_id is None
    assert (admin.user, head.user) == (ADMIN, HEAD)  # a refusal is audited under their name


async def test_a_stranger_has_no_unit_and_no_seat(uow_factory):
    access = await _access(uow_factory, _seat(LAN, FocalPointRole.FOCAL_POINT))
    identity = await access.identify(STRANGER)
    assert identity == Identity(STRANGER, Role.STRANGER)
    assert identity.unit_id is None and not identity.is_member and not identity.is_staff
    assert await access.role_of(STRANGER) is Role.STRANGER


async def test_a_focal_point_speaks_for_their_own_unit_only(uow_factory):
    access = await _access(uow_factory, _seat(LAN, FocalPointRole.FOCAL_POINT))
    identity = await access.identify(LAN)
    assert identity.role is Role.FOCAL_POINT and identity.is_member
    assert identity.unit_id == "baokontum" and identity.seat.full_name == "Y Lan"
    assert await access.role_of(LAN) is Role.FOCAL_POINT


async def test_a_deputy_is_a_member_but_not_the_focal_point(uow_factory):
    access = await _access(uow_factory, _seat(LAN, FocalPointRole.DEPUTY))
    identity = await access.identify(LAN)
    assert identity.role is Role.DEPUTY and identity.is_member and not identity.is_staff
    assert identity.unit_id == "baokontum"


async def test_a_person_holding_both_seats_of_a_unit_acts_as_its_focal_point(uow_factory):
    access = await _access(uow_factory, _seat(LAN, FocalPointRole.DEPUTY),
                           _seat(LAN, FocalPointRole.FOCAL_POINT))
    identity = await access.identify(LAN)
    assert identity.role is Role.FOCAL_POINT and identity.seat.role is FocalPointRole.FOCAL_POINT


async def test_a_seat_in_another_campaign_gives_no_role_in_this_one(uow_factory):
    access = await _access(uow_factory)
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan("other-2024"), NOW)
        await uow.focal_points.add(_seat(LAN, FocalPointRole.FOCAL_POINT, campaign="other-2024"))
        await uow.commit()
    assert (await access.identify(LAN)).role is Role.STRANGER


async def test_a_focal_point_who_stepped_down_loses_the_role_at_once(uow_factory):
    access = await _access(uow_factory)
    async with uow_factory() as uow:
        seat = await uow.focal_points.add(_seat(LAN, FocalPointRole.FOCAL_POINT))
        await uow.commit()
    assert (await access.role_of(LAN)) is Role.FOCAL_POINT
    async with uow_factory() as uow:
        await uow.focal_points.end(seat.id, NOW + timedelta(hours=1), "handover")
        await uow.commit()
    assert (await access.role_of(LAN)) is Role.STRANGER


async def test_a_refused_command_is_audited_with_who_which_unit_and_what(uow_factory):
    access = await _access(uow_factory, _seat(LAN, FocalPointRole.DEPUTY))
    identity = await access.identify(LAN)
    await access.deny(identity, "/tonghop", NOW)
    async with uow_factory() as uow:
        [entry] = [e for e in await uow.audit.recent("kontum-2023") if e.action == "access.denied"]
    assert (entry.actor, entry.unit_id, entry.at) == (LAN, "baokontum", NOW)
    assert entry.detail == {"command": "/tonghop", "role": "deputy"}
