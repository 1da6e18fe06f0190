"""The spreadsheet export: units, focal points, every report version, figures, deadlines.

Header rows are frozen and filterable, columns sized, numbers are numbers and times are real
date-times in the plan's time zone (Excel has no zones, so they are written as local wall-clock
times). The file is written as SpreadsheetML directly, row by row: a 1,000-unit campaign has
over a million cells, which openpyxl (about 5 µs a cell even in write-only mode) cannot write
within the 5-second budget; the tests read the files back with openpyxl.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from xml.sax.saxutils import escape, quoteattr

from bot.domain.figures import MetricKind, from_stored
from bot.domain.plan import Plan
from bot.domain.progress import DeadlineState, UnitDeadline
from bot.domain.records import report_reference
from bot.presenters.common import local, period_values
from bot.services.parsing import format_phone
from bot.services.summary import TASK_STATES, ExportData, metric_labels, plan_metrics
from bot.texts import t

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
HEADER_STYLE, DATE_STYLE = 1, 2  # indexes into cellXfs of STYLES
MAX_CELL_TEXT = 32767  # Excel's limit for one cell
EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# A period's units by state, in the order a head reads them.
PERIOD_STATES = ("on_time", "late", "in_progress", "missing")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

STYLES = f"""{XML_HEAD}<styleSheet xmlns="{MAIN}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>\
</patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" \
applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>
"""


def _column(index: int) -> str:
    """The letters of a 0-based column index: A, B, …, Z, AA, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: object) -> str:
    text = str(value)
    if not text.isprintable():  # a rare control character someone typed (C-speed check)
        text = _NOT_XML.sub("", text)
    text = text[:MAX_CELL_TEXT]
    # Most texts have nothing to escape: three C-speed scans cost less than three replaces.
    if "&" in text or "<" in text or ">" in text:
        return escape(text)
    return text


# Texts of the plan and its people (unit and task names, ids, states) repeat on thousands of
# rows: each one's cell is built once. Columns of unique texts (references, narratives) skip
# the memo.
MEMO_SIZE = 100_000


class _Sheet:
    """One worksheet streamed into the archive row by row: header first, frozen, filterable."""

    FLUSH_ROWS = 2000  # rows gathered before a write: few calls, little memory

    def __init__(
        self, archive: zipfile.ZipFile, number: int, title: str,
        columns: Sequence[tuple[str, float]], memo: dict[str, str],
        unique: Collection[int] = (),
    ) -> None:
        self.number = number
        self.title = title[:31]
        self.letters = [_column(index) for index in range(len(columns))]
        self._columns = [(letter, index not in unique)
                         for index, letter in enumerate(self.letters)]
        self.rows = 0
        self.cells = 0
        self._memo = memo
        self._pending: list[str] = []
        self._stream = archive.open(f"xl/worksheets/sheet{number}.xml", "w")
        widths = "".join(
            f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
            for n, (_, width) in enumerate(columns, start=1)
        )
        self._stream.write((
            f"{XML_HEAD}<worksheet xmlns=\"{MAIN}\" xmlns:r=\"{RELATIONSHIPS}\">"
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            f"<cols>{widths}</cols><sheetData>"
        ).encode())
        self._append([name for name, _ in columns], style=HEADER_STYLE)

    def add(self, values: Iterable[Any]) -> None:
        """Append a row: numbers, text, local date-times; None leaves the cell empty."""
        self._append(values)

    def _append(self, values: Iterable[Any], style: int = 0) -> None:
        # The hot loop of the export (millions of cells): dispatch on the exact type, build
        # each cell of a repeated text once (whole), build the row as one string. A cell
        # names its column ("r") only after an empty one: otherwise it is the next column, as
        # SpreadsheetML reads it (and the file is half the size: every "A123" differs).
        self.rows += 1
        number = str(self.rows)
        styled = f' s="{style}"' if style else ""
        memo = self._memo if not style else {}
        cells = []
        add = cells.append
        skipped = False
        for (letter, repeats), value in zip(self._columns, values, strict=False):
            kind = type(value)
            if kind is str:
                if not value:
                    skipped = True
                    continue
                cell = memo.get(value) if repeats else None
                if cell is None:
                    cell = (f'<c{styled} t="inlineStr"><is><t xml:space="preserve">'
                            f'{_text(value)}</t></is></c>')
                    if repeats and len(memo) < MEMO_SIZE:
                        memo[value] = cell
            elif kind is int or kind is float:
                cell = f'<c{styled}><v>{value}</v></c>'
            elif value is None:
                skipped = True
                continue
            elif isinstance(value, datetime):
                serial = (value - EPOCH).total_seconds() / 86400
                cell = f'<c s="{DATE_STYLE}"><v>{serial!r}</v></c>'
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cell = f'<c{styled}><v>{value}</v></c>'
            elif value == "":
                skipped = True
                continue
            else:
                cell = (f'<c{styled} t="inlineStr"><is><t xml:space="preserve">'
                        f'{_text(value)}</t></is></c>')
            if skipped:  # after an empty cell: this one says where it is
                cell = f'<c r="{letter}{number}"{cell[2:]}'
                skipped = False
            add(cell)
        self.cells += len(cells)
        self._pending.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self._pending) >= self.FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self._stream.write("".join(self._pending).encode())
        self._pending.clear()

    @property
    def extent(self) -> str:
        """The table's range, e.g. A1:K120."""
        return f"A1:{self.letters[-1]}{max(self.rows, 2)}"

    @property
    def filter_range(self) -> str:
        """The filtered range as a defined name holds it: 'Sheet'!$A$1:$K$120."""
        title = self.title.replace("'", "''")
        return f"'{title}'!$A$1:${self.letters[-1]}${max(self.rows, 2)}"

    def close(self) -> None:
        """Finish the sheet: the rest of the rows and the filter buttons."""
        self._flush()
        self._stream.write(f'</sheetData><autoFilter ref="{self.extent}"/></worksheet>'.encode())
        self._stream.close()


class Book(Protocol):
    """Where the spreadsheet's rows go: sheets started one after the other, then the file."""

    def sheet(self, title: str, columns: Sequence[tuple[str, float]],
              unique: Collection[int] = ()) -> Any:
        """Start the next sheet (`add(values)` each row, then `close()`)."""
        ...

    def finish(self) -> bytes:
        """The finished .xlsx file."""
        ...


class _Workbook:
    """An .xlsx archive written sheet after sheet; the parts naming the sheets come last."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        # Level 3: a fifth less CPU than 6 for a file about a tenth larger (3,000 units: 18.5
        # instead of 16.7 MB, well within what Telegram and the file links carry).
        self.archive = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=3)
        self.sheets: list[_Sheet] = []
        self._memo: dict[str, str] = {}

    def sheet(self, title: str, columns: Sequence[tuple[str, float]],
              unique: Collection[int] = ()) -> _Sheet:
        """Start the next sheet (close the previous one first); `unique`: the columns whose
        texts seldom repeat (not memoised)."""
        sheet = _Sheet(self.archive, len(self.sheets) + 1, title, columns, self._memo, unique)
        self.sheets.append(sheet)
        return sheet

    def finish(self) -> bytes:
        """Write content types, relationships, the workbook and the styles; return the file."""
        sheets = self.sheets
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{sheet.number}.xml" '
            'ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for sheet in sheets
        )
        entries = "".join(
            f'<sheet name={quoteattr(sheet.title)} sheetId="{sheet.number}" '
            f'r:id="rId{sheet.number}"/>'
            for sheet in sheets
        )
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{sheet.number - 1}" '
            f'hidden="1">{escape(sheet.filter_range)}</definedName>'
            for sheet in sheets
        )
        links = "".join(
            f'<Relationship Id="rId{sheet.number}" Type="{RELATIONSHIPS}/worksheet" '
            f'Target="worksheets/sheet{sheet.number}.xml"/>'
            for sheet in sheets
        )
        links += (f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELATIONSHIPS}/styles" '
                  'Target="styles.xml"/>')
        parts = {
            "[Content_Types].xml": (
                f'{XML_HEAD}<Types xmlns="{PACKAGE}/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}'
                "</Types>"
            ),
            "_rels/.rels": (
                f'{XML_HEAD}<Relationships xmlns="{PACKAGE}/relationships">'
                f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
                'Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><bookViews>'
                f"<workbookView/></bookViews><sheets>{entries}</sheets>"
                f"<definedNames>{filters}</definedNames></workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                f'{XML_HEAD}<Relationships xmlns="{PACKAGE}/relationships">{links}'
                "</Relationships>"
            ),
            "xl/styles.xml": STYLES,
        }
        for name, text in parts.items():
            self.archive.writestr(name, text)
        self.archive.close()
        return self.buffer.getvalue()


def workbook_xlsx(data: ExportData, plan: Plan, locale: str, *, with_phones: bool,
                  book: Book | None = None) -> bytes:
    """The spreadsheet as .xlsx bytes; phone numbers only when `with_phones` (`book`: another
    writer of the same rows, for the benchmark's comparison)."""
    zone = plan.timezone

    def when(moment: datetime | None) -> datetime | None:
        # Excel stores no time zone: write the wall-clock time of the plan's zone.
        return local(moment, zone).replace(tzinfo=None) if moment is not None else None

    def h(key: str) -> str:
        return t(f"workbook.{key}", locale)

    units = {unit.id: unit for unit in plan.units}
    tasks = {task.id: task for task in plan.tasks}
    labels = metric_labels(plan)
    metrics = plan_metrics(plan)
    summary = data.summary
    book = book or _Workbook()

    def unit_name(unit_id: str) -> str:
        return units[unit_id].name if unit_id in units else ""

    unit_sheet = book.sheet(h("sheet_units"), [
        (h("col_number"), 6), (h("col_unit_id"), 16), (h("col_unit"), 40),
        (h("col_focal_required"), 12), (h("col_focal_point"), 12), (h("col_tasks"), 10),
        *[(t(f"workbook.state_{state}", locale), 12) for state in TASK_STATES],
        (h("col_last_report"), 18), (h("col_reminders"), 10),
    ])
    registered = set(summary.focal_points.registered)
    for number, unit in enumerate(summary.units, start=1):
        required = units[unit.unit_id].focal_point_required
        unit_sheet.add([
            number, unit.unit_id, unit_name(unit.unit_id),
            h("yes") if required else h("no"),
            (h("yes") if unit.unit_id in registered else h("no")) if required else "",
            unit.total, *[unit.tasks.get(state, 0) for state in TASK_STATES],
            when(unit.last_report), unit.reminders,
        ])

    unit_sheet.close()

    columns = [(h("col_unit_id"), 16), (h("col_unit"), 36), (h("col_role"), 14),
               (h("col_name"), 26), (h("col_position"), 26)]
    if with_phones:
        columns.append((h("col_phone"), 16))
    columns.append((h("col_registered_at"), 18))
    seat_sheet = book.sheet(h("sheet_focal_points"), columns)
    order = {unit.id: index for index, unit in enumerate(plan.units)}
    for seat in sorted(data.focal_points, key=lambda s: (order.get(s.unit_id, 0), s.role)):
        row: list[Any] = [seat.unit_id, unit_name(seat.unit_id), h(f"role_{seat.role.value}"),
                          seat.full_name, seat.position]
        if with_phones:
            row.append(format_phone(seat.phone_e164) if seat.phone_e164 else "")
        row.append(when(seat.registered_at))
        seat_sheet.add(row)

    seat_sheet.close()

    report_sheet = book.sheet(h("sheet_reports"), [
        (h("col_reference"), 11), (h("col_unit_id"), 16), (h("col_unit"), 30),
        (h("col_task_id"), 18), (h("col_task"), 40), (h("col_version"), 7),
        (h("col_status"), 16), (h("col_latest"), 9), (h("col_submitted_by"), 22),
        (h("col_submitted_at"), 18), (h("col_narrative"), 60),
    ], unique=(0, 10))
    history = data.history
    states = {state: t(f"workbook.state_{state}", locale) for state in TASK_STATES}
    yes, no = h("yes"), h("no")
    task_texts = {task_id: _task_text(task) for task_id, task in tasks.items()}
    for index, report in enumerate(history):
        following = history[index + 1] if index + 1 < len(history) else None
        latest = following is None or (following.unit_id, following.task_id) != (
            report.unit_id, report.task_id
        )
        report_sheet.add([
            report_reference(report.id), report.unit_id, unit_name(report.unit_id),
            report.task_id, task_texts.get(report.task_id, ""), report.version,
            states[report.status.value], yes if latest else no,
            report.submitted_by_name or h("erased_person"),
            when(report.created_at), report.narrative,
        ])

    report_sheet.close()

    figure_sheet = book.sheet(h("sheet_figures"), [
        (h("col_unit_id"), 16), (h("col_unit"), 30), (h("col_task_id"), 18),
        (h("col_task"), 40), (h("col_metric_id"), 16), (h("col_metric"), 34),
        (h("col_value"), 10),
    ])
    for figure in data.task_figures:
        figure_sheet.add([
            figure.unit_id, unit_name(figure.unit_id), figure.task_id,
            task_texts.get(figure.task_id, ""), figure.metric_id,
            _metric_label(tasks.get(figure.task_id), figure.metric_id, labels),
            _figure_cell(metrics.get(figure.metric_id), figure.value),
        ])

    figure_sheet.close()
    if summary.targets:
        _target_sheet(book, data, unit_name, h)
    if data.periods:
        _period_sheet(book, data, locale, when)

    deadline_sheet = book.sheet(h("sheet_deadlines"), [
        (h("col_deadline_id"), 18), (h("col_deadline"), 40), (h("col_kind"), 12),
        (h("col_due"), 18), (h("col_unit_id"), 16), (h("col_unit"), 30),
        (h("col_state"), 14), (h("col_met_at"), 18), (h("col_tasks_reported"), 12),
        (h("col_tasks"), 10),
    ])
    for item in summary.deadlines:
        deadline = item.deadline
        kind = t(f"plan.kind_{deadline.kind.value}", locale)
        for row_state in item.states:
            deadline_sheet.add([
                deadline.id, deadline.title, kind, when(deadline.due),
                *_deadline_cells(row_state, unit_name(row_state.unit_id), locale, when),
            ])

    deadline_sheet.close()
    return book.finish()


def _figure_cell(metric: Any, stored: int | None) -> int | float | None:
    """A figure as a number Excel sums: stored steps turned back into 5.5, 80.5, đồng."""
    if stored is None or metric is None or metric.kind is MetricKind.COUNT:
        return stored
    value = from_stored(metric.kind, stored)
    return int(value) if value == value.to_integral_value() else float(value)


def _target_sheet(book: Any, data: ExportData, unit_name: Any, h: Any) -> None:
    """One row per metric with a target for the whole plan, then one per unit with its own."""
    sheet = book.sheet(h("sheet_targets"), [
        (h("col_metric_id"), 16), (h("col_metric"), 34), (h("col_unit_id"), 16),
        (h("col_unit"), 30), (h("col_result"), 12), (h("col_target"), 12),
        (h("col_achieved"), 12), (h("col_below"), 12),
    ])
    yes, no = h("yes"), h("no")

    def number(value: Any) -> int | float:
        return int(value) if value == value.to_integral_value() else float(value)

    for item in data.summary.targets:
        if item.target is not None:
            sheet.add([item.metric_id, item.label, "", h("whole_plan"), number(item.result),
                       number(item.target), item.percent,
                       yes if item.result < item.target else no])
        for unit in item.units:
            sheet.add([item.metric_id, item.label, unit.unit_id, unit_name(unit.unit_id),
                       number(unit.result), number(unit.target), unit.percent,
                       yes if unit.below else no])
    sheet.close()


def _period_sheet(book: Any, data: ExportData, locale: str, when: Any) -> None:
    """One row per period of each recurring report deadline, up to the current one: who met
    it, and each figure made for it against its target."""

    def h(key: str, **values: object) -> str:
        return t(f"workbook.{key}", locale, **values)

    def number(value: Any) -> int | float:
        return int(value) if value == value.to_integral_value() else float(value)

    figures = {f.metric_id: f.label for row in data.periods for f in row.figures}
    targeted = {item.metric_id: item.label for row in data.periods for item in row.targets}
    columns = [(h("col_deadline_id"), 22), (h("col_period"), 26), (h("col_due"), 18),
               (h("col_current"), 10), (h("col_due_units"), 12),
               *[(h(f"deadline_{state}"), 12) for state in PERIOD_STATES]]
    for metric, label in {**figures, **targeted}.items():
        columns.append((h("col_period_total", label=label), 16))
        if metric in targeted:
            columns += [(h(f"col_period_{name}", label=label), 16)
                        for name in ("target", "achieved", "units_met", "units")]
    sheet = book.sheet(h("sheet_periods"), columns)
    for row in data.periods:
        deadline = row.deadline.deadline
        assert deadline.period is not None
        cells: list[Any] = [
            deadline.id,
            h(f"period_{deadline.period.every.value}", **period_values(deadline.period)),
            when(deadline.due), h("yes") if row.current else h("no"), len(row.deadline.states),
            *[len(row.deadline.units_in(DeadlineState(state))) for state in PERIOD_STATES],
        ]
        totals = {f.metric_id: f.value for f in row.figures}
        progress = {item.metric_id: item for item in row.targets}
        for metric in {**figures, **targeted}:
            cells.append(number(totals.get(metric, Decimal(0))))
            if metric in targeted:
                item = progress.get(metric)
                cells += [number(item.target) if item and item.target is not None else None,
                          item.percent if item else None,
                          sum(1 for u in item.units if not u.below) if item else None,
                          len(item.units) if item and item.units else None]
        sheet.add(cells)
    sheet.close()


def _deadline_cells(row: UnitDeadline, name: str, locale: str, when: Any) -> list[Any]:
    return [
        row.unit_id, name, t(f"workbook.deadline_{row.state.value}", locale), when(row.met_at),
        row.tasks_done if row.tasks_total else None, row.tasks_total or None,
    ]


def _task_text(task: Any) -> str:
    if task is None:
        return ""
    return f"{task.section} {task.text}".strip() if task.section else str(task.text)


def _metric_label(task: Any, metric_id: str, labels: dict[str, str]) -> str:
    """The label the task itself gives the figure, or the plan's first one."""
    if task is not None:
        for metric in task.metrics:
            if metric.id == metric_id:
                return str(metric.label)
    return labels.get(metric_id, metric_id)
