"""The weekly check (要素保障周调度): what is late, which approvals block, who is behind the 序时
plan, and what goes up to the county government. PURE: no I/O, no SQL.

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
  date is before D), weighted by `progress_weight`, against the reported percent complete.
  Gap in percentage points: yellow from `progress_yellow_points` up to `progress_red_points`,
  red beyond.
- History: `history[key] = (first_seen_week, consecutive_red_weeks_up_to_last_run)` for the
  findings of the previous run. A key absent from it is new (first seen this week); weeks_red =
  previous + 1 when red now, else 0. ESCALATION: one per project listing its red findings with
  weeks_red >= `escalate_after_weeks` (提请县政府专题研究).
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from . import cpm
from .calendars import Calendar
from .config import CheckThresholds
from .findings import Finding, FindingKind, Light, iso_week
from .model import FactorRequirement, FactorStatus, InvestmentPlan, Milestone, Project
from .schedule import ScheduleResult, variance_days
from .strings import t

IntArray = npt.NDArray[np.int64]
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
    per_milestone: dict[str, tuple[float, float]]
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


def planned_percent(cal: Calendar, baseline_start: dt.date, baseline_finish: dt.date, duration: int,
                    data_date: dt.date) -> float:
    """Share of a milestone's baseline working days elapsed at the start of `data_date`, in %."""
    if duration == 0 or baseline_finish < baseline_start:
        return 100.0 if baseline_start < data_date else 0.0
    first = cal.index_on_or_after(baseline_start)
    n = max(cal.index_on_or_before(baseline_finish) - first + 1, 1)
    elapsed = min(max(cal.index_on_or_after(data_date) - first, 0), n)
    return 100.0 * elapsed / n


def physical_progress(project: Project, cal: Calendar, baseline: Mapping[str, tuple[int, int]],
                      data_date: dt.date) -> PhysicalProgress | None:
    """Weighted planned vs reported percent complete over the milestones with a baseline."""
    per: dict[str, tuple[float, float]] = {}
    wsum = psum = asum = 0.0
    for m in project.milestones:
        bs, bf = baseline.get(m.id, (0, 0))
        if bs <= 0 or bf <= 0:
            continue
        p = planned_percent(cal, dt.date.fromordinal(bs), dt.date.fromordinal(bf), m.duration, data_date)
        a = m.percent_complete
        w = m.progress_weight
        per[m.id] = (p, a)
        wsum += w
        psum += w * p
        asum += w * a
    if wsum <= 0:
        return None
    return PhysicalProgress(psum / wsum, asum / wsum, wsum, per)


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
                "escalated": list(self.escalated)}


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

    def of_project(self, pid: str) -> list[Finding]:
        """The findings of one project, in check order."""
        return [f for f in self.findings if f.project == pid]


def _d(o: int) -> dt.date:
    return dt.date.fromordinal(int(o))


def _iso(o: int) -> str | None:
    return _d(o).isoformat() if o > 0 else None


@dataclass(slots=True)
class _Ctx:
    result: ScheduleResult
    data_date: dt.date
    th: CheckThresholds
    lang: str
    out: list[Finding]


def _milestone_findings(ctx: _Ctx, p: Project, cal: Calendar, row0: int, bs_col: IntArray,
                        bf_col: IntArray, variance: IntArray) -> None:
    res, D, th, lang = ctx.result, ctx.data_date, ctx.th, ctx.lang
    d_ord = D.toordinal()
    d_idx = cal.index_on_or_after(D)
    tf = res.cpm.total_float
    for i, m in enumerate(p.milestones):
        r = row0 + i
        st = int(res.status[r])
        if st == cpm.FINISHED:
            continue
        unit = m.unit or p.lead_unit
        bs, bf = int(bs_col[r]), int(bf_col[r])
        base: dict[str, object] = {"baseline_start": _iso(bs), "baseline_finish": _iso(bf),
                "forecast_start": _iso(int(res.early_start[r])),
                "forecast_finish": _iso(int(res.early_finish[r])),
                "late_start": _iso(int(res.late_start[r])), "late_finish": _iso(int(res.late_finish[r]))}
        kw = {"name": m.name, "mid": m.id}
        overdue = False
        if bf > 0 and bf < d_ord:
            days = d_idx - cal.index_on_or_before(_d(bf))
            ctx.out.append(Finding(p.id, FindingKind.FINISH_OVERDUE, Light.RED,
                                   t("finding.finish_overdue", lang, baseline=_iso(bf), days=days, **kw),
                                   unit, milestone=m.id, days=days, details=base))
            overdue = True
        if not overdue and bs > 0 and bs < d_ord and st == cpm.NOT_STARTED and not m.is_event:
            days = d_idx - cal.index_on_or_after(_d(bs))
            ctx.out.append(Finding(p.id, FindingKind.START_OVERDUE, slip_light(days, th),
                                   t("finding.start_overdue", lang, baseline=_iso(bs), days=days, **kw),
                                   unit, milestone=m.id, days=days, details=base))
        v = int(variance[r])
        if not overdue and bf > 0 and v > 0:
            ctx.out.append(Finding(p.id, FindingKind.SLIP, slip_light(v, th),
                                   t("finding.slip", lang, baseline=_iso(bf),
                                     forecast=_iso(int(res.early_finish[r])), days=v, **kw),
                                   unit, milestone=m.id, days=v, details=base))
        has_deadline = m.finish_by is not None or (m.start_by is not None and st == cpm.NOT_STARTED)
        if has_deadline and int(tf[r]) < 0:
            days = -int(tf[r])
            parts = []
            if m.start_by is not None and st == cpm.NOT_STARTED:
                parts.append(t("deadline.start_by", lang, date=m.start_by.isoformat()))
            if m.finish_by is not None:
                parts.append(t("deadline.finish_by", lang, date=m.finish_by.isoformat()))
            det: dict[str, object] = dict(base, start_by=m.start_by.isoformat() if m.start_by else None,
                       finish_by=m.finish_by.isoformat() if m.finish_by else None, total_float=-days)
            ctx.out.append(Finding(p.id, FindingKind.DEADLINE, Light.RED,
                                   t("finding.deadline", lang, deadline="、".join(parts),
                                     start=_iso(int(res.early_start[r])),
                                     finish=_iso(int(res.early_finish[r])), days=days, **kw),
                                   unit, milestone=m.id, days=days, details=det))


def _factor_findings(ctx: _Ctx, p: Project, cal: Calendar, row0: int, bs_col: IntArray) -> None:
    res, D, th, lang = ctx.result, ctx.data_date, ctx.th, ctx.lang
    horizon = D + dt.timedelta(weeks=th.lookahead_weeks)
    d_idx = cal.index_on_or_after(D)
    rows = {m.id: row0 + i for i, m in enumerate(p.milestones)}
    for f in p.factors:
        if f.is_approved:
            continue
        m = p.milestone(f.milestone)
        r = rows[m.id]
        if int(res.status[r]) == cpm.FINISHED:
            continue
        start = _d(int(res.early_start[r]))
        late_start = _d(int(res.late_start[r]))
        bs = int(bs_col[r])
        base_start = _d(bs) if bs > 0 else None
        needed = f.needed_by or (min(start, base_start) if base_start else start)
        reasons: list[str] = []
        if start < D:
            reasons.append("start-passed")
        if base_start is not None and base_start < D:
            reasons.append("baseline-start-passed")
        if f.needed_by is not None and f.needed_by < D:
            reasons.append("needed-by-passed")
        if f.expected is not None and f.expected > late_start:
            reasons.append("expected-after-late-start")
        within = start <= horizon
        if f.status is FactorStatus.NOT_STARTED and within:
            reasons.append("not-started-within-lookahead")
        if reasons:
            light = Light.RED
        elif within:
            light = Light.YELLOW
            reasons.append("start-within-lookahead")
        else:
            continue
        days = d_idx - cal.index_on_or_after(needed)
        ctx.out.append(_factor_finding(p, m, f, light, days, needed, start, late_start, reasons, lang))


def _factor_finding(p: Project, m: Milestone, f: FactorRequirement, light: Light, days: int,
                    needed: dt.date, start: dt.date, late_start: dt.date, reasons: list[str],
                    lang: str) -> Finding:
    when = t("factor.overdue", lang, days=days) if days > 0 else t("factor.due_in", lang, days=-days)
    msg = t("finding.factor", lang, kind=f.kind, fname=f.name or f.kind, fid=f.id, status=f.status.value,
            name=m.name, mid=m.id, needed=needed.isoformat(), when=when,
            expected=f.expected.isoformat() if f.expected else t("factor.no_expected", lang))
    if f.blocker:
        msg += t("factor.blocker", lang, blocker=f.blocker)
    details: dict[str, object] = {
        "status": f.status.value, "name": f.name, "expected": f.expected.isoformat() if f.expected else None,
        "needed": needed.isoformat(), "forecast_start": start.isoformat(),
        "late_start": late_start.isoformat(), "blocker": f.blocker, "reasons": reasons}
    return Finding(p.id, FindingKind.FACTOR, light, msg, f.unit or m.unit or p.lead_unit, milestone=m.id,
                   factor=f.id, factor_kind=f.kind, days=days, details=details)


def _with_history(findings: list[Finding], week: str, history: History) -> list[Finding]:
    out = []
    for f in findings:
        first, red = history.get(f.key, (week, 0))
        out.append(replace(f, first_seen=first, weeks_red=red + 1 if f.light is Light.RED else 0))
    return out


def check_portfolio(result: ScheduleResult, baseline_start: IntArray, baseline_finish: IntArray,
                    thresholds: CheckThresholds, history: History | None = None, *,
                    lang: str = "zh") -> CheckResult:
    """Run the weekly check on a schedule at its data date against the baseline columns (date
    ordinals per row of `result.frame`, 0 = no baseline) and the previous run's history."""
    if result.data_date is None:
        raise ValueError("the weekly check needs a schedule at a data date")
    if len(result.frame.projects) != len(result.frame.project_ids):
        raise ValueError("the weekly check needs the model Projects in the frame (schedule_projects, "
                         "not a frame read column-wise by repository.load_frame)")
    D = result.data_date
    week = iso_week(D)
    history = history or {}
    th = thresholds
    bs_col = np.asarray(baseline_start, dtype=np.int64)
    bf_col = np.asarray(baseline_finish, dtype=np.int64)
    if bs_col.shape != (result.frame.n,) or bf_col.shape != (result.frame.n,):
        raise ValueError("baseline columns must have one entry per milestone row of the schedule")
    variance = variance_days(result, bf_col)
    ctx = _Ctx(result, D, th, lang, [])
    inv_progress: dict[str, InvestmentProgress] = {}
    phys: dict[str, PhysicalProgress] = {}
    slices = result.project_slices()
    for p, sl in zip(result.frame.projects, slices, strict=True):
        cal = result.calendars[p.calendar]
        _milestone_findings(ctx, p, cal, sl.start, bs_col, bf_col, variance)
        _factor_findings(ctx, p, cal, sl.start, bs_col)
        if p.investment is not None:
            ip = investment_progress(p.investment, D)
            if ip is not None and ip.annual_plan > 0:
                inv_progress[p.id] = ip
                light = progress_light(ip.gap_points, th)
                if light is not Light.GREEN:
                    ctx.out.append(Finding(
                        p.id, FindingKind.INVESTMENT, light,
                        t("finding.investment", lang, done=f"{ip.completed:.0f}", plan=f"{ip.plan_to_date:.0f}",
                          gap=f"{ip.gap:.0f}", points=f"{ip.gap_points:.1f}"),
                        p.lead_unit, details=ip.to_json()))
        bl = {m.id: (int(bs_col[sl.start + i]), int(bf_col[sl.start + i])) for i, m in enumerate(p.milestones)}
        pp = physical_progress(p, cal, bl, D)
        if pp is not None:
            phys[p.id] = pp
            light = progress_light(pp.gap_points, th)
            if light is not Light.GREEN:
                ctx.out.append(Finding(
                    p.id, FindingKind.PHYSICAL, light,
                    t("finding.physical", lang, actual=f"{pp.actual:.1f}", planned=f"{pp.planned:.1f}",
                      points=f"{pp.gap_points:.1f}"),
                    p.lead_unit, details=pp.to_json()))
    findings = _with_history(ctx.out, week, history)
    findings = _escalate(findings, result.frame.projects, th, week, history, lang)
    order = {p.id: i for i, p in enumerate(result.frame.projects)}
    findings.sort(key=lambda f: (order[f.project], KIND_ORDER[f.kind]))
    lights: dict[str, Light] = {}
    for p in result.frame.projects:
        worst = Light.GREEN
        for f in findings:
            if f.project == p.id and f.light.rank > worst.rank:
                worst = f.light
        lights[p.id] = worst
    summary = _summary(week, D, findings, lights, inv_progress, history)
    return CheckResult(week, D, tuple(findings), lights, summary, inv_progress, phys)


def _escalate(findings: list[Finding], projects: Sequence[Project], th: CheckThresholds, week: str,
              history: History, lang: str) -> list[Finding]:
    out = list(findings)
    for p in projects:
        due = [f for f in findings if f.project == p.id and f.light is Light.RED
               and f.weeks_red >= th.escalate_after_weeks]
        if not due:
            continue
        keys = [f.key for f in due]
        weeks = max(f.weeks_red for f in due)
        esc = Finding(p.id, FindingKind.ESCALATION, Light.RED,
                      t("finding.escalation", lang, weeks=th.escalate_after_weeks, n=len(keys),
                        items="；".join(f.message for f in due)),
                      p.lead_unit, days=None,
                      details={"keys": keys, "max_weeks_red": weeks, "leader": p.leader})
        out.extend(_with_history([esc], week, history))
    return out


def _summary(week: str, D: dt.date, findings: list[Finding], lights: Mapping[str, Light],
             inv: Mapping[str, InvestmentProgress], history: History) -> PortfolioSummary:
    keys = [f.key for f in findings]
    now = set(keys)
    prev = set(history)

    def count(values: list[str], order: list[str]) -> dict[str, int]:
        return {k: values.count(k) for k in order}

    light_names = [lt.value for lt in Light]
    return PortfolioSummary(
        week=week, data_date=D, projects=len(lights),
        project_lights=count([lt.value for lt in lights.values()], light_names),
        finding_lights=count([f.light.value for f in findings], light_names),
        finding_kinds={k.value: n for k in FindingKind if (n := sum(f.kind is k for f in findings))},
        investment_annual_plan=sum(i.annual_plan for i in inv.values()),
        investment_plan_to_date=sum(i.plan_to_date for i in inv.values()),
        investment_completed=sum(i.completed for i in inv.values()),
        new=tuple(k for k in keys if k not in prev),
        resolved=tuple(sorted(prev - now)),
        persisting=tuple(k for k in keys if k in prev),
        escalated=tuple(f.project for f in findings if f.kind is FindingKind.ESCALATION),
    )
