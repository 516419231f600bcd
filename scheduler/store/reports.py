"""Weekly reports in the database: each ingested file is the next version of its unit and week;
the latest version of each is what a run applies."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, and_, func, insert, select

from scheduler.core.findings import iso_week
from scheduler.core.model import DEFAULT_PORTFOLIO, FactorStatus, Stage, StatsStatus
from scheduler.core.reporting import Received
from scheduler.core.reports import ReportRow, WeeklyReport
from scheduler.store.db import reading, report_rows, utcnow, weekly_reports


class ReportFile(Protocol):
    """What storing needs of a read report file (io.reports.ParsedReport has it)."""

    @property
    def path(self) -> Path: ...
    @property
    def digest(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def week(self) -> str: ...
    @property
    def rows(self) -> Sequence[ReportRow]: ...


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What ingesting one file did."""

    path: Path
    report_id: int
    unit: str
    week: str
    version: int
    rows: int
    unchanged: bool = False


def _row_dict(report_id: int, seq: int, row: ReportRow) -> dict[str, Any]:
    return {"report_id": report_id, "seq": seq, "project_id": row.project, "item_kind": row.item_kind,
            "item_id": row.item_id, "actual_start": row.actual_start, "actual_finish": row.actual_finish,
            "percent": row.percent, "investment_week": row.investment_week,
            "factor_status": row.factor_status.value if row.factor_status else None,
            "expected": row.expected, "blocker": row.blocker, "approved": row.approved,
            "issued_week": row.issued_week, "received_week": row.received_week, "paid_week": row.paid_week,
            "quantity_done": row.quantity_done, "stage": row.stage.value if row.stage else None,
            "statistics": row.statistics.value if row.statistics else None,
            "statistics_date": row.statistics_date, "commenced": row.commenced}


def _row_of(x: Any) -> ReportRow:
    """A stored report row as the core's value."""
    return ReportRow(x.project_id, x.item_kind, x.item_id, x.actual_start, x.actual_finish, x.percent,
                     x.investment_week, FactorStatus(x.factor_status) if x.factor_status else None,
                     x.expected, x.blocker, x.approved, issued_week=x.issued_week, received_week=x.received_week,
                     paid_week=x.paid_week, quantity_done=x.quantity_done,
                     stage=Stage(x.stage) if x.stage else None,
                     statistics=StatsStatus(x.statistics) if x.statistics else None,
                     statistics_date=x.statistics_date, commenced=x.commenced)


def _lock_unit_week(conn: Connection, unit: str, week: str, portfolio: str) -> None:
    """Serialize the versioning of one (unit, week) until the caller's transaction ends: two files
    of the same unit ingested at once would both read version n and one insert of n+1 would fail.
    PostgreSQL: a transaction-scoped advisory lock; SQLite's BEGIN IMMEDIATE already serializes."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"weekly_reports:{portfolio}:{unit}:{week}".encode()).digest()[:8], "big",
                             signed=True)
        conn.execute(select(func.pg_advisory_xact_lock(key)))


def store_report(conn: Connection, report: ReportFile, *, now: dt.datetime | None = None,
                 portfolio: str = DEFAULT_PORTFOLIO) -> IngestResult:
    """Insert a validated report as the next version of its unit and week in the portfolio (inside
    the caller's transaction); the same file as the latest version again stores nothing."""
    _lock_unit_week(conn, report.unit, report.week, portfolio)
    wr = weekly_reports.c
    latest = conn.execute(select(wr.id, wr.version, wr.digest)
                          .where(wr.unit == report.unit, wr.week == report.week, wr.portfolio == portfolio)
                          .order_by(wr.version.desc()).limit(1)).first()
    kept = [row for row in report.rows if row.has_values]
    if latest is not None and latest.digest == report.digest:
        return IngestResult(report.path, int(latest.id), report.unit, report.week, int(latest.version),
                            len(kept), unchanged=True)
    version = int(latest.version) + 1 if latest is not None else 1
    res = conn.execute(insert(weekly_reports).values(
        portfolio=portfolio, unit=report.unit, week=report.week, version=version, filename=report.path.name,
        digest=report.digest, received_at=now or utcnow()))
    pk = res.inserted_primary_key
    assert pk is not None
    rid = int(pk[0])
    if kept:
        conn.execute(insert(report_rows), [_row_dict(rid, i, row) for i, row in enumerate(kept)])
    return IngestResult(report.path, rid, report.unit, report.week, version, len(kept))


def load_reports(source: Engine | Connection, *, up_to: dt.date | None = None, week_max: str | None = None,
                 exclude: tuple[str, str] | None = None, portfolio: str = DEFAULT_PORTFOLIO,
                 projects: Collection[str] | None = None) -> list[WeeklyReport]:
    """The latest version of every unit's report for each week (weeks whose Monday is on or before
    `up_to`, or up to ISO `week_max`; `exclude` = (unit, week) left out), ordered by week and
    unit: the order they are applied in. With `projects`, only the rows about those projects (what
    applying the reports to them needs)."""
    wr = weekly_reports.c
    limit = week_max if week_max is not None else (iso_week(up_to) if up_to is not None else None)
    latest = (select(wr.unit, wr.week, func.max(wr.version).label("version")).where(wr.portfolio == portfolio)
              .group_by(wr.unit, wr.week))
    if limit is not None:
        latest = latest.where(wr.week <= limit)
    sub = latest.subquery()
    stmt = (select(weekly_reports).join(sub, and_(wr.unit == sub.c.unit, wr.week == sub.c.week,
                                                  wr.version == sub.c.version))
            .where(wr.portfolio == portfolio)
            .order_by(wr.week, wr.unit))
    with reading(source) as conn:
        heads = [h for h in conn.execute(stmt) if exclude is None or (h.unit, h.week) != tuple(exclude)]
        rows: dict[int, list[ReportRow]] = {h.id: [] for h in heads}
        if heads:
            rr = report_rows.c
            ids = list(rows)
            about = select(report_rows) if projects is None else select(report_rows).where(
                rr.project_id.in_(sorted(projects)))
            for i in range(0, len(ids), 500):
                for x in conn.execute(about.where(rr.report_id.in_(ids[i:i + 500]))
                                      .order_by(rr.report_id, rr.seq)):
                    rows[x.report_id].append(_row_of(x))
    # weeks sort as text ('2026-W09' < '2026-W48'); units by code point
    heads.sort(key=lambda h: (h.week, h.unit))
    return [WeeklyReport(h.id, h.unit, h.week, h.version, h.filename, h.digest, h.received_at,
                         tuple(rows[h.id])) for h in heads]




def received_for_week(source: Engine | Connection, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> list[Received]:
    """Each unit's report of `week` in the portfolio as stored: when its first version arrived (what
    on time or late is judged by), its latest version and when that arrived."""
    wr = weekly_reports.c
    stmt = (select(wr.unit, func.min(wr.received_at).label("first_at"), func.max(wr.version).label("version"),
                   func.max(wr.received_at).label("latest_at"))
            .where(wr.week == week, wr.portfolio == portfolio).group_by(wr.unit).order_by(wr.unit))
    with reading(source) as conn:
        return [Received(r.unit, _aware(r.first_at), int(r.version), _aware(r.latest_at))
                for r in conn.execute(stmt)]


def _aware(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when
