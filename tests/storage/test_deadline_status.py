"""Who met which deadline and when, as the summary and the reminders read it: only this
campaign's seats, reports and consolidated report count, and only what existed at the time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.address import Address
from bot.domain.plan import Deadline, DeadlineKind, Task, Unit
from bot.domain.progress import DeadlineState
from bot.domain.records import AuditEntry, FocalPoint, FocalPointRole
from storage.models import ReportRow
from tests.storage.plans import NOW, build_plan

BASE = build_plan()
REGISTER, REPORT = BASE.deadlines
OTHER_DEADLINE = Deadline("plan", "Kế hoạch chi tiết", REPORT.due - timedelta(days=20),
                          DeadlineKind.REPORT, ("bdbp",))
# bdbp also leads a task with no deadline of its own (it counts for every report deadline of
# the unit) and one under another deadline (it does not count here).
PLAN = replace(
    BASE,
    units=(*BASE.units, Unit("ubnd-sathay", "UBND huyện Sa Thầy", "Sa Thầy", True)),
    deadlines=(*BASE.deadlines, OTHER_DEADLINE),
    tasks=(*BASE.tasks,
           Task("t4", "bdbp", (), ("during",), "Báo cáo ảnh", ()),
           Task("t5", "bdbp", (), ("before",), "Kế hoạch chi tiết", (), deadline="plan")),
)
OTHER = build_plan("other-2024")
DUE = REPORT.due
CONSOLIDATION = replace(REPORT, id="c", kind=DeadlineKind.CONSOLIDATION, units=("sotttt",))


async def _load(uow_factory) -> None:
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, NOW)
        await uow.campaigns.sync(OTHER, NOW)
        await uow.commit()


def _report(unit: str, task: str, at, campaign: str = PLAN.id) -> ReportRow:
    return ReportRow(campaign_id=campaign, unit_id=unit, task_id=task, version=1,
                     status="done", narrative="", submitted_by=Address("telegram", "1"),
                     submitted_by_name="x", created_at=at)


def _seat(unit: str, at, user: int, role=FocalPointRole.FOCAL_POINT,
          campaign: str = PLAN.id) -> FocalPoint:
    address = Address("telegram", str(user))
    return FocalPoint(campaign, unit, role, address, address, "A", "B", None, "vi", at, at)


async def _status(uow_factory, deadline: Deadline, now):
    async with uow_factory() as uow:
        rows = await uow.progress.deadline_status(PLAN.id, deadline, now)
    assert {row.deadline_id for row in rows} == {deadline.id}
    return {row.unit_id: row for row in rows}


async def test_a_unit_reporting_every_task_is_on_time_at_its_last_first_report(uow_factory):
    await _load(uow_factory)
    first, last = DUE - timedelta(days=3), DUE - timedelta(days=1)
    async with uow_factory() as uow:
        uow.session.add_all([_report("bdbp", "t2", first), _report("bdbp", "t4", last),
                             _report("baokontum", "t1", first)])
        await uow.commit()
    status = await _status(uow_factory, REPORT, DUE)
    bdbp, bao = status["bdbp"], status["baokontum"]
    assert (bdbp.state, bdbp.met_at, bdbp.tasks_total, bdbp.tasks_reported) == (
        DeadlineState.ON_TIME, last, 2, 2)  # t2 and t4; t5 belongs to another deadline
    # Some of its tasks reported, not all: in progress, not met.
    assert (bao.state, bao.met_at, bao.tasks_reported) == (DeadlineState.IN_PROGRESS, None, 1)


async def test_a_task_without_a_deadline_must_be_reported_too(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        uow.session.add(_report("bdbp", "t2", DUE - timedelta(days=1)))
        await uow.commit()
    bdbp = (await _status(uow_factory, REPORT, DUE))["bdbp"]
    assert (bdbp.state, bdbp.met_at, bdbp.tasks_total, bdbp.tasks_reported) == (
        DeadlineState.IN_PROGRESS, None, 2, 1)


async def test_a_unit_with_no_task_under_a_deadline_is_neither_counted_nor_missing(
        uow_factory):
    await _load(uow_factory)
    deadline = replace(REPORT, units=("ubnd-sathay", "bdbp"))  # Sa Thầy has no task at all
    status = await _status(uow_factory, deadline, DUE)
    assert "ubnd-sathay" not in status and status["bdbp"].state is DeadlineState.MISSING


async def test_reports_of_another_campaign_do_not_count(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        uow.session.add_all([_report("baokontum", "t1", DUE - timedelta(days=1), OTHER.id),
                             _report("bdbp", "t2", DUE - timedelta(days=1), OTHER.id),
                             _report("bdbp", "t4", DUE - timedelta(days=1))])
        await uow.commit()
    status = await _status(uow_factory, REPORT, DUE)
    assert status["baokontum"].state is DeadlineState.MISSING
    assert status["bdbp"].tasks_reported == 1


async def test_the_focal_point_registered_on_time_is_on_time_at_that_moment(uow_factory):
    await _load(uow_factory)
    registered = REGISTER.due - timedelta(hours=3)
    async with uow_factory() as uow:
        await uow.focal_points.add(_seat("bdbp", registered, 1))
        await uow.commit()
    bdbp = (await _status(uow_factory, REGISTER, REGISTER.due))["bdbp"]
    assert (bdbp.state, bdbp.met_at) == (DeadlineState.ON_TIME, registered)
    # As of the very minute of the registration it already counts.
    assert (await _status(uow_factory, REGISTER, registered))["bdbp"].met


async def test_only_this_campaigns_focal_point_counts_and_a_deputy_alone_does_not(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        await uow.focal_points.add(_seat("bdbp", NOW, 1, campaign=OTHER.id))
        await uow.focal_points.add(_seat("baokontum", NOW, 2, role=FocalPointRole.DEPUTY))
        await uow.commit()
    status = await _status(uow_factory, REGISTER, NOW + timedelta(days=1))
    assert status["bdbp"].state is DeadlineState.MISSING
    assert status["baokontum"].state is DeadlineState.MISSING


async def test_a_focal_point_counts_until_the_moment_they_step_down(uow_factory):
    await _load(uow_factory)
    start, stop = NOW, NOW + timedelta(days=2)
    async with uow_factory() as uow:
        seat = await uow.focal_points.add(_seat("bdbp", start, 1))
        await uow.focal_points.end(seat.id, stop, "stepped down")
        await uow.commit()
    assert (await _status(uow_factory, REGISTER, stop - timedelta(minutes=1)))["bdbp"].met
    assert not (await _status(uow_factory, REGISTER, stop))["bdbp"].met


async def test_a_unit_between_two_focal_points_has_none(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        old = await uow.focal_points.add(_seat("bdbp", NOW, 1))
        await uow.focal_points.end(old.id, NOW + timedelta(days=1), "stepped down")
        await uow.focal_points.add(_seat("bdbp", NOW + timedelta(days=3), 2))
        await uow.commit()
    assert not (await _status(uow_factory, REGISTER, NOW + timedelta(days=2)))["bdbp"].met
    again = (await _status(uow_factory, REGISTER, NOW + timedelta(days=3)))["bdbp"]
    assert (again.met, again.met_at) == (True, NOW)  # on time by the first registration


async def test_only_this_campaigns_issued_report_meets_the_consolidation(uow_factory):
    await _load(uow_factory)
    at = DUE - timedelta(hours=2)
    async with uow_factory() as uow:
        await uow.audit.append(AuditEntry(at=at - timedelta(days=1), action="report.issued",
                                          campaign_id=OTHER.id, unit_id="sotttt"))
        await uow.audit.append(AuditEntry(at=at - timedelta(days=1),
                                          action="report.consolidated", campaign_id=PLAN.id,
                                          unit_id="sotttt"))  # a draft export: counts for nothing
        await uow.audit.append(AuditEntry(at=at, action="report.issued", campaign_id=PLAN.id,
                                          unit_id="sotttt"))
        await uow.commit()
    before = (await _status(uow_factory, CONSOLIDATION, at - timedelta(minutes=1)))["sotttt"]
    assert (before.state, before.met_at) == (DeadlineState.MISSING, None)
    after = (await _status(uow_factory, CONSOLIDATION, DUE))["sotttt"]
    assert (after.state, after.met_at) == (DeadlineState.ON_TIME, at)


async def test_a_seat_in_another_campaign_or_a_deputys_does_not_make_a_late_unit_on_time(
        uow_factory):
    await _load(uow_factory)
    late = REGISTER.due + timedelta(hours=1)
    async with uow_factory() as uow:
        await uow.focal_points.add(_seat("bdbp", NOW, 1, campaign=OTHER.id))
        await uow.focal_points.add(_seat("bdbp", late, 2))
        await uow.focal_points.add(_seat("baokontum", NOW, 3, role=FocalPointRole.DEPUTY))
        await uow.focal_points.add(_seat("baokontum", late, 4))
        await uow.commit()
    status = await _status(uow_factory, REGISTER, late + timedelta(days=1))
    for unit in ("bdbp", "baokontum"):
        assert (status[unit].state, status[unit].met_at) == (DeadlineState.LATE, late), unit


async def test_after_the_focal_point_stepped_down_neither_a_deputy_nor_another_campaign_counts(
        uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        for unit, user in (("bdbp", 1), ("baokontum", 2)):
            seat = await uow.focal_points.add(_seat(unit, NOW, user))
            await uow.focal_points.end(seat.id, NOW + timedelta(days=1), "stepped down")
        await uow.focal_points.add(_seat("bdbp", NOW, 3, campaign=OTHER.id))
        await uow.focal_points.add(_seat("baokontum", NOW, 4, role=FocalPointRole.DEPUTY))
        await uow.commit()
    status = await _status(uow_factory, REGISTER, NOW + timedelta(days=2))
    assert not status["bdbp"].met and not status["baokontum"].met
