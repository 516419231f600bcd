"""Round trips: a project file exported to MS Project XML or P6 XER and imported again is the same
project file, and exported files re-read by the importer give the same schedule (the sample
portfolio, at the sample week's data date, in both formats)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import pytest

from scheduler.core.model import Milestone, Money, Project
from scheduler.core.schedule import schedule_projects
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.interop import (
    ImportOptions,
    export_files,
    import_file,
    percent_for_remaining,
    remaining_days,
)
from scheduler.io.projectfile import parse_project, read_portfolio
from scheduler.io.projectwriter import toml_string
from scheduler.io.xer import parse_calendar_data
from tests.test_interop_cases import CASES, REPO, make_config, run

CALENDARS = CalendarSet(REPO / "calendar")
DATA_DATE = dt.date(2026, 11, 23)


def _strip(p: Project, *, units: bool) -> Project:
    """The project as a schedule exchange carries it (no factors, investment, money, weights, notes)."""
    ms = tuple(dataclasses.replace(m, weight=None, note=None, unit=m.unit if units else None) for m in p.milestones)
    return dataclasses.replace(p, milestones=ms, factors=(), investment=None, money=Money(), leader=None,
                               category=None,
                               location=None, seed=None, target=None,
                               units=(), lead_unit=p.lead_unit if units else "")


def _body(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"


@pytest.mark.parametrize("fmt", ["mspdi", "xer"])
def test_export_then_import_gives_the_same_project_file(tmp_path: Path, fmt: str) -> None:
    config = make_config(tmp_path)
    source = CASES / "10_roundtrip.toml"
    original = parse_project(source.read_text(encoding="utf-8"), source, calendars=CALENDARS)
    exported = tmp_path / f"rt.{fmt}"
    res = run(config, "export", str(source), "--format", fmt, "--out", str(exported), "--data-date", "2026-10-19")
    assert res.exit_code == 0, res.stderr
    back = tmp_path / "back.toml"
    res = run(config, "import", str(exported), "--out", str(back))
    assert res.exit_code == 0, res.stderr
    assert "calendar/office.toml over" in res.stderr  # the exported office calendar is recognised as ours
    text = back.read_text(encoding="utf-8")
    again = parse_project(text, back, calendars=CALENDARS)
    # the lead unit and milestone units travel as MS Project's Company and Contact, as P6 user fields
    assert _body(text) == source.read_text(encoding="utf-8")
    assert again == original
    assert "2026-10-19" in text  # the status date travels as the data date


def test_the_sample_portfolio_round_trips_to_the_same_schedule(tmp_path: Path) -> None:
    files = read_portfolio([REPO / "projects"], calendars=CALENDARS)
    projects = [pf.project for pf in files]
    assert len(projects) >= 10
    cals = {p.calendar: CALENDARS[p.calendar] for p in projects}
    full = schedule_projects(projects, cals, DATA_DATE).to_json()
    # factor requirements are not part of a schedule exchange: the re-imported schedule is the one
    # without their holds, while the dates written in the files are the county's (with them)
    want = schedule_projects([_strip(p, units=True) for p in projects], cals, DATA_DATE).to_json()
    assert want != full
    xer, _warn = export_files(projects, CALENDARS, "xer", tmp_path / "portfolio.xer", DATA_DATE)
    folder = tmp_path / "mspdi"
    folder.mkdir()
    xmls, warnings = export_files(projects, CALENDARS, "mspdi", folder, DATA_DATE)
    assert len(xmls) == len(projects) and any("factor requirements" in w for w in warnings)
    for exported in (xer, xmls):
        results = [r for path in exported for r in import_file(path, ImportOptions(), CALENDARS)]
        back = [r.project for r in results]
        assert [p.id for p in back] == [p.id for p in projects]
        got = schedule_projects(back, {p.calendar: CALENDARS[p.calendar] for p in back}, DATA_DATE).to_json()
        assert got == want
        for r, p in zip(results, projects, strict=True):
            assert r.data_date == DATA_DATE and r.project.calendar == p.calendar
            assert _strip(r.project, units=False) == _strip(p, units=False)
        # the dates written in the files are the schedule's
        for r, proj in zip(results, full["projects"], strict=True):
            for m in proj["milestones"]:
                assert r.stored[m["id"]] == (dt.date.fromisoformat(m["early_start"]),
                                             dt.date.fromisoformat(m["early_finish"])), (proj["id"], m["id"])


def test_percent_for_remaining_inverts_the_spec_rule() -> None:
    for d in range(1, 60):
        for r in range(1, d + 1):
            p = percent_for_remaining(d, r)
            assert 0 <= p < 100
            m = Milestone("M", "m", d, actual_start=dt.date(2026, 1, 5), percent=p)
            assert remaining_days(m) == r == max(math.ceil(round(d * (100 - p), 6) / 100), 1), (d, r, p)


def test_toml_string_survives_every_character() -> None:
    import tomllib

    nasty = 'a"b\\c\n\td\x00e\x1f\x7f“引号”🚧'
    assert tomllib.loads(f"x = {toml_string(nasty)}")["x"] == nasty


def test_p6_calendar_data_is_parsed() -> None:
    tree = parse_calendar_data("(0||CalendarData()((0||DaysOfWeek()((0||1()())(0||2()((0||0(s|08:00|f|16:00)())))))"
                               "(0||Exceptions()((0||0(d|46023)())))))")
    assert tree is not None and [c.label for c in tree.children] == ["DaysOfWeek", "Exceptions"]
    assert parse_calendar_data("(0||CalendarData()((0||DaysOf") is None
