"""The hand-written SpreadsheetML writer: cells land in their columns, gaps included."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl

from bot.presenters.xlsx_export import _Workbook


def test_cells_after_empty_ones_keep_their_columns() -> None:
    book = _Workbook()
    sheet = book.sheet("T", [(name, 10) for name in "ABCDE"], unique=(4,))
    sheet.add([1, None, "x", "", 2.5])
    sheet.add(["", "", "", "", "last"])
    sheet.add(["a", "a", None, datetime(2023, 12, 5, 8, 30), True])
    sheet.add(["a&<b>", 7])
    sheet.close()
    rows = list(openpyxl.load_workbook(io.BytesIO(book.finish()))["T"].iter_rows(values_only=True))
    assert rows == [
        ("A", "B", "C", "D", "E"),
        (1, None, "x", None, 2.5),
        (None, None, None, None, "last"),
        ("a", "a", None, datetime(2023, 12, 5, 8, 30), "True"),
        ("a&<b>", 7, None, None, None),
    ]
