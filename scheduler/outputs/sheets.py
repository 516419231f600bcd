"""The findings sheet (.xlsx, openpyxl) that circulates before the meeting, laid out from a
`WeeklyView` with the printout's grouping: 红灯清单 by lead unit, 要素保障 by kind, 提请专题研究,
全部问题 (one row per finding), and 说明 (the week at a glance and the calendar notes). Each table
sheet: a title row, a frozen heading row with auto filters, fitted widths, lights filled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias, TypeVar

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.core.dates import date_text, week_text
from scheduler.core.findings import Light
from scheduler.io.xlsx import put, set_value
from scheduler.outputs.view import (
    Blocker,
    Escalation,
    FindingRow,
    ProblemRow,
    WeeklyView,
    glance_rows,
    kind_label,
)
from scheduler.strings import t

LIGHT_FILL = {Light.RED: "E04B45", Light.YELLOW: "F6C430", Light.GREEN: "4CA04C"}
LIGHT_FONT = {Light.RED: "FFFFFF", Light.YELLOW: "2A1E00", Light.GREEN: "FFFFFF"}
HEAD_FILL = PatternFill("solid", fgColor="DEE4EE")
THIN = Side(style="thin", color="B8B8B8")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ROW = 2
"""Row 1 holds the sheet's title, row 2 the column headings; data starts on row 3."""

Cell: TypeAlias = str | int | float | dt.date | Light | None
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a sheet: its heading key, width (characters) and whether its text wraps."""

    key: str
    width: float
    wrap: bool = False


def _light(x: Light, lang: str) -> str:
    return t(f"out.light.{x.value}", lang)


def write_findings_sheet(view: WeeklyView, path: Path) -> Path:
    """Write the findings workbook to `path` and return it."""
    lang = view.lang
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)

    if view.problems:  # 问题清单: one row per root cause, its symptoms counted under it
        _table(wb, t("out.sheet.problems", lang), view, [
            Column("out.col.light", 7), Column("problems.col.id", 24), Column("col.project", 22, True),
            Column("out.col.kind", 12), Column("problems.col.what", 60, True), Column("col.unit", 16, True),
            Column("problems.col.person", 10), Column("problems.col.partners", 16, True),
            Column("problems.col.due", 12), Column("problems.col.measures", 30, True),
            Column("problems.col.county", 24, True), Column("problems.col.status", 10),
            Column("problems.col.symptoms", 30, True), Column("problems.col.weeks_red", 10),
            Column("problems.col.escalate", 8)],
            view.problems, lambda r: _problem_row(r, lang))
    red_rows = [r for g in view.red_list for r in g.items]
    _table(wb, t("out.sheet.red", lang), view, [
        Column("col.lead_unit", 16), Column("out.col.leader", 18, True), Column("col.project", 22, True),
        Column("out.col.milestone", 24, True), Column("out.col.kind", 12), Column("out.col.issue", 60, True),
        Column("col.unit", 16, True), Column("out.col.days", 8), Column("out.col.weeks_red", 10),
        Column("out.col.new", 6), Column("out.col.light", 7)],
        red_rows, lambda r: [r.lead_unit, r.leader, r.project_name, _ms(r), kind_label(r.kind, lang), r.message,
                             r.unit, r.days, r.weeks_red or None, _new(r, lang), r.light])
    blockers = [b for g in view.blockers for b in g.items]
    _table(wb, t("out.sheet.blockers", lang), view, [
        Column("out.col.factor_kind", 9), Column("out.col.requirement", 30, True), Column("out.col.factor_id", 9),
        Column("col.project", 22, True), Column("out.col.milestone", 24, True), Column("out.col.needed_by", 12),
        Column("out.col.expected", 12), Column("col.status", 9), Column("out.col.blocker", 36, True),
        Column("col.unit", 16, True), Column("out.col.weeks_open", 9), Column("out.col.light", 7)],
        blockers, lambda b: _blocker_row(b))
    _table(wb, t("out.sheet.escalations", lang), view, [
        Column("col.project", 22, True), Column("col.lead_unit", 16), Column("out.col.leader", 18, True),
        Column("out.col.matter", 60, True), Column("col.unit", 16, True), Column("out.col.weeks_red", 10),
        Column("out.col.first_seen", 13)],
        view.escalations, lambda e: _escalation_row(e, lang))
    _table(wb, t("out.sheet.all", lang), view, [
        Column("out.col.light", 7), Column("out.col.kind", 12), Column("out.col.project_id", 13),
        Column("col.project", 22, True), Column("col.lead_unit", 16), Column("out.col.leader", 18, True),
        Column("out.col.milestone", 24, True), Column("out.col.factor", 10), Column("out.col.issue", 60, True),
        Column("col.unit", 16, True), Column("out.col.days", 8), Column("out.col.first_seen", 13),
        Column("out.col.weeks_open", 9), Column("out.col.weeks_red", 10), Column("out.col.new", 6)],
        view.findings, lambda r: [r.light, kind_label(r.kind, lang), r.project_id, r.project_name, r.lead_unit,
                                  r.leader, _ms(r), r.factor_id or None, r.message, r.unit, r.days,
                                  week_text(r.first_seen, lang, dates=False),
                                  r.weeks_open, r.weeks_red or None, _new(r, lang)])
    _about(wb, view)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _problem_row(r: ProblemRow, lang: str) -> list[Cell]:
    p = r.problem
    status = t(p.status.label_key, lang)
    if p.exemption is not None:
        status += "；" + t("problem.exempt", lang, by=p.exemption.by, reason=p.exemption.reason)
    if p.close_reason:
        status += "；" + p.close_reason
    drags = "；".join(x for x in (t("problem.symptoms", lang, n=r.symptoms), r.drags) if x)
    return [p.light, p.id, r.project_name, t(f"problem.kind.{p.kind.value}", lang), r.what, p.unit or None,
            p.person or None, "、".join(p.partners) or None, p.due_date, p.measures or None,
            p.county_matters or None, status, drags, p.weeks_red or None, "✓" if p.escalate else None]


def _ms(r: FindingRow) -> str:
    return f"{r.milestone_id} {r.milestone_name}".strip()


def _new(r: FindingRow, lang: str) -> str:
    return t("out.sheet.new", lang) if r.new else ""


def _blocker_row(b: Blocker) -> list[Cell]:
    return [b.kind, b.requirement, b.factor_id, b.project_name, f"{b.milestone_id} {b.milestone_name}",
            b.needed_by, b.expected, b.status, b.blocker or None, b.unit, b.weeks_open, b.light]


def _escalation_row(e: Escalation, lang: str) -> list[Cell]:
    return [e.project_name, e.lead_unit, e.leader, e.message, e.unit, e.weeks_red or None,
            week_text(e.first_seen, lang, dates=False) if e.first_seen else None]


def _table(wb: Workbook, name: str, view: WeeklyView, cols: Sequence[Column], items: Sequence[T],
              row_of: Callable[[T], list[Cell]]) -> Worksheet:
    lang = view.lang
    ws = wb.create_sheet(name[:31])
    put(ws, 1, 1, t("out.sheet.title", lang, title=view.title, section=name, date=date_text(view.data_date, None, lang),
                    n=len(items))).font = Font(size=13, bold=True, color="14305F")
    ws.row_dimensions[1].height = 24
    for j, c in enumerate(cols, start=1):
        cell = put(ws, HEADER_ROW, j, t(c.key, lang))
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = c.width
    ws.row_dimensions[HEADER_ROW].height = 30
    for i, item in enumerate(items, start=HEADER_ROW + 1):
        lines = 1
        for j, (c, v) in enumerate(zip(cols, row_of(item), strict=True), start=1):
            cell = ws.cell(i, j)
            if isinstance(v, Light):
                set_value(cell, _light(v, lang))
                cell.style = _look(wb, ("light", v.value))
                continue
            set_value(cell, v)
            cell.style = _look(wb, ("date" if isinstance(v, dt.date) else "text" if isinstance(v, str) else "number",
                                    c.wrap))
            if c.wrap and isinstance(v, str):
                lines = max(lines, _lines(v, c.width))
        ws.row_dimensions[i].height = min(409.0, max(16.0, 15.0 * lines))  # Excel caps rows at 409 pt
    last = get_column_letter(len(cols))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(HEADER_ROW + len(items), HEADER_ROW)}"
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def _look(wb: Workbook, key: tuple[str | bool, ...]) -> str:
    """The named style of a table cell of one look (a light; or date, text or number, wrapped or
    not), added to the workbook the first time: a cell then takes one style by name instead of
    four style objects each hashed on assignment (most of a 300-project sheet's time)."""
    name = "dispatch " + " ".join(str(k) for k in key)
    if name in wb.named_styles:
        return name
    if key[0] == "light":
        light = Light(str(key[1]))
        style = NamedStyle(name, fill=PatternFill("solid", fgColor=LIGHT_FILL[light]),
                           font=Font(color=LIGHT_FONT[light], bold=True), border=BORDER,
                           alignment=Alignment(horizontal="center", vertical="center"))
    else:
        kind, wrap = key
        style = NamedStyle(name, border=BORDER, number_format="yyyy-mm-dd" if kind == "date" else "General",
                           alignment=Alignment(vertical="center", wrap_text=bool(wrap),
                                               horizontal="left" if kind == "text" else "center"))
    wb.add_named_style(style)
    return name


def _lines(text: str, width: float) -> int:
    """Wrapped lines of `text` in a column `width` characters wide (a CJK character counts 2)."""
    n = 0
    for para in text.split("\n"):
        w = sum(2 if ord(ch) > 0x2E80 else 1 for ch in para)
        n += max(1, -(-w // max(int(width) - 1, 1)))
    return n


def _about(wb: Workbook, view: WeeklyView) -> None:
    lang = view.lang
    ws = wb.create_sheet(t("out.sheet.about", lang))
    put(ws, 1, 1, view.title).font = Font(size=13, bold=True, color="14305F")
    rows: list[tuple[str, Cell]] = [
        (t("out.sheet.week", lang), view.week_label),
        (t("out.sheet.data_date", lang), view.data_date),
        (t("out.sheet.generated", lang), view.generated_at.strftime("%Y-%m-%d %H:%M")),
        *glance_rows(view),
    ]
    rows += [(t("out.pdf.notes", lang), n) for n in (t("brief.days.note", lang), *view.notes)]
    for i, (k, v) in enumerate(rows, start=3):
        put(ws, i, 1, k).font = Font(bold=True)
        c = put(ws, i, 2, v)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(v, dt.date):
            c.number_format = "yyyy-mm-dd"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
