"""store/runs.py: a finding's first_seen and weeks_red derived from the stored runs (never copied
from the previous run's rows), through re-runs of an earlier week and weeks run late."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, update

from scheduler.core.findings import week_monday
from scheduler.store import runs
from scheduler.store.db import findings as findings_t
from scheduler.store.db import insert_rows, transaction
from scheduler.store.db import runs as runs_t
from scheduler.store.runs import FINDING_COLUMNS, read_run

NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def _run(engine: Engine, week: str, lights: dict[str, str], portfolio: str = "default") -> None:
    """A run of `week` (replacing the week's current run, as store_run does) whose findings are
    finish-overdue on the milestones of `lights` (milestone -> light)."""
    with transaction(engine) as conn:
        conn.execute(update(runs_t).where(runs_t.c.week == week, runs_t.c.portfolio == portfolio)
                     .values(current=False))
        run_id = conn.execute(insert(runs_t).values(week=week, data_date=week_monday(week), started_at=NOW,
                                                    status="complete", inputs={}, current=True,
                                                    portfolio=portfolio)).inserted_primary_key[0]  # type: ignore[index]
        insert_rows(conn, findings_t, ((run_id, seq, f"finish-overdue/P/{m}", "P", m, None, None, "finish-overdue",
                                        light, "U", 5, {}) for seq, (m, light) in enumerate(lights.items())),
                    columns=("run_id", "seq", *FINDING_COLUMNS))


@pytest.fixture(params=[0, 1, 1_000], ids=["whole runs", "mixed", "by key"], autouse=True)
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """finding_history reads each earlier run whole, or looks the keys still walked up by key once
    they are few (runs._FEW; with 1, a walk of two keys does both): every way gives the same history."""
    monkeypatch.setattr(runs, "_FEW", request.param)


def _history(engine: Engine, week: str) -> dict[str, tuple[str | None, int]]:
    """milestone -> (first_seen, weeks_red) of the findings of the week's current run."""
    _info, found = read_run(engine, week)
    return {f.milestone or "": (f.first_seen, f.weeks_red) for f in found}


def test_first_seen_and_weeks_red_follow_a_re_run_of_an_earlier_week(engine: Engine) -> None:
    """M1 red W46-W48: first seen W46, 3 weeks red at W48; M2 yellow in W46, red in W47 and W48:
    W46, 2. W47 run again: M1 yellow, M2 not found: at W48, M1 is (W46, 1) and M2 new in W48, 1."""
    _run(engine, "2026-W46", {"M1": "red", "M2": "yellow"})
    _run(engine, "2026-W47", {"M1": "red", "M2": "red"})
    _run(engine, "2026-W48", {"M1": "red", "M2": "red"})
    assert _history(engine, "2026-W48") == {"M1": ("2026-W46", 3), "M2": ("2026-W46", 2)}
    _run(engine, "2026-W47", {"M1": "yellow"})
    assert _history(engine, "2026-W47") == {"M1": ("2026-W46", 0)}
    assert _history(engine, "2026-W48") == {"M1": ("2026-W46", 1), "M2": ("2026-W48", 1)}


def test_first_seen_and_weeks_red_over_a_week_not_run_and_run_late(engine: Engine) -> None:
    """W47 not run (another portfolio's run that week does not count): M1 red in W46 and W48 is
    (W46, 2). W47 run late without M1: W48's M1 is new again, (W48, 1); run once more with M1
    red: (W46, 3)."""
    _run(engine, "2026-W46", {"M1": "red"})
    _run(engine, "2026-W47", {}, portfolio="other")
    _run(engine, "2026-W48", {"M1": "red"})
    assert _history(engine, "2026-W48") == {"M1": ("2026-W46", 2)}
    _run(engine, "2026-W47", {})
    assert _history(engine, "2026-W48") == {"M1": ("2026-W48", 1)}
    _run(engine, "2026-W47", {"M1": "red"})
    assert _history(engine, "2026-W48") == {"M1": ("2026-W46", 3)}
