"""Concurrent ingests on the shared PostgreSQL server: units sending their weekly reports at the same
moment, and the same unit twice at once, many rounds over: every report is stored, versions are
unique and consecutive per (unit, week), and every stored row belongs to the file it came from.

PostgreSQL only (SQLite serializes writers with BEGIN IMMEDIATE; the shared server is PostgreSQL):
the README's test command always runs this file in its second pass, with a throwaway server."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from scheduler.app.ingest import ingest_report
from scheduler.cli import cli
from scheduler.io.reports import write_templates
from scheduler.store.db import report_rows, weekly_reports
from scheduler.store.projects import read_projects
from scheduler.store.reports import IngestResult, load_reports

pytestmark = pytest.mark.skipif(
    not os.environ.get("DISPATCH_TEST_POSTGRES_URL"),
    reason="concurrent writers need the shared PostgreSQL server: set DISPATCH_TEST_POSTGRES_URL "
           "(scripts/test.sh does, in its second pass)")

WEEK = "2026-W48"
ROUNDS = 20
# unit -> (sheet, percent cell, project, milestone) of the row each of its files fills in
UNITS = {"虞公港铁路公司": ("节点进度", "I4", "ALPHA", "M1"), "县卫健局": ("节点进度", "I4", "BETA", "A")}
SAME_UNIT_TWICE = "虞公港铁路公司"


def percent_of(unit: str, rnd: int, copy: int) -> float:
    """A value unique to each file, so every stored row can be traced back to its file."""
    return float(rnd) + 0.25 * copy + (50.0 if unit == "县卫健局" else 60.0)  # ALPHA/M1 is at 60 % in its file


@pytest.fixture
def loaded(engine: Engine, config_file: Path, portfolio_dir: Path) -> Engine:
    res = CliRunner().invoke(cli, ["--config", str(config_file), "load", str(portfolio_dir)])
    assert res.exit_code == 0, res.output
    return engine


def make_files(engine: Engine, folder: Path, rounds: int = ROUNDS) -> dict[tuple[str, int, int], Path]:
    """Every file of every round: (unit, round, copy) -> path."""
    tpl = {load_workbook(p)["_meta"]["B3"].value: p.read_bytes()
           for p in write_templates(read_projects(engine), WEEK, folder / "tpl", units=list(UNITS))}
    out: dict[tuple[str, int, int], Path] = {}
    for unit, (sheet, cell, _pid, _mid) in UNITS.items():
        for rnd in range(rounds):
            for copy in range(2 if unit == SAME_UNIT_TWICE else 1):
                wb = load_workbook(io.BytesIO(tpl[unit]))
                if unit == "县卫健局":
                    wb[sheet]["G4"] = "2026-05-06"  # BETA/A has not started in its file
                wb[sheet][cell] = percent_of(unit, rnd, copy)
                path = folder / f"{unit}-{rnd}-{copy}.xlsx"
                wb.save(path)
                out[(unit, rnd, copy)] = path
    return out


def test_concurrent_ingests_store_every_report_with_consecutive_versions(loaded: Engine, tmp_path: Path) -> None:
    files = make_files(loaded, tmp_path)
    results: dict[tuple[str, int, int], IngestResult] = {}
    errors: list[tuple[tuple[str, int, int], BaseException]] = []
    for rnd in range(ROUNDS):
        keys = [k for k in files if k[1] == rnd]
        gate = threading.Barrier(len(keys))

        def send(key: tuple[str, int, int], gate: threading.Barrier = gate) -> None:
            gate.wait()
            try:
                results[key] = ingest_report(loaded, files[key])
            except BaseException as e:  # recorded, the assertion below names it
                errors.append((key, e))

        threads = [threading.Thread(target=send, args=(k,)) for k in keys]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors[:3]
    assert len(results) == len(files) == ROUNDS * 3
    assert not any(r.unchanged for r in results.values())

    with loaded.connect() as c:
        heads = c.execute(select(weekly_reports)).all()
        rows = c.execute(select(report_rows)).all()
    versions: dict[tuple[str, str], list[int]] = defaultdict(list)
    for h in heads:
        versions[(h.unit, h.week)].append(h.version)
    assert {k: sorted(v) for k, v in versions.items()} == {
        (SAME_UNIT_TWICE, WEEK): list(range(1, 2 * ROUNDS + 1)), ("县卫健局", WEEK): list(range(1, ROUNDS + 1))}

    # every report's rows are exactly the row of the file it was ingested from
    by_report: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_report[r.report_id].append(r)
    head_of = {h.id: h for h in heads}
    for key, res in results.items():
        unit, rnd, copy = key
        _sheet, _cell, pid, mid = UNITS[unit]
        head = head_of[res.report_id]
        assert (head.unit, head.week, head.version, head.filename) == (unit, WEEK, res.version, files[key].name)
        (row,) = by_report[res.report_id]
        assert (row.project_id, row.item_kind, row.item_id) == (pid, "milestone", mid)
        assert row.percent == pytest.approx(percent_of(unit, rnd, copy))
    assert len(rows) == len(heads) == len(files)

    # the week's applied report of each unit is its highest version
    latest = {r.unit: r for r in load_reports(loaded, week_max=WEEK)}
    assert latest[SAME_UNIT_TWICE].version == 2 * ROUNDS and latest["县卫健局"].version == ROUNDS


def test_concurrent_cli_ingests_in_separate_processes(loaded: Engine, config_file: Path, tmp_path: Path) -> None:
    """The same through `dispatch ingest` in separate processes (each its own connection pool), three
    at once: all accepted, versions 1..2 and 1."""
    files = make_files(loaded, tmp_path, rounds=1)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPATCH_DATABASE_URL", "DISPATCH_CONFIG")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    procs = [subprocess.Popen([sys.executable, "-m", "scheduler.cli", "--config", str(config_file), "ingest",
                               "--unit", key[0], str(path)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for key, path in files.items()]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and not err, err
    with loaded.connect() as c:
        got = sorted(tuple(r) for r in c.execute(select(weekly_reports.c.unit, weekly_reports.c.version)))
        n_rows = len(c.execute(select(report_rows)).all())
    assert got == sorted([(SAME_UNIT_TWICE, 1), (SAME_UNIT_TWICE, 2), ("县卫健局", 1)])
    assert n_rows == len(files)
