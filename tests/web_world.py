"""Shared by the web workplace's tests (tests/test_web*.py): the sample portfolio loaded into a
fresh database (SQLite, or PostgreSQL with $DISPATCH_TEST_POSTGRES_URL), the week run, and one
account of every role (`build_world`); the module-scoped `world` fixture over it (`module_world`:
each test module its own world, as each changes it); a unit's first problem (`first_problem`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from scheduler.core.problems import Problem
from scheduler.io.config import REPO_ROOT, Config, load_config
from tests.helpers import fresh_database

DATA_DATE = dt.date(2026, 11, 23)
PASSWORD = "correct horse 1"
UNIT = "县交通运输局"
OTHER_UNIT = "虞公港铁路公司"
LEADER = "分管副县长（交通）"
ROLES = ("office", "unit", "leader", "viewer")


@dataclasses.dataclass
class World:
    """The database, its configuration and the accounts (username by role)."""

    engine: Engine
    config: Config
    users: dict[str, str]


@contextmanager
def database(tmp: Path) -> Iterator[str]:
    """A fresh database URL for a module, migrated (tests.helpers.fresh_database)."""
    with fresh_database(tmp, prefix="dispatch_w_", sqlite_name="web.sqlite", migrated=True) as url:
        yield url


def config_for(tmp: Path, url: str) -> Config:
    """A Chinese config.toml on `url`, folders under `tmp`, alerts to the outbox only."""
    path = tmp / "config.toml"
    path.write_text(
        f'language = "zh"\n[paths]\ndata_dir = "{(tmp / "var").as_posix()}"\n'
        f'calendar_dir = "{(REPO_ROOT / "calendar").as_posix()}"\n'
        f'projects_dir = "{(REPO_ROOT / "projects").as_posix()}"\n'
        f'outbox_dir = "{(tmp / "outbox").as_posix()}"\n[database]\nurl = "{url}"\n', encoding="utf-8")
    return load_config(path)


def cheap_hashing() -> None:
    """argon2 with test-sized costs (the hash carries its parameters, so checking stays correct)."""
    from argon2 import PasswordHasher

    from scheduler.app import accounts

    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def build_world(tmp: Path, url: str, *, run: bool = True) -> World:
    """Load the sample portfolio, run the week at DATA_DATE, create an account of every role."""
    from scheduler.app import accounts

    cheap_hashing()
    from scheduler.app.weekly import run_weekly
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.projectfile import read_portfolio
    from scheduler.store.db import open_database
    from scheduler.store.projects import load_projects

    config = config_for(tmp, url)
    engine = open_database(url, create=True)
    cals = CalendarSet(config.calendar_dir)
    files = read_portfolio([str(REPO_ROOT / "projects")], calendars=cals, default_calendar=config.default_calendar)
    load_projects(engine, files, calendars=cals)
    if run:
        run_weekly(engine, config, DATA_DATE, outputs=False, deliver=False)
    users = {"office": "office", "unit": "jiaotong", "other_unit": "railway", "leader": "lu", "viewer": "viewer"}
    accounts.add_user(engine, "office", PASSWORD, "office", display_name="专班办公室")
    accounts.add_user(engine, "jiaotong", PASSWORD, "unit", unit=UNIT, display_name="交通运输局填报员")
    accounts.add_user(engine, "railway", PASSWORD, "unit", unit=OTHER_UNIT, display_name="铁路公司填报员")
    accounts.add_user(engine, "lu", PASSWORD, "leader", leader=LEADER, display_name="交通副县长")
    accounts.add_user(engine, "viewer", PASSWORD, "viewer", display_name="查看")
    return World(engine, config, users)


def module_world(name: str) -> Callable[..., Any]:
    """The `world` fixture of a test module (`world = module_world("web")`): the world built once
    for the module in its own folder and database, disposed of after it."""

    @pytest.fixture(scope="module")
    def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
        tmp = tmp_path_factory.mktemp(name)
        with database(tmp) as url:
            w = build_world(tmp, url)
            try:
                yield w
            finally:
                w.engine.dispose()

    return world


def first_problem(world: World, unit: str) -> Problem:
    """The first problem of `unit` on the latest week's list (there must be one)."""
    from scheduler.store.db import reading
    from scheduler.store.problems import problems_of_week

    with reading(world.engine) as conn:
        _wk, found = problems_of_week(conn, unit=unit)
    assert found, unit
    return found[0]
