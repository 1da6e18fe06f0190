import pytest

from bot.domain.records import AuditEntry
from tests.storage.plans import NOW, build_plan


async def test_uncommitted_work_is_rolled_back(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        await uow.audit.append(AuditEntry(at=NOW, action="never.kept"))
        await uow.updates.mark(f"telegram:update:{7}", NOW)

    async with uow_factory() as uow:
        assert await uow.campaigns.get("kontum-2023") is None
        assert await uow.audit.recent() == []
        assert await uow.updates.mark(f"telegram:update:{7}", NOW)


async def test_an_error_inside_the_unit_of_work_rolls_everything_back(uow_factory):
    with pytest.raises(RuntimeError, match="boom"):
        async with uow_factory() as uow:
            await uow.audit.append(AuditEntry(at=NOW, action="half.done"))
            raise RuntimeError("boom")

    async with uow_factory() as uow:
        assert await uow.audit.recent() == []


async def test_committed_work_is_kept_and_later_work_can_still_be_dropped(uow_factory):
    async with uow_factory() as uow:
        await uow.audit.append(AuditEntry(at=NOW, action="kept"))
        await uow.commit()
        await uow.audit.append(AuditEntry(at=NOW, action="dropped"))

    async with uow_factory() as uow:
        assert [entry.action for entry in await uow.audit.recent()] == ["kept"]


async def test_a_unit_of_work_is_used_once_at_a_time(uow_factory):
    uow = uow_factory()
    async with uow:
        with pytest.raises(RuntimeError, match="already open"):
            await uow.__aenter__()
    with pytest.raises(RuntimeError, match="not open"):
        await uow.commit()


async def test_the_outbox_is_woken_only_by_a_commit_that_queued_a_row(uow_factory):
    from tests.storage.test_outbox_repository import _message

    woken: list[bool] = []
    uow_factory.on_outbox_queued(lambda: woken.append(True))
    async with uow_factory() as uow:
        await uow.audit.append(AuditEntry(at=NOW, action="nothing.queued"))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.outbox.enqueue(_message("dropped"))  # rolled back: nothing to send
    assert woken == []
    async with uow_factory() as uow:
        await uow.outbox.enqueue(_message("kept"))
        await uow.commit()
    assert woken == [True]


async def test_every_seat_change_bumps_the_directory_version_after_its_commit(uow_factory):
    from bot.domain.records import FocalPoint, FocalPointRole
    from tests.support import tg

    seen: list[int] = []
    uow_factory.on_directory_change(seen.append)
    async with uow_factory() as uow:
        await uow.campaigns.sync(build_plan(), NOW)
        before = await uow.focal_points.version()
        await uow.commit()
    assert seen == []  # a plan load changes no seat
    async with uow_factory() as uow:
        seat = await uow.focal_points.add(FocalPoint(
            "kontum-2023", "bdbp", FocalPointRole.FOCAL_POINT, tg(5), tg(5), "A", "B", None,
            "vi", NOW, NOW))
        await uow.commit()
        await uow.focal_points.end(seat.id, NOW, "handover")
        await uow.commit()
        await uow.focal_points.erase(seat.id, NOW)
        await uow.rollback()  # an erasure not kept tells nobody
    assert seen == [before + 1, before + 2]
    async with uow_factory(read_only=True) as uow:
        assert await uow.focal_points.version() == before + 2
