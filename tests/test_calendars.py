"""Working-day calendars: the shipped office and construction calendars against the State Council's
arrangements (chinesecalendar as the independent source), the index arithmetic, provisional years
and how a county announces a year in the calendar file, with no code change."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import chinese_calendar
import numpy as np
import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.errors import CalendarError
from scheduler.io.calendarfiles import CalendarSet, load_calendar
from scheduler.io.config import REPO_ROOT

CAL_DIR = REPO_ROOT / "calendar"
CONFIG = str(REPO_ROOT / "config.toml")
D = dt.date


@pytest.fixture(scope="module")
def cals() -> CalendarSet:
    return CalendarSet(CAL_DIR)


def days(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def test_office_is_chinesecalendar_every_day_2015_2026(cals: CalendarSet) -> None:
    office = cals["office"]
    wrong = [d for d in days(D(2015, 1, 1), D(2026, 12, 31))
             if office.is_working(d) != chinese_calendar.is_workday(d)]
    assert wrong == []
    assert not office.provisional_years & set(range(2015, 2027))


def test_office_2026_spring_festival(cals: CalendarSet) -> None:
    office = cals["office"]
    feb = {d: office.is_working(d) for d in days(D(2026, 2, 1), D(2026, 2, 28))}
    off = [d for d, w in feb.items() if not w and d.weekday() < 5]
    assert off == [*days(D(2026, 2, 16), D(2026, 2, 20)), D(2026, 2, 23)]
    assert not any(feb[d] for d in days(D(2026, 2, 15), D(2026, 2, 23)))
    # the make-up Saturdays (调休上班)
    assert D(2026, 2, 14).weekday() == 5 and feb[D(2026, 2, 14)]
    assert D(2026, 2, 28).weekday() == 5 and feb[D(2026, 2, 28)]
    worked_weekend = [d for d, w in feb.items() if w and d.weekday() >= 5]
    assert worked_weekend == [D(2026, 2, 14), D(2026, 2, 28)]


def test_construction_closed_exactly_for_the_2026_break(cals: CalendarSet) -> None:
    site = cals["construction"]
    closed = [d for d in days(D(2026, 2, 1), D(2026, 2, 28)) if not site.is_working(d)]
    assert closed == days(D(2026, 2, 15), D(2026, 2, 23))
    # every other day of the year is worked, weekends and National Day included
    other = [d for d in days(D(2026, 1, 1), D(2026, 12, 31)) if not site.is_working(d)]
    assert other == closed


def test_national_day_2026(cals: CalendarSet) -> None:
    office, site = cals["office"], cals["construction"]
    assert not any(office.is_working(d) for d in days(D(2026, 10, 1), D(2026, 10, 7)))
    assert D(2026, 9, 20).weekday() == 6 and office.is_working(D(2026, 9, 20))
    assert D(2026, 10, 10).weekday() == 5 and office.is_working(D(2026, 10, 10))
    assert not office.is_working(D(2026, 9, 19)) and not office.is_working(D(2026, 10, 11))
    assert office.is_working(D(2026, 10, 8)) and office.is_working(D(2026, 10, 9))
    assert all(site.is_working(d) for d in days(D(2026, 9, 19), D(2026, 10, 11)))


def test_index_lookups_on_working_and_non_working_days(cals: CalendarSet) -> None:
    office = cals["office"]

    def after(d: dt.date) -> int:
        return int(office.indexes_after(np.array([d.toordinal()], dtype=np.int64))[0])

    i14, i24 = office.index_on_or_after(D(2026, 2, 14)), office.index_on_or_after(D(2026, 2, 24))
    assert office.day(i14) == D(2026, 2, 14) and office.day(i24) == D(2026, 2, 24)
    assert i24 == i14 + 1  # nothing worked in between: the holiday
    # a working day: all three agree with it, except `after`, which is the next one
    assert office.index_on_or_before(D(2026, 2, 24)) == i24
    assert after(D(2026, 2, 24)) == i24 + 1
    assert office.day(i24 + 1) == D(2026, 2, 25)
    # a day off inside the holiday
    for d in (D(2026, 2, 15), D(2026, 2, 18), D(2026, 2, 23)):
        assert office.index_on_or_after(d) == i24
        assert office.index_on_or_before(d) == i14
        assert after(d) == i24
    # a plain weekend: Sat 7 Mar 2026
    fri, mon = office.index_on_or_after(D(2026, 3, 6)), office.index_on_or_after(D(2026, 3, 9))
    assert mon == fri + 1
    assert office.index_on_or_after(D(2026, 3, 7)) == mon
    assert office.index_on_or_before(D(2026, 3, 8)) == fri
    assert after(D(2026, 3, 6)) == mon
    # vectorized forms agree
    probe = days(D(2026, 2, 10), D(2026, 3, 10))
    ords = np.array([d.toordinal() for d in probe], dtype=np.int64)
    assert office.indexes_on_or_after(ords).tolist() == [office.index_on_or_after(d) for d in probe]
    assert office.indexes_on_or_before(ords).tolist() == [office.index_on_or_before(d) for d in probe]
    assert office.indexes_after(ords).tolist() == [office.index_on_or_before(d) + 1 for d in probe]


def test_dates_outside_the_calendar_are_refused(cals: CalendarSet) -> None:
    with pytest.raises(CalendarError) as e:
        cals["office"].index_on_or_after(D(2040, 1, 1))
    assert e.value.kind == "date-out-of-range"


def test_2027_is_provisional(cals: CalendarSet) -> None:
    for name in ("office", "construction"):
        cal = cals[name]
        assert 2027 in cal.provisional_years
        assert 2026 not in cal.provisional_years
    # the provisional rule still keeps the computable (lunar) holidays: Lunar New Year 2027 is 6 Feb
    assert not cals["office"].is_working(D(2027, 2, 8))
    assert not cals["construction"].is_working(D(2027, 2, 6))


PROJECT_INTO_2027 = """\
[project]
id = "{pid}"
name = "runs into 2027"
calendar = "{cal}"
start = {start}

[[milestone]]
id = "A"
name = "A"
duration = {d}
"""


def schedule_json(path: Path, config: str = CONFIG) -> dict[str, object]:
    res = CliRunner().invoke(cli, ["--config", config, "schedule", str(path), "--format", "json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    doc: dict[str, object] = json.loads(res.stdout)
    return doc


@pytest.mark.parametrize("cal", ["construction", "office"])
def test_schedule_into_2027_warns(tmp_path: Path, cal: str) -> None:
    f = tmp_path / "p.toml"
    f.write_text(PROJECT_INTO_2027.format(pid="P", cal=cal, start="2026-12-01", d=60), encoding="utf-8")
    doc = schedule_json(f)
    warnings = doc["warnings"]
    assert isinstance(warnings, list) and len(warnings) == 1
    assert f"calendar {cal}" in warnings[0] and "2027" in warnings[0] and "provisional" in warnings[0]
    # a project inside 2026 carries no warning
    f.write_text(PROJECT_INTO_2027.format(pid="P", cal=cal, start="2026-03-02", d=60), encoding="utf-8")
    assert schedule_json(f)["warnings"] == []


# An illustrative 2027 arrangement (the real one is announced in November 2026): Spring Festival
# off Fri 5 - Sun 14 Feb with Sat 20 Feb worked, New Year's Day off.
ANNOUNCED_2027 = """
[years.2027]
off  = [2027-01-01, 2027-02-05, 2027-02-08, 2027-02-09, 2027-02-10, 2027-02-11, 2027-02-12]
work = [2027-02-20]
"""


def test_announcing_2027_in_the_calendar_file(tmp_path: Path) -> None:
    folder = tmp_path / "calendar"
    shutil.copytree(CAL_DIR, folder)
    with (folder / "office.toml").open("a", encoding="utf-8") as fh:
        fh.write(ANNOUNCED_2027)
    config = tmp_path / "config.toml"
    config.write_text('[paths]\ncalendar_dir = "calendar"\n', encoding="utf-8")
    office, site = load_calendar(folder, "office"), load_calendar(folder, "construction")
    assert 2027 not in office.provisional_years and 2027 not in site.provisional_years
    assert 2028 in office.provisional_years and 2028 in site.provisional_years
    assert [d for d in days(D(2027, 2, 1), D(2027, 2, 28)) if not site.is_working(d)] == \
        days(D(2027, 2, 5), D(2027, 2, 14))
    assert office.is_working(D(2027, 2, 20))  # the announced make-up Saturday
    assert not office.is_working(D(2027, 2, 13)) and office.is_working(D(2027, 2, 15))

    # construction, start Mon 25 Jan 2027, d=20.
    # provisional: Jan 25-31 (7), Feb 1-4 (11), closed Feb 5-8, Feb 9-17 (20) -> finish Feb 17.
    # announced:   Jan 25 - Feb 4 (11), closed Feb 5-14, Feb 15-23 (20)      -> finish Feb 23.
    # office, start Mon 1 Feb 2027, d=10.
    # provisional: Feb 1-4 (4), off Fri 5 and Mon 8, Feb 9-12 (8), Feb 15-16 (10) -> finish Feb 16.
    # announced:   Feb 1-4 (4), off Feb 5-14, Feb 15-19 (9), Sat Feb 20 (10)     -> finish Feb 20.
    for cal, start, d, before, after in (("construction", "2027-01-25", 20, "2027-02-17", "2027-02-23"),
                                         ("office", "2027-02-01", 10, "2027-02-16", "2027-02-20")):
        f = tmp_path / f"{cal}.toml"
        f.write_text(PROJECT_INTO_2027.format(pid="P", cal=cal, start=start, d=d), encoding="utf-8")
        old, new = schedule_json(f), schedule_json(f, str(config))
        assert old["projects"][0]["finish"] == before  # type: ignore[index]
        assert new["projects"][0]["finish"] == after  # type: ignore[index]
        assert any("2027" in w for w in old["warnings"])  # type: ignore[attr-defined]
        assert new["warnings"] == []


def test_unknown_calendar_is_refused(tmp_path: Path, cals: CalendarSet) -> None:
    with pytest.raises(CalendarError) as e:
        cals["lunar"]
    assert e.value.kind == "unknown-calendar"
    assert "lunar" not in cals and "office" in cals
    f = tmp_path / "p.toml"
    f.write_text(PROJECT_INTO_2027.format(pid="P", cal="lunar", start="2026-03-02", d=5), encoding="utf-8")
    for cmd in (["schedule", str(f), "--format", "json"], ["validate", str(f)]):
        res = CliRunner().invoke(cli, ["--config", CONFIG, *cmd])
        assert res.exit_code == 2
        assert "Traceback" not in res.output
        assert "unknown-calendar" in res.stderr and "lunar" in res.stderr and f"{f}:4" in res.stderr
