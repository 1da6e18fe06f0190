"""The shared send rate: instances on one PostgreSQL never send closer than 1/rate apart."""

from __future__ import annotations

import asyncio

from storage.db import create_engine
from storage.send_slots import PgSendSlots


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


async def test_three_instances_sending_at_once_share_one_rate(postgres_url):
    engines = [create_engine(postgres_url) for _ in range(3)]
    try:
        slots = [PgSendSlots(engine, "telegram", rate=30, sleep=_no_sleep) for engine in engines]
        await asyncio.gather(*(s.take() for s in slots for _ in range(40)))
        moments = sorted(moment for s in slots for moment in s.reserved)
        assert len(moments) >= 120
        gaps = [later - earlier for earlier, later in zip(moments, moments[1:], strict=False)]
        assert min(gaps) >= 1 / 30 - 1e-6  # never two sends closer than the rate allows
        # In any second of the server's clock, at most 30 moments.
        assert max(sum(1 for m in moments if start <= m < start + 1 - 1e-6)
               for start in moments) <= 30
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_channel_has_its_own_rate(postgres_url):
    engine = create_engine(postgres_url)
    try:
        telegram = PgSendSlots(engine, "telegram", rate=1, sleep=_no_sleep)
        zalo = PgSendSlots(engine, "zalo", rate=1, sleep=_no_sleep)
        await telegram.take()
        await zalo.take()
        # Zalo's first moment is not pushed back by Telegram's reservation (1 s per moment).
        assert abs(zalo.reserved[0] - telegram.reserved[0]) < 0.5
    finally:
        await engine.dispose()
