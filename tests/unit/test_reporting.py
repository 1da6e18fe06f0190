"""Report references and archive names."""

from pathlib import Path

import pytest

from bot.domain.records import Attachment, AttachmentKind, Report, ReportStatus
from bot.services.archive import archive_path
from bot.services.reporting import format_figure, parse_reference
from tests.storage.plans import NOW


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("BC-0012", 12), ("bc12", 12), ("bc 12", 12), ("#7", 7), ("12", 12), (" BC-1 ", 1),
     ("BC-0000", None), ("BC-", None), ("mười hai", None), ("12a", None), ("", None)],
)
def test_references_people_type(typed, expected):
    assert parse_reference(typed) == expected


def test_figures_are_shown_with_grouped_digits_or_a_dash():
    assert format_figure(1200) == "1.200"
    assert format_figure(0) == "0"
    assert format_figure(None) == "—"


def _report(unit="bao-kon-tum", task="tuyen-truyen"):
    return Report("kontum-2023", unit, task, 2, ReportStatus.DONE, "", 1, "A", NOW, id=12)


@pytest.mark.parametrize(
    ("attachment", "name"),
    [
        (Attachment(AttachmentKind.PHOTO, "telegram", "f", "u"), "BC-0012-1.jpg"),
        (Attachment(AttachmentKind.DOCUMENT, "telegram", "f", "u", "Báo cáo.PDF"), "BC-0012-1.pdf"),
        (Attachment(AttachmentKind.DOCUMENT, "telegram", "f", "u", "no-suffix", "application/pdf"),
         "BC-0012-1.pdf"),
        (Attachment(AttachmentKind.DOCUMENT, "telegram", "f", "u", "x.tar/../../etc"), "BC-0012-1.bin"),
    ],
)
def test_archive_names_follow_unit_task_and_report(attachment, name):
    assert archive_path(Path("archive"), _report(), 1, attachment) == Path(
        "archive/bao-kon-tum/tuyen-truyen") / name


def test_archive_folders_cannot_climb_out():
    path = archive_path(Path("archive"), _report("../..", "a/b"), 3,
                        Attachment(AttachmentKind.PHOTO, "telegram", "f", "u"))
    assert path.parent.parent.parent == Path("archive")
    assert ".." not in path.parts
