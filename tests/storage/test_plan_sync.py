from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain.address import Address
from bot.domain.plan import Metric, Task
from bot.domain.records import TableChanges
from bot.services.campaign import CampaignService
from storage.models import (
    ReportRow,
    TaskMetricRow,
    TaskRow,
    TaskUnitRow,
    UnitRow,
)
from tests.storage.plans import NOW, at, build_plan

LATER = NOW + timedelta(days=1)


async def _load(uow_factory, plan, now=NOW):
    async with uow_factory() as uow:
        result = await uow.campaigns.sync(plan, now)
        await uow.commit()
    return result


async def _counts(uow_factory, campaign_id="kontum-2023"):
    async with uow_factory() as uow:
        return await uow.campaigns.counts(campaign_id)


async def test_first_load_inserts_the_whole_plan(uow_factory):
    result = await _load(uow_factory, build_plan())

    assert result.campaign_id == "kontum-2023"
    assert {name: changes.inserted for name, changes in result.tables.items()} == {
        "campaigns": 1,
        "units": 4,
        "phases": 2,
        "deadlines": 2,
        "deadline_units": 6,
        "tasks": 3,
        "task_units": 6,
        "task_phases": 4,
        "task_metrics": 3,
    }
    assert result.changed
    async with uow_factory() as uow:
        campaign = await uow.campaigns.get("kontum-2023")
    assert campaign is not None
    assert campaign.start_at == at(1)
    assert campaign.loaded_at == NOW
    assert campaign.plan_hash == result.plan_hash


async def test_loading_the_same_plan_twice_changes_nothing(uow_factory):
    plan = build_plan()
    await _load(uow_factory, plan)
    counts_before = await _counts(uow_factory)

    again = await _load(uow_factory, plan, now=LATER)

    assert not again.changed
    assert all(changes == TableChanges() for changes in again.tables.values())
    assert again.describe() == "±0"
    assert await _counts(uow_factory) == counts_before
    async with uow_factory() as uow:
        campaign = await uow.campaigns.get(plan.id)
    assert campaign is not None and campaign.loaded_at == NOW


async def test_an_edited_plan_updates_in_place_and_keeps_reports(uow_factory):
    plan = build_plan()
    await _load(uow_factory, plan)
    async with uow_factory() as uow:
        uow.session.add(
            ReportRow(
                campaign_id=plan.id,
                unit_id="sotttt",
                task_id="t3",
                version=1,
                status="done",
                narrative="Đã tổng hợp",
                submitted_by=Address("telegram", "42"),
                submitted_by_name="Nguyễn Văn A",
                created_at=NOW,
            )
        )
        await uow.commit()

    units = (replace(plan.units[0], name="Sở TT&TT tỉnh Kon Tum"), *plan.units[1:])
    deadlines = (replace(plan.deadlines[0], due=at(29, 17)), plan.deadlines[1])
    t1, t2, _t3 = plan.tasks
    t2 = replace(
        t2, metrics=(Metric("banners", "Số băng rôn, khẩu hiệu"), Metric("screens", "Màn hình"))
    )
    t4 = Task("t4", "bdbp", (), ("during",), "Phát thanh lưu động", (), section="V.1")
    edited = replace(plan, units=units, deadlines=deadlines, tasks=(t1, t2, t4))

    result = await _load(uow_factory, edited, now=LATER)

    assert result.tables["units"] == TableChanges(updated=1)
    assert result.tables["deadlines"] == TableChanges(updated=1)
    assert result.tables["tasks"] == TableChanges(inserted=1, deactivated=1)
    assert result.tables["task_metrics"] == TableChanges(inserted=1, updated=1, deactivated=1)
    assert result.tables["campaigns"] == TableChanges(updated=1)
    async with uow_factory() as uow:
        session = uow.session
        unit = await session.get(UnitRow, (plan.id, "sotttt"))
        assert unit is not None and unit.name == "Sở TT&TT tỉnh Kon Tum"
        tasks = {row.id: row for row in await session.scalars(select(TaskRow))}
        assert {task_id: row.active for task_id, row in tasks.items()} == {
            "t1": True,
            "t2": True,
            "t3": False,
            "t4": True,
        }
        assert tasks["t4"].sort_order == 2
        metrics = {
            row.metric_id: (row.label, row.active)
            for row in await session.scalars(
                select(TaskMetricRow).where(TaskMetricRow.task_id == "t2")
            )
        }
        assert metrics == {
            "banners": ("Số băng rôn, khẩu hiệu", True),
            "posters": ("Số áp phích", False),
            "screens": ("Màn hình", True),
        }
        lead_of_t3 = await session.get(TaskUnitRow, (plan.id, "t3", "sotttt"))
        assert lead_of_t3 is not None and not lead_of_t3.active
        reports = (await session.scalars(select(ReportRow))).all()
        assert [(row.task_id, row.narrative) for row in reports] == [("t3", "Đã tổng hợp")]
        campaign = await uow.campaigns.get(plan.id)
        assert campaign is not None and campaign.loaded_at == LATER

    # Putting t3 back reactivates the same rows; nothing is duplicated.
    restored = await _load(uow_factory, plan, now=LATER)
    assert restored.tables["tasks"] == TableChanges(updated=1, deactivated=1)
    assert (await _counts(uow_factory))["tasks"] == 4


async def test_campaigns_sharing_a_database_stay_apart(uow_factory):
    await _load(uow_factory, build_plan("kontum-2023"))
    other = replace(
        build_plan("kontum-2024"), units=build_plan().units[:2], tasks=(), deadlines=()
    )

    await _load(uow_factory, other)

    first, second = (
        await _counts(uow_factory, "kontum-2023"),
        await _counts(uow_factory, "kontum-2024"),
    )
    assert (first["units"], second["units"]) == (4, 2)
    assert (first["tasks"], second["tasks"]) == (3, 0)
    async with uow_factory() as uow:
        assert [campaign.id for campaign in await uow.campaigns.all()] == [
            "kontum-2023",
            "kontum-2024",
        ]
    # Reloading one campaign leaves the other untouched.
    assert not (await _load(uow_factory, build_plan("kontum-2023"))).changed


async def test_the_service_loads_in_one_transaction_and_audits_only_changes(uow_factory):
    service = CampaignService(uow_factory)
    plan = build_plan()

    first = await service.load_plan(plan, NOW)
    second = await service.load_plan(plan, LATER)

    assert first.changed and not second.changed
    counts = await service.counts(plan.id)
    assert counts["units"] == 4 and counts["audit_log"] == 1
    async with uow_factory() as uow:
        (entry,) = await uow.audit.recent(plan.id)
    assert entry.action == "plan.loaded"
    assert entry.detail["tables"]["units"]["inserted"] == 4


async def test_naive_now_is_refused(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(ValueError, match="timezone-aware"):
            await uow.campaigns.sync(build_plan(), NOW.replace(tzinfo=None))
