"""The weekly-run benchmark runs end to end on a tiny portfolio and ends with its machine-readable
line (no timing is asserted: only that every figure is there and consistent)."""

from __future__ import annotations

import re
import subprocess
import sys

from scheduler.io.config import REPO_ROOT

LAST = re.compile(r"^weekly_run milestones=(\d+) total_s=(\d+\.\d+) peak_mb=(\d+\.\d+) cpm_s=(\d+\.\d+) "
                  r"networkx_cpm_s=(\d+\.\d+) speedup=(\d+\.\d+|inf) previous_weeks=(\d+)$")


def test_bench_runs_and_prints_the_summary_line() -> None:
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "weekly_run.py"), "--projects", "20",
                           "--milestones", "30", "--previous-weeks", "1"],
                          capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    m = LAST.match(lines[-1])
    assert m, lines[-1]
    assert int(m.group(1)) == 20 * 30
    total, peak, cpm_s, nx_s = (float(m.group(i)) for i in (2, 3, 4, 5))
    assert total > 0 and peak > 0 and nx_s > 0
    if cpm_s > 0 and m.group(6) != "inf":
        assert abs(float(m.group(6)) - nx_s / cpm_s) <= 0.1 * nx_s / cpm_s + 0.1
    # the engine and the naive networkx CPM agreed on the plan, or the bench would have stopped
    assert any("same ES/EF/LF on the plan" in ln for ln in lines)
    # the timed week ran after one stored earlier week, and says so
    assert m.group(7) == "1"
    assert any("after 1 earlier weekly runs" in ln for ln in lines)


LOAD_LAST = re.compile(r"^load_files files=(\d+) milestones=(\d+) tomllib_s=(\d+\.\d+) validate_s=(\d+\.\d+) "
                       r"fresh_s=(\d+\.\d+) unchanged_s=(\d+\.\d+) one_changed_s=(\d+\.\d+) fresh_ratio=(\d+\.\d+)$")


def test_load_bench_runs_and_prints_the_summary_line() -> None:
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "load_files.py"), "--files", "6",
                           "--milestones", "12"], capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    m = LOAD_LAST.match(lines[-1])
    assert m, lines[-1]
    assert (int(m.group(1)), int(m.group(2))) == (6, 6 * 12)
    tomllib_s, fresh_s, ratio = float(m.group(3)), float(m.group(5)), float(m.group(8))
    assert tomllib_s > 0 and abs(ratio - fresh_s / tomllib_s) <= 0.01 * ratio + 0.01


WEEKS_RED_LAST = re.compile(r"^weeks_red problems=(\d+) weeks=(\d+) red_rows=(\d+) baseline_s=(\d+\.\d+) "
                            r"week_history_s=(\d+\.\d+) problems_of_week_s=(\d+\.\d+)$")


def test_weeks_red_bench_runs_and_prints_the_summary_line() -> None:
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "weeks_red.py"), "--problems", "40",
                           "--weeks", "4", "--stay-red", "1.0"], capture_output=True, text=True, timeout=240,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    m = WEEKS_RED_LAST.match(lines[-1])
    assert m, lines[-1]
    assert (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (40, 4, 160)  # red every week
    # red in all 4 runs: all 40 red at the last run, counted back over the 4 runs
    assert lines[0].endswith("40 red at the last run, longest run of red weeks 4")
