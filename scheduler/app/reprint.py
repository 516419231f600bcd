"""Reprinting a stored week: the view of a stored run, read the way the weekly run reads its
inputs (the projects as stored, the report versions that run applied), for `dispatch printout`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from scheduler.core.calendars import Calendar
from scheduler.core.findings import worst
from scheduler.core.problems import project_lights
from scheduler.core.reports import apply_reports
from scheduler.core.schedule import align_baseline, schedule_projects
from scheduler.errors import NotFound
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import Config
from scheduler.outputs.view import WeeklyView, build_weekly_view
from scheduler.store.columns import load_frame
from scheduler.store.db import reading
from scheduler.store.problems import problems_of_week
from scheduler.store.projects import read_projects
from scheduler.store.reports import load_reports
from scheduler.store.runs import issue_number, read_run


def missing_of_run(inputs: Mapping[str, Any]) -> list[str]:
    """The units a stored run counted as not reporting (its inputs' `reporting`, when required)."""
    rep = inputs.get("reporting")
    if not isinstance(rep, Mapping) or not rep.get("required"):
        return []
    return [str(u["unit"]) for u in rep.get("units", []) if isinstance(u, Mapping) and u.get("status") == "missing"]


def view_of_run(engine: Engine, config: Config, week: str | None = None,
                *, generated_at: dt.datetime | None = None) -> tuple[WeeklyView, dict[str, Calendar]]:
    """The WeeklyView of a stored weekly run (default: the latest week run) and its calendars, for
    `dispatch printout`: the run's findings and summary as stored; the projects as stored with the
    reports that run applied, scheduled again at its data date against the current baselines.
    NotFound when no run of that week is stored."""
    pf = config.portfolio
    info, found = read_run(engine, week, portfolio=pf)
    with reading(engine) as conn:
        stored = read_projects(conn, portfolio=pf)
        reports = load_reports(conn, up_to=info.data_date, portfolio=pf)
        frame, base = load_frame(conn, portfolio=pf)
    used = info.inputs.get("reports")
    if isinstance(used, list):  # exactly the report versions that run applied
        reports = [r for r in reports if r.id in set(used)]
    projects = apply_reports(stored, reports).projects
    cals = CalendarSet(config.calendar_dir)
    needed = {p.calendar: cals[p.calendar] for p in projects}
    result = schedule_projects(projects, needed, info.data_date)
    ids = [(frame.project_ids[int(frame.m_project[r])], frame.m_ids[r]) for r in range(frame.n)]
    bs, bf = align_baseline(result, ids, base.start, base.finish)
    with reading(engine) as conn:  # the week's problem list as that run saved it (none before problems)
        try:
            problems = problems_of_week(conn, info.week, portfolio=pf)[1]
        except NotFound:
            problems = []
    if problems:  # a project's light from its problems, as the weekly run sets it
        lights = project_lights(problems, [p.id for p in projects])
    else:
        lights = {p.id: worst(f.light for f in found if f.project == p.id) for p in projects}
    summary = dict(info.summary or {})
    for k in ("new", "resolved", "persisting"):  # stored as key lists: the view counts them
        if isinstance(summary.get(k), list):
            summary.setdefault(f"{k}_keys", summary[k])
    view = build_weekly_view(projects, result, bs, bf, found, lights, summary, info.week,
                             info.data_date, config.language, generated_at=generated_at,
                             timezone=config.timezone, issue=issue_number(engine, info.week, config.portfolio),
                             non_reporting=missing_of_run(info.inputs), problems=problems,
                             office=config.office or "")
    return view, needed
