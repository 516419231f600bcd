"""A generated contractor's programme of 2,000 tasks (bench/interop.py's generator): the roll-up to
a WBS level and the milestones-only graph keep the imported plan's dates — each WBS element spans
exactly its tasks' early dates, each kept milestone keeps its early date, the finish is the same —
and the benchmark runs end to end on a small programme."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from scheduler.core.schedule import schedule_projects
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.interop import ImportOptions, ImportResult, import_file

REPO = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_interop", REPO / "bench" / "interop.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "BENCH-2000.xml"
    path.write_bytes(_bench().generate_mspdi(2000, seed=11))
    return path


def _plan(r: ImportResult) -> dict[str, tuple[int, int]]:
    res = schedule_projects([r.project], {r.calendar.name: r.calendar})
    return {m.id: (int(res.cpm.es[i]), int(res.cpm.ef[i])) for i, m in enumerate(r.project.milestones)}


_DONE: dict[tuple[Path, str], ImportResult] = {}


def _import(path: Path, **kw: object) -> ImportResult:
    key = (path, repr(sorted(kw.items())))
    if key not in _DONE:
        opts = ImportOptions(write_calendar=True, **kw)  # type: ignore[arg-type]
        (_DONE[key],) = import_file(path, opts, CalendarSet(REPO / "calendar"))
    return _DONE[key]


def test_full_import_keeps_every_task(programme: Path) -> None:
    r = _import(programme)
    assert len(r.project.milestones) == 2000
    assert any(w.startswith("rounding:") for w in r.warnings)  # half days are rounded, and said so
    links = sum(len(m.after) for m in r.project.milestones)
    assert links > 2000 and {x.type.value for m in r.project.milestones for x in m.after} == {"FS", "SS", "FF", "SF"}


@pytest.fixture(scope="module", params=[23, 37, 41])
def other(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Smaller programmes of other seeds (other link patterns, other rounding)."""
    path = tmp_path_factory.mktemp("other") / f"P{request.param}.xml"
    path.write_bytes(_bench().generate_mspdi(500, seed=request.param))
    return path


@pytest.mark.parametrize("level", [1, 2])
def test_roll_up_spans_exactly_the_tasks_of_each_wbs_element(programme: Path, level: int) -> None:
    _check_roll_up(programme, level, 20 if level == 1 else 100)


def test_roll_up_on_other_programmes(other: Path) -> None:
    _check_roll_up(other, 2, 25)
    _check_milestones(other)


def _check_roll_up(programme: Path, level: int, groups: int) -> None:
    full = _plan(_import(programme))
    rolled = _import(programme, level=level)
    plan = _plan(rolled)
    assert len(plan) == groups
    for gid, (es, ef) in plan.items():
        members = [v for k, v in full.items() if k.startswith(gid + ".")]
        assert members, gid
        assert (es, ef) == (min(v[0] for v in members), max(v[1] for v in members)), gid
    assert max(v[1] for v in plan.values()) == max(v[1] for v in full.values())


def test_milestones_only_keeps_the_milestones_dates(programme: Path) -> None:
    _check_milestones(programme)


def _check_milestones(programme: Path) -> None:
    full_r = _import(programme)
    full = _plan(full_r)
    events = {m.id for m in full_r.project.milestones if m.duration == 0}
    kept = _import(programme, milestones_only=True)
    plan = _plan(kept)
    assert set(plan) - {"START"} == events and len(events) > 20
    assert all(plan[e] == full[e] for e in events)
    starts = [m for m in kept.project.milestones if m.id == "START"]
    assert starts and np.all([x.pred != "START" or x.lag >= 0 for m in kept.project.milestones for x in m.after])


def test_bench_runs_on_a_small_programme() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "interop.py"), "--tasks", "200"], capture_output=True,
                          text=True, timeout=240, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert re.match(r"^interop baseline_parse_s=\d+\.\d+ import_full_s=\d+\.\d+ .* tasks=200$", last), last
