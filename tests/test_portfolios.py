"""Two counties in one database (issue 12): 湘阴县's portfolio (projects/) and 花垣县's example
(examples/huayuan/) loaded side by side; each one's runs, findings, problems, alerts, reporting,
printed brief, money tables and report templates name only its own projects and units. Runs on
SQLite and, with $DISPATCH_TEST_POSTGRES_URL, on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from scheduler.app.loading import load_files
from scheduler.app.reporting import reporting_of_week
from scheduler.app.reprint import view_of_run
from scheduler.app.weekly import findings_json, run_weekly
from scheduler.core.reports import apply_reports
from scheduler.errors import ProjectFileError
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT, Config, load_config
from scheduler.io.projectfile import read_portfolio
from scheduler.io.reports import write_templates
from scheduler.outputs.brief import write_brief
from scheduler.store.alerts import list_alerts
from scheduler.store.db import reading
from scheduler.store.problems import problems_of_week
from scheduler.store.projects import load_projects, project_summaries, read_projects
from scheduler.store.reports import load_reports
from scheduler.store.runs import list_runs, read_run
from tests.helpers import named_units

CALS = CalendarSet(REPO_ROOT / "calendar")
W47, W48 = dt.date(2026, 11, 16), dt.date(2026, 11, 23)
FOLDERS = {"xiangyin": REPO_ROOT / "projects", "huayuan": REPO_ROOT / "examples" / "huayuan" / "projects"}
CONFIGS = {"xiangyin": REPO_ROOT / "config.toml", "huayuan": REPO_ROOT / "examples" / "huayuan" / "config.toml"}


def _ids(pf: str) -> set[str]:
    return {p.project.id for p in read_portfolio([FOLDERS[pf]], calendars=CALS)}


def _units(pf: str) -> set[str]:
    return {u for p in read_portfolio([FOLDERS[pf]], calendars=CALS) for u in named_units(p.project)}


@pytest.fixture
def both(engine: Engine, tmp_path: Path) -> dict[str, Config]:
    url = engine.url.render_as_string(hide_password=False)
    out: dict[str, Config] = {}
    for pf in FOLDERS:
        cfg = dataclasses.replace(load_config(CONFIGS[pf]), database_url=url, data_dir=tmp_path,
                                  outbox_dir=tmp_path / pf)
        assert cfg.portfolio == pf
        got = load_files(engine, [FOLDERS[pf]], calendars=CALS, default_calendar=cfg.default_calendar, portfolio=pf)
        assert got.report is not None and set(got.report.added) == _ids(pf)
        for day in (W47, W48):
            run_weekly(engine, cfg, day, outputs=False, deliver=False)
        out[pf] = cfg
    return out


def test_two_counties_in_one_database_never_see_each_other(engine: Engine, both: dict[str, Config],
                                                           tmp_path: Path) -> None:
    shared = _units("xiangyin") & _units("huayuan")
    assert "县自然资源局" in shared  # the same name in both counties: still two units, one per county
    for pf, cfg in both.items():
        other = "huayuan" if pf == "xiangyin" else "xiangyin"
        mine, theirs = _ids(pf), _ids(other)
        their_units = _units(other) - shared
        assert {s.id for s in project_summaries(engine, portfolio=pf)} == mine
        assert {p.id for p in read_projects(engine, portfolio=pf)} == mine
        runs = list_runs(engine, portfolio=pf)
        assert [r.week for r in runs] == ["2026-W47", "2026-W48"]
        info, found = read_run(engine, portfolio=pf)
        assert found and {f.project for f in found} <= mine and not {f.unit for f in found} & their_units
        doc = findings_json(info, found)
        assert set(doc["summary"]["money"]) <= mine and set(doc["summary"]["money"]) & mine
        with reading(engine) as conn:
            _, problems = problems_of_week(conn, portfolio=pf)
        assert problems and {p.project for p in problems} <= mine
        alerts = list_alerts(engine, portfolio=pf)
        assert alerts and not {a.unit for a in alerts} & their_units
        assert {a.run_id for a in alerts} <= {r.id for r in runs}
        status = reporting_of_week(engine, cfg, "2026-W49")
        assert status.units and not {u.unit for u in status.units} & their_units
        # the printed brief and the money tables of the run, read back
        view, _ = view_of_run(engine, cfg, "2026-W48")
        assert {p.id for p in view.projects} == mine
        assert {r.project_id for r in (*view.money.funds, *view.money.statistics, *view.money.quantities)} <= mine
        assert not {u.unit for u in view.money.unit_targets} & their_units
        pdf = write_brief(view, tmp_path / f"brief-{pf}")[0]
        text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        names = {p.id: p.name for p in read_projects(engine, portfolio=other)}
        assert not [n for n in names.values() if n in text]
        assert not [u for u in their_units if u in text]
        # the templates of its units list only its projects
        projects = apply_reports(read_projects(engine, portfolio=pf),
                                 load_reports(engine, week_max="2026-W49", portfolio=pf)).projects
        files = write_templates(projects, "2026-W49", tmp_path / f"tpl-{pf}")
        assert files and not [f for f in files if any(u in f.name for u in their_units)]
        for f in files:
            wb = load_workbook(f)
            cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value}
            assert not cells & theirs and not cells & set(names.values())
    # the same week numbers, one 第N期 each
    assert len({r.id for pf in both for r in list_runs(engine, portfolio=pf)}) == 4


def test_a_project_id_of_another_portfolio_is_refused(engine: Engine, both: dict[str, Config]) -> None:
    rail = [pf for pf in read_portfolio([FOLDERS["xiangyin"]], calendars=CALS) if pf.project.id == "YGG-RAIL"]
    with pytest.raises(ProjectFileError, match="belongs to portfolio 'xiangyin'"):
        load_projects(engine, rail, calendars=CALS, portfolio="huayuan")
    assert "YGG-RAIL" not in {p.id for p in read_projects(engine, portfolio="huayuan")}
