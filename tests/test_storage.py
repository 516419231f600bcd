"""The storage adapter and project repository: migrations equal the schema, loading is idempotent
and atomic, baselines are kept and re-baselined on purpose (the columnar read: test_columns.py).
Runs on SQLite, and on PostgreSQL when
$DISPATCH_TEST_POSTGRES_URL is set (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select
from sqlalchemy import inspect as sa_inspect

from scheduler.cli import cli
from scheduler.core.model import Project, ProjectFile
from scheduler.errors import NotFound, ProjectFileError, StorageError
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.projectfile import read_portfolio
from scheduler.store import db as storage
from scheduler.store import projects as repository
from tests.helpers import dump

D = dt.date
CALENDAR_DIR = Path(__file__).resolve().parent.parent / "calendar"
CALS = CalendarSet(CALENDAR_DIR)


def _read(folder: Path) -> list[ProjectFile]:
    return read_portfolio([folder], calendars=CALS)


def _load(engine: Engine, folder: Path) -> repository.LoadReport:
    return repository.load_projects(engine, _read(folder), calendars=CALS)


def _baseline(engine: Engine, pid: str, version: int | None = None) -> dict[str, tuple[D, D]]:
    bm, bl = storage.baseline_milestones, storage.baselines
    stmt = select(bm.c.milestone_id, bm.c.start, bm.c.finish).join(
        bl, (bl.c.project_id == bm.c.project_id) & (bl.c.version == bm.c.version)).where(bm.c.project_id == pid)
    stmt = stmt.where(bl.c.current) if version is None else stmt.where(bl.c.version == version)
    with engine.connect() as conn:
        return {m: (s, f) for m, s, f in conn.execute(stmt)}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- schema ---------------------------------------------------------------------------------------


def test_migration_creates_exactly_the_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, storage.metadata) == []
        assert ctx.get_current_revision() == "0015"
    assert set(storage.metadata.tables) == {
        "projects", "milestones", "links", "factors", "investment_months", "baselines", "baseline_milestones",
        "weekly_reports", "report_rows", "runs", "findings", "alerts", "run_lock",
        "problems", "problem_weeks", "problem_answers", "problem_events",
        "users", "web_sessions", "api_tokens", "login_failures", "audit_log"}


def _migrate(engine: Engine, target: str) -> None:
    """`alembic upgrade/downgrade target` as open_database runs it (one write transaction)."""
    from alembic import command

    with engine.connect().execution_options(dispatch_write=True) as conn, conn.begin():
        cfg = storage._alembic_config(conn)
        if target == "head":
            command.upgrade(cfg, target)
        else:
            command.downgrade(cfg, target)


def _report_row(conn: Any, seq: int, kind: str, **values: object) -> None:
    conn.execute(storage.report_rows.insert().values(report_id=1, seq=seq, project_id="P", item_kind=kind,
                                                     item_id="X", **values))


def test_migration_0011_report_rows_carry_money_both_ways(engine: Engine) -> None:
    """0011 adds the fund / quantity / statistics report rows (their columns and item kinds);
    downgrading drops them (and only them); upgrading again takes them."""
    from sqlalchemy.exc import IntegrityError

    with engine.begin() as conn:
        conn.execute(storage.weekly_reports.insert().values(
            id=1, unit="县交通运输局", week="2026-W48", version=1, filename="a.xlsx", digest="d",
            received_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC)))
        _report_row(conn, 0, "milestone", percent=40.0)
        _report_row(conn, 1, "fund", paid_week=2500.0)
        _report_row(conn, 2, "statistics", stage="续建", statistics="已纳统", statistics_date=D(2026, 11, 20))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        _report_row(conn, 3, "money")  # not an item kind
    _migrate(engine, "0010")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT seq, item_kind, percent FROM report_rows ORDER BY seq").all()
        assert [tuple(r) for r in rows] == [(0, "milestone", 40.0)]
        cols = {c["name"] for c in sa_inspect(conn).get_columns("report_rows")}
        assert "paid_week" not in cols and "approved" in cols
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO report_rows (report_id, seq, project_id, item_kind, item_id) "
                             "VALUES (1, 5, 'P', 'fund', 'X')")
    _migrate(engine, "head")
    with engine.begin() as conn:
        _report_row(conn, 4, "quantity", quantity_done=128.0)
        got = conn.execute(select(storage.report_rows.c.item_kind, storage.report_rows.c.quantity_done)
                           .order_by(storage.report_rows.c.seq)).all()
    assert [tuple(r) for r in got] == [("milestone", None), ("quantity", 128.0)]
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, storage.metadata) == []


def test_open_database_again_changes_nothing(engine: Engine, database_url: str, portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    before = dump(engine)
    again = storage.open_database(database_url)
    try:
        assert dump(again) == before
    finally:
        again.dispose()


@pytest.mark.sqlite_only
def test_sqlite_pragmas(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_sqlite_folder_is_created(tmp_path: Path) -> None:
    eng = storage.open_database(f"sqlite:///{tmp_path / 'a' / 'b' / 'd.sqlite'}", create=True)
    eng.dispose()
    assert (tmp_path / "a" / "b" / "d.sqlite").is_file()


def test_unreachable_database_is_one_readable_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"database unreachable: .*127\.0\.0\.1:1") as e:
        storage.open_database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=3")
    assert "secret" not in str(e.value)
    assert e.value.exit_code == 3
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="database unreachable"):
        storage.open_database(f"sqlite:///{blocker / 'sub' / 'd.sqlite'}", create=True)
    with pytest.raises(StorageError, match="not a database URL"):
        storage.open_database("no such thing")


def test_timestamps_come_back_as_utc(engine: Engine, portfolio_dir: Path) -> None:
    before = dt.datetime.now(dt.UTC)
    _load(engine, portfolio_dir)
    with engine.connect() as conn:
        loaded = conn.scalar(select(storage.projects.c.loaded_at).where(storage.projects.c.id == "ALPHA"))
    assert loaded is not None and loaded.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(seconds=1) <= loaded <= dt.datetime.now(dt.UTC)


# -- loading --------------------------------------------------------------------------------------


def test_load_twice_stores_the_same_content(engine: Engine, portfolio_dir: Path) -> None:
    first = _load(engine, portfolio_dir)
    assert first == repository.LoadReport(("ALPHA", "BETA", "GAMMA"), (), ())
    stored = dump(engine)
    assert "## milestones (10 rows)" in stored and "## links (8 rows)" in stored
    assert "## baselines (3 rows)" in stored and "## baseline_milestones (10 rows)" in stored
    second = _load(engine, portfolio_dir)
    assert second == repository.LoadReport((), (), ("ALPHA", "BETA", "GAMMA"))
    assert dump(engine) == stored  # not even loaded_at moved


def test_changed_file_replaces_its_rows_and_keeps_the_baseline(engine: Engine, portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    before = dump(engine)
    _edit(portfolio_dir / "BETA.toml", 'id = "C"\nname = "竣工验收"\nduration = 5\nafter = ["B"]',
          'id = "C"\nname = "竣工验收"\nduration = 5\nafter = ["B"]\n\n[[milestone]]\nid = "D"\nname = "移交"\n'
          'duration = 1\nafter = ["C"]')
    report = _load(engine, portfolio_dir)
    assert report == repository.LoadReport((), ("BETA",), ("ALPHA", "GAMMA"))
    after = dump(engine)
    beta = {p.id: p for p in repository.read_projects(engine)}["BETA"]
    assert [m.id for m in beta.milestones] == ["A", "B", "C", "D"]
    assert beta.milestone("D").after[0].pred == "C"
    # the other projects' rows and every baseline row are untouched
    unchanged = [ln for ln in before.splitlines() if '"BETA"' not in ln or "baseline" in ln]
    assert all(ln in after for ln in unchanged if ln.startswith("{"))
    assert set(_baseline(engine, "BETA")) == {"A", "B", "C"}


def test_a_failing_load_writes_nothing(engine: Engine, portfolio_dir: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _load(engine, portfolio_dir)
    before = dump(engine)
    _edit(portfolio_dir / "ALPHA.toml", 'duration = 20', 'duration = 21')  # changed: its rows are replaced
    (portfolio_dir / "DELTA.toml").write_text(
        '[project]\nid = "DELTA"\nname = "新项目"\nlead_unit = "县发改局"\nstart = 2026-06-01\n'
        '[[milestone]]\nid = "X"\nname = "x"\nduration = 3\n', encoding="utf-8")

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("disk full halfway")

    monkeypatch.setattr(repository, "_store_baseline", boom)  # fails after ALPHA's rows were replaced
    with pytest.raises(RuntimeError):
        _load(engine, portfolio_dir)
    assert dump(engine) == before


def test_duplicate_ids_and_unknown_calendars_are_refused_before_writing(engine: Engine,
                                                                         portfolio_dir: Path) -> None:
    files = _read(portfolio_dir)
    with pytest.raises(ProjectFileError, match="duplicate-project"):
        repository.load_projects(engine, [*files, files[0]], calendars=CALS)
    with pytest.raises(Exception, match="unknown calendar"):
        repository.load_projects(engine, files, calendars={"construction": CALS["construction"]})
    assert "## projects (0 rows)" in dump(engine)


def test_progress_factors_and_investment_are_stored(engine: Engine, portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    m, f, im = storage.milestones.c, storage.factors.c, storage.investment_months.c
    with engine.connect() as conn:
        row = conn.execute(select(m.actual_start, m.percent, m.seq).where(m.project_id == "ALPHA", m.id == "M1")).one()
        assert tuple(row) == (D(2026, 3, 2), 60.0, 1)
        assert conn.execute(select(f.status, f.expected).where(f.project_id == "ALPHA", f.id == "F1")).one() == (
            "办理中", D(2026, 12, 15))
        months = conn.execute(select(im.month, im.planned, im.completed).where(im.project_id == "ALPHA")
                              .order_by(im.month)).all()
    assert [tuple(r) for r in months] == [("2026-01", 40000.0, 38000.5), ("2026-06", 50000.0, None)]


def test_read_projects_round_trips(engine: Engine, portfolio_dir: Path) -> None:
    files = _read(portfolio_dir)
    repository.load_projects(engine, files, calendars=CALS)
    originals = sorted((pf.project for pf in files), key=lambda p: p.id)
    back = repository.read_projects(engine)
    assert back == originals
    alpha = back[0]
    assert alpha.milestone("M2").after == originals[0].milestone("M2").after  # the SS+FF pair, in order
    assert alpha.investment is not None and alpha.investment.month_completed(1) == 38000.5
    assert repository.read_projects(engine, ["GAMMA"]) == [originals[2]]
    assert repository.read_projects(engine, ["NOPE"]) == []


# -- baselines ------------------------------------------------------------------------------------


def test_first_load_stores_the_plan_as_baseline_1(engine: Engine, portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    # construction calendar: every day worked (2026 spring festival break is 15-23 Feb)
    assert _baseline(engine, "ALPHA") == {
        "M0": (D(2026, 3, 2), D(2026, 3, 2)),
        "M1": (D(2026, 3, 2), D(2026, 4, 10)),    # 40 days, progress ignored by the plan
        "M2": (D(2026, 3, 15), D(2026, 4, 13)),   # FF lag 3 drives: finish >= Apr 10 + 3 working days
        "M3": (D(2026, 6, 1), D(2026, 6, 20)),    # not_before Jun 1, the factor does not move the plan
        "M4": (D(2026, 6, 20), D(2026, 6, 20)),   # event reached at the end of M3's last day
    }
    assert _baseline(engine, "GAMMA") == {"S": (D(2026, 1, 5), D(2026, 1, 5)),
                                          "W": (D(2026, 1, 5), D(2026, 1, 29))}
    with engine.connect() as conn:
        rows = conn.execute(select(storage.baselines).order_by(storage.baselines.c.project_id)).all()
    assert [(r.project_id, r.version, r.current, r.reason) for r in rows] == [
        (p, 1, True, repository.INITIAL_REASON) for p in ("ALPHA", "BETA", "GAMMA")]


def test_rebaseline_records_version_and_reason(engine: Engine, portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    _edit(portfolio_dir / "ALPHA.toml", 'name = "铺轨"\nduration = 20', 'name = "铺轨"\nduration = 30')
    assert _load(engine, portfolio_dir).updated == ("ALPHA",)
    assert _baseline(engine, "ALPHA")["M3"] == (D(2026, 6, 1), D(2026, 6, 20))  # reload keeps the baseline
    assert repository.rebaseline(engine, "ALPHA", "县政府专题会议同意调整工期", calendars=CALS) == 2
    assert _baseline(engine, "ALPHA")["M3"] == (D(2026, 6, 1), D(2026, 6, 30))
    assert _baseline(engine, "ALPHA", 1)["M3"] == (D(2026, 6, 1), D(2026, 6, 20))
    assert repository.rebaseline(engine, "ALPHA", "again", calendars=CALS) == 3
    bl = storage.baselines.c
    with engine.connect() as conn:
        rows = conn.execute(select(bl.version, bl.current, bl.reason).where(bl.project_id == "ALPHA")
                            .order_by(bl.version)).all()
    assert [tuple(r) for r in rows] == [(1, False, repository.INITIAL_REASON),
                                        (2, False, "县政府专题会议同意调整工期"), (3, True, "again")]
    with pytest.raises(NotFound, match="NOPE"):
        repository.rebaseline(engine, "NOPE", "x", calendars=CALS)


# -- the commands ---------------------------------------------------------------------------------


def _cli(config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config_file), *args])


def test_cli_load_projects_and_baseline(engine: Engine, config_file: Path, portfolio_dir: Path) -> None:
    res = _cli(config_file, "load", str(portfolio_dir))
    assert res.exit_code == 0, res.output
    assert "Added" in res.output and "ALPHA, BETA, GAMMA" in res.output
    res = _cli(config_file, "load", str(portfolio_dir))
    assert res.exit_code == 0 and "Unchanged" in res.output
    res = _cli(config_file, "projects", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    rows = {p["id"]: p for p in doc["projects"]}
    assert list(rows) == ["ALPHA", "BETA", "GAMMA"]
    assert (rows["ALPHA"]["milestones"], rows["ALPHA"]["factors"], rows["ALPHA"]["baseline_version"],
            rows["ALPHA"]["plan_finish"]) == (5, 2, 1, "2026-06-20")
    assert rows["GAMMA"]["plan_finish"] == "2026-01-29" and rows["GAMMA"]["calendar"] == "construction"
    res = _cli(config_file, "projects")
    assert res.exit_code == 0 and "GAMMA" in res.output and "v1" in res.output
    res = _cli(config_file, "baseline", "BETA", "--reason", "设计变更")
    assert res.exit_code == 0 and "version 2" in res.output
    assert json.loads(_cli(config_file, "projects", "--format", "json").output
                      )["projects"][1]["baseline_version"] == 2
    res = _cli(config_file, "baseline", "NOPE", "--reason", "x")
    assert res.exit_code == 2 and "unknown-project" in res.stderr
    res = _cli(config_file, "baseline", "BETA")
    assert res.exit_code == 2 and "--reason" in res.stderr


def test_cli_broken_file_after_a_good_load_writes_nothing(engine: Engine, config_file: Path,
                                                          portfolio_dir: Path) -> None:
    assert _cli(config_file, "load", str(portfolio_dir)).exit_code == 0
    before = dump(engine)
    _edit(portfolio_dir / "ALPHA.toml", 'duration = 20', 'duration = 22')  # a valid change ...
    _edit(portfolio_dir / "BETA.toml", 'after = ["B"]', 'after = ["Q"]')   # ... and a broken file
    res = _cli(config_file, "load", str(portfolio_dir))
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "BETA.toml:" in lines[0] and "unknown-predecessor" in lines[0], lines
    assert "Traceback" not in res.output
    assert dump(engine) == before


def test_cli_load_into_an_unreachable_database(tmp_path: Path, portfolio_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPATCH_DATABASE_URL", raising=False)
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f'[paths]\ncalendar_dir = "{CALENDAR_DIR.as_posix()}"\n[database]\n'
                   'url = "postgresql+psycopg://x@127.0.0.1:1/none?connect_timeout=3"\n', encoding="utf-8")
    res = _cli(cfg, "load", str(portfolio_dir))
    assert res.exit_code == 3
    assert res.stderr.startswith("错误：数据库无法连接［database-unreachable］：无法连接数据库 postgresql+psycopg://x@"
                                 "127.0.0.1:1/none?connect_timeout=3：连不上数据库服务器（"), res.stderr
    assert "驱动程序的原话：“" in res.stderr and "Connection refused" in res.stderr, res.stderr


def test_a_write_the_database_refuses_is_a_storage_error(engine: Engine, portfolio_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _load(engine, portfolio_dir)
    before = dump(engine)
    _edit(portfolio_dir / "GAMMA.toml", 'duration = 25', 'duration = 26')
    real = repository._children

    def dangling(p: Project, d: repository.DateOut) -> tuple[list[tuple[object, ...]], ...]:
        ms, ls, fs, im = real(p, d)
        return ms, [*ls, ("GAMMA", 99, "NOPE", "W", "FS", 0)], fs, im  # a link to no milestone

    monkeypatch.setattr(repository, "_children", dangling)
    with pytest.raises(StorageError, match="refused the write"):
        _load(engine, portfolio_dir)
    assert dump(engine) == before


def _run_row(conn: Any, week: str, portfolio: str = "default") -> int:
    """A current complete run of `week` (weeks red are counted over the portfolio's runs); its id."""
    conn.exec_driver_sql("INSERT INTO runs (week, data_date, started_at, status, inputs, current, portfolio) "
                         f"VALUES ('{week}', '2026-11-23', '2026-11-23 01:00:00', 'complete', '{{}}', true, "
                         f"'{portfolio}')")
    return int(conn.exec_driver_sql(f"SELECT id FROM runs WHERE week = '{week}'").scalar())


def test_migration_0013_counts_weeks_red_from_the_weeks_and_back(engine: Engine) -> None:
    """0013 keeps of the carried count only each week's fact (red and counting); downgraded, the
    count is worked back from the weeks and the runs. Hand-worked: runs in W45, W46, W48 (W47 not
    run); F1 red and counting in W45, W46, W48 (2 carried in W48 by a run made before W46 was run
    again: stale), exempt (red, not counting) in W44 (no run that week: counts nothing anyway)."""
    from scheduler.store.problems import get_problem

    _migrate(engine, "0012")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO problems (id, project_id, kind, source, description, unit, person, partners, measures, "
            "needs_county, county_matters, status, first_seen, created_at, updated_at, portfolio) VALUES "
            "('P/factor/F1', 'P', 'factor', 'check', '', 'U', '', '[]', '', false, '', 'open', '2026-W44', "
            "'2026-11-23 01:00:00', '2026-11-23 01:00:00', 'default')")
        run_ids = {week: _run_row(conn, week) for week in ("2026-W45", "2026-W46", "2026-W48")}
        for week, red in (("2026-W44", 0), ("2026-W45", 1), ("2026-W46", 2), ("2026-W48", 2)):
            conn.exec_driver_sql(
                "INSERT INTO problem_weeks (problem_id, week, run_id, light, status, own_light, weeks_red, escalate, "
                f"symptoms, deadlines) VALUES ('P/factor/F1', '{week}', {run_ids.get(week, 'NULL')}, 'red', 'open', "
                f"'red', {red}, false, '[]', '[]')")
    _migrate(engine, "head")
    with storage.reading(engine) as conn:
        cols = {c["name"] for c in sa_inspect(conn).get_columns("problem_weeks")}
        red = dict(conn.exec_driver_sql("SELECT week, counted_red FROM problem_weeks").all())
        assert get_problem(conn, "P/factor/F1").weeks_red == 3  # W45, W46, W48: not the 2 carried
    assert "weeks_red" not in cols
    assert {w: bool(v) for w, v in red.items()} == {"2026-W44": False, "2026-W45": True, "2026-W46": True,
                                                     "2026-W48": True}
    _migrate(engine, "0012")
    with storage.reading(engine) as conn:
        back = dict(conn.exec_driver_sql("SELECT week, weeks_red FROM problem_weeks").all())
        cols = {c["name"] for c in sa_inspect(conn).get_columns("problem_weeks")}
    assert back == {"2026-W44": 0, "2026-W45": 1, "2026-W46": 2, "2026-W48": 3} and "counted_red" not in cols
    _migrate(engine, "head")


def test_migration_0014_derives_finding_history_and_back(engine: Engine) -> None:
    """0014 drops the findings' copied first_seen and weeks_red; read back they are derived from the
    runs; downgraded they are worked back the same way. Hand-worked: current runs W46, W48 (W47
    not run) and an earlier run of W48 no longer current; M1 red in W46 and W48, copied (W48, 1)
    by a run made when W46 was not yet run: (W46, 2) now; M2 yellow in W48 only: (W48, 0)."""
    from scheduler.store.runs import read_run

    _migrate(engine, "0013")
    with engine.begin() as conn:
        ids = {week: _run_row(conn, week) for week in ("2026-W46", "2026-W48")}
        conn.exec_driver_sql("INSERT INTO runs (week, data_date, started_at, status, inputs, current, portfolio) "
                             "VALUES ('2026-W48', '2026-11-23', '2026-11-23 00:00:00', 'complete', '{}', false, "
                             "'default')")
        old = int(conn.exec_driver_sql("SELECT id FROM runs WHERE NOT current").scalar())
        for run_id, seq, m, light, first, red in ((ids["2026-W46"], 0, "M1", "red", "2026-W46", 1),
                                                  (ids["2026-W48"], 0, "M1", "red", "2026-W48", 1),
                                                  (ids["2026-W48"], 1, "M2", "yellow", "2026-W48", 0),
                                                  (old, 0, "M2", "red", "2026-W48", 1)):
            conn.exec_driver_sql(
                "INSERT INTO findings (run_id, seq, key, project_id, milestone_id, kind, light, unit, first_seen, "
                f"weeks_red, details) VALUES ({run_id}, {seq}, 'finish-overdue/P/{m}', 'P', '{m}', 'finish-overdue', "
                f"'{light}', 'U', '{first}', {red}, '{{}}')")
    _migrate(engine, "head")
    _info, found = read_run(engine, "2026-W48")
    assert {f.milestone: (f.first_seen, f.weeks_red) for f in found} == {"M1": ("2026-W46", 2),
                                                                          "M2": ("2026-W48", 0)}
    _migrate(engine, "0013")
    with storage.reading(engine) as conn:
        back = {(r, k): (f, w) for r, k, f, w in conn.exec_driver_sql(
            "SELECT run_id, key, first_seen, weeks_red FROM findings")}
    assert back == {(ids["2026-W46"], "finish-overdue/P/M1"): ("2026-W46", 1),
                    (ids["2026-W48"], "finish-overdue/P/M1"): ("2026-W46", 2),
                    (ids["2026-W48"], "finish-overdue/P/M2"): ("2026-W48", 0),
                    (old, "finish-overdue/P/M2"): ("2026-W48", 1)}
    _migrate(engine, "head")


def test_migration_0015_drops_the_findings_index_by_project_and_back(engine: Engine) -> None:
    """0015 drops `ix_findings_project` (nothing reads a project's findings across runs; the stale
    rule's read names its run: the primary key); downgraded it is there again."""
    def indexes() -> set[str]:
        with engine.connect() as conn:
            return {i["name"] for i in sa_inspect(conn).get_indexes("findings") if i["name"]}

    assert indexes() == {"ix_findings_key_run"}
    _migrate(engine, "0014")
    assert indexes() == {"ix_findings_key_run", "ix_findings_project"}
    _migrate(engine, "head")
    assert indexes() == {"ix_findings_key_run"}


def test_migration_0012_derives_problem_state_from_its_weeks(engine: Engine) -> None:
    """Upgrading a database whose `problems` rows still carry light, weeks_red and last_seen
    (downgraded to 0011): a problem raised by hand keeps its light as `raised_light`; the rest is
    read from its weeks, which the upgrade leaves in place."""
    from scheduler.core.findings import Light
    from scheduler.store.problems import get_problem

    _migrate(engine, "0011")
    with engine.begin() as conn:
        for pid, source, light, last, red in (("P/factor/F1", "check", "red", "2026-W48", 2),
                                              ("P/manual/1", "manual", "yellow", "2026-W48", 0)):
            conn.exec_driver_sql(
                "INSERT INTO problems (id, project_id, kind, source, description, unit, person, partners, "
                "measures, needs_county, county_matters, status, light, first_seen, last_seen, weeks_red, "
                "created_at, updated_at, portfolio) VALUES "
                f"('{pid}', 'P', '{pid.split('/')[1]}', '{source}', '', 'U', '', '[]', '', false, '', 'open', "
                f"'{light}', '2026-W47', '{last}', {red}, '2026-11-23 01:00:00', '2026-11-23 01:00:00', 'default')")
        for week, red in (("2026-W47", 1), ("2026-W48", 2)):
            run_id = _run_row(conn, week)
            conn.exec_driver_sql(
                "INSERT INTO problem_weeks (problem_id, week, run_id, light, status, own_light, weeks_red, escalate, "
                f"symptoms, deadlines) VALUES ('P/factor/F1', '{week}', {run_id}, 'red', 'open', 'red', {red}, "
                "false, '[]', '[]')")
    _migrate(engine, "head")
    with storage.reading(engine) as conn:
        cols = {c["name"] for c in sa_inspect(conn).get_columns("problems")}
        f1, m1 = get_problem(conn, "P/factor/F1"), get_problem(conn, "P/manual/1")
        weeks = conn.exec_driver_sql("SELECT count(*) FROM problem_weeks").scalar()
    assert {"light", "weeks_red", "last_seen"}.isdisjoint(cols) and "raised_light" in cols and weeks == 2
    assert (f1.light, f1.weeks_red, f1.last_seen) == (Light.RED, 2, "2026-W48")
    assert (m1.light, m1.weeks_red, m1.last_seen) == (Light.YELLOW, 0, "2026-W47")


def test_insert_rows_stores_json_as_an_insert_of_the_table_does(engine: Engine) -> None:
    """insert_rows serialises the empty list and dict once (most weeks' deadlines are []): each
    JSON value is stored as the table's own insert stores it and read back equal."""
    from sqlalchemy import insert, text

    values = [[], {}, [["slip", "red", "M1", None, 3, "slip/P/M1"]], {"a": [], "b": {}}, [], {}]
    with storage.transaction(engine) as conn:
        run = conn.execute(insert(storage.runs).values(week="2026-W48", data_date=D(2026, 11, 23), inputs={},
                                                       started_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
                                                       status="complete", current=True)).inserted_primary_key[0]
        storage.insert_rows(conn, storage.findings, ((run, k, f"k{k}", "P", "slip", "red", "U", v)
                                                     for k, v in enumerate(values)),
                            columns=("run_id", "seq", "key", "project_id", "kind", "light", "unit", "details"))
        for k, v in enumerate(values):  # the same values through SQLAlchemy's own insert
            conn.execute(insert(storage.findings).values(run_id=run, seq=100 + k, key=f"k{k}", project_id="P",
                                                         kind="slip", light="red", unit="U", details=v))
    with storage.reading(engine) as conn:
        got = {r.seq: r.details for r in conn.execute(select(storage.findings.c.seq, storage.findings.c.details))}
        raw = {r[0]: r[1] for r in conn.execute(text("SELECT seq, CAST(details AS TEXT) FROM findings"))}
    assert [got[k] for k in range(len(values))] == values
    assert [raw[k] for k in range(len(values))] == [raw[100 + k] for k in range(len(values))]
