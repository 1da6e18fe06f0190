"""The report heads, kept by the database as versions are stored, answer every summary question
exactly as folding every version does; a clock set back still gets the versions folded; the
upgrade to 0009 fills the heads as the trigger keeps them.

The reports are random (seeded) but stored as the bot stores them, through the report
repository: versions 1, 2, 3… of a (unit, task), statuses in any order, some for a period of a
recurring deadline, some for no period or, as after a plan change, for a one-off task.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import storage.repositories.progress as progress_module
import storage.repositories.summary as summary_module
from bot.domain.address import Address
from bot.domain.records import Report, ReportFigure, ReportStatus
from bot.plan import check_plan
from bot.services.summary import SummaryService
from storage.migrate import downgrade_async, upgrade_async
from storage.models import ReportHeadRow
from tests.storage.plans import build_plan

WEEKLY, _ = check_plan(Path(__file__).parents[1] / "plan" / "fixtures" / "weekly-levels.yaml")
BINHSON, _ = check_plan(Path(__file__).parents[2] / "plans" / "binhson-bau-cu-2021.yaml")
ONE_OFF = build_plan()
# A task naming no deadline is due by every report deadline.
UNDATED = replace(ONE_OFF, tasks=(replace(ONE_OFF.tasks[0], deadline=None), *ONE_OFF.tasks[1:]))
PLANS = {"one-off": ONE_OFF, "weekly": WEEKLY, "two report deadlines": BINHSON,
         "a task with no deadline": UNDATED}
STATUSES = ("done", "done", "done", "in_progress", "problem", "not_started")


async def _store_random_reports(plan, uow_factory, count: int = 160, seed: int = 13,
                                since=None):
    """Sync the plan and store `count` random report versions through the repository (made
    between `since`, by default the start, and the end); return the time of the last one."""
    rng = random.Random(seed)
    async with uow_factory() as uow:
        await uow.campaigns.sync(plan, plan.start)
        await uow.commit()
    pairs = [(unit.id, task) for unit in plan.units for task in plan.tasks_of(unit.id)]
    since = since or plan.start
    span = (plan.end - since).total_seconds()
    last = since
    async with uow_factory() as uow:
        for _ in range(count):
            unit, task = rng.choice(pairs)
            labels = [d.period.label for d in plan.periods_of(task.deadline or "")
                      if d.period is not None]
            period = rng.choice(labels) if labels else (
                "2023-W50" if rng.random() < 0.1 else None)  # a one-off task's stray period
            at = since + timedelta(seconds=rng.randrange(1, int(span)))
            last = max(last, at)
            await uow.reports.add(Report(
                campaign_id=plan.id, unit_id=unit, task_id=task.id, version=0,
                status=ReportStatus(rng.choice(STATUSES)), narrative="…",
                submitted_by=Address("telegram", "5"), submitted_by_name="Người báo cáo",
                created_at=at, period=period,
                figures=tuple(ReportFigure(metric.id, rng.choice((None, rng.randrange(40))))
                              for metric in task.metrics),
            ))
        await uow.commit()
    return last


async def _everything(service: SummaryService, now) -> list:
    """Every answer the summary service gives: the whole campaign, each parent's subtree, each
    unit's own status, the Word and Excel data and every deadline's states."""
    plan = service.plan
    answers: list = [(await service.summary(now)).as_json()]
    for unit in plan.units:
        if plan.is_parent(unit.id):
            answers.append((await service.summary(now, unit.id)).as_json())
            answers.append(await service.consolidated(now, unit.id))
        answers.append(await service.unit_status(unit.id, now))
    answers += [await service.consolidated(now), await service.workbook(now)]
    async with service._uow_factory() as uow:
        for deadline in plan.deadlines:
            answers.append(await uow.progress.deadline_status(plan.id, deadline, now))
    return answers


def _fold_always(monkeypatch) -> None:
    """Make the repositories fold every version, as before the heads existed."""
    async def never(*_args) -> bool:
        return False

    monkeypatch.setattr(summary_module, "heads_answer", never)
    monkeypatch.setattr(progress_module, "heads_answer", never)


@pytest.mark.parametrize("name", sorted(PLANS))
async def test_the_heads_answer_as_folding_every_version_does(name, uow_factory, monkeypatch):
    plan = PLANS[name]
    last = await _store_random_reports(plan, uow_factory)
    service = SummaryService(plan, uow_factory)
    moments = (last, last + timedelta(hours=1), plan.end + timedelta(days=3))
    from_heads = [await _everything(service, now) for now in moments]
    _fold_always(monkeypatch)
    folded = [await _everything(service, now) for now in moments]

    assert from_heads == folded
    summary = from_heads[1][0]
    assert any(unit["tasks"]["done"] for unit in summary["units"])  # the data says something


async def test_a_clock_set_back_sees_only_the_versions_stored_by_then(uow_factory):
    plan = PLANS["one-off"]
    last = await _store_random_reports(plan, uow_factory, count=60)
    service = SummaryService(plan, uow_factory)
    earlier = last - (last - plan.start) / 2
    before = await _everything(service, earlier)
    # More versions come later than `earlier`: asked about `earlier`, nothing changes.
    await _store_random_reports(plan, uow_factory, count=40, seed=14, since=earlier)
    assert await _everything(service, earlier) == before


async def _heads(uow_factory) -> list[tuple]:
    async with uow_factory() as uow:
        rows = await uow.session.scalars(select(ReportHeadRow).order_by(
            ReportHeadRow.campaign_id, ReportHeadRow.unit_id, ReportHeadRow.task_id,
            ReportHeadRow.chain))
        return [(row.campaign_id, row.unit_id, row.task_id, row.chain, row.report_id,
                 row.version, row.status, row.created_at, row.done_since, row.last_at)
                for row in rows]


async def test_the_upgrade_fills_the_heads_as_the_trigger_keeps_them(
        migrated_url, uow_factory, engine):
    await _store_random_reports(PLANS["weekly"], uow_factory)
    await _store_random_reports(PLANS["one-off"], uow_factory, seed=5)
    kept = await _heads(uow_factory)
    assert len(kept) > 20
    await engine.dispose()

    await downgrade_async(migrated_url, "0008")
    await upgrade_async(migrated_url)

    assert await _heads(uow_factory) == kept
