"""Weekly runs in the database: one current run per ISO week (an earlier run of the week is kept,
not current), its findings, and the previous run whose findings are the next run's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import compress
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    func,
    insert,
    select,
    true,
    update,
)

from scheduler.core.check import CheckResult
from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.errors import NotFound
from scheduler.store.columns import KEY, Col, read_columns
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


@dataclass(frozen=True, slots=True)
class RunRef:
    """A stored run named by its id and week: what walking week after week needs (a RunInfo is
    one too), without its inputs and summary (the summary names every finding's key)."""

    id: int
    week: str


# -- findings as rows ------------------------------------------------------------------------------


FINDING_COLUMNS = ("key", "project_id", "milestone_id", "factor_id", "factor_kind", "kind", "light", "unit",
                   "days", "details")
"""The columns of a `findings` row that come from the Finding (run_id and seq come from the run;
first_seen and weeks_red are not stored: `finding_history` derives them from the runs)."""


def finding_values(f: Finding) -> tuple[Any, ...]:
    """The FINDING_COLUMNS of a Finding, in order (its details as they are: the JSON column only
    reads them)."""
    return (f.key, f.project, f.milestone, f.factor, f.factor_kind, f.kind.value, f.light.value, f.unit, f.days,
            f.details)


def finding_from_row(r: Any, history: tuple[str, int] | None = None) -> Finding:
    """A Finding back from a `findings` row, with its `finding_history` (first seen, weeks red)."""
    first, red = history if history is not None else (None, 0)
    return Finding(project=r.project_id, kind=FindingKind(r.kind), light=Light(r.light), unit=r.unit,
                   milestone=r.milestone_id, factor=r.factor_id, factor_kind=r.factor_kind,
                   days=r.days, first_seen=first or None, weeks_red=red, details=dict(r.details or {}))


# -- history over the runs, derived --------------------------------------------------------------


def _counted() -> ColumnElement[bool]:
    """The runs week-after-week history counts: the current run of each week, complete."""
    return and_(runs_t.c.current, runs_t.c.status == "complete")


def runs_in_order(portfolio: str | None = None) -> Any:
    """The current runs (one per week run of a portfolio), each with the portfolio's current run
    before it (`prev_id`, `prev_week`; lag in week order): THE order "week after week" follows."""
    r = runs_t.c
    stmt = select(r.id, r.week, func.lag(r.id).over(partition_by=r.portfolio, order_by=r.week).label("prev_id"),
                  func.lag(r.week).over(partition_by=r.portfolio, order_by=r.week).label("prev_week")
                  ).where(_counted())
    if portfolio is not None:
        stmt = stmt.where(r.portfolio == portfolio)
    return stmt.cte("runs_in_order")


def runs_before(week: str, portfolio: str | ColumnElement[str]) -> Select[Any]:
    """The portfolio's current runs of the weeks before `week`, latest first (pick the columns with
    `with_only_columns`): the first is THE previous run, whose findings are the next run's history."""
    r = runs_t.c
    return select(runs_t).where(_counted(), r.week < week, r.portfolio == portfolio).order_by(r.week.desc(),
                                                                                                 r.id.desc())


def latest_run_week(conn: Connection, portfolio: str) -> str | None:
    """The latest week of the portfolio's counted runs (current, complete), or None: the week its
    problems' stored state is as of (store.problems.save_week)."""
    week = conn.scalar(select(func.max(runs_t.c.week)).where(_counted(), runs_t.c.portfolio == portfolio))
    return None if week is None else str(week)


def finding_history(conn: Connection, run: RunRef | RunInfo, *seeds: Any) -> dict[str, tuple[str, int]]:
    """First seen and weeks red of the findings of `run` (those picked by `seeds`, conditions on
    `findings`, else all), by key, derived from the stored runs, never carried: walking back run
    by run from its week over the portfolio's current runs of earlier weeks, first_seen is the
    week of the earliest run of the unbroken series that found the key, weeks_red how many of
    the latest of them found it red. A week nobody ran neither counts nor breaks; re-running an
    earlier week, or running a skipped one late, changes the later weeks' at once. Each run
    walked is read once, as sets of keys (found, red), until no key's series goes further back:
    the cost is the weeks walked, not the history stored."""
    f, r = findings_t.c, runs_t.c
    keys, lights = read_columns(conn, findings_t, _KEY_LIGHT, and_(f.run_id == run.id, *seeds))
    first = dict.fromkeys(keys, run.week)
    alive = set(first)  # the keys whose series reaches back to the week walked
    red = _red(keys, lights)  # the keys found red in every week walked
    weeks_red, streak = dict.fromkeys(red, 1), 1
    portfolio = select(r.portfolio).where(r.id == run.id).scalar_subquery()
    for prev_id, week in conn.execute(runs_before(run.week, portfolio).with_only_columns(r.id, r.week)).all():
        if not alive:
            break
        few = f.key.in_(sorted(alive)) if len(alive) <= _FEW else true()  # looked up by key, not the whole run
        keys, lights = read_columns(conn, findings_t, _KEY_LIGHT, and_(f.run_id == prev_id, few))
        alive.intersection_update(keys)
        first.update(dict.fromkeys(alive, week))
        if red:
            red &= _red(keys, lights)
            streak += 1
            weeks_red.update(dict.fromkeys(red, streak))
    return {key: (week, weeks_red.get(key, 0)) for key, week in first.items()}


_KEY_LIGHT = (Col(findings_t.c.key, KEY), Col(findings_t.c.light, KEY))
_FEW = 1_000
"""Up to this many keys still walked, a run's findings are looked up by key (ix_findings_key_run)."""


def _red(keys: list[str], lights: list[str]) -> set[str]:
    return set(compress(keys, map(_RED.__eq__, lights)))


_RED = Light.RED.value


def _run_info(r: Any) -> RunInfo:
    return RunInfo(int(r.id), r.week, r.data_date, r.started_at, r.finished_at, r.status, bool(r.current),
                   dict(r.inputs or {}), dict(r.summary) if r.summary is not None else None)


def run_findings(conn: Connection, run: RunRef | RunInfo, *seeds: Any,
                 history: dict[str, tuple[str, int]] | None = None) -> list[Finding]:
    """The findings of a stored run (those picked by `seeds`, conditions on `findings`, else all),
    in their order, with their history (`finding_history`, unless the caller has it already)."""
    rows = conn.execute(select(findings_t).where(findings_t.c.run_id == run.id, *seeds)
                        .order_by(findings_t.c.seq)).all()
    if history is None:
        history = finding_history(conn, run, *seeds) if rows else {}
    return [finding_from_row(r, history.get(r.key)) for r in rows]


def carried_of_week(conn: Connection, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> list[Finding]:
    """The findings of the portfolio's current run of `week` that were carried because their unit
    did not report (details.stale, core/reporting.py), in their order; only those rows are read."""
    r = conn.execute(select(runs_t).where(runs_t.c.current, runs_t.c.week == week,
                                          runs_t.c.portfolio == portfolio)).first()
    if r is None:
        return []
    return run_findings(conn, _run_info(r), findings_t.c.details["stale"].as_boolean())


def previous_run(conn: Connection, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> RunRef | None:
    """The portfolio's latest current run of a week before `week` (`runs_before`; its findings
    are the history)."""
    r = conn.execute(runs_before(week, portfolio).with_only_columns(runs_t.c.id, runs_t.c.week).limit(1)).first()
    return None if r is None else RunRef(int(r.id), r.week)


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
        return info, run_findings(conn, info)

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
