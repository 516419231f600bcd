"""Projects in the database: loading validated project files (one transaction, unchanged files
untouched, baseline kept), re-baselining, and reading them back, either as model Projects or,
for the weekly run over large portfolios, as numpy columns straight from SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import io
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Engine,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from scheduler.core import cpm
from scheduler.core.calendars import Calendar
from scheduler.core.model import FactorRequirement, FactorStatus, InvestmentPlan, Link, LinkType, Milestone, Project
from scheduler.core.schedule import PortfolioFrame, schedule_projects
from scheduler.errors import CalendarError, NotFound, ProjectFileError, StorageError
from scheduler.io.projectfile import ProjectFile
from scheduler.store.db import (
    baseline_milestones,
    baselines,
    db_error_line,
    factors,
    frame_snapshots,
    investment_months,
    links,
    milestones,
    projects,
    reading,
    transaction,
    utcnow,
)

IntArray = npt.NDArray[np.int64]
INITIAL_REASON = "首次加载 initial load"
_APPROVED = FactorStatus.APPROVED.value


class Calendars(Protocol):
    """Anything that gives a Calendar by name: a dict, or a calendarfiles.CalendarSet."""

    def __getitem__(self, name: str, /) -> Calendar: ...


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a load did, by project id (each sorted)."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BaselineColumns:
    """Current baseline dates of each row of a PortfolioFrame (date ordinals, 0 = none), and the
    current baseline version of each of its projects (0 = none)."""

    start: IntArray
    finish: IntArray
    version: IntArray


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    """One stored project in a line: for `dispatch projects`."""

    id: str
    name: str
    lead_unit: str
    calendar: str
    milestones: int
    factors: int
    baseline_version: int
    source_path: str
    digest: str
    loaded_at: dt.datetime



def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _key(conn: Connection, col: ColumnElement[Any]) -> ColumnElement[Any]:
    """Order by code point on every database (PostgreSQL's default collation may not)."""
    return col.collate("C") if _pg(conn) else col


def _ordinal(conn: Connection, col: ColumnElement[Any]) -> ColumnElement[int]:
    """A Date column as a proleptic Gregorian ordinal (date.toordinal), 0 when NULL, in SQL."""
    if _pg(conn):
        expr: ColumnElement[Any] = col - cast(literal(dt.date(1, 1, 1)), Date) + 1
    else:
        expr = cast(func.julianday(col) - 1721424.5, Integer)
    return func.coalesce(expr, 0)


def _where_ids(stmt: Select[Any], col: ColumnElement[Any], ids: Sequence[str] | None) -> Select[Any]:
    return stmt if ids is None else stmt.where(col.in_(list(ids)))


# -- writing --------------------------------------------------------------------------------------


def _project_row(pf: ProjectFile, now: dt.datetime) -> dict[str, Any]:
    p = pf.project
    inv = p.investment
    return {
        "id": p.id, "name": p.name, "lead_unit": p.lead_unit, "calendar": p.calendar, "start": p.start,
        "leader": p.leader, "category": p.category, "location": p.location, "target": p.target,
        "seed": p.seed, "units": list(p.units), "source_path": str(pf.path), "digest": pf.digest,
        "text": pf.text,
        "investment_total": float(inv.total) if inv else None,
        "investment_year": inv.year if inv else None,
        "investment_annual_plan": float(inv.annual_plan) if inv else None,
        "loaded_at": now,
    }


def _num(v: float | None) -> float | None:
    return None if v is None else float(v)


DateOut = Callable[[dt.date | None], Any]


def _same(d: dt.date | None) -> Any:
    return d


def _iso(d: dt.date | None) -> Any:
    return None if d is None else d.isoformat()


def _children(p: Project, d: DateOut) -> tuple[list[tuple[Any, ...]], ...]:
    """Rows of milestones, links, factors and investment months of one project, as tuples in
    table column order; `d` turns dates into what the driver stores (ISO text for SQLite)."""
    ms: list[tuple[Any, ...]] = []
    ls: list[tuple[Any, ...]] = []
    pid = p.id
    for seq, m in enumerate(p.milestones):
        ms.append((pid, m.id, seq, m.name, m.duration, d(m.not_before), d(m.start_by), d(m.finish_by), m.unit,
                   d(m.actual_start), d(m.actual_finish), _num(m.percent), _num(m.weight), m.note))
        for link in m.after:
            ls.append((pid, len(ls), link.pred, m.id, link.type.value, link.lag))
    fs = [(pid, f.id, seq, f.kind, f.milestone, f.status.value, f.unit, d(f.expected), f.blocker, f.name,
           d(f.approved), d(f.needed_by)) for seq, f in enumerate(p.factors)]
    im: list[tuple[Any, ...]] = []
    inv = p.investment
    if inv is not None:
        im = [(pid, month, _num(inv.plan.get(month)), _num(inv.completed.get(month)))
              for month in sorted(set(inv.plan) | set(inv.completed))]
    return ms, ls, fs, im


def _dates_out(conn: Connection) -> DateOut:
    """How dates go to the driver when rows bypass SQLAlchemy's type processing."""
    return _iso if conn.dialect.name == "sqlite" else _same


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]], chunk: int = 50_000) -> None:
    for i in range(0, len(rows), chunk):
        conn.execute(insert(table), rows[i:i + chunk])


def _insert_tuples(conn: Connection, table: Any, rows: list[tuple[Any, ...]], chunk: int = 50_000) -> None:
    """Many rows (tuples in column order, driver-ready values) in one driver executemany per
    chunk: no per-row SQLAlchemy processing, errors still wrapped by SQLAlchemy."""
    if not rows:
        return
    if conn.dialect.driver == "psycopg":
        _copy(conn, table, rows)
        return
    q = conn.dialect.identifier_preparer
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {q.format_table(table)} ({', '.join(q.quote(c.name) for c in table.columns)}) "
           f"VALUES ({', '.join(mark for _ in table.columns)})")
    for i in range(0, len(rows), chunk):
        conn.exec_driver_sql(sql, rows[i:i + chunk])


def _copy(conn: Connection, table: Any, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: COPY the rows in (an order of magnitude faster than INSERTs); errors become
    StorageError and the surrounding transaction rolls back."""
    q = conn.dialect.identifier_preparer
    sql = f"COPY {q.format_table(table)} ({', '.join(q.quote(c.name) for c in table.columns)}) FROM STDIN"
    raw: Any = conn.connection.dbapi_connection
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as e:
        raise StorageError("write-refused", f"the database refused the write: {db_error_line(e)}") from None


def _chunks(ids: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(ids), size):
        yield list(ids[i:i + size])


def _calendar(calendars: Calendars, name: str) -> Calendar:
    try:
        return calendars[name]
    except KeyError:
        raise CalendarError("unknown-calendar", f"unknown calendar {name!r}", ids=(name,)) from None


def _store_baseline(conn: Connection, plist: Sequence[Project], calendars: Calendars,
                    versions: dict[str, int], reason: str, now: dt.datetime) -> None:
    """Schedule the plan of `plist` and store it as baseline `versions[id]` of each, current."""
    if not plist:
        return
    cals = {p.calendar: _calendar(calendars, p.calendar) for p in plist}
    res = schedule_projects(plist, cals, None)
    ids = [p.id for p in plist]
    for chunk in _chunks(ids):
        conn.execute(update(baselines).where(baselines.c.project_id.in_(chunk), baselines.c.current)
                     .values(current=False))
    _insert(conn, baselines, [{"project_id": pid, "version": versions[pid], "created_at": now,
                               "reason": reason, "current": True} for pid in ids])
    d = _dates_out(conn)
    day = dt.date.fromordinal
    rows: list[tuple[Any, ...]] = []
    for p, sl in zip(plist, res.project_slices(), strict=True):
        v = versions[p.id]
        rows.extend((p.id, v, m.id, d(day(es)), d(day(ef)), m.duration)
                    for m, es, ef in zip(p.milestones, res.early_start[sl].tolist(), res.early_finish[sl].tolist(),
                                         strict=True))
    _insert_tuples(conn, baseline_milestones, rows)


def load_projects(engine: Engine, files: Sequence[ProjectFile], *, calendars: Calendars) -> LoadReport:
    """Store validated project files in ONE transaction: an unchanged file (same SHA-256) changes
    nothing, a changed one replaces its project's rows, a new one also gets baseline version 1
    (its plan). Progress in the files is stored too; existing baselines are kept."""
    seen: dict[str, ProjectFile] = {}
    for pf in files:
        if pf.project.id in seen:
            raise ProjectFileError("duplicate-project", f"project id {pf.project.id} is already used by "
                                   f"{seen[pf.project.id].path}", file=pf.path, project=pf.project.id)
        seen[pf.project.id] = pf
    for pf in files:  # an unknown calendar refuses the load before anything is written
        _calendar(calendars, pf.project.calendar)
    now = utcnow()
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    with transaction(engine) as conn:
        digests: dict[str, str] = {}
        based: set[str] = set()
        for chunk in _chunks(sorted(seen)):
            digests.update({r[0]: r[1] for r in conn.execute(select(projects.c.id, projects.c.digest)
                                                             .where(projects.c.id.in_(chunk)))})
            based.update(conn.scalars(select(baselines.c.project_id).distinct()
                                      .where(baselines.c.project_id.in_(chunk))))
        for pid, pf in seen.items():
            if pid not in digests:
                added.append(pid)
            elif digests[pid] != pf.digest:
                updated.append(pid)
            else:
                unchanged.append(pid)
        for chunk in _chunks(updated):
            for table in (links, factors, investment_months, milestones):
                conn.execute(delete(table).where(table.c.project_id.in_(chunk)))
        for pid in updated:
            row = _project_row(seen[pid], now)
            del row["id"]
            conn.execute(update(projects).where(projects.c.id == pid).values(**row))
        _insert(conn, projects, [_project_row(seen[pid], now) for pid in added])
        d = _dates_out(conn)
        rows: tuple[list[tuple[Any, ...]], ...] = ([], [], [], [])
        for pid in (*added, *updated):
            for acc, part in zip(rows, _children(seen[pid].project, d), strict=True):
                acc.extend(part)
        for table, part in zip((milestones, links, factors, investment_months), rows, strict=True):
            _insert_tuples(conn, table, part)
        fresh = [seen[pid].project for pid in (*added, *updated) if pid not in based]
        _store_baseline(conn, fresh, calendars, {p.id: 1 for p in fresh}, INITIAL_REASON, now)
        _refresh_snapshot(conn, now)
    return LoadReport(tuple(sorted(added)), tuple(sorted(updated)), tuple(sorted(unchanged)))


def rebaseline(engine: Engine, project_id: str, reason: str, *, calendars: Calendars) -> int:
    """Store the project's current plan as a new baseline version (the old one stays, no longer
    current) with the reason why; returns the new version. NotFound for an unknown project."""
    with transaction(engine) as conn:
        plist = _read_projects(conn, [project_id])
        if not plist:
            raise NotFound("unknown-project", f"no project {project_id} is loaded (dispatch load)",
                           project=project_id)
        last = conn.scalar(select(func.max(baselines.c.version)).where(baselines.c.project_id == project_id))
        version = int(last or 0) + 1
        now = utcnow()
        _store_baseline(conn, plist, calendars, {project_id: version}, reason, now)
        _refresh_snapshot(conn, now)
    return version


# -- reading as model objects ---------------------------------------------------------------------


def _grouped(conn: Connection, table: Any, ids: Sequence[str] | None) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    order = [_key(conn, table.c.project_id)]
    if "seq" in table.c:
        order.append(table.c.seq)
    elif "month" in table.c:
        order.append(table.c.month)
    for row in conn.execute(_where_ids(select(table), table.c.project_id, ids).order_by(*order)):
        out.setdefault(row.project_id, []).append(row)
    return out


def _read_projects(conn: Connection, ids: Sequence[str] | None) -> list[Project]:
    heads = conn.execute(_where_ids(select(projects), projects.c.id, ids).order_by(_key(conn, projects.c.id)))
    ms, ls, fs, im = (_grouped(conn, t, ids) for t in (milestones, links, factors, investment_months))
    out = []
    for h in heads:
        after: dict[str, list[Link]] = {}
        for r in ls.get(h.id, []):
            after.setdefault(r.succ_id, []).append(Link(r.pred_id, LinkType(r.type), r.lag))
        inv = _investment(h.investment_total, h.investment_year, h.investment_annual_plan,
                          [(r.month, r.planned, r.completed) for r in im.get(h.id, [])])
        out.append(Project(
            id=h.id, name=h.name, lead_unit=h.lead_unit, start=h.start, calendar=h.calendar,
            milestones=tuple(
                Milestone(id=r.id, name=r.name, duration=r.duration, after=tuple(after.get(r.id, ())),
                          finish_by=r.finish_by, start_by=r.start_by, not_before=r.not_before, unit=r.unit,
                          actual_start=r.actual_start, actual_finish=r.actual_finish, percent=r.percent,
                          weight=r.weight, note=r.note)
                for r in ms.get(h.id, [])),
            factors=tuple(
                FactorRequirement(id=r.id, kind=r.kind, milestone=r.milestone_id, status=FactorStatus(r.status),
                                  unit=r.unit, expected=r.expected, blocker=r.blocker, name=r.name,
                                  approved=r.approved, needed_by=r.needed_by)
                for r in fs.get(h.id, [])),
            units=tuple(h.units or ()), investment=inv, leader=h.leader, category=h.category,
            location=h.location, seed=h.seed, target=h.target,
        ))
    return out


def read_projects(source: Engine | Connection, ids: Sequence[str] | None = None) -> list[Project]:
    """The stored projects (all, or those of `ids`) as model Projects ordered by id, investment
    plan included; pass a Connection to read inside the caller's snapshot."""
    with reading(source) as conn:
        return _read_projects(conn, ids)


def project_summaries(source: Engine | Connection) -> list[ProjectSummary]:
    """Every stored project with its milestone and factor counts and current baseline version."""
    with reading(source) as conn:
        nm: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            select(milestones.c.project_id, func.count()).group_by(milestones.c.project_id))}
        nf: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            select(factors.c.project_id, func.count()).group_by(factors.c.project_id))}
        bv: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            select(baselines.c.project_id, baselines.c.version).where(baselines.c.current))}
        rows = conn.execute(select(projects.c.id, projects.c.name, projects.c.lead_unit, projects.c.calendar,
                                   projects.c.source_path, projects.c.digest, projects.c.loaded_at)
                            .order_by(_key(conn, projects.c.id)))
        return [ProjectSummary(r.id, r.name, r.lead_unit, r.calendar, int(nm.get(r.id, 0)),
                               int(nf.get(r.id, 0)), int(bv.get(r.id, 0)), r.source_path, r.digest,
                               r.loaded_at) for r in rows]


# -- reading as columns ---------------------------------------------------------------------------


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Millions of fresh tuples would trigger the cyclic collector again and again; none of them
    can form a cycle, so it is paused while rows are fetched and turned into columns."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _fetch(conn: Connection, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of a Core select as plain DBAPI tuples (no Row objects, no result processing:
    every column is computed in SQL as the plain value wanted)."""
    return [row for chunk in _fetch_chunks(conn, stmt) for row in chunk]


def _fetch_chunks(conn: Connection, stmt: Select[Any], size: int = 32_768) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a Core select as plain DBAPI tuples, `size` at a time: a caller that turns each
    chunk into columns never holds the tuples of a whole large table."""
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cur = conn.connection.cursor()
    try:
        cur.execute(sql)
        while rows := cur.fetchmany(size):
            yield list(rows)
    finally:
        cur.close()


def _cols(rows: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    return list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]


def _ints(values: tuple[Any, ...]) -> IntArray:
    return np.fromiter(values, dtype=np.int64, count=len(values))


def _per_project(counts: list[tuple[Any, ...]], p_ids: tuple[Any, ...]) -> IntArray:
    """Project index of each row of a table ordered by project, from its row count per project."""
    got = dict(counts)
    return np.repeat(np.arange(len(p_ids), dtype=np.int64), [int(got.get(p, 0)) for p in p_ids])


def _investment(total: float | None, year: int | None, annual: float | None,
                months: Sequence[tuple[Any, ...]]) -> InvestmentPlan | None:
    """A project's InvestmentPlan from its `projects` columns and its (month, planned, completed)
    rows; None when it states none."""
    if total is None:
        return None
    return InvestmentPlan(total=total, year=year, annual_plan=annual,  # type: ignore[arg-type]
                          plan={r[0]: r[1] for r in months if r[1] is not None},
                          completed={r[0]: r[2] for r in months if r[2] is not None})


class _Interned:
    """One str object per distinct value: milestone ids and names repeat across projects (M1,
    开工 …), and half a million copies of the same few strings would cost tens of MB."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def extend(self, out: list[Any], values: tuple[Any, ...]) -> None:
        out.extend(map(self._seen.setdefault, values, values))


def load_frame(source: Engine | Connection,
               ids: Sequence[str] | None = None) -> tuple[PortfolioFrame, BaselineColumns]:
    """The portfolio (all projects, or those of `ids`) as the PortfolioFrame that
    schedule.frame_from_projects would build, and the current baseline of each row (see
    _frame_sql). The whole portfolio comes from its snapshot (frame_snapshots) when that still
    matches the stored projects and baselines, else from SQL; `ids` always reads SQL."""
    with reading(source) as conn:
        if ids is None:
            got = _read_snapshot(conn)
            if got is not None:
                return got
        return _frame_sql(conn, ids)


def _frame_sql(source: Engine | Connection,
               ids: Sequence[str] | None = None) -> tuple[PortfolioFrame, BaselineColumns]:
    """The portfolio (all projects, or those of `ids`) as the PortfolioFrame that
    schedule.frame_from_projects would build (projects by id, milestones in file order), the
    weekly check's columns included, read column-wise from SQL in one snapshot without building
    model objects (`frame.projects` stays empty; only the few InvestmentPlans are built), and the
    current baseline of each row. Large tables are read in chunks straight into numpy arrays."""
    with reading(source) as conn, _gc_paused():
        def o(col: ColumnElement[Any]) -> ColumnElement[int]:
            return _ordinal(conn, col)

        def where(stmt: Select[Any], col: ColumnElement[Any]) -> Select[Any]:
            return _where_ids(stmt, col, ids)

        def q(stmt: Select[Any], col: ColumnElement[Any]) -> list[tuple[Any, ...]]:
            return _fetch(conn, where(stmt, col))

        def counts(table: Any) -> list[tuple[Any, ...]]:
            return q(select(table.c.project_id, func.count()).group_by(table.c.project_id), table.c.project_id)

        pr = projects.c
        (p_ids, p_cal, p_start, p_ver, p_lead, p_leader, p_total, p_year,
         p_annual) = _cols(q(
            select(pr.id, pr.calendar, o(pr.start), func.coalesce(baselines.c.version, 0), pr.lead_unit,
                   pr.leader, pr.investment_total, pr.investment_year, pr.investment_annual_plan)
            .outerjoin(baselines, and_(baselines.c.project_id == pr.id, baselines.c.current))
            .order_by(_key(conn, pr.id)), pr.id), 9)
        m, lc, f, b, im = milestones.c, links.c, factors.c, baseline_milestones.c, investment_months.c
        m_project = _per_project(counts(milestones), p_ids)
        l_project = _per_project(counts(links), p_ids)
        n, nl = int(m_project.size), int(l_project.size)
        pindex = {pid: i for i, pid in enumerate(p_ids)}

        # milestones, chunk by chunk into preallocated columns
        strs = _Interned()
        m_ids: list[str] = []
        m_names: list[str] = []
        m_units: list[str | None] = []
        icols = [np.zeros(n, dtype=np.int64) for _ in range(8)]  # duration, 5 dates, baseline start, finish
        fcols = [np.zeros(n, dtype=np.float64) for _ in range(2)]  # percent, weight (NULL -> nan)
        cur = baselines.alias("cur")
        at = 0
        for chunk in _fetch_chunks(conn, where(
                select(m.id, m.name, m.unit, m.duration, o(m.not_before), o(m.start_by), o(m.finish_by),
                       o(m.actual_start), o(m.actual_finish), o(b.start), o(b.finish), m.percent, m.weight)
                .outerjoin(cur, and_(cur.c.project_id == m.project_id, cur.c.current))
                .outerjoin(baseline_milestones, and_(b.project_id == m.project_id, b.version == cur.c.version,
                                                     b.milestone_id == m.id))
                .order_by(_key(conn, m.project_id), m.seq), m.project_id)):
            k = len(chunk)
            if at + k > n:
                raise StorageError("inconsistent-read", "milestone counts changed while reading")
            c = list(zip(*chunk, strict=True))
            strs.extend(m_ids, c[0])
            strs.extend(m_names, c[1])
            strs.extend(m_units, c[2])
            for j in range(8):
                icols[j][at:at + k] = c[3 + j]
            for j in range(2):
                fcols[j][at:at + k] = np.array(c[11 + j], dtype=np.float64)
            at += k
        if at != n:
            raise StorageError("inconsistent-read", "milestone counts changed while reading")

        # (project, milestone id) -> frame row, vectorized: each distinct id string gets a code,
        # project * K + code is a unique integer key, found with one binary search per column
        code: dict[str, int] = {}
        m_code = np.fromiter(map(code.setdefault, m_ids, range(n)), dtype=np.int64, count=n)
        big = n + 1
        m_key = m_project * big + m_code
        order = np.argsort(m_key, kind="stable")
        sorted_keys = m_key[order]
        del m_key, m_code

        def rows(pidx: IntArray, mids: tuple[Any, ...]) -> IntArray:
            """Frame row of each (project index, milestone id); -1 when there is none."""
            if n == 0:
                return np.full(len(mids), -1, dtype=np.int64)
            c = np.fromiter(map(code.get, mids, repeat(-1)), dtype=np.int64, count=len(mids))
            key = pidx * big + c
            pos = np.minimum(np.searchsorted(sorted_keys, key), n - 1)
            out = order[pos]
            out[(c < 0) | (sorted_keys[pos] != key)] = -1
            return out

        def pidx_of(pids: tuple[Any, ...]) -> IntArray:
            return np.fromiter(map(pindex.__getitem__, pids), dtype=np.int64, count=len(pids))

        # links, chunk by chunk
        ltype = case(dict(cpm.LINK_CODES), value=lc.type, else_=-1)
        lcols = [np.zeros(nl, dtype=np.int64) for _ in range(4)]  # pred row, succ row, type, lag
        at = 0
        for chunk in _fetch_chunks(conn, where(select(lc.pred_id, lc.succ_id, ltype, lc.lag)
                                               .order_by(_key(conn, lc.project_id), lc.seq), lc.project_id)):
            k = len(chunk)
            if at + k > nl:
                raise StorageError("inconsistent-read", "link counts changed while reading")
            c = list(zip(*chunk, strict=True))
            lp = l_project[at:at + k]
            lcols[0][at:at + k] = rows(lp, c[0])
            lcols[1][at:at + k] = rows(lp, c[1])
            lcols[2][at:at + k] = c[2]
            lcols[3][at:at + k] = c[3]
            at += k
        if at != nl:
            raise StorageError("inconsistent-read", "link counts changed while reading")

        # factor requirements (a tenth of the milestones or so) and the investment months
        (fp, f_ids, f_kinds, f_mid, f_status, f_units, f_exp, f_need, f_blockers, f_names) = _cols(q(
            select(f.project_id, f.id, f.kind, f.milestone_id, f.status, f.unit, o(f.expected), o(f.needed_by),
                   f.blocker, f.name).order_by(_key(conn, f.project_id), f.seq), f.project_id), 10)
        f_project = pidx_of(fp)
        f_row = rows(f_project, f_mid)
        f_expected = _ints(f_exp)
        hold = np.zeros(n, dtype=np.int64)
        open_ = (np.array(f_status, dtype=object) != _APPROVED) & (f_expected > 0) & (f_row >= 0) \
            if f_ids else np.zeros(0, dtype=bool)
        np.maximum.at(hold, f_row[open_], f_expected[open_])
        months: dict[str, list[tuple[Any, ...]]] = {}
        for r in q(select(im.project_id, im.month, im.planned, im.completed)
                   .order_by(_key(conn, im.project_id), im.month), im.project_id):
            months.setdefault(r[0], []).append(r[1:])

        frame = PortfolioFrame(
            project_ids=list(p_ids),
            project_calendars=list(p_cal),
            project_start=_ints(p_start),
            m_project=m_project,
            m_ids=m_ids,
            duration=icols[0],
            not_before=icols[1],
            start_by=icols[2],
            finish_by=icols[3],
            actual_start=icols[4],
            actual_finish=icols[5],
            percent=fcols[0],
            hold=hold,
            l_pred=lcols[0],
            l_succ=lcols[1],
            l_type=lcols[2],
            l_lag=lcols[3],
            project_lead_units=list(p_lead),
            project_leaders=list(p_leader),
            project_investment=[_investment(t, y, a, months.get(pid, ()))
                                for pid, t, y, a in zip(p_ids, p_total, p_year, p_annual, strict=True)],
            m_names=m_names,
            m_units=m_units,
            weight=fcols[1],
            f_project=f_project,
            f_row=f_row,
            f_ids=list(f_ids),
            f_kinds=list(f_kinds),
            f_status=list(f_status),
            f_units=list(f_units),
            f_expected=f_expected,
            f_needed_by=_ints(f_need),
            f_blockers=list(f_blockers),
            f_names=list(f_names),
        )
        base = BaselineColumns(icols[6], icols[7], _ints(p_ver))
    return frame, base


# -- the frame snapshot ---------------------------------------------------------------------------
# The whole portfolio's frame, serialized without pickle: numpy arrays by np.savez, each list of
# strings as its distinct values joined by _SEP into one UTF-8 blob (with their count) and an
# int32 code per element (-1 = None). Written inside the transaction that changed the projects or
# baselines; valid while its digest equals _portfolio_digest of the database read.

_SEP = "\x00"
_SNAPSHOT_ID = 1
_SNAPSHOT_FORMAT = 1
_FRAME_FIELDS = tuple(f.name for f in dataclasses.fields(PortfolioFrame) if f.name != "projects")
_BASE_FIELDS = ("start", "finish", "version")


class _Unencodable(Exception):
    """A string holds the separator: this frame gets no snapshot (the SQL path still works)."""


def _portfolio_digest(conn: Connection) -> str:
    """SHA-256 of every project's id, file digest and current baseline version, by id."""
    pr = projects.c
    h = hashlib.sha256(f"frame-snapshot {_SNAPSHOT_FORMAT}\n".encode())
    for pid, digest, version in _fetch(conn, select(pr.id, pr.digest, func.coalesce(baselines.c.version, 0))
                                       .outerjoin(baselines, and_(baselines.c.project_id == pr.id,
                                                                  baselines.c.current))
                                       .order_by(_key(conn, pr.id))):
        h.update(f"{pid}{_SEP}{digest}{_SEP}{int(version)}\n".encode())
    return h.hexdigest()


def _put_strs(out: dict[str, Any], name: str, values: Sequence[str | None]) -> None:
    uniq: dict[str, int] = {}
    out[f"{name}__codes"] = np.fromiter((-1 if v is None else uniq.setdefault(v, len(uniq)) for v in values),
                                        dtype=np.int32, count=len(values))
    text = _SEP.join(uniq)
    if text.count(_SEP) != max(len(uniq) - 1, 0):
        raise _Unencodable(name)
    out[f"{name}__text"] = np.frombuffer(text.encode(), dtype=np.uint8)
    out[f"{name}__count"] = np.array([len(uniq)], dtype=np.int64)


def _get_strs(z: Any, name: str) -> list[Any]:
    count = int(z[f"{name}__count"][0])
    uniq: list[str | None] = list(z[f"{name}__text"].tobytes().decode().split(_SEP)) if count else []
    if len(uniq) != count:
        raise ValueError(f"snapshot strings {name}: {len(uniq)} for {count}")
    uniq.append(None)  # code -1
    return list(map(uniq.__getitem__, z[f"{name}__codes"].tolist()))


def _encode_frame(frame: PortfolioFrame, base: BaselineColumns) -> bytes:
    out: dict[str, Any] = {"format": np.array([_SNAPSHOT_FORMAT], dtype=np.int64)}
    for name in _FRAME_FIELDS:
        v = getattr(frame, name)
        if name == "project_investment":
            continue
        if isinstance(v, np.ndarray):
            out[f"a__{name}"] = v
        else:
            _put_strs(out, f"s__{name}", v)
    for name in _BASE_FIELDS:
        out[f"b__{name}"] = getattr(base, name)
    inv = frame.project_investment
    nan = math.nan
    months: list[str] = []
    planned: list[float] = []
    completed: list[float] = []
    per: list[int] = []
    for p in inv:
        ms = [] if p is None else sorted(set(p.plan) | set(p.completed))
        per.append(len(ms))
        if p is not None:
            months.extend(ms)
            planned.extend(float(p.plan.get(mo, nan)) for mo in ms)
            completed.extend(float(p.completed.get(mo, nan)) for mo in ms)
    out["i__total"] = np.array([nan if p is None else float(p.total) for p in inv], dtype=np.float64)
    out["i__year"] = np.array([0 if p is None else int(p.year) for p in inv], dtype=np.int64)
    out["i__annual"] = np.array([nan if p is None else float(p.annual_plan) for p in inv], dtype=np.float64)
    out["i__per"] = np.array(per, dtype=np.int64)
    _put_strs(out, "i__months", months)
    out["i__planned"] = np.array(planned, dtype=np.float64)
    out["i__completed"] = np.array(completed, dtype=np.float64)
    buf = io.BytesIO()
    np.savez(buf, **out)
    return buf.getvalue()


def _decode_frame(data: bytes) -> tuple[PortfolioFrame, BaselineColumns]:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        if int(z["format"][0]) != _SNAPSHOT_FORMAT:
            raise ValueError("snapshot format")
        cols: dict[str, Any] = {}
        for name in _FRAME_FIELDS:
            if name == "project_investment":
                continue
            cols[name] = z[f"a__{name}"] if f"a__{name}" in z.files else _get_strs(z, f"s__{name}")
        base = BaselineColumns(*(z[f"b__{name}"] for name in _BASE_FIELDS))
        months = _get_strs(z, "i__months")
        planned = z["i__planned"].tolist()
        completed = z["i__completed"].tolist()
        inv: list[InvestmentPlan | None] = []
        at = 0
        for total, year, annual, k in zip(z["i__total"].tolist(), z["i__year"].tolist(), z["i__annual"].tolist(),
                                          z["i__per"].tolist(), strict=True):
            rng = range(at, at + k)
            at += k
            if math.isnan(total):
                inv.append(None)
                continue
            inv.append(InvestmentPlan(total=total, year=year, annual_plan=annual,
                                      plan={months[i]: planned[i] for i in rng if not math.isnan(planned[i])},
                                      completed={months[i]: completed[i] for i in rng
                                                 if not math.isnan(completed[i])}))
        cols["project_investment"] = inv
    return PortfolioFrame(**cols), base


def _refresh_snapshot(conn: Connection, now: dt.datetime) -> None:
    """Inside a write transaction, after its writes: replace the snapshot with the frame read from
    this transaction, unless the stored one already matches (an unchanged load writes nothing)."""
    digest = _portfolio_digest(conn)
    if conn.scalar(select(frame_snapshots.c.digest).where(frame_snapshots.c.id == _SNAPSHOT_ID)) == digest:
        return
    conn.execute(delete(frame_snapshots))
    try:
        data = _encode_frame(*_frame_sql(conn))
    except _Unencodable:
        return
    conn.execute(insert(frame_snapshots).values(id=_SNAPSHOT_ID, created_at=now, digest=digest, data=data))


def _read_snapshot(conn: Connection) -> tuple[PortfolioFrame, BaselineColumns] | None:
    """The snapshot's frame when it matches the stored projects and baselines, else None."""
    stored = conn.scalar(select(frame_snapshots.c.digest).where(frame_snapshots.c.id == _SNAPSHOT_ID))
    if stored is None or stored != _portfolio_digest(conn):
        return None
    data = conn.scalar(select(frame_snapshots.c.data).where(frame_snapshots.c.id == _SNAPSHOT_ID))
    if data is None:
        return None
    return _decode_frame(data if isinstance(data, bytes) else bytes(data))
