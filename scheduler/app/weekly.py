"""The weekly run (周调度): lock, read, schedule, check, store — one run per ISO week, replaced
atomically when the week is run again — then the printout/sheets and the alerts.

    run_weekly(engine, config, data_date) ->
      1. take the run lock (lock.py; RunLocked when another run holds it)
      2. in one read snapshot: the projects, the latest weekly reports up to the data date, the
         current baselines, who reported, the history of the previous current run's findings (key ->
         first seen, weeks red) and, for the stale rule, its findings in the projects of the units
         that did not report
      3. overlay the reports (reports.apply_reports), schedule at the data date, run the check
      4. in ONE transaction: mark the week's earlier runs not current, insert the run (status
         complete, inputs = project file digests + report ids, summary), its findings, and queue
         the alerts (delivery.messages.enqueue_alerts) — a failure anywhere leaves the last complete run as it
         was, with no partial state
      5. after the commit: outputs.write_outputs (printout, Gantt, sheets), then, with the lock
         released, delivery.loop.deliver_pending
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select

from scheduler.app.reporting import frame_with_reports, status_of_week
from scheduler.core.alerts import Names
from scheduler.core.check import CheckResult, check_portfolio
from scheduler.core.findings import Finding, iso_week
from scheduler.core.memory import gc_paused
from scheduler.core.model import DEFAULT_PORTFOLIO, Project
from scheduler.core.phrases import finding_text
from scheduler.core.problems import Problem, carry_over, find_problems, with_problem_lights
from scheduler.core.reporting import ReportingStatus, Staleness, projects_depending_on
from scheduler.core.schedule import PortfolioFrame, ScheduleResult, schedule_frame
from scheduler.delivery import loop, messages
from scheduler.errors import OutputError
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import Config
from scheduler.store.alerts import insert_alerts
from scheduler.store.db import findings as findings_t
from scheduler.store.db import projects as projects_t
from scheduler.store.db import reading, transaction, utcnow
from scheduler.store.lock import STALE_AFTER, held, lock_name
from scheduler.store.problems import carried_problems, save_week, week_history
from scheduler.store.reports import load_reports
from scheduler.store.runs import (
    RunInfo,
    RunRef,
    finding_history,
    issue_number,
    previous_run,
    run_findings,
    store_run,
)

IntArray = npt.NDArray[np.int64]


def today(config: Config) -> dt.date:
    """Today in the configured timezone (Asia/Shanghai): the default data date."""
    return dt.datetime.now(ZoneInfo(config.timezone)).date()


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
    output_error: OutputError | None = None
    """The outputs could not be written (a full disk) though the run is stored and its alerts sent;
    the error alone, detached from its traceback (the frames that failed and all they held)."""
    projects: list[Project] = field(default_factory=list)
    """The model projects (reports applied) when the outputs were built; empty otherwise (the
    run itself works on columns)."""
    problems: tuple[Problem, ...] = ()
    """This week's problem list (问题清单), as stored."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """This run's findings."""
        return self.check.findings


# -- the run ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Inputs:
    projects: list[Project]
    frame: PortfolioFrame
    digests: dict[str, dict[str, str]]
    report_ids: tuple[int, ...]
    warnings: tuple[str, ...]
    baseline_start: IntArray
    baseline_finish: IntArray
    previous: RunRef | None
    history: dict[str, tuple[str, int]]
    previous_findings: list[Finding]
    """The previous run's findings the stale rule may carry: those of the projects a missing unit
    answers in (core.reporting.projects_depending_on); none when every unit reported."""
    reporting: ReportingStatus
    weeks_red: dict[str, int]
    """Each problem's weeks red running at the previous run week (the carry-over's input)."""


def _read_history(engine: Engine, week: str, portfolio: str
                  ) -> tuple[RunRef | None, dict[str, tuple[str, int]], dict[str, int]]:
    """The previous run, the check's history (key -> first seen, weeks red: `finding_history`) and
    each problem's weeks red running at the previous run week (`week_history`), in a snapshot of
    their own: runs, findings and problem weeks are written only by the weekly run's store
    transaction under the portfolio's run lock, which the caller holds, so this snapshot sees what
    the portfolio's would. Read beside load_frame, while it waits for its first query."""
    with reading(engine) as conn:
        prev = previous_run(conn, week, portfolio)
        history = finding_history(conn, prev) if prev is not None else {}
        return prev, history, week_history(conn, week, portfolio)


def _read_inputs(engine: Engine, data_date: dt.date, week: str, *, models: bool,
                 config: Config | None = None) -> _Inputs:
    """Everything the run reads, in one snapshot (the history in one of its own, read at the same
    time: `_read_history`). The portfolio comes as columns (load_frame); model Projects are built
    only for the projects the reports touch (to apply them, then put back into the columns), or
    for all of them when `models` (the printout and sheets need them). Who reported the week is
    judged in the same snapshot (app/reporting.py)."""
    pf = config.portfolio if config is not None else DEFAULT_PORTFOLIO
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="history") as pool, reading(engine) as conn:
        past = pool.submit(_read_history, engine, week, pf)
        rp = frame_with_reports(conn, load_reports(conn, up_to=data_date, portfolio=pf), models=models, portfolio=pf)
        digests = {r.id: {"digest": r.digest, "source": r.source_path} for r in
                   conn.execute(select(projects_t.c.id, projects_t.c.digest, projects_t.c.source_path)
                                .where(projects_t.c.portfolio == pf))}
        cfg = config or Config(None, Path(), Path(), Path(), Path(), "")
        reporting = status_of_week(conn, cfg, week, rp.frame, expected=cfg.reporting.required(week))
        prev, history, weeks_red = past.result()
        # the stale rule carries previous findings of the projects a missing unit answers in only
        carry = projects_depending_on(rp.frame, frozenset(reporting.missing)) if reporting.required else set()
        prev_findings = (run_findings(conn, prev, findings_t.c.project_id.in_(sorted(carry)), history=history)
                         if prev is not None and carry else [])
    return _Inputs(rp.projects, rp.frame, digests, rp.report_ids, rp.warnings, rp.base.start, rp.base.finish,
                   prev, history, prev_findings, reporting, weeks_red)


def _carry_problems(engine: Engine, config: Config, result: ScheduleResult, check: CheckResult, week: str,
                    started: dt.datetime, weeks_red: dict[str, int]) -> tuple[list[Problem], CheckResult]:
    """The week's problem list: found from the check's findings, carried over from the stored
    problems the week needs (those still open and those found again; not every problem ever
    stored) with their weeks red running at the previous run week (`_Inputs.weeks_red`), and the
    check with its project lights taken from them."""
    found = find_problems(result, check)
    with reading(engine) as conn:
        stored = carried_problems(conn, (p.id for p in found), config.portfolio)
    problems = carry_over(found, stored, weeks_red, week, escalate_after_weeks=config.check.escalate_after_weeks,
                          now=started)
    return problems, with_problem_lights(check, problems)


def _store(engine: Engine, config: Config, check: CheckResult, inputs: dict[str, Any], started: dt.datetime,
           problems: Sequence[Problem] = (), reporting: ReportingStatus | None = None
           ) -> tuple[int, tuple[int, ...], int | None]:
    """ONE transaction: retire the week's earlier runs, insert the run, its findings, the week's
    problem list, its alerts, and — once the reporting deadline has passed — the message to each
    unit that has not reported the week (messages.not_reported_alerts; once per unit and week)."""
    with transaction(engine) as conn:
        run_id, old = store_run(conn, check, inputs, started, config.portfolio)
        save_week(conn, check.week, run_id, problems, config.portfolio)
        queued = messages.enqueue_alerts(conn, run_id=run_id, week=check.week, config=config, problems=problems)
        if reporting is not None and reporting.required and reporting.missing and started > reporting.deadline:
            queued += insert_alerts(conn, messages.not_reported_alerts(
                reporting.missing, week=check.week, deadline=reporting.deadline, config=config, run_id=run_id,
                now=started), config.portfolio)
    return run_id, old, queued


def run_weekly(engine: Engine, config: Config, data_date: dt.date | None = None, out_dir: Path | None = None,
               *, wait: float = 0.0, stale_after: dt.timedelta = STALE_AFTER, outputs: bool = True,
               deliver: bool = True, annex: bool = False) -> RunResult:
    """Run the weekly check at `data_date` (default: today in the configured timezone) and store it
    as the week's current run, replacing an earlier run of the same week atomically; then write
    the outputs into `out_dir` (default <outbox>/<week>: the brief, a brief per county leader, the
    findings workbook; with `annex` the per-project pages and Gantt charts) and deliver the queued
    alerts."""
    data_date = data_date or today(config)
    week = iso_week(data_date)
    out = Path(out_dir) if out_dir is not None else config.outbox_dir / week
    started = utcnow()
    with held(engine, name=lock_name(config.portfolio), wait=wait, stale_after=stale_after, tz=config.timezone):
        with gc_paused():  # read to store: many objects, no cycles (core/memory.py)
            inp = _read_inputs(engine, data_date, week, models=outputs, config=config)
            cals = CalendarSet(config.calendar_dir)
            needed = {name: cals[name] for name in inp.frame.calendar_names}
            result = schedule_frame(inp.frame, needed, data_date)
            bs, bf = inp.baseline_start, inp.baseline_finish
            missing = frozenset(inp.reporting.missing) if inp.reporting.required else frozenset()
            stale = Staleness(missing, inp.previous_findings, inp.previous.week if inp.previous else None)
            check = check_portfolio(result, bs, bf, config.check, inp.history, stale=stale)
            problems, check = _carry_problems(engine, config, result, check, week, started, inp.weeks_red)
            warnings = (*result.warnings, *inp.warnings)
            inputs = {
                "data_date": data_date.isoformat(), "week": week,
                "projects": inp.digests, "reports": list(inp.report_ids),
                "previous_run": inp.previous.id if inp.previous else None,
                "thresholds": asdict(config.check), "calendars": sorted(needed), "warnings": list(warnings),
                "reporting": inp.reporting.to_json(),
            }
            run_id, replaced, queued = _store(engine, config, check, inputs, started, problems,
                                               inp.reporting)
        produced = None
        output_error: OutputError | None = None
        if outputs:  # the printout, Gantt charts and sheets; imported here: matplotlib is heavy
            from scheduler.outputs.render import write_outputs
            from scheduler.outputs.view import build_weekly_view, view_summary

            view = build_weekly_view(inp.projects, result, bs, bf, check.findings, check.project_lights,
                                     view_summary(check), week, data_date, config.language,
                                     timezone=config.timezone, issue=issue_number(engine, week, config.portfolio),
                                     non_reporting=missing, problems=problems, office=config.office or "")
            try:
                produced = write_outputs(view, out, result.calendars, annex=annex)
            except OutputError as e:  # the run is stored: say so in one line, still deliver the alerts
                output_error = e.detached()  # not its traceback: that would keep the whole portfolio alive
    delivery = None
    if deliver:
        # alert delivery, after the commit and the lock
        delivery = loop.deliver_pending(engine, config, outbox=(out / "alerts") if out_dir is not None else None)
    return RunResult(run_id=run_id, week=week, data_date=data_date, check=check, out_dir=out, replaced=replaced,
                     previous_run=inp.previous.id if inp.previous else None, report_ids=inp.report_ids,
                     alerts_queued=queued, outputs=produced, delivery=delivery, warnings=tuple(warnings),
                     projects=inp.projects, problems=tuple(problems), output_error=output_error)


def findings_json(info: RunInfo, findings: Sequence[Finding], names: Names | None = None, lang: str = "zh",
                  ) -> dict[str, Any]:
    """`dispatch findings --format json`: the run and its findings as plain JSON; each finding's
    `message` is written now, in `lang` (findings store no sentence)."""
    return {"run": {"id": info.id, "week": info.week, "data_date": info.data_date.isoformat(),
                    "status": info.status, "current": info.current},
            "summary": info.summary,
            "findings": [{"key": f.key, "project": f.project, "milestone": f.milestone, "factor": f.factor,
                          "factor_kind": f.factor_kind, "kind": f.kind.value, "light": f.light.value,
                          "unit": f.unit, "days": f.days, "first_seen": f.first_seen, "weeks_red": f.weeks_red,
                          "message": finding_text(f, names, lang, info.data_date), "details": f.details}
                         for f in findings]}


