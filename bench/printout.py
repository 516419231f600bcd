"""Benchmark (not a test): a county-size week (projects/ copied to 300 projects) — the run without
outputs (schedule + check, the baseline measured in the same run), then with the weekly run's
default outputs (the brief, a brief per county leader, the problem list sheet; target: the whole
under 20 s on 2 cores), then the annex (a page and a Gantt chart per project; target: under 60 s,
or one project on demand) — and print the seconds.

    .venv/bin/python bench/printout.py [--projects 300] [--annex-projects N] [--synthetic] [--keep DIR]

Uses projects/ (scheduled as the plan for the baseline, then at the demo data date 2026-11-23, and
checked) when it loads; else, or with --synthetic, 14 made-up projects of 15 milestones.
`write_s` is wall time; the machine's load average is printed beside it (other work on the same
cores slows it). `--workers 1` renders everything in this process and also reports its CPU time
(the work itself, independent of load); with worker processes their CPU time is not visible here."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from scheduler.core.check import CheckThresholds, check_portfolio
from scheduler.core.findings import Finding, FindingKind, Light, iso_week
from scheduler.core.model import FactorRequirement, FactorStatus, Link, Milestone, Project
from scheduler.core.schedule import schedule_projects
from scheduler.errors import DispatchError
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.io.projectfile import read_portfolio
from scheduler.outputs.render import write_annex, write_outputs
from scheduler.outputs.view import build_weekly_view, narrow

D = dt.date(2026, 11, 23)


def synthetic(n_projects: int = 14, n_milestones: int = 15) -> list[Project]:
    """Made-up projects: a chain with a parallel branch, progress up to the data date, a factor each."""
    out = []
    for p in range(n_projects):
        ms = []
        for i in range(n_milestones):
            after = (Link(f"M{i - 1:02d}"),) if i else ()
            if i >= 3 and i % 4 == 0:
                after = (Link(f"M{i - 3:02d}"),)
            done = i < n_milestones // 3
            ms.append(Milestone(f"M{i:02d}", f"第{i + 1}项工程节点（施工及验收）", 0 if i == n_milestones - 1 else 20,
                                after=after, actual_start=dt.date(2026, 2, 1) + dt.timedelta(days=25 * i) if done
                                else None, actual_finish=dt.date(2026, 2, 18) + dt.timedelta(days=25 * i) if done
                                else None, finish_by=dt.date(2027, 6, 30) if i == n_milestones - 1 else None))
        fac = (FactorRequirement("F1", ("用地", "用林", "用能", "环评")[p % 4], f"M{n_milestones // 2:02d}",
                                 FactorStatus.IN_PROGRESS, unit="县自然资源局", expected=dt.date(2026, 12, 20),
                                 blocker="指标待省厅调剂"),)
        out.append(Project(f"P{p:02d}", f"示范项目{p + 1:02d}", ("县发改局", "县交通运输局", "县住建局")[p % 3],
                           dt.date(2026, 2, 1), "construction", tuple(ms), fac, leader="副县长"))
    return out


def _cpu() -> float:
    """User + system seconds of this process and its finished children (the chart workers)."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def _pages(pdf: Path) -> int | None:
    """Pages of the PDF (pdfinfo, from poppler-utils), None without it."""
    try:
        out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def copies(projects: list[Project], n: int) -> list[Project]:
    """The portfolio copied (ids and names numbered) up to `n` projects: a county's size."""
    import dataclasses

    out = []
    for k in range(n):
        p = projects[k % len(projects)]
        c = k // len(projects)
        out.append(p if c == 0 else dataclasses.replace(p, id=f"{p.id}-{c}", name=f"{p.name}（{c + 1}）"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", action="store_true", help="made-up projects instead of projects/")
    ap.add_argument("--projects", type=int, default=300, help="copy the portfolio up to this many projects")
    ap.add_argument("--annex-projects", type=int, default=None,
                    help="render the annex for this many projects (default: all)")
    ap.add_argument("--keep", type=Path, default=None, help="write the outputs here (default: a temp dir)")
    ap.add_argument("--workers", type=int, default=None, help="chart processes (default: write_annex decides)")
    args = ap.parse_args()
    cals = CalendarSet(REPO_ROOT / "calendar")
    projects: list[Project] = []
    source = "synthetic 14 x 15"
    if not args.synthetic:
        try:
            projects = [pf.project for pf in read_portfolio([REPO_ROOT / "projects"], calendars=cals)]
            source = "projects/"
        except DispatchError as e:
            print(f"projects/ does not load ({e.format()}); using synthetic projects", file=sys.stderr)
    if not projects:
        projects = synthetic()
    projects = copies(projects, args.projects)
    needed = {p.calendar: cals[p.calendar] for p in projects}
    # the run without outputs (the baseline, measured in the same run): schedule and check
    cpu0, t0 = _cpu(), time.perf_counter()
    plan = schedule_projects(projects, needed)
    result = schedule_projects(projects, needed, D)
    bs, bf = np.asarray(plan.early_start), np.asarray(plan.early_finish)
    chk = check_portfolio(result, bs, bf, CheckThresholds())
    findings: list[Finding] = list(chk.findings)
    if not any(f.light is Light.RED for f in findings):  # make sure the lists have something to lay out
        findings.append(Finding(projects[0].id, FindingKind.SLIP, Light.RED, "示例红灯", projects[0].lead_unit))
    summary = chk.summary.to_json()
    summary["invest_by_project"] = {pid: ip.to_json() for pid, ip in chk.investment.items()}
    run_s, run_cpu = time.perf_counter() - t0, _cpu() - cpu0
    cpu0, t1 = _cpu(), time.perf_counter()
    view = build_weekly_view(projects, result, bs, bf, findings, chk.project_lights, summary, iso_week(D), D, "zh")
    view_s = time.perf_counter() - t1
    rows = sum(len(p.milestones) for p in projects)
    print(f"{source} copied to {len(projects)} projects: {rows} milestones, {len(findings)} findings")
    print(f"run without outputs (schedule + check) {run_s:7.2f} s  CPU {run_cpu:6.2f} s")
    print(f"build view                             {view_s:7.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        cpu0, w0 = _cpu(), time.perf_counter()
        files = write_outputs(view, out, needed)  # the weekly run's default: brief, leader briefs, sheet
        brief_s, brief_cpu = time.perf_counter() - w0, _cpu() - cpu0
        brief_pages = _pages(files[0])
        print(f"brief + leader briefs + sheet          {brief_s:7.2f} s  CPU {brief_cpu:6.2f} s  "
              f"({brief_pages} pages, {len(files)} files; load average {os.getloadavg()[0]:.1f})")
        annex_view = view if args.annex_projects is None else narrow(
            view, {p.id for p in view.projects[:args.annex_projects]})
        cpu0, w0 = _cpu(), time.perf_counter()
        annex = write_annex(annex_view, out, needed, workers=args.workers)
        annex_s, annex_cpu = time.perf_counter() - w0, _cpu() - cpu0
        print(f"annex ({len(annex_view.projects)} projects, charts)          {annex_s:7.2f} s  CPU incl. workers "
              f"{annex_cpu:6.2f} s  ({_pages(annex[0])} pages)")
        one = narrow(view, {view.projects[0].id})
        w0 = time.perf_counter()
        write_annex(one, out / "one", needed, workers=1)
        one_s = time.perf_counter() - w0
        print(f"annex of one project on demand         {one_s:7.2f} s")
    print(f"printout projects={len(projects)} run_no_outputs_s={run_s:.2f} with_brief_s={run_s + view_s + brief_s:.2f} "
          f"brief_pages={brief_pages} annex_s={annex_s:.2f} annex_one_project_s={one_s:.2f} "
          f"load={os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
