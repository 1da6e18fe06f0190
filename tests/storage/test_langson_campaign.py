"""The shipped Lạng Sơn plan (a monthly report with targets) played through two months.

Eleven district offices report every month by the 27th, 10:00 (figures cut off on the 25th);
the province consolidates by the 28th. The counts below are made by hand from the script.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.address import Address
from bot.plan import check_plan
from bot.services.outbox import OutboxService
from bot.services.reminders import ReminderService
from bot.services.reporting import period_reply
from bot.services.schedule import ReminderPolicy
from bot.services.summary import SummaryService
from tests.summary_support import Seed
from tests.support import plain

PLAN, WARNINGS = check_plan(Path(__file__).parents[2] / "plans" / "langson-bhyt-2017.yaml")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN, HEAD = Address("telegram", "900001"), Address("telegram", "900002")
DISTRICTS = [unit.id for unit in PLAN.units if unit.kind == "huyen"]
MARCH, APRIL = "huyen-bao-cao@2017-03", "huyen-bao-cao@2017-04"


def at(day: str) -> datetime:
    return datetime.strptime(day, "%d/%m/%Y %H:%M").replace(tzinfo=TZ)


def test_the_plan_loads_without_a_warning_with_a_period_a_month():
    assert WARNINGS == []
    assert len(DISTRICTS) == 11
    months = PLAN.periods_of("huyen-bao-cao")
    assert [d.id for d in months][:2] == ["huyen-bao-cao@2017-01", "huyen-bao-cao@2017-02"]
    assert len(months) == 11 and len(PLAN.periods_of("tinh-tong-hop")) == 11  # December: not
    march = next(d for d in months if d.id == MARCH)
    assert march.due == at("27/03/2017 10:00") and march.units == tuple(DISTRICTS)
    assert march.period is not None
    assert (march.period.start, march.period.end) == (at("26/02/2017 00:00").date(),
                                                      at("25/03/2017 00:00").date())
    reply = period_reply(march, PLAN.timezone, at("20/03/2017 09:00"))
    assert plain(reply.key, **reply.values) == (
        "📅 Báo cáo tháng 3/2017, số liệu từ 26/02 đến 25/03 (hạn 10:00 27/03/2017).")
    target = PLAN.tasks[0].metrics[1].target
    assert target is not None and target.total == 90
    assert {target.for_unit(unit) for unit in DISTRICTS} == {Decimal(90)}
    assert target.for_unit(PLAN.secretariat) is None


def script() -> Seed:
    """March: five on time, one late, one interim, four nothing. April: nine on time, two
    nothing; April's coverage figures (tenths of a percent) for the target."""
    seed = Seed(PLAN.id)
    for number, unit in enumerate(DISTRICTS):
        seed.seat(unit, at("05/01/2017 09:00"), 700000 + number)
    for index, unit in enumerate(DISTRICTS):
        if index < 5:
            seed.report(unit, "bao-cao-thang", at("26/03/2017 15:00"), period="2017-03")
        elif index == 5:
            seed.report(unit, "bao-cao-thang", at("27/03/2017 14:00"), period="2017-03")
        elif index == 6:
            seed.report(unit, "bao-cao-thang", at("26/03/2017 15:00"), "in_progress",
                        period="2017-03")
    coverage = [905, 921, 880, 900, 870, 930, 915, 899, 940]
    for index, unit in enumerate(DISTRICTS[:9]):
        seed.report(unit, "bao-cao-thang", at("26/04/2017 16:00"), version=2, period="2017-04",
                    figures={"nguoi-tham-gia": 60000 + index, "ty-le-bao-phu": coverage[index]})
    return seed


async def _campaign(uow_factory) -> SummaryService:
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, PLAN.start)
        await uow.commit()
    await script().store(uow_factory)
    summary = SummaryService(PLAN, uow_factory)
    await summary.issue_consolidated(PLAN.secretariat, at("28/03/2017 16:00"), ADMIN)
    return summary


async def test_each_month_counts_its_own_reports(uow_factory):
    await _campaign(uow_factory)
    now = at("29/04/2017 09:00")
    states = {}
    async with uow_factory() as uow:
        for rule_period in (MARCH, APRIL, "tinh-tong-hop@2017-03", "tinh-tong-hop@2017-04"):
            deadline = next(d for d in PLAN.deadlines if d.id == rule_period)
            rows = await uow.progress.deadline_status(PLAN.id, deadline, now)
            states[rule_period] = {row.unit_id: row.state.value for row in rows}
    march = ["on_time"] * 5 + ["late", "in_progress"] + ["missing"] * 4
    assert [states[MARCH][unit] for unit in DISTRICTS] == march
    # April's reports never count for March, nor March's for April.
    assert [states[APRIL][unit] for unit in DISTRICTS] == ["on_time"] * 9 + ["missing"] * 2
    # The province issued March's consolidated report on the 28th, April's not at all.
    assert states["tinh-tong-hop@2017-03"] == {PLAN.secretariat: "on_time"}
    assert states["tinh-tong-hop@2017-04"] == {PLAN.secretariat: "missing"}


async def test_nudges_of_a_month_go_to_that_months_missing_districts(uow_factory):
    await _campaign(uow_factory)
    policy = ReminderPolicy(PLAN.timezone)
    reminders = ReminderService(
        PLAN, uow_factory, None, policy, OutboxService(PLAN, uow_factory, None, policy, [ADMIN]),
        [ADMIN], [HEAD],
    )
    # Thursday 27/04/2017 08:00: the nudge of April's due day.
    planned = await reminders.preview(at("27/04/2017 08:00"))
    nudged = {p.message.recipient_unit_id for p in planned
              if p.message.key.startswith(f"deadline:{APRIL}:unit:")}
    assert nudged == set(DISTRICTS[9:])
    assert not [p for p in planned if p.message.key.startswith(f"deadline:{MARCH}:")]


async def test_april_coverage_against_the_ninety_percent_target(uow_factory):
    summary = await _campaign(uow_factory)
    # The morning of April's due day: April is the month shown, and its reports are counted.
    result = await summary.summary(at("27/04/2017 09:00"))
    [coverage] = [item for item in result.targets if item.metric_id == "ty-le-bao-phu"]
    # The nine districts' mean: (90,5+92,1+88+90+87+93+91,5+89,9+94) / 9 = 90,666… %.
    assert round(coverage.result, 2) == Decimal("90.67") and coverage.target == 90
    below = {u.unit_id: u.result for u in coverage.below}
    # Below 90 %: 88 %, 87 %, 89,9 %, and the two that sent nothing (0 of 90).
    assert below == {DISTRICTS[2]: Decimal("88.0"), DISTRICTS[4]: Decimal("87.0"),
                     DISTRICTS[7]: Decimal("89.9"), DISTRICTS[9]: 0, DISTRICTS[10]: 0}


async def test_once_april_is_due_the_targets_count_may_only(uow_factory):
    summary = await _campaign(uow_factory)
    # Two days later May is the month shown: no district has reported for it yet, so April's
    # coverage no longer passes for May's.
    result = await summary.summary(at("29/04/2017 09:00"))
    [coverage] = [item for item in result.targets if item.metric_id == "ty-le-bao-phu"]
    assert coverage.result == 0 and len(coverage.below) == len(DISTRICTS)
