"""Faults on the shared server: a weekly run killed with SIGKILL half-way (in a subprocess, paused at
a known point or killed at a random moment), two runs started at once, the database unreachable
when the scheduled job fires, and the alert channel down until it comes back.

The invariants: the last complete run stays the week's current run with its findings intact, no
half-written run is ever visible, a killed run's lock does not block the next run, exactly one
current run per week, and every alert is delivered exactly once."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from scheduler.app import jobs, service
from scheduler.app.weekly import run_weekly
from scheduler.cli import cli
from scheduler.delivery.loop import deliver_pending
from scheduler.io.config import load_config
from scheduler.store import db as storage
from scheduler.store.alerts import list_alerts
from scheduler.store.lock import current_holder
from scheduler.store.runs import list_runs, read_run
from tests.helpers import dump, free_port, wait_until

REPO = Path(__file__).resolve().parent.parent
W48 = dt.date(2026, 11, 23)
WEEK = "2026-W48"
UNITS = ("县发改局", "虞公港铁路公司", "县自然资源局", "县生态环境局", "县卫健局", "县交通运输局")

# A weekly run in its own process that can stop at a named point, holding whatever it holds there,
# until the file <marker>/go appears (or it is killed): "locked" (the run lock taken, nothing read),
# "in-transaction" (inside the run's one transaction: run row, findings and alerts inserted, not
# committed), "committed" (stored and committed, the lock still held), or "none".
WORKER = r"""
import datetime as dt, json, os, sys, time
from pathlib import Path
from scheduler.delivery import messages as alerts
from scheduler.app import weekly as runner
from scheduler.io.config import load_config
from scheduler.errors import DispatchError
from scheduler.store.db import open_database

cfg_path, date, pause, marker = sys.argv[1:5]
config = load_config(cfg_path)
engine = open_database(config.database_url)

def hold(name):
    Path(marker, name).write_text(str(os.getpid()))
    while not Path(marker, "go").exists():
        time.sleep(0.02)

if pause == "locked":
    real_read = runner._read_inputs
    def read_inputs(*a, **kw):
        hold("locked")
        return real_read(*a, **kw)
    runner._read_inputs = read_inputs
elif pause == "in-transaction":
    real_enqueue = alerts.enqueue_alerts
    def enqueue(conn, **kw):
        n = real_enqueue(conn, **kw)
        hold("in-transaction")
        return n
    alerts.enqueue_alerts = enqueue
elif pause == "committed":
    real_store = runner._store
    def store(*a, **kw):
        out = real_store(*a, **kw)
        hold("committed")
        return out
    runner._store = store
Path(marker, "started").write_text(str(os.getpid()))
try:
    res = runner.run_weekly(engine, config, dt.date.fromisoformat(date), outputs=False, deliver=False,
                            wait=float(os.environ.get("DISPATCH_TEST_WAIT", "0")))
except DispatchError as e:
    print(e.show(), file=sys.stderr)
    sys.exit(e.exit_code)
print(json.dumps({"run_id": res.run_id, "replaced": list(res.replaced)}))
"""


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPATCH_DATABASE_URL", "DISPATCH_CONFIG")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def worker(config: Path, marker: Path, pause: str = "none", *, wait: float = 0.0) -> subprocess.Popen[str]:
    """Start a weekly run of 2026-W48 in a subprocess."""
    marker.mkdir(parents=True, exist_ok=True)
    env = child_env()
    env["DISPATCH_TEST_WAIT"] = str(wait)
    return subprocess.Popen([sys.executable, "-c", WORKER, str(config), W48.isoformat(), pause, str(marker)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill(proc: subprocess.Popen[str]) -> None:
    """SIGKILL, and reap it (a zombie would still look alive)."""
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def without_lock(dump: str) -> str:
    """A dump without the run_lock table (a killed run leaves its lock row behind)."""
    out, skip = [], False
    for line in dump.splitlines():
        if line.startswith("## "):
            skip = line.startswith("## run_lock ")
        if not skip:
            out.append(line)
    return "\n".join(out)


def current_runs(engine: Engine) -> list[Any]:
    return [r for r in list_runs(engine, WEEK) if r.current]


def finding_keys(engine: Engine) -> list[tuple[str, str]]:
    _info, found = read_run(engine, WEEK)
    return [(f.key, f.light.value) for f in found]


@pytest.fixture
def world(config_file: Path, portfolio_dir: Path, engine: Engine) -> tuple[Path, Engine]:
    """The conftest portfolio loaded (units with addresses), and a first complete run of W48."""
    with config_file.open("a", encoding="utf-8") as fh:
        fh.write("".join(f'[units."{u}"]\nemail = ["u{i}@county.gov.cn"]\n' for i, u in enumerate(UNITS)))
    res = CliRunner().invoke(cli, ["--config", str(config_file), "load", str(portfolio_dir)])
    assert res.exit_code == 0, res.output
    run_weekly(engine, load_config(config_file), W48, outputs=False, deliver=False)
    return config_file, engine


# -- a run killed half-way ----------------------------------------------------------------------


@pytest.mark.parametrize("pause", ["locked", "in-transaction"])
def test_run_killed_half_way_leaves_the_last_run_and_the_next_run_completes(
        world: tuple[Path, Engine], tmp_path: Path, pause: str) -> None:
    config, engine = world
    (first,) = current_runs(engine)
    expected = finding_keys(engine)
    before = dump(engine)
    proc = worker(config, tmp_path / "m", pause)
    try:
        assert wait_until(lambda: (tmp_path / "m" / pause).exists() or proc.poll() is not None), pause
        assert proc.poll() is None, proc.communicate()
        # while it sits there, other readers still see the last complete run, nothing half-written
        assert [r.id for r in current_runs(engine)] == [first.id]
        assert finding_keys(engine) == expected
    finally:
        kill(proc)
    holder = current_holder(engine)
    assert holder is not None and f":{proc.pid}:" in holder[0]  # the dead run's lock row is left over
    assert without_lock(dump(engine)) == without_lock(before)
    (still,) = current_runs(engine)
    assert still.id == first.id and still.status == "complete"
    assert finding_keys(engine) == expected
    # the next run is not blocked for hours by the dead process's lock
    nxt = run_weekly(engine, load_config(config), W48, outputs=False, deliver=False)
    assert nxt.replaced == (first.id,)
    assert [r.id for r in current_runs(engine)] == [nxt.run_id]
    assert finding_keys(engine) == expected
    assert current_holder(engine) is None


def test_run_killed_after_its_commit_is_complete_and_the_next_run_replaces_it(
        world: tuple[Path, Engine], tmp_path: Path) -> None:
    config, engine = world
    (first,) = current_runs(engine)
    expected = finding_keys(engine)
    proc = worker(config, tmp_path / "m", "committed")
    try:
        assert wait_until(lambda: (tmp_path / "m" / "committed").exists() or proc.poll() is not None)
        assert proc.poll() is None, proc.communicate()
    finally:
        kill(proc)
    (killed,) = current_runs(engine)
    assert killed.id != first.id and killed.status == "complete" and finding_keys(engine) == expected
    nxt = run_weekly(engine, load_config(config), W48, outputs=False, deliver=False)
    assert nxt.replaced == (killed.id,) and [r.id for r in current_runs(engine)] == [nxt.run_id]


def test_runs_killed_at_random_moments_never_leave_a_half_written_run(
        world: tuple[Path, Engine], tmp_path: Path) -> None:
    """Kill runs anywhere from start-up to the end; after each: exactly one current run of the week,
    complete, with the full set of findings; then a run completes."""
    config, engine = world
    expected = finding_keys(engine)
    rng = random.Random(20261123)
    for i in range(4):
        proc = worker(config, tmp_path / f"m{i}")
        started = tmp_path / f"m{i}" / "started"
        assert wait_until(lambda p=proc, s=started: s.exists() or p.poll() is not None)
        time.sleep(rng.uniform(0.0, 0.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        _out, err = proc.communicate(timeout=30)
        # killed, or it finished between the poll and the signal (a race the test must allow)
        assert proc.returncode in (-signal.SIGKILL, 0), err
        runs = list_runs(engine, WEEK)
        assert all(r.status == "complete" and r.finished_at is not None for r in runs)
        assert len([r for r in runs if r.current]) == 1
        assert finding_keys(engine) == expected
    nxt = run_weekly(engine, load_config(config), W48, outputs=False, deliver=False)
    assert [r.id for r in current_runs(engine)] == [nxt.run_id] and finding_keys(engine) == expected


# -- two runs at once ----------------------------------------------------------------------------


def test_second_run_refuses_while_the_first_holds_the_lock(world: tuple[Path, Engine], tmp_path: Path) -> None:
    """Two processes: the second (the real CLI) refuses with a clear message and exit code 4; only
    the first writes."""
    config, engine = world
    (first,) = current_runs(engine)
    proc = worker(config, tmp_path / "m", "locked")
    try:
        assert wait_until(lambda: (tmp_path / "m" / "locked").exists() or proc.poll() is not None)
        second = subprocess.run([sys.executable, "-m", "scheduler.cli", "--config", str(config), "run",
                                 "--data-date", W48.isoformat()], env=child_env(), capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 4, second.stderr
        lines = second.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: [run-locked] another weekly run started at ")
        assert "is in progress" in lines[0] and f":{proc.pid}:" in lines[0] and "Traceback" not in second.stderr
        (tmp_path / "m" / "go").write_text("")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            kill(proc)
    done = json.loads(out)
    assert done["replaced"] == [first.id]
    assert [r.id for r in current_runs(engine)] == [done["run_id"]]
    assert len(list_runs(engine, WEEK)) == 2  # the first run and the one that held the lock


@pytest.mark.parametrize("wait", [0.0, 60.0])
def test_two_runs_started_together_never_both_write(world: tuple[Path, Engine], tmp_path: Path,
                                                    wait: float) -> None:
    """Started at the same moment: without --wait one refuses ("another weekly run … is in
    progress"), with it the second waits and then replaces the first; either way exactly one
    current run of the week and every stored run complete."""
    config, engine = world
    before = len(list_runs(engine, WEEK))
    procs = [worker(config, tmp_path / f"m{i}", wait=wait) for i in range(2)]
    results = [p.communicate(timeout=180) for p in procs]
    codes = sorted(p.returncode for p in procs)
    wrote = [json.loads(out) for p, (out, _err) in zip(procs, results, strict=True) if p.returncode == 0]
    if wait:
        assert codes == [0, 0]
        a, b = sorted(wrote, key=lambda d: d["run_id"])
        assert b["replaced"] == [a["run_id"]]  # strictly one after the other
    else:
        assert codes in ([0, 4], [0, 0])  # both may finish when the first is done before the second starts
        for p, (_out, err) in zip(procs, results, strict=True):
            if p.returncode == 4:
                assert "another weekly run started at" in err and "is in progress" in err
    runs = list_runs(engine, WEEK)
    assert len(runs) == before + len(wrote)
    assert all(r.status == "complete" for r in runs) and len([r for r in runs if r.current]) == 1
    assert current_holder(engine) is None


# -- the database unreachable when the scheduled job fires --------------------------------------


def test_unreachable_database_then_back_the_next_tick_runs(
        world: tuple[Path, Engine], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The weekly job fires while the database is down (a closed port): one clear error line, no
    traceback, the function returns and the scheduler keeps ticking; once the database is back,
    the next tick stores a run."""
    config, engine = world
    caplog.set_level(logging.INFO)
    good = config.read_text(encoding="utf-8")
    database_url = load_config(config).database_url
    down = f"postgresql+psycopg://dispatch@127.0.0.1:{free_port()}/dispatch"
    job_cfg = tmp_path / "job" / "config.toml"
    job_cfg.parent.mkdir()
    job_cfg.write_text(good.replace(f'url = "{database_url}"', f'url = "{down}"'), encoding="utf-8")
    assert down in job_cfg.read_text(encoding="utf-8")

    jobs.weekly_run_job(str(job_cfg))  # called directly: returns, logs one error
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "weekly run failed: [database-unreachable]" in errors[0].getMessage()
    assert "\n" not in errors[0].getMessage() and errors[0].exc_info is None

    store = tmp_path / "store"
    store.mkdir()
    (store / "config.toml").write_text(f'[database]\nurl = "sqlite:///{store / "jobs.sqlite"}"\n', encoding="utf-8")
    storage.open_database(f"sqlite:///{store / 'jobs.sqlite'}", create=True).dispose()  # `dispatch init`
    sched = service.build_scheduler(load_config(store / "config.toml"), str(job_cfg), retry_seconds=0.3,
                                    retry_func=jobs.weekly_run_job)
    runs_before = len(list_runs(engine))
    sched.start()
    try:
        assert wait_until(lambda: sum("database-unreachable" in r.getMessage() for r in caplog.records) >= 3)
        assert sched.running and len(list_runs(engine)) == runs_before
        job_cfg.write_text(good, encoding="utf-8")  # the database is back
        assert wait_until(lambda: len(list_runs(engine)) > runs_before, timeout=60)
        assert wait_until(lambda: any("weekly run for data date" in r.getMessage() and "done" in r.getMessage()
                                      for r in caplog.records), timeout=60)
        assert sched.running
    finally:
        sched.shutdown(wait=True)
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("dispatch"))
    assert all(r.status == "complete" for r in list_runs(engine))


# -- the alert channel down, then back -----------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_port() -> Iterator[int]:
    yield free_port()


def test_alerts_through_a_run_survive_smtp_down_and_are_delivered_exactly_once(
        world: tuple[Path, Engine], smtp_port: int) -> None:
    """run_weekly -> outbox (alerts table) -> deliver_pending while the SMTP server is down: the first
    alert fails and waits with its error, the others wait unclaimed (a server is not tried again in
    the same pass); the server comes back: each is delivered once; re-running the week and
    delivering again sends nothing more."""
    config_path, engine = world
    with config_path.open("a", encoding="utf-8") as fh:
        fh.write(f'[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\ndeliver = true\n'
                 'backoff_seconds = 30\nmax_attempts = 5\n')
    config = load_config(config_path)
    with storage.transaction(engine) as c:  # start from an empty outbox: this run queues afresh
        c.execute(storage.alerts.delete())
    res = run_weekly(engine, config, W48, outputs=False, deliver=True)
    queued = res.alerts_queued
    assert queued and queued > 1
    assert res.delivery is not None and res.delivery.retrying == 1 and res.delivery.delivered == 0
    assert res.delivery.deferred == queued - 1
    pending = list_alerts(engine, status="pending")
    assert len(pending) == queued
    tried = [a for a in pending if a.attempts]
    assert len(tried) == 1 and ("Connection refused" in (tried[0].last_error or "")
                                or "Errno" in (tried[0].last_error or ""))
    assert all(a.attempts == 0 and not a.last_error for a in pending if a is not tried[0])

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        now = storage.utcnow()
        early = deliver_pending(engine, config, now=now + dt.timedelta(seconds=5))
        assert early.delivered == queued - 1 and early.retrying == 0  # the failed one still backs off
        later = now + dt.timedelta(minutes=2)
        rep = deliver_pending(engine, config, now=later)
        assert rep.delivered == 1 and rep.retrying == rep.failed == 0
        again = deliver_pending(engine, config, now=later + dt.timedelta(hours=1))
        assert again.attempted == 0
        rerun = run_weekly(engine, config, W48, outputs=False, deliver=True)
        assert rerun.alerts_queued == 0
        assert deliver_pending(engine, config, now=later + dt.timedelta(hours=2)).attempted == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == queued
    sent = sorted((rcpt[0], a) for rcpt, a in ((m[0], i) for i, m in enumerate(inbox.messages)))
    assert len({s[0] for s in sent}) >= 1
    delivered = list_alerts(engine, status="delivered")
    assert len(delivered) == queued and all(a.delivered_at for a in delivered)
    assert sorted(a.attempts for a in delivered) == [1] * (queued - 1) + [2]
    by_address: dict[str, int] = {}
    for rcpts, _raw in inbox.messages:
        for r in rcpts:
            by_address[r] = by_address.get(r, 0) + 1
    expected: dict[str, int] = {}
    for a in delivered:
        expected[a.address] = expected.get(a.address, 0) + 1
    assert by_address == expected
    with engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(storage.alerts)) == queued
