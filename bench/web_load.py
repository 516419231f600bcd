"""Load on the web workplace: 50 clerks submitting weekly reports and 20 readers on the week page
and project pages, at once, against `dispatch web` serving a 300-project portfolio on PostgreSQL.

    eval "$(bash scripts/postgres.sh start)"
    .venv/bin/python bench/web_load.py --pg "$DISPATCH_TEST_POSTGRES_URL"   # [--projects 300 --rounds 5]

1. setup: a synthetic portfolio (bench/weekly_run.py's generator; 25 units, each the lead unit of
   12 projects), loaded into a fresh database, the week run; an office account, a viewer, and two
   clerk accounts per unit (so two people submit for the same unit and week at the same time);
2. baseline: the week page, a project page and a report submission served in-process (Starlette's
   TestClient) one at a time, no concurrency;
3. load: `dispatch web` in its own process; 50 clerks (asyncio, one HTTP client each) open their
   unit's form and submit it `--rounds` times with new values, while 20 readers open the week page
   and a project page until the clerks are done;
4. checks: every submission answered 303 and is stored once; each unit's versions are 1..n with n
   its clerks' submissions (none lost, none duplicated, none skipped); p50/p95 printed beside the
   baseline; exit 1 when a check fails.

Targets (docs/benchmarks.md): p95 of the week page under 300 ms and of a submission under 500 ms
on 2 cores."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for p in (REPO, REPO / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

DATA_DATE = dt.date(2026, 11, 23)
PROGRESS_DATE = dt.date(2026, 5, 1)
"""The generated progress is as of this date, so that every unit has unfinished milestones to report on."""
WEEK = "2026-W48"
PASSWORD = "load test password"
UNITS = 25
CLERKS = 50
READERS = 20


def p95(xs: list[float]) -> float:
    """The 95th percentile (nearest rank), in ms."""
    s = sorted(xs)
    return 1000 * s[min(len(s) - 1, max(0, round(0.95 * len(s)) - 1))] if s else float("nan")


def p50(xs: list[float]) -> float:
    """The median, in ms."""
    s = sorted(xs)
    return 1000 * s[len(s) // 2] if s else float("nan")


def setup(url: str, folder: Path, n_projects: int, n_milestones: int) -> Path:
    """Load the portfolio, run the week, create the accounts; returns the config file."""
    from weekly_run import generate

    from scheduler.app import accounts
    from scheduler.app.weekly import run_weekly
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.config import load_config
    from scheduler.store.db import open_database
    from scheduler.store.projects import load_projects

    t = time.perf_counter()
    files = generate(n_projects, n_milestones, 7, PROGRESS_DATE)
    files = [dataclasses.replace(pf, project=dataclasses.replace(
        pf.project, lead_unit=f"单位{i % UNITS + 1:02d}", leader="副县长")) for i, pf in enumerate(files)]
    cfg = folder / "config.toml"
    cfg.write_text(f'language = "zh"\n[paths]\ndata_dir = "{folder.as_posix()}"\n'
                   f'calendar_dir = "{(REPO / "calendar").as_posix()}"\n'
                   f'outbox_dir = "{(folder / "outbox").as_posix()}"\n[database]\nurl = "{url}"\n', encoding="utf-8")
    config = load_config(cfg)
    engine = open_database(url, create=True)
    load_projects(engine, files, calendars=CalendarSet(REPO / "calendar"))
    run_weekly(engine, config, DATA_DATE, outputs=False, deliver=False)
    accounts.add_user(engine, "office", PASSWORD, "office")
    accounts.add_user(engine, "viewer", PASSWORD, "viewer")
    for c in range(CLERKS):
        accounts.add_user(engine, f"clerk{c:02d}", PASSWORD, "unit", unit=f"单位{c % UNITS + 1:02d}")
    engine.dispose()
    print(f"setup: {n_projects} projects x {n_milestones} milestones, {UNITS} units, {CLERKS} clerks, "
          f"{READERS} readers; loaded and run in {time.perf_counter() - t:.1f} s", flush=True)
    return cfg


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_INPUT = re.compile(r'<input [^>]*name="([^"]+)" value="([^"]*)"')


def form_fields(page: str) -> dict[str, str]:
    """What a browser posts from the report page (inputs and selected options)."""
    import html

    out = {html.unescape(n): html.unescape(v) for n, v in _INPUT.findall(page)}
    for name, body in re.findall(r'<select name="([^"]+)">(.*?)</select>', page, re.S):
        m = re.search(r"<option selected>([^<]*)</option>", body)
        out[html.unescape(name)] = html.unescape(m.group(1)) if m else ""
    return out


def in_progress(fields: dict[str, str]) -> list[str]:
    """The percent fields of unfinished milestones, started first; one not started yet is given the
    week's Monday as its actual start in `fields` (a percent needs a start)."""
    open_ = [k for k in fields if k.endswith("|percent") and not fields[k.replace("percent", "actual_finish")]]
    open_.sort(key=lambda k: not fields[k.replace("percent", "actual_start")])
    for k in open_[:1]:
        fields[k.replace("percent", "actual_start")] = fields[k.replace("percent", "actual_start")] or "2026-11-23"
    return open_


def baseline(cfg: Path, rounds: int) -> dict[str, list[float]]:
    """The week page, a project page and a submission in-process, one at a time."""
    from fastapi.testclient import TestClient

    from scheduler.io.config import load_config
    from scheduler.store.db import open_database
    from scheduler.web.app import create_app

    config = load_config(cfg)
    engine = open_database(config.database_url)
    app = create_app(config, engine)
    out: dict[str, list[float]] = {"week": [], "project": [], "submit": []}
    with TestClient(app, follow_redirects=False) as c:
        token = _CSRF.search(c.get("/login").text)
        assert token
        c.post("/login", data={"username": "clerk49", "password": PASSWORD, "csrf": token.group(1)})
        c.get("/")  # warm: the week's view and charts are built once per stored state
        for _ in range(20):
            t = time.perf_counter()
            r = c.get("/")
            out["week"].append(time.perf_counter() - t)
            assert r.status_code == 200
        pid = re.findall(r'href="/projects/([^"]+)"', r.text)[0]
        c.get(f"/projects/{pid}")
        for _ in range(20):
            t = time.perf_counter()
            c.get(f"/projects/{pid}")
            out["project"].append(time.perf_counter() - t)
        page = c.get("/report", params={"week": WEEK}).text
        fields = {**form_fields(page), "csrf": _CSRF.findall(page)[-1]}
        field = in_progress(fields)[0]
        cur = float(fields[field] or 0)
        for i in range(rounds * 2):
            t = time.perf_counter()
            r = c.post("/report", data={**fields, field: str(round(cur + (99 - cur) * (i + 1) / (2 * rounds + 1), 2))})
            out["submit"].append(time.perf_counter() - t)
            assert r.status_code == 303, r.text[:300]
    engine.dispose()
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def sign_in(client: Any, username: str) -> None:
    r = await client.get("/login")
    token = _CSRF.search(r.text)
    assert token
    r = await client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token.group(1)})
    assert r.status_code == 303, r.text[:200]


async def clerk(base: str, n: int, rounds: int, times: dict[str, list[float]], stored: dict[str, list[int]],
                errors: list[str]) -> None:
    import httpx2 as httpx

    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=60) as c:
        await sign_in(c, f"clerk{n:02d}")
        unit = f"单位{n % UNITS + 1:02d}"
        for i in range(rounds):
            t = time.perf_counter()
            r = await c.get("/report", params={"week": WEEK})
            times["form"].append(time.perf_counter() - t)
            page = r.text
            fields = {**form_fields(page), "csrf": _CSRF.findall(page)[-1], "week": WEEK}
            field = in_progress(fields)[0]
            value = 5 + i * 90 / max(1, rounds) + (n // UNITS) * 2  # unique per unit and submission
            t = time.perf_counter()
            r = await c.post("/report", data={**fields, field: f"{value:.2f}"})
            times["submit"].append(time.perf_counter() - t)
            m = re.search(r"stored=(\d+)", r.headers.get("location", ""))
            if r.status_code != 303 or m is None:
                errors.append(f"clerk{n:02d} round {i}: {r.status_code} {r.text[:200]}")
                continue
            stored.setdefault(unit, []).append(int(m.group(1)))


async def reader(base: str, n: int, done: asyncio.Event, times: dict[str, list[float]], errors: list[str],
                 limit: float) -> None:
    import httpx2 as httpx

    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=60) as c:
        await sign_in(c, "viewer" if n % 2 else "office")
        end = time.perf_counter() + limit
        pids: list[str] = []
        k = 0
        while not done.is_set() and time.perf_counter() < end:
            t = time.perf_counter()
            r = await c.get("/")
            times["week"].append(time.perf_counter() - t)
            if r.status_code != 200:
                errors.append(f"reader {n}: week {r.status_code}")
            pids = pids or re.findall(r'href="/projects/([^"]+)"', r.text)
            t = time.perf_counter()
            r = await c.get(f"/projects/{pids[(n * 7 + k) % len(pids)]}")
            times["project"].append(time.perf_counter() - t)
            if r.status_code != 200:
                errors.append(f"reader {n}: project {r.status_code}")
            k += 1


async def load(base: str, rounds: int, limit: float) -> tuple[dict[str, list[float]], dict[str, list[int]], list[str],
                                                             float]:
    times: dict[str, list[float]] = {"week": [], "project": [], "form": [], "submit": []}
    stored: dict[str, list[int]] = {}
    errors: list[str] = []
    done = asyncio.Event()
    readers = [asyncio.create_task(reader(base, n, done, times, errors, limit)) for n in range(READERS)]
    t = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(clerk(base, n, rounds, times, stored, errors) for n in range(CLERKS))),
                           limit)
    wall = time.perf_counter() - t
    done.set()
    await asyncio.gather(*readers)
    return times, stored, errors, wall


def check_store(cfg: Path, stored: dict[str, list[int]], baseline_versions: int) -> list[str]:
    """Each unit's versions of the week are 1..n, one per accepted submission, none lost or twice."""
    from sqlalchemy import select

    from scheduler.io.config import load_config
    from scheduler.store.db import open_database, weekly_reports

    engine = open_database(load_config(cfg).database_url)
    wr = weekly_reports.c
    bad = []
    with engine.connect() as conn:
        rows = conn.execute(select(wr.unit, wr.version).where(wr.week == WEEK).order_by(wr.unit, wr.version)).all()
    engine.dispose()
    versions: dict[str, list[int]] = {}
    for unit, v in rows:
        versions.setdefault(unit, []).append(int(v))
    for u in sorted(set(versions) | set(stored)):
        got = versions.get(u, [])
        extra = baseline_versions if u == f"单位{49 % UNITS + 1:02d}" else 0
        if got != list(range(1, len(got) + 1)):
            bad.append(f"{u}: versions {got} are not consecutive")
        if len(got) != len(stored.get(u, [])) + extra:
            bad.append(f"{u}: {len(got)} versions stored for {len(stored.get(u, []))} submissions (+{extra})")
        if sorted(stored.get(u, [])) != got[extra:]:
            bad.append(f"{u}: answered versions {sorted(stored.get(u, []))} vs stored {got[extra:]}")
    return bad


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg", default=os.environ.get("DISPATCH_TEST_POSTGRES_URL"),
                    help="PostgreSQL server URL (scripts/postgres.sh start); a database is created on it")
    ap.add_argument("--projects", type=int, default=300)
    ap.add_argument("--milestones", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=4, help="submissions per clerk")
    ap.add_argument("--limit", type=float, default=300.0, help="seconds the load may take at most")
    ap.add_argument("--workers", type=int, default=2, help="server processes (`dispatch web --workers`)")
    a = ap.parse_args(argv)
    if not a.pg:
        sys.exit("give --pg URL or set DISPATCH_TEST_POSTGRES_URL (eval \"$(bash scripts/postgres.sh start)\")")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"dispatch_load_{secrets.token_hex(4)}"
    admin = create_engine(a.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(a.pg).set(database=name).render_as_string(hide_password=False)
    server: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="dispatch-webload-") as tmp:
            cfg = setup(url, Path(tmp), a.projects, a.milestones)
            base_times = baseline(cfg, a.rounds)
            port = free_port()
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            env.pop("DISPATCH_DATABASE_URL", None)
            server = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "--config", str(cfg), "web", "--port",
                                       str(port), "--workers", str(a.workers)], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            import httpx2 as httpx

            with httpx.Client(base_url=base) as c:  # warm each server process's view like the baseline's
                for _ in range(4 * a.workers):
                    asyncio.run(_warm(base))
                c.get("/healthz")
            times, stored, errors, wall = asyncio.run(load(base, a.rounds, a.limit))
            bad = errors + check_store(cfg, stored, len(base_times["submit"]))
            n_sub = sum(len(v) for v in stored.values())
            print(f"load: {CLERKS} clerks x {a.rounds} submissions, {READERS} readers, {wall:.1f} s; "
                  f"{n_sub} submissions stored, {len(times['week'])} week pages, "
                  f"{len(times['project'])} project pages", flush=True)
            print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'in-process p95':>16}{'target':>9}")
            for key, label, target in (("week", "week page (GET /)", 300), ("project", "project page", None),
                                       ("form", "report form (GET)", None), ("submit", "report submission", 500)):
                ref = p95(base_times[key]) if key in base_times else float("nan")
                print(f"{label:<22}{p50(times[key]):>9.0f}{p95(times[key]):>9.0f}{ref:>16.0f}"
                      f"{(str(target) if target else '—'):>9}")
            if bad:
                print("FAILED:\n  " + "\n  ".join(bad[:20]))
                sys.exit(1)
            print("nothing lost or duplicated: every unit's versions consecutive, one per accepted submission")
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


async def _warm(base: str) -> None:
    import httpx2 as httpx

    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=120) as c:
        await sign_in(c, "office")
        await c.get("/")


if __name__ == "__main__":
    main()
