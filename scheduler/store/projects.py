"""Projects in the database: storing parsed project files (one transaction, unchanged files
untouched, baseline kept), re-baselining, and reading them back as model Projects. The portfolio
as numpy columns, for the weekly run, is `scheduler.store.columns`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Connection, Engine, Select, delete, func, insert, select, update

from scheduler.core.calendars import Calendar
from scheduler.core.model import (
    DEFAULT_PORTFOLIO,
    FactorRequirement,
    FactorStatus,
    Link,
    LinkType,
    Milestone,
    Project,
    ProjectFile,
    money_from_json,
    money_to_json,
)
from scheduler.core.schedule import schedule_projects
from scheduler.errors import CalendarError, NotFound, ProjectFileError, StorageError, shown
from scheduler.store.columns import in_portfolio, investment_plan, order_key
from scheduler.store.db import (
    baseline_milestones,
    baselines,
    factors,
    insert_rows,
    investment_months,
    links,
    milestones,
    projects,
    reading,
    transaction,
    utcnow,
)

INITIAL_REASON = "首次加载 initial load"
_EPOCH = dt.date(1970, 1, 1).toordinal()


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


def _where_ids(stmt: Select[Any], col: ColumnElement[Any], ids: Sequence[str] | None,
               portfolio: str = DEFAULT_PORTFOLIO) -> Select[Any]:
    """Rows of the projects `ids`, or of every project of the portfolio."""
    return stmt.where(in_portfolio(col, portfolio)) if ids is None else stmt.where(col.in_(list(ids)))


# -- writing --------------------------------------------------------------------------------------


def _project_row(pf: ProjectFile, now: dt.datetime, portfolio: str) -> dict[str, Any]:
    p = pf.project
    inv = p.investment
    return {
        "portfolio": portfolio, "money": money_to_json(p.money),
        "investment_completed_before": float(inv.completed_before) if inv else None,
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


def _chunks(ids: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(ids), size):
        yield list(ids[i:i + size])


def _calendar(calendars: Calendars, name: str) -> Calendar:
    try:
        return calendars[name]
    except KeyError:
        raise CalendarError("unknown-calendar", f"unknown calendar {name!r}", ids=(name,),
                            params={"case": "undefined", "value": shown(name)}) from None


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
    fr = res.frame
    row_pid = [fr.project_ids[i] for i in fr.m_project.tolist()]
    rows = zip(row_pid, [versions[pid] for pid in row_pid], fr.m_ids, _dates_column(conn, res.early_start),
               _dates_column(conn, res.early_finish), fr.duration.tolist(), strict=True)
    insert_rows(conn, baseline_milestones, rows, ready=True)


def _dates_column(conn: Connection, ordinals: npt.NDArray[np.int64]) -> list[Any]:
    """Date ordinals as the driver stores dates (ISO text for SQLite, dates otherwise), converted
    by numpy in one go."""
    days = (ordinals - _EPOCH).astype("datetime64[D]")
    if conn.dialect.name == "sqlite":
        return list(np.datetime_as_string(days, unit="D").tolist())
    return list(days.astype(object).tolist())


def stored_digests(source: Engine | Connection, portfolio: str = DEFAULT_PORTFOLIO) -> dict[str, str]:
    """The SHA-256 of the file each of the portfolio's projects was loaded from, by project id."""
    with reading(source) as conn:
        return {r[0]: r[1] for r in conn.execute(select(projects.c.id, projects.c.digest)
                                                 .where(projects.c.portfolio == portfolio))}


def load_projects(engine: Engine, files: Sequence[ProjectFile], *, calendars: Calendars,
                  unchanged: Mapping[str, str] | None = None, portfolio: str = DEFAULT_PORTFOLIO) -> LoadReport:
    """Store validated project files into `portfolio` in ONE transaction: an unchanged file (same
    SHA-256) changes nothing, a changed one replaces its project's rows, a new one also gets
    baseline version 1 (its plan). Progress in the files is stored too; existing baselines are
    kept. `unchanged` names projects whose files were not even parsed (id -> the digest read): they
    are checked to be still stored so (else StorageError, nothing written) and reported unchanged.
    A project id another portfolio of the database holds is refused (ids are unique in a database)."""
    seen: dict[str, ProjectFile] = {}
    kept = dict(unchanged or {})
    for pf in files:
        if pf.project.id in seen or pf.project.id in kept:
            first = seen[pf.project.id].path if pf.project.id in seen else "an unchanged file"
            raise ProjectFileError("duplicate-project", f"project id {pf.project.id} is already used by "
                                   f"{first}", file=pf.path, project=pf.project.id,
                                   params={"id": pf.project.id, "other": first})
        seen[pf.project.id] = pf
    for pf in files:  # an unknown calendar refuses the load before anything is written
        _calendar(calendars, pf.project.calendar)
    now = utcnow()
    added: list[str] = []
    updated: list[str] = []
    same: list[str] = []
    with transaction(engine) as conn:
        stored: dict[str, tuple[str, str]] = {}
        for r in conn.execute(select(projects.c.id, projects.c.digest, projects.c.calendar, projects.c.portfolio)):
            if r[3] == portfolio:
                stored[r[0]] = (r[1], r[2])
            elif r[0] in seen or r[0] in kept:
                raise ProjectFileError("project-of-other-portfolio",
                                       f"project id {r[0]} belongs to portfolio {r[3]!r} of this database, not "
                                       f"{portfolio!r} (project ids are unique in a database)",
                                       file=seen[r[0]].path if r[0] in seen else None, project=r[0],
                                       params={"project": r[0], "other": r[3], "portfolio": portfolio})
        based = set(conn.scalars(select(baselines.c.project_id).distinct()))
        for pid, digest in kept.items():
            if stored.get(pid, ("",))[0] != digest:
                raise StorageError("changed-meanwhile", f"project {pid} changed in the database while the files "
                                   "were read: run the load again", project=pid, params={"project": pid})
            _calendar(calendars, stored[pid][1])
            same.append(pid)
        for pid, pf in seen.items():
            if pid not in stored:
                added.append(pid)
            elif stored[pid][0] != pf.digest:
                updated.append(pid)
            else:
                same.append(pid)
        for chunk in _chunks(updated):
            for table in (links, factors, investment_months, milestones):
                conn.execute(delete(table).where(table.c.project_id.in_(chunk)))
        for pid in updated:
            row = _project_row(seen[pid], now, portfolio)
            del row["id"]
            conn.execute(update(projects).where(projects.c.id == pid).values(**row))
        _insert(conn, projects, [_project_row(seen[pid], now, portfolio) for pid in added])
        d = _dates_out(conn)
        rows: tuple[list[tuple[Any, ...]], ...] = ([], [], [], [])
        for pid in (*added, *updated):
            for acc, part in zip(rows, _children(seen[pid].project, d), strict=True):
                acc.extend(part)
        for table, part in zip((milestones, links, factors, investment_months), rows, strict=True):
            insert_rows(conn, table, part, ready=True)
        fresh = [seen[pid].project for pid in (*added, *updated) if pid not in based]
        _store_baseline(conn, fresh, calendars, {p.id: 1 for p in fresh}, INITIAL_REASON, now)
    return LoadReport(tuple(sorted(added)), tuple(sorted(updated)), tuple(sorted(same)))


def rebaseline(engine: Engine, project_id: str, reason: str, *, calendars: Calendars,
               portfolio: str = DEFAULT_PORTFOLIO) -> int:
    """Store the project's current plan as a new baseline version (the old one stays, no longer
    current) with the reason why; returns the new version. NotFound for a project the portfolio
    does not hold."""
    with transaction(engine) as conn:
        plist = _read_projects(conn, [project_id], portfolio)
        if not plist:
            raise NotFound("unknown-project", f"no project {project_id} is loaded (dispatch load)",
                           project=project_id, params={"project": project_id})
        last = conn.scalar(select(func.max(baselines.c.version)).where(baselines.c.project_id == project_id))
        version = int(last or 0) + 1
        now = utcnow()
        _store_baseline(conn, plist, calendars, {project_id: version}, reason, now)
    return version


# -- reading as model objects ---------------------------------------------------------------------


def _grouped(conn: Connection, table: Any, ids: Sequence[str] | None, portfolio: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    order = [order_key(conn, table.c.project_id)]
    if "seq" in table.c:
        order.append(table.c.seq)
    elif "month" in table.c:
        order.append(table.c.month)
    for row in conn.execute(_where_ids(select(table), table.c.project_id, ids, portfolio).order_by(*order)):
        out.setdefault(row.project_id, []).append(row)
    return out


def _read_projects(conn: Connection, ids: Sequence[str] | None, portfolio: str) -> list[Project]:
    stmt = select(projects).where(projects.c.portfolio == portfolio)
    if ids is not None:
        stmt = stmt.where(projects.c.id.in_(list(ids)))
    heads = conn.execute(stmt.order_by(order_key(conn, projects.c.id)))
    ms, ls, fs, im = (_grouped(conn, t, ids, portfolio) for t in (milestones, links, factors, investment_months))
    out = []
    for h in heads:
        after: dict[str, list[Link]] = {}
        for r in ls.get(h.id, []):
            after.setdefault(r.succ_id, []).append(Link(r.pred_id, LinkType(r.type), r.lag))
        inv = investment_plan(h.investment_total, h.investment_year, h.investment_annual_plan,
                              [(r.month, r.planned, r.completed) for r in im.get(h.id, [])],
                              h.investment_completed_before)
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
            location=h.location, seed=h.seed, target=h.target, money=money_from_json(h.money),
        ))
    return out


def read_projects(source: Engine | Connection, ids: Sequence[str] | None = None, *,
                  portfolio: str = DEFAULT_PORTFOLIO) -> list[Project]:
    """The portfolio's stored projects (all, or those of `ids`) as model Projects ordered by id,
    investment plan and money included; pass a Connection to read inside the caller's snapshot."""
    with reading(source) as conn:
        return _read_projects(conn, ids, portfolio)


def project_summaries(source: Engine | Connection, *, portfolio: str = DEFAULT_PORTFOLIO) -> list[ProjectSummary]:
    """Every project of the portfolio with its milestone and factor counts and current baseline."""
    with reading(source) as conn:
        nm: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            select(milestones.c.project_id, func.count()).where(in_portfolio(milestones.c.project_id, portfolio))
            .group_by(milestones.c.project_id))}
        nf: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            select(factors.c.project_id, func.count()).where(in_portfolio(factors.c.project_id, portfolio))
            .group_by(factors.c.project_id))}
        bv: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            select(baselines.c.project_id, baselines.c.version).where(baselines.c.current)
            .where(in_portfolio(baselines.c.project_id, portfolio)))}
        rows = conn.execute(select(projects.c.id, projects.c.name, projects.c.lead_unit, projects.c.calendar,
                                   projects.c.source_path, projects.c.digest, projects.c.loaded_at)
                            .where(projects.c.portfolio == portfolio)
                            .order_by(order_key(conn, projects.c.id)))
        return [ProjectSummary(r.id, r.name, r.lead_unit, r.calendar, int(nm.get(r.id, 0)),
                               int(nf.get(r.id, 0)), int(bv.get(r.id, 0)), r.source_path, r.digest,
                               r.loaded_at) for r in rows]
