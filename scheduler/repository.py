"""Projects in the database: loading validated project files (one transaction, unchanged files
untouched, baseline kept), re-baselining, and reading them back, either as model Projects or,
for the weekly run over large portfolios, as numpy columns straight from SQL."""

from __future__ import annotations

import datetime as dt
import gc
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

from . import cpm
from .calendars import Calendar
from .errors import CalendarError, NotFound, ProjectFileError, StorageError
from .model import FactorRequirement, FactorStatus, InvestmentPlan, Link, LinkType, Milestone, Project
from .projectfile import ProjectFile
from .schedule import PortfolioFrame, schedule_projects
from .storage import (
    baseline_milestones,
    baselines,
    db_error_line,
    factors,
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
        _store_baseline(conn, plist, calendars, {project_id: version}, reason, utcnow())
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
        inv = None
        if h.investment_total is not None:
            months = im.get(h.id, [])
            inv = InvestmentPlan(
                total=h.investment_total, year=h.investment_year, annual_plan=h.investment_annual_plan,
                plan={r.month: r.planned for r in months if r.planned is not None},
                completed={r.month: r.completed for r in months if r.completed is not None},
            )
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
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cur = conn.connection.cursor()
    try:
        cur.execute(sql)
        return list(cur.fetchall())
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


def load_frame(source: Engine | Connection,
               ids: Sequence[str] | None = None) -> tuple[PortfolioFrame, BaselineColumns]:
    """The portfolio (all projects, or those of `ids`) as the PortfolioFrame that
    schedule.frame_from_projects would build (projects by id, milestones in file order), read
    column-wise from SQL in one snapshot without building model objects (`frame.projects` stays
    empty), and the current baseline of each row."""
    with reading(source) as conn, _gc_paused():
        def o(col: ColumnElement[Any]) -> ColumnElement[int]:
            return _ordinal(conn, col)

        def q(stmt: Select[Any], col: ColumnElement[Any]) -> list[tuple[Any, ...]]:
            return _fetch(conn, _where_ids(stmt, col, ids))

        def counts(table: Any) -> list[tuple[Any, ...]]:
            return q(select(table.c.project_id, func.count()).group_by(table.c.project_id), table.c.project_id)

        p_ids, p_cal, p_start, p_ver = _cols(q(
            select(projects.c.id, projects.c.calendar, o(projects.c.start), func.coalesce(baselines.c.version, 0))
            .outerjoin(baselines, and_(baselines.c.project_id == projects.c.id, baselines.c.current))
            .order_by(_key(conn, projects.c.id)), projects.c.id), 4)
        m, lc, f, b = milestones.c, links.c, factors.c, baseline_milestones.c
        m_project = _per_project(counts(milestones), p_ids)
        l_project = _per_project(counts(links), p_ids)
        cur = baselines.alias("cur")
        mcols = _cols(q(
            select(m.id, m.duration, o(m.not_before), o(m.start_by), o(m.finish_by), o(m.actual_start),
                   o(m.actual_finish), m.percent, o(b.start), o(b.finish))
            .outerjoin(cur, and_(cur.c.project_id == m.project_id, cur.c.current))
            .outerjoin(baseline_milestones, and_(b.project_id == m.project_id, b.version == cur.c.version,
                                                 b.milestone_id == m.id))
            .order_by(_key(conn, m.project_id), m.seq), m.project_id), 10)
        ltype = case(dict(cpm.LINK_CODES), value=lc.type, else_=-1)
        lcols = _cols(q(select(lc.pred_id, lc.succ_id, ltype, lc.lag)
                        .order_by(_key(conn, lc.project_id), lc.seq), lc.project_id), 4)
        hcols = _cols(q(select(f.project_id, f.milestone_id, func.max(o(f.expected)))
                        .where(f.status != _APPROVED, f.expected.is_not(None))
                        .group_by(f.project_id, f.milestone_id), f.project_id), 3)

        n = len(mcols[0])
        if m_project.size != n or l_project.size != len(lcols[0]):
            raise StorageError("inconsistent-read", "milestone or link counts changed while reading")
        pindex = {pid: i for i, pid in enumerate(p_ids)}
        # (project, milestone id) -> frame row, vectorized: each distinct id string gets a code,
        # project * K + code is a unique integer key, found with one binary search per column
        code: dict[str, int] = {}
        m_code = np.fromiter(map(code.setdefault, mcols[0], range(n)), dtype=np.int64, count=n)
        big = n + 1
        m_key = m_project * big + m_code
        order = np.argsort(m_key, kind="stable")
        sorted_keys = m_key[order]

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

        hold = np.zeros(n, dtype=np.int64)
        if hcols[0]:
            hr = rows(pidx_of(hcols[0]), hcols[1])
            hold[hr[hr >= 0]] = _ints(hcols[2])[hr >= 0]
        frame = PortfolioFrame(
            project_ids=list(p_ids),
            project_calendars=list(p_cal),
            project_start=_ints(p_start),
            m_project=m_project,
            m_ids=list(mcols[0]),
            duration=_ints(mcols[1]),
            not_before=_ints(mcols[2]),
            start_by=_ints(mcols[3]),
            finish_by=_ints(mcols[4]),
            actual_start=_ints(mcols[5]),
            actual_finish=_ints(mcols[6]),
            percent=np.array(mcols[7], dtype=np.float64),  # NULL -> nan
            hold=hold,
            l_pred=rows(l_project, lcols[0]),
            l_succ=rows(l_project, lcols[1]),
            l_type=_ints(lcols[2]),
            l_lag=_ints(lcols[3]),
        )
    return frame, BaselineColumns(_ints(mcols[8]), _ints(mcols[9]), _ints(p_ver))
