"""The attachment archive: copies of report photos and files, kept as the plan asks units to.

Downloads start only after a report is committed (the dialogue's after-commit hook wakes the
worker), run in the background so the confirmation is not delayed, and pick up whatever is not
archived yet, so a restart or a failed download is retried on the next wake.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import os
import re
import time
from pathlib import Path
from typing import Any

from bot.domain.plan import Plan
from bot.domain.records import Attachment, AttachmentKind, Report
from bot.services.ports import FileFetcher, UnitOfWorkFactory

# The conversation flow whose drafts hold report attachments (the report flow's name).
DRAFT_FLOW = "report"

logger = logging.getLogger(__name__)

# Platforms serve bots files up to 20 MB (Telegram); bigger ones cannot be fetched.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,10}$")


def _safe(part: str) -> str:
    """A path component that cannot climb out of the archive folder."""
    return _UNSAFE.sub("_", part).strip("_") or "_"


def extension(attachment: Attachment) -> str:
    """The file extension to archive an attachment under, with its dot."""
    if attachment.kind is AttachmentKind.PHOTO:
        return ".jpg"
    if attachment.file_name and "." in attachment.file_name:
        suffix = attachment.file_name.rsplit(".", 1)[1]
        if _EXTENSION.match(suffix):
            return "." + suffix.lower()
    guessed = mimetypes.guess_extension(attachment.mime_type or "")
    return guessed or ".bin"


def archive_path(folder: Path, report: Report, number: int, attachment: Attachment) -> Path:
    """Where an attachment is archived: <folder>/<unit>/<task>/BC-0012-1.jpg."""
    name = f"{report.reference}-{number}{extension(attachment)}"
    return folder / _safe(report.unit_id) / _safe(report.task_id) / name


# A draft's file nobody refers to any more (the draft was dropped, or erased) goes after this.
DRAFT_FILE_GRACE = 3600.0


def draft_path(folder: Path, channel: str, unique_ref: str, attachment: Attachment) -> Path:
    """Where a file of an unsent report waits: <folder>/drafts/<digest of its reference>."""
    digest = hashlib.sha256(f"{channel}:{unique_ref}".encode()).hexdigest()[:32]
    return folder / "drafts" / f"{digest}{extension(attachment)}"


def _draft_attachment(item: dict[str, Any]) -> Attachment:
    return Attachment(
        kind=AttachmentKind(item["kind"]), channel=item.get("channel", ""),
        source_ref=item.get("source_ref") or "", source_unique_ref=str(
            item.get("source_unique_ref")), file_name=item.get("file_name"),
        mime_type=item.get("mime_type"), size=item.get("size"),
    )


class ArchiveService:
    """Downloads the attachments of committed reports into the archive folder."""

    def __init__(
        self, plan: Plan, uow_factory: UnitOfWorkFactory, folder: Path, *, enabled: bool
    ) -> None:
        self._plan = plan
        self._uow_factory = uow_factory
        self.folder = folder
        self.enabled = enabled
        self._fetchers: dict[str, FileFetcher] = {}
        # Channels whose files must be kept at once whatever the setting (Zalo's image URLs
        # may not live long).
        self._always: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def bind(self, channel: str, fetcher: FileFetcher | None, *, always: bool = False) -> None:
        """Download a channel's files with this fetcher (None when the channel stops)."""
        if fetcher is None:
            self._fetchers.pop(channel, None)
            self._always.discard(channel)
            return
        self._fetchers[channel] = fetcher
        if always:
            self._always.add(channel)

    def _wanted(self, channel: str) -> bool:
        return channel in self._fetchers and (self.enabled or channel in self._always)

    def wake(self) -> None:
        """Archive whatever is waiting, in the background (no-op when archiving is off)."""
        if not any(self._wanted(channel) for channel in self._fetchers):
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                await self.archive_pending()
                await self.archive_drafts()
            except Exception:
                logger.exception("archiving report attachments failed")
            if not self._again:
                return

    async def idle(self) -> None:
        """Wait until the background archiving has finished (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def archive_pending(self) -> int:
        """Download every attachment not archived yet; return how many were archived."""
        if not self._fetchers:
            return 0
        async with self._uow_factory() as uow:
            reports = await uow.reports.unarchived(self._plan.id)
        archived = 0
        for report in reports:
            for number, attachment in enumerate(report.attachments, start=1):
                if attachment.archive_path is None and self._wanted(attachment.channel) and (
                    await self._archive(
                    report, number, attachment)
                ):
                    archived += 1
        return archived

    async def archive_drafts(self) -> int:
        """Download the files of unsent reports at once (a Zalo image URL may not live until
        the report is sent); forget those no draft refers to any more. Return how many."""
        async with self._uow_factory() as uow:
            drafts = await uow.conversations.of_flow(DRAFT_FLOW)
        wanted: set[Path] = set()
        fetched = 0
        for draft in drafts:
            for item in draft.data.get("attachments", []):
                attachment = _draft_attachment(item)
                if not self._wanted(attachment.channel):
                    continue
                target = draft_path(self.folder, attachment.channel,
                                    attachment.source_unique_ref, attachment)
                wanted.add(target)
                if not target.exists() and await self._fetch(attachment, target):
                    fetched += 1
        folder = self.folder / "drafts"
        if folder.is_dir():
            for path in folder.iterdir():
                if path not in wanted and time.time() - path.stat().st_mtime > DRAFT_FILE_GRACE:
                    path.unlink(missing_ok=True)
        return fetched

    async def _fetch(self, attachment: Attachment, target: Path) -> bool:
        """Download one file to `target` (whole or not at all); False if it failed."""
        if attachment.size is not None and attachment.size > DOWNLOAD_LIMIT:
            return False
        partial = target.with_name(target.name + ".part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            await self._fetchers[attachment.channel].fetch(attachment.source_ref, partial)
            os.replace(partial, target)
        except Exception as exc:  # retried on the next wake
            logger.warning("a draft's attachment not archived: %s", type(exc).__name__)
            partial.unlink(missing_ok=True)
            return False
        return True

    async def _archive(self, report: Report, number: int, attachment: Attachment) -> bool:
        fetcher = self._fetchers[attachment.channel]
        assert attachment.id is not None
        if attachment.size is not None and attachment.size > DOWNLOAD_LIMIT:
            logger.info("%s: attachment %d is too big to download", report.reference,
                        attachment.id)
            return False
        target = archive_path(self.folder, report, number, attachment)
        partial = target.with_name(target.name + ".part")
        waiting = draft_path(self.folder, attachment.channel, attachment.source_unique_ref,
                             attachment)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if waiting.exists():  # kept while the report was a draft: no second download
                os.replace(waiting, target)
            else:
                await fetcher.fetch(attachment.source_ref, partial)
                os.replace(partial, target)
        except Exception as exc:  # a failed download is retried on the next wake
            logger.warning("%s: attachment %d not archived: %s", report.reference,
                           attachment.id, type(exc).__name__)
            partial.unlink(missing_ok=True)
            return False
        async with self._uow_factory() as uow:
            await uow.reports.set_archive_path(attachment.id, target.as_posix())
            await uow.commit()
        return True
