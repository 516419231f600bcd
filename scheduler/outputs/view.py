"""The one abstract model every output of the weekly meeting renders from (as TaskJuggler's
reports): `WeeklyView` holds the portfolio at a glance, the red list by lead unit, the
factor-guarantee blockers by kind, the special-meeting list, every finding, and per project its
key facts and a `GanttModel`. The PDF printout, the Gantt charts and the findings sheet only lay
this out; none of them looks at projects, schedules or findings themselves. Pure: no I/O."""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from scheduler.core.alerts import Names
from scheduler.core.check import CheckResult, factor_needed_by, investment_progress, physical_by_project
from scheduler.core.dates import by_text, date_text, fmt_cn_date, week_text
from scheduler.core.findings import Finding, FindingKind, Light, week_monday, worst
from scheduler.core.model import FACTOR_KINDS, InvestmentPlan, Project
from scheduler.core.phrases import (
    escalation_parts,
    finding_text,
    names_of_projects,
    problem_drags,
    problem_what,
)
from scheduler.core.problems import Problem
from scheduler.core.reporting import StaleMark, carried_findings, carried_from, stale_mark
from scheduler.core.schedule import ScheduleResult
from scheduler.outputs.money_view import MoneyView, TableModel, build_money_view, ten_day_table
from scheduler.strings import t

IntArray = npt.NDArray[np.int64]

# -- the model -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GanttRow:
    """One bar of a Gantt chart: a milestone (project chart) or a whole project (portfolio chart).

    Dates are the printed dates of the schedule (finish = the last day worked); baseline dates
    are None when no baseline is kept; `total_float` is None for finished milestones."""

    key: str
    label: str
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    forecast_start: dt.date
    forecast_finish: dt.date
    percent: float
    light: Light
    critical: bool
    event: bool
    deadline: dt.date | None
    late_start: dt.date | None
    late_finish: dt.date | None
    total_float: int | None
    finished: bool = False
    variance: int | None = None
    deadline_is_start: bool = False
    unit: str = ""


@dataclass(frozen=True, slots=True)
class GanttModel:
    """The rows of one Gantt chart and its frame: data date, calendar (for holiday shading) and
    the date range every page of the chart shares."""

    title: str
    rows: tuple[GanttRow, ...]
    data_date: dt.date
    calendar: str
    start: dt.date
    end: dt.date
    portfolio: bool = False

    def pages(self, rows_per_page: int) -> list[GanttModel]:
        """The chart split into charts of at most `rows_per_page` rows, same date range (for the PDF)."""
        if rows_per_page <= 0 or len(self.rows) <= rows_per_page:
            return [self]
        return [replace(self, rows=self.rows[i:i + rows_per_page])
                for i in range(0, len(self.rows), rows_per_page)]


@dataclass(frozen=True, slots=True)
class Investment:
    """A project's (or the portfolio's) investment of the plan year, 万元."""

    total: float | None
    annual_plan: float
    plan_to_date: float
    completed: float

    @property
    def percent_of_plan(self) -> float | None:
        """Completed as a percentage of the time-proportional plan (序时进度), None without a plan."""
        return 100.0 * self.completed / self.plan_to_date if self.plan_to_date > 0 else None

    @property
    def percent_of_annual(self) -> float | None:
        """Completed as a percentage of the annual plan."""
        return 100.0 * self.completed / self.annual_plan if self.annual_plan > 0 else None


@dataclass(frozen=True, slots=True)
class Glance:
    """The portfolio at a glance (cover of the printout)."""

    projects: int
    red: int
    yellow: int
    green: int
    investment: Investment
    new: int | None
    resolved: int | None
    persisting: int | None
    findings: int
    red_findings: int
    escalations: int
    blockers: int
    problems: int | None = None
    """Open problems on the list (问题清单) and how many of them are red; None without a list."""
    red_problems: int | None = None


@dataclass(frozen=True, slots=True)
class FindingRow:
    """A finding with everything a reader needs beside it: project name, lead unit, leader,
    milestone name, whether it is new this week and for how many weeks it has been open."""

    project_id: str
    project_name: str
    lead_unit: str
    leader: str
    kind: FindingKind
    light: Light
    message: str
    unit: str
    milestone_id: str
    milestone_name: str
    factor_id: str
    factor_kind: str
    days: int | None
    first_seen: str
    weeks_open: int | None
    weeks_red: int
    new: bool
    key: str = ""
    stale_from: str = ""
    """The week this finding was carried from because its unit did not report (未报送); "" = fresh."""
    by_actual: bool = False
    """A deadline judged by the milestone's actual date (met or missed: a fact, not a forecast)."""


@dataclass(frozen=True, slots=True)
class RedGroup:
    """The red findings of the projects one lead unit answers for."""

    lead_unit: str
    leaders: tuple[str, ...]
    items: tuple[FindingRow, ...]


@dataclass(frozen=True, slots=True)
class Blocker:
    """A factor-guarantee approval not granted yet (要素保障堵点)."""

    kind: str
    requirement: str
    factor_id: str
    project_id: str
    project_name: str
    milestone_id: str
    milestone_name: str
    needed_by: dt.date | None
    expected: dt.date | None
    status: str
    blocker: str
    unit: str
    weeks_open: int | None
    light: Light | None
    """The worst light of this week's findings on the requirement; None when the check raised none."""


@dataclass(frozen=True, slots=True)
class BlockerGroup:
    """Blockers of one kind (用地, 用林, 用能, 环评, then any other kind the county names)."""

    kind: str
    items: tuple[Blocker, ...]


@dataclass(frozen=True, slots=True)
class Escalation:
    """A matter for the county government's special meeting (提请县政府专题研究): a problem going
    up (`Problem.escalate`), its 事由 (message), 需协调事项 (matters) and 建议 (proposal)."""

    project_id: str
    project_name: str
    lead_unit: str
    leader: str
    message: str
    unit: str
    weeks_red: int
    first_seen: str
    problem_id: str
    matters: str
    proposal: str


@dataclass(frozen=True, slots=True)
class ProblemRow:
    """A problem of the list (问题清单) with what a reader needs beside it: the project's name, lead
    unit and leader, what is wrong and what it drags in words, and when it goes up to the county
    its 事由, 需协调事项 and 建议."""

    problem: Problem
    project_name: str
    lead_unit: str
    leader: str
    what: str
    drags: str
    reason: str = ""
    matters: str = ""
    proposal: str = ""
    stale: StaleMark | None = None
    """Its findings carried because their units did not report (未报送·沿用W); None = fresh."""

    @property
    def symptoms(self) -> int:
        """How many findings are counted under it (its own included)."""
        return len(self.problem.symptoms)


@dataclass(frozen=True, slots=True)
class Closed:
    """An item (milestone or factor of a project) that had findings last week and has none this week."""

    project_id: str
    project_name: str
    item: str
    kinds: tuple[str, ...]
    unit: str


@dataclass(frozen=True, slots=True)
class ProjectView:
    """One project's page: key facts, its findings, its Gantt chart (rows = milestones)."""

    id: str
    name: str
    lead_unit: str
    leader: str
    units: tuple[str, ...]
    calendar: str
    calendar_title: str
    target: str
    category: str
    location: str
    start: dt.date
    baseline_finish: dt.date | None
    forecast_finish: dt.date | None
    variance: int | None
    deadline: dt.date | None
    light: Light
    percent: float
    investment: Investment | None
    findings: tuple[FindingRow, ...]
    gantt: GanttModel
    seven_day: bool = False
    """Its calendar works every day (施工日历): its days are counted as 天, not 个工作日."""
    stale_units: tuple[str, ...] = ()
    """Units of this project that did not report this week (its findings on them are carried)."""

    @property
    def milestones(self) -> tuple[GanttRow, ...]:
        """The milestone rows (same as the Gantt chart's)."""
        return self.gantt.rows


@dataclass(frozen=True, slots=True)
class WeeklyView:
    """Everything the weekly task-force meeting (工作专班周调度会) reads, in reading order."""

    week: str
    data_date: dt.date
    generated_at: dt.datetime
    lang: str
    glance: Glance
    red_list: tuple[RedGroup, ...]
    blockers: tuple[BlockerGroup, ...]
    escalations: tuple[Escalation, ...]
    findings: tuple[FindingRow, ...]
    projects: tuple[ProjectView, ...]
    portfolio_gantt: GanttModel
    notes: tuple[str, ...] = ()
    issue: int | None = None
    """The number of this brief in the year (第N期): the weekly runs stored so far this year."""
    closed: tuple[Closed, ...] = ()
    """Items open last week with no finding at all this week (本周办结)."""
    timezone: str = "Asia/Shanghai"
    non_reporting: tuple[str, ...] = ()
    """Units that did not report this week (未按时报送), when the run knows them."""
    problems: tuple[ProblemRow, ...] = ()
    """The week's problem list (问题清单): root causes with their symptoms counted under them."""
    office: str = ""
    """Who issues the papers (config.toml `office`, e.g. 县发改局（重大项目工作专班办公室）); empty: the
    generic bureau."""
    money: MoneyView = field(default_factory=MoneyView)
    """以旬保月 table, unit 旬 targets, 三类资金支付, 入库纳统, 实物量 (outputs/money_view.py)."""

    @property
    def week_label(self) -> str:
        """The week as its readers say it (2026年第48周（11月23日至29日）); file names keep `week`."""
        return week_text(self.week, self.lang)

    @property
    def title(self) -> str:
        """Title of the printout and the sheet."""
        return t("out.title", self.lang, week=self.week_label)

    @property
    def ten_day(self) -> TableModel | None:
        """以旬保月、以月保季、以季保年 with the lead units' 旬 targets, as a table (None: no plans)."""
        return ten_day_table(self.money, self.lang) if self.money.levels else None


# -- formatting shared by every output ------------------------------------------------------------

def fmt_date(d: dt.date | None) -> str:
    """ISO date, or an em dash when absent."""
    return d.isoformat() if d is not None else "—"


def fmt_wan(x: float | None) -> str:
    """An amount of 万元 with thousands separators (no decimals above 100)."""
    if x is None:
        return "—"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def fmt_pct(x: float | None) -> str:
    """A percentage with one decimal, or an em dash."""
    return "—" if x is None else f"{x:.1f}%"


def fmt_int(x: int | None, signed: bool = False) -> str:
    """An integer (signed: with + for positive), or an em dash."""
    if x is None:
        return "—"
    return f"{x:+d}" if signed and x != 0 else f"{x:d}"


def light_word(light: Light | None, lang: str) -> str:
    """红/黄/绿 (red/yellow/green) for a table cell."""
    return t(f"out.light.{light.value}", lang) if light is not None else "—"


def stale_text(week: str, lang: str) -> str:
    """The mark before an item whose unit did not report: 【未报送·沿用2026年第47周】, the week whose
    data it keeps."""
    return t("out.pdf.stale_mark", lang, week=week_text(week, lang, dates=False))


def kind_label(kind: FindingKind, lang: str) -> str:
    """What a finding is about, in words."""
    return t(f"kind.{kind.value}", lang)


def glance_rows(view: WeeklyView) -> list[tuple[str, str]]:
    """The portfolio at a glance as (label, value) pairs, the same on the cover and in the sheet."""
    lang, g = view.lang, view.glance
    inv = g.investment
    return [
        (t("out.glance.projects", lang), t("out.glance.projects.value", lang, n=g.projects, red=g.red,
                                           yellow=g.yellow, green=g.green)),
        (t("out.glance.annual", lang), fmt_wan(inv.annual_plan)),
        (t("out.glance.plan_to_date", lang), fmt_wan(inv.plan_to_date)),
        (t("out.glance.completed", lang), t("out.glance.completed.value", lang, done=fmt_wan(inv.completed),
                                            pct=fmt_pct(inv.percent_of_plan), annual=fmt_pct(inv.percent_of_annual))),
        (t("out.glance.changes", lang), t("out.glance.changes.value", lang, new=fmt_int(g.new),
                                          resolved=fmt_int(g.resolved), persisting=fmt_int(g.persisting))),
        (t("out.glance.problems", lang), t("out.glance.problems.value", lang, n=g.problems, red=g.red_problems,
                                           findings=g.findings)) if g.problems is not None else
        (t("out.glance.findings", lang), t("out.glance.findings.value", lang, n=g.findings, red=g.red_findings)),
        (t("out.glance.blockers", lang), str(g.blockers)),
        (t("out.glance.escalations", lang), str(g.escalations)),
    ]


def deadline_fact(p: ProjectView, lang: str) -> str:
    """时限要求 of a project page, judged as the check judges it: a missed deadline says by how much
    (by the actual date once it has happened: 已于11月5日完成，超期5天; else against the forecast);
    else the next open deadline with its forecast; else the last one, met on its actual date."""
    missed = [r for r in p.findings if r.kind is FindingKind.DEADLINE]
    if missed:
        return max(missed, key=lambda r: r.days or 0).message
    ref = p.gantt.data_date
    rows = [r for r in p.gantt.rows if r.deadline is not None]
    if not rows:
        return "—"

    def by(r: GanttRow) -> str:
        verb = t("brief.verb.start" if r.deadline_is_start else "brief.verb.finish", lang)
        return t("deadline.piece", lang, by=by_text(r.deadline, ref, lang), verb=verb).strip() if r.deadline else ""

    def date(r: GanttRow) -> dt.date:
        return r.forecast_start if r.deadline_is_start else r.forecast_finish

    def happened(r: GanttRow) -> bool:
        return r.finished or (r.deadline_is_start and r.percent > 0)

    open_ = sorted((r for r in rows if not happened(r)), key=lambda r: r.deadline or dt.date.max)
    if open_:
        r = open_[0]
        return t("out.fact.deadline.open", lang, by=by(r), mid=r.key, date=date_text(date(r), ref, lang))
    r = max(rows, key=lambda r: r.deadline or dt.date.min)
    late = r.deadline is not None and date(r) > r.deadline  # missed, its finding gone with the weeks
    return t("out.fact.deadline.late" if late else "out.fact.deadline.met", lang, by=by(r), mid=r.key,
             date=date_text(date(r), ref, lang))


def project_facts(p: ProjectView, lang: str) -> list[tuple[str, str]]:
    """The key facts of a project page as (label, value) pairs, in reading order."""
    inv = p.investment
    facts = [
        (t("out.fact.lead_unit", lang), p.lead_unit or "—"),
        (t("out.fact.leader", lang), p.leader or "—"),
        (t("out.fact.units", lang), "、".join(p.units) if p.units else "—"),
        (t("out.fact.calendar", lang), p.calendar_title or p.calendar),
        (t("out.fact.target", lang), p.target or "—"),
        (t("out.fact.start", lang), fmt_date(p.start)),
        (t("out.fact.baseline_finish", lang), fmt_date(p.baseline_finish)),
        (t("out.fact.forecast_finish", lang), fmt_date(p.forecast_finish)),
        (t("out.fact.variance", lang), t("out.fact.variance.days" if p.seven_day else "out.fact.variance.value",
                                         lang, n=fmt_int(p.variance, signed=True))
         if p.variance is not None else "—"),
        (t("out.fact.deadline", lang), deadline_fact(p, lang)),
        (t("out.fact.light", lang), t(f"light.{p.light.value}", lang)),
        (t("out.fact.percent", lang), fmt_pct(p.percent)),
    ]
    if inv is not None:
        facts.append((t("out.fact.investment", lang), t(
            "out.fact.investment.value", lang, total=fmt_wan(inv.total), annual=fmt_wan(inv.annual_plan),
            plan=fmt_wan(inv.plan_to_date), done=fmt_wan(inv.completed), pct=fmt_pct(inv.percent_of_plan))))
    return facts


# -- building the view ----------------------------------------------------------------------------

def investment_to_date(inv: InvestmentPlan, data_date: dt.date) -> Investment:
    """A project's plan to date (序时, as the weekly check counts it: `check.investment_progress`)
    and what was completed, 万元; a plan of another year than the data date's counts the whole
    year (a past year) or nothing (a future one)."""
    ip = investment_progress(inv, data_date)
    if ip is not None:
        return Investment(float(inv.total), ip.annual_plan, ip.plan_to_date, ip.completed)
    if data_date.year < inv.year:
        plan = 0.0
    elif data_date.year > inv.year:
        plan = float(inv.annual_plan)
    else:
        m = data_date.month
        plan = sum(inv.month_plan(k) for k in range(1, m))
        plan += inv.month_plan(m) * data_date.day / _stdcal.monthrange(inv.year, m)[1]
    done = float(sum(inv.completed.values()))
    return Investment(float(inv.total), float(inv.annual_plan), plan, done)


def _count(v: object) -> int | None:
    """A summary count: a number, or the length of a list of keys; None when not known."""
    if isinstance(v, int | float):
        return int(v)
    if isinstance(v, list | tuple):
        return len(v)
    return None


def _num(v: object) -> float | None:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    return None


def _weeks_between(first: str | None, week: str) -> int | None:
    """Weeks a finding first seen in `first` has been open at `week`, this week counted (1 = new)."""
    if not first:
        return None
    try:
        return (week_monday(week) - week_monday(first)).days // 7 + 1
    except ValueError:
        return None


def _d(o: int | np.integer) -> dt.date | None:
    return dt.date.fromordinal(int(o)) if int(o) > 0 else None


def _date_range(rows: Sequence[GanttRow], data_date: dt.date) -> tuple[dt.date, dt.date]:
    ds: list[dt.date] = [data_date]
    for r in rows:
        ds += [x for x in (r.baseline_start, r.baseline_finish, r.forecast_start, r.forecast_finish,
                           r.deadline) if x is not None]
    lo, hi = min(ds), max(ds)
    lo = dt.date(lo.year, lo.month, 1)
    nxt = dt.date(hi.year + (hi.month == 12), hi.month % 12 + 1, 1)
    return lo, nxt


def build_weekly_view(projects: Sequence[Project], result: ScheduleResult, baseline_start: IntArray,
                      baseline_finish: IntArray, findings: Sequence[Finding], project_lights: Mapping[str, Light],
                      summary: Mapping[str, object], week: str, data_date: dt.date, lang: str,
                      *, generated_at: dt.datetime | None = None, timezone: str = "Asia/Shanghai",
                      issue: int | None = None, non_reporting: Iterable[str] = (),
                      problems: Sequence[Problem] = (), office: str = "") -> WeeklyView:
    """Assemble the week's WeeklyView from the run's results (plain data in, plain data out).

    `projects`: the portfolio (any order; each must be in `result.frame`, matched by id; the view
    keeps this order). `result`: the forecast at `data_date`. `baseline_start`/`baseline_finish`:
    date ordinals per row of `result.frame` (0 = no baseline). `findings`: this week's findings
    (`first_seen` and `weeks_red` filled in from history when known). `project_lights`: light per
    project id (missing: the worst light of its findings, else green). `summary` is the check's
    `PortfolioSummary.to_json()` or any mapping; every key is optional: 'investment' ({'annual_plan',
    'plan_to_date', 'completed'}, 万元, portfolio totals; flat 'invest_annual_plan',
    'invest_plan_to_date', 'invest_completed' win over it; default: the sum of the projects'
    figures), 'invest_by_project' ({project id: {'plan_to_date', 'completed', 'annual_plan'}}, e.g.
    `InvestmentProgress.to_json()` of CheckResult.investment; default: `investment_to_date`),
    'new', 'resolved', 'persisting' (findings compared with last week: a count or a collection of
    keys; missing = not known, shown as —), 'resolved_keys' (last week's finding keys gone this week).
    `generated_at` defaults to now in `timezone` (the configured one, not the machine's UTC).
    `non_reporting`: the units that did not report this week (core/reporting.py); findings carried
    because of them carry `details["stale"]`.
    `problems`: the week's problem list (core/problems.py): the view's problems, and its
    escalations (提请县政府专题研究): the problems going up, none without a list."""
    missing = tuple(sorted(set(non_reporting)))
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    generated_at = (generated_at.astimezone(zone) if generated_at is not None and generated_at.tzinfo
                    else generated_at or dt.datetime.now(zone).replace(microsecond=0))
    frame = result.frame
    pindex = {pid: i for i, pid in enumerate(frame.project_ids)}
    slices = result.project_slices()
    finishes = result.project_finish()
    tf, crit, fin = result.cpm.total_float, result.cpm.critical, result.cpm.finished
    variance = _variance(result, baseline_finish)
    by_project: dict[str, list[Finding]] = {}
    for f in findings:
        by_project.setdefault(f.project, []).append(f)
    pmap = {p.id: p for p in projects}
    names = names_of_projects(projects)
    phys = physical_by_project(result, baseline_start, baseline_finish)
    inv_over = summary.get("invest_by_project")
    inv_over = inv_over if isinstance(inv_over, Mapping) else {}

    rows_all: list[FindingRow] = []
    pviews: list[ProjectView] = []
    for p in projects:
        if p.id not in pindex:
            raise KeyError(f"project {p.id} is not in the schedule result")
        pi = pindex[p.id]
        sl = slices[pi]
        pf = by_project.get(p.id, [])
        frows = [_finding_row(f, p, week, names, lang, data_date) for f in pf]
        rows_all += frows
        m_light: dict[str, Light] = {}
        for f in pf:
            if f.milestone:
                m_light[f.milestone] = worst([f.light], m_light.get(f.milestone, Light.GREEN))
        light = project_lights.get(p.id) or worst(f.light for f in pf)
        grows = []
        for k, m in enumerate(p.milestones):
            r = sl.start + k
            done = bool(fin[r])
            deadline, is_start = (m.finish_by, False) if m.finish_by else (m.start_by, m.start_by is not None)
            grows.append(GanttRow(
                key=m.id, label=f"{m.id} {m.name}",
                baseline_start=_d(baseline_start[r]), baseline_finish=_d(baseline_finish[r]),
                forecast_start=dt.date.fromordinal(int(result.early_start[r])),
                forecast_finish=dt.date.fromordinal(int(result.early_finish[r])),
                percent=m.percent_complete, light=m_light.get(m.id, Light.GREEN),
                critical=bool(crit[r]) and not done, event=m.is_event, deadline=deadline,
                late_start=None if done else _d(result.late_start[r]),
                late_finish=None if done else _d(result.late_finish[r]),
                total_float=None if done else int(tf[r]), finished=done,
                variance=int(variance[r]) if baseline_finish[r] > 0 else None,
                deadline_is_start=is_start, unit=m.unit or p.lead_unit))
        bfin = baseline_finish[sl]
        base_finish = _d(bfin.max()) if bfin.size and bfin.max() > 0 else None
        fc = finishes[pi]
        pvar = None
        cal = result.calendars.get(p.calendar)
        if base_finish is not None and fc is not None and cal is not None:
            pvar = cal.index_on_or_before(fc) - cal.index_on_or_before(base_finish)
        inv = None
        if p.investment is not None:
            inv = investment_to_date(p.investment, data_date)
            over = inv_over.get(p.id)
            if isinstance(over, Mapping):
                o_plan = _num(over.get("plan_to_date"))
                o_done = _num(over.get("completed"))
                o_annual = _num(over.get("annual_plan"))
                inv = Investment(inv.total, inv.annual_plan if o_annual is None else o_annual,
                                 inv.plan_to_date if o_plan is None else o_plan,
                                 inv.completed if o_done is None else o_done)
        deadlines = [d for m in p.milestones for d in (m.finish_by, m.start_by) if d]  # 10月底前开工 counts
        g_rows = tuple(grows)
        lo, hi = _date_range(g_rows, data_date)
        gantt = GanttModel(title=t("out.gantt.title", lang, name=p.name, date=date_text(data_date, None, lang)),
                           rows=g_rows, data_date=data_date, calendar=p.calendar, start=lo, end=hi)
        pviews.append(ProjectView(
            id=p.id, name=p.name, lead_unit=p.lead_unit, leader=p.leader or "", units=p.units,
            calendar=p.calendar, calendar_title=cal.title if cal is not None else p.calendar,
            target=p.target or "", category=p.category or "", location=p.location or "", start=p.start,
            baseline_finish=base_finish, forecast_finish=fc, variance=pvar,
            deadline=max(deadlines) if deadlines else None, light=light,
            percent=phys[p.id].actual if p.id in phys else 0.0,
            investment=inv, findings=tuple(sorted(frows, key=_finding_order)), gantt=gantt,
            seven_day=_seven_day(cal, data_date),
            stale_units=tuple(u for u in missing if u in _units_of(p))))

    rows_all.sort(key=_finding_order)
    order = {p.id: i for i, p in enumerate(projects)}
    red_list = _red_list([r for r in rows_all if r.light is Light.RED and r.kind is not FindingKind.ESCALATION],
                         pmap, order)
    blockers = _blockers(projects, pviews, findings, week)
    problem_rows = _problem_rows(problems, pmap, order, names, lang, findings, data_date)
    escalations = _problem_escalations(problem_rows)
    closed = _closed(summary.get("resolved_keys"), findings, pmap)
    if "resolved_keys" in summary:  # an item that got worse changed its key: not resolved
        summary = {**summary, "resolved": len(closed)}
    glance = _glance(pviews, rows_all, blockers, escalations, summary, problem_rows if problems else None)
    portfolio = _portfolio_gantt(pviews, data_date, lang)
    return WeeklyView(week=week, data_date=data_date, generated_at=generated_at, lang=lang, glance=glance,
                      red_list=red_list, blockers=blockers, escalations=escalations, findings=tuple(rows_all),
                      projects=tuple(pviews), portfolio_gantt=portfolio,
                      notes=_notes(pviews, result, lang), issue=issue, closed=closed, timezone=timezone,
                      non_reporting=missing, problems=problem_rows, office=office,
                      money=build_money_view(summary, {p.id: (p.name, p.lead_unit) for p in pviews}, findings))


def _closed(keys: object, findings: Sequence[Finding], pmap: Mapping[str, Project]) -> tuple[Closed, ...]:
    """Last week's items (project + milestone or factor) with no finding this week: resolved keys
    whose item still has a finding (it got worse, or changed kind) are not closed."""
    if not isinstance(keys, list | tuple):
        return ()
    now = {"/".join(f.key.split("/")[1:]) for f in findings}
    items: dict[str, list[str]] = {}
    for k in keys:
        kind, _, item = str(k).partition("/")
        if item and item not in now and kind != FindingKind.ESCALATION.value:
            items.setdefault(item, []).append(kind)
    out = []
    for item, kinds in items.items():
        pid, _, rest = item.partition("/")
        p = pmap.get(pid)
        if p is None:
            continue
        name, unit = rest, p.lead_unit
        mid, _, fid = rest.partition("/")
        if not fid and all(m.id != mid for m in p.milestones):
            mid, fid = "", mid
        if fid:
            fac = next((x for x in p.factors if x.id == fid), None)
            name, unit = (fac.name or f"{fac.id} {fac.kind}", fac.unit or unit) if fac else (fid, unit)
        elif mid:
            ms = next((m for m in p.milestones if m.id == mid), None)
            name, unit = (f"{ms.name}（{ms.id}）", ms.unit or unit) if ms else (mid, unit)
        out.append(Closed(pid, p.name, name, tuple(kinds), unit))
    return tuple(out)


def _seven_day(cal: Any, data_date: dt.date) -> bool:
    """Whether a calendar works (nearly) every day from the data date (Calendar.works_daily)."""
    return cal is not None and bool(cal.works_daily(data_date))


def _units_of(p: Project) -> set[str]:
    """Every unit answering for something of the project (milestones, factors, the lead unit)."""
    return {p.lead_unit, *(m.unit for m in p.milestones if m.unit), *(f.unit for f in p.factors if f.unit)}


def _notes(pviews: Sequence[ProjectView], result: ScheduleResult, lang: str) -> tuple[str, ...]:
    """The sentence every output carries when dates reach into a year scheduled on the provisional
    calendar rule: in Chinese from the calendars themselves, else the schedule's own warnings."""
    if lang != "zh":
        return tuple(result.warnings)
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    for p in pviews:
        ds = [x for r in p.gantt.rows for x in (r.baseline_start, r.baseline_finish, r.forecast_start,
                                                  r.forecast_finish, r.late_start, r.late_finish) if x]
        if ds:
            lo, hi = spans.get(p.calendar, (min(ds), max(ds)))
            spans[p.calendar] = (min(lo, *ds), max(hi, *ds))
    out = []
    for name, (lo, hi) in sorted(spans.items()):
        cal = result.calendars.get(name)
        years = cal.provisional_between(lo, hi) if cal is not None else []
        if cal is not None and years:
            out.append(t("out.note.provisional", lang, name=name, title=cal.title or name,
                         years="、".join(str(y) for y in years)))
    return tuple(out) if out or not result.warnings else tuple(result.warnings)


def _variance(result: ScheduleResult, baseline_finish: IntArray) -> IntArray:
    from scheduler.core.schedule import variance_days

    return variance_days(result, np.asarray(baseline_finish, dtype=np.int64))


def _finding_order(r: FindingRow) -> tuple[int, str, str, str, str]:
    return (-r.light.rank, r.project_id, r.milestone_id, r.kind.value, r.factor_id)


def _finding_row(f: Finding, p: Project, week: str, names: Names, lang: str, ref: dt.date) -> FindingRow:
    mname = names.milestones.get((p.id, f.milestone), f.milestone) if f.milestone else ""
    return FindingRow(
        project_id=p.id, project_name=p.name, lead_unit=p.lead_unit, leader=p.leader or "", kind=f.kind,
        light=f.light, message=finding_text(f, names, lang, ref), unit=f.unit, milestone_id=f.milestone or "",
        milestone_name=mname,
        factor_id=f.factor or "", factor_kind=f.factor_kind or "", days=f.days, first_seen=f.first_seen or week,
        weeks_open=_weeks_between(f.first_seen or week, week), weeks_red=f.weeks_red,
        new=(f.first_seen is None or f.first_seen == week), key=f.key,
        stale_from=carried_from(f), by_actual=f.kind is FindingKind.DEADLINE and "judged" in f.details)


def _red_list(rows: list[FindingRow], pmap: Mapping[str, Project], order: Mapping[str, int]) -> tuple[RedGroup, ...]:
    groups: dict[str, list[FindingRow]] = {}
    for r in rows:
        groups.setdefault(r.lead_unit, []).append(r)
    out = []
    for unit, items in groups.items():
        items.sort(key=lambda r: (order.get(r.project_id, 0), r.milestone_id, r.kind.value, r.factor_id))
        leaders = tuple(dict.fromkeys(r.leader for r in items if r.leader))
        out.append(RedGroup(unit, leaders, tuple(items)))
    out.sort(key=lambda g: (-len(g.items), g.lead_unit))
    return tuple(out)


def _blockers(projects: Sequence[Project], pviews: Sequence[ProjectView], findings: Sequence[Finding],
              week: str) -> tuple[BlockerGroup, ...]:
    fx: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.factor:
            fx.setdefault((f.project, f.factor), []).append(f)
    groups: dict[str, list[Blocker]] = {}
    for p, pv in zip(projects, pviews, strict=True):
        rows = {r.key: r for r in pv.gantt.rows}
        for fac in p.factors:
            if fac.is_approved:
                continue
            row = rows.get(fac.milestone)
            if row is not None and row.finished:
                continue
            mname = p.milestone(fac.milestone).name
            needed = _needed_by(fac.needed_by, row)
            fs = fx.get((p.id, fac.id), [])
            firsts = sorted(f.first_seen for f in fs if f.first_seen)
            groups.setdefault(fac.kind, []).append(Blocker(
                kind=fac.kind, requirement=fac.name or f"{fac.id} {fac.kind}", factor_id=fac.id, project_id=p.id,
                project_name=p.name, milestone_id=fac.milestone, milestone_name=mname, needed_by=needed,
                expected=fac.expected, status=fac.status.value, blocker=fac.blocker or "",
                unit=fac.unit or p.lead_unit, weeks_open=_weeks_between(firsts[0], week) if firsts else
                (1 if fs else None), light=worst(f.light for f in fs) if fs else None))
    kinds = [k for k in FACTOR_KINDS if k in groups] + sorted(k for k in groups if k not in FACTOR_KINDS)
    far = dt.date.max
    return tuple(BlockerGroup(k, tuple(sorted(groups[k], key=lambda b: (-(b.light.rank if b.light else -1),
                                                                          b.needed_by or far,
                                                                          b.project_id, b.factor_id))))
                 for k in kinds)


def _needed_by(own: dt.date | None, row: GanttRow | None) -> dt.date | None:
    """When the approval is needed: core.check.factor_needed_by, the check's own rule."""
    if row is None:
        return own
    o = factor_needed_by(np.array([own.toordinal() if own else 0]),
                         np.array([row.baseline_start.toordinal() if row.baseline_start else 0]),
                         np.array([row.forecast_start.toordinal()]))
    return _d(o[0])


def _problem_rows(problems: Sequence[Problem], pmap: Mapping[str, Project], order: Mapping[str, int],
                  names: Names, lang: str, findings: Sequence[Finding] = (), ref: dt.date | None = None,
                  ) -> tuple[ProblemRow, ...]:
    """The problems of the view's projects, those that count first (red, then yellow), then the
    exempt, merged and closed ones; by project order within a light. Each carries its stale mark
    (未报送) from this week's carried `findings`."""
    carried = carried_findings(findings)
    out = []
    for p in problems:
        prj = pmap.get(p.project)
        if prj is None:
            continue
        parts = escalation_parts(p, names, lang, ref) if p.escalate else ("", "", "")
        out.append(ProblemRow(
            problem=p, project_name=prj.name, lead_unit=prj.lead_unit, leader=prj.leader or "",
            what=problem_what(p, names, lang, ref),
            drags=problem_drags(p, names, lang, ref),
            reason=parts[0], matters=parts[1], proposal=parts[2],
            stale=stale_mark((sym.key for sym in p.symptoms), carried) if carried else None))
    out.sort(key=lambda r: (not r.problem.counts, -r.problem.light.rank, order.get(r.problem.project, 0),
                            r.problem.id))
    return tuple(out)


def _problem_escalations(rows: Sequence[ProblemRow]) -> tuple[Escalation, ...]:
    """提请县政府专题研究: the problems that go up this week (red for N weeks or 需县级协调), each
    with its 事由 (message), 需协调事项 and 建议 (issues)."""
    out = [Escalation(project_id=r.problem.project, project_name=r.project_name, lead_unit=r.lead_unit,
                      leader=r.leader, message=r.reason, unit=r.problem.unit, weeks_red=r.problem.weeks_red,
                      first_seen=r.problem.first_seen, problem_id=r.problem.id,
                      matters=r.matters, proposal=r.proposal)
           for r in rows if r.problem.escalate]
    return tuple(sorted(out, key=lambda e: -e.weeks_red))


def _glance(pviews: Sequence[ProjectView], rows: Sequence[FindingRow], blockers: Sequence[BlockerGroup],
            escalations: Sequence[Escalation], summary: Mapping[str, object],
            problems: Sequence[ProblemRow] | None = None) -> Glance:
    lights = [p.light for p in pviews]
    invs = [p.investment for p in pviews if p.investment is not None]
    nested = summary.get("investment")
    nested = nested if isinstance(nested, Mapping) else {}

    def pick(flat: str, key: str) -> float | None:
        v = _num(summary.get(flat))
        return v if v is not None else _num(nested.get(key))

    annual = pick("invest_annual_plan", "annual_plan")
    plan = pick("invest_plan_to_date", "plan_to_date")
    done = pick("invest_completed", "completed")
    inv = Investment(
        total=sum((i.total or 0.0) for i in invs) if invs else None,
        annual_plan=annual if annual is not None else sum(i.annual_plan for i in invs),
        plan_to_date=plan if plan is not None else sum(i.plan_to_date for i in invs),
        completed=done if done is not None else sum(i.completed for i in invs))
    return Glance(
        projects=len(pviews), red=lights.count(Light.RED), yellow=lights.count(Light.YELLOW),
        green=lights.count(Light.GREEN), investment=inv, new=_count(summary.get("new")),
        resolved=_count(summary.get("resolved")), persisting=_count(summary.get("persisting")),
        findings=len(rows), red_findings=sum(r.light is Light.RED and r.kind is not FindingKind.ESCALATION
                                             for r in rows), escalations=len(escalations),
        blockers=sum(len(g.items) for g in blockers),
        problems=None if problems is None else sum(r.problem.counts for r in problems),
        red_problems=None if problems is None else sum(r.problem.counts and r.problem.light is Light.RED
                                                       for r in problems))


def _portfolio_gantt(pviews: Sequence[ProjectView], data_date: dt.date, lang: str) -> GanttModel:
    rows = []
    for p in pviews:
        ms = p.gantt.rows
        if not ms:
            continue
        bs = [r.baseline_start for r in ms if r.baseline_start]
        bf = [r.baseline_finish for r in ms if r.baseline_finish]
        floats = [r.total_float for r in ms if r.total_float is not None]
        ls = [r.late_start for r in ms if r.late_start]
        lf = [r.late_finish for r in ms if r.late_finish]
        rows.append(GanttRow(
            key=p.id, label=p.name, baseline_start=min(bs) if bs else None, baseline_finish=max(bf) if bf else None,
            forecast_start=min(r.forecast_start for r in ms), forecast_finish=max(r.forecast_finish for r in ms),
            percent=p.percent, light=p.light, critical=bool(floats) and min(floats) < 0, event=False,
            deadline=p.deadline, late_start=min(ls) if ls else None, late_finish=max(lf) if lf else None,
            total_float=min(floats) if floats else None, finished=all(r.finished for r in ms),
            variance=p.variance, unit=p.lead_unit))
    cals = [p.calendar for p in pviews]
    cal = max(set(cals), key=cals.count) if cals else ""
    g_rows = tuple(rows)
    lo, hi = _date_range(g_rows, data_date)
    return GanttModel(title=t("out.gantt.portfolio_title", lang, n=len(rows), date=date_text(data_date, None, lang)),
                      rows=g_rows, data_date=data_date, calendar=cal, start=lo, end=hi, portfolio=True)


__all__ = [
    "Blocker",
    "BlockerGroup",
    "Closed",
    "Escalation",
    "FindingRow",
    "GanttModel",
    "GanttRow",
    "Glance",
    "Investment",
    "ProjectView",
    "RedGroup",
    "WeeklyView",
    "build_weekly_view",
    "deadline_fact",
    "fmt_cn_date",
    "fmt_date",
    "fmt_int",
    "fmt_pct",
    "fmt_wan",
    "for_leader",
    "investment_to_date",
    "kind_label",
    "leaders",
    "light_word",
    "narrow",
    "project_facts",
]


def view_summary(check: CheckResult) -> dict[str, Any]:
    """The run summary for views.build_weekly_view: the check's summary JSON plus its invest_* keys
    and the new/resolved/persisting counts."""
    s = check.summary
    out = s.to_json()
    out.update({
        "invest_annual_plan": s.investment_annual_plan,
        "invest_plan_to_date": s.investment_plan_to_date,
        "invest_completed": s.investment_completed,
        "invest_by_project": {pid: {"plan_to_date": ip.plan_to_date, "completed": ip.completed}
                              for pid, ip in check.investment.items()},
        "new": len(s.new), "resolved": len(s.resolved), "persisting": len(s.persisting),
        "new_keys": list(s.new), "resolved_keys": list(s.resolved), "persisting_keys": list(s.persisting),
    })
    return out


def leaders(view: WeeklyView) -> list[str]:
    """The county leaders (包联县领导) the view's projects name, in the view's order."""
    return list(dict.fromkeys(p.leader for p in view.projects if p.leader))


def for_leader(view: WeeklyView, name: str) -> WeeklyView:
    """The view narrowed to the projects county leader `name` 包联 (the leader field contains the
    name, so '鲁民明' finds '常务副县长鲁民明'): see `narrow`."""
    return narrow(view, {p.id for p in view.projects if name and name in p.leader})


def narrow(view: WeeklyView, keep: set[str]) -> WeeklyView:
    """The view narrowed to the projects `keep` (ids): findings, red list, blockers, escalations and
    closed items of those projects only; the glance counted again over them (an annex page on
    demand, a leader's brief)."""
    projects = tuple(p for p in view.projects if p.id in keep)
    rows = tuple(r for r in view.findings if r.project_id in keep)
    red = tuple(rg for g in view.red_list
                if (rg := replace(g, items=tuple(r for r in g.items if r.project_id in keep))).items)
    blockers = tuple(bg for g in view.blockers
                     if (bg := replace(g, items=tuple(b for b in g.items if b.project_id in keep))).items)
    esc = tuple(e for e in view.escalations if e.project_id in keep)
    summary: dict[str, object] = {"new": sum(r.new for r in rows), "persisting": sum(not r.new for r in rows)}
    closed = tuple(c for c in view.closed if c.project_id in keep)
    if view.glance.resolved is not None:
        summary["resolved"] = len(closed)
    probs = tuple(r for r in view.problems if r.problem.project in keep)
    glance = _glance(projects, rows, blockers, esc, summary, probs if view.glance.problems is not None else None)
    pg = view.portfolio_gantt
    return replace(view, glance=glance, red_list=red, blockers=blockers, escalations=esc, findings=rows,
                   projects=projects, closed=closed, problems=probs,
                   portfolio_gantt=replace(pg, rows=(prow := tuple(r for r in pg.rows if r.key in keep)),
                                           title=t("out.gantt.portfolio_title", view.lang, n=len(prow),
                                                   date=date_text(view.data_date, None, view.lang))),
                   money=_money_of(view.money, keep))


def _money_of(m: MoneyView, keep: set[str]) -> MoneyView:
    """The money tables of the kept projects (the 旬/月/季/年 totals stay the portfolio's)."""
    return replace(m, funds=tuple(r for r in m.funds if r.project_id in keep),
                   statistics=tuple(r for r in m.statistics if r.project_id in keep),
                   quantities=tuple(r for r in m.quantities if r.project_id in keep),
                   cumulative=tuple(r for r in m.cumulative if r.project_id in keep),
                   unit_targets=tuple(u for u in m.unit_targets if set(u.projects) & keep))
