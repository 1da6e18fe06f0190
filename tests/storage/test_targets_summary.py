"""Targets and figure kinds against the database: sums of exact steps, percent means, below."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.plan import load_plan
from bot.presenters.summary import summary_lines
from bot.services.summary import SummaryService
from tests.storage.test_levels_campaign import plain_html
from tests.summary_support import Seed
from tests.support import plain

PLAN = load_plan(Path(__file__).resolve().parents[1] / "plan/fixtures/figures.yaml")
NOW = datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
async def summary(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, NOW)
        await uow.commit()
    seed = Seed(PLAN.id)
    # Xã A reported 5 km first, then corrected to 5,5 km: only the correction counts.
    seed.report("xa-a", "duong-a", NOW - timedelta(days=2), figures={
        "km-duong": 500, "ty-le": 900, "kinh-phi": 1_000_000, "so-bai": 3})
    seed.report("xa-a", "duong-a", NOW - timedelta(days=1), version=2, figures={
        "km-duong": 550, "ty-le": 950, "kinh-phi": 4_000_000, "so-bai": 12})
    seed.report("xa-b", "duong-b", NOW - timedelta(days=1), figures={
        "km-duong": 200, "ty-le": 850, "kinh-phi": None, "so-bai": 6})
    await seed.store(uow_factory)
    return await SummaryService(PLAN, uow_factory).summary(NOW)


async def test_figures_of_every_kind_add_up_in_their_own_terms(summary):
    totals = {figure.metric_id: figure.value for figure in summary.figures}
    assert totals == {"km-duong": Decimal("7.5"), "ty-le": Decimal(90),  # a mean, not 180 %
                      "kinh-phi": Decimal(4_000_000), "so-bai": Decimal(18)}


async def test_targets_are_measured_on_the_latest_reports(summary):
    progress = {item.metric_id: item for item in summary.targets}
    km = progress["km-duong"]
    assert (km.result, km.percent) == (Decimal("7.5"), 75)
    assert [(u.unit_id, u.percent) for u in km.below] == [("xa-a", 91), ("xa-b", 50)]
    assert progress["kinh-phi"].percent == 80
    assert [u.unit_id for u in progress["ty-le"].below] == ["xa-b"]  # 85 % of 90 %
    assert [u.unit_id for u in progress["so-bai"].below] == ["xa-b"]  # 6 of 10
    assert summary.as_json()["targets"][0] == {
        "metric": "km-duong", "result": 7.5, "target": 10.0, "percent": 75,
        "below": ["xa-a", "xa-b"]}


LEVELS = load_plan(Path(__file__).resolve().parents[1] / "plan/fixtures/weekly-levels.yaml")
WEEK48 = datetime(2026, 11, 24, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


async def test_a_district_is_measured_against_its_own_communes_only(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(LEVELS, WEEK48)
        await uow.commit()
    seed = Seed(LEVELS.id)
    # An Phú's three communes hang 12, 10 and 6 flags; Bình Sơn's 10, nothing, 3.
    for unit, flags in (("xa-a1", 12), ("xa-a2", 10), ("xa-a3", 6),
                        ("xa-b1", 10), ("xa-b3", 3)):
        seed.report(unit, "treo-co", WEEK48 - timedelta(hours=1), figures={"co": flags},
                    period="2026-W48")
    await seed.store(uow_factory)
    service = SummaryService(LEVELS, uow_factory)

    district = await service.summary(WEEK48, "huyen-a")
    text = plain_html("\n".join(summary_lines(district, LEVELS, "vi")))

    # 28 flags of the 3 × 10 its own communes owe; only An Thịnh below; Bình Sơn's not named.
    assert plain("summary.target_line", label="Số cờ đã treo", result="28 lá",
                 target="30 lá", percent=93) in text
    assert plain("summary.target_below", units="Xã An Thịnh 6/10 lá (đạt 60 %)") in text
    assert "Bình" not in text
    # The province still counts every commune: 3 of 6 reached 10 flags (Bình Thuận: 0).
    whole = await service.summary(WEEK48)
    lines = plain_html("\n".join(summary_lines(whole, LEVELS, "vi")))
    assert plain("summary.target_line_units", label="Số cờ đã treo", met=3, count=6) in lines


async def test_the_exports_measure_targets_as_the_summary_does(uow_factory, summary):
    service = SummaryService(PLAN, uow_factory)

    assert (await service.consolidated(NOW)).summary == summary
    assert (await service.workbook(NOW)).summary == summary
