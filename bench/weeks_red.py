"""Benchmark of deriving 连续红灯 (a problem's weeks red running) from the stored weeks.

    .venv/bin/python bench/weeks_red.py [--problems 13000 --weeks 20 --stay-red 0.9] [--seed 1]

weekly_run.py runs one week on a fresh database, so it never sees a history; this one does.
1. Stores `--weeks` weekly runs of a portfolio with `--problems` problems listed in every one, each
   red and counting in a week with probability `--stay-red` (so runs of red weeks end at random),
   in an embedded SQLite database under a temporary folder (setup, not timed).
2. The baseline, measured in the same run: what the carried count cost the weekly run, reading
   the previous week's row of every problem (`problem_id`, the count) with one query.
3. What the weekly run does now for its carry-over (store.problems.week_history: the count of every
   problem red at the previous run, walked back run by run), and what `dispatch problems` does
   for the latest week (store.problems.problems_of_week, the whole list with its counts).

CPU seconds of this process, best of 3. The last line is machine-readable:
    weeks_red problems=N weeks=W red_rows=R baseline_s=... week_history_s=... problems_of_week_s=...
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def best(fn: Callable[[], Any], rounds: int = 3) -> tuple[float, Any]:
    """Least CPU seconds of `rounds` calls of `fn`, and its last result."""
    out, least = None, float("inf")
    for _ in range(rounds):
        c = time.process_time()
        out = fn()
        least = min(least, time.process_time() - c)
    return least, out


def main() -> None:
    """Set up the history, then time the baseline and the derived counts."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", type=int, default=13_000)
    ap.add_argument("--weeks", type=int, default=20)
    ap.add_argument("--stay-red", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from sqlalchemy import func, insert, select

    from scheduler.core.findings import week_monday
    from scheduler.store import problems as store
    from scheduler.store.db import insert_rows, open_database, problem_weeks, problems, reading, runs, transaction

    rnd = random.Random(args.seed)
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    weeks = [f"2026-W{w:02d}" for w in range(1, args.weeks + 1)]
    ids = [f"P{i % 5000:04d}/milestone/M{i}" for i in range(args.problems)]
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", create=True)
        with transaction(engine) as conn:
            cols = [c.name for c in problems.columns]
            base = dict.fromkeys(cols)
            base.update(kind="milestone", source="check", description="", unit="U", person="", partners=[],
                        measures="", needs_county=False, county_matters="", status="open", first_seen=weeks[0],
                        created_at=now, updated_at=now, portfolio="default")
            insert_rows(conn, problems, (tuple({**base, "id": pid, "project_id": pid.split("/")[0]}[c] for c in cols)
                                         for pid in ids), columns=cols)
            wcols = ("problem_id", "week", "run_id", "light", "status", "own_light", "counted_red", "escalate",
                     "symptoms", "deadlines")
            for week in weeks:
                pk = conn.execute(insert(runs).values(week=week, data_date=week_monday(week), started_at=now,
                                                      status="complete", inputs={}, current=True)).inserted_primary_key
                run_id = int(pk[0])  # type: ignore[index]
                insert_rows(conn, problem_weeks, ((pid, week, run_id, "red", "open", "red",
                                                   rnd.random() < args.stay_red, False, [], []) for pid in ids),
                            columns=wcols)
        last, after = weeks[-1], "2026-W99"
        with reading(engine) as conn:
            red_rows = int(conn.scalar(select(func.count()).select_from(problem_weeks)
                                       .where(problem_weeks.c.counted_red)) or 0)
            pw = problem_weeks.c
            baseline, got = best(lambda: conn.execute(select(pw.problem_id, pw.counted_red)
                                                      .where(pw.week == last)).all())
            history_s, hist = best(lambda: store.week_history(conn, after))
            listing_s, (_wk, listed) = best(lambda: store.problems_of_week(conn, last))
        engine.dispose()
    longest = max(hist.values(), default=0)
    print(f"{args.problems} problems x {args.weeks} weekly runs, {red_rows} red week rows; "
          f"{len(hist)} red at the last run, longest run of red weeks {longest}")
    print("CPU seconds (best of 3)")
    print(f"  baseline: the previous week's rows read        {baseline:7.3f}   ({len(got)} rows)")
    print(f"  week_history (the weekly run's carry-over)     {history_s:7.3f}")
    print(f"  problems_of_week (dispatch problems, the list) {listing_s:7.3f}   ({len(listed)} problems)")
    print(f"weeks_red problems={args.problems} weeks={args.weeks} red_rows={red_rows} baseline_s={baseline:.3f} "
          f"week_history_s={history_s:.3f} problems_of_week_s={listing_s:.3f}")


if __name__ == "__main__":
    main()
