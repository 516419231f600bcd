"""The weekly check (要素保障周调度): what is late, which approvals block, who is behind the 序时
plan. PURE: no I/O, no SQL. What goes up to the county government (提请县政府专题研究) is not
decided here but on the problem list (core/problems.py `carry_over`: one rule).

Input: a ScheduleResult at the data date D (projects with the weekly reports applied), the current
baseline's start/finish dates per milestone row (ordinals, 0 = none), thresholds from config and
the history of the last run as plain data. Output: Findings with lights, a light per project, and
a portfolio summary. Conventions, so every number can be worked out by hand:

- "at the data date" means the start of day D (as in the spec's progress semantics: remaining work
  resumes on D). Days late count working days of the project's calendar: index(D) minus the index
  of the baseline date (D on or after, baseline finish on or before, baseline start on or after).
- Per unfinished milestone: FINISH_OVERDUE (baseline finish < D, not finished; red) supersedes
  START_OVERDUE and SLIP for that milestone; START_OVERDUE (baseline start < D, not started; not
  for event nodes, whose one date is a finish) and SLIP (forecast finish later than baseline:
  `schedule.variance_days`) can both appear. Finished milestones raise nothing.
- DEADLINE: an unfinished milestone with its own start_by/finish_by and total float < 0; a started
  milestone's start_by is history (met or missed) and no longer counts.
- FACTOR: a requirement not approved, on an unfinished milestone. "The milestone needs it" on
  `needed_by` if given, else on the earlier of the forecast start and the baseline start; days =
  index(D) - index(needed): positive = that many working days overdue, negative = still to go.
- 序时进度 (INVESTMENT): months before D's month count in full; D's month is split into its 旬
  (1-10, 11-20, 21-end) in proportion to calendar days and the current 旬 is prorated by its days
  before D. Only a plan of D's year is checked. PHYSICAL: each milestone with a baseline is planned
  at (its baseline working days before D) / (its baseline working days) (an event: 100% once its
  date is before D), weighted by its `weight`, else its duration (at least 1), against the reported
  percent complete.
  Gap in percentage points: yellow from `progress_yellow_points` up to `progress_red_points`,
  red beyond.
- History: `history[key] = (first_seen_week, consecutive_red_weeks_up_to_last_run)` for the
  findings of the previous run. A key absent from it is new (first seen this week); weeks_red =
  previous + 1 when red now, else 0. The check raises no ESCALATION (the kind stays for runs stored
  before escalation moved to the problem list); `summary.escalated` is filled from the problems
  (core/problems.py `with_problem_lights`).
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from scheduler.core import cpm, money
from scheduler.core.findings import Finding, FindingKind, Light, finding_key, iso_week, worst
from scheduler.core.model import FactorStatus, InvestmentPlan, Money
from scheduler.core.reporting import Staleness, apply_staleness
from scheduler.core.schedule import PortfolioFrame, ScheduleResult, frame_from_projects, variance_days

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
History = Mapping[str, tuple[str, int]]
"""Finding key -> (first_seen week, consecutive red weeks up to the previous run)."""

KIND_ORDER = {k: i for i, k in enumerate(FindingKind)}
XUN_NAMES = ("upper", "middle", "lower")


# -- 序时进度: the time-proportional investment plan --------------------------------------------


def xun_bounds(year: int, month: int) -> list[tuple[dt.date, dt.date]]:
    """The three 旬 of a month: days 1-10, 11-20 and 21-end (inclusive bounds)."""
    last = _stdcal.monthrange(year, month)[1]
    return [(dt.date(year, month, 1), dt.date(year, month, 10)),
            (dt.date(year, month, 11), dt.date(year, month, 20)),
            (dt.date(year, month, 21), dt.date(year, month, last))]


@dataclass(frozen=True, slots=True)
class CheckThresholds:
    """Thresholds of the weekly check (要素保障周调度)."""

    lookahead_weeks: int = 4
    slip_yellow_max_days: int = 10
    progress_yellow_points: float = 10.0
    progress_red_points: float = 30.0
    escalate_after_weeks: int = 2
    overdue_red_days: int = 5
    """A start or finish overdue by 1..this many working days is yellow, more is red."""
    deadline_red_days: int = 5
    """A deadline (start_by/finish_by) missed by 1..this many working days is yellow, more is red."""
    deadline_missed_weeks: int = 4
    """A deadline already missed by the actual date (the milestone finished or started late) is
    reported, yellow, while that date is within this many weeks before the data date; then it is
    history (nothing is left to act on, so it never stays red or keeps a problem open)."""
    approval_red_days: int = 10
    """An approval overdue by 1..this many working days is yellow, more is red (and red whenever it
    is expected after the milestone's late start: it will cost the schedule)."""
    payment_yellow_points: float = 10.0
    """三类资金支付: payment rate behind its 序时 by this many points or more = yellow ..."""
    payment_red_points: float = 20.0
    """... by more than this = red."""
    statistics_yellow_months: int = 1
    """入库纳统: commenced more than this many months ago and not 已纳统 = yellow ..."""
    statistics_red_months: int = 2
    """... more than this many months = red."""


@dataclass(frozen=True, slots=True)
class LevelProgress:
    """Plan to date against completed within one period (旬, month, quarter or year), 万元."""

    level: str
    start: dt.date
    end: dt.date
    plan: float
    plan_to_date: float
    completed: float

    @property
    def gap(self) -> float:
        """Plan to date minus completed (positive = behind)."""
        return self.plan_to_date - self.completed

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (rounded to 0.01 万元)."""
        return {"level": self.level, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "plan": round(self.plan, 2), "plan_to_date": round(self.plan_to_date, 2),
                "completed": round(self.completed, 2), "gap": round(self.gap, 2)}


@dataclass(frozen=True, slots=True)
class InvestmentProgress:
    """序时进度 of one project's investment at a data date: the year-to-date figures and the
    旬/month/quarter/year levels (以旬保月、以月保季、以季保年)."""

    annual_plan: float
    plan_to_date: float
    completed: float
    xun: LevelProgress
    xun_target: float
    """What the month's plan asks for by the end of the current 旬 (以旬保月)."""
    month: LevelProgress
    quarter: LevelProgress
    year: LevelProgress

    @property
    def gap(self) -> float:
        """Year-to-date plan minus completed, 万元 (positive = behind)."""
        return self.plan_to_date - self.completed

    @property
    def gap_points(self) -> float:
        """Year-to-date gap in percentage points of the annual plan."""
        return 100.0 * self.gap / self.annual_plan if self.annual_plan > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for finding details and the run summary."""
        return {"annual_plan": round(self.annual_plan, 2), "plan_to_date": round(self.plan_to_date, 2),
                "completed": round(self.completed, 2), "gap": round(self.gap, 2),
                "gap_points": round(self.gap_points, 2), "xun_target": round(self.xun_target, 2),
                "levels": {lv.level: lv.to_json() for lv in (self.xun, self.month, self.quarter,
                                                               self.year)}}


def investment_progress(inv: InvestmentPlan, data_date: dt.date) -> InvestmentProgress | None:
    """序时进度 of a plan at the start of `data_date` (None when the plan is not of D's year)."""
    if inv.year != data_date.year:
        return None
    y, m = data_date.year, data_date.month
    mplan = inv.month_plan(m)
    ndays = _stdcal.monthrange(y, m)[1]
    # the current month, 旬 by 旬: full 旬 before D, the current one prorated by its days before D
    month_to_date = 0.0
    xun: LevelProgress | None = None
    xun_target = 0.0
    for i, (a, b) in enumerate(xun_bounds(y, m)):
        length = (b - a).days + 1
        xplan = mplan * length / ndays
        if b < data_date:
            month_to_date += xplan
            xun_target += xplan
        elif a <= data_date <= b:
            share = xplan * (data_date - a).days / length
            month_to_date += share
            xun_target += xplan
            xun = LevelProgress(XUN_NAMES[i], a, b, xplan, share, 0.0)
    assert xun is not None
    done_month = inv.month_completed(m)
    # completed within the 旬 is not known from monthly figures: the 旬 level compares the month's
    # completed amount with the month's plan through the end of this 旬 (the 旬 target)
    xun = replace(xun, completed=done_month)
    q0 = 3 * ((m - 1) // 3) + 1

    def cumulative(first: int) -> tuple[float, float]:
        plan_full = sum(inv.month_plan(k) for k in range(first, m))
        done = sum(inv.month_completed(k) for k in range(first, m + 1))
        return plan_full + month_to_date, done

    q_plan, q_done = cumulative(q0)
    y_plan, y_done = cumulative(1)
    q_end = dt.date(y, q0 + 2, _stdcal.monthrange(y, q0 + 2)[1])
    quarter_plan = sum(inv.month_plan(k) for k in range(q0, q0 + 3))
    return InvestmentProgress(
        annual_plan=float(inv.annual_plan),
        plan_to_date=y_plan,
        completed=y_done,
        xun=xun,
        xun_target=xun_target,
        month=LevelProgress("month", dt.date(y, m, 1), dt.date(y, m, ndays), mplan, month_to_date,
                            done_month),
        quarter=LevelProgress("quarter", dt.date(y, q0, 1), q_end, quarter_plan, q_plan, q_done),
        year=LevelProgress("year", dt.date(y, 1, 1), dt.date(y, 12, 31), float(inv.annual_plan), y_plan,
                           y_done),
    )


# -- physical progress -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhysicalProgress:
    """Weighted planned (from the baseline) and reported percent complete of a project."""

    planned: float
    actual: float
    weight: float
    per_milestone: Mapping[str, tuple[float, float]]
    """milestone id -> (planned %, reported %)."""

    @property
    def gap_points(self) -> float:
        """Planned minus reported, in percentage points (positive = behind)."""
        return self.planned - self.actual

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for finding details and the run summary."""
        return {"planned": round(self.planned, 2), "actual": round(self.actual, 2),
                "gap_points": round(self.gap_points, 2),
                "milestones": {k: [round(a, 2), round(b, 2)] for k, (a, b) in self.per_milestone.items()}}


def progress_light(points: float, th: CheckThresholds) -> Light:
    """Light of a 序时 gap in percentage points: yellow from the yellow threshold up to the red one
    (inclusive), red beyond, green below."""
    if points > th.progress_red_points:
        return Light.RED
    if points >= th.progress_yellow_points:
        return Light.YELLOW
    return Light.GREEN


def slip_light(days: int, th: CheckThresholds) -> Light:
    """Yellow up to `slip_yellow_max_days` working days, red beyond."""
    return Light.RED if days > th.slip_yellow_max_days else Light.YELLOW


def factor_needed_by(needed_by: IntArray, baseline_start: IntArray, forecast_start: IntArray) -> IntArray:
    """The date (ordinals) each factor approval is needed by — THE one definition, for the check,
    the printout and the sheets: its own `needed_by` when the file gives one, else the earlier of
    its milestone's baseline start and forecast start (the forecast alone without a baseline)."""
    nb = np.asarray(needed_by, dtype=np.int64)
    bs = np.asarray(baseline_start, dtype=np.int64)
    fs = np.asarray(forecast_start, dtype=np.int64)
    return np.where(nb > 0, nb, np.where(bs > 0, np.minimum(fs, bs), fs))


def overdue_light(days: int, th: CheckThresholds) -> Light:
    """A start or finish overdue: yellow up to `overdue_red_days` working days, red beyond (one
    working day late is not red)."""
    return Light.RED if days > th.overdue_red_days else Light.YELLOW


def deadline_light(days: int, th: CheckThresholds) -> Light:
    """A deadline missed by `days` working days (negative float): yellow up to `deadline_red_days`,
    red beyond."""
    return Light.RED if days > th.deadline_red_days else Light.YELLOW


# -- the check ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortfolioSummary:
    """The portfolio at a glance: projects by light, findings by light and kind, investment
    completed against the 序时 plan, and what changed since the last run."""

    week: str
    data_date: dt.date
    projects: int
    project_lights: dict[str, int]
    finding_lights: dict[str, int]
    finding_kinds: dict[str, int]
    investment_annual_plan: float
    investment_plan_to_date: float
    investment_completed: float
    new: tuple[str, ...]
    resolved: tuple[str, ...]
    persisting: tuple[str, ...]
    escalated: tuple[str, ...]
    """Projects with a problem going up to the county this week (提请县政府专题研究): filled from
    the problem list (core/problems.py `with_problem_lights`); empty from the check alone."""
    money: dict[str, Any] = field(default_factory=dict)
    """Per project: payment rate and 序时, 入库纳统, quantities, 累计 investment (core/money.py)."""
    unit_targets: list[dict[str, Any]] = field(default_factory=list)
    """以旬保月 per lead unit."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON, stored with the run."""
        return {"week": self.week, "data_date": self.data_date.isoformat(), "projects": self.projects,
                "project_lights": dict(self.project_lights), "finding_lights": dict(self.finding_lights),
                "finding_kinds": dict(self.finding_kinds),
                "investment": {"annual_plan": round(self.investment_annual_plan, 2),
                               "plan_to_date": round(self.investment_plan_to_date, 2),
                               "completed": round(self.investment_completed, 2),
                               "gap": round(self.investment_plan_to_date - self.investment_completed, 2)},
                "new": list(self.new), "resolved": list(self.resolved), "persisting": list(self.persisting),
                "escalated": list(self.escalated), "money": dict(self.money), "unit_targets": list(self.unit_targets)}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything one weekly check found."""

    week: str
    data_date: dt.date
    findings: tuple[Finding, ...]
    project_lights: dict[str, Light]
    summary: PortfolioSummary
    investment: dict[str, InvestmentProgress] = field(default_factory=dict)
    physical: dict[str, PhysicalProgress] = field(default_factory=dict)
    money: money.MoneyResult = field(default_factory=money.MoneyResult)
    """Funds, 入库纳统, quantities and the 以旬保月 targets (core/money.py)."""



def _d(o: int) -> dt.date:
    return dt.date.fromordinal(int(o))


_ISO: dict[int, str | None] = {0: None}


def _iso(o: int) -> str | None:
    """ISO text of a date ordinal (None for 0), memoized: a portfolio's dates repeat a lot."""
    s = _ISO.get(o)
    if s is None and o > 0:
        if len(_ISO) > 100_000:
            _ISO.clear()
            _ISO[0] = None
        s = _ISO[o] = _d(o).isoformat()
    return s


class _PerMilestone(Mapping[str, tuple[float, float]]):
    """PhysicalProgress.per_milestone of a project, built only when read: milestone id ->
    (planned %, reported %) from the check's columns (most projects never need it)."""

    def __init__(self, ids: Sequence[str], rows: IntArray, planned: FloatArray, actual: FloatArray) -> None:
        self._src = (ids, rows, planned, actual)
        self._dict: dict[str, tuple[float, float]] | None = None

    def _get(self) -> dict[str, tuple[float, float]]:
        if self._dict is None:
            ids, rows, planned, actual = self._src
            self._dict = {ids[r]: (p, a) for r, p, a in zip(rows.tolist(), planned.tolist(), actual.tolist(),
                                                             strict=True)}
        return self._dict

    def __getitem__(self, key: str) -> tuple[float, float]:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return int(self._src[1].size)


@dataclass(slots=True)
class _Ctx:
    """What every finding of one check needs: the data date's week and the history."""

    week: str
    history: History
    out: list[tuple[tuple[int, int, int, int], Finding]] = field(default_factory=list)
    """(emission key: project index, group, row or factor index, kind order; finding)."""

    def add(self, pidx: int, group: int, seq: int, project: str, kind: FindingKind, light: Light,
            unit: str, *, milestone: str | None = None, factor: str | None = None, factor_kind: str | None = None,
            days: int | None = None, details: dict[str, object]) -> None:
        """A finding with its history (first seen, consecutive red weeks) filled in."""
        key = finding_key(kind, project, milestone, factor)
        first, red = self.history.get(key, (self.week, 0))
        f = Finding(project, kind, light, unit, milestone=milestone, factor=factor,
                    factor_kind=factor_kind, days=days, first_seen=first,
                    weeks_red=red + 1 if light is Light.RED else 0, details=details)
        self.out.append(((pidx, group, seq, KIND_ORDER[kind]), f))


class _Cals:
    """The calendar of each milestone row, for vectorized date -> working-day index lookups."""

    def __init__(self, result: ScheduleResult) -> None:
        fr = result.frame
        names = fr.calendar_names
        code = {name: i for i, name in enumerate(names)}
        self.cals = [result.calendars[name] for name in names]
        p_code = np.fromiter((code[c] for c in fr.project_calendars), dtype=np.int64, count=len(fr.project_ids))
        self.row_code: IntArray = p_code[fr.m_project]

    def lookup(self, rows: IntArray, ords: IntArray, how: str) -> IntArray:
        """`Calendar.<how>` (indexes_on_or_after, indexes_on_or_before) of `ords`, each at its row's
        calendar."""
        out = np.zeros(rows.size, dtype=np.int64)
        codes = self.row_code[rows]
        for k, cal in enumerate(self.cals):
            sel = codes == k
            if sel.any():
                out[sel] = getattr(cal, how)(ords[sel])
        return out

    def works_daily(self, rows: IntArray, data_date: dt.date) -> npt.NDArray[np.bool_]:
        """Whether each row's calendar works (nearly) every day from the data date (days late in 天)."""
        daily = np.fromiter((cal.works_daily(data_date) for cal in self.cals), dtype=np.bool_, count=len(self.cals))
        return daily[self.row_code[rows]]

    def data_date_index(self, rows: IntArray, data_date: dt.date) -> IntArray:
        """Index of the data date (on or after) in each row's calendar."""
        di = np.fromiter((cal.index_on_or_after(data_date) for cal in self.cals), dtype=np.int64,
                         count=len(self.cals))
        return di[self.row_code[rows]]


RowCalendars = _Cals
"""The calendar of each milestone row (public name, for the problem list's folding)."""


def _milestone_findings(ctx: _Ctx, res: ScheduleResult, fr: PortfolioFrame, cals: _Cals, bs_col: IntArray,
                        bf_col: IntArray, variance: IntArray, D: dt.date, th: CheckThresholds) -> None:
    """Overdue, slip and deadline findings, chosen with column masks; a Finding only per hit."""
    d_ord = D.toordinal()
    st = res.status
    open_ = st != cpm.FINISHED
    not_started = st == cpm.NOT_STARTED
    tf = res.cpm.total_float
    fo = open_ & (bf_col > 0) & (bf_col < d_ord)
    so = open_ & ~fo & (bs_col > 0) & (bs_col < d_ord) & not_started & (fr.duration != 0)
    sl = open_ & ~fo & (bf_col > 0) & (variance > 0)
    dl = open_ & ((fr.finish_by > 0) | ((fr.start_by > 0) & not_started)) & (tf < 0)
    # a deadline whose date has happened is judged by it: a finished milestone's finish_by by its
    # actual finish, else a started one's start_by by its actual start (met: nothing to say)
    by_finish = ~open_ & (fr.finish_by > 0)
    by_start = ~not_started & ~by_finish & ~dl & (fr.start_by > 0)
    since = d_ord - 7 * th.deadline_missed_weeks  # reported while the actual date is this recent
    missed = ((by_finish & (fr.actual_finish > fr.finish_by) & (fr.actual_finish >= since))
              | (by_start & (fr.actual_start > 0) & (fr.actual_start > fr.start_by) & (fr.actual_start >= since)))
    rows = np.flatnonzero(fo | so | sl | dl | missed)
    if rows.size == 0:
        return
    d_idx = cals.data_date_index(rows, D)
    fo_days = np.where(fo[rows], d_idx - cals.lookup(rows, np.where(fo[rows], bf_col[rows], d_ord),
                                                     "indexes_on_or_before"), 0)
    so_days = np.where(so[rows], d_idx - cals.lookup(rows, np.where(so[rows], bs_col[rows], d_ord),
                                                     "indexes_on_or_after"), 0)
    m_rows = rows[missed[rows]]
    on_finish = by_finish[m_rows]
    m_actual = np.where(on_finish, fr.actual_finish[m_rows], fr.actual_start[m_rows])
    m_by = np.where(on_finish, fr.finish_by[m_rows], fr.start_by[m_rows])
    m_days = np.maximum(cals.lookup(m_rows, m_actual, "indexes_on_or_before")
                        - cals.lookup(m_rows, m_by, "indexes_on_or_before"), 1)
    missed_by = dict(zip(m_rows.tolist(), zip(on_finish.tolist(), m_actual.tolist(), m_days.tolist(),
                                              strict=True), strict=True))
    daily = cals.works_daily(rows, D)
    cols = zip(rows.tolist(), fo[rows].tolist(), so[rows].tolist(), sl[rows].tolist(), dl[rows].tolist(),
               fo_days.tolist(), so_days.tolist(), strict=True)
    for k, (r, is_fo, is_so, is_sl, is_dl, fo_d, so_d) in enumerate(cols):
        pi = int(fr.m_project[r])
        pid = fr.project_ids[pi]
        mid = fr.m_ids[r]
        unit = fr.m_units[r] or fr.project_lead_units[pi]
        bs, bf = int(bs_col[r]), int(bf_col[r])
        es, ef = int(res.early_start[r]), int(res.early_finish[r])
        base: dict[str, object] = {"baseline_start": _iso(bs), "baseline_finish": _iso(bf),
                                   "forecast_start": _iso(es), "forecast_finish": _iso(ef),
                                   "late_start": _iso(int(res.late_start[r])),
                                   "late_finish": _iso(int(res.late_finish[r])), "works_daily": bool(daily[k])}
        if is_fo:
            ctx.add(pi, 0, r, pid, FindingKind.FINISH_OVERDUE, overdue_light(fo_d, th),
                    unit, milestone=mid, days=fo_d, details=base)
        if is_so:
            ctx.add(pi, 0, r, pid, FindingKind.START_OVERDUE, overdue_light(so_d, th),
                    unit, milestone=mid, days=so_d, details=base)
        if is_sl:
            v = int(variance[r])
            ctx.add(pi, 0, r, pid, FindingKind.SLIP, slip_light(v, th),
                    unit, milestone=mid, days=v, details=base)
        if is_dl or r in missed_by:
            det: dict[str, object] = dict(base, start_by=_iso(int(fr.start_by[r])),
                                          finish_by=_iso(int(fr.finish_by[r])), data_date=D.isoformat(),
                                          works_daily=bool(daily[k]), event=int(fr.duration[r]) == 0)
            if is_dl:
                days = -int(tf[r])
                # a started milestone's start_by is history: only a not started one's counts
                det.update(start_by_counts=int(st[r]) == cpm.NOT_STARTED, total_float=-days)
            else:  # missed by the actual date (a deadline met by it says nothing)
                on_f, actual, days = missed_by[r]
                det.update(start_by_counts=not on_f, judged="finish" if on_f else "start", actual=_iso(actual))
            light = deadline_light(days, th) if is_dl else Light.YELLOW  # history is never red
            ctx.add(pi, 0, r, pid, FindingKind.DEADLINE, light, unit, milestone=mid, days=days, details=det)


def _factor_findings(ctx: _Ctx, res: ScheduleResult, fr: PortfolioFrame, cals: _Cals, bs_col: IntArray,
                     D: dt.date, th: CheckThresholds) -> None:
    """Factor findings: every requirement's reasons as column masks, a Finding only per hit."""
    nf = len(fr.f_ids)
    if nf == 0:
        return
    d_ord = D.toordinal()
    horizon = (D + dt.timedelta(weeks=th.lookahead_weeks)).toordinal()
    status = np.array(fr.f_status, dtype=object)
    f_row = fr.f_row
    valid = f_row >= 0
    row = np.where(valid, f_row, 0)
    open_ = valid & (status != FactorStatus.APPROVED.value) & (res.status[row] != cpm.FINISHED)
    start = res.early_start[row]
    late_start = res.late_start[row]
    bs = bs_col[row]
    need_by = fr.f_needed_by
    expected = fr.f_expected
    needed = factor_needed_by(need_by, bs, start)
    r_start = start < d_ord
    r_base = (bs > 0) & (bs < d_ord)
    r_need = (need_by > 0) & (need_by < d_ord)
    r_exp = (expected > 0) & (expected > late_start)
    within = start <= horizon
    r_ns = (status == FactorStatus.NOT_STARTED.value) & within
    red = open_ & (r_start | r_base | r_need | r_exp | r_ns)
    yellow = open_ & ~red & within
    hits = np.flatnonzero(red | yellow)
    if hits.size == 0:
        return
    hrows = row[hits]
    days_a = cals.data_date_index(hrows, D) - cals.lookup(hrows, needed[hits], "indexes_on_or_after")
    daily = cals.works_daily(hrows, D)  # days said in 天 on a calendar working every day
    cols = zip(hits.tolist(), days_a.tolist(), red[hits].tolist(), r_start[hits].tolist(), r_base[hits].tolist(),
               r_need[hits].tolist(), r_exp[hits].tolist(), r_ns[hits].tolist(), daily.tolist(), strict=True)
    for i, days, flagged_red, a, b, c, e, g, works_daily in cols:
        is_red = flagged_red and (days > th.approval_red_days or e)
        r = int(f_row[i])
        pi = int(fr.f_project[i])
        reasons = [name for name, on in (("start-passed", a), ("baseline-start-passed", b), ("needed-by-passed", c),
                                         ("expected-after-late-start", e), ("not-started-within-lookahead", g))
                   if on]
        if not flagged_red:
            reasons.append("start-within-lookahead")
        kind, fid, fname, blocker = fr.f_kinds[i], fr.f_ids[i], fr.f_names[i], fr.f_blockers[i]
        st_value = fr.f_status[i]
        exp = _iso(int(expected[i]))
        need_iso = _iso(int(needed[i]))
        start_iso = _iso(int(start[i]))
        late_iso = _iso(int(late_start[i]))
        mid = fr.m_ids[r]
        details: dict[str, object] = {
            "status": st_value, "name": fname, "expected": exp, "needed": need_iso, "forecast_start": start_iso,
            "late_start": late_iso, "blocker": blocker, "reasons": reasons, "works_daily": works_daily}
        ctx.add(pi, 1, i, fr.project_ids[pi], FindingKind.FACTOR, Light.RED if is_red else Light.YELLOW,
                fr.f_units[i] or fr.m_units[r] or fr.project_lead_units[pi], milestone=mid, factor=fid,
                factor_kind=kind, days=days, details=details)


def _physical(res: ScheduleResult, fr: PortfolioFrame, cals: _Cals, bs_col: IntArray, bf_col: IntArray,
              D: dt.date) -> dict[int, PhysicalProgress]:
    """PhysicalProgress of every project with a baselined milestone, by project index (the rule:
    this module's docstring, PHYSICAL)."""
    d_ord = D.toordinal()
    rows = np.flatnonzero((bs_col > 0) & (bf_col > 0))
    if rows.size == 0:
        return {}
    bs, bf, dur = bs_col[rows], bf_col[rows], fr.duration[rows]
    event = (dur == 0) | (bf < bs)
    planned = np.where(bs < d_ord, 100.0, 0.0)
    span = np.flatnonzero(~event)
    if span.size:
        sr = rows[span]
        first = cals.lookup(sr, bs[span], "indexes_on_or_after")
        n = np.maximum(cals.lookup(sr, bf[span], "indexes_on_or_before") - first + 1, 1)
        elapsed = np.minimum(np.maximum(cals.data_date_index(sr, D) - first, 0), n)
        planned[span] = 100.0 * elapsed / n
    pct = fr.percent[rows]
    actual = np.where(fr.actual_finish[rows] > 0, 100.0,
                      np.where(fr.actual_start[rows] > 0, np.where(np.isnan(pct), 0.0, pct), 0.0))
    wt = fr.weight[rows]
    w = np.where(np.isnan(wt), np.maximum(dur, 1).astype(np.float64), wt)
    pidx = fr.m_project[rows]
    nproj = len(fr.project_ids)
    # bincount adds each bin's weights one by one in row order: the same float sums as a loop
    wsum = np.bincount(pidx, weights=w, minlength=nproj)
    psum = np.bincount(pidx, weights=w * planned, minlength=nproj)
    asum = np.bincount(pidx, weights=w * actual, minlength=nproj)
    bounds = np.searchsorted(pidx, np.arange(nproj + 1))
    out: dict[int, PhysicalProgress] = {}
    for pi in np.flatnonzero(wsum > 0).tolist():
        a, b = int(bounds[pi]), int(bounds[pi + 1])
        ws = float(wsum[pi])
        out[pi] = PhysicalProgress(float(psum[pi]) / ws, float(asum[pi]) / ws, ws,
                                   _PerMilestone(fr.m_ids, rows[a:b], planned[a:b], actual[a:b]))
    return out


def physical_by_project(result: ScheduleResult, baseline_start: IntArray, baseline_finish: IntArray
                        ) -> dict[str, PhysicalProgress]:
    """Physical progress (形象进度) of each project with a baselined milestone at the schedule's
    data date — THE one definition, the check's, for every output's percent complete."""
    if result.data_date is None:
        return {}
    fr = _check_columns(result)
    res = replace(result, frame=fr) if fr is not result.frame else result
    bs = np.asarray(baseline_start, dtype=np.int64)
    bf = np.asarray(baseline_finish, dtype=np.int64)
    return {fr.project_ids[pi]: pp for pi, pp in _physical(res, fr, _Cals(res), bs, bf, result.data_date).items()}


def _check_columns(result: ScheduleResult) -> PortfolioFrame:
    """The frame with the check's columns: as given (frame_from_projects, load_frame), or built
    from the frame's model projects."""
    fr = result.frame
    if fr.has_check_columns:
        return fr
    if len(fr.projects) != len(fr.project_ids):
        raise ValueError("the weekly check needs the frame's check columns (schedule.frame_from_projects or "
                         "repository.load_frame) or its model Projects")
    full = frame_from_projects(fr.projects)
    return replace(fr, **{k: getattr(full, k) for k in (
        "project_lead_units", "project_leaders", "project_investment", "project_money", "m_units",
        "weight",
        "f_project", "f_row", "f_ids", "f_kinds", "f_status", "f_units", "f_expected", "f_needed_by",
        "f_blockers", "f_names")})


def check_portfolio(result: ScheduleResult, baseline_start: IntArray, baseline_finish: IntArray,
                    thresholds: CheckThresholds, history: History | None = None, *,
                    stale: Staleness | None = None) -> CheckResult:
    """Run the weekly check on a schedule at its data date against the baseline columns (date
    ordinals per row of `result.frame`, 0 = no baseline) and the previous run's history. Works on
    the frame's columns (model Projects are not needed): per-milestone rules are numpy masks and
    a Finding is built only where one is found. `stale`: the units that did not report this week
    and the previous run's findings (core/reporting.py: their findings are carried, not recomputed)."""
    if result.data_date is None:
        raise ValueError("the weekly check needs a schedule at a data date")
    fr = _check_columns(result)
    D = result.data_date
    week = iso_week(D)
    history = history or {}
    th = thresholds
    bs_col = np.asarray(baseline_start, dtype=np.int64)
    bf_col = np.asarray(baseline_finish, dtype=np.int64)
    if bs_col.shape != (fr.n,) or bf_col.shape != (fr.n,):
        raise ValueError("baseline columns must have one entry per milestone row of the schedule")
    variance = variance_days(result, bf_col)
    ctx = _Ctx(week, history)
    cals = _Cals(result)
    _milestone_findings(ctx, result, fr, cals, bs_col, bf_col, variance, D, th)
    _factor_findings(ctx, result, fr, cals, bs_col, D, th)
    inv_progress: dict[str, InvestmentProgress] = {}
    for pi, (pid, inv) in enumerate(zip(fr.project_ids, fr.project_investment, strict=True)):
        if inv is None:
            continue
        ip = investment_progress(inv, D)
        if ip is not None and ip.annual_plan > 0:
            inv_progress[pid] = ip
            light = progress_light(ip.gap_points, th)
            if light is not Light.GREEN:
                ctx.add(pi, 2, 0, pid, FindingKind.INVESTMENT, light, fr.project_lead_units[pi], details=ip.to_json())
    phys: dict[str, PhysicalProgress] = {}
    for pi, pp in _physical(result, fr, cals, bs_col, bf_col, D).items():
        pid = fr.project_ids[pi]
        phys[pid] = pp
        light = progress_light(pp.gap_points, th)
        if light is not Light.GREEN:
            ctx.add(pi, 3, 0, pid, FindingKind.PHYSICAL, light, fr.project_lead_units[pi], details=pp.to_json())
    mres = _money(ctx, fr, D, th, inv_progress, phys)
    if stale is not None and stale.missing:
        ctx.out = apply_staleness(ctx.out, fr, result.status, _factor_open(result, fr), stale, KIND_ORDER)
    ctx.out.sort(key=lambda kf: (kf[0][0], kf[0][3], kf[0][2]))  # by project, kind, row
    findings = [f for _, f in ctx.out]
    by_project: dict[str, list[Light]] = {}
    for f in findings:
        by_project.setdefault(f.project, []).append(f.light)
    lights = {pid: worst(by_project.get(pid, ())) for pid in fr.project_ids}
    summary = _summary(week, D, findings, lights, inv_progress, history)
    summary = replace(summary, money={pid: {**pm.to_json(), "investment_levels": inv_progress[pid].to_json()
                                            if pid in inv_progress else None}
                                      for pid, pm in mres.projects.items()},
                      unit_targets=[u.to_json() for u in mres.unit_targets])
    return CheckResult(week, D, tuple(findings), lights, summary, inv_progress, phys, mres)


def _money(ctx: _Ctx, fr: PortfolioFrame, D: dt.date, th: CheckThresholds,
           inv: Mapping[str, InvestmentProgress], phys: Mapping[str, PhysicalProgress]) -> money.MoneyResult:
    """Payment 序时, 入库纳统 and quantity findings (one of each kind per project at most), for
    the projects that carry money data or an investment plan (a per-project loop over those)."""
    monies = fr.project_money if len(fr.project_money) == len(fr.project_ids) else [Money()] * len(fr.project_ids)
    out: dict[str, money.ProjectMoney] = {}
    for pi, (pid, m, plan) in enumerate(zip(fr.project_ids, monies, fr.project_investment, strict=True)):
        if m.empty and plan is None:
            continue
        pp = phys.get(pid)

        def share(mid: str, pp: PhysicalProgress | None = pp) -> float | None:
            got = pp.per_milestone.get(mid) if pp is not None else None
            return None if got is None else got[0] / 100.0

        pm = money.project_money(m, plan, D, investment_progress, share, th.statistics_yellow_months,
                                 th.statistics_red_months)
        out[pid] = pm
        lead = fr.project_lead_units[pi]
        pay = pm.payment
        if pay is not None and pay.rate is not None and pay.planned is not None:
            g = pay.gap_points
            light = (Light.RED if g > th.payment_red_points else Light.YELLOW if g >= th.payment_yellow_points
                     else Light.GREEN)
            if light is not Light.GREEN:
                ctx.add(pi, 2, 1, pid, FindingKind.PAYMENT, light, lead, details=pay.to_json())
        sc = pm.statistics
        if sc.light is not Light.GREEN:
            ctx.add(pi, 2, 2, pid, FindingKind.STATISTICS, sc.light, lead, details=sc.to_json())
        behind = [(q, progress_light(q.gap_points, th)) for q in pm.quantities if q.planned is not None]
        behind = [(q, lt) for q, lt in behind if lt is not Light.GREEN]
        if behind:
            ctx.add(pi, 3, 1, pid, FindingKind.QUANTITY, worst(lt for _, lt in behind), lead,
                    details={"quantities": [q.to_json() for q, _ in behind]})
    targets = money.unit_targets({pid: fr.project_lead_units[i] for i, pid in enumerate(fr.project_ids)
                                  if pid in out or pid in inv}, inv, out)
    return money.MoneyResult(out, tuple(targets))


def _factor_open(res: ScheduleResult, fr: PortfolioFrame) -> list[bool]:
    """Per factor requirement: not approved and its milestone not finished."""
    return [st != FactorStatus.APPROVED.value and r >= 0 and int(res.status[r]) != cpm.FINISHED
            for st, r in zip(fr.f_status, fr.f_row.tolist(), strict=True)]


def _summary(week: str, D: dt.date, findings: list[Finding], lights: Mapping[str, Light],
             inv: Mapping[str, InvestmentProgress], history: History) -> PortfolioSummary:
    keys = [f.key for f in findings]
    now = set(keys)
    legacy = FindingKind.ESCALATION.value + "/"  # a run stored before escalation moved to the problems
    prev = {k for k in history if not k.startswith(legacy)}

    def count(values: list[str], order: list[str]) -> dict[str, int]:
        return {k: values.count(k) for k in order}

    light_names = [lt.value for lt in Light]
    kinds = Counter(f.kind for f in findings)
    return PortfolioSummary(
        week=week, data_date=D, projects=len(lights),
        project_lights=count([lt.value for lt in lights.values()], light_names),
        finding_lights=count([f.light.value for f in findings], light_names),
        finding_kinds={k.value: n for k in FindingKind if (n := kinds.get(k, 0))},
        investment_annual_plan=sum(i.annual_plan for i in inv.values()),
        investment_plan_to_date=sum(i.plan_to_date for i in inv.values()),
        investment_completed=sum(i.completed for i in inv.values()),
        new=tuple(k for k in keys if k not in prev),
        resolved=tuple(sorted(prev - now)),
        persisting=tuple(k for k in keys if k in prev),
        escalated=(),
    )
