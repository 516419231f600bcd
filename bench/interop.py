"""Benchmark (not a test): import a generated contractor's programme of 2,000 tasks (MS Project
XML, WBS of three levels) in full, rolled up to WBS level 2 and as milestones only, and export the
sample portfolio to MS Project XML and P6 XER; each figure is printed beside a baseline measured in
the same run (a plain ElementTree parse of the same file; scheduling the portfolio). Target: every
import and export under 5 s.

    .venv/bin/python bench/interop.py [--tasks 2000] [--seed 7] [--keep FILE.xml]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from scheduler.core.schedule import schedule_projects
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.io.interop import ImportOptions, export_files, import_file, write_import
from scheduler.io.projectfile import read_portfolio

T = TypeVar("T")
START = dt.date(2026, 3, 2)
DATA_DATE = dt.date(2026, 11, 23)
HOLIDAYS = [dt.date(2026, 4, 6), dt.date(2026, 5, 1), dt.date(2026, 6, 19), dt.date(2026, 10, 1),
            dt.date(2026, 10, 2), dt.date(2027, 1, 1), dt.date(2027, 2, 8), dt.date(2027, 2, 9)]


def generate_mspdi(n_tasks: int, seed: int = 7) -> bytes:
    """An MS Project XML programme: phases > work packages > tasks (about 8 % milestones), durations
    in half days, links of every type with lags in hours to recent tasks, a Mon-Fri calendar with
    holidays. Deterministic for a seed."""
    rng = random.Random(seed)
    per_package = 20
    packages_per_phase = 5
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
           '<Project xmlns="http://schemas.microsoft.com/project">', "<SaveVersion>14</SaveVersion>",
           "<Name>BENCH-2000.xml</Name>", "<Title>Generated contractor programme</Title>",
           f"<StartDate>{START}T08:00:00</StartDate>", "<CalendarUID>1</CalendarUID>",
           "<DefaultStartTime>08:00:00</DefaultStartTime>", "<MinutesPerDay>480</MinutesPerDay>",
           "<Calendars><Calendar><UID>1</UID><Name>Contractor 5-day</Name><WeekDays>"]
    for day_type in range(1, 8):
        working = 2 <= day_type <= 6
        times = ("<WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>"
                 "<WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes>"
                 if working else "")
        out.append(f"<WeekDay><DayType>{day_type}</DayType><DayWorking>{int(working)}</DayWorking>{times}</WeekDay>")
    out.append("</WeekDays><Exceptions>")
    for d in HOLIDAYS:
        out.append(f"<Exception><TimePeriod><FromDate>{d}T00:00:00</FromDate><ToDate>{d}T23:59:00</ToDate>"
                   "</TimePeriod><Occurrences>1</Occurrences><Type>1</Type><DayWorking>0</DayWorking></Exception>")
    out.append("</Exceptions></Calendar></Calendars><Tasks>")
    uid = 0
    leaves: list[int] = []

    def task(outline: str, name: str, body: str) -> None:
        nonlocal uid
        uid += 1
        level = outline.count(".") + 1
        out.append(f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{name}</Name><WBS>{outline}</WBS>"
                   f"<OutlineNumber>{outline}</OutlineNumber><OutlineLevel>{level}</OutlineLevel>{body}</Task>")

    n_packages = max(1, -(-n_tasks // per_package))
    made = 0
    for k in range(n_packages):
        phase, package = k // packages_per_phase + 1, k % packages_per_phase + 1
        if package == 1:
            task(f"{phase}", f"Phase {phase}", "<Summary>1</Summary><Duration>PT0H0M0S</Duration>")
        task(f"{phase}.{package}", f"Package {phase}.{package}", "<Summary>1</Summary><Duration>PT0H0M0S</Duration>")
        for t in range(1, per_package + 1):
            if made == n_tasks:
                break
            made += 1
            event = rng.random() < 0.08
            hours = 0 if event else rng.randrange(2, 60) * 4
            links = []
            recent = leaves[-150:]
            for pred in rng.sample(recent, k=min(len(recent), rng.choice((1, 1, 2)))):
                kind = rng.choices(("1", "3", "0", "2"), weights=(70, 15, 10, 5))[0]
                lag = rng.choice((0, 0, 0, 8, 16, 4, 40)) * 600
                links.append(f"<PredecessorLink><PredecessorUID>{pred}</PredecessorUID><Type>{kind}</Type>"
                             f"<LinkLag>{lag}</LinkLag><LagFormat>7</LagFormat></PredecessorLink>")
            task(f"{phase}.{package}.{t}", f"Task {phase}.{package}.{t}",
                 f"<Duration>PT{hours}H0M0S</Duration><Milestone>{int(event)}</Milestone><Summary>0</Summary>"
                 + "".join(links))
            leaves.append(uid)
    out.append("</Tasks></Project>")
    return ("\n".join(out) + "\n").encode("utf-8")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """The result of fn() and its wall time in seconds."""
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; the last line is machine-readable."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, help="also write the generated programme here")
    args = ap.parse_args(argv)
    data = generate_mspdi(args.tasks, args.seed)
    if args.keep:
        args.keep.write_bytes(data)
    cals = CalendarSet(REPO_ROOT / "calendar")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = folder / "BENCH-2000.xml"
        src.write_bytes(data)
        _root, figures["baseline_parse_s"] = timed(lambda: ET.fromstring(data))
        for name, opts in (("full", ImportOptions(write_calendar=True)),
                           ("level2", ImportOptions(write_calendar=True, level=2)),
                           ("milestones", ImportOptions(write_calendar=True, milestones_only=True))):
            def run(opts: ImportOptions = opts, name: str = name) -> int:
                results = import_file(src, opts, cals)
                write_import(results, folder / f"{name}.toml", folder / "calendar", force=True)
                return len(results[0].project.milestones)
            count, figures[f"import_{name}_s"] = timed(run)
            took = figures[f"import_{name}_s"]
            print(f"import {name:10s} {args.tasks} tasks -> {count:5d} milestones  {took:.3f} s   "
                  f"(ElementTree parse alone {figures['baseline_parse_s']:.3f} s)")
        files = read_portfolio([REPO_ROOT / "projects"], calendars=cals)
        projects = [pf.project for pf in files]
        n = sum(len(p.milestones) for p in projects)
        needed = {p.calendar: cals[p.calendar] for p in projects}
        _r, figures["baseline_schedule_s"] = timed(lambda: schedule_projects(projects, needed, DATA_DATE))
        out = folder / "mspdi"
        out.mkdir()
        for fmt, target in (("mspdi", out), ("xer", folder / "portfolio.xer")):
            def export(fmt: str = fmt, target: Path = target) -> object:
                return export_files(projects, cals, fmt, target, DATA_DATE)
            _w, figures[f"export_{fmt}_s"] = timed(export)
            print(f"export {fmt:10s} {len(projects)} projects, {n} milestones  {figures[f'export_{fmt}_s']:.3f} s   "
                  f"(scheduling them alone {figures['baseline_schedule_s']:.3f} s)")
    worst = max(v for k, v in figures.items() if not k.startswith("baseline"))
    print("target: every import and export under 5 s:", "met" if worst < 5 else "NOT met")
    print("interop " + " ".join(f"{k}={v:.3f}" for k, v in figures.items()) + f" tasks={args.tasks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
