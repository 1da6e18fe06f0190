"""Two campaigns of one Subcommittee in one bot: Kon Tum 2023 and Tết 2024, sharing units."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.app import Runtime
from bot.domain.plan import Plan
from bot.domain.records import FocalPoint, FocalPointRole
from bot.plan import load_plan
from bot.services.clock import FixedClock
from bot.settings import Settings
from tests.conftest import ROOT, VN
from tests.support import Talk, running_without_errors, tg

TET = ROOT / "plans" / "kontum-tet-2024.yaml"
# Tết rehearsed alongside the border exchange: its report deadline (also "bao-cao-don-vi")
# falls on 15/12/2023 17:00 like Kon Tum's, so one tick nudges for both.
TET_ALONGSIDE = date(2023, 12, 1)


@pytest.fixture(scope="session")
def tet_plan() -> Plan:
    """The Tết 2024 plan moved to run alongside Kon Tum 2023."""
    return load_plan(TET, event_date=TET_ALONGSIDE)


@pytest.fixture
def tet_file() -> Path:
    """The shipped Tết 2024 plan file."""
    return TET


# Both campaigns running (the Kon Tum focus period, Tết's first weeks as rehearsed here), at a
# time when no reminder is due for the people the tests seat.
BOTH_RUNNING = datetime(2023, 12, 13, 9, 0, tzinfo=VN)
KONTUM_ID, TET_ID = "kontum-2023", "kontum-tet-2024"


async def seat(runtime: Runtime, campaign_id: str, unit_id: str, user: object,
               when: datetime = datetime(2023, 11, 27, 9, 0, tzinfo=VN)) -> None:
    """A person holds the unit's focal-point seat in one campaign (as registration would)."""
    async with runtime.uow_factory() as uow:
        await uow.focal_points.add(FocalPoint(
            campaign_id, unit_id, FocalPointRole.FOCAL_POINT, user, user,
            f"Nguyễn Văn {unit_id}", "Chuyên viên", "+84912345678", "vi", when, when))
        await uow.commit()


@pytest.fixture
def both_clock() -> FixedClock:
    """13/12/2023 09:00 in Kon Tum: both campaigns running."""
    return FixedClock(BOTH_RUNNING)


@contextlib.asynccontextmanager
async def serving(settings: Settings, plans: list[Plan], clock: FixedClock
                  ) -> AsyncIterator[Runtime]:
    """The real bot serving every plan on the channels the settings name; no handler error."""
    from bot.texts import use_vocabulary

    async with Runtime.open(settings, plans[0], clock, plans[1:]) as runtime:
        await runtime.load_plan()
        async with running_without_errors(runtime):
            yield runtime
    use_vocabulary()


@pytest.fixture
async def two_campaigns(settings, kontum_plan, tet_plan, both_clock, fake_api
                        ) -> AsyncIterator[Talk]:
    """The real bot on the fake Telegram server, serving Kon Tum 2023 and Tết 2024."""
    async with serving(settings, [kontum_plan, tet_plan], both_clock) as runtime:
        yield Talk(fake_api, runtime)


__all__ = ["seat", "tg"]
