"""Migration 0007 on a database of schema 0006: every unit and report is kept, units get no
parent and no kind, and the stored reports are counted by the one definition of done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from storage.db import create_engine
from storage.migrate import current_async, downgrade_async, upgrade_async
from storage.uow import make_uow_factory
from tests.storage.plans import build_plan

T = "'2023-12-10 02:00:00'"


async def test_units_and_reports_of_schema_0006_are_carried_over(database_url):
    plan = build_plan()
    await upgrade_async(database_url, "0006")
    engine = create_engine(database_url)
    try:
        async with make_uow_factory(engine)() as uow:
            # The plan as version 0006 stored it: the new columns do not exist yet.
            await uow.session.execute(text(
                "INSERT INTO campaigns (id, title, issuing_body, timezone, event_date, start_at,"
                f" end_at, plan_hash, loaded_at) VALUES ('{plan.id}', 't', 'b', 'Asia/Ho_Chi_Minh',"
                f" '2023-12-05', {T}, {T}, 'h', {T})"))
            for order, unit in enumerate(plan.units):
                await uow.session.execute(text(
                    "INSERT INTO units (campaign_id, id, name, short_name, focal_point_required,"
                    f" is_secretariat, sort_order, active) VALUES ('{plan.id}', '{unit.id}',"
                    f" 'U', 'U', true, false, {order}, true)"))
            await uow.commit()
        await engine.dispose()
        await upgrade_async(database_url, "0007")
        assert await current_async(database_url) == "0007"
        # On to head (0008: reports get a nullable period): the reports below have none.
        await upgrade_async(database_url)

        engine = create_engine(database_url)
        factory = make_uow_factory(engine)
        async with factory() as uow:
            rows = (await uow.session.execute(text(
                "SELECT id, parent_id, kind FROM units ORDER BY sort_order"))).all()
            assert rows == [(unit.id, None, None) for unit in plan.units]
            await uow.campaigns.sync(plan, datetime(2023, 12, 10, 3, tzinfo=UTC))
            await uow.commit()
        # Reports stored before the upgrade keep their status; "in progress" is not done.
        due = plan.deadlines[1].due
        async with factory() as uow:
            for version, status in ((1, "done"), (2, "in_progress")):
                await uow.session.execute(text(
                    "INSERT INTO reports (campaign_id, unit_id, task_id, version, status,"
                    " narrative, submitted_by, submitted_by_name, created_at) VALUES"
                    f" ('{plan.id}', 'bdbp', 't2', {version}, '{status}', '', 'telegram:1',"
                    f" 'x', '{(due - timedelta(days=3 - version)).replace(tzinfo=None)}')"))
            await uow.commit()
        async with factory() as uow:
            rows = await uow.progress.deadline_status(plan.id, plan.deadlines[1], due)
        assert {row.unit_id: row.state.value for row in rows}["bdbp"] == "in_progress"
        await engine.dispose()
        await downgrade_async(database_url, "0006")
        assert await current_async(database_url) == "0006"
    finally:
        await engine.dispose()
