"""The CPM engine against schedules worked by hand from the spec (tests/cases/schedule/).

Each case is a project file NAME.toml whose comment header works the arithmetic, and NAME.json, the
exact `dispatch schedule NAME.toml --format json [--data-date D]` output expected; a `# data-date:`
line in the file gives D. The cases run through the real command line."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core import cpm
from scheduler.errors import CycleError
from scheduler.io.config import REPO_ROOT

CASES = Path(__file__).parent / "cases" / "schedule"
CONFIG = str(REPO_ROOT / "config.toml")
DATA_DATE = re.compile(r"^#\s*data-date:\s*(\d{4}-\d{2}-\d{2})\s*$", re.M)


def _cases() -> list[Path]:
    return sorted(CASES.glob("*.toml"))


def test_there_are_enough_cases() -> None:
    names = [p.stem for p in _cases()]
    assert len(names) >= 15
    for n in names:
        assert (CASES / f"{n}.json").is_file(), f"{n}.toml has no expected {n}.json"


def run_schedule(path: Path, data_date: str | None) -> dict[str, object]:
    """`dispatch schedule PATH --format json [--data-date D]`, parsed."""
    args = ["--config", CONFIG, "schedule", str(path), "--format", "json"]
    if data_date:
        args += ["--data-date", data_date]
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    doc: dict[str, object] = json.loads(res.stdout)
    return doc


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.stem)
def test_case(path: Path) -> None:
    m = DATA_DATE.search(path.read_text(encoding="utf-8"))
    got = run_schedule(path, m.group(1) if m else None)
    want = json.loads((CASES / f"{path.stem}.json").read_text(encoding="utf-8"))
    assert got["data_date"] == want["data_date"]
    assert got["warnings"] == want["warnings"]
    for gp, wp in zip(got["projects"], want["projects"], strict=True):  # type: ignore[call-overload]
        assert {k: v for k, v in gp.items() if k != "milestones"} == \
            {k: v for k, v in wp.items() if k != "milestones"}
        for gm, wm in zip(gp["milestones"], wp["milestones"], strict=True):
            assert gm == wm, f"milestone {wm['id']}"
    assert got == want


def test_several_files_keep_file_order() -> None:
    """Projects come in the order of the files given, each on its own calendar."""
    a, b = CASES / "09_office_spring_festival.toml", CASES / "01_fs_lag.toml"
    args = ["--config", CONFIG, "schedule", str(a), str(b), "--format", "json"]
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [p["id"] for p in doc["projects"]] == ["OFFICE-SF", "FS-LAG"]
    assert [p["calendar"] for p in doc["projects"]] == ["office", "construction"]
    want_b = json.loads((CASES / "01_fs_lag.json").read_text(encoding="utf-8"))
    assert doc["projects"][1] == want_b["projects"][0]


def test_bad_data_date_is_one_line() -> None:
    res = CliRunner().invoke(cli, ["--config", CONFIG, "schedule", str(CASES / "01_fs_lag.toml"),
                                   "--format", "json", "--data-date", "2026-13-01"])
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    assert "2026-13-01" in res.output


# -- the engine's own pieces -------------------------------------------------------------------

def _net(duration: list[int], links: list[tuple[int, int, int, int]], lb: list[int] | None = None) -> cpm.Network:
    n = len(duration)
    z = np.zeros(n, dtype=np.int64)
    arr = np.asarray(links, dtype=np.int64).reshape(-1, 4)
    return cpm.Network(project=z, duration=np.asarray(duration, dtype=np.int64), status=z.copy(),
                       es_lb=np.asarray(lb if lb is not None else [0] * n, dtype=np.int64),
                       actual_es=z.copy(), actual_ef=z.copy(), remaining=np.ones(n, dtype=np.int64),
                       resume_lb=z.copy(), start_by=np.full(n, cpm.NONE), finish_by=np.full(n, cpm.NONE),
                       pred=arr[:, 0].copy(), succ=arr[:, 1].copy(), ltype=arr[:, 2].copy(),
                       lag=arr[:, 3].copy(), n_projects=1)


def test_levels_are_longest_paths() -> None:
    res = cpm.compute(_net([1, 1, 1, 1], [(0, 1, cpm.FS, 0), (1, 2, cpm.FS, 0), (0, 2, cpm.FS, 0), (3, 2, cpm.FS, 0)]))
    assert res.level.tolist() == [0, 1, 2, 0]


def test_the_engine_refuses_a_cycle() -> None:
    with pytest.raises(CycleError):
        cpm.compute(_net([1, 1, 1], [(0, 1, cpm.FS, 0), (1, 2, cpm.FS, 0), (2, 1, cpm.FS, 0)]))


def test_ss_and_ff_ladder_between_the_same_pair() -> None:
    """Two links between the same milestones (SS lag 2 + FF lag 3): both bind."""
    # A d=10: 0..10. B d=4: SS -> ES >= 2; FF -> EF >= 13 -> ES >= 9. ES = 9, EF = 13 = PF.
    res = cpm.compute(_net([10, 4], [(0, 1, cpm.SS, 2), (0, 1, cpm.FF, 3)]))
    assert res.es.tolist() == [0, 9] and res.ef.tolist() == [10, 13]
    # Backward: B LF = 13. A: SS -> LS(A) <= LS(B)-2 = 7 -> LF <= 17; FF -> LF <= 13-3 = 10 (PF 13).
    assert res.lf.tolist() == [10, 13]
    assert res.total_float.tolist() == [0, 0]
    # Free float of A: min(SS slack 9-0-2 = 7, FF slack 13-10-3 = 0, PF-EF = 3) = 0.
    assert res.free_float.tolist() == [0, 0]


def test_calendar_free_engine_on_a_chain_of_events() -> None:
    """A start event followed by an event: the second is reached by the first's finish."""
    res = cpm.compute(_net([0, 0, 3], [(0, 1, cpm.FS, 0), (1, 2, cpm.FS, 0)], lb=[5, 5, 5]))
    assert res.es.tolist() == [5, 5, 5] and res.ef.tolist() == [5, 5, 8]
    assert res.fin_bound.tolist() == [False, True, False]


def test_plan_and_forecast_differ_only_by_the_data_date() -> None:
    """Without --data-date progress is ignored: the plan case 20 is case 12's file without a date."""
    doc12 = run_schedule(CASES / "12_progress.toml", None)
    want20 = json.loads((CASES / "20_progress_plan.json").read_text(encoding="utf-8"))
    assert doc12["projects"][0]["milestones"] == want20["projects"][0]["milestones"]  # type: ignore[index]
    assert doc12["data_date"] is None
    assert dt.date.fromisoformat(str(want20["projects"][0]["finish"])) == dt.date(2026, 10, 30)
