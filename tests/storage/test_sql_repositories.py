import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain.address import Address
from bot.domain.records import AuditEntry, Conversation
from storage.models import FocalPointRow
from tests.storage.plans import NOW, build_plan


async def test_a_processed_update_is_new_only_once(uow_factory):
    async with uow_factory() as uow:
        assert await uow.updates.mark(f"telegram:update:{1001}", NOW) is True
        assert await uow.updates.mark(f"telegram:update:{1001}", NOW) is False
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.updates.mark("telegram:update:1001", NOW + timedelta(seconds=1)) is False
        assert await uow.updates.mark(f"telegram:update:{1002}", NOW) is True


async def test_the_same_update_delivered_concurrently_is_handled_once(uow_factory):
    async def handle() -> bool:
        async with uow_factory() as uow:
            new = await uow.updates.mark(f"telegram:update:{555}", NOW)
            await uow.commit()
            return new

    results = await asyncio.gather(*(handle() for _ in range(10)))

    assert sorted(results) == [False] * 9 + [True]


async def test_old_processed_updates_are_pruned(uow_factory):
    async with uow_factory() as uow:
        await uow.updates.mark(f"telegram:update:{1}", NOW - timedelta(days=2))
        await uow.updates.mark(f"telegram:update:{2}", NOW)
        assert await uow.updates.delete_older_than(NOW - timedelta(days=1)) == 1
        assert await uow.updates.mark(f"telegram:update:{1}", NOW) is True
        assert await uow.updates.mark(f"telegram:update:{2}", NOW) is False


GROUP, USER = Address("telegram", "-100"), Address("telegram", "42")
SEVEN = Address("telegram", "7")


def _conversation(step: str, data: dict, expires_in: timedelta = timedelta(hours=1)):
    return Conversation(
        chat=Address("telegram", "-100"),
        user=Address("telegram", "42"),
        flow="register",
        step=step,
        data=data,
        updated_at=NOW,
        expires_at=NOW + expires_in,
    )


async def test_a_conversation_survives_between_units_of_work_and_is_replaced(uow_factory):
    async with uow_factory() as uow:
        await uow.conversations.put(_conversation("name", {}))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.conversations.put(_conversation("phone", {"name": "Trần Thị B"}))
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.conversations.get(GROUP, USER)

    assert stored == _conversation("phone", {"name": "Trần Thị B"})
    assert stored.expires_at.tzinfo is not None


async def test_conversations_expire_and_can_be_deleted(uow_factory):
    async with uow_factory() as uow:
        await uow.conversations.put(_conversation("name", {}, expires_in=timedelta(minutes=5)))
        await uow.conversations.put(
            Conversation(SEVEN, SEVEN, "report", "status", {}, NOW, NOW + timedelta(days=1))
        )
        later = NOW + timedelta(minutes=10)

        assert await uow.conversations.get(GROUP, USER, now=later) is None
        assert await uow.conversations.get(GROUP, USER) is not None
        assert await uow.conversations.delete_expired(later) == 1
        assert await uow.conversations.get(GROUP, USER) is None
        assert await uow.conversations.delete(SEVEN, SEVEN) is True
        assert await uow.conversations.delete(SEVEN, SEVEN) is False


async def test_audit_lists_newest_first_per_campaign_with_a_limit(uow_factory):
    async with uow_factory() as uow:
        for minute in range(5):
            await uow.audit.append(
                AuditEntry(
                    at=NOW + timedelta(minutes=minute),
                    action=f"a{minute}",
                    actor=Address("telegram", "1"),
                    campaign_id="kontum-2023" if minute % 2 == 0 else None,
                    detail={"minute": minute},
                )
            )
        await uow.commit()

    async with uow_factory() as uow:
        everything = await uow.audit.recent(limit=3)
        campaign = await uow.audit.recent("kontum-2023")

    assert [entry.action for entry in everything] == ["a4", "a3", "a2"]
    assert [entry.action for entry in campaign] == ["a4", "a2", "a0"]
    assert campaign[0].detail == {"minute": 4}


def _focal_point(unit_id: str = "bdbp", role: str = "focal_point", user_id: int = 1):
    return FocalPointRow(
        campaign_id="kontum-2023",
        unit_id=unit_id,
        role=role,
        user_address=Address("telegram", str(user_id)),
        chat_address=Address("telegram", str(user_id)),
        full_name="Nguyễn Văn A",
        position="Trung tá",
        phone_e164="+84901234567",
        locale="vi",
        consent_at=NOW,
        registered_at=NOW,
    )


async def test_one_active_focal_point_per_unit_and_role(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        first = _focal_point(user_id=1)
        uow.session.add_all([first, _focal_point(role="deputy", user_id=2)])
        await uow.commit()

    async with uow_factory() as uow:
        uow.session.add(_focal_point(user_id=3))
        with pytest.raises(IntegrityError):
            await uow.session.flush()

    async with uow_factory() as uow:
        stored = await uow.session.get(FocalPointRow, first.id)
        assert stored is not None
        stored.ended_at = NOW + timedelta(days=1)
        stored.ended_reason = "replaced"
        uow.session.add(_focal_point(user_id=3))
        await uow.commit()

    async with uow_factory() as uow:
        uow.session.add(_focal_point(unit_id="baokontum", user_id=4))
        await uow.commit()
        counts = await uow.campaigns.counts("kontum-2023")
    assert counts["focal_points"] == 4


async def test_a_focal_point_needs_a_unit_of_the_campaign(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        uow.session.add(_focal_point(unit_id="no-such-unit"))
        with pytest.raises(IntegrityError):
            await uow.session.flush()
