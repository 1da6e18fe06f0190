"""Issue 15: figures as people count them, targets, the plan's own vocabulary, plan check."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.cli import main
from bot.domain.figures import MetricKind, Target, from_stored, to_stored
from bot.domain.summary import UnitFigure
from bot.plan import load_plan, load_plan_checked
from bot.presenters.chart import target_bars, target_chart
from bot.presenters.docx_report import consolidated_docx
from bot.presenters.summary import summary_lines
from bot.presenters.xlsx_export import workbook_xlsx
from bot.services.dialogue import Step
from bot.services.parsing import FigureError, parse_metric_figure
from bot.services.replies import Answer
from bot.services.reporting import CONFIRM, FIGURE, ReportingService
from bot.services.summary import (
    TASK_STATES,
    ExportData,
    FigureTotal,
    UnitSummary,
    target_progress,
)
from bot.texts import catalogue, t, use_vocabulary
from bot.texts.numbers import format_amount, format_decimal
from tests.support import plain
from tests.unit.test_summary_presenters import sample

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "tests/plan/fixtures/figures.yaml"
BINHSON = ROOT / "plans/binhson-bau-cu-2021.yaml"
K = MetricKind


@pytest.fixture
def plan():
    return load_plan(FIGURES)


# --- reading figures -------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "kind", "value"), [
    ("5,5", K.DECIMAL, "5.5"), ("5.5", K.DECIMAL, "5.5"), ("khoảng 5,25 km", K.DECIMAL, "5.25"),
    ("1.234,5", K.DECIMAL, "1234.5"), ("1.500", K.DECIMAL, "1500"),
    ("2.000.000", K.MONEY, "2000000"), ("2 triệu", K.MONEY, "2000000"),
    ("2,5 triệu đồng", K.MONEY, "2500000"), ("1,5 tỷ", K.MONEY, "1500000000"),
    ("500k", K.MONEY, "500000"), ("2tr", K.MONEY, "2000000"), ("2.000.000đ", K.MONEY, "2000000"),
    ("80%", K.PERCENT, "80"), ("80 %", K.PERCENT, "80"), ("92,5%", K.PERCENT, "92.5"),
    ("80 phần trăm", K.PERCENT, "80"), ("100", K.PERCENT, "100"),
    ("12 bài", K.COUNT, "12"), ("1.200", K.COUNT, "1200"), ("1,200", K.COUNT, "1200"),
    ("2 nghìn", K.COUNT, "2000"), ("không có", K.MONEY, "0"),
])
def test_figures_are_read_the_way_people_write_them(typed, kind, value):
    assert parse_metric_figure(typed, kind) == Decimal(value)


@pytest.mark.parametrize(("typed", "kind", "reason"), [
    ("5,5", K.COUNT, "not_whole"), ("1.2", K.COUNT, "not_whole"),
    ("2,5 đồng", K.MONEY, "not_whole"), ("5,555", K.DECIMAL, "too_precise"),
    ("80,25%", K.PERCENT, "too_precise"), ("120%", K.PERCENT, "percent_over"),
    ("-3", K.DECIMAL, "negative"), ("12-15", K.DECIMAL, "not_digits"),
    ("mười", K.MONEY, "not_digits"), ("12k", K.COUNT, "not_digits"),
    ("2.000.000", K.COUNT, "too_large"),
])
def test_figures_that_do_not_fit_the_kind_are_refused(typed, kind, reason):
    with pytest.raises(FigureError) as refused:
        parse_metric_figure(typed, kind)
    assert refused.value.reason == reason


def test_figures_are_stored_exactly_in_the_kind_s_smallest_step():
    assert to_stored(K.DECIMAL, Decimal("5.5")) == 550
    assert from_stored(K.DECIMAL, 550) == Decimal("5.5")
    assert to_stored(K.PERCENT, Decimal("92.5")) == 925
    assert to_stored(K.COUNT, Decimal(12)) == 12  # counts store what they always stored


def test_figures_are_shown_the_vietnamese_way():
    assert format_decimal(Decimal("1234.5"), "vi") == "1.234,5"
    assert format_decimal(Decimal("1234.5"), "en") == "1,234.5"
    assert format_amount(Decimal("5.50"), K.DECIMAL, "km", "vi") == "5,5 km"
    assert format_amount(Decimal(80), K.PERCENT, "", "vi") == "80 %"
    assert format_amount(Decimal(2_000_000), K.MONEY, "", "vi") == "2.000.000 đồng"


# --- the report flow answers politely and keeps the draft -----------------------------------


def _service(plan):
    service = ReportingService.__new__(ReportingService)
    service._plan = plan
    return service


def _draft(index, figures=None):
    return {"unit_id": "xa-a", "task_id": "duong-a", "status": "done", "locale": "vi",
            "figure": index, "figures": dict(figures or {})}


@pytest.mark.parametrize(("index", "typed", "key", "expected"), [
    (3, "5,5", "reports.figure_not_whole", "count"),
    (0, "5,555", "reports.figure_too_precise", "decimal"),
    (1, "120%", "reports.figure_percent_over", "percent"),
    (2, "hai triệu", "reports.figure_not_number", "money"),
])
def test_a_figure_that_does_not_fit_gets_a_polite_answer_and_the_draft_is_kept(
        plan, index, typed, key, expected):
    task = plan.tasks[0]
    data = _draft(index, {"km-duong": 550} if index else {})
    step: Step = _service(plan)._on_figure(dict(data), task, Answer(text=typed))
    assert step.step == FIGURE
    assert step.data["figures"] == data["figures"]  # what was typed before is still there
    problem, again = step.outcome.replies
    assert problem.key == key
    text = t(problem.key, "vi", **problem.values)
    assert task.metrics[index].label in text
    assert t(f"reports.expected_{expected}", "vi") in text  # says what is expected
    assert again.key.startswith("reports.ask_figure")


def test_a_negative_decimal_gets_the_polite_answer_counts_get(plan):
    step = _service(plan)._on_figure(_draft(0), plan.tasks[0], Answer(text="-2,5"))
    assert step.step == FIGURE and step.outcome.replies[0].key == "reports.figure_negative"


def test_each_kind_is_asked_for_in_its_own_terms(plan):
    service = _service(plan)
    task = plan.tasks[0]
    keys = [service._figure_prompt(task, index).key for index in range(4)]
    assert keys == ["reports.ask_figure_decimal", "reports.ask_figure_percent",
                    "reports.ask_figure_money", "reports.ask_figure"]
    assert "5,5" in plain(keys[0], number=1, count=4, label="x", unit="km")


def test_decimal_figures_are_stored_and_previewed_the_vietnamese_way(plan):
    service, task = _service(plan), plan.tasks[0]
    data = _draft(0)
    for typed in ("5,5", "92,5 %", "2,5 triệu", "12"):
        data = dict(service._on_figure(data, task, Answer(text=typed)).data)
    assert data["figures"] == {"km-duong": 550, "ty-le": 925, "kinh-phi": 2_500_000,
                               "so-bai": 12}
    data["narrative"], data["attachments"] = "", [{"kind": "photo"}]
    preview = service._preview(data, "vi").values["figures"]
    assert "5,5 km" in preview and "92,5 %" in preview and "2.500.000 đồng" in preview
    assert "12 bài" in preview


async def test_a_task_that_needs_evidence_is_not_sent_without_a_photo(plan):
    service, task = _service(plan), plan.tasks[0]
    data = {**_draft(0), "narrative": "Đã làm.", "attachments": []}
    data.pop("figure")
    done = await service._on_attachment(None, dict(data), Answer(text="xong"), None, None)
    assert [reply.key for reply in done.outcome.replies][0] == "reports.attachments_required"
    sent = await service._on_confirm(None, dict(data), task, Answer(text="gửi"), None, None)
    assert sent.step != CONFIRM and sent.step is not None  # back to the attachments step
    assert sent.outcome.replies[0].key == "reports.attachments_required"
    assert sent.data["narrative"] == "Đã làm."  # the draft is kept
    assert "ít nhất một ảnh hoặc tệp" in plain("reports.attachments_required")


# --- targets ---------------------------------------------------------------------------------


def _targets(plan):
    totals = {"km-duong": 750, "so-bai": 18, "kinh-phi": 4_000_000, "ty-le": 1800}
    by_unit = [UnitFigure("xa-a", "km-duong", 550), UnitFigure("xa-b", "km-duong", 200),
               UnitFigure("xa-a", "so-bai", 12), UnitFigure("xa-b", "so-bai", 6),
               UnitFigure("xa-a", "kinh-phi", 4_000_000), UnitFigure("xa-a", "ty-le", 950),
               UnitFigure("xa-b", "ty-le", 850)]
    return target_progress(plan, totals, by_unit)


def test_targets_are_measured_for_the_plan_and_for_each_unit(plan):
    km, share, money, articles = _targets(plan)
    assert (km.result, km.target, km.percent) == (Decimal("7.5"), 10, 75)
    assert [(u.unit_id, u.result, u.target, u.percent) for u in km.units] == [
        ("xa-a", Decimal("5.5"), 6, 91), ("xa-b", Decimal(2), 4, 50)]
    assert [u.unit_id for u in km.below] == ["xa-a", "xa-b"]
    assert share.result == Decimal(90) and [u.unit_id for u in share.below] == ["xa-b"]
    assert money.percent == 80 and not money.units
    assert articles.target is None and [u.unit_id for u in articles.below] == ["xa-b"]


def _summary(plan):
    base = sample().summary
    units = tuple(UnitSummary(unit, dict.fromkeys(TASK_STATES, 0) | {"done": 1}, base.now)
                  for unit in ("xa-a", "xa-b"))
    return replace(base, targets=_targets(plan), units=units,
                   figures=(FigureTotal("km-duong", "Số km đường bê tông", 750, K.DECIMAL, "km"),))


def test_summary_shows_result_against_target_and_the_units_below(plan):
    text = plain_text(summary_lines(_summary(plan), plan, "vi"))
    assert "Số km đường bê tông: 7,5 km" in text  # the figure in its own terms
    assert "Số km đường bê tông: 7,5 km / 10 km — đạt 75 %" in text
    assert "Kinh phí huy động: 4.000.000 đồng / 5.000.000 đồng — đạt 80 %" in text
    assert "Dưới chỉ tiêu: Xã A 5,5/6 km (đạt 91 %); Xã B 2/4 km (đạt 50 %)" in text
    assert "Số tin bài tuyên truyền: 1/2 đơn vị đạt chỉ tiêu" in text


def test_the_target_chart_has_one_bar_per_target_with_its_share(plan):
    bars = target_bars(_summary(plan), plan, "vi")
    shares = {bar.name: (bar.percent, bar.below) for bar in bars}
    assert shares["Số km đường bê tông (toàn kế hoạch)"] == (75, True)
    assert shares["Kinh phí huy động (toàn kế hoạch)"] == (80, True)
    assert [bar.text for bar in bars][:3] == [
        "7,5 km/10 km — đạt 75 %", "5,5/6 km — đạt 91 %", "2/4 km — đạt 50 %"]
    assert target_chart(_summary(plan), plan, "vi").startswith(b"\x89PNG")


def _export(plan):
    data = sample()
    return ExportData(_summary(plan), data.latest, (UnitFigure("xa-a", "km-duong", 550),),
                      data.task_figures, data.focal_points, data.history)


def test_word_shows_targets_and_the_plan_s_number_and_signature(plan):
    plan = replace(plan, vocabulary=replace(plan.vocabulary, report_symbol="BC-BCĐ"))
    document = Document(io.BytesIO(consolidated_docx(_export(plan), plan)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for table in document.tables for row in table.rows
                      for c in row.cells for _ in [0])
    assert "Chỉ tiêu «Số km đường bê tông»: đạt 7,5 km/10 km (75 %)." in text
    assert "Đơn vị dưới chỉ tiêu: Xã A 5,5/6 km (đạt 91 %); Xã B 2/4 km (đạt 50 %)." in text
    assert "Số:        /BC-BCĐ" in cells
    assert "TM. ỦY BAN NHÂN DÂN" in cells and "CHỦ TỊCH" in cells and "Nguyễn Văn Bình" in cells
    table = next(t for t in document.tables if "Tỷ lệ đạt" in [r.cells[1].text for r in t.rows])
    rows = {row.cells[1].text: row.cells[2].text for row in table.rows}
    assert rows["Chỉ tiêu"] == "10 km" and rows["Tỷ lệ đạt"] == "75 %"


def test_a_report_without_symbol_leaves_the_number_blank_not_bc(plan):
    document = Document(io.BytesIO(consolidated_docx(_export(plan), plan)))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    assert "Số:        /" in cells and not any("/BC-" in c for c in cells)


def test_excel_has_a_targets_sheet(plan):
    book = load_workbook(io.BytesIO(workbook_xlsx(_export(plan), plan, "vi", with_phones=False)))
    rows = list(book["Chỉ tiêu"].iter_rows(values_only=True))
    assert rows[0] == ("Mã chỉ tiêu", "Chỉ tiêu", "Mã đơn vị", "Đơn vị", "Kết quả", "Chỉ tiêu",
                       "Tỷ lệ đạt (%)", "Dưới chỉ tiêu")
    assert rows[1] == ("km-duong", "Số km đường bê tông", None, "Toàn kế hoạch", 7.5, 10, 75,
                       "Có")
    assert rows[3] == ("km-duong", "Số km đường bê tông", "xa-b", "UBND xã B", 2, 4, 50, "Có")


# --- the plan's own vocabulary ---------------------------------------------------------------


def test_no_catalogue_text_names_a_body_of_its_own():
    for locale in ("vi", "en"):
        for key, text in catalogue(locale).items():
            assert "Tiểu ban" not in text and "ubcommittee" not in text, key


def test_texts_say_the_plan_s_words(plan):
    words = plan.vocabulary
    try:
        use_vocabulary(body=words.body, leadership=words.leadership, head=words.head)
        assert plain("common.help_header_head") == "Hướng dẫn cho Thường trực Ban Chỉ đạo"
        assert plain("sandbox.role_head") == "Trưởng Ban Chỉ đạo"
        use_vocabulary()
        assert "Tiểu ban" not in plain("sandbox.role_head")  # neutral without plan words
    finally:
        kontum = load_plan(ROOT / "plans/kontum-2023.yaml").vocabulary
        use_vocabulary(body=kontum.body, leadership=kontum.leadership, head=kontum.head)
    assert plain("sandbox.role_head") == "Trưởng Tiểu ban"  # Kon Tum keeps its own words


# --- plan check ------------------------------------------------------------------------------


def _warnings(tmp_path, extra, base=FIGURES):
    path = tmp_path / "plan.yaml"
    path.write_text(base.read_text(encoding="utf-8") + extra, encoding="utf-8")
    _, warnings = load_plan_checked(path)
    return [(w.code, w.path, w.message) for w in warnings]


def test_plan_check_warns_about_a_target_no_task_asks_for(tmp_path):
    found = _warnings(tmp_path, "  - {metric: km-duon, total: 3}\n")
    [(code, path, message)] = [w for w in found if w[0] == "warn_target_unasked"]
    assert path == "targets[3].metric" and "(có phải 'km-duong'?)" in message


def test_plan_check_warns_about_a_target_for_an_unknown_unit(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(FIGURES.read_text(encoding="utf-8").replace(
        "total: 5000000}", "total: 5000000, units: {xa-c: 5}}"), encoding="utf-8")
    plan, warnings = load_plan_checked(path)
    [warning] = [w for w in warnings if w.code == "warn_target_unknown_unit"]
    assert warning.path == "targets[1].units.xa-c" and "(có phải 'xa-b'?)" in warning.message
    money = plan.tasks[0].metrics[2].target
    assert money is not None and money.units == {}  # the unknown unit is left out


def test_plan_check_warns_about_an_unknown_kind_and_reads_a_count(tmp_path):
    text = FIGURES.read_text(encoding="utf-8").replace("kind: money}", "kind: tien}")
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    plan, warnings = load_plan_checked(path)
    assert plan.tasks[0].metrics[2].kind is K.COUNT
    warning, _ = [w for w in warnings if w.code == "warn_unknown_kind"]  # one per task
    assert warning.path == "tasks[0].metrics[2].kind" and "money" in warning.message


def test_plan_check_warns_about_a_missing_report_symbol(tmp_path):
    assert [w[0] for w in _warnings(tmp_path, "")] == ["warn_no_symbol"]
    assert _warnings(tmp_path, "report_symbol: BC-BCĐ\n") == []


def test_warnings_fail_plan_check_only_with_strict(capsys):
    assert main(["plan", "check", str(FIGURES)]) == 0
    assert "cảnh báo:" in capsys.readouterr().err
    assert main(["plan", "check", "--strict", str(FIGURES)]) == 1


def test_two_kinds_or_two_targets_for_one_metric_are_errors(tmp_path):
    from bot.plan import PlanError

    text = FIGURES.read_text(encoding="utf-8").replace(
        "kind: percent}\n      - {id: kinh-phi", "kind: decimal}\n      - {id: kinh-phi")
    path = tmp_path / "plan.yaml"
    path.write_text(text + "  - {metric: so-bai, total: 3}\n", encoding="utf-8")
    with pytest.raises(PlanError) as error:
        load_plan(path)
    assert {issue.code for issue in error.value.issues} == {"metric_kind_clash",
                                                            "duplicate_target"}


# --- the shipped plan with targets -----------------------------------------------------------


def test_the_binh_son_plan_carries_its_targets_and_words():
    plan, warnings = load_plan_checked(BINHSON)
    assert warnings == []
    flags = [m for task in plan.tasks for m in task.metrics if m.id == "hong-ky"]
    assert len(flags) == 5 and flags[0].target == Target(total=Decimal(50), each=Decimal(10))
    assert plan.vocabulary.body == "Ban văn hóa xã" and plan.vocabulary.report_symbol == "BC-UBND"
    assert next(t for t in plan.tasks if t.id == "bang-ron").attachments_required


def plain_text(lines):
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(lines)))


def test_plan_check_lists_the_targets_and_the_json_carries_them(plan):
    from bot.plan import plan_to_json, timeline_lines

    lines = timeline_lines(plan)
    assert "  • Số km đường bê tông: toàn kế hoạch 10 km; 2 đơn vị có chỉ tiêu riêng" in lines
    assert "  • Tỷ lệ hộ dùng nước sạch: mỗi đơn vị 90 %" in lines
    metrics = plan_to_json(plan)["tasks"][0]["metrics"]
    assert metrics[0] == {"id": "km-duong", "label": "Số km đường bê tông", "kind": "decimal",
                          "unit": "km", "target": {"total": 10, "each": None,
                                                   "units": {"xa-a": 6, "xa-b": 4},
                                                   "groups": {}}}
    assert plan_to_json(plan)["tasks"][0]["attachments"] == "required"


def test_the_readme_example_shows_every_new_field(tmp_path):
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.findall(r"```yaml\n(.*?)```", readme, re.S)[0]  # the second: levels
    path = tmp_path / "readme.yaml"
    path.write_text(block, encoding="utf-8")
    plan, warnings = load_plan_checked(path)
    assert warnings == []
    task = plan.tasks[0]
    assert task.attachments_required
    assert [m.kind for m in task.metrics] == [K.COUNT, K.MONEY, K.PERCENT]
    assert task.metrics[1].target == Target(total=Decimal(5_000_000), units={
        "thon-1": Decimal(3_000_000), "thon-2": Decimal(2_000_000)})
    assert plan.vocabulary.signer_name == "Nguyễn Văn A"
    for field in ("kind:", "unit:", "target:", "targets:", "attachments: required",
                  "vocabulary:", "report_symbol:", "signature:"):
        assert field in block


def test_the_binh_son_word_report_is_numbered_and_signed_as_a_commune_s(plan):
    binhson = load_plan(BINHSON)
    data = _export(plan)
    data = replace(data, summary=replace(data.summary, targets=(), figures=()))
    document = Document(io.BytesIO(consolidated_docx(data, binhson)))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    assert "Số:        /BC-UBND" in cells
    assert "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH" in "\n".join(cells)
    assert "Tiểu ban" not in text and "TIỂU BAN" not in text


@pytest.mark.parametrize(("typed", "value"), [
    ("1,234.5", "1234.5"), ("1.5", "1.5"), ("1,500", "1500"), ("5,5", "5.5"),
    ("20,000,5", None), ("120,000", "120000"),
])
def test_an_english_speaker_s_decimals_are_read_the_english_way(typed, value):
    if value is None:
        with pytest.raises(FigureError):
            parse_metric_figure(typed, K.DECIMAL, "en")
    else:
        assert parse_metric_figure(typed, K.DECIMAL, "en") == Decimal(value)


def test_plan_check_warns_about_a_target_for_a_unit_that_never_reports_it(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(FIGURES.read_text(encoding="utf-8").replace(
        "units: {xa-a: 6, xa-b: 4}", "units: {xa-a: 6, vp: 4}"), encoding="utf-8")
    _, warnings = load_plan_checked(path)
    [warning] = [w for w in warnings if w.code == "warn_target_unit_not_reporting"]
    assert warning.path == "targets[0].units.vp" and "luôn ở mức 0" in warning.message


def test_the_sandbox_page_gets_the_plan_s_words_not_placeholders(plan):
    from bot.sandbox.web import texts as sandbox_texts

    words = plan.vocabulary
    try:
        use_vocabulary(body=words.body, leadership=words.leadership, head=words.head)
        page = sandbox_texts("vi")
        assert page["role_head"] == "Trưởng Ban Chỉ đạo"
        assert page["kind_head"] == "Thường trực Ban Chỉ đạo"
        assert not any(f"{{{w}}}" in text for text in page.values()
                       for w in ("body", "leadership", "head"))
    finally:
        use_vocabulary()


def test_a_figure_of_a_metric_the_plan_dropped_keeps_its_stored_number_without_a_kind():
    from bot.cli_reports import figure_json

    assert figure_json(None, 7) == {"value": 7, "kind": None, "unit": None, "text": "7"}
    assert figure_json(None, None) == {"value": None, "kind": None, "unit": None, "text": None}
