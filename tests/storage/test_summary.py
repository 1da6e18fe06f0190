"""The summary against hand-computed counts: latest versions, the exact due minute, figures.

The fixture (small plan of tests/storage/plans.py, report deadline 15/12/2023 17:00 in Kon Tum):
- bdbp reports t2 at 17:00 sharp (in progress, 10 banners), corrects it a day later (done,
  12 banners, 5 posters): on time, and only the correction counts;
- baokontum reports t1 two days early (done, 7 articles) and t2 at 17:01 (problem, 3 banners,
  0 posters): late, because its last task came one minute after the due time;
- ubnd-ngochoi never reports and has only a deputy: missing, reminded three times;
- sotttt (the secretariat) reports t3 as in progress and never t1.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.address import Address
from bot.domain.records import AuditEntry, FocalPointRole, ReportStatus
from bot.services.summary import SummaryService
from tests.storage.plans import NOW, VN, at, build_plan
from tests.summary_support import Seed

PLAN = build_plan()
REGISTER, REPORT = PLAN.deadlines
DUE = REPORT.due
LATER = DUE + timedelta(days=2)


def _seed() -> Seed:
    seed = Seed(PLAN.id)
    seed.seat("bdbp", NOW, 11).seat("baokontum", NOW, 12)
    seed.seat("ubnd-ngochoi", NOW, 13, role=FocalPointRole.DEPUTY)
    seed.report("bdbp", "t2", DUE, "in_progress", figures={"banners": 10, "posters": None})
    seed.report("bdbp", "t2", DUE + timedelta(days=1), "done", version=2,
                figures={"banners": 12, "posters": 5})
    seed.report("baokontum", "t1", DUE - timedelta(days=2), "done", figures={"articles": 7})
    seed.report("baokontum", "t2", DUE + timedelta(minutes=1), "problem",
                narrative="Thiếu kinh phí in băng rôn, đề nghị hỗ trợ.",
                figures={"banners": 3, "posters": 0})
    seed.report("sotttt", "t3", DUE - timedelta(days=3), "in_progress")
    last_reminder = at(14, 8, month=12)
    for days in (2, 1, 0):
        seed.reminder("ubnd-ngochoi", last_reminder - timedelta(days=days))
    seed.reminder("ubnd-ngochoi", last_reminder, status="pending")
    seed.reminder("ubnd-ngochoi", last_reminder, kind="phase.start")
    return seed


@pytest.fixture
async def service(uow_factory) -> SummaryService:
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, NOW)
        await uow.commit()
    await _seed().store(uow_factory)
    return SummaryService(PLAN, uow_factory)


def _tasks(**counts: int) -> dict[str, int]:
    base = dict.fromkeys(("done", "in_progress", "problem", "not_started", "not_reported"), 0)
    return base | counts


async def test_summary_json_matches_the_hand_computed_counts(service):
    data = (await service.summary(LATER)).as_json()

    assert data["focal_points"] == {"registered": 2, "required": 3, "missing": ["ubnd-ngochoi"]}
    deadlines = {d["id"]: d for d in data["deadlines"]}
    assert deadlines["report"] | {"due": None} == {
        "id": "report", "kind": "report", "due": None,
        # bdbp: in progress at the due time, done a day later; baokontum: one task still a
        # problem, so in progress however early its other report came.
        "on_time": [], "late": ["bdbp"], "in_progress": ["baokontum"],
        "missing": ["ubnd-ngochoi"],
    }
    assert deadlines["report"]["due"] == "2023-12-15T17:00:00+07:00"
    assert deadlines["register"]["on_time"] == ["bdbp", "baokontum"]
    units = {u["id"]: u for u in data["units"]}
    assert units["sotttt"]["tasks"] == _tasks(in_progress=1, not_reported=1)
    assert units["bdbp"]["tasks"] == _tasks(done=1)
    assert units["baokontum"]["tasks"] == _tasks(done=1, problem=1)
    assert units["ubnd-ngochoi"]["tasks"] == _tasks(not_reported=1)
    assert units["bdbp"]["last_report"] == "2023-12-16T17:00:00+07:00"
    assert units["ubnd-ngochoi"]["last_report"] is None
    assert units["ubnd-ngochoi"]["reminders"] == 3
    assert data["figures"] == {"Số tin, bài": 7, "Số băng rôn": 15, "Số áp phích": 5}


async def test_at_the_exact_due_minute_only_what_existed_counts(service):
    summary = await service.summary(DUE)

    report = next(d for d in summary.deadlines if d.deadline.id == "report")
    assert report.on_time == ()  # bdbp reported at 17:00 sharp, but "in progress"
    assert report.late == ()
    assert report.in_progress == ("bdbp", "baokontum")  # baokontum's 17:01 has not come yet
    assert report.missing == ("ubnd-ngochoi",)
    assert summary.unit("bdbp").tasks["in_progress"] == 1  # the correction is not written yet
    assert {f.metric_id: f.total for f in summary.figures} == {"banners": 10, "articles": 7}


async def test_problems_are_the_latest_reports_marked_as_a_problem(service):
    summary = await service.summary(LATER)

    assert summary.problem_count == 1
    [problem] = summary.problems
    assert (problem.unit_id, problem.task_id) == ("baokontum", "t2")
    assert problem.status is ReportStatus.PROBLEM
    assert summary.unit("ubnd-ngochoi").last_reminder == at(14, 8, month=12)


async def test_a_unit_sees_its_own_tasks_and_deadline(service):
    status = await service.unit_status("baokontum", LATER)

    assert [(item.task.id, item.report.status) for item in status.tasks] == [
        ("t1", ReportStatus.DONE), ("t2", ReportStatus.PROBLEM),
    ]
    assert [(deadline.id, row.state.value) for deadline, row in status.deadlines] == [
        ("register", "on_time"), ("report", "in_progress"),
    ]


async def test_the_consolidated_report_reads_the_latest_reports_and_figures(service):
    data = await service.consolidated(LATER)

    assert len(data.latest) == 4
    assert {(f.unit_id, f.metric_id): f.total for f in data.unit_figures} == {
        ("bdbp", "banners"): 12, ("bdbp", "posters"): 5,
        ("baokontum", "articles"): 7, ("baokontum", "banners"): 3, ("baokontum", "posters"): 0,
    }
    assert ("bdbp", "t2", "posters", 5) in {
        (f.unit_id, f.task_id, f.metric_id, f.value) for f in data.task_figures}


async def test_the_workbook_reads_every_version_and_the_seats(service):
    data = await service.workbook(LATER)

    assert [(r.unit_id, r.task_id, r.version) for r in data.history][:2] == [
        ("baokontum", "t1", 1), ("baokontum", "t2", 1)]
    assert len(data.history) == 5
    assert {seat.unit_id for seat in data.focal_points} == {"bdbp", "baokontum", "ubnd-ngochoi"}


async def test_a_draft_export_never_meets_the_consolidation_deadline(uow_factory, service):
    from dataclasses import replace

    from bot.domain.plan import DeadlineKind

    consolidation = replace(REPORT, id="c", kind=DeadlineKind.CONSOLIDATION, units=("sotttt",))
    await service.record_consolidated(LATER, 900001, {"format": "docx"})
    async with uow_factory() as uow:
        [row] = await uow.progress.deadline_status(PLAN.id, consolidation, LATER)
        [entry] = await uow.audit.recent(PLAN.id, limit=1)
    assert row.state.value == "missing"
    assert (entry.action, entry.actor) == ("report.consolidated", Address("telegram", "900001"))

    await service.issue_consolidated("sotttt", LATER, Address("telegram", "900001"))
    async with uow_factory() as uow:
        [row] = await uow.progress.deadline_status(PLAN.id, consolidation, LATER)
    assert row.state.value == "late"
    with pytest.raises(ValueError):
        await service.issue_consolidated("bdbp", LATER, None)  # bdbp consolidates nothing


def test_the_fixture_due_time_is_local():
    assert DUE.tzinfo == VN and (DUE.hour, DUE.minute) == (17, 0)


async def test_the_exports_summary_is_the_summary(uow_factory, service):
    # The exports take the totals and the problems from the rows they read anyway: the same
    # summary as /tonghop's, problems newest first (the same moment: the later one stored).
    seed = Seed(PLAN.id)
    seed.report("sotttt", "t3", DUE + timedelta(hours=1), "problem", version=2)
    seed.report("bdbp", "t1", DUE + timedelta(hours=1), "problem")
    seed.report("bdbp", "t3", DUE + timedelta(hours=3), "problem", figures={"banners": 2})
    await seed.store(uow_factory)
    summary = await service.summary(LATER)

    assert [(row.unit_id, row.task_id) for row in summary.problems] == [
        ("bdbp", "t3"), ("bdbp", "t1"), ("sotttt", "t3"), ("baokontum", "t2")]
    assert (await service.consolidated(LATER)).summary == summary
    assert (await service.workbook(LATER)).summary == summary


async def test_the_summary_and_exports_are_read_while_a_report_is_being_written(
        uow_factory, service):
    # A national campaign's export reads for seconds: it must never hold the write lock that
    # every report, registration and reminder needs (SQLite has one), nor wait for it.
    async with uow_factory() as writing:
        await writing.audit.append(AuditEntry(at=LATER, action="report.test", actor=None,
                                              campaign_id=PLAN.id, unit_id="bdbp"))
        await writing.session.flush()  # the write lock is held from here until the rollback
        for read in (service.summary, service.consolidated, service.workbook):
            await asyncio.wait_for(read(LATER), timeout=2)  # a lock: 5 s, then "locked"
        await asyncio.wait_for(service.unit_status("bdbp", LATER), timeout=2)
