"""The summary's text, chart, Word and Excel presenters, on hand-built data (no database)."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from docx import Document
from docx.shared import Mm
from openpyxl import load_workbook

from bot.domain.plan import Plan, Task, Unit
from bot.domain.progress import DeadlineState, UnitDeadline
from bot.domain.records import FocalPoint, FocalPointRole, ReportStatus
from bot.domain.summary import ReportVersion, TaskFigure, UnitFigure
from bot.presenters.chart import MAX_UNITS, chart_units, status_chart
from bot.presenters.common import MESSAGE_LIMIT, split_messages
from bot.presenters.docx_report import (
    consolidated_docx,
    document_date,
    recipient_lines,
    symbol_of,
)
from bot.presenters.summary import summary_lines, summary_messages
from bot.presenters.xlsx_export import workbook_xlsx
from bot.services.summary import (
    TASK_STATES,
    DeadlineSummary,
    ExportData,
    FigureTotal,
    FocalPointCount,
    Summary,
    UnitSummary,
)
from tests.storage.plans import at, build_plan
from tests.support import plain, tg

PLAN = replace(
    build_plan(),
    parent_body="UBND TỈNH KON TUM",
    place="Kon Tum",
    issuing_body="TIỂU BAN TUYÊN TRUYỀN",
    recipients=("UBND tỉnh (b/c)", "Ban Tuyên giáo Tỉnh ủy", "Lưu: TBTT"),
)
NOW = at(17, 19, month=12)
_, REPORT = PLAN.deadlines


def _tasks(**counts: int) -> dict[str, int]:
    return dict.fromkeys(TASK_STATES, 0) | counts


def _report(report_id, unit, task, status, version=1, narrative="Đã thực hiện.", day=14):
    return ReportVersion(report_id, unit, task, version, ReportStatus(status), narrative,
                         "Người gửi", at(day, 8, month=12))


def sample(plan: Plan = PLAN) -> ExportData:
    """Two units reported (one late, with a problem), one silent: figures hand-summed."""
    states = (
        UnitDeadline("report", "bdbp", DeadlineState.ON_TIME, at(15, 17, month=12), 1, 1),
        UnitDeadline("report", "baokontum", DeadlineState.LATE, at(15, 18, month=12), 2, 2),
        UnitDeadline("report", "ubnd-ngochoi", DeadlineState.MISSING, None, 1, 0),
    )
    summary = Summary(
        campaign_id=plan.id, timezone=plan.timezone, now=NOW,
        focal_points=FocalPointCount(("bdbp", "baokontum", "ubnd-ngochoi"), ("bdbp", "baokontum")),
        deadlines=(DeadlineSummary(REPORT, states),),
        units=(
            UnitSummary("sotttt", _tasks(in_progress=1, not_reported=1), at(12, 8, month=12)),
            UnitSummary("bdbp", _tasks(done=1), at(16, 17, month=12)),
            UnitSummary("baokontum", _tasks(done=1, problem=1), at(15, 18, month=12)),
            UnitSummary("ubnd-ngochoi", _tasks(not_reported=1), None, 3, at(14, 8, month=12)),
        ),
        figures=(FigureTotal("articles", "Số tin, bài", 7),
                 FigureTotal("banners", "Số băng rôn", 15),
                 FigureTotal("posters", "Số áp phích", 5)),
        problems=(_report(4, "baokontum", "t2", "problem", narrative="Thiếu kinh phí."),),
        problem_count=1,
    )
    latest = (
        _report(2, "bdbp", "t2", "done", version=2, day=16),
        _report(3, "baokontum", "t1", "done"),
        _report(4, "baokontum", "t2", "problem", narrative="Thiếu kinh phí in băng rôn."),
        _report(5, "sotttt", "t3", "in_progress"),
    )
    task_figures = (
        TaskFigure("bdbp", "t2", "banners", 12), TaskFigure("bdbp", "t2", "posters", 5),
        TaskFigure("baokontum", "t1", "articles", 7), TaskFigure("baokontum", "t2", "banners", 3),
        TaskFigure("baokontum", "t2", "posters", 0),
    )
    unit_figures = tuple(UnitFigure(f.unit_id, f.metric_id, f.value or 0) for f in task_figures)
    seats = tuple(
        FocalPoint(plan.id, unit, FocalPointRole.FOCAL_POINT, tg(1), tg(1), "Nguyễn Văn A", "Chuyên viên",
                   "+84912345678", "vi", at(20), at(20))
        for unit in ("bdbp", "baokontum")
    )
    history = (_report(1, "bdbp", "t2", "in_progress", day=15), *latest[:1], *latest[1:])
    history = tuple(sorted(history, key=lambda r: (r.unit_id, r.task_id, r.version)))
    return ExportData(summary, latest, unit_figures, task_figures, seats, history)


# --- text -------------------------------------------------------------------------------------


def test_the_summary_names_missing_units_with_their_reminders():
    text = "\n".join(summary_messages(sample().summary, PLAN, "vi"))
    reminded = plain("summary.unit_reminded", unit="Ngọc Hồi", count=3, last="14/12 08:00")
    assert plain("summary.deadline_missing", units=reminded) in plain_html(text)
    assert plain("summary.deadline_counts", on_time=1, late=1, in_progress=0, missing=1,
                 total=3) in text
    assert plain("summary.figure_line", label="Số băng rôn", total="15") in plain_html(text)
    assert "15/12/2023 17:00" in text  # the due time, in the plan's zone


def test_a_long_summary_is_split_between_lines_only():
    units = tuple(Unit(f"u{n}", f"Đơn vị số {n}", f"Đơn vị số {n}", True) for n in range(400))
    plan = replace(PLAN, units=units, tasks=(Task("t", "u0", (), (), "Việc"),), deadlines=())
    summary = replace(
        sample().summary,
        units=tuple(UnitSummary(u.id, _tasks(done=2, not_reported=1), NOW) for u in units),
        deadlines=(), focal_points=FocalPointCount(tuple(u.id for u in units), ()),
    )
    lines = summary_lines(summary, plan, "vi")
    messages = summary_messages(summary, plan, "vi")

    assert len(messages) > 1
    assert all(len(message) <= MESSAGE_LIMIT for message in messages)
    sent = [line for message in messages for line in message.split("\n")]
    assert [line for line in sent if line] == [line for line in lines if line]


def test_split_never_cuts_a_line_and_never_opens_with_a_blank():
    lines = ["a" * 60] * 10 + [""] + ["b" * 60] * 10
    messages = split_messages(lines, limit=200)
    assert all(len(m) <= 200 for m in messages)
    assert all(line in ("a" * 60, "b" * 60, "") for m in messages for line in m.split("\n"))
    assert not any(m.startswith("\n") for m in messages)


# --- chart ------------------------------------------------------------------------------------


def test_the_chart_is_a_png():
    png = status_chart(sample().summary, PLAN, "vi")
    assert png.startswith(b"\x89PNG")


def test_the_chart_keeps_the_units_with_most_work_left_when_there_are_many():
    # Unit n has n tasks left: the last MAX_UNITS are the ones with the most work left.
    units = tuple(UnitSummary(f"u{n}", _tasks(done=1, not_reported=n), None)
                  for n in range(3 * MAX_UNITS))
    summary = replace(sample().summary, units=units)
    shown = [unit.unit_id for unit in chart_units(summary)]
    assert shown == [f"u{n}" for n in range(2 * MAX_UNITS, 3 * MAX_UNITS)]  # in plan order
    assert status_chart(summary, PLAN, "en").startswith(b"\x89PNG")


def test_the_chart_lists_every_unit_with_tasks_in_plan_order_when_there_are_few():
    summary = sample().summary
    expected = [unit.unit_id for unit in summary.units if unit.total]
    assert [unit.unit_id for unit in chart_units(summary)] == expected


@pytest.mark.parametrize("short_name", ["Ban $x^{2", "$$", "Giá $5 $10", r"\$a$"])
def test_a_dollar_in_a_unit_name_does_not_break_the_chart(short_name):
    plan = replace(PLAN, units=tuple(replace(unit, short_name=short_name) for unit in PLAN.units))
    assert status_chart(sample().summary, plan, "vi").startswith(b"\x89PNG")


# --- Word -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    return consolidated_docx(sample(), PLAN)


def test_the_page_is_a4_with_the_decree_margins(docx_bytes):
    section = Document(io.BytesIO(docx_bytes)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert Mm(20) <= section.top_margin <= Mm(25)
    assert Mm(20) <= section.bottom_margin <= Mm(25)
    assert Mm(30) <= section.left_margin <= Mm(35)
    assert Mm(15) <= section.right_margin <= Mm(20)
    assert section.different_first_page_header_footer  # no page number on page 1
    assert "PAGE" in section.header._element.xml


def test_the_text_is_times_new_roman_13_to_14_pt(docx_bytes):
    document = Document(io.BytesIO(docx_bytes))
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert 13 <= normal.font.size.pt <= 14
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(f"{{{fonts.nsmap['w']}}}{slot}") for slot in ("ascii", "hAnsi", "cs")} == {
        "Times New Roman"}


def test_the_header_has_the_issuer_the_motto_the_number_and_the_date(docx_bytes):
    document = Document(io.BytesIO(docx_bytes))
    header = document.tables[0]
    left, right = (cell.text for cell in header.rows[0].cells)
    number, when = header.rows[1].cells
    assert left.startswith("UBND TỈNH KON TUM\nTIỂU BAN TUYÊN TRUYỀN")
    assert right.startswith(plain("consolidated.nation") + "\n" + plain("consolidated.motto"))
    assert number.text.strip() == plain("consolidated.number", symbol="TBTT")
    assert when.text == plain("consolidated.place_date", place="Kon Tum", day="17", month="12",
                              year="2023")
    assert when.paragraphs[0].runs[0].italic
    motto = right.split("\n")[1]
    assert motto == "Độc lập - Tự do - Hạnh phúc"


def test_the_title_and_the_five_parts(docx_bytes):
    document = Document(io.BytesIO(docx_bytes))
    texts = [p.text for p in document.paragraphs]
    subject = plain("consolidated.subject",
                    plan="tuyên truyền Giao lưu hữu nghị Quốc phòng biên giới")
    assert texts[texts.index(plain("consolidated.kind")) + 1] == subject
    parts = [p.text for p in document.paragraphs if p.style.name == "Decree Part"]
    assert parts == [plain(f"consolidated.part_{name}")
                     for name in ("general", "units", "table", "missing", "problems")]
    items = [p.text for p in document.paragraphs if p.style.name == "Decree Item"]
    assert items[:2] == ["1. Sở Thông tin và Truyền thông", "2. Bộ Chỉ huy Bộ đội Biên phòng tỉnh"]
    assert "- Báo Kon Tum (V.1): Thiếu kinh phí in băng rôn." in texts
    assert plain("consolidated.missing_unit", unit="UBND huyện Ngọc Hồi", unreported=1,
                 total=1) in texts


def test_the_figures_table_adds_up(docx_bytes):
    document = Document(io.BytesIO(docx_bytes))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == plain(
        "consolidated.col_number"))
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][2:] == ["Số tin, bài", "Số băng rôn", "Số áp phích"]
    assert rows[1][1:] == ["Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "", "12", "5"]
    assert rows[2][1:] == ["Báo Kon Tum", "7", "3", "0"]
    assert rows[-1][1:] == [plain("consolidated.total_row"), "7", "15", "5"]


def test_the_closing_has_the_recipients_and_the_signer(docx_bytes):
    document = Document(io.BytesIO(docx_bytes))
    left, right = document.tables[-1].rows[0].cells
    lines = left.text.split("\n")
    assert lines[0] == plain("consolidated.recipients")
    assert lines[1:] == ["- UBND tỉnh (b/c);", "- Ban Tuyên giáo Tỉnh ủy;", "- Lưu: VT, TBTT."]
    assert right.paragraphs[0].text == "TRƯỞNG TIỂU BAN"
    assert right.paragraphs[0].runs[0].bold


def test_document_dates_follow_the_decree():
    def day(y, m, d):
        return document_date(datetime(y, m, d, 3, tzinfo=UTC), "Asia/Ho_Chi_Minh")

    assert day(2023, 12, 18) == {"day": "18", "month": "12", "year": "2023"}
    assert day(2024, 2, 5) == {"day": "05", "month": "02", "year": "2024"}
    assert day(2024, 3, 9)["month"] == "3"
    # 23:30 UTC on 31/12 is already 1 January in Viet Nam.
    assert document_date(datetime(2023, 12, 31, 23, 30, tzinfo=UTC), "Asia/Ho_Chi_Minh") == {
        "day": "01", "month": "01", "year": "2024"}


def test_filing_line_gets_the_clerks_office_and_a_full_stop():
    assert symbol_of(PLAN) == "TBTT"
    plan = replace(PLAN, recipients=("Như trên;",))
    assert recipient_lines(plan) == ["- Như trên;", "- Lưu: VT."]
    assert symbol_of(plan) is None


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) not installed: PDF conversion not checked")
def test_libreoffice_converts_the_report_to_pdf(docx_bytes, tmp_path):
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(docx_bytes)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    pdf = tmp_path / "bao-cao.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        assert plain("consolidated.kind") in text and plain("consolidated.motto") in text
        assert plain("consolidated.total_row") in text


def test_a_campaign_without_figures_or_reports_still_makes_a_report():
    empty = sample()
    summary = replace(empty.summary, figures=(), problems=(), problem_count=0,
                      units=tuple(replace(u, tasks=_tasks(not_reported=u.total))
                                  for u in empty.summary.units))
    data = ExportData(summary, (), (), ())
    texts = [p.text for p in Document(io.BytesIO(consolidated_docx(data, PLAN))).paragraphs]
    assert plain("consolidated.table_none") in texts
    assert plain("consolidated.problems_none") in texts
    assert plain("consolidated.unit_no_report") in texts


# --- Excel ------------------------------------------------------------------------------------


def _book(with_phones: bool, locale: str = "vi"):
    return load_workbook(io.BytesIO(workbook_xlsx(sample(), PLAN, locale,
                                                  with_phones=with_phones)))


def test_every_sheet_has_a_frozen_header_row():
    book = _book(True)
    assert book.sheetnames == [plain(f"workbook.sheet_{name}") for name in
                               ("units", "focal_points", "reports", "figures", "deadlines")]
    assert all(sheet.freeze_panes == "A2" for sheet in book)
    assert all(sheet.column_dimensions["A"].width > 0 for sheet in book)


def test_figures_are_numbers_and_times_are_dates():
    book = _book(False)
    figures = list(book[plain("workbook.sheet_figures")].iter_rows(min_row=2, values_only=True))
    assert ("bdbp", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "t2") == figures[0][:3]
    assert sum(row[-1] for row in figures if row[4] == "banners") == 15
    assert all(isinstance(row[-1], int) for row in figures)
    units = list(book[plain("workbook.sheet_units")].iter_rows(min_row=2, values_only=True))
    assert units[1][11] == datetime(2023, 12, 16, 17, 0)  # local wall-clock time


def test_every_report_version_is_listed_and_the_latest_marked():
    sheet = _book(False)[plain("workbook.sheet_reports")]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    bdbp = [(row[0], row[5], row[7]) for row in rows if row[1] == "bdbp"]
    assert bdbp == [("BC-0001", 1, plain("workbook.no")), ("BC-0002", 2, plain("workbook.yes"))]


def test_phone_numbers_only_when_asked():
    phone = plain("workbook.col_phone")
    with_phones = _book(True)[plain("workbook.sheet_focal_points")]
    without = _book(False)[plain("workbook.sheet_focal_points")]
    assert phone in [c.value for c in with_phones[1]]
    assert "0912 345 678" in [c.value for c in with_phones[2]]
    assert phone not in [c.value for c in without[1]]
    assert not any("0912" in str(c.value) for row in without for c in row)


def test_deadline_sheet_has_one_row_per_unit():
    rows = list(_book(False, "en")["Deadlines"].iter_rows(min_row=2, values_only=True))
    assert [(row[4], row[6]) for row in rows] == [
        ("bdbp", "On time"), ("baokontum", "Late"), ("ubnd-ngochoi", "Not met")]
    assert rows[0][3] == datetime(2023, 12, 15, 17, 0)


def plain_html(text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_time_left_and_overdue_read_in_two_units():
    from datetime import timedelta

    from bot.presenters.common import time_left

    due = REPORT.due
    assert time_left(due, due - timedelta(days=2, hours=5, minutes=9), "vi") == plain(
        "summary.time_left", duration=plain("summary.duration_days_hours", days=2, hours=5))
    assert time_left(due, due + timedelta(minutes=1), "vi") == plain(
        "summary.overdue", duration=plain("summary.duration_minutes", minutes=1))
    assert time_left(due, due, "en") == plain(
        "summary.time_left", "en", duration=plain("summary.duration_minutes", "en", minutes=0))


def test_a_plan_titled_ke_hoach_is_not_named_twice():
    from dataclasses import replace

    from bot.presenters.docx_report import subject_of

    assert subject_of(replace(PLAN, title="Kế hoạch tuyên truyền Tết")) == "tuyên truyền Tết"
    assert subject_of(replace(PLAN, title="Thông tin, tuyên truyền")) == "thông tin, tuyên truyền"
    assert subject_of(replace(PLAN, title="UBND giao việc")) == "UBND giao việc"


def test_typed_control_characters_and_markup_survive_both_exports():
    # A narrative pasted from another program may carry a backspace; one written by hand
    # may hold "<", "&" and quotes. Both files still open and read as the person wrote it.
    data = sample()
    typed = "Tin \x08bài <số 1> & \"Báo\" Kon Tum"
    history = tuple(replace(r, narrative=typed) if r.id == 2 else r for r in data.history)
    latest = tuple(replace(r, narrative=typed) if r.id == 2 else r for r in data.latest)
    data = replace(data, history=history, latest=latest)
    book = load_workbook(io.BytesIO(workbook_xlsx(data, PLAN, "vi", with_phones=False)))
    rows = list(book[plain("workbook.sheet_reports")].iter_rows(min_row=2, values_only=True))
    shown = "Tin bài <số 1> & \"Báo\" Kon Tum"
    assert [row[10] for row in rows if row[0] == "BC-0002"] == [shown]
    assert sum(row[2] == "Bộ Chỉ huy Bộ đội Biên phòng tỉnh" for row in rows) == 2
    texts = [p.text for p in Document(io.BytesIO(consolidated_docx(data, PLAN))).paragraphs]
    assert shown in texts
