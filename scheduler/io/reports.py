"""Weekly reports from the departments (各责任单位周报): an .xlsx template per unit, ingesting a
filled one (validated, versioned, unit permissions), and overlaying the reports on the projects.

The workbook's sheets are always in this layout (row 1 title, row 2 how to fill it in, row 3
headers, one item per row from row 4): 节点进度 (the unit's milestones: actual start and finish,
percent complete), 要素保障 (its factor requirements: status, expected approval date, 堵点), 投资
(the projects it leads: investment completed this week, 万元), 资金支付 (the fund sources of the
projects it leads: 下达/到位/支付 this week, 万元), 实物量 (the quantities it reports: cumulative done),
项目阶段与纳统 (the projects it leads: stage, commencement, 入库纳统 and its date), 问题整改 and 新增问题
(its problems; docs/reporting.md). Id columns are locked (sheet
protection; the fill-in cells are unlocked, with drop-downs and date formats), and a very hidden,
protected sheet `_meta` holds the unit and the ISO week.

Meaning of a report, kept simple on purpose:
- a blank cell reports nothing (the current value stays); a blocker of "无" clears the blocker;
- the report of week W is the status as of W's Monday and is applied by every run whose data
  date is on or after that Monday; actual dates may not lie after W's Sunday;
- a unit may report on milestones it answers for (milestone.unit, else the project's lead unit),
  on factor requirements it answers for (factor.unit, else as its milestone) and on the
  investment of projects it leads;
- every ingested file is kept: a second file of the same unit and week is version 2, and only
  the latest version of each unit and week is applied (so a correction replaces the week's earlier
  version as a whole); weeks are applied in order, later values over earlier ones;
- investment: each week's amount is added to the month of the week's Monday, on top of the
  project file's `[investment.completed]` (a report's week outside the plan year is refused);
  so are a fund's amounts issued, received and paid this week (on its `[fund.issued]` …);
- a quantity's value is its cumulative done to date, replacing the one before; stage, 入库纳统 and
  the dates replace theirs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import re
import stat
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.core.dates import week_text
from scheduler.core.findings import iso_week, week_monday
from scheduler.core.model import (
    FactorRequirement,
    FactorStatus,
    FundSource,
    Milestone,
    ModelError,
    Project,
    Quantity,
    Stage,
    StatsStatus,
)
from scheduler.core.phrases import days_text
from scheduler.core.problems import Problem
from scheduler.core.reports import (
    FUND_FIELDS,
    PROJECT_LEVEL,
    AnswerRow,
    Ignored,
    RaiseRow,
    ReportRow,
    overlay_fund,
    overlay_milestone,
)
from scheduler.core.text import control_char, file_stem
from scheduler.errors import DispatchError, PermissionRefused, ReportError, os_params
from scheduler.io.limits import ReadLimits
from scheduler.io.xlsx import put
from scheduler.strings import t

FORMAT = "dispatch-weekly-report"
FORMAT_VERSION = 3
READ_VERSIONS = (1, 2, 3)
"""Version 1 (before the problem sheets and 实际批复日期) and version 2 (before the 资金支付, 实物量 and
项目阶段与纳统 sheets) are still read: their sheets as they were."""
META_SHEET = "_meta"
TITLE_ROW, HELP_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3, 4
CLEARED = ("无", "-", "—", "／", "/")
"""A blocker cell holding one of these clears the blocker (堵点已解决)."""

_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_FILL = PatternFill("solid", fgColor="FFF9E5")
_LOCKED = PatternFill("solid", fgColor="EDEDED")
_HEAD = PatternFill("solid", fgColor="D9E1F2")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a report sheet: the field it holds, its header (strings key) and its kind:
    id / info / info_date / info_num (locked) or date / percent / status / money / quantity / stage /
    statistics / text / yesno (fill-in)."""

    field: str
    label: str
    kind: str
    width: int

    @property
    def fill(self) -> bool:
        """A cell the department fills in (unlocked)."""
        return self.kind in ("date", "percent", "status", "money", "quantity", "stage", "statistics", "text",
                             "yesno")

    @property
    def header(self) -> str:
        """The header text (always Chinese: the layout is checked on ingest)."""
        return t(self.label, "zh")


MILESTONE_COLUMNS = (
    Column("project", "report.col.project_id", "id", 14),
    Column("project_name", "report.col.project_name", "info", 24),
    Column("item", "report.col.milestone_id", "id", 10),
    Column("item_name", "report.col.milestone_name", "info", 30),
    Column("plan_start", "report.col.plan_start", "info_date", 12),
    Column("plan_finish", "report.col.plan_finish", "info_date", 12),
    Column("actual_start", "report.col.actual_start", "date", 12),
    Column("actual_finish", "report.col.actual_finish", "date", 12),
    Column("percent", "report.col.percent", "percent", 12),
)
FACTOR_COLUMNS = (
    Column("project", "report.col.project_id", "id", 14),
    Column("project_name", "report.col.project_name", "info", 24),
    Column("item", "report.col.factor_id", "id", 10),
    Column("factor_kind", "report.col.factor_kind", "info", 10),
    Column("item_name", "report.col.factor_name", "info", 30),
    Column("milestone", "report.col.factor_milestone", "info", 24),
    Column("factor_status", "report.col.factor_status", "status", 12),
    Column("expected", "report.col.expected", "date", 14),
    Column("blocker", "report.col.blocker", "text", 40),
    Column("approved", "report.col.approved", "date", 14),
)
INVESTMENT_COLUMNS = (
    Column("project", "report.col.project_id", "id", 14),
    Column("project_name", "report.col.project_name", "info", 24),
    Column("annual_plan", "report.col.annual_plan", "info_num", 16),
    Column("completed_to_date", "report.col.completed_to_date", "info_num", 16),
    Column("investment_week", "report.col.investment_week", "money", 16),
)
FUND_COLUMNS = (
    Column("project", "report.col.project_id", "id", 14),
    Column("project_name", "report.col.project_name", "info", 24),
    Column("item", "report.col.fund_id", "id", 12),
    Column("fund_kind", "report.col.fund_kind", "info", 16),
    Column("item_name", "report.col.fund_name", "info", 28),
    Column("issued_to_date", "report.col.issued_to_date", "info_num", 14),
    Column("received_to_date", "report.col.received_to_date", "info_num", 14),
    Column("paid_to_date", "report.col.paid_to_date", "info_num", 14),
    Column("issued_week", "report.col.issued_week", "money", 14),
    Column("received_week", "report.col.received_week", "money", 14),
    Column("paid_week", "report.col.paid_week", "money", 14),
)
QUANTITY_COLUMNS = (
    Column("project", "report.col.project_id", "id", 14),
    Column("project_name", "report.col.project_name", "info", 24),
    Column("item", "report.col.quantity_id", "id", 12),
    Column("item_name", "report.col.quantity_name", "info", 28),
    Column("measure", "report.col.measure", "info", 10),
    Column("target", "report.col.target", "info_num", 12),
    Column("done_before", "report.col.done_before", "info_num", 14),
    Column("quantity_done", "report.col.quantity_done", "quantity", 14),
)
STATISTICS_COLUMNS = (
    Column("project", "report.col.project_id", "id", 14),
    Column("project_name", "report.col.project_name", "info", 24),
    Column("stage", "report.col.stage", "stage", 12),
    Column("commenced", "report.col.commenced", "date", 14),
    Column("statistics", "report.col.statistics", "statistics", 14),
    Column("statistics_date", "report.col.statistics_date", "date", 14),
)
SHEETS = (("milestone", "report.sheet.milestones", MILESTONE_COLUMNS),
          ("factor", "report.sheet.factors", FACTOR_COLUMNS),
          ("project", "report.sheet.investment", INVESTMENT_COLUMNS),
          ("fund", "report.sheet.funds", FUND_COLUMNS),
          ("quantity", "report.sheet.quantities", QUANTITY_COLUMNS),
          ("statistics", "report.sheet.statistics", STATISTICS_COLUMNS))
MONEY_KINDS = ("fund", "quantity", "statistics")
"""The sheets format version 3 added (read only from a version-3 workbook)."""
_ENUMS: dict[str, type[FactorStatus] | type[Stage] | type[StatsStatus]] = {
    "status": FactorStatus, "stage": Stage, "statistics": StatsStatus}
"""A drop-down column's values."""
ANSWER_COLUMNS = (
    Column("item", "report.col.problem_id", "id", 26),
    Column("project", "report.col.project_id", "id", 14),
    Column("project_name", "report.col.project_name", "info", 20),
    Column("item_name", "report.col.problem", "info", 40),
    Column("light", "report.col.light", "info", 8),
    Column("due", "report.col.due", "info_date", 12),
    Column("situation", "report.col.situation", "text", 36),
    Column("measures", "report.col.measures", "text", 36),
    Column("promised", "report.col.promised", "date", 14),
)
RAISE_COLUMNS = (
    Column("project", "report.col.project_id", "text", 14),
    Column("milestone", "report.col.milestone_id", "text", 10),
    Column("description", "report.col.description", "text", 40),
    Column("measures", "report.col.measures", "text", 30),
    Column("promised", "report.col.promised", "date", 14),
    Column("needs_county", "report.col.needs_county", "yesno", 12),
    Column("county_matters", "report.col.county_matters", "text", 30),
)
PROBLEM_SHEETS = (("answer", "report.sheet.answers", ANSWER_COLUMNS),
                  ("raise", "report.sheet.raise", RAISE_COLUMNS))
RAISE_ROWS = 15
"""Empty rows of the 新增问题 sheet."""
YES, NO = "是", "否"


def sheet_name(item_kind: str) -> str:
    """The sheet holding rows of `item_kind` (milestone, factor, project, fund, quantity, statistics)."""
    return next(t(label, "zh") for kind, label, _ in SHEETS if kind == item_kind)


def normalize_week(week: str) -> str:
    """'2026-W48' (also accepts '2026-w48', '2026-W8') of a week within REPORT_DATES' years;
    ReportError for anything else (the one place a week given by a person or a sheet is read)."""
    try:
        monday = week_monday(str(week).strip().upper())
    except ValueError:
        raise ReportError("bad-week", f"{str(week)[:40]!r} is not an ISO week such as 2026-W48",
                          params={"value": repr(str(week)[:40])}) from None
    if not REPORT_DATES[0] <= monday <= REPORT_DATES[1] - dt.timedelta(days=6):
        raise ReportError("bad-week", f"week {str(week)[:40]!r} lies outside the calendars' years "
                          f"({REPORT_DATES[0].year}..{REPORT_DATES[1].year})",
                          params={"case": "range", "value": repr(str(week)[:40]), "first": REPORT_DATES[0].year,
                                  "last": REPORT_DATES[1].year})
    return iso_week(monday)


# -- who reports what -----------------------------------------------------------------------------


def milestone_unit(p: Project, m: Milestone) -> str:
    """The unit answering for a milestone: its own unit, else the project's lead unit."""
    return m.unit or p.lead_unit


def factor_unit(p: Project, f: FactorRequirement) -> str:
    """The unit answering for a factor requirement: its unit, else as its milestone."""
    return f.unit or milestone_unit(p, p.milestone(f.milestone))


def quantity_unit(p: Project, q: Quantity) -> str:
    """The unit reporting a quantity: its unit, else the project's lead unit."""
    return q.unit or p.lead_unit


def statistics_open(p: Project) -> bool:
    """Whether a project's stage or 入库纳统 can still change (not both 竣工 and 已纳统)."""
    return not (p.money.stage is Stage.COMPLETED and p.money.statistics is StatsStatus.COUNTED)


@dataclass(frozen=True, slots=True)
class UnitItems:
    """What one unit reports on: its open milestones, open factor requirements, the projects it
    leads (with an investment plan), its open problems, the fund sources of the projects it leads,
    its quantities not yet done, and the projects it leads whose stage or 入库纳统 can change."""

    unit: str
    milestones: tuple[tuple[Project, Milestone], ...]
    factors: tuple[tuple[Project, FactorRequirement], ...]
    investment: tuple[Project, ...]
    problems: tuple[Problem, ...] = ()
    funds: tuple[tuple[Project, FundSource], ...] = ()
    quantities: tuple[tuple[Project, Quantity], ...] = ()
    statistics: tuple[Project, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to report."""
        return not (self.milestones or self.factors or self.investment or self.problems or self.funds
                    or self.quantities or self.statistics)


def _open_factor(p: Project, f: FactorRequirement) -> bool:
    return not f.is_approved and p.milestone(f.milestone).actual_finish is None


def unit_items(projects: Sequence[Project], unit: str, problems: Sequence[Problem] = ()) -> UnitItems:
    """The OPEN items `unit` answers for, in portfolio and file order: milestones not finished,
    factor requirements not approved (on an unfinished milestone), the investment of the projects
    it leads, its problems still 办理中, the fund sources of the projects it leads, its quantities
    not yet at their target, and the stage and 入库纳统 of the projects it leads (until 竣工 and 已纳统)."""
    return UnitItems(
        unit,
        tuple((p, m) for p in projects for m in p.milestones
              if m.actual_finish is None and milestone_unit(p, m) == unit),
        tuple((p, f) for p in projects for f in p.factors if _open_factor(p, f) and factor_unit(p, f) == unit),
        tuple(p for p in projects if p.lead_unit == unit and p.investment is not None),
        tuple(pr for pr in problems if pr.is_open and pr.unit == unit),
        tuple((p, f) for p in projects if p.lead_unit == unit for f in p.money.funds),
        tuple((p, q) for p in projects for q in p.money.quantities
              if q.done < q.target and quantity_unit(p, q) == unit),
        tuple(p for p in projects if p.lead_unit == unit and not p.money.empty and statistics_open(p)),
    )


def report_units(projects: Sequence[Project], problems: Sequence[Problem] = ()) -> list[str]:
    """Every unit with something open to report, sorted."""
    units: set[str] = set()
    for p in projects:
        units.update(milestone_unit(p, m) for m in p.milestones if m.actual_finish is None)
        units.update(factor_unit(p, f) for f in p.factors if _open_factor(p, f))
        if p.investment is not None or p.money.funds or (not p.money.empty and statistics_open(p)):
            units.add(p.lead_unit)
        units.update(quantity_unit(p, q) for q in p.money.quantities if q.done < q.target)
    units.update(pr.unit for pr in problems if pr.is_open)
    return sorted(u for u in units if u)


def answers_for(projects: Sequence[Project], unit: str) -> set[str]:
    """The projects `unit` may raise a problem on: those it leads or answers for anything of."""
    return {p.id for p in projects if p.lead_unit == unit or any(milestone_unit(p, m) == unit for m in p.milestones)
            or any(factor_unit(p, f) == unit for f in p.factors)
            or any(quantity_unit(p, q) == unit for q in p.money.quantities)}


# -- the template ---------------------------------------------------------------------------------

PlanDates = Mapping[tuple[str, str], tuple[dt.date, dt.date]]
"""(project id, milestone id) -> (planned start, planned finish), shown for reference."""


def _write_sheet(ws: Worksheet, columns: Sequence[Column], rows: list[dict[str, Any]], title: str) -> None:
    n = len(columns)
    last_col = get_column_letter(n)
    ws.merge_cells(f"A{TITLE_ROW}:{last_col}{TITLE_ROW}")
    ws.merge_cells(f"A{HELP_ROW}:{last_col}{HELP_ROW}")
    put(ws, TITLE_ROW, 1, title).font = Font(bold=True, size=13)
    help_cell = put(ws, HELP_ROW, 1, t("report.help", "zh"))
    help_cell.alignment = Alignment(wrap_text=True, vertical="top")
    help_cell.font = Font(size=9, color="595959")
    ws.row_dimensions[HELP_ROW].height = 30
    for j, col in enumerate(columns, start=1):
        c = put(ws, HEADER_ROW, j, col.header)
        c.font = Font(bold=True)
        c.fill = _HEAD
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = col.width
    for i, values in enumerate(rows):
        r = FIRST_ROW + i
        for j, col in enumerate(columns, start=1):
            c = put(ws, r, j, values.get(col.field))
            if col.kind in ("date", "info_date"):
                c.number_format = "yyyy-mm-dd"
            elif col.kind == "percent":
                c.number_format = "0.0"
            elif col.kind == "text":
                c.alignment = Alignment(wrap_text=True, vertical="top")
            elif col.kind in ("money", "info_num", "quantity"):
                c.number_format = "#,##0.00"
            if col.fill:
                c.protection = Protection(locked=False)
                c.fill = _FILL
            else:
                c.fill = _LOCKED
    last = FIRST_ROW + len(rows) - 1
    if rows:
        for j, col in enumerate(columns, start=1):
            rng = f"{get_column_letter(j)}{FIRST_ROW}:{get_column_letter(j)}{last}"
            dv: DataValidation | None = None
            if col.kind in _ENUMS:
                dv = DataValidation(type="list", formula1='"' + ",".join(s.value for s in _ENUMS[col.kind]) + '"',
                                    allow_blank=True)
            elif col.kind == "date":
                dv = DataValidation(type="date", operator="between", formula1="DATE(2015,1,1)",
                                    formula2="DATE(2035,12,31)", allow_blank=True)
            elif col.kind == "percent":
                dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                                    allow_blank=True)
            elif col.kind in ("money", "quantity"):
                dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=f"{MAX_NUMBER:.0f}",
                                    allow_blank=True)
            elif col.kind == "yesno":
                dv = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
            if dv is not None:
                dv.error = t(f"report.invalid.{col.kind}", "zh")
                dv.errorTitle = t("report.invalid.title", "zh")
                dv.showErrorMessage = True
                ws.add_data_validation(dv)
                dv.add(rng)
    ws.freeze_panes = ws.cell(FIRST_ROW, 3 if columns[0].kind == "id" else 1)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def build_template(projects: Sequence[Project], unit: str, week: str, *, plan: PlanDates | None = None,
                   generated_at: dt.datetime | None = None, problems: Sequence[Problem] = ()) -> Workbook:
    """The weekly report workbook of `unit` for ISO `week`, prefilled with the current values: its
    open items only, its open problems to answer (问题整改) and empty rows to raise new ones (新增问题)."""
    week = normalize_week(week)
    items = unit_items(projects, unit, problems)
    plan = plan or {}
    wb = Workbook()
    title = t("report.title", "zh", unit=unit, week=week_text(week, "zh"))
    ms_rows: list[dict[str, Any]] = []
    for p, m in items.milestones:
        ps, pf = plan.get((p.id, m.id), (None, None))
        ms_rows.append({"project": p.id, "project_name": p.name, "item": m.id, "item_name": m.name,
                        "plan_start": ps, "plan_finish": pf,
                        "actual_start": m.actual_start, "actual_finish": m.actual_finish,
                        "percent": 100.0 if m.actual_finish else m.percent})
    f_rows: list[dict[str, Any]] = []
    for p, f in items.factors:
        m = p.milestone(f.milestone)
        f_rows.append({"project": p.id, "project_name": p.name, "item": f.id, "factor_kind": f.kind,
                       "item_name": f.name or f.kind, "milestone": f"{m.id} {m.name}",
                       "factor_status": f.status.value, "expected": f.expected, "blocker": f.blocker})
    i_rows: list[dict[str, Any]] = []
    for p in items.investment:
        inv = p.investment
        assert inv is not None
        i_rows.append({"project": p.id, "project_name": p.name, "annual_plan": inv.annual_plan,
                       "completed_to_date": sum(inv.completed.values()), "investment_week": None})
    fund_rows: list[dict[str, Any]] = []
    for p, fs in items.funds:
        fund_rows.append({"project": p.id, "project_name": p.name, "item": fs.id, "fund_kind": fs.kind.value,
                          "item_name": fs.name or fs.kind.value, "issued_to_date": sum(fs.issued.values()),
                          "received_to_date": sum(fs.received.values()), "paid_to_date": sum(fs.paid.values())})
    q_rows: list[dict[str, Any]] = [
        {"project": p.id, "project_name": p.name, "item": q.id, "item_name": q.name, "measure": q.measure,
         "target": q.target, "done_before": q.done, "quantity_done": None} for p, q in items.quantities]
    s_rows: list[dict[str, Any]] = [{"project": p.id, "project_name": p.name,
               "stage": p.money.stage.value if p.money.stage else None, "commenced": p.money.commenced,
               "statistics": p.money.statistics.value if p.money.statistics else None,
               "statistics_date": p.money.statistics_date} for p in items.statistics]
    first = True
    for (_kind, label, columns), rows in zip(SHEETS, (ms_rows, f_rows, i_rows, fund_rows, q_rows, s_rows),
                                             strict=True):
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = t(label, "zh")
        _write_sheet(ws, columns, rows, title)
    names = {p.id: p.name for p in projects}
    a_rows = [{"item": pr.id, "project": pr.project, "project_name": names.get(pr.project, pr.project),
               "item_name": problem_label(pr, projects), "light": t(f"light.{pr.light.value}", "zh"),
               "due": pr.due_date, "situation": None, "measures": pr.measures or None, "promised": None}
              for pr in items.problems]
    r_rows: list[dict[str, Any]] = [{} for _ in range(RAISE_ROWS)]
    for (_kind, p_label, p_columns), p_rows in zip(PROBLEM_SHEETS, (a_rows, r_rows), strict=True):
        _write_sheet(wb.create_sheet(t(p_label, "zh")), p_columns, p_rows, title)
    meta = wb.create_sheet(META_SHEET)
    stamp = (generated_at or dt.datetime.now()).replace(microsecond=0).isoformat()
    for r, (k, v) in enumerate((("format", FORMAT), ("version", FORMAT_VERSION), ("unit", unit),
                                ("week", week), ("generated", stamp)), start=1):
        put(meta, r, 1, k)
        put(meta, r, 2, v)
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    return wb


def problem_label(pr: Problem, projects: Sequence[Project]) -> str:
    """What a problem is about, for the 问题整改 sheet: its kind, item and what is wrong."""
    p = next((x for x in projects if x.id == pr.project), None)
    item = ""
    if pr.factor:
        f = next((x for x in p.factors if x.id == pr.factor), None) if p else None
        item = f"{pr.factor} {(f.name or f.kind) if f else pr.factor_kind or ''}".strip()
    elif pr.milestone:
        m = next((x for x in p.milestones if x.id == pr.milestone), None) if p else None
        item = f"{pr.milestone} {m.name if m else ''}".strip()
    head = "【" + t(f"problem.kind.{pr.kind.value}", "zh") + "】"
    text = "，".join(x for x in (item, pr.description) if x)
    if pr.days:
        text += t("report.problem_days", "zh", days=days_text(pr.days, pr.works_daily, "zh"))
    return head + text


def template_filename(unit: str, week: str) -> str:
    """`2026-W48_县自然资源局.xlsx` (the unit made a safe file name: core.text.file_stem)."""
    return f"{normalize_week(week)}_{file_stem(unit)}.xlsx"


def write_templates(projects: Sequence[Project], week: str, out_dir: Path, *,
                    units: Iterable[str] | None = None, plan: PlanDates | None = None,
                    problems: Sequence[Problem] = ()) -> list[Path]:
    """Write one template per unit (all units with something open to report, or those given) into
    `out_dir`; a unit named that answers for nothing open is refused (ReportError)."""
    week = normalize_week(week)
    chosen = list(units) if units is not None else report_units(projects, problems)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit in chosen:
        if unit_items(projects, unit, problems).empty:
            known = "、".join(report_units(projects, problems)) or "none"
            raise ReportError("unknown-unit", f"unit {unit!r} answers for no milestone, factor or investment "
                              f"of the loaded projects (units: {known})",
                              params={"case": "template", "unit": unit, "known": known})
        path = out_dir / template_filename(unit, week)
        build_template(projects, unit, week, plan=plan, problems=problems).save(path)
        paths.append(path)
    return paths


# -- reading a filled report ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedReport:
    """A report file read and type-checked (not yet checked against the projects)."""

    path: Path
    digest: str
    unit: str
    week: str
    rows: tuple[ReportRow, ...]
    row_numbers: tuple[int, ...]
    """The sheet row of each of `rows` (their sheet follows from item_kind)."""
    answers: tuple[AnswerRow, ...] = ()
    answer_rows: tuple[int, ...] = ()
    raised: tuple[RaiseRow, ...] = ()
    raise_rows: tuple[int, ...] = ()
    format_version: int = FORMAT_VERSION

    @property
    def monday(self) -> dt.date:
        """Monday of the report's week."""
        return week_monday(self.week)


def _cell_ref(columns: Sequence[Column], fld: str, row: int) -> str:
    j = next(i for i, c in enumerate(columns, start=1) if c.field == fld)
    return f"{get_column_letter(j)}{row}"


def _as_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        m = _DATE_RE.match(v)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
    raise CellValueError(f"{v!r} is not a date (YYYY-MM-DD)", "not-date", value=repr(v))


class CellValueError(ValueError):
    """A fill-in cell's value breaks its column's rule; `params` name the rule (strings err.cell.<case>)
    and the values, so the error line can say it in the configured language."""

    def __init__(self, message: str, case: str, **params: object) -> None:
        super().__init__(message)
        self.params: dict[str, object] = {"template": f"err.cell.{case}", **params}


def _cell_params(e: ValueError, col: Column, item: str) -> dict[str, object]:
    """The params of a refused cell's error: the rule's values, the column's header and the item
    (`资金 F1：`) the row names."""
    if not isinstance(e, CellValueError):
        return {}
    kind, _, iid = item.partition(" ")
    return {**e.params, "header": col.header, "item": f"{t(f'report.kind.{kind}', 'zh')} {iid}：" if iid else ""}


def _as_number(v: Any, percent_format: bool = False) -> float:
    if isinstance(v, bool):
        raise CellValueError(f"{v!r} is not a number", "not-number", value=repr(v))
    if isinstance(v, int | float):
        x = float(v) * (100.0 if percent_format else 1.0)
    elif isinstance(v, str):
        s = v.strip().replace(",", "").replace("，", "")
        try:
            x = float(s.rstrip("%").strip())
        except ValueError:
            raise CellValueError(f"{v!r} is not a number", "not-number", value=repr(v)) from None
    else:
        raise CellValueError(f"{v!r} is not a number", "not-number", value=repr(v))
    if not math.isfinite(x) or abs(x) > MAX_NUMBER:
        raise CellValueError(f"{_text(v)!r} is not a number within ±{MAX_NUMBER:g}", "number-range",
                             value=repr(_text(v)), limit=f"{MAX_NUMBER:g}")
    return x


MAX_NUMBER = 1e9
"""No number a report holds is larger (万元: a hundred trillion yuan; percent 0..100): beyond it
every sum stays finite whatever a unit types. Amounts are also held to the project's total
investment (validate_report)."""


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


_RATIO_FROM = 2**20


def _read_bounded(path: Path, limits: ReadLimits) -> bytes:
    """The file's bytes, if it is a regular file of at most limits.max_file_bytes: a FIFO, a
    device (/dev/zero), a folder or a socket is refused without reading (and without blocking:
    opened non-blocking)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ReportError("unreadable", "file not found", file=path, params={"case": "missing"}) from None
    except OSError as e:
        raise ReportError("unreadable", f"cannot read the file: {e.strerror}", file=path,
                          params=os_params(e)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReportError("not-a-file", "not a regular file (a device, pipe, socket or folder): give the "
                              ".xlsx file itself", file=path)
        if st.st_size > limits.max_file_bytes:
            raise ReportError("too-large", f"the file is {st.st_size:,} bytes; a report may have at most "
                              f"{limits.max_file_bytes:,} ([ingest] max_file_mb)", file=path,
                              params={"size": f"{st.st_size:,}", "limit": f"{limits.max_file_bytes:,}"})
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(limits.max_file_bytes + 1)
    except OSError as e:
        raise ReportError("unreadable", f"cannot read the file: {e.strerror}", file=path,
                          params=os_params(e)) from None
    finally:
        os.close(fd)
    if len(raw) > limits.max_file_bytes:  # grew while being read
        raise ReportError("too-large", f"a report may have at most {limits.max_file_bytes:,} bytes", file=path,
                          params={"size": f"{len(raw):,}", "limit": f"{limits.max_file_bytes:,}"})
    return raw


def _check_archive(raw: bytes, path: Path, limits: ReadLimits) -> None:
    """Refuse a workbook whose zip directory declares too much (a zip bomb) before parsing it."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        raise ReportError("not-xlsx", f"not a readable .xlsx workbook ({type(e).__name__}: {e})",
                          file=path) from None
    if len(members) > limits.max_members:
        raise ReportError("zip-bomb", f"the workbook holds {len(members):,} parts (at most "
                          f"{limits.max_members:,}): refused unread", file=path,
                          params={"case": "members", "n": f"{len(members):,}", "limit": f"{limits.max_members:,}"})
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise ReportError("zip-bomb", f"the workbook unpacks to {total:,} bytes (at most "
                          f"{limits.max_unpacked_bytes:,}, [ingest] max_unpacked_mb): refused unread", file=path,
                          params={"case": "size", "size": f"{total:,}", "limit": f"{limits.max_unpacked_bytes:,}"})
    for m in members:
        if m.file_size >= _RATIO_FROM and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise ReportError("zip-bomb", f"part {m.filename} unpacks {m.file_size / max(m.compress_size, 1):,.0f} "
                              f"times its packed size (at most {limits.max_ratio:g}, [ingest] max_ratio): "
                              "refused unread", file=path,
                              params={"case": "ratio", "part": m.filename, "limit": f"{limits.max_ratio:g}",
                                      "ratio": f"{m.file_size / max(m.compress_size, 1):,.0f}"})


def _open(raw: bytes, path: Path) -> Any:
    """The workbook in read-only mode (rows streamed, formulas kept as formulas: see _value)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # extensions Excel/WPS add that openpyxl does not keep
            return load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as e:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise ReportError("not-xlsx", f"not a readable .xlsx workbook ({type(e).__name__}: {e})",
                          file=path) from None


def _value(cell: Any, path: Path, sheet: str, ref: str) -> Any:
    """A cell's value; a formula is refused with the cell named (its cached value may be stale or
    absent, and a formula read as blank would silently report nothing)."""
    if cell is None:
        return None
    if getattr(cell, "data_type", None) == "f" or not isinstance(
            cell.value, str | int | float | dt.date | dt.datetime | dt.time | type(None)):
        raise ReportError("formula", f"the cell holds a formula ({_text(cell.value) or '?'}): type the "
                          "value itself", file=path, sheet=sheet, cell=ref,
                          params={"value": _text(cell.value) or "?"})
    return cell.value


Row = tuple[Any, ...]
"""A sheet row's cells (read-only cells; None past the row's end)."""


def _meta(wb: Any, path: Path) -> tuple[str, str, int]:
    if META_SHEET not in wb.sheetnames:
        raise ReportError("bad-layout", f"not a dispatch weekly report: the hidden sheet {META_SHEET} with "
                          "its unit and week is missing (use `dispatch report-template`)", file=path,
                          params={"case": "meta", "sheet": META_SHEET})
    ws = wb[META_SHEET]
    meta: dict[str | None, Any] = {}
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=9, max_col=2), start=1):
        if len(row) == 2:
            meta[_text(_value(row[0], path, META_SHEET, f"A{r}"))] = _value(row[1], path, META_SHEET, f"B{r}")
    if meta.get("format") != FORMAT:
        raise ReportError("bad-layout", f"sheet {META_SHEET} does not identify a {FORMAT}", file=path,
                          sheet=META_SHEET, cell="B1", params={"case": "format", "sheet": META_SHEET})
    version = next((v for v in READ_VERSIONS if str(meta.get("version")) == str(v)), None)
    if version is None:
        raise ReportError("bad-layout", f"report format version {meta.get('version')!r} is not "
                          f"{FORMAT_VERSION}: fill in a new template", file=path, sheet=META_SHEET, cell="B2",
                          params={"case": "version", "value": repr(meta.get("version")), "version": FORMAT_VERSION})
    unit = _text(meta.get("unit"))
    if not unit:
        raise ReportError("bad-layout", "the report names no unit", file=path, sheet=META_SHEET, cell="B3",
                          params={"case": "unit"})
    bad = control_char(unit)
    if bad is not None:
        raise ReportError("control-character", f"the unit holds a control character ({bad})", file=path,
                          sheet=META_SHEET, cell="B3", params={"case": "unit", "bad": bad})
    try:
        week = normalize_week(str(meta.get("week")))
    except ReportError as e:
        raise ReportError("bad-layout", e.message, file=path, sheet=META_SHEET, cell="B4",
                          params={"template": f"err.bad-week.{e.params['case']}" if "case" in e.params
                                  else "err.bad-week", **e.params}) from None
    return unit, week, version


def parse_report(path: Path, limits: ReadLimits | None = None) -> ParsedReport:
    """Read a filled report and check its layout and every cell's type and range; ReportError
    naming the file, sheet, cell, project and milestone/factor at the first bad one. The file is
    checked against `limits` (size, kind, its zip directory: config [ingest]) before any of it is
    parsed, and its sheets are streamed (openpyxl read-only mode)."""
    path = Path(path)
    limits = limits or ReadLimits()
    raw = _read_bounded(path, limits)
    _check_archive(raw, path, limits)
    wb = _open(raw, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. a date cell holding 20261120: read as an error value
            return _parse(wb, path, hashlib.sha256(raw).hexdigest())
    except DispatchError:
        raise
    except Exception as e:  # malformed sheet XML met while streaming the rows
        raise ReportError("not-xlsx", f"not a readable .xlsx workbook ({type(e).__name__}: {e})",
                          file=path) from None
    finally:
        wb.close()


def _parse(wb: Any, path: Path, digest: str) -> ParsedReport:
    unit, week, version = _meta(wb, path)
    rows: list[ReportRow] = []
    numbers: list[int] = []
    seen: dict[tuple[str, str, str], int] = {}
    for kind, label, all_columns in SHEETS:
        if version < 3 and kind in MONEY_KINDS:
            continue  # (versions 1 and 2 had no money sheets)
        columns: Sequence[Column] = all_columns[:-1] if version == 1 and kind == "factor" else all_columns
        # (version 1 had no 实际批复日期)
        name = t(label, "zh")
        for r, row in _sheet_rows(wb, path, name, columns):
            pid = _text(_value(row[0], path, name, _cell_ref(columns, "project", r)))
            iid = pid if kind in PROJECT_LEVEL else _text(_value(row[_index(columns, "item")], path, name,
                                                                 _cell_ref(columns, "item", r)))
            filled = [c.field for j, c in enumerate(columns) if c.fill
                      and _text(_value(row[j], path, name, _cell_ref(columns, c.field, r))) is not None]
            if pid is None and (kind in PROJECT_LEVEL or iid is None):
                if filled:
                    raise ReportError("missing-id", "values on a row without project and item ids",
                                      file=path, sheet=name, cell=_cell_ref(columns, "project", r),
                                      params={"case": "values"})
                continue
            ids = _kind_ids(kind, pid, iid)
            if pid is None or iid is None:
                fld = "project" if pid is None else "item"
                raise ReportError("missing-id", "the row lacks its project or item id", file=path, sheet=name,
                                  cell=_cell_ref(columns, fld, r), params={"case": "row"},
                                  **ids)  # type: ignore[arg-type]
            if (kind, pid, iid) in seen:
                raise ReportError("duplicate-row", f"{pid}/{iid} is already reported on row {seen[(kind, pid, iid)]}",
                                  file=path, sheet=name, cell=_cell_ref(columns, _id_field(kind), r),
                                  params={"item": f"{pid}/{iid}", "row": seen[(kind, pid, iid)]},
                                  **ids)  # type: ignore[arg-type]
            seen[(kind, pid, iid)] = r
            values = _values(row, path, name, columns, r, ids, _item_label(kind, iid))
            rows.append(ReportRow(pid, kind, iid, **values))
            numbers.append(r)
    answers: list[tuple[int, AnswerRow]] = []
    raised: list[tuple[int, RaiseRow]] = []
    if version >= 2:
        answers = _answers(wb, path)
        raised = _raised(wb, path)
    return ParsedReport(path, digest, unit, week, tuple(rows), tuple(numbers),
                        tuple(a for _, a in answers), tuple(r for r, _ in answers),
                        tuple(x for _, x in raised), tuple(r for r, _ in raised), version)


def _kind_ids(kind: str, pid: str | None, iid: str | None) -> dict[str, str | None]:
    """The error fields naming a row's item (a fund or quantity is named in the message: _item_label)."""
    ids: dict[str, str | None] = {"project": pid}
    if kind == "milestone":
        ids["milestone"] = iid
    elif kind == "factor":
        ids["factor"] = iid
    return ids


def _item_label(kind: str, iid: str | None) -> str:
    """`fund F-BOND` / `quantity Q-PAVE`: the item an error names in its message (the error's own
    fields name milestones and factors only)."""
    return f"{kind} {iid}" if kind in ("fund", "quantity") and iid else ""


def _id_field(kind: str) -> str:
    """The column holding a row's item id (the project id for project-level rows)."""
    return "project" if kind in PROJECT_LEVEL else "item"


def _index(columns: Sequence[Column], fld: str) -> int:
    return next(j for j, c in enumerate(columns) if c.field == fld)


def _sheet_rows(wb: Any, path: Path, name: str, columns: Sequence[Column]) -> Iterator[tuple[int, Row]]:
    """The rows from FIRST_ROW on of sheet `name` that hold any value, as (row number, the first
    len(columns) cells), after its header row is checked against `columns`. Streamed: a value
    typed in row 1,048,576 costs one row, not a million."""
    if name not in wb.sheetnames:
        raise ReportError("bad-layout", f"sheet {name!r} is missing (sheets: {', '.join(wb.sheetnames)})",
                          file=path, params={"case": "sheet", "sheet": name, "sheets": "、".join(wb.sheetnames)})
    width = len(columns)
    header: Row | None = None
    for r, row in enumerate(wb[name].iter_rows(min_row=HEADER_ROW, max_col=width), start=HEADER_ROW):
        if r == HEADER_ROW:
            header = row
            _check_header(columns, row, path, name)
            continue
        if header is None:
            _check_header(columns, (), path, name)
        if any(c is not None and c.value is not None for c in row):
            yield r, tuple(row) + (None,) * (width - len(row))
    if header is None:
        _check_header(columns, (), path, name)


def _check_header(columns: Sequence[Column], row: Row, path: Path, sheet: str) -> None:
    for j, col in enumerate(columns, start=1):
        ref = f"{get_column_letter(j)}{HEADER_ROW}"
        got = _text(_value(row[j - 1], path, sheet, ref)) if j <= len(row) else None
        if got != col.header:
            raise ReportError("bad-layout", f"column {get_column_letter(j)} should be headed "
                              f"{col.header!r}, found {got!r}: the sheet layout was changed",
                              file=path, sheet=sheet, cell=ref,
                              params={"case": "header", "column": get_column_letter(j), "header": col.header,
                                      "got": repr(got)})


def _values(row: Row, path: Path, name: str, columns: Sequence[Column], r: int,
            ids: Mapping[str, str | None], item: str = "") -> dict[str, Any]:
    """The typed fill-in values of row `r` (blank cells left out); `item` prefixes an error's message."""
    out: dict[str, Any] = {}
    for j, col in enumerate(columns):
        if not col.fill:
            continue
        ref = _cell_ref(columns, col.field, r)
        c = row[j]
        v = _value(c, path, name, ref)
        if _text(v) is None:
            continue
        try:
            out[col.field] = _cell_value(col, v, str(getattr(c, "number_format", "") or ""))
        except ValueError as e:
            raise ReportError(f"bad-{col.kind}", f"{item + ': ' if item else ''}{col.header}: {e}", file=path,
                              sheet=name, cell=ref, params=_cell_params(e, col, item),
                              **ids) from None  # type: ignore[arg-type]
    return out


def _answers(wb: Any, path: Path) -> list[tuple[int, AnswerRow]]:
    """问题整改: the unit's answer to each listed problem that it filled in."""
    name = t("report.sheet.answers", "zh")
    out: list[tuple[int, AnswerRow]] = []
    seen: dict[str, int] = {}
    for r, row in _sheet_rows(wb, path, name, ANSWER_COLUMNS):
        pid = _text(_value(row[0], path, name, f"A{r}"))
        project = _text(_value(row[1], path, name, f"B{r}"))
        values = _values(row, path, name, ANSWER_COLUMNS, r, {"project": project})
        if not values:
            continue
        if pid is None:
            raise ReportError("missing-id", "an answer on a row without its problem id", file=path, sheet=name,
                              cell=f"A{r}", params={"case": "answer"})
        if pid in seen:
            raise ReportError("duplicate-row", f"problem {pid} is already answered on row {seen[pid]}",
                              file=path, sheet=name, cell=f"A{r}",
                              params={"case": "answer", "id": pid, "row": seen[pid]})
        seen[pid] = r
        out.append((r, AnswerRow(pid, values.get("situation") or "", values.get("measures") or "",
                                 values.get("promised"))))
    return out


def _raised(wb: Any, path: Path) -> list[tuple[int, RaiseRow]]:
    """新增问题: each filled row is a problem the unit raises (project and description required)."""
    name = t("report.sheet.raise", "zh")
    out: list[tuple[int, RaiseRow]] = []
    for r, row in _sheet_rows(wb, path, name, RAISE_COLUMNS):
        values = _values(row, path, name, RAISE_COLUMNS, r, {})
        if not values:
            continue
        project, text = values.get("project"), values.get("description")
        if not project or not text:
            fld = "project" if not project else "description"
            raise ReportError("missing-id", t("report.raise.incomplete", "zh"), file=path, sheet=name,
                              cell=_cell_ref(RAISE_COLUMNS, fld, r), project=project,
                              params={"template": "report.raise.incomplete"})
        out.append((r, RaiseRow(project, text, values.get("milestone") or None, values.get("measures") or "",
                                values.get("promised"), bool(values.get("needs_county")),
                                values.get("county_matters") or "")))
    return out


REPORT_DATES = (dt.date(2015, 1, 1), dt.date(2035, 12, 31))
"""Dates a report may hold: the calendars' years, as the template's date validation says; a date
outside them would make every later weekly run fail (the calendar cannot count it)."""


def _cell_value(col: Column, v: Any, number_format: str) -> Any:
    if col.kind == "date":
        d = _as_date(v)
        if not REPORT_DATES[0] <= d <= REPORT_DATES[1]:
            raise CellValueError(f"{d} is outside the calendars' years ({REPORT_DATES[0]}..{REPORT_DATES[1]})",
                                 "date-range", value=d, first=REPORT_DATES[0], last=REPORT_DATES[1])
        return d
    if col.kind == "percent":
        x = _as_number(v, percent_format=number_format.endswith("%"))
        if not 0 <= x <= 100:
            raise CellValueError(f"percent {x:g} is outside 0..100", "percent-range", value=f"{x:g}")
        return x
    if col.kind in ("money", "quantity"):
        x = _as_number(v)
        if x < 0:
            raise CellValueError(f"{'amount' if col.kind == 'money' else 'quantity'} {x:g} is negative", "negative",
                                 value=f"{x:g}")
        return x
    if col.kind == "yesno":
        yn = (_text(v) or "").lower()
        if yn in (YES, "yes", "y", "true", "1"):
            return True
        if yn in (NO, "no", "n", "false", "0"):
            return False
        raise CellValueError(f"{v!r} is not {YES} or {NO}", "yesno", value=repr(v))
    if col.kind in _ENUMS:
        s = _text(v)
        enum = _ENUMS[col.kind]
        try:
            return enum(s or "")
        except ValueError:
            raise CellValueError(f"{'status' if col.kind != 'stage' else 'stage'} {s!r} is not one of "
                                 f"{', '.join(x.value for x in enum)}", "enum", value=repr(s),
                                 choices="、".join(x.value for x in enum)) from None
    s = _text(v) or ""
    bad = control_char(s, multiline=True)
    if bad is not None:
        raise CellValueError(f"the text holds a control character ({bad})", "control", bad=bad)
    if len(s) > MAX_TEXT:
        raise CellValueError(f"the text has {len(s):,} characters (at most {MAX_TEXT:,})", "too-long",
                             n=f"{len(s):,}", limit=f"{MAX_TEXT:,}")
    return "" if s in CLEARED else s


MAX_TEXT = 2_000
"""Longest text a report cell may hold (a 堵点 is a few sentences; outputs wrap or cut it)."""


# -- checking a report against the projects --------------------------------------------------------


def _columns_of(kind: str) -> Sequence[Column]:
    return next(cols for k, _label, cols in SHEETS if k == kind)


def validate_report(report: ParsedReport, projects: Sequence[Project], problems: Sequence[Problem] = ()) -> None:
    """Check a parsed report against the projects as they stand (earlier reports applied): known
    ids, the unit's permission (PermissionRefused naming every item it may not touch), that the
    reported values make a valid project (dates, percent, the investment plan), that each answer is
    to a problem of the unit and each new problem is on a project it answers for."""
    _validate_problems(report, projects, problems)
    pmap = {p.id: p for p in projects}
    path = report.path
    sunday = report.monday + dt.timedelta(days=6)
    refused: list[tuple[str, str, str, dict[str, str | None]]] = []
    for row, r in zip(report.rows, report.row_numbers, strict=True):
        cols = _columns_of(row.item_kind)
        sheet = sheet_name(row.item_kind)
        id_ref = _cell_ref(cols, _id_field(row.item_kind), r)
        ids = _ids(row)
        p = pmap.get(row.project)
        if p is None:
            raise ReportError("unknown-project", f"no project {row.project} is loaded", file=path, sheet=sheet,
                              cell=_cell_ref(cols, "project", r), params={"project": row.project},
                              **ids)  # type: ignore[arg-type]
        if row.item_kind == "milestone":
            try:
                owner = milestone_unit(p, p.milestone(row.item_id))
            except KeyError:
                raise ReportError("unknown-milestone", f"project {p.id} has no milestone {row.item_id}",
                                  file=path, sheet=sheet, cell=id_ref,
                                  params={"case": "report", "project": p.id, "milestone": row.item_id},
                                  **ids) from None  # type: ignore[arg-type]
        elif row.item_kind == "factor":
            fmap = {f.id: f for f in p.factors}
            if row.item_id not in fmap:
                raise ReportError("unknown-factor", f"project {p.id} has no factor requirement {row.item_id}",
                                  file=path, sheet=sheet, cell=id_ref, params={"project": p.id, "factor": row.item_id},
                                  **ids)  # type: ignore[arg-type]
            owner = factor_unit(p, fmap[row.item_id])
        elif row.item_kind == "fund":
            if all(f.id != row.item_id for f in p.money.funds):
                raise ReportError("unknown-fund", f"project {p.id} has no fund source {row.item_id}",
                                  file=path, sheet=sheet, cell=id_ref, params={"project": p.id, "fund": row.item_id},
                                  **ids)  # type: ignore[arg-type]
            owner = p.lead_unit
        elif row.item_kind == "quantity":
            q = next((q for q in p.money.quantities if q.id == row.item_id), None)
            if q is None:
                raise ReportError("unknown-quantity", f"project {p.id} has no quantity {row.item_id}",
                                  file=path, sheet=sheet, cell=id_ref,
                                  params={"project": p.id, "quantity": row.item_id}, **ids)  # type: ignore[arg-type]
            owner = quantity_unit(p, q)
        else:
            owner = p.lead_unit
        if owner != report.unit:
            label = f"{row.project}/{row.item_id}" if row.item_kind not in PROJECT_LEVEL else row.project
            refused.append((f"{label} ({t('report.kind.' + row.item_kind, 'zh')}, {owner})", sheet, id_ref, ids))
    if refused:
        _label, sheet, cell, ids = refused[0]
        raise PermissionRefused(
            "not-responsible",
            f"unit {report.unit} may only report on its own items; it is not responsible for "
            f"{len(refused)}: {'; '.join(x[0] for x in refused)}", file=path, sheet=sheet, cell=cell,
            params={"unit": report.unit, "n": len(refused), "items": "；".join(x[0] for x in refused)},
            **ids)  # type: ignore[arg-type]
    for row, r in zip(report.rows, report.row_numbers, strict=True):
        _validate_values(report, pmap[row.project], row, r, sunday)


def _validate_problems(report: ParsedReport, projects: Sequence[Project], problems: Sequence[Problem]) -> None:
    known = {pr.id: pr for pr in problems}
    sheet = t("report.sheet.answers", "zh")
    for a, r in zip(report.answers, report.answer_rows, strict=True):
        pr = known.get(a.problem)
        if pr is None:
            raise ReportError("unknown-problem", t("report.problem.unknown", "zh", id=a.problem), file=report.path,
                              sheet=sheet, cell=f"A{r}", params={"id": a.problem})
        if pr.unit != report.unit:
            raise PermissionRefused("not-responsible", t("report.problem.not_yours", "zh", id=pr.id, unit=pr.unit),
                                    file=report.path, sheet=sheet, cell=f"A{r}", project=pr.project,
                                    params={"template": "report.problem.not_yours", "id": pr.id, "unit": pr.unit})
    sheet = t("report.sheet.raise", "zh")
    mine = answers_for(projects, report.unit)
    pmap = {p.id: p for p in projects}
    for x, r in zip(report.raised, report.raise_rows, strict=True):
        if x.project not in pmap:
            raise ReportError("unknown-project", f"no project {x.project} is loaded", file=report.path, sheet=sheet,
                              cell=_cell_ref(RAISE_COLUMNS, "project", r), project=x.project,
                              params={"project": x.project})
        if x.project not in mine:
            raise PermissionRefused("not-responsible", t("report.raise.not_yours", "zh", project=x.project,
                                                         unit=report.unit),
                                    file=report.path, sheet=sheet, cell=_cell_ref(RAISE_COLUMNS, "project", r),
                                    project=x.project, params={"template": "report.raise.not_yours",
                                                               "project": x.project, "unit": report.unit})
        if x.milestone and all(m.id != x.milestone for m in pmap[x.project].milestones):
            raise ReportError("unknown-milestone", f"project {x.project} has no milestone {x.milestone}",
                              file=report.path, sheet=sheet, cell=_cell_ref(RAISE_COLUMNS, "milestone", r),
                              project=x.project, milestone=x.milestone,
                              params={"case": "report", "project": x.project, "milestone": x.milestone})


# -- plausibility: values that look wrong are not applied, and the receipt says why ------------------


QUANTITY_RATIO_MAX = 1.5
"""A quantity's cumulative done above this many times its target looks wrong (a measure mixed up:
米 for 公里); the default of `[reporting] quantity_ratio_max`."""


def plausible(report: ParsedReport, projects: Sequence[Project], *, ratio_max: float = 100.0,
              quantity_ratio_max: float = QUANTITY_RATIO_MAX) -> tuple[ParsedReport, list[Ignored]]:
    """The report without the values that look wrong, and what was left out and why: an actual
    date (start, finish, approval, commencement) after the report's week; a percent complete below
    what is already reported (going backwards); an investment of `ratio_max` times the month's plan
    or more, or a fund amount of `ratio_max` times the fund's issued total or more (元 typed for 万元);
    a quantity's cumulative done below what is already reported or above `quantity_ratio_max` times
    its target. Rows of unknown items are passed on untouched (validate_report refuses them)."""
    pmap = {p.id: p for p in projects}
    sunday = report.monday + dt.timedelta(days=6)
    ignored: list[Ignored] = []
    rows: list[ReportRow] = []
    for row, r in zip(report.rows, report.row_numbers, strict=True):
        cols = _columns_of(row.item_kind)
        sheet = sheet_name(row.item_kind)
        p = pmap.get(row.project)
        bad: list[tuple[str, Any, str, dict[str, object]]] = []
        for fld in ("actual_start", "actual_finish", "approved", "commenced"):
            v = getattr(row, fld)
            if v is not None and v > sunday:
                bad.append((fld, v, "receipt.why.future", {"monday": report.monday, "sunday": sunday}))
        if p is not None and row.item_kind == "milestone" and row.percent is not None:
            m = next((x for x in p.milestones if x.id == row.item_id), None)
            if m is not None:
                was = 100.0 if m.actual_finish else m.percent
                if was is not None and row.percent < was and row.actual_finish is None:
                    bad.append(("percent", row.percent, "receipt.why.backwards", {"old": f"{was:g}"}))
        if p is not None and row.item_kind == "project" and row.investment_week and p.investment is not None:
            inv = p.investment
            plan = inv.month_plan(report.monday.month) if inv.year == report.monday.year else 0.0
            ref = plan if plan > 0 else float(inv.annual_plan) / 12
            if ref > 0 and row.investment_week >= ratio_max * ref:
                bad.append(("investment_week", row.investment_week, "receipt.why.yuan", {
                    "plan": ref, "ratio": f"{row.investment_week / ref:,.0f}",
                    "wan": round(row.investment_week / 10_000, 2)}))
        if p is not None and row.item_kind == "fund":
            bad += _implausible_fund(p, row, ratio_max)
        if p is not None and row.item_kind == "quantity" and row.quantity_done is not None:
            q = next((x for x in p.money.quantities if x.id == row.item_id), None)
            if q is not None and row.quantity_done < q.done:
                bad.append(("quantity_done", row.quantity_done, "receipt.why.qty_backwards", {"old": q.done}))
            elif q is not None and row.quantity_done > quantity_ratio_max * q.target:
                bad.append(("quantity_done", row.quantity_done, "receipt.why.qty_over",
                            {"target": q.target, "ratio": f"{quantity_ratio_max:g}"}))
        for fld, value, reason, args in bad:
            label = t(next(c.label for c in cols if c.field == fld), "zh")
            ignored.append(Ignored(sheet, _cell_ref(cols, fld, r), row.project, row.item_id, label, _show(value),
                                   reason, tuple((k, _show(v)) for k, v in args.items())))
        drop: dict[str, Any] = {fld: None for fld, *_ in bad}
        rows.append(replace(row, **drop) if drop else row)
    return replace(report, rows=tuple(rows)), ignored


def _implausible_fund(p: Project, row: ReportRow, ratio_max: float) -> list[tuple[str, Any, str, dict[str, object]]]:
    """A fund row's amounts of `ratio_max` times the fund's issued total or more (the issued total
    so far, for 本周下达; with this week's issue kept, for 到位 and 支付; the approved `amount` when
    nothing is issued yet; no check without either)."""
    f = next((x for x in p.money.funds if x.id == row.item_id), None)
    if f is None:
        return []
    out: list[tuple[str, Any, str, dict[str, object]]] = []
    issued = float(sum(f.issued.values()))
    for fld in FUND_FIELDS:
        amount = getattr(row, fld)
        ref = issued if issued > 0 else float(f.amount or 0.0)
        if amount and ref > 0 and amount >= ratio_max * ref:
            out.append((fld, amount, "receipt.why.fund_yuan", {"ref": ref, "ratio": f"{amount / ref:,.0f}",
                                                                "wan": round(amount / 10_000, 2)}))
        elif fld == "issued_week" and amount:
            issued += amount
    return out


def _show(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if not v.is_integer() else f"{v:,.0f}"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _ids(row: ReportRow) -> dict[str, str | None]:
    return _kind_ids(row.item_kind, row.project, row.item_id)


def _validate_values(report: ParsedReport, p: Project, row: ReportRow, r: int, sunday: dt.date) -> None:
    cols = _columns_of(row.item_kind)
    sheet = sheet_name(row.item_kind)
    ids = _ids(row)

    def err(kind: str, fld: str, msg: str, **params: object) -> ReportError:
        return ReportError(kind, msg, file=report.path, sheet=sheet, cell=_cell_ref(cols, fld, r), params=params,
                           **ids)  # type: ignore[arg-type]

    if row.item_kind == "milestone":
        try:
            overlay_milestone(p.milestone(row.item_id), row)
        except ModelError as e:
            fld = e.key if e.key in ("actual_start", "actual_finish", "percent") else "actual_start"
            raise err(e.kind, fld, e.message, **e.params) from None
    elif row.item_kind == "fund":
        f = next(x for x in p.money.funds if x.id == row.item_id)
        try:
            overlay_fund(f, row, report.monday.strftime("%Y-%m"))
        except ModelError as e:
            fld = "paid_week" if e.key == "paid" else "received_week"
            raise err(e.kind, fld, f"{e.message}, after this week's amounts",
                      **{**e.params, "after": "（计入本周数额后）"}) from None
    elif row.item_kind == "statistics":
        if row.statistics_date is not None and row.statistics_date > sunday:
            raise err("future-date", "statistics_date", f"the statistics date {row.statistics_date} is after "
                      f"the report week's Sunday {sunday} (入库/纳统日期不能晚于报表周)",
                      value=row.statistics_date, sunday=sunday)
    elif row.item_kind == "project":
        if row.investment_week is not None:
            if p.investment is None:
                raise err("no-investment-plan", "investment_week", f"project {p.id} has no investment plan",
                          project=p.id)
            if report.monday.year != p.investment.year:
                raise err("bad-investment", "investment_week", f"week {report.week} lies outside the "
                          f"investment plan year {p.investment.year}", case="year-outside", week=report.week,
                          year=p.investment.year)
            done = sum(p.investment.completed.values())
            if done + row.investment_week > p.investment.total:
                raise err("bad-investment", "investment_week", f"{row.investment_week:,.2f} 万元 this week on "
                          f"top of {done:,.2f} completed exceeds the project's total investment "
                          f"{p.investment.total:,.2f} 万元", case="over-total", value=f"{row.investment_week:,.2f}",
                          done=f"{done:,.2f}", total=f"{p.investment.total:,.2f}")




# -- a report typed into the web form --------------------------------------------------------------

FormEntry = tuple[str, str, str, int, Mapping[str, Any]]
"""(item kind, project id, item id, the sheet row it stands for, {field: value typed}) of one form row."""


def report_from_values(unit: str, week: str, entries: Sequence[FormEntry], *, source: str) -> ParsedReport:
    """A report typed into the web workplace's form, read exactly as a filled sheet's cells are
    (the same conversions, ranges and errors, each naming the sheet and cell the value would have in
    the unit's template): the form's rows in the template's order. `source` names it in errors and
    is stored as its file name; the digest is over the values, so the same values again store nothing."""
    import json

    week = normalize_week(week)
    path = Path(source)
    rows: list[ReportRow] = []
    numbers: list[int] = []
    seen: set[tuple[str, str, str]] = set()
    canon: list[Any] = []
    for kind, pid, iid, r, raw in entries:
        if kind not in {k for k, _label, _cols in SHEETS}:
            raise ReportError("bad-layout", f"the form names no sheet of kind {kind[:40]!r}", file=path,
                              params={"case": "form", "value": repr(kind[:40])})
        columns = _columns_of(kind)
        name = sheet_name(kind)
        ids = _kind_ids(kind, pid, iid)
        item = _item_label(kind, iid)
        if (kind, pid, iid) in seen:
            raise ReportError("duplicate-row", f"{pid}/{iid} is reported twice", file=path, sheet=name,
                              cell=_cell_ref(columns, _id_field(kind), r),
                              params={"case": "twice", "item": f"{pid}/{iid}"}, **ids)  # type: ignore[arg-type]
        seen.add((kind, pid, iid))
        values: dict[str, Any] = {}
        for col in columns:
            v = raw.get(col.field)
            if not col.fill or _text(v) is None:
                continue
            try:
                values[col.field] = _cell_value(col, v, "")
            except ValueError as e:
                raise ReportError(f"bad-{col.kind}", f"{item + ': ' if item else ''}{col.header}: {e}", file=path,
                                  sheet=name, cell=_cell_ref(columns, col.field, r),
                                  params=_cell_params(e, col, item), **ids) from None  # type: ignore[arg-type]
        rows.append(ReportRow(pid, kind, iid, **values))
        numbers.append(r)
        canon.append([kind, pid, iid, {k: str(v) for k, v in sorted(values.items())}])
    digest = hashlib.sha256(json.dumps([unit, week, canon], ensure_ascii=False).encode()).hexdigest()
    return ParsedReport(path, digest, unit, week, tuple(rows), tuple(numbers))
