"""Issue 15, over the real bot: `/xuat phathanh` says which period of a recurring consolidation
the issue counted for, on time or late (the rule in the README's periodic section)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.presenters.common import format_when
from bot.services.clock import FixedClock
from tests.e2e.test_summary import ask
from tests.support import WAIT, Person, open_runtime, plain
from tests.unit.test_periods import CONSOLIDATIONS, periodic_plan

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 17, 9, tzinfo=TZ))


@pytest.fixture
async def runtime(settings, clock, tmp_path):
    """The periodic plan with the office's weekly consolidation (Mondays 17:00)."""
    weekly = CONSOLIDATIONS.split("  - id: tong-hop-thang")[0]
    async with open_runtime(settings, periodic_plan(tmp_path, weekly), clock) as opened:
        yield opened


async def _issue(person: Person, now: datetime) -> str:
    """Issue at `now`; the line that names the period it counted for (the bot's nudges about
    other units may come in between)."""
    issued = plain("summary.issued", unit="Văn phòng", at=format_when(now, "Asia/Ho_Chi_Minh"))
    assert (await ask(person, "/xuat phathanh", issued[:30])).text == issued
    period = await person.api.wait_for_message(
        person.id, timeout=WAIT, predicate=lambda m: (m.text or "").startswith("📅 Lần ban hành"))
    return period.text


async def test_an_issue_is_told_which_week_it_counts_for(
    bot, fake_api, runtime, clock, secretariat: Person
):
    plan = runtime.plan
    weeks = {d.period.label: d for d in plan.periods_of("tong-hop-tuan") if d.period}

    # Tuesday 17/11: week 46 (due Monday 16/11 17:00) was not issued; this catches it up.
    assert await _issue(secretariat, clock.now()) == plain(
        "summary.issued_period_late", title="Văn phòng tổng hợp tuần 46/2026",
        due=format_when(weeks["2026-W46"].due, plan.timezone))

    # Sunday 22/11 20:00, week 47's cut-off day: on time for week 47.
    clock.set(datetime(2026, 11, 22, 20, tzinfo=TZ))
    assert await _issue(secretariat, clock.now()) == plain(
        "summary.issued_period", title="Văn phòng tổng hợp tuần 47/2026",
        due=format_when(weeks["2026-W47"].due, plan.timezone))

    # A minute after week 47's due, week 47 met already: this one is week 48's, on time.
    clock.set(datetime(2026, 11, 23, 17, 1, tzinfo=TZ))
    assert await _issue(secretariat, clock.now()) == plain(
        "summary.issued_period", title="Văn phòng tổng hợp tuần 48/2026",
        due=format_when(weeks["2026-W48"].due, plan.timezone))
