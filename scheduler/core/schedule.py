"""From projects to dated schedules: one path for a single file and for the whole portfolio.

Projects become a `PortfolioFrame` of numpy columns (date ordinals, 0 = not set); the storage
adapter builds the same frame straight from database columns. Dates turn into working-day
indexes per calendar with one vectorized binary search, `cpm.compute` runs once for everything,
and the indexes turn back into the printed dates of the spec (event nodes, actual dates)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from scheduler.core import cpm
from scheduler.core.calendars import Calendar, provisional_warning
from scheduler.core.model import FactorRequirement, InvestmentPlan, Money, Project
from scheduler.errors import CalendarError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(slots=True)
class PortfolioFrame:
    """Projects, milestones and links of a portfolio as columns; dates as ordinals (0 = none)."""

    project_ids: list[str]
    project_calendars: list[str]
    project_start: IntArray
    m_project: IntArray
    m_ids: list[str]
    duration: IntArray
    not_before: IntArray
    start_by: IntArray
    finish_by: IntArray
    actual_start: IntArray
    actual_finish: IntArray
    percent: FloatArray
    hold: IntArray
    l_pred: IntArray
    l_succ: IntArray
    l_type: IntArray
    l_lag: IntArray
    projects: list[Project] = field(default_factory=list)
    # What the weekly check reads besides the schedule (optional: a frame built for scheduling
    # alone leaves them empty). Per project:
    project_lead_units: list[str] = field(default_factory=list)
    project_leaders: list[str | None] = field(default_factory=list)
    project_investment: list[InvestmentPlan | None] = field(default_factory=list)
    project_money: list[Money] = field(default_factory=list)
    # per milestone (weight: nan = not set):
    m_units: list[str | None] = field(default_factory=list)
    weight: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    # per factor requirement, grouped by project in file order (f_row: the milestone's row;
    # f_expected, f_needed_by: ordinals, 0 = none; f_status: the FactorStatus value):
    f_project: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    f_row: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    f_ids: list[str] = field(default_factory=list)
    f_kinds: list[str] = field(default_factory=list)
    f_status: list[str] = field(default_factory=list)
    f_units: list[str | None] = field(default_factory=list)
    f_expected: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    f_needed_by: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    f_blockers: list[str | None] = field(default_factory=list)
    f_names: list[str | None] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Number of milestones."""
        return len(self.m_ids)

    @property
    def calendar_names(self) -> list[str]:
        """The calendars the projects use, each once, sorted: what scheduling the frame needs
        (5,000 projects name a handful; looking each project's up cost a file stat each)."""
        return sorted(set(self.project_calendars))

    @property
    def has_check_columns(self) -> bool:
        """Whether the columns the weekly check reads are filled (not only the scheduling ones)."""
        return (len(self.m_units) == self.n and len(self.project_lead_units) == len(self.project_ids)
                and self.weight.shape == (self.n,))


def _ord(d: dt.date | None) -> int:
    return d.toordinal() if d is not None else 0


def frame_from_projects(projects: Sequence[Project]) -> PortfolioFrame:
    """Columns of a list of validated projects (file order kept, milestones in file order)."""
    m_project: list[int] = []
    m_ids: list[str] = []
    cols: dict[str, list[int]] = {k: [] for k in ("duration", "not_before", "start_by", "finish_by",
                                                  "actual_start", "actual_finish", "hold")}
    percent: list[float] = []
    weight: list[float] = []
    units: list[str | None] = []
    f_project: list[int] = []
    f_row: list[int] = []
    f_expected: list[int] = []
    f_needed_by: list[int] = []
    factors: list[FactorRequirement] = []
    lp: list[int] = []
    ls: list[int] = []
    lt: list[int] = []
    ll: list[int] = []
    base = 0
    for pi, p in enumerate(projects):
        row = {m.id: base + i for i, m in enumerate(p.milestones)}
        holds: dict[str, int] = {}
        for f in p.factors:
            if not f.is_approved and f.expected is not None:
                holds[f.milestone] = max(holds.get(f.milestone, 0), f.expected.toordinal())
        for m in p.milestones:
            m_project.append(pi)
            m_ids.append(m.id)
            cols["duration"].append(m.duration)
            cols["not_before"].append(_ord(m.not_before))
            cols["start_by"].append(_ord(m.start_by))
            cols["finish_by"].append(_ord(m.finish_by))
            cols["actual_start"].append(_ord(m.actual_start))
            cols["actual_finish"].append(_ord(m.actual_finish))
            cols["hold"].append(holds.get(m.id, 0))
            percent.append(float(m.percent) if m.percent is not None else math.nan)
            weight.append(float(m.weight) if m.weight is not None else math.nan)
            units.append(m.unit)
            for link in m.after:
                lp.append(row[link.pred])
                ls.append(row[m.id])
                lt.append(cpm.LINK_CODES[link.type.value])
                ll.append(link.lag)
        for f in p.factors:
            f_project.append(pi)
            f_row.append(row[f.milestone])
            f_expected.append(_ord(f.expected))
            f_needed_by.append(_ord(f.needed_by))
            factors.append(f)
        base += len(p.milestones)

    def arr(x: list[int]) -> IntArray:
        return np.asarray(x, dtype=np.int64)

    return PortfolioFrame(
        project_ids=[p.id for p in projects],
        project_calendars=[p.calendar for p in projects],
        project_start=arr([p.start.toordinal() for p in projects]),
        m_project=arr(m_project),
        m_ids=m_ids,
        percent=np.asarray(percent, dtype=np.float64),
        l_pred=arr(lp), l_succ=arr(ls), l_type=arr(lt), l_lag=arr(ll),
        projects=list(projects),
        project_lead_units=[p.lead_unit for p in projects],
        project_leaders=[p.leader for p in projects],
        project_investment=[p.investment for p in projects],
        project_money=[p.money for p in projects],
        m_units=units, weight=np.asarray(weight, dtype=np.float64),
        **{k: arr(v) for k, v in cols.items()},
        f_project=arr(f_project), f_row=arr(f_row), f_expected=arr(f_expected), f_needed_by=arr(f_needed_by),
        f_ids=[f.id for f in factors], f_kinds=[f.kind for f in factors],
        f_status=[f.status.value for f in factors], f_units=[f.unit for f in factors],
        f_blockers=[f.blocker for f in factors], f_names=[f.name for f in factors],
    )


_M_COLUMNS = ("duration", "not_before", "start_by", "finish_by", "actual_start", "actual_finish", "percent", "hold",
              "weight", "m_units")
_F_COLUMNS = ("f_ids", "f_kinds", "f_status", "f_units", "f_expected", "f_needed_by", "f_blockers", "f_names")
_P_COLUMNS = ("project_calendars", "project_start", "project_lead_units", "project_leaders", "project_investment",
              "project_money")


def overlay_projects(frame: PortfolioFrame, projects: Sequence[Project]) -> PortfolioFrame:
    """The frame (with the check's columns, e.g. from repository.load_frame) with the rows of
    `projects` replaced by their model values: the few projects the weekly reports changed, without
    building the others. Each project must be in the frame with the same milestones, links and
    factors in the same order (reports change progress, not structure). A column is copied only
    when a value in it changes; `frame.projects` stays as it was."""
    if not projects:
        return frame
    sub = frame_from_projects(projects)
    n_p = len(frame.project_ids)
    pindex = {pid: i for i, pid in enumerate(frame.project_ids)}
    mb = np.searchsorted(frame.m_project, np.arange(n_p + 1))
    fb = np.searchsorted(frame.f_project, np.arange(n_p + 1))
    smb = np.searchsorted(sub.m_project, np.arange(len(projects) + 1))
    sfb = np.searchsorted(sub.f_project, np.arange(len(projects) + 1))
    changed: dict[str, Any] = {}

    def put(name: str, a: int, b: int, sa: int, sb: int) -> None:
        new = getattr(sub, name)[sa:sb]
        old = changed.get(name, getattr(frame, name))
        cur = old[a:b]
        same = (np.array_equal(cur, new, equal_nan=cur.dtype.kind == "f") if isinstance(cur, np.ndarray)
                else cur == new)
        if same:
            return
        if name not in changed:
            old = changed[name] = old.copy() if isinstance(old, np.ndarray) else list(old)
        old[a:b] = new

    for si, p in enumerate(projects):
        pi = pindex.get(p.id)
        a, b, sa, sb = (int(mb[pi]), int(mb[pi + 1]), int(smb[si]), int(smb[si + 1])) if pi is not None else (0,) * 4
        if pi is None or b - a != sb - sa or frame.m_ids[a:b] != sub.m_ids[sa:sb]:
            raise ValueError(f"project {p.id} is not in the frame with the same milestones")
        fa, fz, sfa, sfz = int(fb[pi]), int(fb[pi + 1]), int(sfb[si]), int(sfb[si + 1])
        if fz - fa != sfz - sfa or not np.array_equal(frame.f_row[fa:fz] - a, sub.f_row[sfa:sfz] - sa):
            raise ValueError(f"project {p.id} is not in the frame with the same factor requirements")
        for name in _M_COLUMNS:
            put(name, a, b, sa, sb)
        for name in _F_COLUMNS:
            put(name, fa, fz, sfa, sfz)
        for name in _P_COLUMNS:
            if name == "project_money" and len(frame.project_money) != n_p:
                continue  # a frame read without the money column: the check reads Money() for all
            put(name, pi, pi + 1, si, si + 1)
    return replace(frame, **changed) if changed else frame


@dataclass(slots=True)
class ScheduleResult:
    """The CPM result with every printed date as an ordinal, for a whole frame."""

    frame: PortfolioFrame
    data_date: dt.date | None
    cpm: cpm.CpmResult
    early_start: IntArray
    early_finish: IntArray
    late_start: IntArray
    late_finish: IntArray
    status: IntArray
    remaining: IntArray
    warnings: list[str]
    calendars: Mapping[str, Calendar]

    def project_slices(self) -> list[slice]:
        """Row range of each project (rows are grouped by project in frame order)."""
        bounds = np.searchsorted(self.frame.m_project, np.arange(len(self.frame.project_ids) + 1))
        return [slice(int(bounds[i]), int(bounds[i + 1])) for i in range(len(self.frame.project_ids))]

    def project_finish(self) -> list[dt.date | None]:
        """Latest printed early finish of each project."""
        out: list[dt.date | None] = []
        for sl in self.project_slices():
            v = self.early_finish[sl]
            out.append(dt.date.fromordinal(int(v.max())) if v.size else None)
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON object of `dispatch schedule --format json` (spec, exactly)."""
        out = []
        finishes = self.project_finish()
        tf, ff, crit = self.cpm.total_float, self.cpm.free_float, self.cpm.critical
        fin = self.cpm.finished
        for pi, sl in enumerate(self.project_slices()):
            ms = []
            for r in range(sl.start, sl.stop):
                ms.append({
                    "id": self.frame.m_ids[r],
                    "early_start": _iso(self.early_start[r]),
                    "early_finish": _iso(self.early_finish[r]),
                    "late_start": _iso(self.late_start[r]),
                    "late_finish": _iso(self.late_finish[r]),
                    "total_float": None if fin[r] else int(tf[r]),
                    "free_float": None if fin[r] else int(ff[r]),
                    "critical": bool(crit[r]),
                })
            f = finishes[pi]
            out.append({"id": self.frame.project_ids[pi], "finish": f.isoformat() if f else None,
                        "calendar": self.frame.project_calendars[pi], "milestones": ms})
        doc: dict[str, Any] = {"data_date": self.data_date.isoformat() if self.data_date else None,
                               "projects": out}
        doc["warnings"] = list(self.warnings)
        return doc


def _iso(o: np.int64) -> str:
    return dt.date.fromordinal(int(o)).isoformat()


def _by_calendar(frame: PortfolioFrame) -> dict[str, tuple[IntArray, IntArray]]:
    """For each calendar: (its project indexes, its milestone rows)."""
    cal_of_project = np.asarray(frame.project_calendars, dtype=object)
    out = {}
    for name in frame.calendar_names:
        projects = np.flatnonzero(cal_of_project == name).astype(np.int64)
        rows = np.flatnonzero(np.isin(frame.m_project, projects)).astype(np.int64)
        out[name] = (projects, rows)
    return out


def build_network(frame: PortfolioFrame, calendars: Mapping[str, Calendar],
                  data_date: dt.date | None) -> tuple[cpm.Network, IntArray]:
    """Turn a frame's dates into working-day indexes of each project's calendar.

    Returns the network and the index of the data date per milestone (0 without one)."""
    n = frame.n
    progress = data_date is not None
    status = np.zeros(n, dtype=np.int64)
    if progress:
        status = np.where(frame.actual_finish > 0, cpm.FINISHED,
                          np.where(frame.actual_start > 0, cpm.STARTED, cpm.NOT_STARTED)).astype(np.int64)
    es_lb = np.zeros(n, dtype=np.int64)
    actual_es = np.zeros(n, dtype=np.int64)
    actual_ef = np.zeros(n, dtype=np.int64)
    resume_lb = np.zeros(n, dtype=np.int64)
    start_by = np.full(n, cpm.NONE, dtype=np.int64)
    finish_by = np.full(n, cpm.NONE, dtype=np.int64)
    d_index = np.zeros(n, dtype=np.int64)
    pct = np.where(np.isnan(frame.percent), 0.0, frame.percent)
    remaining = np.maximum(np.ceil(np.round(frame.duration * (100.0 - pct), 6) / 100.0), 1).astype(np.int64)

    for name, (projects, rows) in _by_calendar(frame).items():
        cal = calendars[name]
        start_idx = np.zeros(len(frame.project_ids), dtype=np.int64)
        start_idx[projects] = cal.indexes_on_or_after(frame.project_start[projects])
        lb = start_idx[frame.m_project[rows]]

        def opt(col: IntArray, fn: Any, default: np.int64, rows: IntArray = rows) -> IntArray:
            v = col[rows]
            out = np.full(v.shape, default, dtype=np.int64)
            has = v > 0
            if has.any():
                out[has] = fn(v[has])
            return out

        lb = np.maximum(lb, opt(frame.not_before, cal.indexes_on_or_after, cpm.NEG))
        start_by[rows] = opt(frame.start_by, cal.indexes_on_or_before, cpm.NONE)
        finish_by[rows] = opt(frame.finish_by, cal.indexes_on_or_before, cpm.NONE)
        if progress:
            assert data_date is not None
            di = cal.index_on_or_after(data_date)
            d_index[rows] = di
            lb = np.maximum(lb, di)
            lb = np.maximum(lb, opt(frame.hold, cal.indexes_after, cpm.NEG))
            actual_es[rows] = opt(frame.actual_start, cal.indexes_on_or_after, np.int64(0))
            actual_ef[rows] = opt(frame.actual_finish, cal.indexes_on_or_before, np.int64(-1)) + 1
            resume_lb[rows] = di
        es_lb[rows] = lb

    net = cpm.Network(project=frame.m_project, duration=frame.duration, status=status, es_lb=es_lb,
                      actual_es=actual_es, actual_ef=actual_ef, remaining=remaining, resume_lb=resume_lb,
                      start_by=start_by, finish_by=finish_by, pred=frame.l_pred, succ=frame.l_succ,
                      ltype=frame.l_type, lag=frame.l_lag, n_projects=len(frame.project_ids))
    return net, d_index


def _check_in_calendar(cal: Calendar, frame: PortfolioFrame, rows: IntArray, *cols: IntArray) -> None:
    """Refuse a schedule whose dates fall outside the calendar rather than clip them silently."""
    top = len(cal.ordinals) - 1
    for col in cols:
        bad = np.flatnonzero((col < 0) | (col > top))
        if bad.size:
            r = int(rows[bad[0]])
            edge = f"past its last day {cal.last}" if col[bad[0]] > top else f"before its first day {cal.first}"
            raise CalendarError(
                "date-out-of-range",
                f"the schedule runs {edge} of calendar {cal.name}: shorten the durations and lags, or "
                "extend the calendar's years",
                project=frame.project_ids[int(frame.m_project[r])], milestone=frame.m_ids[r], ids=(cal.name,),
                params={"case": "late" if col[bad[0]] > top else "early", "calendar": cal.name,
                        "last": cal.last, "first": cal.first})


def schedule_frame(frame: PortfolioFrame, calendars: Mapping[str, Calendar],
                   data_date: dt.date | None = None) -> ScheduleResult:
    """Schedule every project of a frame at once; with no data date, the plan."""
    net, _ = build_network(frame, calendars, data_date)
    res = cpm.compute(net)
    n = frame.n
    es_o = np.zeros(n, dtype=np.int64)
    ef_o = np.zeros(n, dtype=np.int64)
    ls_o = np.zeros(n, dtype=np.int64)
    lf_o = np.zeros(n, dtype=np.int64)
    event = (frame.duration == 0) & (net.status == cpm.NOT_STARTED)
    fb = res.fin_bound.astype(np.int64)
    warnings: list[str] = []
    groups = _by_calendar(frame)
    for name, (_projects, rows) in groups.items():
        cal = calendars[name]
        es, ef, ls, lf = res.es[rows], res.ef[rows], res.ls[rows], res.lf[rows]
        ev = event[rows]
        shift = fb[rows]
        e_start = np.where(ev, es - shift, es)
        e_finish = np.where(ev, es - shift, ef - 1)
        l_start = np.where(ev, lf - shift, ls)
        l_finish = np.where(ev, lf - shift, lf - 1)
        _check_in_calendar(cal, frame, rows, e_start, e_finish, l_start, l_finish)
        es_o[rows] = cal.days(e_start)
        ef_o[rows] = cal.days(e_finish)
        ls_o[rows] = cal.days(l_start)
        lf_o[rows] = cal.days(l_finish)
    if data_date is not None:
        st = net.status
        fin = st == cpm.FINISHED
        sta = (st == cpm.STARTED) | fin
        es_o = np.where(sta, frame.actual_start, es_o)
        ls_o = np.where(sta, frame.actual_start, ls_o)
        ef_o = np.where(fin, frame.actual_finish, ef_o)
        lf_o = np.where(fin, frame.actual_finish, lf_o)
    for name, (_projects, rows) in groups.items():
        # over the dates as printed (actual dates included), the reader's dates
        cal = calendars[name]
        if cal.provisional_years and rows.size:
            lo = dt.date.fromordinal(int(min(es_o[rows].min(), ls_o[rows].min())))
            hi = dt.date.fromordinal(int(max(ef_o[rows].max(), lf_o[rows].max())))
            years = cal.provisional_between(lo, hi)
            if years:
                warnings.append(provisional_warning(cal, years))
    return ScheduleResult(frame=frame, data_date=data_date, cpm=res, early_start=es_o, early_finish=ef_o,
                          late_start=ls_o, late_finish=lf_o, status=net.status,
                          remaining=net.remaining, warnings=warnings, calendars=dict(calendars))


def schedule_projects(projects: Sequence[Project], calendars: Mapping[str, Calendar],
                      data_date: dt.date | None = None) -> ScheduleResult:
    """Schedule a list of projects (the plan without a data date, the forecast with one)."""
    return schedule_frame(frame_from_projects(projects), calendars, data_date)


def variance_days(result: ScheduleResult, baseline_finish: IntArray) -> IntArray:
    """Forecast finish minus baseline finish in working days of each project's calendar, per
    milestone; `baseline_finish` holds date ordinals (0 = no baseline, variance 0)."""
    out = np.zeros(result.frame.n, dtype=np.int64)
    for name, (_projects, rows) in _by_calendar(result.frame).items():
        cal = result.calendars[name]
        base = baseline_finish[rows]
        has = base > 0
        if has.any():
            fc = cal.indexes_on_or_before(result.early_finish[rows][has])
            bl = cal.indexes_on_or_before(base[has])
            v = np.zeros(rows.size, dtype=np.int64)
            v[has] = fc - bl
            out[rows] = v
    return out


def align_baseline(result: ScheduleResult, frame_ids: Sequence[tuple[str, str]], start: IntArray,
                   finish: IntArray) -> tuple[IntArray, IntArray]:
    """Baseline columns (as load_frame gives them for its rows `frame_ids`) reordered to the rows
    of `result.frame`, matched by (project, milestone); 0 where there is none."""
    where = {k: i for i, k in enumerate(frame_ids)}
    fr = result.frame
    idx = np.fromiter((where.get((fr.project_ids[int(fr.m_project[r])], fr.m_ids[r]), -1) for r in range(fr.n)),
                      dtype=np.int64, count=fr.n)
    has = idx >= 0
    bs = np.zeros(fr.n, dtype=np.int64)
    bf = np.zeros(fr.n, dtype=np.int64)
    bs[has] = start[idx[has]]
    bf[has] = finish[idx[has]]
    return bs, bf
