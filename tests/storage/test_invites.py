"""Invites end to end at the service level, on SQLite and PostgreSQL: who an invite code makes a
focal point or deputy, and every code that must be refused (used, revoked, expired, foreign)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from bot.domain.address import Address
from bot.domain.records import FocalPointRole, Invite
from bot.services.dialogue import DialogueService
from bot.services.registration import RegistrationService
from bot.services.replies import Actor, Answer, Reply
from tests.storage.plans import NOW, build_plan

ADMIN = Address("telegram", "900001")
LAN = Address("zalo", "00000000000000000001")
MINH = Address("telegram", "4242")
UNIT = "baokontum"


def _actor(user: Address, locale: str = "vi") -> Actor:
    return Actor(user, user, locale, True, "")


async def _service(uow_factory, plan=None) -> tuple[RegistrationService, list[str]]:
    plan = plan or build_plan()
    async with uow_factory() as uow:
        await uow.campaigns.sync(plan, NOW)
        await uow.commit()
    changed: list[str] = []
    service = RegistrationService(plan, uow_factory, DialogueService(uow_factory),
                                  frozenset({ADMIN}), lambda code: f"https://t.me/daumoi_bot?start={code}")
    service.on_seats_changed(lambda: changed.append("seats"))
    return service, changed


async def _replies(service: RegistrationService, actor: Actor, code: str, name: str,
                   now=NOW) -> list[Reply]:
    """Walk the whole registration; the replies to the start if refused, else to the save."""
    started = await service.start(actor, code, now)
    if not started.replies[0].key.startswith("registration.welcome"):
        return started.replies
    dialogue = service._dialogue
    for text in ("1", name, "Phóng viên", "0912 345 678"):
        await dialogue.answer(actor, Answer(text=text), now)
    return (await dialogue.answer(actor, Answer(text="1"), now)).replies


async def _register(service: RegistrationService, actor: Actor, code: str, name: str,
                    now=NOW) -> list[str]:
    """The keys of `_replies`."""
    return [reply.key for reply in await _replies(service, actor, code, name, now)]


async def test_an_invite_code_makes_its_holder_the_units_focal_point_with_what_they_typed(
        uow_factory):
    service, changed = await _service(uow_factory)
    [issued] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW, actor=ADMIN)
    later = NOW + timedelta(minutes=5)
    saved, brief = await _replies(service, _actor(LAN, "en"), issued.code, "Y Lan", later)
    assert (saved.key, saved.values) == ("registration.saved", {"unit": "Báo Kon Tum"})
    assert brief.key == "registration.unit_brief" and brief.values["count"] == 2
    assert "Mở chuyên trang" in brief.values["tasks"]
    assert changed == ["seats"]
    async with uow_factory() as uow:
        [seat] = await uow.focal_points.active_for_unit("kontum-2023", UNIT)
        entries = await uow.audit.recent()
        invite = await uow.invites.by_hash(hashlib.sha256(issued.code.encode()).hexdigest())
    assert (seat.role, seat.user, seat.chat, seat.full_name, seat.position, seat.phone_e164,
            seat.locale) == (FocalPointRole.FOCAL_POINT, LAN, LAN, "Y Lan", "Phóng viên",
                             "+84912345678", "en")
    assert seat.registered_at == later and seat.consent_at == later
    assert invite is not None and invite.used_by == LAN and invite.used_at == later
    assert issued.link == f"https://t.me/daumoi_bot?start={issued.code}"
    actions = {entry.action: entry for entry in entries}
    for action in ("invite.used", "focal_point.registered"):
        assert (actions[action].actor, actions[action].campaign_id, actions[action].unit_id,
                actions[action].at) == (LAN, "kontum-2023", UNIT, later), action
    assert actions["invite.used"].detail == {"invite_id": invite.id, "kind": "focal_point"}
    assert actions["focal_point.registered"].detail == {"focal_point_id": seat.id,
                                                       "role": "focal_point"}
    assert actions["invite.created"].actor == ADMIN


async def test_the_database_keeps_only_the_codes_hash_never_the_code(uow_factory):
    service, _ = await _service(uow_factory)
    [issued] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    async with uow_factory() as uow:
        assert await uow.invites.by_hash(issued.code) is None
        stored = await uow.invites.by_hash(hashlib.sha256(issued.code.encode()).hexdigest())
    assert stored is not None and stored.unit_id == UNIT and stored.id is not None
    assert issued.code not in stored.code_hash and len(stored.code_hash) == 64


async def test_a_deputy_invite_makes_a_deputy_and_the_focal_point_keeps_the_seat(uow_factory):
    service, _ = await _service(uow_factory)
    [focal] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    [deputy] = await service.issue_invites([UNIT], FocalPointRole.DEPUTY, NOW)
    await _register(service, _actor(LAN), focal.code, "Y Lan")
    keys = await _register(service, _actor(MINH), deputy.code, "Trần Minh")
    assert keys[0] == "registration.saved"
    async with uow_factory() as uow:
        seats = await uow.focal_points.active_for_unit("kontum-2023", UNIT)
    assert {(seat.user, seat.role) for seat in seats} == {
        (LAN, FocalPointRole.FOCAL_POINT), (MINH, FocalPointRole.DEPUTY)}


async def test_a_used_invite_is_refused_to_the_next_person_and_the_seat_stays(uow_factory):
    service, _ = await _service(uow_factory)
    [issued] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    await _register(service, _actor(LAN), issued.code, "Y Lan")
    assert await _register(service, _actor(MINH), issued.code, "Trần Minh") == [
        "registration.invite_used"]
    async with uow_factory() as uow:
        [seat] = await uow.focal_points.active_for_unit("kontum-2023", UNIT)
        [refusal, *_] = await uow.audit.recent()
    assert seat.user == LAN
    assert (refusal.action, refusal.actor, refusal.detail) == (
        "invite.refused", MINH, {"reason": "used"})


async def test_an_invite_used_while_someone_else_was_typing_is_refused_at_the_save(uow_factory):
    service, _ = await _service(uow_factory)
    [issued] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    dialogue = service._dialogue
    await service.start(_actor(MINH), issued.code, NOW)
    for text in ("1", "Trần Minh", "Phóng viên", "0912 345 678"):
        await dialogue.answer(_actor(MINH), Answer(text=text), NOW)
    await _register(service, _actor(LAN), issued.code, "Y Lan")
    late = await dialogue.answer(_actor(MINH), Answer(text="1"), NOW)
    assert [reply.key for reply in late.replies] == ["registration.invite_used"]
    async with uow_factory() as uow:
        [seat] = await uow.focal_points.active_for_unit("kontum-2023", UNIT)
    assert seat.user == LAN


async def test_revoked_expired_foreign_and_malformed_codes_are_refused_with_their_reason(
        uow_factory):
    service, _ = await _service(uow_factory)
    [revoked] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    assert await service.revoke(UNIT, NOW, ADMIN) == 1
    [expiring] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW,
                                             expires=NOW + timedelta(hours=1))
    other, _ = await _service(uow_factory, build_plan("other-2024"))
    [foreign] = await other.issue_invites(["bdbp"], FocalPointRole.FOCAL_POINT, NOW)
    cases = [
        (revoked.code, NOW, "revoked"),
        (expiring.code, NOW + timedelta(hours=1), "expired"),  # at the very minute
        (foreign.code, NOW, "wrong"),
        ("abc", NOW, "wrong"),
        ("x" * 65, NOW, "wrong"),
        ("a" * 20 + "!", NOW, "wrong"),
        ("A" * 22, NOW, "wrong"),
    ]
    for code, now, reason in cases:
        assert await _register(service, _actor(MINH), code, "Trần Minh", now) == [
            f"registration.invite_{reason}"], code
    just_before = NOW + timedelta(minutes=59)
    assert (await _register(service, _actor(MINH), expiring.code, "Trần Minh", just_before)
            )[0] == "registration.saved"
    async with uow_factory() as uow:
        reasons = [e.detail["reason"] for e in await uow.audit.recent()
                   if e.action == "invite.refused"]
    assert sorted(reasons) == sorted(reason for _, _, reason in cases)


async def test_a_new_focal_point_takes_over_the_seat_and_the_old_one_is_told(uow_factory):
    service, changed = await _service(uow_factory)
    [first] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    [second] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    await _register(service, _actor(LAN), first.code, "Y Lan")
    later = NOW + timedelta(days=1)
    await _register(service, _actor(MINH), second.code, "Trần Minh", later)
    async with uow_factory() as uow:
        [seat] = await uow.focal_points.active_for_unit("kontum-2023", UNIT)
        old_seats = await uow.focal_points.held_by(LAN)
        notices = await uow.outbox.recent()
        entries = await uow.audit.recent()
    assert seat.user == MINH
    assert [(s.ended_at, s.ended_reason) for s in old_seats] == [(later, "handover")]
    [notice] = [n for n in notices if n.kind == "handover"]
    assert notice.address == LAN and notice.payload == {"unit": "Báo Kon Tum",
                                                         "name": "Trần Minh"}
    assert notice.text_key == "registration.handover_notice" and notice.due_at == later
    handover = next(e for e in entries if e.action == "focal_point.handover")
    assert handover.actor == MINH and handover.detail["to"] == str(MINH)
    assert changed == ["seats", "seats"]


async def test_registering_again_with_a_new_invite_replaces_ones_own_seat_without_a_notice(
        uow_factory):
    service, _ = await _service(uow_factory)
    [first] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    [second] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    await _register(service, _actor(LAN), first.code, "Y Lan")
    await _register(service, _actor(LAN), second.code, "Y Lan Hương")
    async with uow_factory() as uow:
        [seat] = await uow.focal_points.active_for_unit("kontum-2023", UNIT)
        seats = await uow.focal_points.held_by(LAN)
        notices = await uow.outbox.recent()
    assert seat.full_name == "Y Lan Hương"
    assert sorted(str(s.ended_reason) for s in seats) == ["None", "re-registered"]
    assert [n for n in notices if n.kind == "handover"] == []


async def test_revoking_a_units_invites_leaves_used_ones_and_other_units_alone(uow_factory):
    service, _ = await _service(uow_factory)
    [used] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    await _register(service, _actor(LAN), used.code, "Y Lan")
    [unused] = await service.issue_invites([UNIT], FocalPointRole.DEPUTY, NOW)
    [elsewhere] = await service.issue_invites(["bdbp"], FocalPointRole.FOCAL_POINT, NOW)
    other, _ = await _service(uow_factory, build_plan("other-2024"))
    [other_campaign] = await other.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    later = NOW + timedelta(hours=2)
    assert await service.revoke(UNIT, later, ADMIN) == 1
    assert await service.revoke(UNIT, later, ADMIN) == 0  # nothing left to revoke
    async with uow_factory() as uow:
        def find(code):
            return uow.invites.by_hash(hashlib.sha256(code.encode()).hexdigest())
        assert (await find(unused.code)).revoked_at == later
        assert (await find(used.code)).revoked_at is None
        assert (await find(elsewhere.code)).revoked_at is None
        assert (await find(other_campaign.code)).revoked_at is None
        assert await uow.invites.use((await find(unused.code)).id, MINH, later) is False


async def test_an_erased_persons_used_invites_name_the_placeholder_instead(uow_factory):
    service, _ = await _service(uow_factory)
    [mine] = await service.issue_invites([UNIT], FocalPointRole.FOCAL_POINT, NOW)
    [theirs] = await service.issue_invites(["bdbp"], FocalPointRole.FOCAL_POINT, NOW)
    await _register(service, _actor(LAN), mine.code, "Y Lan")
    await _register(service, _actor(MINH), theirs.code, "Trần Minh")
    placeholder = Address("erased", "1")
    async with uow_factory() as uow:
        assert await uow.invites.forget_user(LAN, placeholder) == 1
        await uow.commit()
    async with uow_factory() as uow:
        def find(code):
            return uow.invites.by_hash(hashlib.sha256(code.encode()).hexdigest())
        assert (await find(mine.code)).used_by == placeholder
        assert (await find(theirs.code)).used_by == MINH


async def test_an_invite_is_stored_as_issued(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        stored = await uow.invites.add(Invite("kontum-2023", UNIT, FocalPointRole.DEPUTY,
                                              "f" * 64, NOW, NOW + timedelta(days=3)))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.invites.by_hash("f" * 64)
    assert found == stored
    assert (found.campaign_id, found.unit_id, found.kind, found.created_at, found.expires_at,
            found.used_at, found.revoked_at) == (
        "kontum-2023", UNIT, FocalPointRole.DEPUTY, NOW, NOW + timedelta(days=3), None, None)

