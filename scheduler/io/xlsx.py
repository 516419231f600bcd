"""Writing cells of .xlsx workbooks (openpyxl) safely: the one place every sheet we write (the
findings workbook, the units' report templates) puts a value into a cell.

openpyxl takes any text starting with `=` as a live formula (`=HYPERLINK("http://…")`,
`=cmd|' /C calc'!A0`): a name or 堵点 typed that way would run in whoever opens the sheet. Text
is therefore always written as a string cell (data_type "s"); numbers and dates keep their type."""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.core.text import clip

MAX_CELL_TEXT = 32_767
"""Excel's limit on a cell's text; longer text is cut with "…" (Excel would call the file corrupt)."""


def set_value(cell: Cell, value: Any) -> Cell:
    """Put `value` into `cell`; text stays text (never a formula, whatever it starts with) and
    within Excel's length."""
    if isinstance(value, str):
        value = clip(value, MAX_CELL_TEXT)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def put(ws: Worksheet, row: int, column: int, value: Any = None) -> Cell:
    """`ws.cell(row, column)` with `value` set by `set_value` (text never a formula)."""
    return set_value(ws.cell(row, column), value)
