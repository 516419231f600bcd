"""Benchmark (not a test): render a whole sample-size week — the printout PDF with every Gantt page,
the charts (PNG + SVG) and the findings sheet — and print the seconds. Target: <= 15 s on 2 cores.

    .venv/bin/python bench/printout.py [--synthetic] [--keep DIR]

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
from scheduler.outputs.render import write_outputs
from scheduler.outputs.view import build_weekly_view

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", action="store_true", help="made-up projects instead of projects/")
    ap.add_argument("--keep", type=Path, default=None, help="write the outputs here (default: a temp dir)")
    ap.add_argument("--workers", type=int, default=None, help="chart processes (default: write_outputs decides)")
    args = ap.parse_args()
    cals = CalendarSet(REPO_ROOT / "calendar")
    projects: list[Project] = []
    source = "synthetic 14 x 15"
    if not args.synthetic:
        try:
            projects = [pf.project for pf in read_portfolio([REPO_ROOT / "projects"], calendars=cals)]
            source = f"projects/ ({len(projects)} projects)"
        except DispatchError as e:
            print(f"projects/ does not load ({e.format()}); using synthetic projects", file=sys.stderr)
    if not projects:
        projects = synthetic()
    needed = {p.calendar: cals[p.calendar] for p in projects}
    t0 = time.perf_counter()
    plan = schedule_projects(projects, needed)
    result = schedule_projects(projects, needed, D)
    bs, bf = np.asarray(plan.early_start), np.asarray(plan.early_finish)
    chk = check_portfolio(result, bs, bf, CheckThresholds())
    findings: list[Finding] = list(chk.findings)
    if not any(f.light is Light.RED for f in findings):  # make sure the lists have something to lay out
        findings.append(Finding(projects[0].id, FindingKind.SLIP, Light.RED, "示例红灯", projects[0].lead_unit))
    summary = chk.summary.to_json()
    summary["invest_by_project"] = {pid: ip.to_json() for pid, ip in chk.investment.items()}
    t1 = time.perf_counter()
    view = build_weekly_view(projects, result, bs, bf, findings, chk.project_lights, summary, iso_week(D), D, "zh")
    t2 = time.perf_counter()
    rows = sum(len(p.milestones) for p in projects)
    print(f"{source}: {rows} milestones, {len(findings)} findings")
    print(f"schedule + check {t1 - t0:6.2f} s")
    print(f"build view       {t2 - t1:6.2f} s")
    # The default (charts in worker processes beside the PDF layout) against a baseline measured in
    # the same run: everything rendered in this one process.
    modes = [("default", args.workers), ("baseline: one process", 1)] if args.workers is None \
        else [(f"workers={args.workers}", args.workers)]
    figures: dict[str, float] = {}
    files: list[Path] = []
    for label, workers in modes:
        with tempfile.TemporaryDirectory() as tmp:
            out = args.keep or Path(tmp)
            cpu0, w0 = _cpu(), time.perf_counter()
            files = write_outputs(view, out, needed, workers=workers)
            wall, cpu = time.perf_counter() - w0, _cpu() - cpu0
            pages = _pages(files[0])
        figures[label] = wall
        print(f"write outputs    {wall:6.2f} s  {label:<22} (PDF of {pages} pages + {len(files) - 2} charts + xlsx; "
              f"CPU incl. workers {cpu:.2f} s; load average {os.getloadavg()[0]:.1f})")
    first = next(iter(figures.values()))
    base = figures.get("baseline: one process", first)
    print(f"printout projects={len(projects)} milestones={rows} findings={len(findings)} pages={pages} "
          f"files={len(files)} write_s={first:.2f} baseline_one_process_s={base:.2f} "
          f"speedup={base / first:.2f} load={os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
