"""The repositories' part of an erasure, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.address import Address
from bot.domain.privacy import PersonTraces, erased_address
from bot.domain.records import (
    AuditEntry,
    Conversation,
    FocalPoint,
    FocalPointRole,
    OutboxMessage,
    OutboxStatus,
)
from bot.services.registration import forget_person
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
