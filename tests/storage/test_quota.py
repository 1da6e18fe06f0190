"""The Zalo monthly quota: a warning at 80 %, then only answers and deadline nudges."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.address import Address
from bot.services.quota import QuotaService

ADMIN = Address("zalo", "a" * 20)
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


async def test_the_quota_warns_then_holds_back_all_but_nudges(uow_factory):
    quota = QuotaService(uow_factory, {"zalo": 10}, [ADMIN], "Asia/Ho_Chi_Minh")
    await quota.record("zalo", NOW, 7)
    assert await quota.allows("zalo", "phase", NOW)
    async with uow_factory() as uow:
        assert await uow.outbox.recent() == []
    await quota.record("zalo", NOW)  # 8 of 10: the secretariat is warned, once
    await quota.record("zalo", NOW)
    async with uow_factory() as uow:
        [warning] = await uow.outbox.recent()
    assert (warning.text_key, warning.address, warning.payload["used"]) == (
        "quota.warning", ADMIN, 8)
    await quota.record("zalo", NOW)  # 10 of 10
    assert not await quota.allows("zalo", "phase", NOW)
    assert not await quota.allows("zalo", "digest", NOW)
    assert await quota.allows("zalo", "deadline", NOW)
    assert await quota.allows("telegram", "phase", NOW)  # other channels are not limited
    # A fresh process reads the count back; a new month starts from zero.
    again = QuotaService(uow_factory, {"zalo": 10}, [ADMIN], "Asia/Ho_Chi_Minh")
    assert await again.used("zalo", NOW) == 10
    assert await again.allows("zalo", "phase", datetime(2027, 1, 1, 3, 0, tzinfo=UTC))
    async with uow_factory() as uow:
        keys = sorted(row.key for row in await uow.outbox.recent())
    assert keys == [f"quota:zalo:2026-12:100:{ADMIN}", f"quota:zalo:2026-12:80:{ADMIN}"]
