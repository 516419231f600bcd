"""Benchmark of loading project files (default 5,000 files x 100 milestones).

    .venv/bin/python bench/load_files.py [--files 5000 --milestones 100] [--seed 1]

1. Writes a synthetic portfolio of TOML project files (shared/spec/project-files.md: links of all
   four types with lags, deadlines, progress, factor requirements, an investment plan) into a
   temporary folder (not timed).
2. The baseline, measured in the same run: reading every file and parsing it with plain `tomllib`
   (no validation, nothing stored).
3. What `dispatch load` does (app/loading.load_files), each stage timed in this process:
   `validate` (every file read, parsed and validated, as `dispatch validate`), a fresh load into an
   empty SQLite database (validation, the rows, baseline version 1 of every project), the same files
   again (all unchanged), and again after one file changed (one duration).

Targets (issue 10): fresh load within 2x the tomllib parse, unchanged re-load <= 3 s, one file
changed <= 5 s. Times are wall seconds (CPU seconds beside them). The last line is
machine-readable:
    load_files files=N milestones=M tomllib_s=... validate_s=... fresh_s=... unchanged_s=...
        one_changed_s=... fresh_ratio=...   (one line)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TYPES = ("FS", "SS", "FF", "SF")
FACTOR_KINDS = ("用地", "用林", "用能", "环评")
STATUSES = ("未启动", "办理中", "已批复")
UNITS = ("县住建局", "县交通运输局", "洋沙湖集团", "县水利局", "县自然资源局")


def project_text(i: int, n_milestones: int, rng: np.random.Generator) -> str:
    """One valid project file: a chain-and-branches milestone graph (about 1.5 links each)."""
    pid = f"P{i:05d}"
    start = f"2026-{1 + i % 9:02d}-{1 + i % 27:02d}"
    out = [f'[project]\nid = "{pid}"\nname = "合成项目{i}"\nlead_unit = "县发改局"\nstart = {start}\n'
           f'calendar = "{"construction" if i % 10 < 7 else "office"}"\nleader = "张三"\n'
           f'units = ["{UNITS[i % 5]}"]\n',
           '[investment]\ntotal = 10000\nyear = 2026\nannual_plan = 1200\n'
           '[investment.plan]\n"2026-11" = 600\n"2026-12" = 600\n[investment.completed]\n"2026-11" = 100\n']
    for j in range(n_milestones):
        lines = [f'\n[[milestone]]\nid = "M{j:03d}"\nname = "节点{j}"\nduration = {int(rng.integers(0, 30))}']
        if j:
            preds = {int(rng.integers(max(0, j - 5), j))}
            if rng.random() < 0.5:
                preds.add(int(rng.integers(max(0, j - 10), j)))
            items = []
            for p in sorted(preds):
                t = TYPES[int(rng.choice(4, p=(0.7, 0.12, 0.12, 0.06)))]
                lag = int(rng.integers(0, 5)) if rng.random() < 0.3 else 0
                plain = t == "FS" and not lag
                items.append(f'"M{p:03d}"' if plain else f'{{id = "M{p:03d}", type = "{t}", lag = {lag}}}')
            lines.append(f"after = [{', '.join(items)}]")
        if rng.random() < 0.3:
            lines.append(f'unit = "{UNITS[j % 5]}"')
        if rng.random() < 0.05:
            lines.append("finish_by = 2027-06-30")
        if j < n_milestones // 4:
            lines.append("actual_start = 2026-10-08")
            if j < n_milestones // 8:
                lines.append("actual_finish = 2026-10-20")
            else:
                lines.append(f"percent = {int(rng.integers(0, 100))}")
        out.append("\n".join(lines) + "\n")
    for f in range(max(1, n_milestones // 10)):
        st = STATUSES[f % 3]
        out.append(f'\n[[factor]]\nid = "F{f}"\nkind = "{FACTOR_KINDS[f % 4]}"\n'
                   f'milestone = "M{int(rng.integers(0, n_milestones)):03d}"\nunit = "县自然资源局"\nstatus = "{st}"\n'
                   + ("expected = 2026-12-15\n" if st == "办理中" else ""))
    return "".join(out)


def write_files(folder: Path, n_files: int, n_milestones: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for i in range(n_files):
        (folder / f"P{i:05d}.toml").write_text(project_text(i, n_milestones, rng), encoding="utf-8")


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds, result) of one call."""
    w, c = time.perf_counter(), time.process_time()
    got = fn()
    return time.perf_counter() - w, time.process_time() - c, got


def parse_all(folder: Path) -> int:
    """The baseline: every file read and parsed with plain tomllib, nothing else."""
    n = 0
    for path in sorted(folder.glob("*.toml")):
        tomllib.loads(path.read_bytes().decode("utf-8"))
        n += 1
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--milestones", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args(argv)

    from scheduler.app.loading import load_files
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.projectfile import collect_errors
    from scheduler.store.db import open_database

    tmp = Path(tempfile.mkdtemp(prefix="dispatch-load-bench-"))
    folder = tmp / "projects"
    folder.mkdir()
    try:
        t = time.perf_counter()
        write_files(folder, a.files, a.milestones, a.seed)
        print(f"setup: {a.files} files x {a.milestones} milestones written in {time.perf_counter() - t:.1f} s",
              flush=True)
        cals = CalendarSet(REPO / "calendar")
        engine = open_database(f"sqlite:///{tmp / 'bench.sqlite'}", create=True)

        def load() -> Any:
            out = load_files(engine, [folder], calendars=cals, default_calendar="construction")
            if out.report is None:
                raise SystemExit(f"refused: {out.errors[0].show()}")
            return out.report

        rows: dict[str, tuple[float, float]] = {}
        w, c, n = timed(lambda: parse_all(folder))
        rows["tomllib"] = (w, c)
        w, c, (good, errors) = timed(lambda: collect_errors([folder], calendars=cals))
        if errors or len(good) != n:
            raise SystemExit(f"validate refused {len(errors)} files")
        del good
        rows["validate"] = (w, c)
        w, c, rep = timed(load)
        assert len(rep.added) == a.files, rep
        rows["fresh"] = (w, c)
        w, c, rep = timed(load)
        assert len(rep.unchanged) == a.files, rep
        rows["unchanged"] = (w, c)
        one = folder / "P00000.toml"
        text = one.read_text(encoding="utf-8")
        one.write_text(text.replace("\nduration = ", "\nduration = 1", 1), encoding="utf-8")
        w, c, rep = timed(load)
        assert rep.updated == ("P00000",) and len(rep.unchanged) == a.files - 1, rep
        rows["one_changed"] = (w, c)
        engine.dispose()
    finally:
        if a.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    labels = {"tomllib": "baseline: read + tomllib.loads, nothing else",
              "validate": "validate (read, parse, check every rule)",
              "fresh": "load into an empty database",
              "unchanged": "load again, every file unchanged",
              "one_changed": "load again, one file changed"}
    print(f"\n{a.files} files x {a.milestones} milestones            wall s     CPU s")
    for k, (w, c) in rows.items():
        print(f"  {labels[k]:<46}{w:8.2f}  {c:8.2f}")
    ratio = rows["fresh"][0] / rows["tomllib"][0]
    print(f"  fresh load / tomllib parse: {ratio:.2f}x (target <= 2); unchanged <= 3 s; one changed <= 5 s")
    print(f"load_files files={a.files} milestones={a.files * a.milestones} tomllib_s={rows['tomllib'][0]:.6f} "
          f"validate_s={rows['validate'][0]:.6f} fresh_s={rows['fresh'][0]:.6f} "
          f"unchanged_s={rows['unchanged'][0]:.6f} one_changed_s={rows['one_changed'][0]:.6f} fresh_ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
