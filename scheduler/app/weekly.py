"""The weekly run (周调度): lock, read, schedule, check, store — one run per ISO week, replaced
atomically when the week is run again — then the printout/sheets and the alerts.

    run_weekly(engine, config, data_date) ->
      1. take the run lock (lock.py; RunLocked when another run holds it)
      2. in one read snapshot: the projects, the latest weekly reports up to the data date, the
         current baselines, and the findings of the previous current run (the history)
      3. overlay the reports (reports.apply_reports), schedule at the data date, run the check
      4. in ONE transaction: mark the week's earlier runs not current, insert the run (status
         complete, inputs = project file digests + report ids, summary), its findings, and queue
         the alerts (alerts.enqueue_alerts) — a failure anywhere leaves the last complete run as it
         was, with no partial state
      5. after the commit: outputs.write_outputs (printout, Gantt, sheets), then, with the lock
         released, alerts.deliver_pending
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine, insert, select, update

from scheduler.core.check import CheckResult, check_portfolio
from scheduler.core.findings import Finding, FindingKind, Light, iso_week, week_monday
from scheduler.core.model import Project
from scheduler.core.schedule import PortfolioFrame, ScheduleResult, overlay_projects, schedule_frame
from scheduler.delivery import alerts
from scheduler.errors import NotFound
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import Config
from scheduler.io.reports import apply_reports, load_reports
from scheduler.store.db import findings as findings_t
from scheduler.store.db import projects as projects_t
from scheduler.store.db import reading, transaction, utcnow
from scheduler.store.db import runs as runs_t
from scheduler.store.lock import STALE_AFTER, held
from scheduler.store.projects import load_frame, read_projects

IntArray = npt.NDArray[np.int64]


def today(config: Config) -> dt.date:
    """Today in the configured timezone (Asia/Shanghai): the default data date."""
    return dt.datetime.now(ZoneInfo(config.timezone)).date()


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A stored run."""

    id: int
    week: str
    data_date: dt.date
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    status: str
    current: bool
    inputs: dict[str, Any]
    summary: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one weekly run did: the stored run, the check, and where its outputs went."""

    run_id: int
    week: str
    data_date: dt.date
    check: CheckResult
    out_dir: Path
    replaced: tuple[int, ...] = ()
    previous_run: int | None = None
    report_ids: tuple[int, ...] = ()
    alerts_queued: int | None = None
    outputs: Any = None
    delivery: Any = None
    warnings: tuple[str, ...] = ()
    projects: list[Project] = field(default_factory=list)
    """The model projects (reports applied) when the outputs were built; empty otherwise (the
    run itself works on columns)."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """This run's findings."""
        return self.check.findings


# -- findings as rows ------------------------------------------------------------------------------


def finding_row(run_id: int, seq: int, f: Finding) -> dict[str, Any]:
    """The `findings` table row of a Finding."""
    return {"run_id": run_id, "seq": seq, "key": f.key, "project_id": f.project, "milestone_id": f.milestone,
            "factor_id": f.factor, "factor_kind": f.factor_kind, "kind": f.kind.value, "light": f.light.value,
            "unit": f.unit, "days": f.days, "first_seen": f.first_seen or "", "weeks_red": f.weeks_red,
            "message": f.message, "details": dict(f.details)}


def finding_from_row(r: Any) -> Finding:
    """A Finding back from a `findings` row."""
    return Finding(project=r.project_id, kind=FindingKind(r.kind), light=Light(r.light), message=r.message,
                   unit=r.unit, milestone=r.milestone_id, factor=r.factor_id, factor_kind=r.factor_kind,
                   days=r.days, first_seen=r.first_seen or None, weeks_red=int(r.weeks_red),
                   details=dict(r.details or {}))


def _run_info(r: Any) -> RunInfo:
    return RunInfo(int(r.id), r.week, r.data_date, r.started_at, r.finished_at, r.status, bool(r.current),
                   dict(r.inputs or {}), dict(r.summary) if r.summary is not None else None)


def _run_findings(conn: Connection, run_id: int) -> list[Finding]:
    rows = conn.execute(select(findings_t).where(findings_t.c.run_id == run_id).order_by(findings_t.c.seq))
    return [finding_from_row(r) for r in rows]


def previous_run(conn: Connection, week: str) -> RunInfo | None:
    """The latest current run of a week before `week` (whose findings are the history)."""
    r = conn.execute(select(runs_t).where(runs_t.c.current, runs_t.c.week < week)
                     .order_by(runs_t.c.week.desc(), runs_t.c.id.desc()).limit(1)).first()
    return None if r is None else _run_info(r)


def history_of(findings: Sequence[Finding]) -> dict[str, tuple[str, int]]:
    """The check's history input from the previous run's findings: key -> (first_seen, weeks_red)."""
    return {f.key: (f.first_seen or "", f.weeks_red) for f in findings}


def read_run(source: Engine | Connection, week: str | None = None) -> tuple[RunInfo, list[Finding]]:
    """The current run of `week` (default: the latest week run) and its findings; NotFound when
    there is none."""
    def go(conn: Connection) -> tuple[RunInfo, list[Finding]]:
        stmt = select(runs_t).where(runs_t.c.current)
        if week is not None:
            stmt = stmt.where(runs_t.c.week == week)
        r = conn.execute(stmt.order_by(runs_t.c.week.desc(), runs_t.c.id.desc()).limit(1)).first()
        if r is None:
            raise NotFound("no-run", f"no weekly run of {week} is stored (dispatch run)" if week else
                           "no weekly run is stored yet (dispatch run)")
        info = _run_info(r)
        return info, _run_findings(conn, info.id)

    if isinstance(source, Connection):
        return go(source)
    with reading(source) as conn:
        return go(conn)


def list_runs(source: Engine, week: str | None = None) -> list[RunInfo]:
    """Every stored run (all weeks or one), oldest first: the history, current or not."""
    stmt = select(runs_t).order_by(runs_t.c.week, runs_t.c.id)
    if week is not None:
        stmt = stmt.where(runs_t.c.week == week)
    with reading(source) as conn:
        return [_run_info(r) for r in conn.execute(stmt)]


# -- the run ------------------------------------------------------------------------------------------


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


@dataclass(slots=True)
class _Inputs:
    projects: list[Project]
    frame: PortfolioFrame
    digests: dict[str, dict[str, str]]
    report_ids: tuple[int, ...]
    warnings: tuple[str, ...]
    baseline_start: IntArray
    baseline_finish: IntArray
    previous: RunInfo | None
    history: dict[str, tuple[str, int]]


def _read_inputs(engine: Engine, data_date: dt.date, week: str, *, models: bool) -> _Inputs:
    """Everything the run reads, in one snapshot. The portfolio comes as columns (load_frame);
    model Projects are built only for the projects the reports touch (to apply them, then put back
    into the columns), or for all of them when `models` (the printout and sheets need them)."""
    with reading(engine) as conn:
        frame, base = load_frame(conn)
        if not frame.project_ids:
            raise NotFound("no-projects", "no project is loaded: run `dispatch load projects/` first")
        reports = load_reports(conn, up_to=data_date)
        touched = sorted({row.project for rep in reports for row in rep.rows})
        stored = read_projects(conn) if models else (read_projects(conn, touched) if touched else [])
        digests = {r.id: {"digest": r.digest, "source": r.source_path} for r in
                   conn.execute(select(projects_t.c.id, projects_t.c.digest, projects_t.c.source_path))}
        prev = previous_run(conn, week)
        history = history_of(_run_findings(conn, prev.id)) if prev is not None else {}
    applied = apply_reports(stored, reports)
    frame = overlay_projects(frame, applied.projects)
    return _Inputs(applied.projects if models else [], frame, digests, applied.report_ids, applied.warnings,
                   base.start, base.finish, prev, history)


def _store(engine: Engine, config: Config, check: CheckResult, inputs: dict[str, Any], started: dt.datetime,
           ) -> tuple[int, tuple[int, ...], int | None]:
    """ONE transaction: retire the week's earlier runs, insert the run, its findings, its alerts."""
    with transaction(engine) as conn:
        old = tuple(int(x) for x in conn.scalars(select(runs_t.c.id).where(runs_t.c.week == check.week,
                                                                           runs_t.c.current)))
        if old:
            conn.execute(update(runs_t).where(runs_t.c.id.in_(old)).values(current=False))
        res = conn.execute(insert(runs_t).values(
            week=check.week, data_date=check.data_date, started_at=started, finished_at=utcnow(),
            status="complete", inputs=inputs, current=True, summary=check.summary.to_json()))
        pk = res.inserted_primary_key
        assert pk is not None
        run_id = int(pk[0])
        found = check.findings
        for at in range(0, len(found), 5_000):  # in chunks: the rows of a large week stay small
            conn.execute(insert(findings_t), [finding_row(run_id, i, f) for i, f in
                                              enumerate(found[at:at + 5_000], start=at)])
        queued = alerts.enqueue_alerts(conn, run_id=run_id, week=check.week, findings=check.findings, config=config)
    return run_id, old, queued


def run_weekly(engine: Engine, config: Config, data_date: dt.date | None = None, out_dir: Path | None = None,
               *, wait: float = 0.0, stale_after: dt.timedelta = STALE_AFTER, outputs: bool = True,
               deliver: bool = True) -> RunResult:
    """Run the weekly check at `data_date` (default: today in the configured timezone) and store it
    as the week's current run, replacing an earlier run of the same week atomically; then write
    the outputs into `out_dir` (default <outbox>/<week>) and deliver the queued alerts."""
    data_date = data_date or today(config)
    week = iso_week(data_date)
    out = Path(out_dir) if out_dir is not None else config.outbox_dir / week
    started = utcnow()
    with held(engine, wait=wait, stale_after=stale_after, tz=config.timezone):
        inp = _read_inputs(engine, data_date, week, models=outputs)
        cals = CalendarSet(config.calendar_dir)
        needed = {name: cals[name] for name in inp.frame.project_calendars}
        result = schedule_frame(inp.frame, needed, data_date)
        bs, bf = inp.baseline_start, inp.baseline_finish
        check = check_portfolio(result, bs, bf, config.check, inp.history, lang=config.language)
        warnings = (*result.warnings, *inp.warnings)
        inputs = {
            "data_date": data_date.isoformat(), "week": week,
            "projects": inp.digests, "reports": list(inp.report_ids),
            "previous_run": inp.previous.id if inp.previous else None,
            "thresholds": asdict(config.check), "calendars": sorted(needed), "warnings": list(warnings),
        }
        run_id, replaced, queued = _store(engine, config, check, inputs, started)
        produced = None
        if outputs:  # the printout, Gantt charts and sheets; imported here: matplotlib is heavy
            from scheduler.outputs.render import write_outputs
            from scheduler.outputs.view import build_weekly_view

            view = build_weekly_view(inp.projects, result, bs, bf, check.findings, check.project_lights,
                                     view_summary(check), week, data_date, config.language)
            produced = write_outputs(view, out, result.calendars)
    delivery = None
    if deliver:
        # alert delivery, after the commit and the lock
        delivery = alerts.deliver_pending(engine, config, outbox=(out / "alerts") if out_dir is not None else None)
    return RunResult(run_id=run_id, week=week, data_date=data_date, check=check, out_dir=out, replaced=replaced,
                     previous_run=inp.previous.id if inp.previous else None, report_ids=inp.report_ids,
                     alerts_queued=queued, outputs=produced, delivery=delivery, warnings=tuple(warnings),
                     projects=inp.projects)


def week_label(week: str) -> str:
    """'2026-W48 (2026-11-23 至 2026-11-29)'."""
    monday = week_monday(week)
    return f"{week}（{monday.isoformat()} 至 {(monday + dt.timedelta(days=6)).isoformat()}）"


def findings_json(info: RunInfo, findings: Sequence[Finding]) -> dict[str, Any]:
    """`dispatch findings --format json`: the run and its findings as plain JSON."""
    return {"run": {"id": info.id, "week": info.week, "data_date": info.data_date.isoformat(),
                    "status": info.status, "current": info.current},
            "summary": info.summary,
            "findings": [{"key": f.key, "project": f.project, "milestone": f.milestone, "factor": f.factor,
                          "factor_kind": f.factor_kind, "kind": f.kind.value, "light": f.light.value,
                          "unit": f.unit, "days": f.days, "first_seen": f.first_seen, "weeks_red": f.weeks_red,
                          "message": f.message, "details": f.details} for f in findings]}


def count_lights(findings: Sequence[Finding]) -> Mapping[str, int]:
    """Findings by light (red, yellow, green)."""
    return {lt.value: sum(f.light is lt for f in findings) for lt in (Light.RED, Light.YELLOW, Light.GREEN)}
