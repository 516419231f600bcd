"""Shared fixtures: a fresh database per test (SQLite under tmp_path, or a throwaway PostgreSQL
database when $DISPATCH_TEST_POSTGRES_URL is set), an engine on it, and a small portfolio of
valid project files. Other suites add their fixtures below with small edits."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.helpers import fresh_database

REPO = Path(__file__).resolve().parent.parent
CALENDAR_DIR = REPO / "calendar"
ENV_PG = "DISPATCH_TEST_POSTGRES_URL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, tests about SQLite itself are skipped."""
    if os.environ.get(ENV_PG):
        skip = pytest.mark.skip(reason="about the embedded SQLite database (PostgreSQL pass)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh database: an SQLite file under tmp_path, or with $DISPATCH_TEST_POSTGRES_URL
    a database `dispatch_t_<random>` created for this test and dropped after it. Empty, unless the
    test also asks for `engine` or `config_file`, which migrate it: then it starts as a copy of one
    migrated template (tests.helpers.fresh_database), the same schema without migrating per test."""
    migrated = bool({"engine", "config_file"} & set(request.fixturenames))
    with fresh_database(tmp_path, migrated=migrated) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the fresh database, schema migrated (storage.open_database)."""
    from scheduler.store.db import open_database

    eng = open_database(database_url, create=True)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def config_file(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config.toml for CLI tests: the test database, the repository's calendars, folders under
    tmp_path (and no $DISPATCH_DATABASE_URL to override it). Pass it as `dispatch --config PATH`."""
    from scheduler.store.db import open_database

    monkeypatch.delenv("DISPATCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("DISPATCH_CONFIG", raising=False)
    open_database(database_url, create=True).dispose()  # `dispatch init`: no command creates one silently
    return write_config(tmp_path, database_url)


def write_config(folder: Path, database_url: str) -> Path:
    """`folder`/config.toml as the `config_file` fixture writes it (for module-scoped worlds too)."""
    path = folder / "config.toml"
    path.write_text(
        f'language = "en"\n[paths]\ndata_dir = "{(folder / "var").as_posix()}"\n'
        f'calendar_dir = "{CALENDAR_DIR.as_posix()}"\nprojects_dir = "{(folder / "projects").as_posix()}"\n'
        f'outbox_dir = "{(folder / "outbox").as_posix()}"\n[database]\nurl = "{database_url}"\n',
        encoding="utf-8",
    )
    return path


PORTFOLIO = {
    "ALPHA.toml": '''\
[project]
id = "ALPHA"
name = "虞公港铁路专用线（测试）"
lead_unit = "县发改局"
units = ["虞公港铁路公司"]
calendar = "construction"
start = 2026-03-02
leader = "常务副县长"
category = "交通"

[[milestone]]
id = "M0"
name = "开工"
duration = 0

[[milestone]]
id = "M1"
name = "路基施工"
duration = 40
after = ["M0"]
unit = "虞公港铁路公司"
actual_start = 2026-03-02
percent = 60

[[milestone]]
id = "M2"
name = "桥梁施工"
duration = 30
after = [{ id = "M1", type = "SS", lag = 5 }, { id = "M1", type = "FF", lag = 3 }]
finish_by = 2026-12-31
weight = 2.5
note = "SS+FF 搭接"

[[milestone]]
id = "M3"
name = "铺轨"
duration = 20
after = ["M2"]
not_before = 2026-06-01

[[milestone]]
id = "M4"
name = "通车"
duration = 0
after = ["M3"]

[[factor]]
id = "F1"
kind = "用地"
milestone = "M3"
unit = "县自然资源局"
status = "办理中"
expected = 2026-12-15
blocker = "林地指标不足，需省厅调剂"
name = "二期用地预审"

[[factor]]
id = "F2"
kind = "环评"
milestone = "M2"
unit = "县生态环境局"
status = "已批复"
approved = 2026-04-01

[investment]
total = 386000
year = 2026
annual_plan = 90000
[investment.plan]
"2026-01" = 40000
"2026-06" = 50000
[investment.completed]
"2026-01" = 38000.5
''',
    "BETA.toml": '''\
[project]
id = "BETA"
name = "县人民医院综合楼"
lead_unit = "县卫健局"
calendar = "office"
start = 2026-05-06

[[milestone]]
id = "A"
name = "设计"
duration = 15

[[milestone]]
id = "B"
name = "施工"
duration = 60
after = [{ id = "A", lag = 2 }]
start_by = 2026-10-31

[[milestone]]
id = "C"
name = "竣工验收"
duration = 5
after = ["B"]

[[factor]]
id = "F1"
kind = "用能"
milestone = "B"
unit = "县发改局"
status = "未启动"
expected = 2026-07-01
''',
    "GAMMA.toml": '''\
[project]
id = "GAMMA"
name = "沿江大道"
lead_unit = "县交通运输局"
start = 2026-01-05

[[milestone]]
id = "S"
name = "开工"
duration = 0

[[milestone]]
id = "W"
name = "路面工程"
duration = 25
after = ["S"]
actual_start = 2026-01-05
actual_finish = 2026-02-27
''',
}


@pytest.fixture
def portfolio_dir(tmp_path: Path) -> Path:
    """A folder of three small valid project files (ALPHA: construction calendar, SS+FF pair,
    factors, investment plan, progress; BETA: office calendar, lag, start_by; GAMMA: default
    calendar, finished milestone)."""
    return write_portfolio(tmp_path)


def write_portfolio(parent: Path) -> Path:
    """`parent`/portfolio holding PORTFOLIO's files (the `portfolio_dir` fixture's folder)."""
    folder = parent / "portfolio"
    folder.mkdir()
    for name, text in PORTFOLIO.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
