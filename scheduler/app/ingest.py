"""Ingesting a unit's weekly report, through either door: a filled sheet (`ingest_report`, the CLI
and the web upload) or the web form (`ingest_form`). Both end in `store_parsed`: read and
type-checked (io), checked against the stored projects with the earlier reports applied (core),
implausible values left out, stored as the next version (store), the answers to its problems and
the problems it raises recorded (store/problems.py), all in one transaction, answered with a
Receipt: what was read, what changed, what was ignored and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine

from scheduler.core.dates import week_text
from scheduler.core.model import DEFAULT_PORTFOLIO, Project
from scheduler.core.problems import Problem
from scheduler.core.reporting import ReportingRules, report_status
from scheduler.core.reports import FUND_FIELDS, ITEM_KINDS, Change, Ignored, ReportRow, apply_reports
from scheduler.errors import PermissionRefused
from scheduler.io.limits import ReadLimits
from scheduler.io.reports import (
    META_SHEET,
    FormEntry,
    ParsedReport,
    parse_report,
    plausible,
    report_from_values,
    sheet_name,
    validate_report,
)
from scheduler.store.db import transaction, utcnow
from scheduler.store.problems import load_problems, raise_problem, record_answer
from scheduler.store.projects import read_projects
from scheduler.store.reports import IngestResult, load_reports, store_report
from scheduler.strings import t


@dataclass(frozen=True, slots=True)
class Receipt:
    """What ingesting one file did, for the unit and the office (printed by `dispatch ingest`, data
    for the web workplace): the stored version, whether it came on time, how many rows of each
    sheet were read, the values that changed, those ignored and why, the answers recorded and the
    problems raised."""

    path: Path
    unit: str
    week: str
    version: int
    report_id: int
    unchanged: bool
    status: str
    """on_time / late against the week's deadline (core/reporting.py)."""
    read: dict[str, int] = field(default_factory=dict)
    """Rows with values per sheet kind: milestone, factor, project, fund, quantity, statistics,
    answer, raise."""
    changes: tuple[Change, ...] = ()
    ignored: tuple[Ignored, ...] = ()
    answered: tuple[str, ...] = ()
    raised: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """Report rows stored (milestones, factors, investment, funds, quantities, stage and 纳统)."""
        return sum(self.read.get(k, 0) for k in ITEM_KINDS)

    def result(self) -> IngestResult:
        """The store's view of it (what `ingest_report` returned before receipts)."""
        return IngestResult(self.path, self.report_id, self.unit, self.week, self.version, self.rows, self.unchanged)

    def to_json(self) -> dict[str, object]:
        """Plain JSON (for the web workplace): the same facts as `lines`, reasons as strings keys
        with their values (render them with strings.t in the reader's language)."""
        return {"file": self.path.name, "unit": self.unit, "week": self.week, "version": self.version,
                "report_id": self.report_id, "unchanged": self.unchanged, "status": self.status,
                "read": dict(self.read),
                "changes": [{"sheet": c.sheet, "project": c.project, "item": c.item, "field": c.field,
                             "old": c.old, "new": c.new} for c in self.changes],
                "ignored": [{"sheet": g.sheet, "cell": g.cell, "project": g.project, "item": g.item,
                             "field": g.field, "value": g.value, "reason": g.reason, "args": dict(g.args)}
                            for g in self.ignored],
                "answered": list(self.answered), "raised": list(self.raised)}

    def lines(self, lang: str) -> list[str]:
        """The receipt as lines in `lang`."""
        head = t("receipt.head", lang, file=self.path.name, unit=self.unit, week=week_text(self.week, lang),
                 version=self.version,
                 status=t(f"reporting.status.{self.status}", lang))
        out = [head]
        if self.unchanged:
            out.append(t("receipt.same", lang, version=self.version))
            return out
        r = self.read
        out.append(t("receipt.read", lang, milestones=r.get("milestone", 0), factors=r.get("factor", 0),
                     projects=r.get("project", 0), answers=r.get("answer", 0), raised=r.get("raise", 0)))
        if any(r.get(k, 0) for k in ("fund", "quantity", "statistics")):
            out.append(t("receipt.read_money", lang, funds=r.get("fund", 0), quantities=r.get("quantity", 0),
                         statistics=r.get("statistics", 0)))
        out.append(t("receipt.changed", lang, n=len(self.changes)))
        for c in self.changes:
            out.append(t("receipt.change", lang, item=f"{c.project}/{c.item}" if c.item != c.project else c.project,
                         field=c.field, old=c.old or "—", new=c.new or "—"))
        for pid in self.answered:
            out.append(t("receipt.answered", lang, id=pid))
        for pid in self.raised:
            out.append(t("receipt.raised", lang, id=pid))
        if self.ignored:
            out.append(t("receipt.ignored", lang, n=len(self.ignored)))
            for g in self.ignored:
                item = f"{g.project}/{g.item}" if g.item and g.item != g.project else g.project
                out.append(t("receipt.ignore", lang, sheet=g.sheet, cell=g.cell, item=item, field=g.field,
                             value=g.value, why=t(g.reason, lang, **dict(g.args))))
        return out


def ingest_report(engine: Engine, path: Path, *, now: dt.datetime | None = None,
                  units: Collection[str] | None = None, rules: ReportingRules | None = None,
                  timezone: str = "Asia/Shanghai", portfolio: str = DEFAULT_PORTFOLIO,
                  sender: str | None = None, limits: ReadLimits | None = None) -> Receipt:
    """Validate one filled report against the stored projects (with the earlier reports applied)
    and store it as the next version, all in one transaction: a refused file stores nothing.
    Implausible values are left out and listed on the receipt. `units`: the units config.toml
    lists; a report from any other unit is refused. `rules`/`timezone`: the reporting deadline.
    Only the portfolio's projects, reports and problems are read and written.
    `sender`: the unit the operator says sent the file (`dispatch ingest --unit`): the file's own
    `_meta` unit can be typed by anyone holding any template, so a file naming another unit is
    refused. `limits`: what reading the file may cost (config [ingest])."""
    parsed = parse_report(Path(path), limits)
    if sender is not None and parsed.unit != sender.strip():
        raise PermissionRefused("not-sender", f"the file is a report of {parsed.unit}, but it was received "
                                f"from {sender.strip()} (--unit): a unit reports only for itself",
                                file=parsed.path, sheet=META_SHEET, cell="B3",
                                params={"unit": parsed.unit, "sender": sender.strip()})
    return store_parsed(engine, parsed, now=now, units=units, rules=rules, timezone=timezone,
                        portfolio=portfolio)


def ingest_form(engine: Engine, unit: str, week: str, entries: Sequence[FormEntry], *, source: str,
                now: dt.datetime | None = None, units: Collection[str] | None = None,
                rules: ReportingRules | None = None, timezone: str = "Asia/Shanghai",
                portfolio: str = DEFAULT_PORTFOLIO,
                after: Callable[[Connection, IngestResult], None] | None = None) -> Receipt:
    """A report typed into the web form: read as a sheet's cells are, then stored as `ingest_report` does."""
    return store_parsed(engine, report_from_values(unit, week, entries, source=source), now=now, units=units,
                        rules=rules, timezone=timezone, portfolio=portfolio, after=after)


def store_parsed(engine: Engine, parsed: ParsedReport, *, now: dt.datetime | None = None,
                 units: Collection[str] | None = None, rules: ReportingRules | None = None,
                 timezone: str = "Asia/Shanghai", portfolio: str = DEFAULT_PORTFOLIO,
                 after: Callable[[Connection, IngestResult], None] | None = None) -> Receipt:
    """The one path every report takes once read (the sheet's and the web form's): the unit listed,
    the rows valid against the projects they name (earlier reports applied), implausible values
    left out, stored as the next version with its answers and raised problems — or nothing stored.
    `after` runs inside the same transaction (the web workplace's audit line)."""
    if units is not None and parsed.unit not in units:
        raise PermissionRefused("unknown-unit", f"unit {parsed.unit} is not listed in config.toml [units]: reports "
                                "are accepted from listed units only", file=parsed.path, sheet=META_SHEET, cell="B3",
                                params={"unit": parsed.unit})
    rules = rules or ReportingRules()
    when = now or utcnow()
    with transaction(engine) as conn:
        # only what the report names: the projects of its rows and of the problems it raises, the
        # problems it answers (all of them only when it raises one: a repeat is not raised twice)
        touched = sorted({row.project for row in parsed.rows} | {x.project for x in parsed.raised})
        projects = read_projects(conn, touched, portfolio=portfolio) if touched else []
        earlier = load_reports(conn, week_max=parsed.week, exclude=(parsed.unit, parsed.week), portfolio=portfolio,
                               projects=touched)
        state = apply_reports(projects, earlier).projects
        answered_ids = sorted({a.problem for a in parsed.answers})
        problems = (list(load_problems(conn, portfolio=portfolio).values()) if parsed.raised else
                    list(load_problems(conn, answered_ids, portfolio=portfolio).values()) if answered_ids else [])
        kept, ignored = plausible(parsed, state, ratio_max=rules.investment_ratio_max,
                                  quantity_ratio_max=rules.quantity_ratio_max)
        validate_report(kept, state, problems)
        stored = store_report(conn, kept, now=when, portfolio=portfolio)
        answered: list[str] = []
        raised: list[str] = []
        if not stored.unchanged:
            answered, more = _answers(conn, kept, problems, when)
            ignored += more
            raised = _raise(conn, kept, problems, when, portfolio)
        if after is not None:
            after(conn, stored)
    status = report_status(when, rules.deadline(parsed.week, timezone))
    read = {k: sum(1 for r in kept.rows if r.item_kind == k and r.has_values) for k in ITEM_KINDS}
    read["answer"], read["raise"] = len(kept.answers), len(kept.raised)
    return Receipt(parsed.path, parsed.unit, parsed.week, stored.version, stored.report_id, stored.unchanged, status,
                   read, tuple(changes(kept.rows, state)), tuple(ignored), tuple(answered), tuple(raised))


def _answers(conn: Connection, report: ParsedReport, problems: Sequence[Problem], when: dt.datetime,
             ) -> tuple[list[str], list[Ignored]]:
    """Record each answer on its problem for the report's week; answers to problems no longer
    open are not recorded (listed as ignored)."""
    known = {p.id: p for p in problems}
    sheet = t("report.sheet.answers", "zh")
    done, ignored = [], []
    for a, r in zip(report.answers, report.answer_rows, strict=True):
        p = known[a.problem]
        if not p.is_open:
            ignored.append(Ignored(sheet, f"A{r}", p.project, p.id, t("report.col.problem_id", "zh"), p.id,
                                   "receipt.why.closed"))
            continue
        record_answer(conn, p.id, report.week, unit=report.unit, situation=a.situation, measures=a.measures,
                      promised=a.promised, at=when)
        done.append(p.id)
    return done, ignored


def _raise(conn: Connection, report: ParsedReport, problems: Sequence[Problem], when: dt.datetime,
           portfolio: str) -> list[str]:
    """Raise each new problem (a second version of the week raising the same text again does not
    raise it twice)."""
    open_manual = {(p.project, p.description.strip()) for p in problems if p.source == "manual" and p.is_open}
    out = []
    for x in report.raised:
        if (x.project, x.description.strip()) in open_manual:
            continue
        p = raise_problem(conn, x.project, x.description, unit=report.unit, week=report.week, by=report.unit,
                          due=x.promised, measures=x.measures, needs_county=x.needs_county,
                          county_matters=x.county_matters, milestone=x.milestone, at=when, portfolio=portfolio)
        open_manual.add((x.project, x.description.strip()))
        out.append(p.id)
    return out


def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(getattr(v, "value", v))


def changes(rows: Sequence[ReportRow], state: Sequence[Project]) -> list[Change]:
    """What the rows change against the projects as they stood (earlier reports applied): each
    field given whose value differs, old and new as text; an amount of this week (investment, a
    fund's 下达/到位/支付) is always a change."""
    pmap = {p.id: p for p in state}
    out: list[Change] = []
    fields = {"milestone": ("actual_start", "actual_finish", "percent"),
              "factor": ("factor_status", "expected", "blocker", "approved"),
              "quantity": ("quantity_done",),
              "statistics": ("stage", "commenced", "statistics", "statistics_date")}
    current = {"factor_status": "status", "quantity_done": "done"}
    for row in rows:
        p = pmap.get(row.project)
        if p is None:
            continue
        sheet = sheet_name(row.item_kind)
        if row.item_kind in ("project", "fund"):
            for fld in ("investment_week",) if row.item_kind == "project" else FUND_FIELDS:
                if getattr(row, fld):
                    out.append(Change(sheet, p.id, row.item_id, t(f"report.col.{fld}", "zh"), "",
                                      f"+{_fmt(getattr(row, fld))}"))
            continue
        cur: object
        if row.item_kind == "milestone":
            cur = next((m for m in p.milestones if m.id == row.item_id), None)
        elif row.item_kind == "factor":
            cur = next((f for f in p.factors if f.id == row.item_id), None)
        elif row.item_kind == "quantity":
            cur = next((q for q in p.money.quantities if q.id == row.item_id), None)
        else:
            cur = p.money
        if cur is None:
            continue
        for fld in fields[row.item_kind]:
            new = getattr(row, fld)
            if new is None:
                continue
            old = getattr(cur, current.get(fld, fld))
            if fld == "blocker" and new == "" and not old:
                continue
            if _fmt(old) != _fmt(new):
                out.append(Change(sheet, p.id, row.item_id, t(f"report.col.{fld}", "zh"), _fmt(old),
                                  _fmt(new) if new != "" else t("receipt.cleared", "zh")))
    return out
