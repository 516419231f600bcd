"""Weekly runs in the database: one current run per ISO week (an earlier run of the week is kept,
not current), its findings, and the previous run whose findings are the next run's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from scheduler.core.check import CheckResult
from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.errors import NotFound
from scheduler.store.db import findings as findings_t
from scheduler.store.db import insert_rows, reading, utcnow
from scheduler.store.db import runs as runs_t


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A stored run."""

    id: int
    week: str
    data_date: dt.date
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    status: str
    current: bool
    inputs: dict[str, Any]
    summary: dict[str, Any] | None


# -- findings as rows ------------------------------------------------------------------------------


FINDING_COLUMNS = ("key", "project_id", "milestone_id", "factor_id", "factor_kind", "kind", "light", "unit",
                   "days", "first_seen", "weeks_red", "details")
"""The columns of a `findings` row that come from the Finding (run_id and seq come from the run)."""


def finding_values(f: Finding) -> tuple[Any, ...]:
    """The FINDING_COLUMNS of a Finding, in order."""
    return (f.key, f.project, f.milestone, f.factor, f.factor_kind, f.kind.value, f.light.value, f.unit, f.days,
            f.first_seen or "", f.weeks_red, dict(f.details))


def finding_from_row(r: Any) -> Finding:
    """A Finding back from a `findings` row."""
    return Finding(project=r.project_id, kind=FindingKind(r.kind), light=Light(r.light), unit=r.unit,
                   milestone=r.milestone_id, factor=r.factor_id, factor_kind=r.factor_kind,
                   days=r.days, first_seen=r.first_seen or None, weeks_red=int(r.weeks_red),
                   details=dict(r.details or {}))


def _run_info(r: Any) -> RunInfo:
    return RunInfo(int(r.id), r.week, r.data_date, r.started_at, r.finished_at, r.status, bool(r.current),
                   dict(r.inputs or {}), dict(r.summary) if r.summary is not None else None)


def run_findings(conn: Connection, run_id: int) -> list[Finding]:
    """The findings of a stored run, in their order."""
    rows = conn.execute(select(findings_t).where(findings_t.c.run_id == run_id).order_by(findings_t.c.seq))
    return [finding_from_row(r) for r in rows]


def carried_of_week(conn: Connection, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> list[Finding]:
    """The findings of the portfolio's current run of `week` that were carried because their unit
    did not report (details.stale, core/reporting.py), in their order; only those rows are read."""
    run = select(runs_t.c.id).where(runs_t.c.current, runs_t.c.week == week, runs_t.c.portfolio == portfolio)
    rows = conn.execute(select(findings_t).where(findings_t.c.run_id.in_(run.scalar_subquery()),
                                                 findings_t.c.details["stale"].as_boolean())
                        .order_by(findings_t.c.seq))
    return [finding_from_row(r) for r in rows]


def previous_run(conn: Connection, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> RunInfo | None:
    """The portfolio's latest current run of a week before `week` (its findings are the history)."""
    r = conn.execute(select(runs_t).where(runs_t.c.current, runs_t.c.week < week, runs_t.c.portfolio == portfolio)
                     .order_by(runs_t.c.week.desc(), runs_t.c.id.desc()).limit(1)).first()
    return None if r is None else _run_info(r)


def history_of(findings: Sequence[Finding]) -> dict[str, tuple[str, int]]:
    """The check's history input from the previous run's findings: key -> (first_seen, weeks_red)."""
    return {f.key: (f.first_seen or "", f.weeks_red) for f in findings}


def read_run(source: Engine | Connection, week: str | None = None, *,
             portfolio: str = DEFAULT_PORTFOLIO) -> tuple[RunInfo, list[Finding]]:
    """The portfolio's current run of `week` (default: the latest week run) and its findings;
    NotFound when there is none."""
    def go(conn: Connection) -> tuple[RunInfo, list[Finding]]:
        stmt = select(runs_t).where(runs_t.c.current, runs_t.c.portfolio == portfolio)
        if week is not None:
            stmt = stmt.where(runs_t.c.week == week)
        r = conn.execute(stmt.order_by(runs_t.c.week.desc(), runs_t.c.id.desc()).limit(1)).first()
        if r is None:
            raise NotFound("no-run", f"no weekly run of {week} is stored (dispatch run)" if week else
                           "no weekly run is stored yet (dispatch run)",
                           params={"week": week} if week else {"case": "none"})
        info = _run_info(r)
        return info, run_findings(conn, info.id)

    if isinstance(source, Connection):
        return go(source)
    with reading(source) as conn:
        return go(conn)


def list_runs(source: Engine, week: str | None = None, *, portfolio: str = DEFAULT_PORTFOLIO) -> list[RunInfo]:
    """Every run of the portfolio (all weeks or one), oldest first: the history, current or not."""
    stmt = select(runs_t).where(runs_t.c.portfolio == portfolio).order_by(runs_t.c.week, runs_t.c.id)
    if week is not None:
        stmt = stmt.where(runs_t.c.week == week)
    with reading(source) as conn:
        return [_run_info(r) for r in conn.execute(stmt)]




def store_run(conn: Connection, check: CheckResult, inputs: dict[str, Any], started: dt.datetime,
              portfolio: str = DEFAULT_PORTFOLIO) -> tuple[int, tuple[int, ...]]:
    """Inside the caller's transaction: retire the portfolio's earlier current runs of the week,
    insert the run and its findings. Returns the new run's id and the retired ones."""
    old = tuple(int(x) for x in conn.scalars(select(runs_t.c.id).where(runs_t.c.week == check.week,
                                                                       runs_t.c.current,
                                                                       runs_t.c.portfolio == portfolio)))
    if old:
        conn.execute(update(runs_t).where(runs_t.c.id.in_(old)).values(current=False))
    res = conn.execute(insert(runs_t).values(
        portfolio=portfolio, week=check.week, data_date=check.data_date, started_at=started, finished_at=utcnow(),
        status="complete", inputs=inputs, current=True, summary=check.summary.to_json()))
    pk = res.inserted_primary_key
    assert pk is not None
    run_id = int(pk[0])
    insert_rows(conn, findings_t, ((run_id, seq, *finding_values(f)) for seq, f in enumerate(check.findings)),
                columns=("run_id", "seq", *FINDING_COLUMNS))
    return run_id, old


def issue_number(source: Engine | Connection, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> int:
    """The brief's number in its year (第N期): the weeks of that year with a current run of the
    portfolio, up to and including `week` (a week run again keeps its number)."""
    year = week[:4]
    with reading(source) as conn:
        weeks = set(conn.scalars(select(runs_t.c.week).where(runs_t.c.current, runs_t.c.portfolio == portfolio,
                                                             runs_t.c.week <= week,
                                                             runs_t.c.week >= f"{year}-W00")))
    return len(weeks | {week})
