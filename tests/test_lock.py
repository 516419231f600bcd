"""The run lock (scheduler/lock.py) across hosts. On PostgreSQL the holder keeps a session-level
advisory lock: a holder on another host whose connection dies (process SIGKILLed, backend
terminated) does not block the next run; a live one, however old its row, does. On SQLite a
foreign host's row is judged by age only (today's rule)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text, update

from scheduler.errors import RunLocked
from scheduler.store import lock as lockmod
from scheduler.store.db import run_lock, transaction, utcnow
from tests.helpers import wait_until

REPO = Path(__file__).resolve().parent.parent
ENV_PG = "DISPATCH_TEST_POSTGRES_URL"
postgres_only = pytest.mark.skipif(
    not os.environ.get(ENV_PG),
    reason=f"the advisory run lock is PostgreSQL's: set ${ENV_PG} (eval \"$(bash scripts/postgres.sh start)\")")

# Takes the run lock as a holder on another host (the row names `holder`) and keeps it until killed.
HOLDER = r"""
import sys, time
from pathlib import Path
from scheduler.store import lock
from scheduler.store.db import open_database

url, holder, marker = sys.argv[1:4]
lock.acquire(open_database(url), holder=holder)
Path(marker).write_text("held")
time.sleep(600)
"""

ADVISORY = ("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())")


def advisory_holders(engine: Engine) -> list[int]:
    """Backend pids holding an advisory lock in the test database."""
    with engine.connect() as c:
        return [int(pid) for pid in c.execute(text(ADVISORY)).scalars()]


def holder_process(url: str, holder: str, marker: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPATCH_DATABASE_URL", "DISPATCH_CONFIG")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, url, holder, str(marker)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_until(lambda: marker.exists() or proc.poll() is not None, 60), "holder never started"
    assert proc.poll() is None, proc.communicate()
    return proc


@postgres_only
def test_holder_killed_on_another_host_is_taken_over_at_once(engine: Engine, database_url: str,
                                                             tmp_path: Path) -> None:
    far = "county-app-2:4242:feedbeef"  # another host: its pid means nothing here
    proc = holder_process(database_url, far, tmp_path / "held")
    try:
        with pytest.raises(RunLocked) as e:  # alive: refused, naming it
            lockmod.acquire(engine, tz="Asia/Shanghai")
        msg = e.value.message
        assert msg.startswith("another weekly run started at ") and f"by {far} is in progress" in msg
        assert "(Asia/Shanghai)" in msg and "freed as soon as that run's process ends" in msg
        (pid,) = advisory_holders(engine)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert lockmod.current_holder(engine) is not None  # its row is left behind, fresh (minutes, not 6 h)
    assert wait_until(lambda: pid not in advisory_holders(engine))  # the server ended its session
    started = time.monotonic()
    lk = lockmod.acquire(engine)  # no waiting, no stale rule: taken over at once
    try:
        assert time.monotonic() - started < 2
        assert lk.broke == far
        holder = lockmod.current_holder(engine)
        assert holder is not None and holder[0] == lk.holder != far
    finally:
        assert lockmod.release(engine, lk)
    assert lockmod.current_holder(engine) is None and advisory_holders(engine) == []


@postgres_only
def test_holder_whose_backend_is_terminated_is_taken_over(engine: Engine) -> None:
    far = "county-app-3:77:0badc0de"
    old = lockmod.acquire(engine, holder=far)
    with pytest.raises(RunLocked, match=f"by {far} is in progress"):
        lockmod.acquire(engine)
    (pid,) = advisory_holders(engine)
    with engine.connect() as c:  # the holder's connection dies (a host gone, an admin's kill)
        assert c.scalar(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
    lk = lockmod.acquire(engine)
    assert lk.broke == far
    assert not lockmod.release(engine, old)  # no longer ours; its dead session is closed quietly
    assert lockmod.current_holder(engine) is not None  # ... and our row is untouched by it
    assert lockmod.release(engine, lk)
    assert lockmod.current_holder(engine) is None and advisory_holders(engine) == []


@postgres_only
def test_live_holder_on_another_host_is_never_broken_by_age(engine: Engine) -> None:
    far = "county-app-2:4242:cafe0001"
    lk = lockmod.acquire(engine, holder=far)
    try:
        with transaction(engine) as c:  # its row looks 7 hours old: its session is still open
            c.execute(update(run_lock).values(acquired_at=utcnow() - dt.timedelta(hours=7)))
        started = time.monotonic()
        with pytest.raises(RunLocked, match=r"waited 0.3 s"):
            lockmod.acquire(engine, wait=0.3, poll=0.05)
        assert time.monotonic() - started >= 0.3
        holder = lockmod.current_holder(engine)
        assert holder is not None and holder[0] == far
    finally:
        assert lockmod.release(engine, lk)
    # given back: the advisory lock goes with the row, so the next run takes it at once
    again = lockmod.acquire(engine)
    assert again.broke is None
    assert lockmod.release(engine, again)
    assert advisory_holders(engine) == []


@postgres_only
def test_left_over_row_without_a_session_is_taken_over_whatever_its_host(engine: Engine) -> None:
    with transaction(engine) as c:  # a row written a minute ago by a run that is gone
        c.execute(run_lock.insert().values(name=lockmod.WEEKLY, holder="county-app-4:9:dead0000",
                                           acquired_at=utcnow() - dt.timedelta(minutes=1)))
    lk = lockmod.acquire(engine)
    assert lk.broke == "county-app-4:9:dead0000"
    assert lockmod.release(engine, lk)


def test_advisory_key_is_a_stable_64_bit_key_per_name() -> None:
    """Every host must derive the same key: a fixed hash (sha256), never Python's salted hash()."""
    assert lockmod.advisory_key(lockmod.WEEKLY) == 5981708076422326307
    assert lockmod.advisory_key("other-lock") != 5981708076422326307
    assert all(-(2**63) <= lockmod.advisory_key(n) < 2**63 for n in ("a", "b", "weekly-run", "x" * 100))


@pytest.mark.sqlite_only
def test_sqlite_keeps_the_stale_rule_for_another_hosts_row(engine: Engine) -> None:
    with transaction(engine) as c:
        c.execute(run_lock.insert().values(name=lockmod.WEEKLY, holder="county-app-2:4242:feedbeef",
                                           acquired_at=utcnow() - dt.timedelta(minutes=1)))
    with pytest.raises(RunLocked, match="a lock older than 6:00:00 is broken automatically"):
        lockmod.acquire(engine)
    lk = lockmod.acquire(engine, stale_after=dt.timedelta(seconds=30))
    assert lk.broke == "county-app-2:4242:feedbeef" and lk.session is None
    assert lockmod.release(engine, lk)
