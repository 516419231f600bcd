"""A cross-process lock for the weekly run, held as a row of the `run_lock` table.

Taking it is an insert-if-absent in its own short transaction (so it works across processes and
machines sharing a database, SQLite or PostgreSQL); releasing deletes the row only if it is still
ours (a unique holder token). A second run refuses with RunLocked, or waits up to `wait` seconds.

SQLite: a lock older than `stale_after`, or held by a process of this host that no longer runs (a
run killed half-way), is taken to be left over by a crashed run and is broken.

PostgreSQL (several app hosts share one server): the holder also keeps a session-level advisory
lock (key: a stable hash of the lock's name) on a connection of its own, open for the whole run.
The server frees it the moment that session ends (process killed, host gone), so the advisory lock
decides: a row whose advisory lock is free is left over and is taken over at once, whatever host
wrote it; a row whose advisory lock is held is a live run, never broken by age. The row stays the
readable record (who holds it, since when)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.errors import RunLocked, StorageError
from scheduler.store.db import db_error_line, db_params, reading, run_lock, transaction, utcnow

WEEKLY = "weekly-run"
STALE_AFTER = dt.timedelta(hours=6)


def lock_name(portfolio: str) -> str:
    """The weekly-run lock of a portfolio: each county's run waits only for its own."""
    return WEEKLY if portfolio == DEFAULT_PORTFOLIO else f"{WEEKLY}:{portfolio}"


"""A weekly run takes seconds to minutes; a lock this old belongs to a run that died (SQLite)."""
DEAD_GRACE = 5.0
"""PostgreSQL: seconds to wait for the server to end the session of a holder of this host seen dead
(the backend notices its client gone a moment after the kill)."""
SESSION_KEEPALIVE = {"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"}
"""Set on the lock's session: a host that vanishes without closing its connection (power loss, the
network gone) is noticed by the server in about a minute, not the OS default of two hours."""


@dataclass(frozen=True, slots=True)
class Lock:
    """A lock we hold: its name, our holder token, when we took it, and whom we broke (if any)."""

    name: str
    holder: str
    acquired_at: dt.datetime
    broke: str | None = None
    session: Connection | None = field(default=None, repr=False, compare=False)
    """PostgreSQL: the connection holding the advisory lock until release (None on SQLite)."""


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


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key of lock `name`: a stable signed 64-bit hash of the name."""
    return int.from_bytes(hashlib.sha256(f"run_lock:{name}".encode()).digest()[:8], "big", signed=True)


def _open_session(engine: Engine) -> Connection:
    """A connection of its own for the advisory lock: out of the pool (closing it ends the session,
    and a pooled connection never keeps the lock), autocommit (never idle in a transaction for the
    whole run), with short TCP keepalives."""
    try:
        conn = engine.connect()
    except OperationalError as e:
        raise StorageError("database-unreachable", f"database unreachable: {db_error_line(e)}",
                           params=db_params(e)) from None
    try:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.detach()
        for setting, value in SESSION_KEEPALIVE.items():
            conn.execute(select(func.set_config(setting, value, False)))
    except BaseException as e:
        conn.close()
        if isinstance(e, SQLAlchemyError):
            raise StorageError("database-unreachable", f"database unreachable: {db_error_line(e)}",
                           params=db_params(e)) from None
        raise
    return conn


def _advisory(session: Connection, call: Any) -> bool:
    """pg_try_advisory_lock / pg_advisory_unlock on the lock's session (True: taken / given back)."""
    try:
        return bool(session.scalar(select(call)))
    except SQLAlchemyError as e:
        raise StorageError("database-unreachable", f"database unreachable: {db_error_line(e)}",
                           params=db_params(e)) from None


def _end_session(session: Connection, key: int, *, unlock: bool) -> None:
    """Close the lock's session, unlocking first when we hold the advisory lock (the unlock is
    synchronous, a close is not: a run started right after ours must find it free). A session the
    server already ended holds nothing: its errors are ignored."""
    try:
        if unlock:
            session.scalar(select(func.pg_advisory_unlock(key)))
    except SQLAlchemyError:
        pass
    finally:
        try:
            session.close()
        except SQLAlchemyError:
            pass


def _try_acquire(engine: Engine, name: str, holder: str, stale_after: dt.timedelta,
                 now: dt.datetime, *, left_over: bool = False
                 ) -> tuple[Lock | None, tuple[str, dt.datetime] | None]:
    """One short transaction: take the lock if free or stale (`left_over`: we hold its advisory
    lock, so any row is a dead holder's). Returns (lock, None) on success, (None, (holder,
    acquired_at)) of the current holder otherwise."""
    with transaction(engine) as conn:
        row = conn.execute(select(run_lock.c.holder, run_lock.c.acquired_at)
                           .where(run_lock.c.name == name)).first()
        broke = None
        if row is not None:
            since = _aware(row.acquired_at)
            if not left_over and now - since < stale_after and not holder_is_dead(row.holder):
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
    ("another weekly run started at … is in progress") when it is still held. On PostgreSQL the
    returned Lock keeps its session open until `release`."""
    holder = holder or holder_token()
    deadline = time.monotonic() + max(wait, 0.0)
    session = _open_session(engine) if engine.dialect.name == "postgresql" else None
    key = advisory_key(name)
    locked = graced = False  # locked: we hold the advisory lock on `session`
    try:
        while True:
            now = utcnow()
            if session is None:
                lock, other = _try_acquire(engine, name, holder, stale_after, now)
            elif (locked := _advisory(session, func.pg_try_advisory_lock(key))):
                lock, other = _try_acquire(engine, name, holder, stale_after, now, left_over=True)
                if lock is not None:
                    lock, session = replace(lock, session=session), None  # release() ends it
                else:  # the row is held by a writer without the advisory lock: not ours either
                    locked = not _advisory(session, func.pg_advisory_unlock(key))
            else:
                lock, other = None, current_holder(engine, name) or ("?", now)
                if not graced and holder_is_dead(other[0]):
                    graced, deadline = True, max(deadline, time.monotonic() + DEAD_GRACE)
            if lock is not None:
                return lock
            assert other is not None
            if time.monotonic() >= deadline:
                waited = f" (waited {wait:g} s)" if wait > 0 else ""
                freed = ("the lock is freed as soon as that run's process ends or its host goes away"
                         if session is not None else f"a lock older than {stale_after} is broken automatically")
                raise RunLocked("run-locked", f"another weekly run started at {describe(*other, tz)} is in "
                                f"progress{waited}; try again when it has finished ({freed})",
                                params={"started": describe(*other, tz),
                                        "waited": f"（已等待 {wait:g} 秒）" if wait > 0 else "",
                                        "freed": "那次运行的进程结束或其主机离线时，锁即释放" if session is not None
                                        else f"超过 {stale_after} 的锁会被自动解除"})
            time.sleep(min(poll, max(deadline - time.monotonic(), 0.01)))
    finally:
        if session is not None:
            _end_session(session, key, unlock=locked)


def release(engine: Engine, lock: Lock) -> bool:
    """Give the lock back; False when it was no longer ours (broken as stale meanwhile). The row
    goes first, then the advisory lock (PostgreSQL), so nobody takes our live row for a dead one."""
    try:
        with transaction(engine) as conn:
            res = conn.execute(delete(run_lock).where(run_lock.c.name == lock.name,
                                                      run_lock.c.holder == lock.holder))
            return bool(res.rowcount)
    finally:
        if lock.session is not None:
            _end_session(lock.session, advisory_key(lock.name), unlock=True)


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
