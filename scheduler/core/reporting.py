"""Who reported (报送情况), and what the weekly check does with data nobody refreshed. PURE.

- The report of ISO week W is the status as of W's Monday; it is due at the deadline
  (`ReportingRules.deadline`, default Friday 17:00 in the configured timezone) of the week BEFORE W,
  so that the Monday run of W has it. A unit's status for W: `on_time` when its first version of W
  was received at or before the deadline, `late` when after, `missing` when there is none.
- The units expected to report W are those answering for an open item (an unfinished milestone,
  a factor requirement not approved, the investment of a project they lead), from the first
  required week (`first_week`) on; before it the project files are the status and nobody is
  missing.
- 未报送 is never read as zero progress. A unit that has not reported W when W is run is
  *missing*: every finding whose evidence is that unit's data is not computed afresh but carried
  from the previous run, with its light, marked stale (`details["stale"]`); a finding that would be
  new (or worse) only because time passed over the missing data is not raised. Which findings
  depend on whom: finish/start overdue on the milestone's unit; a factor finding on the factor's
  unit; investment on the project's lead unit; slip, deadline and physical progress on every unit
  answering for an open milestone of the project (the project's forecast is built from all of
  them). docs/reporting.md works the rule through for the clerk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import compress
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from scheduler.core import cpm
from scheduler.core.findings import Finding, FindingKind, Light, iso_week, week_monday
from scheduler.core.model import FactorStatus

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATUSES = ("on_time", "late", "missing")
_DEADLINE_RE = re.compile(r"^\s*(mon|tue|wed|thu|fri|sat|sun)\w*\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ReportingRules:
    """When the weekly sheets are due and how ingest judges plausibility ([reporting] in config)."""

    first_week: str | None = None
    """The first ISO week whose report every unit must send; None: reports are never required
    (nobody is missing, nothing is carried)."""
    deadline_day: int = 4
    """0 = Monday .. 6 = Sunday, of the week before the report's week (4: Friday)."""
    deadline_time: dt.time = dt.time(17, 0)
    remind_cron: str = "0 9 * * fri"
    """When the reminder goes to the units that have not reported yet (crontab, configured zone)."""
    investment_ratio_max: float = 100.0
    """An investment this many times the month's plan (or more) looks like 元 typed for 万元."""
    quantity_ratio_max: float = 1.5
    """A quantity's cumulative done above this many times its target looks wrong (left out)."""

    @staticmethod
    def parse_deadline(text: str) -> tuple[int, dt.time]:
        """'fri 17:00' -> (4, 17:00); ValueError for anything else."""
        m = _DEADLINE_RE.match(text)
        if not m:
            raise ValueError(f"deadline {text!r} is not a weekday and a time such as 'fri 17:00'")
        day = WEEKDAYS.index(m.group(1)[:3].lower())
        return day, dt.time(int(m.group(2)), int(m.group(3)))

    def required(self, week: str) -> bool:
        """Whether the units must report `week` (ISO labels compare as text within a format)."""
        return self.first_week is not None and week_monday(week) >= week_monday(self.first_week)

    def deadline(self, week: str, tz: str) -> dt.datetime:
        """The deadline of the report of `week`: deadline_day/time of the week before, in `tz`."""
        day = week_monday(week) - dt.timedelta(days=7 - self.deadline_day)
        return dt.datetime.combine(day, self.deadline_time, tzinfo=ZoneInfo(tz))


def collecting_week(now: dt.datetime, tz: str) -> str:
    """The report week being collected at `now`: the week after now's week in `tz` (its sheet is
    due this week)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return iso_week(today + dt.timedelta(days=7))


def report_status(first_received: dt.datetime | None, deadline: dt.datetime) -> str:
    """on_time / late / missing of one unit's report given when its first version arrived."""
    if first_received is None:
        return "missing"
    when = first_received if first_received.tzinfo else first_received.replace(tzinfo=dt.UTC)
    return "on_time" if when <= deadline else "late"


@dataclass(frozen=True, slots=True)
class Received:
    """A unit's report of a week as stored: its first and latest version."""

    unit: str
    first_at: dt.datetime
    version: int
    latest_at: dt.datetime


@dataclass(frozen=True, slots=True)
class UnitReporting:
    """One unit's reporting status for a week."""

    unit: str
    status: str
    received_at: dt.datetime | None = None
    version: int | None = None
    expected: bool = True

    def to_json(self) -> dict[str, Any]:
        """`{"unit", "status", "received_at", "version"}` (received_at: the first version, UTC)."""
        at = self.received_at.astimezone(dt.UTC).isoformat() if self.received_at else None
        return {"unit": self.unit, "status": self.status, "received_at": at, "version": self.version}


@dataclass(frozen=True, slots=True)
class ReportingStatus:
    """Who reported a week: each unit's status, the deadline, whether reports were required."""

    week: str
    deadline: dt.datetime
    required: bool
    units: tuple[UnitReporting, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Units expected to report that have not (未按时报送 when required)."""
        return tuple(u.unit for u in self.units if u.status == "missing" and u.expected)

    @property
    def late(self) -> tuple[str, ...]:
        """Units whose report came after the deadline."""
        return tuple(u.unit for u in self.units if u.status == "late")

    def to_json(self) -> dict[str, Any]:
        """The stable JSON of `dispatch reporting`."""
        return {"week": self.week, "deadline": self.deadline.isoformat(), "required": self.required,
                "units": [u.to_json() for u in self.units]}


def reporting_status(week: str, expected: Iterable[str], received: Iterable[Received], rules: ReportingRules,
                     tz: str) -> ReportingStatus:
    """The status of every expected unit (and of any other unit that reported), missing first, then
    late, then on time, each by unit name."""
    deadline = rules.deadline(week, tz)
    got = {r.unit: r for r in received}
    want = set(expected)
    rows = []
    for unit in sorted(want | set(got)):
        r = got.get(unit)
        rows.append(UnitReporting(unit, report_status(r.first_at if r else None, deadline),
                                  r.first_at if r else None, r.version if r else None, unit in want))
    order = {"missing": 0, "late": 1, "on_time": 2}
    rows.sort(key=lambda u: (order[u.status], u.unit))
    return ReportingStatus(week, deadline, rules.required(week), tuple(rows))


# -- who answers for what is open, on the check's columns ------------------------------------------


def open_units(frame: Any, status: Any | None = None) -> set[str]:
    """Units answering for an open item of a PortfolioFrame with its check columns: an unfinished
    milestone (`status`: the schedule's per-row status, else actual_finish == 0), a factor not
    approved on an unfinished milestone, the investment plan of a project they lead."""
    lead = frame.project_lead_units
    done = (np.asarray(status) == cpm.FINISHED) if status is not None else (np.asarray(frame.actual_finish) > 0)
    open_rows = ~done
    units: set[str] = set(compress(frame.m_units, open_rows.tolist()))
    units.discard(None)
    none = np.fromiter((u is None for u in frame.m_units), dtype=np.bool_, count=len(frame.m_units))
    units.update(lead[int(p)] for p in np.unique(np.asarray(frame.m_project)[open_rows & none]).tolist())
    if len(frame.f_ids if hasattr(frame, "f_ids") else frame.f_status):
        f_row = np.asarray(frame.f_row)
        f_open = (np.asarray(frame.f_status, dtype=object) != FactorStatus.APPROVED.value) & (f_row >= 0)
        f_open &= ~done[np.where(f_row >= 0, f_row, 0)]
        for i in np.flatnonzero(f_open).tolist():
            r = int(f_row[i])
            units.add(frame.f_units[i] or frame.m_units[r] or lead[int(frame.f_project[i])])
    for pi, inv in enumerate(frame.project_investment):
        if inv is not None:
            units.add(lead[pi])
    units.discard("")
    return units


# -- the stale rule ----------------------------------------------------------------------------------


FORECAST_KINDS = (FindingKind.SLIP, FindingKind.DEADLINE, FindingKind.PHYSICAL)


@dataclass(frozen=True, slots=True)
class Staleness:
    """What the check needs to apply the stale rule: the units missing this week and the previous
    run's findings (and its week); those of `projects_depending_on` the missing units suffice."""

    missing: frozenset[str]
    previous: Sequence[Finding] = ()
    previous_week: str | None = None


class _Scope:
    """Which missing units the current data of a milestone, factor or project depends on. A
    finding's row or factor is searched within its project's slice (no index over the portfolio)."""

    def __init__(self, frame: Any, status: Any, missing: frozenset[str]) -> None:
        self.frame = frame
        self.missing = missing
        self.lead: list[str] = list(frame.project_lead_units)
        self.pindex = {pid: i for i, pid in enumerate(frame.project_ids)}
        nproj = len(frame.project_ids)
        self.m_bounds = np.searchsorted(frame.m_project, np.arange(nproj + 1))
        self.f_bounds = np.searchsorted(frame.f_project, np.arange(nproj + 1))
        self.done = np.asarray(status) == cpm.FINISHED
        self.m_project: list[int] = np.asarray(frame.m_project).tolist()
        by_project: dict[int, set[str]] = {}
        m_units, m_project, lead = frame.m_units, self.m_project, self.lead
        for r in compress(range(len(m_units)), (~self.done).tolist()):
            pi = m_project[r]
            u = m_units[r] or lead[pi]
            if u in missing:
                by_project.setdefault(pi, set()).add(u)
        self.forecast = {pi: tuple(sorted(us)) for pi, us in by_project.items()}
        """project index -> missing units answering for its open milestones."""

    def row(self, pi: int, mid: str) -> int | None:
        """The frame row of milestone `mid` of project `pi` (searched in the project's slice)."""
        try:
            return int(self.frame.m_ids.index(mid, int(self.m_bounds[pi]), int(self.m_bounds[pi + 1])))
        except ValueError:
            return None

    def factor(self, pi: int, fid: str) -> int | None:
        """The index of factor requirement `fid` of project `pi`."""
        try:
            return int(self.frame.f_ids.index(fid, int(self.f_bounds[pi]), int(self.f_bounds[pi + 1])))
        except ValueError:
            return None

    def m_unit(self, r: int) -> str:
        """The unit answering for row `r` (its own, else the project's lead unit)."""
        return str(self.frame.m_units[r] or self.lead[self.m_project[r]])

    def f_unit(self, i: int) -> str:
        """The unit answering for factor requirement `i` (its own, else as its milestone)."""
        return str(self.frame.f_units[i] or self.m_unit(int(self.frame.f_row[i])))


def projects_depending_on(frame: Any, missing: frozenset[str]) -> set[str]:
    """The projects of a PortfolioFrame whose findings may depend on a `missing` unit (as
    `apply_staleness` judges it, over every item, open or not): its lead unit, a milestone's or a
    factor's. Only their previous findings can be carried, so only theirs need reading."""
    if not missing:
        return set()
    lead: list[str] = list(frame.project_lead_units)
    pis = {pi for pi, u in enumerate(lead) if u in missing}  # investment; items without a unit of their own
    m_project: list[int] = np.asarray(frame.m_project).tolist()
    pis.update(m_project[r] for r, u in enumerate(frame.m_units) if u in missing)
    f_project: list[int] = np.asarray(frame.f_project).tolist()
    f_row: list[int] = np.asarray(frame.f_row).tolist()
    for i, u in enumerate(frame.f_units):  # a factor without a unit answers as its milestone
        r = f_row[i]
        if (u or (frame.m_units[r] if r >= 0 else None) or lead[f_project[i]]) in missing:
            pis.add(f_project[i])
    return {frame.project_ids[pi] for pi in pis}


def _scope(frame: Any, status: Any, missing: frozenset[str]) -> _Scope:
    return _Scope(frame, status, missing)


def _depends(sc: _Scope, f: Finding) -> tuple[str, ...] | None:
    """The missing units `f`'s evidence depends on (empty: none, it is fresh); None when its
    project or item is no longer in the data (nothing to carry)."""
    pi = sc.pindex.get(f.project)
    if pi is None:
        return None
    if f.kind in FORECAST_KINDS or f.kind is FindingKind.QUANTITY:
        return sc.forecast.get(pi, ())
    if f.kind in (FindingKind.INVESTMENT, FindingKind.PAYMENT, FindingKind.STATISTICS):  # the lead unit reports
        u = sc.lead[pi]
    elif f.kind is FindingKind.FACTOR:
        i = sc.factor(pi, f.factor or "")
        if i is None:
            return None
        u = sc.f_unit(i)
    elif f.kind in (FindingKind.FINISH_OVERDUE, FindingKind.START_OVERDUE):
        r = sc.row(pi, f.milestone or "")
        if r is None:
            return None
        u = sc.m_unit(r)
    else:
        return ()
    return (u,) if u in sc.missing else ()


EmitKey = tuple[int, int, int, int]


_MONEY_KEYS = {FindingKind.PAYMENT: (2, 1), FindingKind.STATISTICS: (2, 2), FindingKind.QUANTITY: (3, 1)}


def apply_staleness(out: list[tuple[EmitKey, Finding]], frame: Any, status: Any, factor_open: Sequence[bool],
                    stale: Staleness, kind_order: Mapping[FindingKind, int]) -> list[tuple[EmitKey, Finding]]:
    """The check's findings (emission key, finding) with the stale rule applied: fresh findings
    that depend on a missing unit dropped, the previous run's findings on those items carried (light
    kept, weeks in red counted on, marked stale) while their item is still open."""
    if not stale.missing:
        return out
    sc = _scope(frame, status, stale.missing)
    kept = [(k, f) for k, f in out if not _depends(sc, f)]
    for p in stale.previous:
        if p.kind is FindingKind.ESCALATION:
            continue
        units = _depends(sc, p)
        if not units:
            continue
        pi = sc.pindex[p.project]
        if p.kind is FindingKind.FACTOR:
            i = sc.factor(pi, p.factor or "")
            if i is None or not factor_open[i]:
                continue
            key: EmitKey = (pi, 1, i, kind_order[p.kind])
        elif p.kind in (FindingKind.INVESTMENT, FindingKind.PHYSICAL):
            key = (pi, 2 if p.kind is FindingKind.INVESTMENT else 3, 0, kind_order[p.kind])
        elif p.kind in _MONEY_KEYS:  # one per project, as core/check.py's _money emits them
            key = (pi, *_MONEY_KEYS[p.kind], kind_order[p.kind])
        else:
            r = sc.row(pi, p.milestone or "")
            if r is None or sc.done[r]:
                continue
            key = (pi, 0, r, kind_order[p.kind])
        details = dict(p.details, stale=True, stale_units=list(units),
                       carried_from=p.details.get("carried_from") or stale.previous_week)
        kept.append((key, replace(p, weeks_red=p.weeks_red + 1 if p.light is Light.RED else 0, details=details)))
    return kept


def is_stale(f: Finding) -> bool:
    """Whether a finding was carried from an earlier run because its unit did not report."""
    return bool(f.details.get("stale"))


def carried_from(f: Finding) -> str:
    """The week whose evidence a carried finding shows (the printout's 【未报送·沿用W】), "" when
    the finding is fresh: THE definition of the stale mark, for findings and the problems over them."""
    return str(f.details.get("carried_from") or "") if is_stale(f) else ""


@dataclass(frozen=True, slots=True)
class StaleMark:
    """Why an item's light is last week's (未报送): the earliest week whose evidence it shows, the
    units that did not report, and how many of its findings are carried."""

    carried_from: str
    units: tuple[str, ...]
    findings: int

    def to_json(self) -> dict[str, Any]:
        """`{"carried_from", "units", "findings"}`."""
        return {"carried_from": self.carried_from, "units": list(self.units), "findings": self.findings}


def _strings(v: object) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list | tuple) else []


def carried_findings(findings: Iterable[Finding]) -> dict[str, Finding]:
    """The carried (stale) ones of a week's findings, by key: `stale_mark`'s second argument."""
    return {f.key: f for f in findings if is_stale(f)}


def stale_mark(keys: Iterable[str], carried: Mapping[str, Finding]) -> StaleMark | None:
    """The stale mark of an item made of the findings `keys` (a problem's symptoms), given this
    week's carried findings by key: None when none of them is carried."""
    hits = [carried[k] for k in keys if k in carried]
    weeks = [w for f in hits if (w := carried_from(f))]
    if not weeks:
        return None
    units = sorted({str(u) for f in hits for u in _strings(f.details.get("stale_units"))})
    return StaleMark(min(weeks), tuple(units), len(weeks))
