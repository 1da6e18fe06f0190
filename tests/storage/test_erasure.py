"""The repositories' part of an erasure, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.address import Address
from bot.domain.privacy import PersonTraces, erased_address
from bot.domain.records import (
    AuditEntry,
    Conversation,
    FocalPoint,
    FocalPointRole,
    Invite,
    OutboxMessage,
    OutboxStatus,
    Report,
    ReportStatus,
)
from bot.services.registration import forget_person
from storage.models import FocalPointRow
from tests.storage.plans import NOW, build_plan

PERSON = Address("zalo", "6ede9afa66b88fe6d6a9")
OTHER = Address("telegram", "42")


def _message(key: str, address: Address, payload: dict) -> OutboxMessage:
    return OutboxMessage(key=key, kind="notice", address=address, text_key="x.y",
                         payload=payload, locale="vi", due_at=NOW, created_at=NOW,
                         recipient_unit_id="baokontum", campaign_id="kontum-2023")


async def test_forgetting_a_person_leaves_others_untouched(uow_factory):
    async with uow_factory() as uow:
        plan = build_plan()
        await uow.campaigns.sync(plan, NOW)
        seat = await uow.focal_points.add(FocalPoint(
            plan.id, "baokontum", FocalPointRole.FOCAL_POINT, PERSON, PERSON, "Đỗ Thị Hạnh",
            "Phóng viên", "+84987654321", "vi", NOW, NOW))
        await uow.audit.append(AuditEntry(NOW, "focal_point.handover", PERSON, plan.id,
                                          "baokontum", {"to": str(PERSON), "n": 1}))
        await uow.audit.append(AuditEntry(NOW, "invite.created", OTHER, plan.id, None, {}))
        await uow.conversations.put(Conversation(PERSON, PERSON, "report", "x", {}, NOW,
                                                 NOW + timedelta(days=1)))
        await uow.prefs.set_locale(PERSON, "en")
        await uow.prefs.set_locale(OTHER, "vi")
        await uow.outbox.enqueue(_message(f"unreachable:{PERSON.key}:d:admin:42", OTHER,
                                          {"name": "Đỗ Thị Hạnh", "unit": "Báo"}))
        await uow.outbox.enqueue(_message("phase:unit:baokontum", PERSON, {"unit": "Báo"}))
        await uow.outbox.enqueue(_message("phase:unit:bdbp", OTHER, {"unit": "BĐBP"}))
        await uow.updates.mark("zalo:m:1", NOW)
        await uow.updates.remember("zalo:m:1", {"replies": [{"values": {"phone": "0987 654 321"}}]})
        await uow.updates.mark("zalo:m:2", NOW)
        await uow.updates.remember("zalo:m:2", {"replies": [{"values": {"phone": "0912 000 000"}}]})
        await uow.commit()

    placeholder = erased_address(seat.id)
    traces = PersonTraces.of([PERSON], ["Đỗ Thị Hạnh"], ["+84987654321"])
    async with uow_factory() as uow:
        await uow.focal_points.erase(seat.id, NOW)
        await forget_person(uow, traces, placeholder)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.focal_points.held_by(PERSON) == []
        entries = await uow.audit.recent()
        assert {str(e.actor) for e in entries} == {str(placeholder), str(OTHER)}
        assert all(str(PERSON) not in str(e.detail) for e in entries)
        assert await uow.conversations.get(PERSON, PERSON) is None
        assert await uow.prefs.locales() == {OTHER: "vi"}
        rows = {row.key: row for row in await uow.outbox.recent()}
        assert f"unreachable:{placeholder.key}:d:admin:42" in rows
        assert "Hạnh" not in str(rows[f"unreachable:{placeholder.key}:d:admin:42"].payload)
        to_person = rows["phase:unit:baokontum"]
        assert to_person.address == placeholder and to_person.status is OutboxStatus.SKIPPED
        assert rows["phase:unit:bdbp"].status is OutboxStatus.PENDING
        assert await uow.updates.recall("zalo:m:1") is None
        assert await uow.updates.recall("zalo:m:2") is not None
        assert await uow.updates.mark("zalo:m:1", NOW) is False  # still recognised


async def _seat_rows(engine) -> dict[int, FocalPointRow]:
    async with AsyncSession(engine) as session:
        return {row.id: row for row in await session.scalars(select(FocalPointRow))}


async def test_an_erased_focal_points_name_phone_and_chat_are_gone_from_the_database(
        uow_factory, engine):
    later = NOW + timedelta(days=2)
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        seat = await uow.focal_points.add(FocalPoint(
            "kontum-2023", "baokontum", FocalPointRole.FOCAL_POINT, PERSON, PERSON,
            "Đỗ Thị Hạnh", "Phóng viên", "+84987654321", "vi", NOW, NOW))
        kept = await uow.focal_points.add(FocalPoint(
            "kontum-2023", "bdbp", FocalPointRole.FOCAL_POINT, OTHER, OTHER, "Trần Minh",
            "Trung úy", "+84912345678", "en", NOW, NOW))
        await uow.focal_points.erase(seat.id, later)
        await uow.commit()
    rows = await _seat_rows(engine)
    erased, other = rows[seat.id], rows[kept.id]
    assert (erased.full_name, erased.position, erased.phone_e164, erased.user_address,
            erased.chat_address) == ("", "", None, None, None)
    assert (erased.ended_reason, erased.ended_at.replace(tzinfo=UTC)) == ("erased", later)
    assert (other.full_name, other.phone_e164, other.ended_at) == (
        "Trần Minh", "+84912345678", None)


async def test_an_erased_seat_that_was_handed_over_still_says_when_and_why_it_ended(
        uow_factory, engine):
    handed_over = NOW + timedelta(hours=1)
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        seat = await uow.focal_points.add(FocalPoint(
            "kontum-2023", "baokontum", FocalPointRole.FOCAL_POINT, PERSON, PERSON,
            "Đỗ Thị Hạnh", "Phóng viên", "+84987654321", "vi", NOW, NOW))
        await uow.focal_points.end(seat.id, handed_over, "handover")
        await uow.focal_points.erase(seat.id, NOW + timedelta(days=5))
        await uow.commit()
    row = (await _seat_rows(engine))[seat.id]
    assert (row.ended_reason, row.ended_at.replace(tzinfo=UTC)) == ("handover", handed_over)
    assert row.phone_e164 is None and row.full_name == ""


async def test_current_seats_are_listed_unit_by_unit_deputy_before_focal_point(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        for unit, role in (("ubnd-ngochoi", FocalPointRole.FOCAL_POINT),
                           ("bdbp", FocalPointRole.FOCAL_POINT),
                           ("baokontum", FocalPointRole.FOCAL_POINT),
                           ("bdbp", FocalPointRole.DEPUTY)):
            user = Address("telegram", f"{unit}-{role.value}")
            await uow.focal_points.add(FocalPoint("kontum-2023", unit, role, user, user, "Y Lan",
                                                  "Phóng viên", None, "vi", NOW, NOW))
        await uow.commit()
    async with uow_factory() as uow:
        seats = await uow.focal_points.active("kontum-2023")
    assert [(s.unit_id, s.role) for s in seats] == [
        ("baokontum", FocalPointRole.FOCAL_POINT), ("bdbp", FocalPointRole.DEPUTY),
        ("bdbp", FocalPointRole.FOCAL_POINT), ("ubnd-ngochoi", FocalPointRole.FOCAL_POINT)]


async def test_forgetting_a_person_credits_their_reports_and_invites_to_the_placeholder(
        uow_factory):
    placeholder = erased_address(7)
    async with uow_factory() as uow:
        plan = build_plan()
        await uow.campaigns.sync(plan, NOW)
        for user in (PERSON, OTHER):
            await uow.invites.add(Invite(plan.id, "baokontum", FocalPointRole.FOCAL_POINT,
                                         f"{user.id:0>64}"[-64:], NOW, NOW + timedelta(days=9)))
            invite = await uow.invites.by_hash(f"{user.id:0>64}"[-64:])
            await uow.invites.use(invite.id, user, NOW)
            await uow.reports.add(Report(
                campaign_id=plan.id, unit_id="baokontum", task_id="t1", version=0,
                status=ReportStatus.DONE, narrative="Đã đăng 12 bài", submitted_by=user,
                submitted_by_name=f"Người {user.id}", created_at=NOW))
        await uow.inbox.add("zalo", "zalo:in:1", {"sender": {"id": PERSON.id}, "text": "hi"}, NOW)
        await uow.inbox.add("zalo", "zalo:in:2", {"sender": {"id": "other"}, "text": "ok"}, NOW)
        await uow.commit()
    traces = PersonTraces.of([PERSON], ["Đỗ Thị Hạnh"], ["+84987654321"])
    async with uow_factory() as uow:
        await forget_person(uow, traces, placeholder)
        await uow.commit()
    async with uow_factory() as uow:
        reports = await uow.reports.all(plan.id)
        mine = await uow.invites.by_hash(f"{PERSON.id:0>64}"[-64:])
        theirs = await uow.invites.by_hash(f"{OTHER.id:0>64}"[-64:])
        inbox = {entry.message_key: entry.payload for entry in await uow.inbox.all()}
    assert sorted((str(r.submitted_by), r.submitted_by_name) for r in reports) == sorted([
        (str(placeholder), ""), (str(OTHER), f"Người {OTHER.id}")])
    assert (mine.used_by, theirs.used_by) == (placeholder, OTHER)
    assert inbox == {"zalo:in:1": {}, "zalo:in:2": {"sender": {"id": "other"}, "text": "ok"}}
