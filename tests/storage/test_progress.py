"""Deadline status per unit: on time, late or missing, at the exact due minute."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.address import Address
from bot.domain.progress import DeadlineState
from bot.domain.records import AuditEntry, FocalPoint, FocalPointRole
from storage.models import ReportRow
from tests.storage.plans import NOW, build_plan
from tests.support import tg

PLAN = build_plan()
REGISTER, REPORT = PLAN.deadlines
DUE = REPORT.due


async def _load(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, NOW)
        await uow.commit()


def _report(unit, task, at, version=1):
    return ReportRow(campaign_id=PLAN.id, unit_id=unit, task_id=task, version=version,
                     status="done", narrative="", submitted_by=Address("telegram", "1"),
                     submitted_by_name="x", created_at=at)


def _seat(unit, at, user):
    return FocalPoint(PLAN.id, unit, FocalPointRole.FOCAL_POINT, tg(user), tg(user), "A", "B",
                      "+84912345678", "vi", at, at)


async def _states(uow_factory, deadline, now):
    async with uow_factory() as uow:
        rows = await uow.progress.deadline_status(PLAN.id, deadline, now)
    return {row.unit_id: row.state for row in rows}


async def test_report_deadline_on_time_late_and_missing_at_the_exact_minute(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        uow.session.add_all([
            _report("bdbp", "t2", DUE),                                # exactly at the due minute
            _report("baokontum", "t1", DUE - timedelta(days=2)),
            _report("baokontum", "t2", DUE + timedelta(minutes=1)),    # last task one minute late
            _report("baokontum", "t1", DUE + timedelta(days=1), version=2),  # a correction
        ])
        await uow.commit()
    later = DUE + timedelta(days=3)
    assert await _states(uow_factory, REPORT, later) == {
        "bdbp": DeadlineState.ON_TIME,
        "baokontum": DeadlineState.LATE,
        "ubnd-ngochoi": DeadlineState.MISSING,
    }
    # As of the due time, the late report does not exist yet: one of two tasks done.
    assert (await _states(uow_factory, REPORT, DUE))["baokontum"] is DeadlineState.IN_PROGRESS


async def test_a_unit_with_tasks_left_unreported_has_not_met_the_deadline(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        uow.session.add(_report("baokontum", "t1", DUE - timedelta(days=1)))
        await uow.commit()
    async with uow_factory() as uow:
        rows = await uow.progress.deadline_status(PLAN.id, REPORT, DUE)
    baokontum = next(row for row in rows if row.unit_id == "baokontum")
    assert (baokontum.tasks_total, baokontum.tasks_reported) == (2, 1)
    assert not baokontum.met


async def test_registration_counts_current_focal_points(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        first = await uow.focal_points.add(_seat("bdbp", REGISTER.due - timedelta(hours=1), 1))
        await uow.focal_points.end(first.id, REGISTER.due + timedelta(days=1), "handover")
        await uow.focal_points.add(_seat("bdbp", REGISTER.due + timedelta(days=1), 2))
        await uow.focal_points.add(_seat("baokontum", REGISTER.due + timedelta(minutes=1), 3))
        await uow.commit()
    assert await _states(uow_factory, REGISTER, REGISTER.due + timedelta(days=2)) == {
        "bdbp": DeadlineState.ON_TIME,  # the seat was filled on time, then handed over
        "baokontum": DeadlineState.LATE,
        "ubnd-ngochoi": DeadlineState.MISSING,
    }


async def test_an_erased_focal_point_leaves_the_unit_without_one(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        seat = await uow.focal_points.add(_seat("bdbp", NOW, 1))
        await uow.focal_points.erase(seat.id, NOW + timedelta(hours=1))
        await uow.commit()
    states = await _states(uow_factory, REGISTER, NOW + timedelta(hours=2))
    assert states["bdbp"] is DeadlineState.MISSING


async def test_an_interim_report_never_counts_as_done(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        uow.session.add_all([
            _report("bdbp", "t2", DUE - timedelta(days=2)),
            # Reopened: the unit found more to do, then finished it after the due time.
            replace_status(_report("bdbp", "t2", DUE - timedelta(days=1), version=2),
                           "in_progress"),
            _report("bdbp", "t2", DUE + timedelta(hours=1), version=3),
            replace_status(_report("baokontum", "t1", DUE - timedelta(days=1)), "in_progress"),
            replace_status(_report("baokontum", "t2", DUE - timedelta(days=1)), "problem"),
        ])
        await uow.commit()
    assert await _states(uow_factory, REPORT, DUE) == {
        "bdbp": DeadlineState.IN_PROGRESS,
        "baokontum": DeadlineState.IN_PROGRESS,
        "ubnd-ngochoi": DeadlineState.MISSING,
    }
    later = await _states(uow_factory, REPORT, DUE + timedelta(days=1))
    assert later["bdbp"] is DeadlineState.LATE  # done again only after the due time
    assert later["baokontum"] is DeadlineState.IN_PROGRESS


def replace_status(row, status):
    row.status = status
    return row


async def test_a_unit_with_nothing_due_is_not_among_the_deadline_units(uow_factory):
    from dataclasses import replace

    await _load(uow_factory)
    # t1 moved to another deadline: sotttt, which only cooperates on it, has nothing due here.
    async with uow_factory() as uow:
        await uow.campaigns.sync(replace(PLAN, deadlines=(*PLAN.deadlines, replace(
            REPORT, id="other")), tasks=(replace(PLAN.tasks[0], deadline="other"),
                                        PLAN.tasks[1], replace(PLAN.tasks[2], deadline="other"))),
            NOW)
        await uow.commit()
    deadline = replace(REPORT, units=(*REPORT.units, "sotttt"))
    states = await _states(uow_factory, deadline, DUE)
    assert "sotttt" not in states and "bdbp" in states


async def test_consolidation_is_met_by_the_consolidated_report(uow_factory):
    from dataclasses import replace

    from bot.domain.plan import DeadlineKind

    consolidation = replace(REPORT, id="c", kind=DeadlineKind.CONSOLIDATION, units=("sotttt",))
    await _load(uow_factory)
    assert await _states(uow_factory, consolidation, DUE) == {"sotttt": DeadlineState.MISSING}
    async with uow_factory() as uow:
        # A draft export, even by the secretariat, meets nothing.
        await uow.audit.append(AuditEntry(at=DUE, action="report.consolidated",
                                          campaign_id=PLAN.id, unit_id="sotttt"))
        # Someone else's issued report does not meet the secretariat's deadline.
        await uow.audit.append(AuditEntry(at=DUE, action="report.issued",
                                          campaign_id=PLAN.id, unit_id="bdbp"))
        await uow.commit()
    assert await _states(uow_factory, consolidation, DUE) == {"sotttt": DeadlineState.MISSING}
    async with uow_factory() as uow:
        await uow.audit.append(AuditEntry(at=DUE, action="report.issued",
                                          campaign_id=PLAN.id, unit_id="sotttt"))
        await uow.commit()
    assert await _states(uow_factory, consolidation, DUE) == {"sotttt": DeadlineState.ON_TIME}
