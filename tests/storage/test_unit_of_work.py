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
