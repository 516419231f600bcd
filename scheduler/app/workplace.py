"""What the web workplace reads and does, as use cases over store/ and outputs/: the stored week's
view (WeeklyView, built once per stored state and kept while that state lasts), the Gantt charts as
SVG from the same view model as the printout, who may read which project, who has reported, a
unit's report form, the downloads (brief, annex, findings sheet, templates) and running the week."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from scheduler.core.access import ProjectAccess
from scheduler.core.calendars import Calendar
from scheduler.core.model import DEFAULT_PORTFOLIO, Project
from scheduler.core.reports import apply_reports
from scheduler.io.config import Config
from scheduler.io.reports import UnitItems, build_template, template_filename, unit_items
from scheduler.outputs.view import WeeklyView
from scheduler.store.columns import load_frame
from scheduler.store.db import baselines, factors, milestones, reading, runs, weekly_reports
from scheduler.store.db import projects as projects_t
from scheduler.store.projects import read_projects
from scheduler.store.reports import load_reports

_LOCK = threading.Lock()
_RENDER = threading.Lock()
"""matplotlib draws one chart at a time."""


class _Cache:
    """Values derived from one stored state, dropped as soon as the state key changes; each value is
    built by one thread while the others asking for it wait (no stampede after a run). Past `size`
    values the least recently used goes (the week's view, used by every page, stays)."""

    def __init__(self, size: int = 1024) -> None:
        self.key: Any = None
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.building: dict[Any, threading.Lock] = {}
        self.size = size
        self.lock = threading.Lock()

    def get(self, state: Any, name: Any, make: Callable[[], Any]) -> Any:
        with self.lock:
            if state != self.key:
                self.key, self.items, self.building = state, OrderedDict(), {}
            if name in self.items:
                self.items.move_to_end(name)
                return self.items[name]
            gate = self.building.setdefault(name, threading.Lock())
        with gate:
            with self.lock:
                if state == self.key and name in self.items:
                    return self.items[name]
            value = make()
            with self.lock:
                if state == self.key:
                    self.items[name] = value
                    while len(self.items) > self.size:
                        self.items.popitem(last=False)
        return value


_CACHES: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()


def _cache(engine: Engine) -> _Cache:
    with _LOCK:
        if engine not in _CACHES:
            _CACHES[engine] = _Cache()
        return _CACHES[engine]


def state_key(engine: Engine, portfolio: str = DEFAULT_PORTFOLIO) -> tuple[Any, ...]:
    """What the derived views of a portfolio depend on: its current runs, its projects as loaded and
    the baselines (one cheap query); any change to them makes every cached view stale."""
    cur = baselines.c.current
    mine = runs.c.current & (runs.c.portfolio == portfolio)
    stmt = select(select(func.max(runs.c.id)).where(mine).scalar_subquery(),
                  select(func.count()).select_from(runs).where(mine).scalar_subquery(),
                  select(func.count()).select_from(projects_t).where(projects_t.c.portfolio == portfolio)
                  .scalar_subquery(),
                  select(func.max(projects_t.c.loaded_at)).where(projects_t.c.portfolio == portfolio)
                  .scalar_subquery(),
                  select(func.count()).select_from(baselines).where(cur).scalar_subquery(),
                  select(func.max(baselines.c.created_at)).where(cur).scalar_subquery())
    with reading(engine) as conn:
        return (portfolio, *conn.execute(stmt).one())


def week_view(engine: Engine, config: Config) -> tuple[WeeklyView, Mapping[str, Calendar]] | None:
    """The latest stored week's view and its calendars (None before the first run), as
    `dispatch printout` builds it; kept while the stored state is the same."""
    from scheduler.app.reprint import view_of_run
    from scheduler.errors import NotFound

    def make() -> tuple[WeeklyView, Mapping[str, Calendar]] | None:
        try:
            return view_of_run(engine, config)
        except NotFound:
            return None

    result: tuple[WeeklyView, Mapping[str, Calendar]] | None = _cache(engine).get(
        state_key(engine, config.portfolio), "view", make)
    return result


def gantt_svg(engine: Engine, config: Config, project_id: str) -> bytes | None:
    """The Gantt chart of a project as SVG, drawn by outputs/charts.py from
    the view's GanttModel, the chart the printout prints; None without a run or such a project."""
    from scheduler.outputs.charts import render_gantt

    state = state_key(engine, config.portfolio)

    def make() -> bytes | None:
        got = week_view(engine, config)
        if got is None:
            return None
        view, cals = got
        found = [p for p in view.projects if p.id == project_id]
        if not found:
            return None
        model = found[0].gantt
        with tempfile.TemporaryDirectory(prefix="dispatch-web-") as tmp, _RENDER:
            path = Path(tmp) / "gantt.svg"
            render_gantt(model, cals.get(model.calendar), view.lang, [path])
            return path.read_bytes()

    data: bytes | None = _cache(engine).get(state, ("gantt", project_id), make)
    return data


def project_access(engine: Engine, portfolio: str = DEFAULT_PORTFOLIO) -> dict[str, ProjectAccess]:
    """Every project loaded in the portfolio with its leader field and every unit it names (lead,
    responsible, milestone, factor and quantity units), for authorization (a project of another
    portfolio is not there: 404); kept while the stored state is the same."""
    def make() -> dict[str, ProjectAccess]:
        with reading(engine) as conn:
            rows = list(conn.execute(select(projects_t.c.id, projects_t.c.leader, projects_t.c.lead_unit,
                                            projects_t.c.units, projects_t.c.money)
                                     .where(projects_t.c.portfolio == portfolio)))
            extra: dict[str, set[str]] = {}
            for r in rows:  # a quantity's reporting unit (project-file-extensions.md [[quantity]] unit)
                for q in (r.money or {}).get("quantities", ()):
                    if q.get("unit"):
                        extra.setdefault(r.id, set()).add(q["unit"])
            for pid, unit in conn.execute(select(milestones.c.project_id, milestones.c.unit)
                                          .where(milestones.c.unit.is_not(None)).distinct()):
                extra.setdefault(pid, set()).add(unit)
            for pid, unit in conn.execute(select(factors.c.project_id, factors.c.unit)
                                          .where(factors.c.unit.is_not(None)).distinct()):
                extra.setdefault(pid, set()).add(unit)
        out = {}
        for r in rows:
            units = [r.lead_unit, *(r.units or ()), *sorted(extra.get(r.id, ()))]
            out[r.id] = ProjectAccess(r.id, r.leader or "", tuple(dict.fromkeys(u for u in units if u)))
        return out

    result: dict[str, ProjectAccess] = _cache(engine).get(state_key(engine, portfolio), "access", make)
    return result


@dataclass(frozen=True, slots=True)
class Reported:
    """A unit's latest report of a week."""

    unit: str
    version: int
    received_at: dt.datetime
    filename: str


def reported(engine: Engine, week: str, unit: str, portfolio: str = DEFAULT_PORTFOLIO) -> Reported | None:
    """The unit's latest report of `week` in the portfolio, None before its first."""
    wr = weekly_reports.c
    with reading(engine) as conn:
        r = conn.execute(select(wr.unit, wr.version, wr.received_at, wr.filename)
                         .where(wr.week == week, wr.portfolio == portfolio, wr.unit == unit)
                         .order_by(wr.version.desc()).limit(1)).first()
    return None if r is None else Reported(r.unit, int(r.version), r.received_at, r.filename)


def report_versions(engine: Engine, unit: str | None = None, limit: int = 100,
                    portfolio: str = DEFAULT_PORTFOLIO) -> list[Reported]:
    """The latest report versions received (one unit's, or all), newest first, with their week in `filename`'s place."""
    wr = weekly_reports.c
    stmt = (select(wr.unit, wr.week, wr.version, wr.received_at, wr.filename).where(wr.portfolio == portfolio)
            .order_by(wr.id.desc()).limit(limit))
    if unit is not None:
        stmt = stmt.where(wr.unit == unit)
    with reading(engine) as conn:
        return [Reported(r.unit, int(r.version), r.received_at, f"{r.week} · {r.filename}") for r in
                conn.execute(stmt)]


def stored_projects(engine: Engine, ids: Sequence[str], portfolio: str = DEFAULT_PORTFOLIO) -> list[Project]:
    """The projects of `ids` as loaded (store/projects.read_projects, no report applied), kept while
    the stored state is the same: a load changes it (state_key), reports do not touch them."""
    key = tuple(sorted(ids))

    def make() -> list[Project]:
        return read_projects(engine, key, portfolio=portfolio) if key else []

    result: list[Project] = _cache(engine).get(state_key(engine, portfolio), ("projects", key), make)
    return result


def unit_projects(engine: Engine, unit: str, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> list[Project]:
    """The portfolio's projects a unit works on, with every report up to `week` applied (the values
    a form or template starts from; the reports read fresh)."""
    ids = [pid for pid, a in project_access(engine, portfolio).items() if unit in a.units]
    projects = stored_projects(engine, ids, portfolio)
    return apply_reports(projects, load_reports(engine, week_max=week, portfolio=portfolio, projects=ids)).projects


def form_items(engine: Engine, unit: str, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> UnitItems:
    """What the unit's form for `week` lists, in the template's order (so row i of a kind is sheet row 4+i)."""
    return unit_items(unit_projects(engine, unit, week, portfolio), unit)


def template_bytes(engine: Engine, unit: str, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> tuple[str, bytes]:
    """The unit's weekly report workbook for `week` (as `dispatch report-template` writes it)."""
    import io

    from scheduler.store.problems import load_problems

    projects = unit_projects(engine, unit, week, portfolio)
    ids = {p.id for p in projects}
    with reading(engine) as conn:
        frame, base = load_frame(conn, portfolio=portfolio)
        problems = [p for p in load_problems(conn, portfolio=portfolio).values() if p.unit == unit]
    plan = {(frame.project_ids[int(frame.m_project[r])], frame.m_ids[r]):
            (dt.date.fromordinal(int(base.start[r])), dt.date.fromordinal(int(base.finish[r])))
            for r in range(frame.n) if base.start[r] > 0 and frame.project_ids[int(frame.m_project[r])] in ids}
    buf = io.BytesIO()
    build_template(projects, unit, week, plan=plan, problems=problems).save(buf)
    return template_filename(unit, week), buf.getvalue()


DOWNLOADS = ("brief", "brief-docx", "annex", "findings")


def download(engine: Engine, config: Config, what: str, *, leader: str | None = None,
             project_ids: frozenset[str] | None = None) -> tuple[str, bytes] | None:
    """A document of the latest stored week, written fresh from its view (as `dispatch printout`
    does): the brief (PDF or .docx; a leader's own with `leader`), the annex (narrowed to
    `project_ids` when given) or the findings sheet. None before the first run."""
    from scheduler.outputs.brief import write_brief
    from scheduler.outputs.render import sheet_name, write_annex
    from scheduler.outputs.sheets import write_findings_sheet

    got = week_view(engine, config)
    if got is None:
        return None
    view, cals = got
    if project_ids is not None:
        view = dataclasses.replace(view, projects=tuple(p for p in view.projects if p.id in project_ids))
    with tempfile.TemporaryDirectory(prefix="dispatch-web-") as tmp:
        out = Path(tmp)
        if what == "annex":
            files = write_annex(view, out, cals, workers=1)
        elif what == "findings":
            files = [write_findings_sheet(view, out / sheet_name(view.week))]
        else:
            files = write_brief(view, out, leader=leader)
        suffix = ".docx" if what == "brief-docx" else (".xlsx" if what == "findings" else ".pdf")
        pick = [f for f in files if f.suffix == suffix]
        if not pick:
            return None
        return pick[0].name, pick[0].read_bytes()


def report_week(config: Config) -> str:
    """The week whose reports are being collected now (core/reporting.collecting_week): the form's
    and the template's default, and the week the "not reported" list is about."""
    from scheduler.core.reporting import collecting_week
    from scheduler.store.db import utcnow

    return collecting_week(utcnow(), config.timezone)


def reporting(engine: Engine, config: Config, week: str) -> Any:
    """Who reported `week` (on time, late, missing), as `dispatch reporting` says: the units
    answering for an open item (app/reporting: the stored portfolio with the reports up to `week`;
    kept while the stored state lasts: a later report of the week only closes items of the unit
    that sent it, which has then reported) against the reports received, read fresh."""
    from scheduler.app.reporting import frame_with_reports
    from scheduler.core.reporting import open_units, reporting_status
    from scheduler.store.reports import received_for_week

    pf = config.portfolio

    def expected() -> set[str]:
        from scheduler.errors import NotFound

        try:
            with reading(engine) as conn:
                reports = load_reports(conn, week_max=week, portfolio=pf)
                return open_units(frame_with_reports(conn, reports, portfolio=pf).frame)
        except NotFound:  # nothing loaded yet
            return set()

    units: set[str] = _cache(engine).get(state_key(engine, pf), ("open-units", week), expected)
    return reporting_status(week, units, received_for_week(engine, week, pf), config.reporting, config.timezone)


def portfolio_svg(engine: Engine, config: Config, keep: frozenset[str] | None) -> bytes | None:
    """The portfolio Gantt as SVG, narrowed to the projects of `keep` (None: all)."""
    from scheduler.outputs.charts import render_gantt

    def make() -> bytes | None:
        got = week_view(engine, config)
        if got is None:
            return None
        view, cals = got
        model = view.portfolio_gantt
        if keep is not None:
            model = dataclasses.replace(model, rows=tuple(r for r in model.rows if r.key in keep))
            if not model.rows:
                return None
        with tempfile.TemporaryDirectory(prefix="dispatch-web-") as tmp, _RENDER:
            path = Path(tmp) / "gantt.svg"
            render_gantt(model, cals.get(model.calendar), view.lang, [path])
            return path.read_bytes()

    data: bytes | None = _cache(engine).get(state_key(engine, config.portfolio), ("portfolio", keep), make)
    return data


# -- changes made in the workplace (each audited in the same transaction) --------------------------


def answer_problem(engine: Engine, who: Any, problem_id: str, *, unit: str, situation: str, measures: str,
                   promised: dt.date | None, address: str = "") -> Any:
    """A unit's answer to a problem (情况说明, 整改措施, 承诺完成时间) for the week the problem was
    last seen, through store/problems.record_answer; audited."""
    from scheduler.errors import ProblemError
    from scheduler.store.problems import get_problem, record_answer
    from scheduler.store.users import audit

    if not (situation.strip() or measures.strip()):
        raise ProblemError("answer-required", "an answer needs 情况说明 or 整改措施", ids=(problem_id,))
    from scheduler.store.db import transaction

    with transaction(engine) as conn:
        p = get_problem(conn, problem_id)
        ans = record_answer(conn, problem_id, p.last_seen, unit=unit, situation=situation.strip(),
                            measures=measures.strip(), promised=promised)
        audit(conn, who, "problem.answer", problem_id, {"week": p.last_seen, "situation": situation,
                                                        "measures": measures,
                                                        "promised": promised.isoformat() if promised else None},
              address)
    return ans


def decide_problem(engine: Engine, who: Any, problem_id: str, action: Any, *, reason: str, matters: str = "",
                   proposal: str = "", address: str = "") -> Any:
    """The office's decision on a problem (close, exempt, escalate …) through store/problems.decide; audited."""
    from scheduler.store.db import transaction
    from scheduler.store.problems import decide
    from scheduler.store.users import audit

    with transaction(engine) as conn:
        p = decide(conn, problem_id, action, by=who.display_name, text=reason, matters=matters, proposal=proposal)
        audit(conn, who, f"problem.{action.value}", problem_id, {"reason": reason, "matters": matters,
                                                                 "proposal": proposal}, address)
    return p


def run_week(engine: Engine, config: Config, who: Any, data_date: dt.date | None = None, address: str = "") -> Any:
    """The office runs the week (app/weekly.run_weekly; the documents are written on download from
    the stored run, the alerts queued for `dispatch serve` to deliver); audited."""
    from scheduler.app.weekly import run_weekly
    from scheduler.store.db import transaction
    from scheduler.store.users import audit

    result = run_weekly(engine, config, data_date, outputs=False, deliver=False)
    with transaction(engine) as conn:
        audit(conn, who, "week.run", result.week, {"run": result.run_id, "data_date": result.data_date.isoformat()},
              address)
    return result


def audited(engine: Engine, who: Any, action: str, target: str, detail: dict[str, Any], address: str = "") -> None:
    """One audit line on its own (a report stored, a sign-out)."""
    from scheduler.store.db import transaction
    from scheduler.store.users import audit

    with transaction(engine) as conn:
        audit(conn, who, action, target, detail, address)


def project_factors(engine: Engine, pid: str, week: str, portfolio: str = DEFAULT_PORTFOLIO
                    ) -> list[tuple[Any, str, Any]]:
    """A project's factor requirements as reported up to `week`: (requirement, responsible unit, milestone)."""
    from scheduler.io.reports import factor_unit

    applied = apply_reports(stored_projects(engine, [pid], portfolio),
                            load_reports(engine, week_max=week, portfolio=portfolio, projects=[pid])).projects
    if not applied:
        return []
    p = applied[0]
    return [(f, factor_unit(p, f), p.milestone(f.milestone)) for f in p.factors]


def project_events(engine: Engine, pid: str, only: set[str] | None = None, limit: int = 50,
                   portfolio: str = DEFAULT_PORTFOLIO) -> list[Any]:
    """Who did what to a project's problems (decisions, answers), newest first; `only` some problems."""
    from scheduler.store.db import problem_events
    from scheduler.store.db import problems as problems_t

    pe = problem_events.c
    stmt = (select(pe.problem_id, pe.at, pe.week, pe.action, pe.by, pe.text)
            .join(problems_t, problems_t.c.id == pe.problem_id)
            .where(problems_t.c.project_id == pid, problems_t.c.portfolio == portfolio)
            .order_by(pe.id.desc()).limit(limit))
    with reading(engine) as conn:
        return [r for r in conn.execute(stmt) if only is None or r.problem_id in only]
