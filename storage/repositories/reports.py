"""Progress reports: each (campaign, unit, task) has versions 1, 2, 3…, none ever overwritten."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.address import Address
from bot.domain.records import (
    Attachment,
    AttachmentKind,
    Report,
    ReportFigure,
    ReportStatus,
)
from storage.models import AttachmentRow, ReportFigureRow, ReportRow

VERSION_CONSTRAINT = "uq_reports_campaign_id_unit_id_task_id_version"
# Two writers rarely collide more than once; the bound only stops a pathological loop.
VERSION_ATTEMPTS = 10


class VersionConflict(RuntimeError):
    """The next version number could not be taken after several attempts."""


def _is_version_clash(exc: IntegrityError) -> bool:
    return VERSION_CONSTRAINT in str(exc.orig) or "reports.version" in str(exc.orig)


def _attachment(row: AttachmentRow) -> Attachment:
    return Attachment(
        id=row.id,
        report_id=row.report_id,
        kind=AttachmentKind(row.kind),
        channel=row.channel,
        source_ref=row.source_ref,
        source_unique_ref=row.source_unique_ref,
        file_name=row.file_name,
        mime_type=row.mime_type,
        size=row.size,
        caption=row.caption,
        archive_path=row.archive_path,
    )


def _report(
    row: ReportRow, figures: Sequence[ReportFigure], attachments: Sequence[Attachment]
) -> Report:
    return Report(
        id=row.id,
        campaign_id=row.campaign_id,
        unit_id=row.unit_id,
        task_id=row.task_id,
        version=row.version,
        status=ReportStatus(row.status),
        narrative=row.narrative,
        submitted_by=row.submitted_by,
        submitted_by_name=row.submitted_by_name,
        created_at=row.created_at,
        period=row.period,
        figures=tuple(figures),
        attachments=tuple(attachments),
    )


class SqlReportRepository:
    """Report versions in SQL; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, report: Report) -> Report:
        """Store a report as the next version of its (campaign, unit, task); return it stored.

        Two people of a unit may confirm at the same moment. SQLite serialises writers (BEGIN
        IMMEDIATE); on PostgreSQL both may read the same highest version, and the second insert
        then hits the unique (campaign, unit, task, version) index: that attempt is rolled back
        to a savepoint and retried with a fresh read, so both reports are kept.
        """
        for _attempt in range(VERSION_ATTEMPTS):
            try:
                async with self._session.begin_nested():
                    return await self._insert(report)
            except IntegrityError as exc:
                if not _is_version_clash(exc):
                    raise
        raise VersionConflict(f"no free version for {report.unit_id}/{report.task_id}")

    async def _insert(self, report: Report) -> Report:
        highest = await self._session.scalar(
            select(func.max(ReportRow.version)).where(
                ReportRow.campaign_id == report.campaign_id,
                ReportRow.unit_id == report.unit_id,
                ReportRow.task_id == report.task_id,
            )
        )
        row = ReportRow(
            campaign_id=report.campaign_id,
            unit_id=report.unit_id,
            task_id=report.task_id,
            version=(highest or 0) + 1,
            status=report.status.value,
            narrative=report.narrative,
            submitted_by=report.submitted_by,
            submitted_by_name=report.submitted_by_name,
            created_at=report.created_at,
            period=report.period,
        )
        self._session.add(row)
        await self._session.flush()
        self._session.add_all(
            ReportFigureRow(report_id=row.id, metric_id=figure.metric_id, value=figure.value)
            for figure in report.figures
        )
        attachment_rows = [
            AttachmentRow(
                report_id=row.id,
                kind=item.kind.value,
                channel=item.channel,
                source_ref=item.source_ref,
                source_unique_ref=item.source_unique_ref,
                file_name=item.file_name,
                mime_type=item.mime_type,
                size=item.size,
                caption=item.caption,
                archive_path=item.archive_path,
            )
            for item in report.attachments
        ]
        self._session.add_all(attachment_rows)
        await self._session.flush()
        return replace(
            report,
            id=row.id,
            version=row.version,
            attachments=tuple(_attachment(item) for item in attachment_rows),
        )

    async def _complete(self, rows: Sequence[ReportRow]) -> list[Report]:
        """Attach figures and attachments to report rows, with one query each."""
        ids = [row.id for row in rows]
        if not ids:
            return []
        figures: dict[int, list[ReportFigure]] = defaultdict(list)
        for figure in await self._session.scalars(
            select(ReportFigureRow)
            .where(ReportFigureRow.report_id.in_(ids))
            .order_by(ReportFigureRow.report_id, ReportFigureRow.metric_id)
        ):
            figures[figure.report_id].append(ReportFigure(figure.metric_id, figure.value))
        attachments: dict[int, list[Attachment]] = defaultdict(list)
        for item in await self._session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.report_id.in_(ids))
            .order_by(AttachmentRow.id)
        ):
            attachments[item.report_id].append(_attachment(item))
        return [_report(row, figures[row.id], attachments[row.id]) for row in rows]

    async def get(self, report_id: int) -> Report | None:
        """One report version with its figures and attachments, or None."""
        row = await self._session.get(ReportRow, report_id)
        if row is None:
            return None
        [report] = await self._complete([row])
        return report

    async def for_unit(self, campaign_id: str, unit_id: str) -> list[Report]:
        """Every version of every report of a unit, by task then version."""
        rows = await self._session.scalars(
            select(ReportRow)
            .where(ReportRow.campaign_id == campaign_id, ReportRow.unit_id == unit_id)
            .order_by(ReportRow.task_id, ReportRow.version)
        )
        return await self._complete(list(rows))

    async def latest(self, campaign_id: str, unit_id: str) -> dict[str, Report]:
        """The newest version per task of a unit."""
        newest = (
            select(ReportRow.task_id, func.max(ReportRow.version).label("version"))
            .where(ReportRow.campaign_id == campaign_id, ReportRow.unit_id == unit_id)
            .group_by(ReportRow.task_id)
            .subquery("newest")
        )
        rows = await self._session.scalars(
            select(ReportRow).join(
                newest,
                and_(
                    ReportRow.campaign_id == campaign_id,
                    ReportRow.unit_id == unit_id,
                    ReportRow.task_id == newest.c.task_id,
                    ReportRow.version == newest.c.version,
                ),
            )
        )
        return {report.task_id: report for report in await self._complete(list(rows))}

    async def all(self, campaign_id: str, unit_id: str | None = None) -> list[Report]:
        """Every version of the campaign's reports (of one unit if given), oldest first."""
        statement = select(ReportRow).where(ReportRow.campaign_id == campaign_id)
        if unit_id is not None:
            statement = statement.where(ReportRow.unit_id == unit_id)
        rows = await self._session.scalars(statement.order_by(ReportRow.id))
        return await self._complete(list(rows))

    async def unarchived(self, campaign_id: str, limit: int = 100) -> list[Report]:
        """Reports with at least one attachment not archived yet, oldest first."""
        waiting = (
            select(AttachmentRow.report_id)
            .where(AttachmentRow.archive_path.is_(None))
            .distinct()
        )
        rows = await self._session.scalars(
            select(ReportRow)
            .where(ReportRow.campaign_id == campaign_id, ReportRow.id.in_(waiting))
            .order_by(ReportRow.id)
            .limit(limit)
        )
        return await self._complete(list(rows))

    async def set_archive_path(self, attachment_id: int, path: str) -> None:
        """Record where an attachment was archived."""
        await self._session.execute(
            update(AttachmentRow)
            .where(AttachmentRow.id == attachment_id)
            .values(archive_path=path)
        )

    async def forget_submitter(self, user: Address, placeholder: Address) -> int:
        """Credit the person's reports to a placeholder, without their name; return how many.

        The reports stay, and stay the unit's: only who sent them is forgotten.
        """
        result = await self._session.execute(
            update(ReportRow)
            .where(ReportRow.submitted_by == user)
            .values(submitted_by=placeholder, submitted_by_name="")
        )
        return int(getattr(result, "rowcount", 0))
