"""A cross-process lock for the weekly run, held as a row of the `run_lock` table.

Taking it is an insert-if-absent in its own short transaction (so it works across processes and
machines sharing a database, SQLite or PostgreSQL); releasing deletes the row only if it is still
ours (a unique holder token). A lock older than `stale_after`, or held by a process of this host
that no longer runs (a run killed half-way), is taken to be left over by a crashed run and is
broken. A second run refuses with RunLocked, or waits up to `wait` seconds."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from .errors import RunLocked
from .storage import reading, run_lock, transaction, utcnow

WEEKLY = "weekly-run"
STALE_AFTER = dt.timedelta(hours=6)
"""A weekly run takes seconds to minutes; a lock this old belongs to a run that died."""


@dataclass(frozen=True, slots=True)
class Lock:
    """A lock we hold: its name, our holder token, when we took it, and whom we broke (if any)."""

    name: str
    holder: str
    acquired_at: dt.datetime
    broke: str | None = None


def _aware(when: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back: they were stored as UTC."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def holder_token() -> str:
    """host:pid:random, unique per acquisition."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """True when `holder` (host:pid:token) names a process of this host that no longer runs: a run
    killed (SIGKILL, power loss of a container) never gives its lock back, and waiting STALE_AFTER
    for it would skip the week. Other hosts' holders are never judged (their pids mean nothing)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, another user's: alive
        return False
    try:  # a killed child its parent has not reaped yet is a zombie: dead as well
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"])


def _try_acquire(engine: Engine, name: str, holder: str, stale_after: dt.timedelta,
                 now: dt.datetime) -> tuple[Lock | None, tuple[str, dt.datetime] | None]:
    """One short transaction: take the lock if free or stale. Returns (lock, None) on success,
    (None, (holder, acquired_at)) of the current holder otherwise."""
    with transaction(engine) as conn:
        row = conn.execute(select(run_lock.c.holder, run_lock.c.acquired_at)
                           .where(run_lock.c.name == name)).first()
        broke = None
        if row is not None:
            since = _aware(row.acquired_at)
            if now - since < stale_after and not holder_is_dead(row.holder):
                return None, (row.holder, since)
            conn.execute(delete(run_lock).where(run_lock.c.name == name, run_lock.c.holder == row.holder))
            broke = row.holder
        try:
            with conn.begin_nested():
                conn.execute(insert(run_lock).values(name=name, holder=holder, acquired_at=now))
        except IntegrityError:  # another process inserted it between our select and insert
            other = conn.execute(select(run_lock.c.holder, run_lock.c.acquired_at)
                                 .where(run_lock.c.name == name)).first()
            return None, ((other.holder, _aware(other.acquired_at)) if other is not None else ("?", now))
        return Lock(name, holder, now, broke), None


def describe(holder: str, since: dt.datetime, tz: str | None) -> str:
    """'2026-11-23 08:30:02 (Asia/Shanghai) by host:pid:token'."""
    when = since.astimezone(ZoneInfo(tz)) if tz else since
    zone = tz or "UTC"
    return f"{when.replace(microsecond=0).strftime('%Y-%m-%d %H:%M:%S')} ({zone}) by {holder}"


def acquire(engine: Engine, *, name: str = WEEKLY, wait: float = 0.0, poll: float = 0.5,
            stale_after: dt.timedelta = STALE_AFTER, tz: str | None = None,
            holder: str | None = None) -> Lock:
    """Take the lock, waiting up to `wait` seconds for a running holder to finish; RunLocked
    ("another weekly run started at … is in progress") when it is still held."""
    holder = holder or holder_token()
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        lock, other = _try_acquire(engine, name, holder, stale_after, utcnow())
        if lock is not None:
            return lock
        assert other is not None
        if time.monotonic() >= deadline:
            waited = f" (waited {wait:g} s)" if wait > 0 else ""
            raise RunLocked("run-locked", f"another weekly run started at {describe(*other, tz)} is in "
                            f"progress{waited}; try again when it has finished (a lock older than "
                            f"{stale_after} is broken automatically)")
        time.sleep(min(poll, max(deadline - time.monotonic(), 0.01)))


def release(engine: Engine, lock: Lock) -> bool:
    """Give the lock back; False when it was no longer ours (broken as stale meanwhile)."""
    with transaction(engine) as conn:
        res = conn.execute(delete(run_lock).where(run_lock.c.name == lock.name,
                                                  run_lock.c.holder == lock.holder))
        return bool(res.rowcount)


def current_holder(engine: Engine, name: str = WEEKLY) -> tuple[str, dt.datetime] | None:
    """Who holds the lock and since when (None when free)."""
    with reading(engine) as conn:
        row = conn.execute(select(run_lock.c.holder, run_lock.c.acquired_at)
                           .where(run_lock.c.name == name)).first()
    return None if row is None else (row.holder, _aware(row.acquired_at))


@contextmanager
def held(engine: Engine, *, name: str = WEEKLY, wait: float = 0.0, stale_after: dt.timedelta = STALE_AFTER,
         tz: str | None = None) -> Iterator[Lock]:
    """`with held(engine): ...` takes the lock and always gives it back."""
    lock = acquire(engine, name=name, wait=wait, stale_after=stale_after, tz=tz)
    try:
        yield lock
    finally:
        release(engine, lock)
