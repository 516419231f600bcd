"""The portfolio as numpy columns, read from the project tables themselves on every call (there is
no derived copy that a writer could forget to refresh): `load_frame` gives the PortfolioFrame the
weekly run schedules and checks, and the current baseline of each of its rows.

Each table is read with ONE aggregate query whose columns are the table's columns concatenated
into one text each (SQLite `group_concat`, PostgreSQL `string_agg`); numpy parses the numbers and
dates in C and `str.split` the strings, so no Python object is made per row and value. All the
aggregates of one query see the rows in the same order; that order is not specified, so the rows
are put in (project, seq) order afterwards by their own keys. SQLite's dates come as the stored
'YYYY-MM-DD' texts, turned into ordinals by numpy. A string holding the separator, or a date not
stored as such a text (written by hand), makes that one query fall back to plain row tuples
(slower, same result). The milestone ids a link, baseline or factor names are matched to rows as
integers (`_packed`: an id's bytes, when every id is at most 7 bytes long as M01 is), not strings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Engine,
    Integer,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.sql import FromClause

from scheduler.core import cpm
from scheduler.core.memory import gc_paused, trim_heap
from scheduler.core.model import DEFAULT_PORTFOLIO, FactorStatus, InvestmentPlan, Money, money_from_json
from scheduler.core.schedule import PortfolioFrame
from scheduler.store.db import (
    baseline_milestones,
    baselines,
    factors,
    investment_months,
    links,
    milestones,
    projects,
    reading,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_APPROVED = FactorStatus.APPROVED.value
_SEP = "\x1e"  # ASCII record separator between the strings of one column
_MIN_SEQ = -(2 ** 63)  # no stored seq is smaller (a 64-bit integer)
_NO_MONEY = Money()


@dataclass(frozen=True, slots=True)
class BaselineColumns:
    """Current baseline dates of each row of a PortfolioFrame (date ordinals, 0 = none), and the
    current baseline version of each of its projects (0 = none)."""

    start: IntArray
    finish: IntArray
    version: IntArray


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def order_key(conn: Connection, col: ColumnElement[Any]) -> ColumnElement[Any]:
    """Order by code point on every database (PostgreSQL's default collation may not)."""
    return col.collate("C") if _pg(conn) else col


def ordinal(conn: Connection, col: ColumnElement[Any]) -> ColumnElement[int]:
    """A Date column as a proleptic Gregorian ordinal (date.toordinal), 0 when NULL, in SQL."""
    if _pg(conn):
        expr: ColumnElement[Any] = col - cast(literal(dt.date(1, 1, 1)), Date) + 1
    else:
        expr = cast(func.julianday(col) - 1721424.5, Integer)
    return func.coalesce(expr, 0)


# -- one table as columns -------------------------------------------------------------------------

INT, FLOAT, STR, KEY, REF, OPT_STR, DATE = "int", "float", "str", "key", "ref", "optstr", "date"
"""Kinds of column: int (NULL read as 0), float (NULL as nan), str (NOT NULL), key (a NOT NULL
str only looked up, e.g. a project id naming a row, then dropped: not interned), ref (a milestone id
only looked up: as `_packed` keys when every one is short, else as a key), optional str, date (as an
ordinal, NULL read as 0)."""
_NO_DATE = "0000-00-00"


@dataclass(frozen=True, slots=True)
class Col:
    """One column to read: its SQL expression and kind; a date also its raw column, whose stored
    text SQLite hands over as it is (see `_dates`)."""

    expr: ColumnElement[Any]
    kind: str
    raw: ColumnElement[Any] | None = None


def date_col(conn: Connection, col: ColumnElement[Any]) -> Col:
    """A Date column to read as ordinals: SQLite's stored 'YYYY-MM-DD' texts parsed by numpy (a
    third faster than julianday() per row in SQL), PostgreSQL's dates counted in SQL."""
    if _pg(conn):
        return Col(ordinal(conn, col), INT)
    return Col(ordinal(conn, col), DATE, col)


def _agg(conn: Connection, text: ColumnElement[Any], sep: str) -> ColumnElement[Any]:
    if _pg(conn):
        return func.string_agg(text, literal(sep, Text))
    return func.group_concat(text, literal(sep, Text))


def _as_text(conn: Connection, c: Col) -> list[ColumnElement[Any]]:
    """The aggregate(s) of one column: its values as one text (and, for an optional string, one
    '0'/'1' flag per row telling NULL)."""
    e = c.expr
    if c.kind == DATE and c.raw is not None:
        return [_agg(conn, func.coalesce(c.raw, _NO_DATE), ",")]
    if c.kind in (INT, DATE):
        v: ColumnElement[Any] = cast(func.coalesce(e, 0), Text) if _pg(conn) else func.coalesce(e, 0)
        return [_agg(conn, v, ",")]
    if c.kind == FLOAT:  # every digit kept: SQLite's own REAL-to-text keeps only 15
        digits = cast(e, Text) if _pg(conn) else func.printf("%!.17g", e)
        return [_agg(conn, case((e.is_(None), "nan"), else_=digits), ",")]
    if c.kind in (STR, KEY, REF):
        return [_agg(conn, e, _SEP)]
    return [_agg(conn, func.coalesce(e, ""), _SEP), _agg(conn, case((e.is_(None), "1"), else_="0"), "")]


def _parse(c: Col, parts: Sequence[str | None], n: int) -> Any:
    """One column from its aggregate text(s); None when it does not split into `n` values."""
    text = parts[0] or ""
    if c.kind == DATE:
        return _dates(text, n)
    if c.kind in (INT, FLOAT):
        arr = np.fromstring(text, dtype=np.int64 if c.kind == INT else np.float64, sep=",") if n else \
            np.zeros(0, dtype=np.int64 if c.kind == INT else np.float64)
        return arr if arr.size == n else None
    if c.kind == OPT_STR and n and parts[1] == "1" * n:  # all NULL (as most milestones' units)
        return [None] * n
    if c.kind == REF:
        keys = _packed(text, n)
        if keys is not None and not (keys == _LONG).any():
            return keys
    values: list[Any] = (text.split(_SEP) if c.kind in (KEY, REF) else _interned(text.split(_SEP))) if n else []
    if len(values) != n:
        return None
    if c.kind == OPT_STR:
        flags = parts[1] or ""
        if len(flags) != n:
            return None
        if "1" in flags:
            values = [None if f == "1" else v for v, f in zip(values, flags, strict=True)]
    return values


_LONG = np.uint64(2 ** 64 - 1)
"""The `_packed` key of an id longer than 7 bytes (no short id packs to it: its low byte is 255)."""


def _packed(text: str, n: int) -> npt.NDArray[np.uint64] | None:
    """Each of the `n` ids in `text` (separated by _SEP) as one integer, vectorized: its UTF-8 bytes
    and its length packed into 64 bits (equal ids, equal keys; different ids, different keys), _LONG
    for an id of more than 7 bytes; None when `text` does not hold `n` ids. Milestone ids are short
    (M01), so matching a link's ids to milestones is integer work in numpy, not a dict per row."""
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    buf = np.zeros(len(raw) + 8, dtype=np.uint8)
    buf[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    sep = np.flatnonzero(buf[:len(raw)] == 0x1E)
    if sep.size != n - 1:
        return None
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = sep + 1
    ends = np.empty(n, dtype=np.int64)
    ends[:-1] = sep
    ends[-1] = len(raw)
    lens = ends - starts
    key = lens.astype(np.uint64)
    for k in range(min(int(lens.max()), 7)):
        b = buf[starts + k].astype(np.uint64)
        b[lens <= k] = 0
        key |= b << np.uint64(8 * k + 8)
    key[lens > 7] = _LONG
    return key


def _packed_one(s: str) -> int:
    """One id's `_packed` key (the same integer, computed in Python)."""
    b = s.encode("utf-8", "surrogatepass")
    return int(_LONG) if len(b) > 7 else len(b) | int.from_bytes(b, "little") << 8


_DATE_TEXT = np.dtype({"names": ["y", "m", "d", "dash1", "dash2", "sep"],
                       "formats": ["<u4", "<u2", "<u2", "u1", "u1", "u1"],
                       "offsets": [0, 5, 8, 4, 7, 10], "itemsize": 11})
"""'YYYY-MM-DD,' as a record: the digits of year, month and day as little-endian integers."""


@cache
def _month_starts() -> tuple[IntArray, IntArray]:
    """For each [year * 16 + month]: date.toordinal() of the day before its 1st, and its number of
    days (-1 where there is no such month); proleptic Gregorian, years 1-9999."""
    y, m = np.divmod(np.arange(10000 * 16, dtype=np.int64), 16)
    ok = (y >= 1) & (m >= 1) & (m <= 12)
    yy = y - (m <= 2)
    era = yy // 400
    yoe = yy - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5
    start = np.where(ok, era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 306, 0)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0], dtype=np.int64)[m]
    return start, np.where(ok, days + ((m == 2) & leap), -1)


def _digits(x: npt.NDArray[np.uint32], k: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    """The decimal value of k ASCII characters held little-endian in each x, and where any of them
    is not a digit."""
    ones = int("01" * k, 16)
    z = x - np.uint32(0x30 * ones)
    bad = ((x & np.uint32(0xF0 * ones)) != np.uint32(0x30 * ones)) | (((z + np.uint32(6 * ones)) &
                                                                       np.uint32(0xF0 * ones)) != 0)
    if k == 4:
        v = (z & 0xFF) * 1000 + ((z >> 8) & 0xFF) * 100 + ((z >> 16) & 0xFF) * 10 + (z >> 24)
    else:
        v = (z & 0xFF) * 10 + (z >> 8)
    return v, bad


def _dates(text: str, n: int) -> IntArray | None:
    """Dates from 'YYYY-MM-DD,YYYY-MM-DD,...' ('0000-00-00' for none) as date.toordinal() (0 for
    none), vectorized (in slices, so the temporaries stay small); None when any stored value is not
    a valid date written so (the caller then reads the table row by row, julianday() in SQL)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if len(text) != 11 * n - 1 or not text.isascii():
        return None
    buf = np.empty(11 * n, dtype=np.uint8)
    buf[:-1] = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    buf[-1] = 44
    r = buf.view(_DATE_TEXT)
    start, days = _month_starts()
    out = np.empty(n, dtype=np.int64)
    for lo in range(0, n, _SLICE):
        part = r[lo:lo + _SLICE]
        if not ((part["sep"] == 44).all() and (part["dash1"] == 45).all() and (part["dash2"] == 45).all()):
            return None  # a separator or dash out of place: some value is not 10 characters of a date
        y, bad_y = _digits(part["y"].astype(np.uint32), 4)
        m, bad_m = _digits(part["m"].astype(np.uint32), 2)
        d, bad_d = _digits(part["d"].astype(np.uint32), 2)
        if (bad_y | bad_m | bad_d).any():
            return None
        key = y * 16 + np.minimum(m, 15)  # months 13-99: no such month (days -1)
        none = (key == 0) & (d == 0)
        if not (none | ((d >= 1) & (d <= days[key]))).all():
            return None
        got = out[lo:lo + _SLICE]
        np.add(start[key], d, out=got, casting="unsafe")
        got[none] = 0
    return out


_SLICE = 65_536


def _rowwise(conn: Connection, source: FromClause, cols: Sequence[Col], where: Any) -> list[Any]:
    """The same columns from plain row tuples: the fallback when a string holds the separator."""
    stmt = select(*(c.expr for c in cols)).select_from(source)
    if where is not None:
        stmt = stmt.where(where)
    rows = [tuple(r) for r in conn.execute(stmt)]
    out: list[Any] = []
    for c, values in zip(cols, zip(*rows, strict=True) if rows else [() for _ in cols], strict=True):
        if c.kind in (INT, DATE):
            out.append(np.fromiter((v or 0 for v in values), dtype=np.int64, count=len(values)))
        elif c.kind == FLOAT:
            out.append(np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64))
        else:
            out.append(list(values))
    return out


def _aggregate_sql(conn: Connection, source: FromClause, cols: Sequence[Col], where: Any) -> str:
    """The one aggregate query reading `cols`, its constants inlined: SQLite evaluates a bound
    separator per row, twice as slow as a literal one."""
    aggs: list[ColumnElement[Any]] = [func.count()]
    for c in cols:
        aggs.extend(_as_text(conn, c))
    stmt = select(*aggs).select_from(source)
    if where is not None:
        stmt = stmt.where(where)
    return str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def _fetch_one(conn: Connection, sql: str) -> tuple[Any, ...]:
    cur = conn.connection.cursor()
    try:
        cur.execute(sql)
        got: Any = cur.fetchone()
        row: tuple[Any, ...] = tuple(got)
    finally:
        cur.close()
    return row


def read_columns(conn: Connection, source: FromClause, cols: Sequence[Col], where: Any) -> list[Any]:
    """`cols` of the rows of `source` that `where` picks, each as one list or array in the same row
    order, read by ONE aggregate query (no row objects; row by row when a string holds the
    separator)."""
    got = _parse_row(_fetch_one(conn, _aggregate_sql(conn, source, cols, where)), cols)
    return got if got is not None else _rowwise(conn, source, cols, where)


def _parse_row(row: tuple[Any, ...], cols: Sequence[Col]) -> list[Any] | None:
    n = int(row[0])
    out: list[Any] = []
    at = 1
    for c in cols:
        k = 2 if c.kind == OPT_STR else 1
        got = _parse(c, row[at:at + k], n)
        if got is None:
            return None
        out.append(got)
        at += k
    return out


class _Pipeline:
    """Tables read by their aggregate queries in a worker thread, one query ahead of the caller:
    while the caller turns one table's texts into columns, the database runs the next table's
    query (the drivers release the GIL while a query runs). The connection is used by one thread
    at a time, and at most two tables' texts are held at once."""

    def __init__(self, conn: Connection, specs: dict[str, tuple[FromClause, list[Col], Any]]) -> None:
        self.conn, self.specs = conn, specs
        self.sql = {name: _aggregate_sql(conn, *spec) for name, spec in specs.items()}
        self.order = list(specs)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load_frame")
        self.futures: dict[str, Future[tuple[Any, ...]]] = {}
        self._submit(0)

    def _submit(self, i: int) -> None:
        if i < len(self.order) and self.order[i] not in self.futures:
            name = self.order[i]
            self.futures[name] = self.pool.submit(_fetch_one, self.conn, self.sql[name])

    def columns(self, name: str) -> list[Any]:
        """The columns of one table, in the order given (the row-wise fallback when a string
        holds the separator)."""
        i = self.order.index(name)
        self._submit(i)
        row = self.futures.pop(name).result()
        self._submit(i + 1)
        source, cols, where = self.specs[name]
        got = _parse_row(row, cols)
        del row
        if got is None:  # in the worker too, after the query already queued there
            return self.pool.submit(_rowwise, self.conn, source, cols, where).result()
        return got

    def __enter__(self) -> _Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _reorder(columns: list[Any], order: IntArray | None) -> list[Any]:
    if order is None:
        return columns
    idx = order.tolist()
    return [c[order] if isinstance(c, np.ndarray) else [c[i] for i in idx] for c in columns]


def _order(project: IntArray, seq: IntArray) -> IntArray | None:
    """The permutation putting rows in (project, seq) order; None when they already are."""
    if project.size < 2:
        return None
    dp = np.diff(project)
    if bool(((dp > 0) | ((dp == 0) & (np.diff(seq) > 0))).all()):
        return None
    return np.lexsort((seq, project))


def _interned(values: list[Any]) -> list[Any]:
    """One str object per distinct value: ids, names and units repeat across rows and projects
    (M1, 开工 …), and half a million copies of the same few strings would cost tens of MB (done
    column by column as they are split, so only one column's copies exist at a time)."""
    seen: dict[Any, Any] = {}
    return list(map(seen.setdefault, values, values))


def investment_plan(total: float | None, year: int | None, annual: float | None,
                    months: Sequence[tuple[Any, ...]], completed_before: float | None = None) -> InvestmentPlan | None:
    """A project's InvestmentPlan from its `projects` columns and its (month, planned, completed)
    rows; None when it states none."""
    if total is None:
        return None
    return InvestmentPlan(total=total, year=year, annual_plan=annual,  # type: ignore[arg-type]
                          plan={r[0]: r[1] for r in months if r[1] is not None},
                          completed={r[0]: r[2] for r in months if r[2] is not None},
                          completed_before=completed_before or 0.0)


def _money(text: str | None) -> Money:
    """A project's Money from its stored JSON text: most projects state none ('null'), and those
    share one empty Money instead of a JSON parse each."""
    return _NO_MONEY if text is None or text == "null" else money_from_json(json.loads(text))


def in_portfolio(col: ColumnElement[Any], portfolio: str) -> ColumnElement[bool]:
    """`col` (a project id column) names a project of `portfolio`: how every child table of
    projects (milestones, links, factors, investment months, baselines) is scoped."""
    return col.in_(select(projects.c.id).where(projects.c.portfolio == portfolio).scalar_subquery())


# -- the portfolio --------------------------------------------------------------------------------


def load_frame(source: Engine | Connection, ids: Sequence[str] | None = None, *,
               portfolio: str = DEFAULT_PORTFOLIO) -> tuple[PortfolioFrame, BaselineColumns]:
    """The portfolio (all projects, or those of `ids`) as the PortfolioFrame that
    schedule.frame_from_projects would build (projects by id, milestones in file order), the
    weekly check's columns included, read from the tables in one snapshot without building model
    objects (`frame.projects` stays empty; only the few InvestmentPlans are built), and the current
    baseline of each row."""
    with reading(source) as conn, gc_paused(), ExitStack() as stack:
        def o(col: ColumnElement[Any]) -> ColumnElement[int]:
            return ordinal(conn, col)

        def date(col: ColumnElement[Any]) -> Col:
            return date_col(conn, col)

        def only(col: ColumnElement[Any]) -> Any:
            return in_portfolio(col, portfolio) if ids is None else col.in_(list(ids))

        def by_seq(table: Any) -> Any:
            """Rows of `table` in the portfolio, through its (project_id, seq) unique index: an always
            true bound on seq steers SQLite to it (rather than an index on project_id and another
            column), so the rows come in (project, seq) order and sequentially, without a reorder."""
            return and_(only(table.c.project_id), table.c.seq >= literal(_MIN_SEQ))

        pr = projects.c
        stmt = (select(pr.id, pr.calendar, o(pr.start), func.coalesce(baselines.c.version, 0), pr.lead_unit,
                       pr.leader, pr.investment_total, pr.investment_year, pr.investment_annual_plan,
                       pr.investment_completed_before, cast(pr.money, Text))
                .outerjoin(baselines, and_(baselines.c.project_id == pr.id, baselines.c.current))
                .where(pr.portfolio == portfolio)
                .order_by(order_key(conn, pr.id)))
        if ids is not None:
            stmt = stmt.where(pr.id.in_(list(ids)))
        prow = [tuple(r) for r in conn.execute(stmt)]
        p_ids: list[str] = [r[0] for r in prow]
        pindex = {pid: i for i, pid in enumerate(p_ids)}

        im = investment_months.c
        stmt = select(im.project_id, im.month, im.planned, im.completed).order_by(
            order_key(conn, im.project_id), im.month).where(only(im.project_id))
        months: dict[str, list[tuple[Any, ...]]] = {}
        for r in conn.execute(stmt):
            months.setdefault(r[0], []).append(tuple(r[1:]))

        def pidx_of(pids: list[str]) -> IntArray:
            return np.fromiter(map(pindex.__getitem__, pids), dtype=np.int64, count=len(pids))

        m, lc, f, b, cur = milestones.c, links.c, factors.c, baseline_milestones.c, baselines.c
        pipe = stack.enter_context(_Pipeline(conn, {
            "milestones": (milestones, [
                Col(m.project_id, KEY), Col(m.seq, INT), Col(m.id, STR), Col(m.unit, OPT_STR),
                Col(m.duration, INT), date(m.not_before), date(m.start_by), date(m.finish_by),
                date(m.actual_start), date(m.actual_finish), Col(m.percent, FLOAT),
                Col(m.weight, FLOAT)], by_seq(milestones)),
            "links": (links, [
                Col(lc.project_id, KEY), Col(lc.seq, INT), Col(lc.pred_id, REF), Col(lc.succ_id, REF),
                Col(case(dict(cpm.LINK_CODES), value=lc.type, else_=-1), INT), Col(lc.lag, INT)],
                by_seq(links)),
            # the current version's rows, looked up by (project, version) from each current
            # baseline (a join walks every version's rows and looks each one's baseline up)
            "baselines": (baseline_milestones,
                          [Col(b.project_id, KEY), Col(b.milestone_id, REF), date(b.start), date(b.finish)],
                          tuple_(b.project_id, b.version).in_(
                              select(cur.project_id, cur.version).where(cur.current, only(cur.project_id)))),
            "factors": (factors, [
                Col(f.project_id, KEY), Col(f.seq, INT), Col(f.id, STR), Col(f.kind, STR), Col(f.milestone_id, REF),
                Col(f.status, STR), Col(f.unit, OPT_STR), date(f.expected), date(f.needed_by),
                Col(f.blocker, OPT_STR), Col(f.name, OPT_STR)], only(f.project_id)),
        }))

        # milestones
        (mp, mseq, m_ids, m_units, duration, not_before, start_by, finish_by, actual_start,
         actual_finish, percent, weight) = pipe.columns("milestones")
        m_project = pidx_of(mp)
        del mp
        order = _order(m_project, mseq)
        (m_project, m_ids, m_units, duration, not_before, start_by, finish_by, actual_start,
         actual_finish, percent, weight) = _reorder(
            [m_project, m_ids, m_units, duration, not_before, start_by, finish_by, actual_start,
             actual_finish, percent, weight], order)
        n = len(m_ids)

        # (project, milestone id) -> frame row, vectorized: each distinct id string gets a code,
        # project * K + code is a unique integer key, found with one binary search per column
        # (project, milestone id) -> frame row, vectorized: each distinct id gets a code, project
        # * K + code is a unique integer key, found with one binary search per column. The code of
        # an id is the rank of its `_packed` key when every id is short (M01), else a dict's.
        m_packed = _packed(_SEP.join(m_ids), n)
        if m_packed is None:  # an id holding the separator
            m_packed = np.fromiter(map(_packed_one, m_ids), dtype=np.uint64, count=n)
        short = m_packed != _LONG
        all_short = bool(short.all())
        code: dict[str, int] = {}
        if all_short:
            m_code = np.unique(m_packed, return_inverse=True)[1].astype(np.int64).reshape(-1)
        else:
            m_code = np.fromiter(map(code.setdefault, m_ids, range(n)), dtype=np.int64, count=n)
        key_of, first = np.unique(m_packed[short], return_index=True)
        code_of = m_code[short][first]  # the code of each short id's key
        big = n + 1
        m_key = m_project * big + m_code
        korder = np.argsort(m_key, kind="stable")
        sorted_keys = m_key[korder]
        del m_key, m_code, m_packed, short

        def codes(mids: Sequence[str] | npt.NDArray[np.uint64]) -> IntArray:
            """The code of each milestone id (a REF column: `_packed` keys or strings); -1 for none."""
            if not isinstance(mids, np.ndarray):
                if not all_short:
                    return np.fromiter(map(code.get, mids, repeat(-1)), dtype=np.int64, count=len(mids))
                mids = np.fromiter(map(_packed_one, mids), dtype=np.uint64, count=len(mids))
            if key_of.size == 0:
                return np.full(mids.size, -1, dtype=np.int64)
            pos = np.minimum(np.searchsorted(key_of, mids), key_of.size - 1)
            c: IntArray = code_of[pos]
            c[(key_of[pos] != mids) | (mids == _LONG)] = -1
            return c

        def rows(pidx: IntArray, mids: Sequence[str] | npt.NDArray[np.uint64]) -> IntArray:
            """Frame row of each (project index, milestone id); -1 when there is none."""
            if n == 0:
                return np.full(len(mids), -1, dtype=np.int64)
            c = codes(mids)
            key = pidx * big + c
            pos = np.minimum(np.searchsorted(sorted_keys, key), n - 1)
            out = korder[pos]
            out[(c < 0) | (sorted_keys[pos] != key)] = -1
            return out

        # links
        lp, lseq, lpred, lsucc, ltype, llag = pipe.columns("links")
        l_project = pidx_of(lp)
        del lp
        l_project, lpred, lsucc, ltype, llag = _reorder([l_project, lpred, lsucc, ltype, llag],
                                                        _order(l_project, lseq))
        l_pred = rows(l_project, lpred)
        l_succ = rows(l_project, lsucc)
        del lpred, lsucc

        # the current baseline of each row
        bp, bmid, bstart, bfinish = pipe.columns("baselines")
        brow = rows(pidx_of(bp), bmid)
        del bp, bmid
        has = brow >= 0
        base_start = np.zeros(n, dtype=np.int64)
        base_finish = np.zeros(n, dtype=np.int64)
        base_start[brow[has]] = bstart[has]
        base_finish[brow[has]] = bfinish[has]

        # factor requirements (a tenth of the milestones or so)
        (fp, fseq, f_ids, f_kinds, f_mid, f_status, f_units, f_expected, f_needed_by, f_blockers,
         f_names) = pipe.columns("factors")
        f_project = pidx_of(fp)
        del fp
        (f_project, f_ids, f_kinds, f_mid, f_status, f_units, f_expected, f_needed_by, f_blockers,
         f_names) = _reorder([f_project, f_ids, f_kinds, f_mid, f_status, f_units, f_expected, f_needed_by,
                              f_blockers, f_names], _order(f_project, fseq))
        f_row = rows(f_project, f_mid)
        hold = np.zeros(n, dtype=np.int64)
        open_ = (np.array(f_status, dtype=object) != _APPROVED) & (f_expected > 0) & (f_row >= 0) \
            if f_ids else np.zeros(0, dtype=bool)
        np.maximum.at(hold, f_row[open_], f_expected[open_])
        frame = PortfolioFrame(
            project_ids=p_ids,
            project_calendars=[r[1] for r in prow],
            project_start=np.array([r[2] for r in prow], dtype=np.int64),
            m_project=m_project,
            m_ids=m_ids,
            duration=duration,
            not_before=not_before,
            start_by=start_by,
            finish_by=finish_by,
            actual_start=actual_start,
            actual_finish=actual_finish,
            percent=percent,
            hold=hold,
            l_pred=l_pred,
            l_succ=l_succ,
            l_type=ltype,
            l_lag=llag,
            project_lead_units=[r[4] for r in prow],
            project_leaders=[r[5] for r in prow],
            project_investment=[investment_plan(r[6], r[7], r[8], months.get(r[0], ()), r[9]) for r in prow],
            project_money=[_money(r[10]) for r in prow],
            m_units=m_units,
            weight=weight,
            f_project=f_project,
            f_row=f_row,
            f_ids=f_ids,
            f_kinds=f_kinds,
            f_status=f_status,
            f_units=f_units,
            f_expected=f_expected,
            f_needed_by=f_needed_by,
            f_blockers=f_blockers,
            f_names=f_names,
        )
        base = BaselineColumns(base_start, base_finish, np.array([r[3] for r in prow], dtype=np.int64))
    trim_heap()  # the texts, freed: their pages back to the system (core/memory.py)
    return frame, base
