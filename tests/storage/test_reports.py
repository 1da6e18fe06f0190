"""Report versions on SQLite and PostgreSQL: figures, attachments, corrections, races."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.address import Address
from bot.domain.records import (
    Attachment,
    AttachmentKind,
    Report,
    ReportFigure,
    ReportStatus,
)
from tests.storage.plans import NOW, build_plan

PLAN = build_plan()


async def _load(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, NOW)
        await uow.commit()


def _report(unit="bdbp", task="t2", by=1, status=ReportStatus.DONE, at=NOW, **kwargs):
    return Report(
        campaign_id=PLAN.id, unit_id=unit, task_id=task, version=0, status=status,
        narrative=kwargs.pop("narrative", "Đã treo 12 băng rôn"), submitted_by=Address("telegram", str(by)),
        submitted_by_name=f"Người {by}", created_at=at, **kwargs,
    )


PHOTO = Attachment(AttachmentKind.PHOTO, "telegram", "file-1", "U1", size=1234, caption="Băng rôn ở cửa khẩu")
DOC = Attachment(AttachmentKind.DOCUMENT, "telegram", "file-2", "U2", "ke-hoach.pdf", "application/pdf", 99)


async def _add(uow_factory, report):
    async with uow_factory() as uow:
        stored = await uow.reports.add(report)
        await uow.commit()
    return stored


async def test_a_report_is_stored_with_figures_and_attachments(uow_factory):
    await _load(uow_factory)
    figures = (ReportFigure("banners", 12), ReportFigure("posters", None))
    stored = await _add(uow_factory, _report(figures=figures, attachments=(PHOTO, DOC)))
    assert stored.id is not None and stored.version == 1
    assert stored.reference == f"BC-{stored.id:04d}"
    async with uow_factory() as uow:
        again = await uow.reports.get(stored.id)
        missing = await uow.reports.get(stored.id + 100)
    assert missing is None
    assert again.status is ReportStatus.DONE and again.narrative == "Đã treo 12 băng rôn"
    assert sorted(again.figures, key=lambda f: f.metric_id) == list(figures)
    assert [(a.kind, a.source_ref, a.size, a.caption, a.file_name) for a in again.attachments] == [
        (AttachmentKind.PHOTO, "file-1", 1234, "Băng rôn ở cửa khẩu", None),
        (AttachmentKind.DOCUMENT, "file-2", 99, None, "ke-hoach.pdf"),
    ]
    assert again.created_at == NOW


async def test_corrections_are_new_versions_and_earlier_ones_stay(uow_factory):
    await _load(uow_factory)
    first = await _add(uow_factory, _report(status=ReportStatus.IN_PROGRESS))
    second = await _add(uow_factory, _report(at=NOW + timedelta(hours=1)))
    other_task = await _add(uow_factory, _report(unit="baokontum", task="t1"))
    same_task_other_unit = await _add(uow_factory, _report(unit="baokontum"))
    assert (first.version, second.version) == (1, 2)
    assert (other_task.version, same_task_other_unit.version) == (1, 1)
    async with uow_factory() as uow:
        history = await uow.reports.for_unit(PLAN.id, "bdbp")
        latest = await uow.reports.latest(PLAN.id, "bdbp")
        everything = await uow.reports.all(PLAN.id)
        one_unit = await uow.reports.all(PLAN.id, "baokontum")
    assert [(r.task_id, r.version, r.status) for r in history] == [
        ("t2", 1, ReportStatus.IN_PROGRESS), ("t2", 2, ReportStatus.DONE)]
    assert list(latest) == ["t2"] and latest["t2"].id == second.id
    assert [r.id for r in everything] == [first.id, second.id, other_task.id,
                                          same_task_other_unit.id]
    assert {r.task_id for r in one_unit} == {"t1", "t2"}


async def test_two_reports_confirmed_at_the_same_moment_are_both_kept(uow_factory):
    await _load(uow_factory)
    await _add(uow_factory, _report())
    both_inserted = asyncio.Event()
    inserted = 0

    async def confirm(by):
        nonlocal inserted
        async with uow_factory() as uow:
            stored = await uow.reports.add(_report(by=by))
            inserted += 1
            if inserted == 2:
                both_inserted.set()
            # Hold the transaction open so the two overlap where the database allows it.
            try:
                await asyncio.wait_for(both_inserted.wait(), 0.3)
            except TimeoutError:
                pass
            await uow.commit()
        return stored

    focal, deputy = await asyncio.gather(confirm(1), confirm(2))
    async with uow_factory() as uow:
        history = await uow.reports.for_unit(PLAN.id, "bdbp")
    assert sorted(r.version for r in history) == [1, 2, 3]
    assert {focal.version, deputy.version} == {2, 3}
    assert {r.submitted_by for r in history if r.version > 1} == {
        Address("telegram", "1"), Address("telegram", "2")}


async def test_many_simultaneous_corrections_lose_nothing(uow_factory):
    await _load(uow_factory)

    async def confirm(by):
        async with uow_factory() as uow:
            await uow.reports.add(_report(by=by, figures=(ReportFigure("banners", by),)))
            await uow.commit()

    await asyncio.gather(*(confirm(by) for by in range(1, 7)))
    async with uow_factory() as uow:
        history = await uow.reports.for_unit(PLAN.id, "bdbp")
    assert [r.version for r in history] == [1, 2, 3, 4, 5, 6]
    assert sorted(r.figures[0].value for r in history) == [1, 2, 3, 4, 5, 6]


async def test_a_rolled_back_report_leaves_nothing(uow_factory):
    await _load(uow_factory)
    async with uow_factory() as uow:
        await uow.reports.add(_report(attachments=(PHOTO,)))
        # leaving without commit rolls back
    async with uow_factory() as uow:
        assert await uow.reports.all(PLAN.id) == []
    stored = await _add(uow_factory, _report())
    assert stored.version == 1


async def test_unarchived_attachments_and_their_archive_paths(uow_factory):
    await _load(uow_factory)
    with_files = await _add(uow_factory, _report(attachments=(PHOTO, DOC)))
    await _add(uow_factory, _report(unit="baokontum", task="t1"))
    async with uow_factory() as uow:
        waiting = await uow.reports.unarchived(PLAN.id)
        assert [r.id for r in waiting] == [with_files.id]
        first, second = waiting[0].attachments
        await uow.reports.set_archive_path(first.id, "archive/bdbp/t2/x-1.jpg")
        await uow.commit()
    async with uow_factory() as uow:
        [still] = await uow.reports.unarchived(PLAN.id)
        assert [a.archive_path for a in still.attachments] == ["archive/bdbp/t2/x-1.jpg", None]
        await uow.reports.set_archive_path(second.id, "archive/bdbp/t2/x-2.pdf")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.reports.unarchived(PLAN.id) == []
