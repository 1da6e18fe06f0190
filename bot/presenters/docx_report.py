"""The consolidated report as a Word file in the layout of Decree 30/2020/NĐ-CP (Appendix I).

A4 portrait; margins 20/20/30/15 mm; Times New Roman; a two-column header (issuing body at the
left, the national name and motto at the right, the number left blank for the clerk, place and
date); "BÁO CÁO" and its subject; parts in Roman numerals, items in Arabic numerals, points in
letters; a table of figures by unit with totals; "Nơi nhận" and the signer's block; page numbers
centred in the top margin from page 2. The wording is Vietnamese: it is an official document.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from lxml import etree

from bot.domain.figures import MetricKind
from bot.domain.plan import DeadlineKind, Plan
from bot.domain.progress import TREND_PERIODS, in_view
from bot.domain.records import ReportStatus
from bot.presenters.common import (
    format_when,
    local,
    period_values,
    plan_index,
    shorten,
    target_values,
    unit_target_values,
)
from bot.services.reporting import format_metric_figure
from bot.services.summary import (
    NOT_REPORTED,
    DeadlineSummary,
    ExportData,
    PeriodResult,
    metric_labels,
    plan_metrics,
)
from bot.texts import t

FONT = "Times New Roman"
LOCALE = "vi"
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)


def _at_least(millimetres: float) -> Twips:
    """A length stored in whole twips, rounded up so it never falls below the decree's minimum."""
    return Twips(math.ceil(Mm(millimetres).emu / Twips(1).emu))


MARGIN_TOP, MARGIN_BOTTOM = _at_least(20), _at_least(20)
MARGIN_LEFT, MARGIN_RIGHT = _at_least(30), _at_least(15)
TEXT_WIDTH_MM = 210 - 30 - 15
HEADER_LEFT_MM, HEADER_RIGHT_MM = 68, TEXT_WIDTH_MM - 68
CELL_PADDING_MM = 1.9  # Word's default left and right cell margin
# Width of "Độc lập - Tự do - Hạnh phúc" in Times New Roman bold 13 pt, measured once: the line
# under the motto is drawn exactly that long.
MOTTO_WIDTH_MM = 56
ISSUER_LINE_MM = 25  # about a third of the issuing body's line
SUBJECT_LINE_MM = 35
METRIC_COLUMNS = 5  # figures per table, so that each table stays readable in portrait
# Points are lettered in the order of the Vietnamese alphabet (a, b, c, d, đ, e, …).
LETTERS = "a b c d đ e g h i k l m n o p q r s t u v x y".split()


def _letter(index: int) -> str:
    count = len(LETTERS)
    if index < count:
        return LETTERS[index]
    return LETTERS[index // count - 1] + LETTERS[index % count]


def document_date(when: datetime, timezone: str) -> dict[str, str]:
    """Day, month and year as the decree writes them: day < 10 and months 1–2 with a zero."""
    day = local(when, timezone).date()
    return {
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}" if day.month < 3 else str(day.month),
        "year": str(day.year),
    }


def subject_of(plan: Plan) -> str:
    """The plan's title as it reads after "Kế hoạch": its first letter in lower case."""
    title = plan.title.strip()
    # A plan titled "Kế hoạch tuyên truyền …" must not read "Kế hoạch kế hoạch tuyên truyền …".
    lead = "kế hoạch "
    if unicodedata.normalize("NFC", title[: len(lead)]).lower() == lead:
        title = title[len(lead):].strip()
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return title  # an acronym keeps its capitals
    return title[:1].lower() + title[1:]


def symbol_of(plan: Plan) -> str | None:
    """The issuing body's abbreviation, as its filing line names it ("Lưu: VT, TBTT" → TBTT)."""
    for recipient in reversed(plan.recipients):
        match = re.match(r"^\s*Lưu\s*:\s*(.+?)\s*[.;]?\s*$", recipient)
        if match:
            return match.group(1).split(",")[-1].strip() or None
    return None


def recipient_lines(plan: Plan) -> list[str]:
    """The "Nơi nhận" lines: "- X;" each, the filing line last with VT and a full stop."""
    clerk = t("consolidated.filing_clerk", LOCALE)
    lines = []
    filing = None
    for recipient in plan.recipients:
        text = recipient.strip().rstrip(";.")
        match = re.match(r"^Lưu\s*:\s*(.*)$", text)
        if match:
            kept = [part.strip() for part in match.group(1).split(",") if part.strip()]
            if clerk not in kept:
                kept.insert(0, clerk)
            filing = f"- Lưu: {', '.join(kept)}."
        else:
            lines.append(f"- {text};")
    lines.append(filing or f"- Lưu: {clerk}.")
    return lines


# --- low-level Word helpers ----------------------------------------------------------------


def _fonts(element: Any, size: float | None = None) -> None:
    """Set Times New Roman for every script of a style or run (and Vietnamese as language)."""
    _run_properties(element.get_or_add_rPr(), size)


def _run_properties(r_pr: Any, size: float | None) -> None:
    fonts = r_pr.get_or_add_rFonts()
    # Theme attributes win over explicit names in Word, so they go.
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    if size is not None:
        r_pr.sz_val = Pt(size)
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)  # w:lang comes after every property this module sets
    lang.set(qn("w:val"), "vi-VN")


def _border(paragraph: Any, side: str) -> None:
    """A solid line drawn as a paragraph border (its length follows the paragraph's indents)."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{side}")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                        ("w:color", "000000")):
        line.set(qn(name), value)
    borders.append(line)
    p_pr.append(borders)


def _rule(container: Any, style: Any, width_mm: float, box_mm: float) -> None:
    """A centred solid line `width_mm` long in a box `box_mm` wide."""
    paragraph = container.add_paragraph(style=style)
    side = Mm(max(0.0, (box_mm - width_mm) / 2))
    paragraph.paragraph_format.left_indent = side
    paragraph.paragraph_format.right_indent = side
    # A bottom border under a 2 pt high paragraph: the line sits just under the text above.
    _border(paragraph, "bottom")
    run = paragraph.add_run("")
    run.font.size = Pt(2)
    paragraph.paragraph_format.line_spacing = Pt(2)


def _no_borders(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        node = OxmlElement(f"w:{side}")
        node.set(qn("w:val"), "nil")
        borders.append(node)
    tbl_pr.append(borders)


def _widths(table: Any, widths_mm: Sequence[float]) -> None:
    """Fix column widths in the grid and in every cell (Word and LibreOffice read both)."""
    table.autofit = False
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        column.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _page_number(section: Any, style: Any) -> None:
    """PAGE field centred in the top margin; the first page has none."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.style = style
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind is None:
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        else:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        run._r.append(node)


class _Styles:
    """The paragraph styles of the document, made once and passed around as objects."""

    def __init__(self, document: Any) -> None:
        styles = document.styles
        # Document defaults too, so that table styles and fields never fall back to the theme font.
        default_run = document.styles.element.find(
            f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"
        )
        if default_run is not None:
            _run_properties(default_run, 14)
        normal = styles["Normal"]
        _fonts(normal.element, 14)
        normal.font.name = FONT
        normal.font.size = Pt(14)
        fmt = normal.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.first_line_indent = Mm(12.7)
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(6)
        fmt.line_spacing = 1.15
        self.body = normal
        self.part = self._add(styles, "Decree Part", bold=True, keep=True)
        self.item = self._add(styles, "Decree Item", bold=True, keep=True)
        self.point = self._add(styles, "Decree Point")
        self.header = self._add(styles, "Decree Header", size=13, centred=True, compact=True)
        self.title = self._add(styles, "Decree Title", bold=True, centred=True, compact=True)
        self.table = self._add(styles, "Decree Table", size=12, centred=True, compact=True)
        self.table_text = self._add(styles, "Decree Table Text", size=12, compact=True)
        self.table_text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        self.caption = self._add(styles, "Decree Caption", size=12, bold=True, centred=True,
                                 compact=True, keep=True)
        self.caption.paragraph_format.space_before = Pt(6)
        self.recipients = self._add(styles, "Decree Recipients", size=11, compact=True)
        self.recipients.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

    @staticmethod
    def _add(
        styles: Any,
        name: str,
        *,
        size: float = 14,
        bold: bool = False,
        centred: bool = False,
        compact: bool = False,
        keep: bool = False,
    ) -> Any:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.font.size = Pt(size)
        style.font.bold = bold
        _fonts(style.element, size)
        fmt = style.paragraph_format
        if centred:
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if compact:
            fmt.first_line_indent = Mm(0)
            fmt.space_after = Pt(0)
            fmt.line_spacing = 1.0
        fmt.keep_with_next = keep
        return style


TABLE_CLOSE = "</w:tbl>"  # the end of a table written as text by `_Body._new_table`
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text as XML can hold it: control characters someone typed are dropped."""
    return _NOT_XML.sub("", text)


def _paragraph_xml(style_id: str, text: str, *, bold: bool = False) -> str:
    """A w:p element as XML text: a national report has hundreds of thousands of paragraphs,
    too many to build as elements (python-docx's calls, or even lxml's)."""
    # The default style needs no mark (tens of thousands of them).
    properties = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id != "Normal" \
        else ""
    if not text:
        return f"<w:p>{properties}</w:p>"
    run = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (f'<w:p>{properties}<w:r>{run}<w:t xml:space="preserve">{_xml_text(text)}</w:t>'
            "</w:r></w:p>")


def _xml_text(text: str) -> str:
    if not text.isprintable():  # a rare control character someone typed (C-speed check)
        text = _clean(text)
    return escape(text)


# Where the body written as text goes: a paragraph holding only this word, replaced at save.
_SPLICE = "daumoi-body-0f6b"


def _pattern(key: str, *names: str) -> str:
    """A catalogue text with its placeholders left in, for `str.format` on many rows (its
    fixed words, the plan's vocabulary included, filled once)."""
    return t(key, LOCALE, **{name: "{" + name + "}" for name in names})


def _save(document: Any, body: list[str]) -> bytes:
    """The .docx bytes with the body text put where its marker paragraph stands."""
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                xml = content.decode("utf-8")
                mark = xml.index(_SPLICE)
                start = xml.rindex("<w:p>", 0, mark)
                end = xml.index("</w:p>", mark) + len("</w:p>")
                with target.open(item.filename, "w") as stream:
                    stream.write(xml[:start].encode())
                    for index in range(0, len(body), 2000):
                        stream.write("".join(body[index:index + 2000]).encode())
                    stream.write(xml[end:].encode())
            else:
                target.writestr(item, content)
    return out.getvalue()


def _text(container: Any, style: Any, text: str, **run: Any) -> Any:
    paragraph = container.add_paragraph(style=style)
    if text:
        added = paragraph.add_run(_clean(text))
        for name, value in run.items():
            if name == "size":
                added.font.size = Pt(value)
            else:
                setattr(added.font, name, value)
    return paragraph


# --- the document --------------------------------------------------------------------------


def consolidated_docx(data: ExportData, plan: Plan) -> bytes:
    """The consolidated report as .docx bytes."""
    plan = _level_plan(data, plan)
    document = Document()
    styles = _Styles(document)
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(10)
    _page_number(section, styles.header)
    document.core_properties.title = t("consolidated.subject", LOCALE, plan=subject_of(plan))
    document.core_properties.author = plan.issuing_body
    document.core_properties.language = "vi-VN"
    # python-docx starts with one empty paragraph; the header table goes before it.
    body = document._body
    _header(document, data, plan, styles)
    _title(document, plan, styles)
    document.add_paragraph(_SPLICE)
    writer = _Body(document, data, plan, styles)
    writer.general()
    writer.units()
    writer.table()
    writer.missing()
    writer.problems()
    _text(document, styles.body, t("consolidated.closing", LOCALE, plan=subject_of(plan)))
    _closing(document, plan, styles)
    first = body._body.find(qn("w:p"))
    if first is not None and not "".join(first.itertext()).strip():
        body._body.remove(first)
    return _save(document, writer.chunks)


def _level_plan(data: ExportData, plan: Plan) -> Plan:
    """For a parent's report of its subtree: the parent issues it, under the plan's issuer,
    to the secretariat."""
    scope = data.summary.scope
    if scope is None or scope == plan.secretariat:
        return plan
    return dataclasses.replace(
        plan, issuing_body=plan.unit(scope).name, parent_body=plan.issuing_body,
        recipients=(plan.unit(plan.secretariat).name, t("consolidated.level_filed", LOCALE)),
    )


def _header(document: Any, data: ExportData, plan: Plan, styles: _Styles) -> None:
    table = document.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _widths(table, (HEADER_LEFT_MM, HEADER_RIGHT_MM))
    left, right = table.rows[0].cells
    left_box = HEADER_LEFT_MM - 2 * CELL_PADDING_MM
    right_box = HEADER_RIGHT_MM - 2 * CELL_PADDING_MM
    left.paragraphs[0].style = styles.header
    if plan.parent_body:
        left.paragraphs[0].add_run(plan.parent_body.upper()).font.size = Pt(12)
        issuer = _text(left, styles.header, "")
    else:
        issuer = left.paragraphs[0]
    run = issuer.add_run(re.sub(r"\s+", " ", plan.issuing_body).strip().upper())
    run.bold = True
    run.font.size = Pt(12)
    _rule(left, styles.header, ISSUER_LINE_MM, left_box)

    right.paragraphs[0].style = styles.header
    nation = right.paragraphs[0].add_run(t("consolidated.nation", LOCALE))
    nation.bold = True
    nation.font.size = Pt(12)
    _text(right, styles.header, t("consolidated.motto", LOCALE), bold=True, size=13)
    _rule(right, styles.header, MOTTO_WIDTH_MM, right_box)

    number_cell, date_cell = table.rows[1].cells
    symbol = symbol_of(plan)
    number = (
        t("consolidated.number_symbol", LOCALE, symbol=plan.vocabulary.report_symbol)
        if plan.vocabulary.report_symbol
        else t("consolidated.number", LOCALE, symbol=symbol)
        if symbol
        else t("consolidated.number_no_symbol", LOCALE)
    )
    number_cell.paragraphs[0].style = styles.header
    number_cell.paragraphs[0].paragraph_format.space_before = Pt(6)
    number_cell.paragraphs[0].add_run(number).font.size = Pt(13)
    values = document_date(data.summary.now, plan.timezone)
    when = (
        t("consolidated.place_date", LOCALE, place=plan.place, **values)
        if plan.place
        else t("consolidated.date_only", LOCALE, **values)
    )
    date_paragraph = date_cell.paragraphs[0]
    date_paragraph.style = styles.header
    date_paragraph.paragraph_format.space_before = Pt(6)
    run = date_paragraph.add_run(when)
    run.italic = True
    run.font.size = Pt(14)


def _title(document: Any, plan: Plan, styles: _Styles) -> None:
    kind = _text(document, styles.title, t("consolidated.kind", LOCALE), bold=True)
    kind.paragraph_format.space_before = Pt(18)
    _text(document, styles.title,
          t("consolidated.subject", LOCALE, plan=subject_of(plan)), bold=True)
    _rule(document, styles.title, SUBJECT_LINE_MM, TEXT_WIDTH_MM)
    spacer = _text(document, styles.title, "")
    spacer.paragraph_format.space_after = Pt(6)


def _closing(document: Any, plan: Plan, styles: _Styles) -> None:
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (TEXT_WIDTH_MM / 2, TEXT_WIDTH_MM / 2))
    left, right = table.rows[0].cells
    heading = left.paragraphs[0]
    heading.style = styles.recipients
    heading.paragraph_format.space_before = Pt(12)
    run = heading.add_run(t("consolidated.recipients", LOCALE))
    run.bold = True
    run.italic = True
    run.font.size = Pt(12)
    for line in recipient_lines(plan):
        _text(left, styles.recipients, line)
    signer = right.paragraphs[0]
    signer.style = styles.title
    signer.paragraph_format.space_before = Pt(12)
    words = plan.vocabulary
    if words.sign_on_behalf:  # "TM. ỦY BAN NHÂN DÂN" above the signer's title
        signer.add_run(words.sign_on_behalf.upper()).bold = True
        signer = _text(right, styles.title, "")
    signer.add_run((words.signer_title or plan.head_title).upper()).bold = True
    # Room for the signature and the seal; the clerk types the signer's name under it
    # unless the plan names the signer.
    for _ in range(5):
        _text(right, styles.title, "")
    if words.signer_name:
        _text(right, styles.title, words.signer_name, bold=True)


class _Body:
    """Writes the five parts of the report."""

    def __init__(self, document: Any, data: ExportData, plan: Plan, styles: _Styles) -> None:
        self.document = document
        self.data = data
        self.plan = plan
        self.styles = styles
        self.summary = data.summary
        self.labels = metric_labels(plan)
        self.metrics = plan_metrics(plan)
        self.zone = plan.timezone
        self.index = plan_index(plan)
        # The body as XML text, in order; spliced into the document when it is saved.
        self.chunks: list[str] = []
        self._amounts: dict[tuple[str, int], str] = {}
        self._figure = _pattern("consolidated.figure", "label", "total")
        self._order = {metric: index for index, metric in enumerate(self.labels)}
        # Of a recurring deadline, the current period only (its past ones: the trend table).
        shown = {d.id for d in in_view([i.deadline for i in self.summary.deadlines],
                                       self.summary.now)}
        self.reports: list[DeadlineSummary] = [
            item for item in self.summary.deadlines
            if item.deadline.kind is DeadlineKind.REPORT and item.deadline.id in shown
        ]

    def name(self, unit_id: str) -> str:
        """A unit's full name."""
        unit = self.index.units.get(unit_id)
        return unit.name if unit is not None else unit_id

    def para(self, style: Any, text: str, *, bold: bool = False) -> None:
        """Append a paragraph of text in a style."""
        self.chunks.append(_paragraph_xml(style.style_id, text, bold=bold))

    def amount(self, metric_id: str, stored: int) -> str:
        """A stored figure in its metric's terms: 1.200, 5,5 km, 80 %, 2.000.000 đồng."""
        key = (metric_id, stored)
        text = self._amounts.get(key)
        if text is None:  # the same small counts recur thousands of times
            text = format_metric_figure(self.metrics.get(metric_id), stored, LOCALE)
            if len(self._amounts) < 100_000:
                self._amounts[key] = text
        return text

    def mean_note(self, metric_id: str) -> str:
        """A percentage's "total" is the units' mean, and says so."""
        metric = self.metrics.get(metric_id)
        if metric is None or metric.kind is not MetricKind.PERCENT:
            return ""
        return " " + t("consolidated.mean_note", LOCALE)

    def _figures(self, totals: Iterable[tuple[str, int]]) -> str:
        figure = self._figure
        return "; ".join(
            figure.format(label=self.labels.get(metric, metric), total=self.amount(metric, total))
            for metric, total in totals
        )

    def targets(self) -> None:
        """Results against targets (chỉ tiêu), and the units below their own."""
        for item in self.summary.targets:
            values = target_values(item, LOCALE)
            key = "consolidated.target" if item.target is not None else \
                "consolidated.target_units"
            text = t(key, LOCALE, **values)
            if item.below:
                below = "; ".join(t("consolidated.target_unit", LOCALE,
                                    **unit_target_values(self.plan, item, unit, LOCALE))
                                  for unit in item.below)
                text += " " + t("consolidated.target_below", LOCALE, units=below)
            elif item.units:
                text += " " + t("consolidated.target_all_met", LOCALE)
            self.para(self.styles.body, text)

    def general(self) -> None:
        """I. The general situation: units, focal points, deadlines, task states, totals."""
        summary, styles = self.summary, self.styles
        self.para(styles.body, t("consolidated.intro", LOCALE, plan=subject_of(self.plan),
                                 now=format_when(summary.now, self.zone)))
        self.para(styles.part, t("consolidated.part_general", LOCALE))
        with_tasks = [unit for unit in summary.units if unit.total]
        self.para(styles.body, t(
            "consolidated.general_units", LOCALE,
            units=len(with_tasks),
            tasks=sum(unit.total for unit in with_tasks),
            registered=len(summary.focal_points.registered),
            required=len(summary.focal_points.required),
        ))
        for item in self.reports:
            self.para(styles.body, t(
                "consolidated.general_deadline", LOCALE,
                title=shorten(item.deadline.title, 120),
                due=format_when(item.deadline.due, self.zone),
                on_time=len(item.on_time), late=len(item.late), missing=len(item.missing),
                in_progress=len(item.in_progress), total=len(item.states),
            ))
            period = item.deadline.period
            if period is not None:
                self.para(styles.body, t(f"consolidated.period_{period.every.value}", LOCALE,
                                         **period_values(period)))
        self.para(styles.body, t("consolidated.general_tasks", LOCALE, **summary.task_totals()))
        if summary.figures:
            figures = self._figures((f.metric_id, f.total) for f in summary.figures)
            self.para(styles.body, t("consolidated.general_figures", LOCALE, figures=figures))
        else:
            self.para(styles.body, t("consolidated.general_no_figures", LOCALE))
        self.targets()
        for results in self.data.trend(TREND_PERIODS):
            self.trend(results)

    def trend(self, results: Sequence[PeriodResult]) -> None:
        """A recurring report's last periods: who met each, its figures against the target."""
        current = results[-1].deadline.deadline
        assert current.period is not None
        # The rule's own title: the period's number, which every row names, taken off.
        title = current.title.removesuffix(f" {current.period.name}")
        self.para(self.styles.body, t("consolidated.trend_caption", LOCALE, count=len(results),
                                      title=shorten(title, 120)))
        metrics = list(dict.fromkeys(f.metric_id for row in results for f in row.figures))
        widths = [32.0, 26.0, 30.0, 30.0]
        widths += [(TEXT_WIDTH_MM - sum(widths)) / len(metrics)] * len(metrics) if metrics else []
        twips = self._new_table(widths)
        rows = self.chunks
        titles = [t(f"consolidated.trend_col_{name}", LOCALE)
                  for name in ("period", "due", "on_time", "met")]
        rows.append(self._row(twips, titles + [self.labels.get(m, m) for m in metrics],
                               bold=True, header=True))
        for row in results:
            period = row.deadline.deadline.period
            assert period is not None
            states = len(row.deadline.states)
            texts = [
                t(f"consolidated.trend_period_{period.every.value}", LOCALE,
                  **period_values(period)),
                format_when(row.deadline.deadline.due, self.zone),
                f"{len(row.deadline.on_time)}/{states}", f"{row.met}/{states}",
            ]
            texts += [self._trend_cell(row, metric) for metric in metrics]
            rows.append(self._row(twips, texts, bold=row.current))
        rows.append(TABLE_CLOSE)
        self.para(self.styles.table, "")

    def _trend_cell(self, row: PeriodResult, metric_id: str) -> str:
        figure = next((f for f in row.figures if f.metric_id == metric_id), None)
        amount = self.amount(metric_id, figure.total) if figure is not None else \
            self.amount(metric_id, 0)
        target = next((item for item in row.targets if item.metric_id == metric_id), None)
        if target is None:
            return amount
        values = target_values(target, LOCALE)
        if target.target is not None:
            return t("consolidated.trend_target_cell", LOCALE, **{**values, "result": amount})
        return t("consolidated.trend_units_cell", LOCALE, **{**values, "result": amount})

    def units(self) -> None:
        """II. Results by unit: each task's state, narrative and figures."""
        styles = self.styles
        self.para(styles.part, t("consolidated.part_units", LOCALE))
        reports = {(r.unit_id, r.task_id): r for r in self.data.latest}
        figures: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for figure in self.data.task_figures:
            if figure.value is not None:
                figures.setdefault((figure.unit_id, figure.task_id), []).append(
                    (figure.metric_id, figure.value)
                )
        # What every unit's points repeat, worked out once: task labels, letters, wordings.
        labels: dict[str, str] = {}
        for task in self.plan.tasks:
            label = shorten(task.text, 160)
            labels[task.id] = f"({task.section}) {label}" if task.section else label
        states = {status: t(f"consolidated.state_{status.value}", LOCALE)
                  for status in ReportStatus}
        point = _pattern("consolidated.task_point", "letter", "task", "state")
        unreported = _pattern("consolidated.task_point_unreported", "letter", "task")
        with_figures = _pattern("consolidated.task_figures", "figures")
        heading = _pattern("consolidated.unit_heading", "number", "unit")
        no_report = t("consolidated.unit_no_report", LOCALE)
        item, body, point_style = styles.item.style_id, styles.body.style_id, \
            styles.point.style_id
        out = self.chunks
        number = 0
        for unit in self.summary.units:
            tasks = self.index.tasks_of.get(unit.unit_id, ())
            if not tasks:
                continue
            number += 1
            out.append(_paragraph_xml(item, heading.format(number=number,
                                                           unit=self.name(unit.unit_id))))
            if unit.tasks.get(NOT_REPORTED, 0) == unit.total:
                out.append(_paragraph_xml(body, no_report))
                continue
            for index, task in enumerate(tasks):
                report = reports.get((unit.unit_id, task.id))
                letter = _letter(index)
                if report is None:
                    out.append(_paragraph_xml(point_style, unreported.format(
                        letter=letter, task=labels[task.id])))
                    continue
                out.append(_paragraph_xml(point_style, point.format(
                    letter=letter, task=labels[task.id], state=states[report.status])))
                for text in report.narrative.splitlines():
                    if text.strip():
                        out.append(_paragraph_xml(body, text.strip()))
                task_figures = figures.get((unit.unit_id, task.id))
                if task_figures:
                    out.append(_paragraph_xml(body, with_figures.format(
                        figures=self._figures(self._ordered(task_figures)))))

    def _ordered(self, figures: list[tuple[str, int]]) -> list[tuple[str, int]]:
        order = self._order
        return sorted(figures, key=lambda item: order.get(item[0], len(order)))

    def table(self) -> None:
        """III. Figures by unit, in tables of a few figures each, with a totals row."""
        styles = self.styles
        self.para(styles.part, t("consolidated.part_table", LOCALE))
        by_unit: dict[str, dict[str, int]] = {}
        for figure in self.data.unit_figures:
            by_unit.setdefault(figure.unit_id, {})[figure.metric_id] = figure.total
        metrics = [f.metric_id for f in self.summary.figures]
        if not metrics:
            self.para(styles.body, t("consolidated.table_none", LOCALE))
            return
        chunks = [metrics[i:i + METRIC_COLUMNS] for i in range(0, len(metrics), METRIC_COLUMNS)]
        totals = {f.metric_id: f.total for f in self.summary.figures}
        for number, chunk in enumerate(chunks, start=1):
            if len(chunks) > 1:
                self.para(styles.caption, t("consolidated.table_caption", LOCALE,
                                            number=number), bold=True)
            units = [
                unit.unit_id for unit in self.summary.units
                if any(metric in by_unit.get(unit.unit_id, {}) for metric in chunk)
            ]
            self._table(chunk, units, by_unit, totals)

    def _table(
        self,
        metrics: list[str],
        units: list[str],
        by_unit: dict[str, dict[str, int]],
        totals: dict[str, int],
    ) -> None:
        unit_width = 50
        metric_width = (TEXT_WIDTH_MM - 10 - unit_width) / max(len(metrics), 1)
        widths = [10, unit_width] + [metric_width] * len(metrics)
        twips = self._new_table(widths)
        titles = [t("consolidated.col_number", LOCALE), t("consolidated.col_unit", LOCALE)]
        titles += [self.labels.get(metric, metric) for metric in metrics]
        rows = self.chunks
        rows.append(self._row(twips, titles, bold=True, header=True))
        for index, unit in enumerate(units, start=1):
            values = by_unit.get(unit, {})
            texts = [str(index), self.name(unit)]
            texts += [self.amount(m, values[m]) if m in values else "" for m in metrics]
            rows.append(self._row(twips, texts, bold=False))
        total_texts = ["", t("consolidated.total_row", LOCALE)]
        total_texts += [self.amount(m, totals.get(m, 0)) + self.mean_note(m) for m in metrics]
        rows.append(self._row(twips, total_texts, bold=True))
        progress = {item.metric_id: item for item in self.summary.targets}
        if any(progress.get(m) and progress[m].target is not None for m in metrics):
            # The plan's targets under its totals, and how much of each is reached.
            plan_targets = {m: progress[m] for m in metrics
                            if m in progress and progress[m].target is not None}
            target_texts = ["", t("consolidated.target_row", LOCALE)]
            target_texts += [str(target_values(plan_targets[m], LOCALE)["target"])
                             if m in plan_targets else "" for m in metrics]
            rows.append(self._row(twips, target_texts, bold=False))
            share_texts = ["", t("consolidated.achieved_row", LOCALE)]
            share_texts += [f"{plan_targets[m].percent} %" if m in plan_targets else ""
                            for m in metrics]
            rows.append(self._row(twips, share_texts, bold=True))
        rows.append(TABLE_CLOSE)
        self.para(self.styles.table, "")

    def _new_table(self, widths: Sequence[float]) -> list[str]:
        """Open a bordered table of columns `widths` (mm) in the body; its cells' widths (the
        caller appends its rows and then TABLE_CLOSE)."""
        table = self.document.add_table(rows=0, cols=len(widths))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths,
                                 strict=True):
            column.set(qn("w:w"), str(int(Mm(width).twips)))
        # Its properties made by python-docx, its rows written as text in the body's order.
        element = table._tbl
        element.getparent().remove(element)
        head = etree.tostring(element, encoding="unicode")
        assert head.endswith(TABLE_CLOSE)
        self.chunks.append(head[:-len(TABLE_CLOSE)])
        return [str(int(Mm(width).twips)) for width in widths]

    def _row(self, twips: list[str], texts: list[str], *, bold: bool,
             header: bool = False) -> str:
        """A w:tr element as text: one paragraph per cell; never split across pages."""
        # The header row is repeated on every page.
        properties = "<w:cantSplit/><w:tblHeader/>" if header else "<w:cantSplit/>"
        centred, left = self.styles.table.style_id, self.styles.table_text.style_id
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
            f'{_paragraph_xml(left if column == 1 and not header else centred, text, bold=bold)}'
            "</w:tc>"
            for column, (width, text) in enumerate(zip(twips, texts, strict=True))
        )
        return f"<w:tr><w:trPr>{properties}</w:trPr>{cells}</w:tr>"

    def missing(self) -> None:
        """IV. Units that have not reported (and those that reported late)."""
        styles = self.styles
        self.para(styles.part, t("consolidated.part_missing", LOCALE))
        any_missing = False
        for item in self.reports:
            if item.missing or item.in_progress:
                any_missing = True
                self.para(styles.body, t(
                    "consolidated.missing_deadline", LOCALE,
                    title=shorten(item.deadline.title, 120),
                    due=format_when(item.deadline.due, self.zone),
                ))
                for row in item.states:
                    if row.met:
                        continue
                    self.para(styles.body, t(
                        "consolidated.missing_unit", LOCALE,
                        unit=self.name(row.unit_id),
                        unreported=row.tasks_total - row.tasks_done,
                        total=row.tasks_total,
                    ))
            if item.late:
                names = "; ".join(self.name(unit) for unit in item.late)
                self.para(styles.body, t("consolidated.late_units", LOCALE, units=names))
        if not any_missing:
            self.para(styles.body, t("consolidated.missing_none", LOCALE))

    def problems(self) -> None:
        """V. Difficulties and proposals, from the reports marked as a problem."""
        styles = self.styles
        self.para(styles.part, t("consolidated.part_problems", LOCALE))
        problems = [r for r in self.data.latest if r.status is ReportStatus.PROBLEM]
        order = {unit.id: index for index, unit in enumerate(self.plan.units)}
        problems.sort(key=lambda r: (order.get(r.unit_id, len(order)), r.task_id))
        if not problems:
            self.para(styles.body, t("consolidated.problems_none", LOCALE))
            return
        for report in problems:
            task = self.index.tasks.get(report.task_id)
            label = report.task_id
            if task is not None:
                label = task.section or shorten(task.text, 60)
            text = re.sub(r"\s+", " ", report.narrative).strip()
            self.para(styles.body, t("consolidated.problem", LOCALE,
                                     unit=self.name(report.unit_id),
                                     task=label, text=text))
