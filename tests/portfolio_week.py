"""The sample portfolio (projects/, 湘阴县) checked at W47 and then W48 in memory, as the demo runs it
(the plan as baseline, W47's findings and problem list as W48's history): the WeeklyView of W48,
with its problem list and what goes up to the county (the problems' escalation), for the brief and
digest tests, optionally a county of `n` projects copied from both sample counties (湘阴's and 花垣's
example: a mix of late and on-time projects as a real county has)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from functools import cache

import numpy as np

from scheduler.core.check import CheckResult, CheckThresholds, check_portfolio
from scheduler.core.findings import Finding, iso_week
from scheduler.core.model import Project
from scheduler.core.problems import Problem, carry_over, find_problems, with_problem_lights
from scheduler.core.schedule import schedule_projects
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.io.projectfile import read_portfolio
from scheduler.outputs.view import WeeklyView, build_weekly_view, view_summary

W47, W48 = dt.date(2026, 11, 16), dt.date(2026, 11, 23)


def history_of(findings: Sequence[Finding]) -> dict[str, tuple[str, int]]:
    """The check's history input from a week's findings held in memory (the weekly run reads it
    from the stored runs: store.runs.finding_history): key -> (first_seen, weeks_red)."""
    return {f.key: (f.first_seen or "", f.weeks_red) for f in findings}


@cache
def projects(n: int | None = None) -> tuple[Project, ...]:
    """projects/ as read from disk; with `n`, copies of both samples (ids and names numbered) up to n
    projects."""
    cals = CalendarSet(REPO_ROOT / "calendar")
    base = [pf.project for pf in read_portfolio([REPO_ROOT / "projects"], calendars=cals)]
    if n is None:
        return tuple(base)
    base += [pf.project for pf in read_portfolio([REPO_ROOT / "examples" / "huayuan" / "projects"], calendars=cals)]
    out = []
    for k in range(n):
        p = base[k % len(base)]
        copy = k // len(base)
        out.append(p if copy == 0 else dataclasses.replace(p, id=f"{p.id}-{copy}", name=f"{p.name}（{copy + 1}）"))
    return tuple(out)


@cache
def found() -> dict[str, list[Problem]]:
    """The problems the check finds in the sample at W47 and at W48 (W47's findings as W48's
    history), by week, before any carry-over."""
    ps = projects()
    cs = CalendarSet(REPO_ROOT / "calendar")
    cals = {p.calendar: cs[p.calendar] for p in ps}
    plan = schedule_projects(ps, cals)
    bs, bf = np.asarray(plan.early_start), np.asarray(plan.early_finish)
    r47, r48 = schedule_projects(ps, cals, W47), schedule_projects(ps, cals, W48)
    w47 = check_portfolio(r47, bs, bf, CheckThresholds())
    w48 = check_portfolio(r48, bs, bf, CheckThresholds(), history_of(w47.findings))
    return {iso_week(W47): find_problems(r47, w47), iso_week(W48): find_problems(r48, w48)}


@cache
def week(n: int | None = None, lang: str = "zh") -> tuple[WeeklyView, CheckResult]:
    """The W48 view (W47 checked first for the history) and W48's check."""
    ps = projects(n)
    cs = CalendarSet(REPO_ROOT / "calendar")
    cals = {p.calendar: cs[p.calendar] for p in ps}
    plan = schedule_projects(ps, cals)
    bs, bf = np.asarray(plan.early_start), np.asarray(plan.early_finish)
    th = CheckThresholds()
    res47 = schedule_projects(ps, cals, W47)
    first = check_portfolio(res47, bs, bf, th)
    now = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)
    before = carry_over(find_problems(res47, first), {}, {}, iso_week(W47),
                        escalate_after_weeks=th.escalate_after_weeks, now=now)
    result = schedule_projects(ps, cals, W48)
    chk = check_portfolio(result, bs, bf, th, history_of(first.findings))
    problems = carry_over(find_problems(result, chk), {p.id: p for p in before}, {p.id: p.weeks_red for p in before},
                          iso_week(W48), escalate_after_weeks=th.escalate_after_weeks, now=now)
    chk = with_problem_lights(chk, problems)  # as the weekly run does (app/weekly.py)
    view = build_weekly_view(ps, result, bs, bf, chk.findings, chk.project_lights, view_summary(chk),
                             iso_week(W48), W48, lang, generated_at=now, issue=2, problems=problems)
    return view, chk
