"""Weekly reports as values and their overlay on the projects (pure): a unit's report of a week
is a set of rows (a milestone's progress, a factor's status, a project's investment this week, a
fund's 下达/到位/支付 this week, a quantity's cumulative done, a project's stage and 入库纳统);
the latest version of each unit and week is applied in week order, later values over earlier ones.
Reading the sheets is io/reports.py, storing them store/reports.py."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scheduler.core.findings import week_monday
from scheduler.core.model import (
    FactorRequirement,
    FactorStatus,
    FundSource,
    InvestmentPlan,
    Milestone,
    ModelError,
    Money,
    Project,
    Quantity,
    Stage,
    StatsStatus,
)
from scheduler.strings import Said, t

ITEM_KINDS = ("milestone", "factor", "project", "fund", "quantity", "statistics")
"""What a report row is about; `project` (investment) and `statistics` (stage, 入库纳统) rows are
about the project itself (item id = project id), `fund` and `quantity` rows about one of its
fund sources or quantities (item id = its id)."""
PROJECT_LEVEL = ("project", "statistics")
FUND_FIELDS = ("issued_week", "received_week", "paid_week")
"""A fund row's amounts this week (万元) and the fund's month tables they add to."""
FUND_TABLE = {"issued_week": "issued", "received_week": "received", "paid_week": "paid"}


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One reported item: a milestone's progress, a factor's status, or a project's investment
    this week. None = not reported; blocker "" = cleared."""

    project: str
    item_kind: str
    item_id: str
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    percent: float | None = None
    investment_week: float | None = None
    factor_status: FactorStatus | None = None
    expected: dt.date | None = None
    blocker: str | None = None
    approved: dt.date | None = None
    """A factor's actual approval date (实际批复日期): the factor is 已批复 from then on."""
    issued_week: float | None = None
    """A fund's amount issued (下达) this week, 万元; added to the month of the week's Monday."""
    received_week: float | None = None
    """到位 this week (万元)."""
    paid_week: float | None = None
    """支付 this week (万元)."""
    quantity_done: float | None = None
    """A quantity's cumulative done to date (累计完成), in its measure."""
    stage: Stage | None = None
    statistics: StatsStatus | None = None
    statistics_date: dt.date | None = None
    """The date of 入库 or 纳统 (as `statistics` says)."""
    commenced: dt.date | None = None
    """实际开工日期: the 入库纳统 clock starts here."""

    @property
    def has_values(self) -> bool:
        """Reports anything at all."""
        return any(v is not None for v in (self.actual_start, self.actual_finish, self.percent,
                                           self.investment_week, self.factor_status, self.expected,
                                           self.blocker, self.approved, self.issued_week, self.received_week,
                                           self.paid_week, self.quantity_done, self.stage, self.statistics,
                                           self.statistics_date, self.commenced))


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """A unit's answer to one of its problems in its weekly sheet (问题整改)."""

    problem: str
    situation: str = ""
    measures: str = ""
    promised: dt.date | None = None


@dataclass(frozen=True, slots=True)
class RaiseRow:
    """A new problem a unit raises in its weekly sheet (新增问题)."""

    project: str
    description: str
    milestone: str | None = None
    measures: str = ""
    promised: dt.date | None = None
    needs_county: bool = False
    county_matters: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One value a report changed: where (sheet, project, item), which field (strings key), from
    what to what (as text)."""

    sheet: str
    project: str
    item: str
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """A value a report gave that ingest did not apply, and why (a strings key and its values)."""

    sheet: str
    cell: str
    project: str
    item: str
    field: str
    value: str
    reason: str
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    """One unit's report of one week (a stored version) with its rows."""

    id: int
    unit: str
    week: str
    version: int
    filename: str
    digest: str
    received_at: dt.datetime | None
    rows: tuple[ReportRow, ...] = field(default=())



@dataclass(frozen=True, slots=True)
class AppliedReports:
    """Projects with the reports overlaid, which reports were used, and what could not be applied."""

    projects: list[Project]
    report_ids: tuple[int, ...]
    warnings: tuple[str, ...]


def overlay_milestone(m: Milestone, row: ReportRow) -> Milestone:
    """The milestone with a report row's progress over it (ModelError when that is invalid)."""
    return replace(m, actual_start=row.actual_start or m.actual_start,
                   actual_finish=row.actual_finish or m.actual_finish,
                   percent=row.percent if row.percent is not None else m.percent)


def _overlay_factor(f: FactorRequirement, row: ReportRow) -> FactorRequirement:
    if row.approved is not None:
        return replace(f, status=FactorStatus.APPROVED, approved=row.approved,
                       blocker=f.blocker if row.blocker is None else (row.blocker or None))
    return replace(f, status=row.factor_status or f.status,
                   expected=row.expected or f.expected,
                   blocker=f.blocker if row.blocker is None else (row.blocker or None))


def overlay_fund(f: FundSource, row: ReportRow, month: str) -> FundSource:
    """The fund with a row's amounts of this week added to `month` (YYYY-MM): ModelError
    (`bad-fund`, key received/paid) when more is then received than issued or paid than received."""
    tables: dict[str, Any] = {}
    for fld in FUND_FIELDS:
        amount = getattr(row, fld)
        if amount:
            name = FUND_TABLE[fld]
            t = tables.setdefault(name, dict(getattr(f, name)))
            t[month] = float(t.get(month, 0.0)) + float(amount)
    return replace(f, **tables) if tables else f


def overlay_quantity(q: Quantity, row: ReportRow) -> Quantity:
    """The quantity with its reported cumulative done (ModelError when that is invalid)."""
    return q if row.quantity_done is None else replace(q, done=float(row.quantity_done))


def overlay_statistics(money: Money, row: ReportRow) -> Money:
    """The project's stage, 入库纳统 status and date, and commencement as reported (blank: kept)."""
    return replace(money, stage=row.stage or money.stage, statistics=row.statistics or money.statistics,
                   statistics_date=row.statistics_date or money.statistics_date,
                   commenced=row.commenced or money.commenced)


def overlay_money(money: Money, row: ReportRow, month: str) -> Money:
    """The project's money data with one fund, quantity or statistics row over it; KeyError when the
    row names a fund or quantity the project does not have, ModelError when the result is invalid."""
    if row.item_kind == "statistics":
        return overlay_statistics(money, row)
    if row.item_kind == "fund":
        i = next((i for i, f in enumerate(money.funds) if f.id == row.item_id), None)
        if i is None:
            raise KeyError(row.item_id)
        funds = list(money.funds)
        funds[i] = overlay_fund(funds[i], row, month)
        return replace(money, funds=tuple(funds))
    j = next((j for j, q in enumerate(money.quantities) if q.id == row.item_id), None)
    if j is None:
        raise KeyError(row.item_id)
    qs = list(money.quantities)
    qs[j] = overlay_quantity(qs[j], row)
    return replace(money, quantities=tuple(qs))


def _note(rep: WeeklyReport, row: ReportRow | None, text: str, key: str, **kw: object) -> Said:
    """A report row (or report) skipped by the overlay, said in English and, by its label, in Chinese."""
    item = f"{row.project}/{row.item_id}" if row is not None else ""
    return Said(f"report {rep.id} ({rep.unit} {rep.week} v{rep.version}){' ' if item else ''}{item}: {text}",
                "report.note",
                id=rep.id, unit=rep.unit, week=rep.week, version=rep.version, item=item, what=t(key, "zh", **kw))


def apply_reports(projects: Sequence[Project], reports: Sequence[WeeklyReport]) -> AppliedReports:
    """Overlay reports (already the latest version per unit and week, in week order) on the
    projects with dataclasses.replace: actual dates, percent, factor status/expected/blocker, each
    week's investment and fund amounts added to the month of its Monday, a quantity's cumulative
    done, the stage and 入库纳统. A row that would make a project invalid (or names what no longer
    exists) is skipped with a warning, never raised."""
    ms: dict[tuple[str, str], Milestone] = {(p.id, m.id): m for p in projects for m in p.milestones}
    fs: dict[tuple[str, str], FactorRequirement] = {(p.id, f.id): f for p in projects for f in p.factors}
    pmap = {p.id: p for p in projects}
    money: dict[str, Money] = {p.id: p.money for p in projects}
    extra: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    for rep in reports:
        try:
            month = week_monday(rep.week).strftime("%Y-%m")
        except (ValueError, OverflowError):
            notes.append(_note(rep, None, "week not applied", "report.note.week"))
            continue
        for row in rep.rows:
            key = (row.project, row.item_id)
            try:
                if row.item_kind == "milestone" and key in ms:
                    ms[key] = overlay_milestone(ms[key], row)
                elif row.item_kind == "factor" and key in fs:
                    fs[key] = _overlay_factor(fs[key], row)
                elif row.item_kind == "project" and row.project in pmap:
                    if row.investment_week:
                        inv = pmap[row.project].investment
                        if inv is None or int(month[:4]) != inv.year:
                            notes.append(_note(rep, row, "investment outside the project's plan year, not applied",
                                               "report.note.year"))
                            continue
                        acc = extra.setdefault(row.project, {})
                        amount = float(row.investment_week)
                        so_far = sum(inv.completed.values()) + sum(acc.values())
                        if not (math.isfinite(amount) and 0 <= amount and so_far + amount <= inv.total):
                            notes.append(_note(rep, row, f"{amount:g} 万元 would exceed the project's total "
                                                          f"investment {inv.total:g}, not applied",
                                               "report.note.total", amount=f"{amount:g}", total=f"{inv.total:g}"))
                            continue
                        acc[month] = acc.get(month, 0.0) + amount
                elif row.item_kind in ("fund", "quantity", "statistics") and row.project in pmap:
                    try:
                        money[row.project] = overlay_money(money[row.project], row, month)
                    except KeyError:
                        notes.append(_note(rep, row, f"no such {row.item_kind} any more, not applied",
                                           "report.note.gone", kind=row.item_kind))
                else:
                    notes.append(_note(rep, row, f"no such {row.item_kind} any more, not applied", "report.note.gone",
                                       kind=row.item_kind))
            except (ModelError, ValueError, TypeError, OverflowError) as e:
                # a stored row that no longer fits (rules tightened, project changed) is skipped:
                # one unit's report never stops the week of every other unit
                notes.append(_note(rep, row, f"{getattr(e, 'message', e)}, not applied", "report.note.bad",
                                   detail=getattr(e, "message", e)))
    out = []
    for p in projects:
        inv = p.investment
        if inv is not None and p.id in extra:
            done = dict(inv.completed)
            for month, amount in extra[p.id].items():
                done[month] = float(done.get(month, 0.0)) + amount
            try:
                inv = _with_completed(inv, done)
            except ModelError as e:
                notes.append(Said(f"project {p.id}: reported investment not applied ({e.message})",
                                  "report.note.investment", project=p.id, detail=e.message))
        out.append(replace(p, milestones=tuple(ms[(p.id, m.id)] for m in p.milestones),
                           factors=tuple(fs[(p.id, f.id)] for f in p.factors), investment=inv,
                           money=money[p.id]))
    return AppliedReports(out, tuple(r.id for r in reports), tuple(notes))


def _with_completed(inv: InvestmentPlan, done: Mapping[str, float]) -> InvestmentPlan:
    return replace(inv, completed=dict(done))
