"""Reads project files (TOML, shared/spec/project-files.md) into validated Projects.

Every broken rule becomes a ProjectFileError naming the file, the line (TOML's own for syntax
errors; the line of the offending key or table otherwise), the project and milestone ids and the
rule; a cycle names its milestones (networkx.find_cycle)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import tomli

from scheduler.core.model import (
    FactorRequirement,
    FactorStatus,
    FundKind,
    FundSource,
    InvestmentPlan,
    Link,
    LinkType,
    Milestone,
    ModelError,
    Money,
    Project,
    ProjectFile,
    Quantity,
    Stage,
    StatsStatus,
)
from scheduler.core.text import control_char
from scheduler.errors import CycleError, ProjectFileError, os_params, shown

_ARRAY_HDR = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]")
_TABLE_HDR = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_KEY = re.compile(r'^\s*("[^"]*"|[A-Za-z0-9_-]+)\s*=')


class _Lines:
    """Where things stand in the file: header line of each table, line of each key in it."""

    def __init__(self, text: str) -> None:
        self.headers: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        section: tuple[str, int] = ("", 0)
        for no, line in enumerate(text.splitlines(), start=1):
            m = _ARRAY_HDR.match(line)
            if m:
                name = m.group(1).strip()
                k = counts.get(name, 0)
                counts[name] = k + 1
                section = (name, k)
                self.headers[section] = no
                continue
            m = _TABLE_HDR.match(line)
            if m and not line.lstrip().startswith("[["):
                section = (m.group(1).strip(), 0)
                self.headers[section] = no
                continue
            m = _KEY.match(line)
            if m:
                self.keys.setdefault((section[0], section[1], m.group(1).strip('"')), no)

    def find(self, table: str, index: int, key: str | None) -> int | None:
        if key is not None:
            line = self.keys.get((table, index, key))
            if line is not None:
                return line
            for (t, i, _k), ln in self.keys.items():  # a sub-table such as [investment.plan]
                if t.startswith(f"{table}.{key}") and i == index:
                    return self.headers.get((t, i), ln)
        return self.headers.get((table, index))


def _date(value: Any, key: str, **ids: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ModelError("bad-date", f"{key} = {value!r} is not a date (YYYY-MM-DD)", key=key,
                     params={"key": key, "value": shown(value)}, **ids)


def _str(value: Any, key: str, ids: dict[str, str], *, required: bool = False,
         kind: str = "bad-value") -> str | None:
    if value is None:
        if required:
            raise ModelError(f"missing-{key.replace('_', '-')}", f"`{key}` is required", key=key,
                             params={"template": "err.required", "key": key}, **ids)
        return None
    if not isinstance(value, str):
        raise ModelError(kind, f"{key} = {value!r} must be a string", key=key,
                         params={"template": "err.not-text", "key": key, "value": shown(value)}, **ids)
    _check_text(value, key, ids)
    return value


MULTILINE_KEYS = frozenset({"note", "blocker", "target"})
"""Free-text keys that may hold line breaks; every other text (names, units) is one line."""


def _check_text(value: str, key: str, ids: dict[str, str]) -> None:
    """Refuse control characters (NUL, escape, ...; line breaks outside free text): they break the
    sheets, mail headers and terminal tables made from the name (core.text is the rule)."""
    bad = control_char(value, multiline=key in MULTILINE_KEYS)
    if bad is not None:
        raise ModelError("control-character", f"{key} holds a control character ({bad}): names and texts "
                         "must be printable", key=key, params={"key": key, "bad": bad}, **ids)


def _links(value: Any, **ids: str) -> tuple[Link, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ModelError("bad-link", f"after = {value!r} must be a list of ids or {{id, type, lag}} tables",
                         key="after", params={"case": "not-list", "value": shown(value)}, **ids)
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(Link(item))
        elif isinstance(item, dict):
            pred = item.get("id")
            if not isinstance(pred, str) or not pred:
                raise ModelError("bad-link", f"link {item!r} needs the predecessor's id", key="after",
                                 params={"case": "no-id", "value": shown(item)}, **ids)
            rtype = item.get("type", "FS")
            if rtype not in LinkType.__members__:
                raise ModelError("bad-relation-type",
                                 f"relation type {rtype!r} of link from {pred} is not one of FS, SS, FF, SF",
                                 key="after", ids=(pred,), params={"pred": pred, "value": shown(rtype)}, **ids)
            try:
                out.append(Link(pred, LinkType(rtype), item.get("lag", 0)))
            except ModelError as e:
                raise ModelError(e.kind, e.message, key="after", ids=e.ids, params=e.params, **ids) from None
        else:
            raise ModelError("bad-link", f"predecessor {item!r} must be an id or an {{id, type, lag}} table",
                             key="after", params={"case": "bad-item", "value": shown(item)}, **ids)
    return tuple(out)


def _milestone(raw: Any, pid: str, idx: int) -> Milestone:
    if not isinstance(raw, dict):
        raise ModelError("bad-milestone", "[[milestone]] must be a table", project=pid)
    mid = raw.get("id")
    if not isinstance(mid, str) or not mid:
        raise ModelError("missing-milestone-id", f"milestone #{idx + 1} has no id", key="id", project=pid,
                         params={"n": idx + 1})
    ids = {"project": pid, "milestone": mid}
    if "duration" not in raw:
        raise ModelError("bad-duration", "duration is missing (a non-negative integer of working days)",
                         key="duration", params={"case": "missing"}, **ids)
    percent = raw.get("percent")
    if percent is not None and (not isinstance(percent, int | float) or isinstance(percent, bool)):
        raise ModelError("bad-percent", f"percent {percent!r} is not a number in 0..100", key="percent",
                         params={"value": shown(percent)}, **ids)
    try:
        return Milestone(
            id=mid,
            name=_str(raw.get("name"), "name", ids) or mid,
            duration=raw["duration"],
            after=_links(raw.get("after"), **ids),
            finish_by=_date(raw.get("finish_by"), "finish_by", **ids),
            start_by=_date(raw.get("start_by"), "start_by", **ids),
            not_before=_date(raw.get("not_before"), "not_before", **ids),
            unit=_str(raw.get("unit"), "unit", ids),
            actual_start=_date(raw.get("actual_start"), "actual_start", **ids),
            actual_finish=_date(raw.get("actual_finish"), "actual_finish", **ids),
            percent=percent,
            weight=raw.get("weight"),
            note=_str(raw.get("note"), "note", ids),
        )
    except ModelError as e:
        if e.project is None:
            e = ModelError(e.kind, e.message, key=e.key, ids=e.ids, params=e.params, **ids)
        raise e from None


def _factor(raw: Any, pid: str, idx: int) -> FactorRequirement:
    if not isinstance(raw, dict):
        raise ModelError("bad-factor", "[[factor]] must be a table", project=pid)
    fid = raw.get("id")
    if not isinstance(fid, str) or not fid:
        raise ModelError("missing-factor-id", f"factor #{idx + 1} has no id", key="id", project=pid,
                         params={"n": idx + 1})
    ids = {"project": pid, "factor": fid}
    ms = raw.get("milestone")
    if isinstance(ms, str):
        ids["milestone"] = ms
    status = raw.get("status")
    if status not in [s.value for s in FactorStatus]:
        raise ModelError("bad-factor-status", f"factor status {status!r} is not one of 未启动, 办理中, 已批复",
                         key="status", params={"value": shown(status)}, **ids)
    kind = _str(raw.get("kind"), "kind", ids, required=True)
    return FactorRequirement(
        id=fid,
        kind=kind or "",
        milestone=ms if isinstance(ms, str) else _str(ms, "milestone", ids, required=True) or "",
        status=FactorStatus(status),
        unit=_str(raw.get("unit"), "unit", ids),
        expected=_date(raw.get("expected"), "expected", **ids),
        blocker=_str(raw.get("blocker"), "blocker", ids),
        name=_str(raw.get("name"), "name", ids),
        approved=_date(raw.get("approved"), "approved", **ids),
        needed_by=_date(raw.get("needed_by"), "needed_by", **ids),
    )


def _investment(raw: Any, pid: str) -> InvestmentPlan | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ModelError("bad-investment", "[investment] must be a table", project=pid, params={"case": "table"})
    for key in ("plan", "completed"):
        if key in raw and not isinstance(raw[key], dict):
            raise ModelError("bad-investment", f"investment.{key} must be a table of \"YYYY-MM\" = amount",
                             key=key, project=pid, params={"case": "months", "key": key})
    try:
        return InvestmentPlan(
            total=raw.get("total", 0),
            year=raw.get("year", 0),
            annual_plan=raw.get("annual_plan", 0),
            plan=dict(raw.get("plan", {})),
            completed=dict(raw.get("completed", {})),
            completed_before=raw.get("completed_before", 0.0),
        )
    except ModelError as e:
        raise ModelError(e.kind, e.message, key=e.key, project=pid, params=e.params) from None


def _enum(value: Any, enum: Any, key: str, kind: str, ids: dict[str, Any]) -> Any:
    if value is None:
        return None
    if value not in [e.value for e in enum]:
        raise ModelError(kind, f"{key} = {value!r} is not one of {', '.join(e.value for e in enum)}", key=key,
                         params={"template": "err.not-one-of", "key": key, "value": shown(value),
                                 "choices": "、".join(e.value for e in enum)}, **ids)
    return enum(value)


def _fund(raw: Any, pid: str, idx: int) -> FundSource:
    if not isinstance(raw, dict):
        raise ModelError("bad-fund", "[[fund]] must be a table", project=pid, params={"case": "table"})
    fid = raw.get("id")
    if not isinstance(fid, str) or not fid:
        raise ModelError("missing-fund-id", f"fund #{idx + 1} has no id", key="id", project=pid,
                         params={"n": idx + 1})
    ids: dict[str, Any] = {"project": pid, "ids": (fid,)}
    for key in ("issued", "received", "paid"):
        if key in raw and not isinstance(raw[key], dict):
            raise ModelError("bad-fund", f"fund.{key} must be a table of \"YYYY-MM\" = amount", key=key,
                             params={"case": "months", "key": f"fund.{key}"}, **ids)
    return FundSource(
        id=fid, kind=_enum(raw.get("kind"), FundKind, "kind", "bad-fund-kind", ids),
        name=_str(raw.get("name"), "name", {"project": pid}), amount=raw.get("amount"),
        issued=dict(raw.get("issued", {})), received=dict(raw.get("received", {})), paid=dict(raw.get("paid", {})),
        pay_by=_date(raw.get("pay_by"), "pay_by", project=pid))


def _quantity(raw: Any, pid: str, idx: int) -> Quantity:
    if not isinstance(raw, dict):
        raise ModelError("bad-quantity", "[[quantity]] must be a table", project=pid, params={"case": "table"})
    qid = raw.get("id")
    if not isinstance(qid, str) or not qid:
        raise ModelError("missing-quantity-id", f"quantity #{idx + 1} has no id", key="id", project=pid,
                         params={"n": idx + 1})
    ids = {"project": pid}
    return Quantity(
        id=qid, name=_str(raw.get("name"), "name", ids) or "", measure=_str(raw.get("measure"), "measure", ids) or "",
        target=raw.get("target", 0), done=raw.get("done", 0.0), milestone=_str(raw.get("milestone"), "milestone", ids),
        unit=_str(raw.get("unit"), "unit", ids), start=_date(raw.get("start"), "start", project=pid),
        finish_by=_date(raw.get("finish_by"), "finish_by", project=pid))


def _items(data: dict[str, Any], table: str, parse: Any, pid: str) -> tuple[Any, ...]:
    """The [[table]] entries parsed; an error remembers which entry (for its line)."""
    raw = data.get(table, [])
    if not isinstance(raw, list):
        raise ModelError(f"bad-{table}", f"{table} entries must be [[{table}]] tables", project=pid,
                         params={"template": "err.bad-table", "table": table})
    out = []
    for i, item in enumerate(raw):
        try:
            out.append(parse(item, pid, i))
        except ModelError as e:
            e.table = (table, i)  # type: ignore[attr-defined]
            raise
    return tuple(out)


def _money(head: dict[str, Any], data: dict[str, Any], pid: str) -> Money:
    ids: dict[str, Any] = {"project": pid}
    return Money(
        stage=_enum(head.get("stage"), Stage, "stage", "bad-stage", ids),
        statistics=_enum(head.get("statistics"), StatsStatus, "statistics", "bad-statistics", ids),
        statistics_date=_date(head.get("statistics_date"), "statistics_date", **ids),
        commenced=_date(head.get("commenced"), "commenced", **ids),
        funds=_items(data, "fund", _fund, pid),
        quantities=_items(data, "quantity", _quantity, pid),
    )


def _project(data: dict[str, Any], default_calendar: str) -> Project:
    head = data.get("project")
    if not isinstance(head, dict):
        raise ModelError("missing-project", "the file has no [project] table", key=None)
    pid = head.get("id")
    if not isinstance(pid, str) or not pid:
        raise ModelError("missing-project-id", f"[project] id {pid!r} is missing or not a string", key="id")
    ids = {"project": pid}
    name = head.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ModelError("missing-name", f"[project] name {name!r} is missing or empty", key="name",
                         params={"case": "project"}, **ids)
    _check_text(name, "name", ids)
    if head.get("start") is None:
        raise ModelError("missing-start", "[project] start is missing (the earliest start date)",
                         key="start", **ids)
    start = _date(head.get("start"), "start", **ids)
    units = head.get("units", [])
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        raise ModelError("bad-units", f"units = {units!r} must be a list of unit names", key="units", **ids)
    for u in units:
        _check_text(u, "units", ids)
    raw_ms = data.get("milestone", [])
    raw_fs = data.get("factor", [])
    if not isinstance(raw_ms, list):
        raise ModelError("bad-milestone", "milestones must be [[milestone]] tables", **ids)
    if not isinstance(raw_fs, list):
        raise ModelError("bad-factor", "factors must be [[factor]] tables", **ids)
    milestones = tuple(_milestone(m, pid, i) for i, m in enumerate(raw_ms))
    factors = tuple(_factor(f, pid, i) for i, f in enumerate(raw_fs))
    calendar = head.get("calendar", default_calendar)
    if not isinstance(calendar, str):
        raise ModelError("unknown-calendar", f"calendar = {calendar!r} must name a calendar", key="calendar",
                         params={"case": "key", "value": shown(calendar)}, **ids)
    assert start is not None
    return Project(
        id=pid,
        name=name,
        lead_unit=_str(head.get("lead_unit"), "lead_unit", ids) or "",
        start=start,
        calendar=calendar,
        milestones=milestones,
        factors=factors,
        units=tuple(units),
        investment=_investment(data.get("investment"), pid),
        leader=_str(head.get("leader"), "leader", ids),
        category=_str(head.get("category"), "category", ids),
        location=_str(head.get("location"), "location", ids),
        seed=_str(head.get("seed"), "seed", ids),
        target=_str(head.get("target"), "target", ids),
        money=_money(head, data, pid),
    )


def _locate(e: ModelError, lines: _Lines, data: dict[str, Any]) -> int | None:
    """The line of the key or table an error is about."""
    where = getattr(e, "table", None)
    if where is not None:
        return lines.find(where[0], where[1], e.key)
    if e.kind.startswith(("duplicate-fund", "duplicate-quantity")) or (
            e.kind == "unknown-milestone" and e.factor is None and e.ids):
        table = "fund" if "fund" in e.kind else "quantity"
        rows = [i for i, t in enumerate(data.get(table, []) or []) if isinstance(t, dict) and t.get("id") == e.ids[0]]
        if rows:
            return lines.find(table, rows[-1], e.key)
    for table, kind in (("factor", "missing-factor-id"), ("milestone", "missing-milestone-id")):
        if e.kind == kind:  # no id to look for: the first table of that kind without a usable one
            for i, t in enumerate(data.get(table, []) or []):
                if isinstance(t, dict) and not (isinstance(t.get("id"), str) and t.get("id")):
                    return lines.find(table, i, e.key)
    for table, wanted in (("factor", e.factor), ("milestone", e.milestone)):
        if wanted is None:
            continue
        rows = [i for i, t in enumerate(data.get(table, []) or []) if isinstance(t, dict) and t.get("id") == wanted]
        if rows:
            # of a duplicate id, the second occurrence is the offender
            dup = e.kind in ("duplicate-factor", "duplicate-milestone") and len(rows) > 1
            return lines.find(table, rows[1] if dup else rows[0], e.key)
    if e.kind == "bad-investment":
        return lines.find("investment", 0, e.key)
    return lines.find("project", 0, e.key)


def _check_graph(project: Project) -> None:
    """No cycle among the links. Links that all point forward in file order (the usual way a plan
    is written) cannot form one: one pass tells; otherwise networkx finds the cycle to name."""
    order = {m.id: i for i, m in enumerate(project.milestones)}
    if all(order[link.pred] < i for i, m in enumerate(project.milestones) for link in m.after):
        return
    g = nx.DiGraph()
    g.add_nodes_from(m.id for m in project.milestones)
    g.add_edges_from((link.pred, m.id) for m in project.milestones for link in m.after)
    try:
        edges = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    cycle = [u for u, _v in edges] + [edges[0][0]]
    raise CycleError(f"milestones form a cycle: {' -> '.join(cycle)}", cycle=cycle,
                     project=project.id, milestone=cycle[0], params={"path": " → ".join(cycle)})


def parse_project(text: str, source: str | Path, *, calendars: Container[str] | None = None,
                  default_calendar: str = "construction") -> Project:
    """Parse and validate one project file's text; `source` names it in errors."""
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as e:
        msg = str(e)
        line = getattr(e, "lineno", None)
        if line is None:
            m = re.search(r"line (\d+)", msg)
            line = int(m.group(1)) if m else None
        raise ProjectFileError("toml-syntax", f"not valid TOML: {msg}", file=source, line=line,
                               params={"reason": msg}) from None
    except RecursionError:  # the parser recurses once per nesting level of arrays and inline tables
        raise ProjectFileError("toml-syntax", "not valid TOML: arrays or tables nested too deeply",
                               file=source, params={"case": "nesting"}) from None
    try:
        project = _project(data, default_calendar)
    except ModelError as e:
        raise ProjectFileError(e.kind, e.message, file=source, line=_locate(e, _Lines(text), data),
                               project=e.project or _pid(data), milestone=e.milestone, factor=e.factor,
                               ids=e.ids, params=e.params) from None
    if calendars is not None and project.calendar not in calendars:
        raise ProjectFileError("unknown-calendar", f"calendar {project.calendar!r} is not defined under "
                               "calendar/", file=source, line=_Lines(text).find("project", 0, "calendar"),
                               project=project.id, params={"case": "undefined", "value": project.calendar})
    try:
        _check_graph(project)
    except CycleError as e:
        idx = next(i for i, m in enumerate(project.milestones) if m.id == e.milestone)
        raise CycleError(e.message, cycle=e.cycle, file=source,
                         line=_Lines(text).find("milestone", idx, "after"), project=project.id,
                         milestone=e.milestone, params=e.params) from None
    if calendars is not None:
        _check_dates_in_calendar(project, calendars, source, text)
    return project


_MILESTONE_DATES = ("not_before", "start_by", "finish_by", "actual_start", "actual_finish")
_FACTOR_DATES = ("expected", "approved", "needed_by")


def _check_dates_in_calendar(project: Project, calendars: Container[str], source: str | Path,
                             text: str) -> None:
    """Every date of the file lies inside its calendar's years (when `calendars` can give the
    Calendar, as a CalendarSet does): a date the calendar cannot count is refused here, naming the
    line, rather than stored and then failing every weekly run of the whole portfolio."""
    try:
        cal = calendars[project.calendar]  # type: ignore[index]
    except (TypeError, KeyError):
        return
    first, last = getattr(cal, "first", None), getattr(cal, "last", None)
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        return

    def outside(d: dt.date | None) -> bool:
        return d is not None and not first <= d <= last

    def refuse(table: str, i: int, key: str, d: dt.date, **ids: str) -> None:
        raise ProjectFileError("date-out-of-range", f"{key} {d} is outside calendar {project.calendar} "
                               f"({first}..{last})", file=source, line=_Lines(text).find(table, i, key),
                               project=project.id, params={"key": key, "value": d, "calendar": project.calendar,
                                                           "first": first, "last": last}, **ids)

    if outside(project.start):
        refuse("project", 0, "start", project.start)
    for i, q in enumerate(project.money.quantities):
        for key in ("start", "finish_by"):
            if outside(getattr(q, key)):
                refuse("quantity", i, key, getattr(q, key))
    for i, m in enumerate(project.milestones):
        if outside(m.not_before) or outside(m.start_by) or outside(m.finish_by) or outside(m.actual_start) \
                or outside(m.actual_finish):
            key = next(k for k in _MILESTONE_DATES if outside(getattr(m, k)))
            refuse("milestone", i, key, getattr(m, key), milestone=m.id)
    for i, f in enumerate(project.factors):
        for key in _FACTOR_DATES:
            d = getattr(f, key)
            if outside(d):
                refuse("factor", i, key, d, factor=f.id, milestone=f.milestone)


def _pid(data: dict[str, Any]) -> str | None:
    head = data.get("project")
    pid = head.get("id") if isinstance(head, dict) else None
    return pid if isinstance(pid, str) else None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ProjectFileError("unreadable", f"cannot read the file: {e.strerror}", file=path,
                               params=os_params(e)) from None


def digest_of(raw: bytes) -> str:
    """The SHA-256 of a file's bytes, as stored with its project (what tells an unchanged file)."""
    return hashlib.sha256(raw).hexdigest()


def _from_bytes(raw: bytes, path: Path, digest: str, *, calendars: Container[str] | None,
                default_calendar: str) -> ProjectFile:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ProjectFileError("encoding", f"not UTF-8 text (byte {e.start})", file=path, line=line,
                               params={"byte": e.start}) from None
    project = parse_project(text, path, calendars=calendars, default_calendar=default_calendar)
    return ProjectFile(project, path, digest, text)


def read_project_file(path: Path, *, calendars: Container[str] | None = None,
                      default_calendar: str = "construction") -> ProjectFile:
    """Read, decode and validate one project file."""
    raw = _read_bytes(path)
    return _from_bytes(raw, path, digest_of(raw), calendars=calendars, default_calendar=default_calendar)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the *.toml files of folders named (sorted), in the order given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob("*.toml")))
        elif p.exists():
            out.append(p)
        else:
            raise ProjectFileError("no-such-file", "no such file or folder", file=p)
    return out


def read_portfolio(paths: Sequence[str | Path], *, calendars: Container[str] | None = None,
                   default_calendar: str = "construction") -> list[ProjectFile]:
    """Read every file; refuse a project id already used by another file."""
    seen: dict[str, Path] = {}
    out = []
    for path in expand_paths(paths):
        pf = read_project_file(path, calendars=calendars, default_calendar=default_calendar)
        if pf.project.id in seen:
            raise ProjectFileError("duplicate-project", f"project id {pf.project.id} is already used by "
                                   f"{seen[pf.project.id]}", file=path, line=_Lines(pf.text).find("project", 0, "id"),
                                   project=pf.project.id, params={"id": pf.project.id, "other": seen[pf.project.id]})
        seen[pf.project.id] = path
        out.append(pf)
    return out


@dataclass(frozen=True, slots=True)
class CheckedFiles:
    """What check_files found: the files read and valid, the files not parsed because their bytes
    are a stored project's (project id -> digest), and one error per refused file."""

    files: list[ProjectFile]
    unchanged: dict[str, str]
    errors: list[ProjectFileError]


def check_files(paths: Sequence[str | Path], *, known: Mapping[str, str] | None = None,
                calendars: Container[str] | None = None, default_calendar: str = "construction") -> CheckedFiles:
    """Validate every file and collect all errors (one per file) rather than stop at the first.
    A file whose SHA-256 is in `known` (digest -> id of the stored project it was loaded as) costs
    only its digest: it was validated when it was stored, and it is not parsed again."""
    known = known or {}
    seen: dict[str, Path] = {}
    good: list[ProjectFile] = []
    unchanged: dict[str, str] = {}
    errors: list[ProjectFileError] = []
    try:
        files = expand_paths(paths)
    except ProjectFileError as e:
        return CheckedFiles([], {}, [e])
    for path in files:
        try:
            raw = _read_bytes(path)
            digest = digest_of(raw)
            pid = known.get(digest)
            if pid is not None and pid not in seen:
                seen[pid] = path
                unchanged[pid] = digest
                continue
            pf = _from_bytes(raw, path, digest, calendars=calendars, default_calendar=default_calendar)
        except ProjectFileError as e:
            errors.append(e.detached())  # kept to list them all: not their frames (each file's text)
            continue
        if pf.project.id in seen:
            errors.append(ProjectFileError("duplicate-project", f"project id {pf.project.id} is already used "
                                           f"by {seen[pf.project.id]}", file=path,
                                           line=_Lines(pf.text).find("project", 0, "id"), project=pf.project.id,
                                           params={"id": pf.project.id, "other": seen[pf.project.id]}))
            continue
        seen[pf.project.id] = path
        good.append(pf)
    return CheckedFiles(good, unchanged, errors)


def collect_errors(paths: Sequence[str | Path], *, calendars: Container[str] | None = None,
                   default_calendar: str = "construction") -> tuple[list[ProjectFile], list[ProjectFileError]]:
    """Validate every file and collect all errors (one per file) rather than stop at the first."""
    checked = check_files(paths, calendars=calendars, default_calendar=default_calendar)
    return checked.files, checked.errors
