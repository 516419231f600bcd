"""Small helpers shared by the tests: bounded polling, a free loopback port, frame equality, a fresh
database on SQLite or the test PostgreSQL server."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import math
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import make_url

from scheduler.core.model import Project
from scheduler.core.schedule import PortfolioFrame
from scheduler.store.db import metadata, reading


def named_units(p: Project) -> set[str]:
    """Every unit a project file names: lead, responsible, milestone, factor and quantity units."""
    out = {u for u in (p.lead_unit, *p.units) if u}
    out |= {m.unit for m in p.milestones if m.unit} | {f.unit for f in p.factors if f.unit}
    return out | {q.unit for q in p.money.quantities if q.unit}


def wait_until(cond: Callable[[], bool], timeout: float = 30.0, step: float = 0.02) -> bool:
    """Poll `cond` until it is true or `timeout` seconds have passed (bounded, no long sleeps)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_same_frame(a: PortfolioFrame, b: PortfolioFrame) -> None:
    """Every column of two frames equal (dtype and values), model Projects aside."""
    for name in a.__slots__:
        if name == "projects":
            continue
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), name
        else:
            assert x == y, name


_TEMPLATE: dict[str, str] = {}
"""The migrated template database of this test process: its SQLite file, or its PostgreSQL name."""


def _template(server: str | None) -> str:
    """A database migrated to head once per test process (the migrations themselves run here and in
    tests/test_storage.py); fresh databases that need the schema are copies of it."""
    key = server or "sqlite"
    if key in _TEMPLATE:
        return _TEMPLATE[key]
    from scheduler.store.db import open_database

    if server is None:
        folder = Path(tempfile.mkdtemp(prefix="dispatch-template-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.sqlite"
        eng = open_database(f"sqlite:///{path}", create=True)
        with eng.connect() as conn:  # fold the WAL into the file: the copy is the file alone
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        eng.dispose()
        _TEMPLATE[key] = str(path)
    else:
        name = f"dispatch_tpl_{secrets.token_hex(6)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        open_database(make_url(server).set(database=name).render_as_string(hide_password=False),
                      create=True).dispose()

        def drop() -> None:
            eng = create_engine(server, isolation_level="AUTOCOMMIT")
            with eng.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            eng.dispose()

        atexit.register(drop)
        _TEMPLATE[key] = name
    return _TEMPLATE[key]


@contextmanager
def fresh_database(tmp: Path, *, prefix: str = "dispatch_t_", sqlite_name: str = "dispatch.sqlite",
                   migrated: bool = False) -> Iterator[str]:
    """URL of a fresh database: an SQLite file under `tmp`, or with $DISPATCH_TEST_POSTGRES_URL a
    database `<prefix><random>` created for it and dropped after. Empty, or with `migrated` a copy
    of a database migrated to head (what `dispatch init` makes, without running the migrations for
    every test)."""
    server = os.environ.get("DISPATCH_TEST_POSTGRES_URL")
    if not server:
        path = tmp / sqlite_name
        if migrated:
            shutil.copyfile(_template(None), path)
        yield f"sqlite:///{path}"
        return
    name = f"{prefix}{secrets.token_hex(6)}"
    template = f' TEMPLATE "{_template(server)}"' if migrated else ""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{template}')
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”")
KNOWN_TOKENS = frozenset({"YYYY", "MM", "DD", "TOML", "UTF", "FS", "SS", "FF", "SF", "xlsx", "Excel", "dispatch",
                          "init", "run", "load", "report", "template", "printout", "problems", "projects", "ingest",
                          "max_file_mb", "max_unpacked_mb", "max_ratio", "units", "config", "toml", "calendar", "ISO",
                          "URL", "Mon", "Sun", "type", "lag", "true", "false", "crontab", "IANA", "Asia",
                          "Shanghai", "http", "https", "postgresql", "psycopg", "mon",
                          # the keys of the project-file format (shared/spec/project-files.md and our extensions)
                          "start", "name", "lead_unit", "leader", "duration", "after", "not_before", "start_by",
                          "finish_by", "actual_start", "actual_finish", "percent", "weight", "note", "kind",
                          "milestone", "status", "expected", "approved", "needed_by", "blocker", "investment",
                          "total", "year", "annual_plan", "plan", "completed", "completed_before", "fund",
                          "quantity", "issued", "received", "paid", "amount", "pay_by", "target", "done", "measure",
                          "statistics", "stage", "factor", "project", "years", "off", "work", "weekend",
                          "first_year", "last_year", "base"})


def zh_detail_english(line: str, allowed: str = "") -> list[str]:
    """The ASCII English words in the detail of a Chinese error line (after `［kind］：`): quoted values,
    ids, keys and anything in `allowed` (the bad file's own text) excepted; [] when it is Chinese."""
    detail = line.split("］：", 1)[1] if "］：" in line else ""
    own = set(ENGLISH_WORD.findall(allowed))
    return [w for w in ENGLISH_WORD.findall(QUOTED.sub("", detail))
            if len(w) > 2 and w not in own and w not in KNOWN_TOKENS]


# -- a deterministic dump of the database: the tests' "nothing changed" ------------------------


def _value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return "nan" if math.isnan(v) else repr(v)
    return v


def _sort_key(row: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, "") if v is None else (1, v) for v in row)


def dump(engine: Engine) -> str:
    """Every table's rows as text (tables by name, rows sorted by primary key, JSON with sorted
    keys): equal dumps mean the same stored content, on SQLite and PostgreSQL alike."""
    out: list[str] = []
    with reading(engine) as conn:
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            cols = [c.name for c in table.columns]
            pk = [cols.index(c.name) for c in table.primary_key.columns]
            rows = [tuple(r) for r in conn.execute(select(table))]
            rows.sort(key=lambda r: _sort_key(tuple(r[i] for i in pk)))
            out.append(f"## {table.name} ({len(rows)} rows)")
            for r in rows:
                out.append(json.dumps({c: _value(v) for c, v in zip(cols, r, strict=True)},
                                      ensure_ascii=False, sort_keys=True, default=str))
    return "\n".join(out) + "\n"
