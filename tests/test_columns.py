"""The portfolio as columns (scheduler/store/columns.py): the same frame and schedule as the model
path, the current baselines, and no derived copy: what is written to the project tables by any
means, plain SQL included, is what the next read and the next weekly run see. Runs on SQLite, and
on PostgreSQL when $DISPATCH_TEST_POSTGRES_URL is set (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.app.weekly import run_weekly
from scheduler.core.schedule import frame_from_projects, schedule_frame
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT, Config
from scheduler.io.projectfile import read_portfolio
from scheduler.store import columns
from scheduler.store import projects as repository
from scheduler.store.db import transaction
from tests.helpers import assert_same_frame
from tests.weekly_sample import ROAD, load

D = dt.date
CALS = CalendarSet(REPO_ROOT / "calendar")


def _load(engine: Engine, folder: Path) -> None:
    repository.load_projects(engine, read_portfolio([folder], calendars=CALS), calendars=CALS)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _sql(engine: Engine, *statements: str) -> None:
    with transaction(engine) as conn:
        for s in statements:
            conn.exec_driver_sql(s)


def test_load_frame_equals_frame_from_projects(engine: Engine, portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    model = frame_from_projects(repository.read_projects(engine))
    frame, base = columns.load_frame(engine)
    assert_same_frame(frame, model)
    assert frame.project_ids == ["ALPHA", "BETA", "GAMMA"]
    row = {(frame.project_ids[p], m): i for i, (p, m) in enumerate(zip(frame.m_project, frame.m_ids, strict=True))}
    assert frame.hold[row["ALPHA", "M3"]] == D(2026, 12, 15).toordinal()  # 办理中, expected
    assert frame.hold[row["ALPHA", "M2"]] == 0                            # 已批复
    assert frame.hold[row["BETA", "B"]] == D(2026, 7, 1).toordinal()
    assert frame.l_type.tolist()[1:3] == [1, 2]                            # SS, FF
    assert base.finish[row["ALPHA", "M1"]] == D(2026, 4, 10).toordinal()
    assert base.start[row["GAMMA", "W"]] == D(2026, 1, 5).toordinal()
    assert base.version.tolist() == [1, 1, 1]
    assert frame.project_investment[0] is not None and frame.project_investment[0].plan
    assert any(u is None for u in frame.m_units) and any(u is not None for u in frame.m_units)
    cals = {n: CALS[n] for n in frame.calendar_names}
    for data_date in (None, D(2026, 11, 23)):
        assert schedule_frame(frame, cals, data_date).to_json() == schedule_frame(model, cals, data_date).to_json()
    sub, sub_base = columns.load_frame(engine, ["GAMMA"])
    assert_same_frame(sub, frame_from_projects(repository.read_projects(engine, ["GAMMA"])))
    assert sub_base.finish.tolist() == [D(2026, 1, 5).toordinal(), D(2026, 1, 29).toordinal()]


def test_load_frame_baseline_follows_rebaseline_and_removed_milestones(engine: Engine,
                                                                        portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    _edit(portfolio_dir / "GAMMA.toml", 'duration = 25', 'duration = 10')
    _edit(portfolio_dir / "BETA.toml", 'after = ["B"]', 'after = ["A"]')
    _load(engine, portfolio_dir)
    frame, base = columns.load_frame(engine)
    assert_same_frame(frame, frame_from_projects(repository.read_projects(engine)))
    w = frame.m_ids.index("W")
    assert base.finish[w] == D(2026, 1, 29).toordinal()
    repository.rebaseline(engine, "GAMMA", "缩短工期", calendars=CALS)
    frame, base = columns.load_frame(engine)
    assert base.finish[w] == D(2026, 1, 14).toordinal()
    assert base.version.tolist() == [1, 1, 2]


def test_rows_out_of_order_and_odd_values_read_the_same(engine: Engine, portfolio_dir: Path) -> None:
    """A row stored after the others but first in file order, a string holding the column separator (the row-wise
    fallback), a percent needing all 17 digits: the frame still equals the model path's."""
    _load(engine, portfolio_dir)
    _sql(engine,
         "UPDATE milestones SET percent = 0.30000000000000004 WHERE project_id = 'ALPHA' AND id = 'M1'",
         "INSERT INTO milestones (project_id, id, seq, name, duration, unit) VALUES ('ALPHA', 'MX', -1, 'MX', 3, "
         "'a\x1eb')")
    frame, _ = columns.load_frame(engine)
    model = frame_from_projects(repository.read_projects(engine))
    assert_same_frame(frame, model)
    alpha = [m for p, m in zip(frame.m_project.tolist(), frame.m_ids, strict=True) if p == 0]
    assert alpha[:3] == ["MX", "M0", "M1"]
    assert frame.m_units[0] == "a\x1eb"
    assert frame.percent[2] == 0.1 + 0.2 != 0.3


@pytest.mark.parametrize("extra", [("B.01", "B_0002"), ("B.01", "MILESTONE-LONG")])
def test_milestone_ids_of_any_length_link_the_same_rows(engine: Engine, portfolio_dir: Path,
                                                        extra: tuple[str, ...]) -> None:
    """Links, baselines and factors find their milestones by packed ids when every id is short (7
    bytes at most), by a dict when one is longer: the frame equals the model path's either way."""
    _load(engine, portfolio_dir)
    prev = "M1"
    for k, mid in enumerate(extra):
        _sql(engine,
             f"INSERT INTO milestones (project_id, id, seq, name, duration) VALUES ('ALPHA', '{mid}', {90 + k}, "
             f"'{mid}', 2)",
             f"INSERT INTO links (project_id, seq, pred_id, succ_id, type, lag) VALUES ('ALPHA', {90 + k}, '{prev}', "
             f"'{mid}', 'FS', {k})")
        prev = mid
    frame, base = columns.load_frame(engine)
    assert_same_frame(frame, frame_from_projects(repository.read_projects(engine)))
    ids = [(frame.project_ids[p], m) for p, m in zip(frame.m_project.tolist(), frame.m_ids, strict=True)]
    pairs = {(ids[a][1], ids[b][1]) for a, b in zip(frame.l_pred.tolist(), frame.l_succ.tolist(), strict=True)
             if ids[b][0] == "ALPHA"}
    assert {("M1", extra[0]), *pairwise(extra)} <= pairs
    assert base.finish[ids.index(("ALPHA", "M1"))] == D(2026, 4, 10).toordinal()  # baselined by id
    assert base.finish[ids.index(("ALPHA", extra[-1]))] == 0                       # added since: none


def test_packed_ids_equal_only_for_equal_ids() -> None:
    ids = ["", "M1", "M01", "M1\x00", "1M", "基础1", "基础12", "1234567", "12345678", "基础施工"]
    got = columns._packed("\x1e".join(ids), len(ids))
    assert got is not None and got.tolist() == [columns._packed_one(x) for x in ids]
    short = [k for x, k in zip(ids, got.tolist(), strict=True) if len(x.encode()) <= 7]
    assert len(set(short)) == len(short) == 7 and got.tolist()[-2:] == [int(columns._LONG)] * 2
    assert columns._packed("a\x1eb", 3) is None


@pytest.mark.sqlite_only
def test_a_date_written_by_hand_in_another_form_reads_as_sqlite_counts_it(engine: Engine,
                                                                         portfolio_dir: Path) -> None:
    """SQLite's dates are parsed from their stored 'YYYY-MM-DD' texts; a date stored otherwise by a
    plain UPDATE (a time of day, no zero padding, a Julian day number) sends the table through SQL's
    julianday() row by row: what the weekly run sees is still what SQLite makes of it."""
    _load(engine, portfolio_dir)
    fast, _ = columns.load_frame(engine)
    row = {(fast.project_ids[p], m): i for i, (p, m) in enumerate(zip(fast.m_project, fast.m_ids, strict=True))}
    assert fast.not_before[row["ALPHA", "M1"]] == 0
    for stored, want in (("2026-03-01 08:30:00", D(2026, 3, 1)), ("2026-3-1", None),
                         ("2461100.5", D(2026, 3, 1)), ("2026-02-30", D(2026, 3, 2)), ("0000-00-00", None)):
        _sql(engine, f"UPDATE milestones SET not_before = '{stored}' WHERE project_id = 'ALPHA' AND id = 'M1'")
        frame, _ = columns.load_frame(engine)
        assert frame.not_before[row["ALPHA", "M1"]] == (want.toordinal() if want else 0), stored
        assert frame.actual_finish.tolist() == fast.actual_finish.tolist()


@pytest.mark.parametrize("text", ["2026-02-29", "2026-13-01", "9999-99-01", "2026-16-01", "2026-00-10",
                                  "2026-01-00", "0000-01-01", "2026-1-05,", "2026/01/05", "2026-01-05 ",
                                  "２026-01-5", "2026-01-0:"])
def test_date_texts_that_are_not_plain_dates_are_refused(text: str) -> None:
    assert columns._dates(text, 1) is None


def test_date_texts_count_as_date_toordinal() -> None:
    days = [D(1, 1, 1), D(1, 3, 1), D(1900, 3, 1), D(2000, 2, 29), D(2026, 11, 23), D(9999, 12, 31)]
    days += [D.fromordinal(o) for o in range(D(2023, 12, 25).toordinal(), D(2029, 1, 10).toordinal(), 3)]
    got = columns._dates(",".join([d.isoformat() for d in days] + ["0000-00-00"]), len(days) + 1)
    assert got is not None and got.tolist() == [d.toordinal() for d in days] + [0]


def test_empty_database_gives_an_empty_frame(engine: Engine) -> None:
    frame, base = columns.load_frame(engine)
    assert frame.n == 0 and frame.project_ids == [] and frame.l_pred.size == 0 and base.finish.size == 0
    assert repository.read_projects(engine) == []


@pytest.fixture
def config(tmp_path: Path, engine: Engine) -> Config:
    return Config(path=None, data_dir=tmp_path, calendar_dir=REPO_ROOT / "calendar", projects_dir=tmp_path,
                  outbox_dir=tmp_path / "outbox", database_url=engine.url.render_as_string(hide_password=False))


def test_the_weekly_run_sees_what_plain_sql_wrote(engine: Engine, config: Config) -> None:
    """P-ROAD (tests/weekly_sample.py, every day worked): at 11-23 M1 (10 days, not started) runs
    11-23..12-02, so 开工 (start_by 11-30) is 2 days late. Written behind the loader's back: M1
    takes 20 days (11-23..12-12: 12 days late) and M3 follows M1 FS + 10 days (starts 12-23, not
    12-13 after 开工; 30 days to 2027-01-21)."""
    load(engine, (ROAD, "P-ROAD.toml"))
    first = {f.key: f for f in run_weekly(engine, config, D(2026, 11, 23), outputs=False, deliver=False).findings}
    assert first["deadline/P-ROAD/M2"].days == 2
    assert first["slip/P-ROAD/M3"].details["forecast_start"] == "2026-12-03"
    _sql(engine,
         "UPDATE milestones SET duration = 20 WHERE project_id = 'P-ROAD' AND id = 'M1'",
         "INSERT INTO links (project_id, seq, pred_id, succ_id, type, lag) VALUES ('P-ROAD', 9, 'M1', 'M3', 'FS', 10)")
    again = {f.key: f for f in run_weekly(engine, config, D(2026, 11, 23), outputs=False, deliver=False).findings}
    assert again["finish-overdue/P-ROAD/M1"].details["forecast_finish"] == "2026-12-12"
    assert again["deadline/P-ROAD/M2"].days == 12
    slip = again["slip/P-ROAD/M3"].details
    assert (slip["forecast_start"], slip["forecast_finish"]) == ("2026-12-23", "2027-01-21")
