"""Targets and figure kinds against the database: sums of exact steps, percent means, below."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.plan import load_plan
from bot.services.summary import SummaryService
from tests.summary_support import Seed

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
