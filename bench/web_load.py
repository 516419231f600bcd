"""Load on the web workplace: 50 clerks submitting weekly reports and 20 readers on the week page
and project pages, at once, against `dispatch web` serving a 300-project portfolio on PostgreSQL.

    eval "$(bash scripts/postgres.sh start)"
    .venv/bin/python bench/web_load.py --pg "$DISPATCH_TEST_POSTGRES_URL"   # [--quick] [--workers 2]

1. setup: a synthetic portfolio (bench/weekly_run.py's generator; 25 units, each the lead unit of
   12 projects), loaded into a fresh database, the week run; an office account, a viewer, and two
   clerk accounts per unit (so two people submit for the same unit and week at the same time);
2. baseline: the week page, a project page, the report form and a submission served in-process
   (Starlette's TestClient), one request at a time, no concurrency;
3. `dispatch web --workers N` in its own processes, and three scenarios one after the other:
   - stress: a closed loop with no think time (each client sends its next request as soon as the
     last is answered): 50 clerks open the form and submit it `--rounds` times while 20 readers
     open the week page and a project page back to back. It measures capacity (requests/s); its
     response times are queueing (Little's law: 70 clients / throughput);
   - steady: the workplace on an ordinary afternoon, open loop: each reader opens a page at
     Poisson moments (`--think` s apart on average) whether or not the page before has come; each
     clerk opens the form at Poisson moments (`--session` s apart), fills it in (`--fill` s) and
     submits;
   - burst: Friday 17:00, all 50 clerks submit within `--burst` seconds (each opens the form at a
     random moment, fills it in, submits), the readers as in steady;
   times are counted from the moment a request was due (a client running late counts against the
   server, never for it); the CPU the server's processes (and PostgreSQL's, when scripts/postgres.sh
   started it) used per request is printed beside each scenario: on a shared machine it is the
   steadier figure;
4. checks: every submission answered 303 and is stored once; each unit's versions are 1..n with n
   its clerks' submissions (none lost, none duplicated, none skipped); p50/p95/max printed beside
   the in-process p95; exit 1 when a check fails.

Targets (docs/benchmarks.md): p95 of the week page under 300 ms and of a submission under 500 ms
on 2 cores."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def baseline(cfg: Path, n: int) -> dict[str, list[float]]:
    """Each page served in-process (Starlette's TestClient), one request at a time, `n` times: the
    week and a project page as the office reads them, the form and a submission as a clerk (clerk49)."""
    from fastapi.testclient import TestClient

    from scheduler.io.config import load_config
    from scheduler.store.db import open_database
    from scheduler.web.app import create_app

    config = load_config(cfg)
    engine = open_database(config.database_url)
    app = create_app(config, engine)
    out: dict[str, list[float]] = {k: [] for k in PAGES}

    def timed_get(c: Any, key: str, url: str, **kw: Any) -> Any:
        t = time.perf_counter()
        r = c.get(url, **kw)
        out[key].append(time.perf_counter() - t)
        assert r.status_code == 200, r.text[:300]
        return r

    with TestClient(app, follow_redirects=False) as office, TestClient(app, follow_redirects=False) as clerk:
        for c, user in ((office, "office"), (clerk, "clerk49")):
            token = _CSRF.search(c.get("/login").text)
            assert token
            c.post("/login", data={"username": user, "password": PASSWORD, "csrf": token.group(1)})
        r = office.get("/")  # warm: the week's view and charts are built once per stored state
        pid = re.findall(r'href="/projects/([^"]+)"', r.text)[0]
        office.get(f"/projects/{pid}")
        clerk.get("/report", params={"week": WEEK})
        for _ in range(n):
            timed_get(office, "week", "/")
            timed_get(office, "project", f"/projects/{pid}")
            page = timed_get(clerk, "form", "/report", params={"week": WEEK}).text
        fields = {**form_fields(page), "csrf": _CSRF.findall(page)[-1], "week": WEEK}
        field = in_progress(fields)[0]
        for i in range(n // 2):
            t = time.perf_counter()
            r = clerk.post("/report", data={**fields, field: f"{50 + i * 0.37:.2f}"})
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


class Stats:
    """Response times per page of one scenario, the failures, and each unit's answered versions."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {k: [] for k in PAGES}
        self.errors: list[str] = []
        self.stored: dict[str, list[int]] = {}
        self.started = time.perf_counter()
        self.wall = 0.0
        self.cpu = 0.0
        self.db_cpu: float | None = None

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.times.values())


PAGES = {"week": ("week page (GET /)", 300), "project": ("project page", None), "form": ("report form (GET)", None),
         "submit": ("report submission", 500)}
"""The pages timed: label and the issue's p95 target in ms (None: no target)."""


class Failed:
    """A request that got no answer (a transport error): counted as a failure, never timed."""

    def __init__(self) -> None:
        self.status_code, self.text, self.headers = 0, "", {}


async def timed(st: Stats, key: str, since: float, call: Any) -> Any:
    """Await `call` and record the time from `since` (the request's scheduled moment: a client that
    falls behind its schedule counts against the server, never for it)."""
    import httpx2 as httpx

    try:
        r = await call
    except httpx.HTTPError as e:
        st.errors.append(f"{key}: {type(e).__name__} {e}")
        return Failed()
    st.times[key].append(time.perf_counter() - since)
    return r


async def open_form(c: Any, st: Stats, since: float) -> dict[str, str]:
    """GET the report form; the fields a browser would post back."""
    r = await timed(st, "form", since, c.get("/report", params={"week": WEEK}))
    if r.status_code != 200:
        st.errors.append(f"form {r.status_code}")
        return {}
    return {**form_fields(r.text), "csrf": _CSRF.findall(r.text)[-1], "week": WEEK}


async def submit(c: Any, st: Stats, n: int, fields: dict[str, str], value: float, since: float) -> None:
    """POST the form with one milestone's percent set to `value`; the answered version is kept."""
    field = in_progress(fields)[0]
    r = await timed(st, "submit", since, c.post("/report", data={**fields, field: f"{value:.2f}"}))
    m = re.search(r"stored=(\d+)", r.headers.get("location", ""))
    if r.status_code != 303 or m is None:
        st.errors.append(f"clerk{n:02d}: {r.status_code} {r.text[:200]}")
        return
    st.stored.setdefault(f"单位{n % UNITS + 1:02d}", []).append(int(m.group(1)))


class Values:
    """A percent for each submission, never the same twice in a row for a unit (its two clerks
    included), so that no submission is stored as unchanged."""

    def __init__(self) -> None:
        self.k: dict[int, int] = {}

    def next(self, n: int) -> float:
        i = self.k[n % UNITS] = self.k.get(n % UNITS, 0) + 1
        return 1 + (i * 0.37) % 97


async def stress_clerk(c: Any, n: int, rounds: int, st: Stats, values: Values) -> None:
    for _ in range(rounds):
        fields = await open_form(c, st, time.perf_counter())
        if fields:
            await submit(c, st, n, fields, values.next(n), time.perf_counter())


async def read_page(c: Any, st: Stats, n: int, k: int, pids: list[str], since: float) -> None:
    """A reader's page: the week page, every other time a project page."""
    if k % 2 == 0:
        r = await timed(st, "week", since, c.get("/"))
    else:
        r = await timed(st, "project", since, c.get(f"/projects/{pids[(n * 7 + k) % len(pids)]}"))
    if r.status_code != 200:
        st.errors.append(f"reader {n}: {r.status_code}")


async def stress_reader(c: Any, n: int, st: Stats, done: asyncio.Event, pids: list[str]) -> None:
    k = 0
    while not done.is_set():
        await read_page(c, st, n, k, pids, time.perf_counter())
        k += 1


async def open_reader(c: Any, n: int, st: Stats, end: float, gap: float, rng: random.Random,
                      pids: list[str]) -> None:
    """Open loop: page views at Poisson moments (mean `gap` s apart), each sent at its moment whether
    or not the one before was answered."""
    tasks = []
    at, k = time.perf_counter() + rng.expovariate(1 / gap), 0
    while at < end:
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        tasks.append(asyncio.create_task(read_page(c, st, n, k, pids, at)))
        at, k = at + rng.expovariate(1 / gap), k + 1
    await asyncio.gather(*tasks)


async def open_clerk(c: Any, n: int, st: Stats, values: Values, starts: list[float], fill: tuple[float, float],
                     rng: random.Random) -> None:
    """A clerk opens the form at each of `starts` (or as soon as the form before is submitted: a clerk
    fills in one form at a time), fills it in for `fill` seconds (uniform), submits."""
    for at in starts:
        at = max(at, time.perf_counter())
        await asyncio.sleep(at - time.perf_counter())
        fields = await open_form(c, st, at)
        if not fields:
            continue
        due = time.perf_counter() + rng.uniform(*fill)
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        await submit(c, st, n, fields, values.next(n), due)


async def clients(base: str) -> tuple[list[Any], list[Any], list[str]]:
    """The signed-in HTTP clients: CLERKS clerks, READERS readers (office and viewer); the project ids."""
    import httpx2 as httpx

    # an idle connection is dropped before uvicorn's 5 s keep-alive ends (a browser would resend the
    # request the server closed under it; these clients do not)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None, keepalive_expiry=2.0)
    made = [httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=120, limits=limits)
            for _ in range(CLERKS + READERS)]
    names = [f"clerk{n:02d}" for n in range(CLERKS)] + ["viewer" if n % 2 else "office" for n in range(READERS)]
    for i in range(0, len(made), 10):  # a few sign-ins at a time: argon2 is meant to be slow
        await asyncio.gather(*(sign_in(c, u) for c, u in zip(made[i:i + 10], names[i:i + 10], strict=True)))
    r = await made[-1].get("/")
    return made[:CLERKS], made[CLERKS:], re.findall(r'href="/projects/([^"]+)"', r.text)


async def scenarios(base: str, which: list[str], a: argparse.Namespace, cpu: Callable[[], float],
                    db_cpu: Callable[[], float] | None) -> dict[str, Stats]:
    """Run the chosen scenarios one after the other against the server at `base`."""
    rng = random.Random(15)
    values = Values()
    clerks, readers, pids = await clients(base)
    out: dict[str, Stats] = {}
    try:
        for name in which:
            st = Stats()
            c0, d0 = cpu(), db_cpu() if db_cpu else 0.0
            if name == "stress":
                done = asyncio.Event()
                rs = [asyncio.create_task(stress_reader(c, n, st, done, pids)) for n, c in enumerate(readers)]
                await asyncio.wait_for(asyncio.gather(*(stress_clerk(c, n, a.rounds, st, values)
                                                        for n, c in enumerate(clerks))), a.limit)
                done.set()
                await asyncio.gather(*rs)
            else:
                t0 = time.perf_counter()
                end = t0 + a.duration
                if name == "steady":  # each clerk's sessions at Poisson moments, a mean `a.session` s apart
                    starts = []
                    for _ in clerks:
                        at, mine = t0 + rng.expovariate(1 / a.session), []
                        while at < end - a.fill[1]:
                            mine.append(at)
                            at += rng.expovariate(1 / a.session)
                        starts.append(mine)
                else:  # burst: every clerk submits once within `a.burst` seconds
                    starts = [[t0 + rng.uniform(0, a.burst - a.fill[1])] for _ in clerks]
                    end = t0 + a.burst
                await asyncio.gather(
                    *(open_clerk(c, n, st, values, starts[n], a.fill, rng) for n, c in enumerate(clerks)),
                    *(open_reader(c, n, st, end, a.think, rng, pids) for n, c in enumerate(readers)))
            st.wall = time.perf_counter() - st.started
            st.cpu = cpu() - c0
            st.db_cpu = db_cpu() - d0 if db_cpu else None
            out[name] = st
            print(f"  {name}: {st.requests} requests in {st.wall:.1f} s", flush=True)
    finally:
        await asyncio.gather(*(c.aclose() for c in clerks + readers))
    return out


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` and its children (the server's
    workers, or PostgreSQL's backends)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            f = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(d.name) == pid:  # itself, and its children that have ended (PostgreSQL's closed backends)
            total += (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / tick
        elif int(f[1]) == pid:
            total += (int(f[11]) + int(f[12])) / tick
    return total


def postgres_pid() -> int | None:
    """The PostgreSQL server's pid when scripts/postgres.sh started it ($PG_TEST_DIR), to count its CPU."""
    try:
        return int((Path(os.environ["PG_TEST_DIR"]) / "data" / "postmaster.pid").read_text().split()[0])
    except (KeyError, OSError, ValueError, IndexError):
        return None


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


def report(name: str, st: Stats, base: dict[str, list[float]], a: argparse.Namespace) -> None:
    """One scenario's table: p50 / p95 / max per page beside the in-process p95, the target."""
    what = {"stress": f"closed loop, no think time: {CLERKS} clerks x {a.rounds} (form, submit), {READERS} readers "
                      "(week page, project page) back to back",
            "steady": f"open loop, Poisson: {READERS} readers each open a page every {a.think:g} s on average, "
                      f"{CLERKS} clerks each open the form every {a.session:g} s on average, fill it in "
                      f"{a.fill[0]:g}-{a.fill[1]:g} s, submit; {a.duration:g} s",
            "burst": f"Friday 17:00: all {CLERKS} clerks open the form at random moments and submit within "
                     f"{a.burst:g} s (filling {a.fill[0]:g}-{a.fill[1]:g} s), readers as in steady"}[name]
    rate = st.requests / st.wall if st.wall else float("nan")
    per = 1000 * st.cpu / st.requests if st.requests else float("nan")
    print(f"\n[{name}] {what}")
    db = f", PostgreSQL {1000 * st.db_cpu / st.requests:.0f} ms" if st.db_cpu is not None and st.requests else ""
    print(f"  {st.requests} requests in {st.wall:.1f} s = {rate:.1f}/s; CPU per request: server {per:.0f} ms{db}")
    print(f"  {'page':<22}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'in-process p95':>16}{'target':>8}")
    for key, (label, target) in PAGES.items():
        xs = st.times[key]
        mx = 1000 * max(xs) if xs else float("nan")
        met = "" if target is None or not xs else (" met" if p95(xs) <= target else " MISSED")
        print(f"  {label:<22}{len(xs):>5}{p50(xs):>9.0f}{p95(xs):>9.0f}{mx:>9.0f}{p95(base[key]):>16.0f}"
              f"{(str(target) if target else '—'):>8}{met}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg", default=os.environ.get("DISPATCH_TEST_POSTGRES_URL"),
                    help="PostgreSQL server URL (scripts/postgres.sh start); a database is created on it")
    ap.add_argument("--projects", type=int, default=300)
    ap.add_argument("--milestones", type=int, default=20)
    ap.add_argument("--scenarios", default="stress,steady,burst", help="which, in this order")
    ap.add_argument("--rounds", type=int, default=4, help="stress: submissions per clerk")
    ap.add_argument("--duration", type=float, default=120.0, help="steady: seconds")
    ap.add_argument("--think", type=float, default=5.0, help="steady, burst: a reader's mean seconds between pages")
    ap.add_argument("--session", type=float, default=60.0,
                    help="steady: a clerk's mean seconds between opening the form")
    ap.add_argument("--fill", type=float, nargs=2, default=(10.0, 30.0), metavar=("MIN", "MAX"),
                    help="seconds a clerk takes to fill in the form")
    ap.add_argument("--burst", type=float, default=60.0, help="burst: every clerk submits within this many seconds")
    ap.add_argument("--limit", type=float, default=600.0, help="stress: seconds it may take at most")
    ap.add_argument("--workers", type=int, default=2, help="server processes (`dispatch web --workers`)")
    ap.add_argument("--quick", action="store_true",
                    help="a short run: stress 1 round, steady 30 s, burst 30 s, fill 5-15 s")
    a = ap.parse_args(argv)
    if a.quick:
        a.rounds, a.duration, a.burst, a.fill, a.session = 1, 30.0, 30.0, (5.0, 15.0), 20.0
    which = [x for x in a.scenarios.split(",") if x]
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
            base_times = baseline(cfg, 20)
            port = free_port()
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            env.pop("DISPATCH_DATABASE_URL", None)
            server = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "--config", str(cfg), "web", "--port",
                                       str(port), "--workers", str(a.workers)], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            for _ in range(4 * a.workers):  # warm each server process's view like the baseline's
                asyncio.run(_warm(base))
            load_avg = os.getloadavg()[0]
            print(f"load average before the load: {load_avg:.1f} on {os.cpu_count()} cores; server: "
                  f"`dispatch web --workers {a.workers}`", flush=True)
            pg = postgres_pid()
            results = asyncio.run(scenarios(base, which, a, lambda: tree_cpu(server.pid) if server else 0.0,
                                            (lambda: tree_cpu(pg)) if pg else None))
            stored: dict[str, list[int]] = {}
            bad: list[str] = []
            for st in results.values():
                bad += st.errors
                for u, vs in st.stored.items():
                    stored.setdefault(u, []).extend(vs)
            bad += check_store(cfg, stored, len(base_times["submit"]))
            for n, st in results.items():
                report(n, st, base_times, a)
            print(f"\nload average after: {os.getloadavg()[0]:.1f}")
            n_sub = sum(len(v) for v in stored.values())
            if bad:
                print("FAILED:\n  " + "\n  ".join(bad[:20]))
                sys.exit(1)
            print(f"nothing lost or duplicated: {n_sub} submissions answered 303 and stored, every unit's versions "
                  "consecutive, one per accepted submission")
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
