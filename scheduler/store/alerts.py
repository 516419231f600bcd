"""The alert queue (the `alerts` table): queued inside the weekly run's transaction and idempotent
(UNIQUE(portfolio, week, finding_key, channel, address) plus INSERT ... ON CONFLICT DO NOTHING, so
re-running a week never alerts twice); an attempt is claimed by a compare-and-set UPDATE (status pending,
same attempt count, due), so two processes never send the same attempt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select, update

from scheduler.core.alerts import COPY, DIGEST, Alert, Names
from scheduler.core.findings import Finding
from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.store.db import alerts as alerts_t
from scheduler.store.db import factors as factors_t
from scheduler.store.db import insert_rows, reading, transaction, utcnow
from scheduler.store.db import milestones as milestones_t
from scheduler.store.db import projects as projects_t


def utc(when: dt.datetime) -> dt.datetime:
    """A timezone-aware UTC datetime (naive ones are taken as UTC, as the database stores them)."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def aware(when: dt.datetime | None) -> dt.datetime | None:
    """utc() of a nullable timestamp."""
    return None if when is None else utc(when)


def alert_from_row(row: Any) -> Alert:
    """An Alert from a row of the `alerts` table (timestamps made timezone-aware UTC)."""
    m = row._mapping
    return Alert(
        week=m["week"], finding_key=m["finding_key"], unit=m["unit"], channel=m["channel"],
        address=m["address"], subject=m["subject"], body=m["body"], status=m["status"],
        attempts=m["attempts"], next_attempt_at=aware(m["next_attempt_at"]),
        last_error=m["last_error"], created_at=aware(m["created_at"]),
        delivered_at=aware(m["delivered_at"]), run_id=m["run_id"], id=m["id"], attachment=m["attachment"],
    )


def _pairs_in(conn: Connection, table: Any, cols: tuple[str, ...], pairs: set[tuple[str, str]],
              size: int = 2_000) -> list[tuple[Any, ...]]:
    """`cols` of the rows of `table` whose (project_id, id) is one of `pairs`: a join with a chunk
    of pairs as a VALUES CTE, one primary-key lookup per pair (a row-value IN scans the whole
    table on SQLite; SQLAlchemy's values() construct costs more to compile than the query)."""
    q = conn.dialect.identifier_preparer
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    name = q.format_table(table)
    keys = sorted(pairs)
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(keys), size):
        chunk = keys[i:i + size]
        sql = (f"WITH wanted (p, i) AS (VALUES {', '.join(f'({mark}, {mark})' for _ in chunk)}) "
               f"SELECT {', '.join(f'{name}.{q.quote(c)}' for c in cols)} FROM wanted JOIN {name} "
               f"ON {name}.project_id = wanted.p AND {name}.id = wanted.i")
        out.extend(conn.exec_driver_sql(sql, tuple(v for pair in chunk for v in pair)).all())
    return out


def names_for(conn: Connection, findings: Sequence[Finding]) -> Names:
    """Project, milestone and factor names the findings mention, from the loaded portfolio (only
    the milestones and factors named by a finding, not every one of their projects)."""
    return names_of(conn, {f.project for f in findings}, {(f.project, f.milestone) for f in findings if f.milestone},
                    {(f.project, f.factor) for f in findings if f.factor})


def names_of(conn: Connection, projects: Iterable[str], milestones: set[tuple[str, str]],
             factors: set[tuple[str, str]]) -> Names:
    """The names of these projects, (project, milestone) and (project, factor) pairs from the loaded
    portfolio (a factor without a name: its kind); only those rows are read."""
    ids = sorted(set(projects))
    if not ids:
        return Names()
    prj = {r.id: r.name for r in conn.execute(select(projects_t.c.id, projects_t.c.name)
                                                .where(projects_t.c.id.in_(ids)))}
    ms = {(r[0], r[1]): r[2] for r in _pairs_in(conn, milestones_t, ("project_id", "id", "name"), milestones)}
    fs = {(r[0], r[1]): r[2] or r[3] for r in _pairs_in(conn, factors_t, ("project_id", "id", "name", "kind"),
                                                        factors)}
    return Names(prj, ms, fs)


ALERT_COLUMNS = ("run_id", "week", "finding_key", "unit", "channel", "address", "subject", "body", "status",
                 "attempts", "next_attempt_at", "last_error", "created_at", "delivered_at", "attachment",
                 "portfolio")
"""The columns of an `alerts` row written when it is queued (the id is the database's)."""


def alert_values(a: Alert, portfolio: str = DEFAULT_PORTFOLIO) -> tuple[Any, ...]:
    """The ALERT_COLUMNS of an Alert of `portfolio`, in order."""
    return (a.run_id, a.week, a.finding_key, a.unit, a.channel, a.address, a.subject, a.body, a.status,
            a.attempts, a.next_attempt_at, a.last_error, a.created_at, a.delivered_at, a.attachment, portfolio)


def insert_alerts(conn: Connection, alerts: Iterable[Alert], portfolio: str = DEFAULT_PORTFOLIO) -> int:
    """Queue the portfolio's alerts inside the caller's transaction, skipping any already queued
    (INSERT ... ON CONFLICT DO NOTHING on the delivery key, one executemany of plain tuples);
    returns how many rows were added (a re-run of the week adds none)."""
    return insert_rows(conn, alerts_t, (alert_values(a, portfolio) for a in alerts), columns=ALERT_COLUMNS,
                       skip_duplicates_of=("portfolio", "week", "finding_key", "channel", "address"))


def rekey_legacy(conn: Connection, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> int:
    """Give the week's digests and escalation copies queued under the old shared keys ('digest',
    'escalation-copy', before the keys named the unit) their unit's key, inside the caller's
    transaction, so queueing the week again skips what was sent and adds only what the old key
    had lost (a second unit on the same address); returns how many rows were re-keyed."""
    c = alerts_t.c
    res = conn.execute(update(alerts_t).where(
        c.portfolio == portfolio, c.week == week, c.finding_key.in_((DIGEST, COPY))
    ).values(finding_key=c.finding_key + "/" + c.unit))
    return res.rowcount or 0


def claim(engine: Engine, alert: Alert, now: dt.datetime, retry_at: dt.datetime) -> bool:
    """Take this attempt: attempts+1 and the next retry time, only if the row is still pending, due,
    and nobody else counted an attempt since we read it (`retry_at`: when to try again)."""
    c = alerts_t.c
    attempts = alert.attempts + 1
    with transaction(engine) as conn:
        res = conn.execute(update(alerts_t).where(and_(
            c.id == alert.id, c.status == "pending", c.attempts == alert.attempts,
            or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
        )).values(attempts=attempts, next_attempt_at=retry_at))
        return res.rowcount == 1


def finish(engine: Engine, alert: Alert, now: dt.datetime, *, ok: bool, note: str | None,
            give_up: bool, written: bool = False) -> None:
    """Record the claimed attempt's outcome (delivered once, or `written` to the outbox folder only,
    or the error and maybe failed)."""
    c = alerts_t.c
    values: dict[str, Any] = {"last_error": note}
    if ok:
        values.update(status="written" if written else "delivered", delivered_at=now, next_attempt_at=None)
    elif give_up:
        values.update(status="failed", next_attempt_at=None)
    with transaction(engine) as conn:
        conn.execute(update(alerts_t).where(and_(
            c.id == alert.id, c.status == "pending", c.attempts == alert.attempts + 1)).values(values))


def due_alerts(engine: Engine, now: dt.datetime, portfolio: str = DEFAULT_PORTFOLIO) -> list[Alert]:
    """The portfolio's pending alerts whose next attempt is due, oldest first."""
    c = alerts_t.c
    with reading(engine) as conn:
        rows = conn.execute(select(alerts_t).where(and_(
            c.status == "pending", c.portfolio == portfolio, or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
        )).order_by(c.id))
        return [alert_from_row(r) for r in rows]


def retry_failed(engine: Engine, *, now: dt.datetime | None = None, week: str | None = None,
                 portfolio: str = DEFAULT_PORTFOLIO) -> int:
    """Put the portfolio's failed alerts back to pending with a fresh set of attempts, due now;
    returns how many."""
    c = alerts_t.c
    cond = and_(c.status == "failed", c.portfolio == portfolio)
    if week:
        cond = and_(cond, c.week == week)
    with transaction(engine) as conn:
        res = conn.execute(update(alerts_t).where(cond).values(
            status="pending", attempts=0, next_attempt_at=utc(now or utcnow())))
        return res.rowcount or 0


def list_alerts(engine: Engine, *, status: str | None = None, week: str | None = None,
                portfolio: str = DEFAULT_PORTFOLIO) -> list[Alert]:
    """The portfolio's alerts in the queue, newest week first, optionally of one status and/or week."""
    c = alerts_t.c
    q = select(alerts_t).where(c.portfolio == portfolio)
    if status:
        q = q.where(c.status == status)
    if week:
        q = q.where(c.week == week)
    with reading(engine) as conn:
        return [alert_from_row(r) for r in conn.execute(q.order_by(c.week.desc(), c.id))]
