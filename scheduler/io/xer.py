"""Primavera P6 XER (tab-separated tables: %T name, %F fields, %R rows, %E end) read directly in
pure Python into the shared import model, one SourceProject per project of the file, and written
from scheduled projects (calendars, WBS root, activities, relationships)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.core.calendars import Calendar
from scheduler.core.model import LinkType, Project
from scheduler.core.schedule import ScheduleResult
from scheduler.errors import shown
from scheduler.io.interop import (
    DROPPED,
    FINISH_BY,
    NOT_BEFORE,
    START_BY,
    SourceCalendar,
    SourceLink,
    SourceProject,
    SourceTask,
    remaining_days,
)
from scheduler.io.interop_errors import InteropError
from scheduler.io.mspdi import exception_runs, export_span, weekend_of
from scheduler.strings import Said

EPOCH = dt.date(1899, 12, 30)
"""Day 0 of the day numbers in P6 calendar data (as spreadsheets count)."""
LINK_TYPES = {"PR_FS": LinkType.FS, "PR_SS": LinkType.SS, "PR_FF": LinkType.FF, "PR_SF": LinkType.SF}
CONSTRAINTS = {"CS_MSOA": (NOT_BEFORE, "Start On or After"), "CS_MSOB": (START_BY, "Start On or Before"),
               "CS_MEOB": (FINISH_BY, "Finish On or Before"), "CS_MSO": (DROPPED, "Start On"),
               "CS_MEO": (DROPPED, "Finish On"), "CS_MEOA": (DROPPED, "Finish On or After"),
               "CS_ALAP": (DROPPED, "As Late As Possible"), "CS_MANDSTART": (DROPPED, "Mandatory Start"),
               "CS_MANDFIN": (DROPPED, "Mandatory Finish")}
HOURS_PER_DAY = 8
TABLE_ORDER = ("UDFTYPE", "PROJECT", "CALENDAR", "PROJWBS", "TASK", "TASKPRED", "UDFVALUE")


@dataclass(slots=True)
class Table:
    """One %T table: its field names and rows (each with the line it came from)."""

    name: str
    fields: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _decode(data: bytes, source: str, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as e:
            params: dict[str, object] = {"case": "xer", "encoding": shown(encoding), "byte": e.start + 1} \
                if isinstance(e, UnicodeDecodeError) else {"case": "xer-lookup", "encoding": shown(encoding)}
            raise InteropError("encoding", f"cannot decode the file as {encoding}: {e}", file=source,
                               params=params) from None
    for enc in ("utf-8-sig", "gb18030", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _version_known(version: str) -> bool:
    head = version.split(".")[0]
    return head.isdigit() and (3 <= int(head) <= 8 or 15 <= int(head) <= 25)


def parse_tables(data: bytes, source: str, encoding: str | None = None) -> tuple[str, dict[str, Table], str]:
    """The XER's version, its tables by name, and the encoding it was read with."""
    text, used = _decode(data, source, encoding)
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not lines[first].startswith("ERMHDR"):
        raise InteropError("not-xer", "not a P6 XER file: it does not begin with ERMHDR", file=source, line=1,
                           params={"case": "xer"})
    head = lines[first].rstrip("\r").split("\t")
    version = head[1] if len(head) > 1 else ""
    if not _version_known(version):
        raise InteropError("unknown-version", f"P6 XER version {version!r} is not one this importer knows (3.x to "
                           "8.x, 15.x to 25.x)", file=source, line=first + 1,
                           params={"case": "xer", "value": shown(version)})
    tables: dict[str, Table] = {}
    table: Table | None = None
    ended = False
    for no, raw in enumerate(lines[first + 1:], start=first + 2):
        line = raw.rstrip("\r")
        if not line:
            continue
        if ended:
            raise InteropError("bad-xer", "text after the %E end marker", file=source, line=no,
                               params={"case": "after-end"})
        parts = line.split("\t")
        tag = parts[0]
        if tag == "%T":
            name = parts[1] if len(parts) > 1 else ""
            table = Table(name, [], [])
            tables[name] = table
        elif tag == "%F":
            if table is None:
                raise InteropError("bad-xer", "%F field names before any %T table", file=source, line=no,
                                   params={"case": "fields-first"})
            table.fields = parts[1:]
        elif tag == "%R":
            if table is None or not table.fields:
                raise InteropError("bad-xer", "%R row before its table's %F field names", file=source, line=no,
                                   params={"case": "row-first"})
            values = parts[1:]
            if len(values) > len(table.fields):
                raise InteropError("bad-xer", f"row of table {table.name} has {len(values)} values for "
                                   f"{len(table.fields)} fields", file=source, line=no,
                                   params={"case": "row-long", "table": table.name, "n": len(values),
                                           "fields": len(table.fields)})
            table.rows.append((no, dict(zip(table.fields, values, strict=False))))
        elif tag == "%E":
            ended = True
        else:
            raise InteropError("bad-xer", f"line starts with {tag[:20]!r}, not %T, %F, %R or %E", file=source, line=no,
                               params={"case": "tag", "tag": repr(tag[:20])})
    if not ended:
        raise InteropError("truncated", "the file ends without the %E end marker (cut short?)", file=source,
                           line=len(lines), params={"case": "xer"})
    return version, tables, used


def _when(value: str, what: str, source: str, line: int) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise InteropError("bad-value", f"{what} {value!r} is not a date (YYYY-MM-DD HH:MM)", file=source,
                               line=line, params={"case": "xer-date", "what": what, "value": shown(value)}) from None


def _num(value: str, what: str, source: str, line: int) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise InteropError("bad-value", f"{what} {value!r} is not a number", file=source, line=line,
                           params={"case": "number", "what": what, "value": shown(value)}) from None


# -- calendar data: (0||label(attrs)(children)) -------------------------------------------------
@dataclass(slots=True)
class _CNode:
    label: str
    attrs: str
    children: list[_CNode]


def parse_calendar_data(text: str) -> _CNode | None:
    """The tree of a clndr_data field (None when it cannot be read)."""
    s = "".join(ch for ch in text if not ch.isspace() and ch != "\x7f")
    pos = 0

    def node() -> _CNode:
        nonlocal pos
        if not s.startswith("(0||", pos):
            raise ValueError(pos)
        pos += 4
        open_at = s.index("(", pos)
        label = s[pos:open_at]
        close_at = s.index(")", open_at)
        attrs = s[open_at + 1:close_at]
        pos = close_at + 1
        if pos >= len(s) or s[pos] != "(":
            raise ValueError(pos)
        pos += 1
        children = []
        while pos < len(s) and s[pos] == "(":
            children.append(node())
        if pos >= len(s) or s[pos] != ")":
            raise ValueError(pos)
        pos += 1
        if pos >= len(s) or s[pos] != ")":
            raise ValueError(pos)
        pos += 1
        return _CNode(label, attrs, children)

    try:
        return node()
    except (ValueError, IndexError):
        return None


def _times(n: _CNode) -> list[tuple[dt.time, dt.time]]:
    out = []
    for c in n.children:
        bits = c.attrs.split("|")
        kv = dict(zip(bits[::2], bits[1::2], strict=False))
        try:
            a, b = dt.time.fromisoformat(kv["s"]), kv["f"]
            out.append((a, dt.time(23, 59) if b in ("00:00", "24:00") else dt.time.fromisoformat(b)))
        except (KeyError, ValueError):
            continue
    return out


def _calendar(row: dict[str, str], source: str, line: int, warnings: list[str]) -> SourceCalendar:
    key = row.get("clndr_id", "")
    name = row.get("clndr_name", "") or f"calendar {key}"
    hpd = _num(row.get("day_hr_cnt", ""), "day_hr_cnt", source, line) or 8.0
    tree = parse_calendar_data(row.get("clndr_data", ""))
    if tree is None:
        warnings.append(Said(f"calendar {name!r}: its calendar data cannot be read; Monday to Friday assumed",
                             "warn.calendar-unreadable", name=repr(name)))
        return SourceCalendar(key, name, hours_per_day=hpd)
    working: set[int] = set()
    off: set[dt.date] = set()
    work: set[dt.date] = set()
    starts: list[dt.time] = []
    ends: list[dt.time] = []
    seen_week = False
    for part in tree.children:
        if part.label == "DaysOfWeek":
            seen_week = True
            for day in part.children:
                if day.label.isdigit() and 1 <= int(day.label) <= 7:
                    times = _times(day)
                    if times:
                        working.add((int(day.label) + 5) % 7)  # 1 = Sunday
                        starts += [a for a, _b in times]
                        ends += [b for _a, b in times]
        elif part.label == "Exceptions":
            for ex in part.children:
                bits = ex.attrs.split("|")
                kv = dict(zip(bits[::2], bits[1::2], strict=False))
                if "d" not in kv or not kv["d"].isdigit():
                    continue
                d = EPOCH + dt.timedelta(days=int(kv["d"]))
                (work if _times(ex) else off).add(d)
    if not seen_week:
        working = set(range(5))
    return SourceCalendar(key, name, frozenset(working), frozenset(off), frozenset(work), hours_per_day=hpd,
                          day_start=min(starts) if starts else dt.time(0, 0),
                          day_end=max(ends) if ends else dt.time(23, 59))


def read_xer(data: bytes, source: str, *, encoding: str | None = None) -> list[SourceProject]:
    """Every project of a P6 XER file, with its WBS paths, activities, relationships, constraints,
    progress and calendars."""
    _version, tables, used = parse_tables(data, source, encoding)

    def rows(name: str) -> list[tuple[int, dict[str, str]]]:
        t = tables.get(name)
        return t.rows if t is not None else []

    if not rows("PROJECT"):
        raise InteropError("no-project", "the XER file has no PROJECT rows", file=source, params={"case": "xer"})
    common: list[str] = []
    if used not in ("utf-8-sig",):
        common.append(Said(f"the file is not UTF-8; read as {used}",
                           "warn.encoding", used=used))
    calendars: dict[str, SourceCalendar] = {}
    default_cal = None
    for line, row in rows("CALENDAR"):
        cal = _calendar(row, source, line, common)
        calendars[cal.key] = cal
        if row.get("default_flag") == "Y":
            default_cal = cal.key
    wbs: dict[str, dict[str, str]] = {line_row[1].get("wbs_id", ""): line_row[1] for line_row in rows("PROJWBS")}
    tasks_by_id: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in rows("TASK"):
        tid = row.get("task_id", "")
        if tid in tasks_by_id:
            raise InteropError("bad-xer", f"activity task_id {tid} appears twice", file=source, line=line,
                               params={"case": "twice", "id": shown(tid)})
        tasks_by_id[tid] = (line, row)
    preds: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in rows("TASKPRED"):
        succ, pred = row.get("task_id", ""), row.get("pred_task_id", "")
        for which, tid in (("successor", succ), ("predecessor", pred)):
            if tid not in tasks_by_id:
                raise InteropError("unknown-predecessor" if which == "predecessor" else "unknown-successor",
                                   f"relationship {row.get('task_pred_id', '?')} names {which} activity "
                                   f"{tid or '(none)'}, which is not in the file's TASK table", file=source,
                                   line=line, ids=(tid,),
                                   params={"case": "xer", "relation": row.get("task_pred_id", "?"), "id": shown(tid)})
        preds.setdefault(succ, []).append((line, row))
    out = []
    for line, prow in rows("PROJECT"):
        if prow.get("project_flag", "Y") == "N":
            continue
        out.append(_project(prow, line, source, tables, calendars, default_cal, wbs, tasks_by_id, preds, common))
    if not out:
        raise InteropError("no-project", "the XER file has no project (project_flag Y)", file=source,
                           params={"case": "xer-flag"})
    return out


def _wbs_path(wbs_id: str, wbs: dict[str, dict[str, str]]) -> tuple[tuple[str, str, str], ...]:
    chain: list[dict[str, str]] = []
    seen: set[str] = set()
    cur = wbs.get(wbs_id)
    while cur is not None and cur.get("proj_node_flag") != "Y" and cur.get("wbs_id") not in seen:
        seen.add(cur.get("wbs_id", ""))
        chain.append(cur)
        cur = wbs.get(cur.get("parent_wbs_id", ""))
    chain.reverse()
    out = []
    codes: list[str] = []
    for w in chain:
        codes.append(w.get("wbs_short_name", "") or w.get("wbs_id", ""))
        out.append((w.get("wbs_id", ""), ".".join(codes), w.get("wbs_name", "") or codes[-1]))
    return tuple(out)


UDF_LABELS = {"PROJECT": "lead_unit", "TASK": "unit"}
"""User-defined fields (UDFTYPE/UDFVALUE) that carry the spec's lead unit and milestone units."""


def _units(tables: dict[str, Table]) -> dict[tuple[str, str], str]:
    """The text of our user-defined fields by (table, row id): the lead unit, each milestone's unit."""
    types: dict[str, str] = {}
    for _line, row in tables["UDFTYPE"].rows if "UDFTYPE" in tables else []:
        name = row.get("table_name", "")
        if UDF_LABELS.get(name) == row.get("udf_type_label", "").strip().lower():
            types[row.get("udf_type_id", "")] = name
    out: dict[tuple[str, str], str] = {}
    for _line, row in tables["UDFVALUE"].rows if "UDFVALUE" in tables else []:
        owner = types.get(row.get("udf_type_id", ""))
        if owner is not None and row.get("udf_text"):
            out[(owner, row.get("fk_id", ""))] = row["udf_text"]
    return out


def _project(prow: dict[str, str], pline: int, source: str, tables: dict[str, Table],
             calendars: dict[str, SourceCalendar], default_cal: str | None, wbs: dict[str, dict[str, str]],
             tasks_by_id: dict[str, tuple[int, dict[str, str]]], preds: dict[str, list[tuple[int, dict[str, str]]]],
             common: list[str]) -> SourceProject:
    pid = prow.get("proj_id", "")
    warnings = list(common)
    units = _units(tables)
    short = prow.get("proj_short_name", "") or f"P{pid}"
    root_name = next((w.get("wbs_name", "") for w in wbs.values()
                      if w.get("proj_id") == pid and w.get("proj_node_flag") == "Y"), "")
    cal_key = prow.get("clndr_id", "") or default_cal or ""
    if cal_key not in calendars:
        calendars = dict(calendars)
        calendars[cal_key] = SourceCalendar(cal_key or "default", "default")
        warnings.append(Said("calendar: the project names no calendar of the file; Monday to Friday assumed",
                             "warn.xer-no-calendar"))
    tasks: list[SourceTask] = []
    skipped: list[str] = []
    cross: list[str] = []
    for tid, (line, row) in tasks_by_id.items():
        if row.get("proj_id") != pid:
            continue
        code = row.get("task_code", "") or f"T{tid}"
        ttype = row.get("task_type", "TT_Task")
        if ttype == "TT_WBS":
            skipped.append(code)
            continue
        links = []
        for pl, link in preds.get(tid, []):
            pred = link.get("pred_task_id", "")
            if tasks_by_id[pred][1].get("task_type") == "TT_WBS":
                skipped.append(f"{tasks_by_id[pred][1].get('task_code', pred)}->{code}")
                continue
            if tasks_by_id[pred][1].get("proj_id") != pid:
                cross.append(f"{tasks_by_id[pred][1].get('task_code', pred)}->{code}")
                continue
            ltype = LINK_TYPES.get(link.get("pred_type", "PR_FS"))
            if ltype is None:
                raise InteropError("bad-relation-type", f"relationship type {link.get('pred_type')!r} is not "
                                   "PR_FS, PR_SS, PR_FF or PR_SF", file=source, line=pl, milestone=code,
                                   params={"case": "xer", "value": shown(link.get("pred_type"))})
            links.append(SourceLink(pred, ltype, lag_hours=_num(link.get("lag_hr_cnt", ""), "lag_hr_cnt", source, pl)
                                    or 0.0))
        constraints: list[tuple[str, str, dt.datetime | None]] = []
        for ct, cd in (("cstr_type", "cstr_date"), ("cstr_type2", "cstr_date2")):
            kind = row.get(ct, "")
            if kind in CONSTRAINTS:
                what, label = CONSTRAINTS[kind]
                constraints.append((what, label, _when(row.get(cd, ""), cd, source, line)))
            elif kind:
                constraints.append((DROPPED, kind, _when(row.get(cd, ""), cd, source, line)))

        def when(name: str, line: int = line, row: dict[str, str] = row) -> dt.datetime | None:
            return _when(row.get(name, ""), name, source, line)

        early_start = when("early_start_date") or when("restart_date")
        early_finish = when("early_end_date") or when("reend_date")
        if ttype == "TT_LOE":
            warnings.append(Said(f"activity {code}: level of effort; kept as a task of its scheduled span",
                                 "warn.level-of-effort", code=code))
        physical = _num(row.get("phys_complete_pct", ""), "phys_complete_pct", source, line)
        tasks.append(SourceTask(
            key=tid, code=code, name=row.get("task_name", "") or code, wbs_path=_wbs_path(row.get("wbs_id", ""), wbs),
            milestone=ttype in ("TT_Mile", "TT_FinMile"),
            duration_hours=0.0 if ttype in ("TT_Mile", "TT_FinMile") else
            _num(row.get("target_drtn_hr_cnt", ""), "target_drtn_hr_cnt", source, line) or 0.0,
            remaining_hours=_num(row.get("remain_drtn_hr_cnt", ""), "remain_drtn_hr_cnt", source, line),
            resource_driven=ttype in ("TT_Rsrc", "TT_LOE"), links=links,
            calendar=row.get("clndr_id") if row.get("clndr_id") in calendars else None, constraints=constraints,
            actual_start=when("act_start_date"), actual_finish=when("act_end_date"),
            physical_percent=physical if row.get("complete_pct_type") == "CP_Phys" else None,
            start=early_start or when("target_start_date"), finish=early_finish or when("target_end_date"),
            early_start=early_start, early_finish=early_finish, unit=units.get(("TASK", tid))))
    if skipped:
        warnings.append(Said(f"WBS summary activities and their relationships dropped (their dates follow their WBS): "
                        f"{', '.join(skipped[:5])}",
                             "warn.wbs-summary", items=tuple(skipped[:5])))
    if cross:
        warnings.append(Said(f"relationships with activities of other projects dropped (one file a project): "
                        f"{', '.join(cross[:5])}",
                             "warn.cross-project", items=tuple(cross[:5])))
    start = _when(prow.get("plan_start_date", ""), "plan_start_date", source, pline)
    if start is None:
        firsts = [t.start for t in tasks if t.start is not None]
        if not firsts:
            raise InteropError("bad-project", f"project {short} has no plan_start_date", file=source, line=pline,
                               params={"case": "xer", "project": short})
        start = min(firsts)
    return SourceProject(
        key=pid, id_hint=short, name=root_name or short, start=start, calendar=cal_key, calendars=calendars,
        tasks=tasks, fmt="P6 XER", source=source, lead_unit=units.get(("PROJECT", pid), ""),
        data_date=_when(prow.get("last_recalc_date", ""), "last_recalc_date", source, pline),
        finish=_when(prow.get("scd_end_date", ""), "scd_end_date", source, pline), warnings=warnings)


# -- writing ----------------------------------------------------------------------------------
def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").splitlines())


def _stamp(d: dt.date | None, t: dt.time) -> str:
    return "" if d is None else dt.datetime.combine(d, t).strftime("%Y-%m-%d %H:%M")


def calendar_data(cal: Calendar, a: dt.date, b: dt.date) -> str:
    """P6 clndr_data of a county calendar over [a, b]: weekly rule and exception days."""
    weekend = weekend_of(cal, a, b)
    hours = "(0||0(s|08:00|f|12:00)())(0||1(s|13:00|f|17:00)())"
    days = "".join(f"(0||{n}()({'' if (n + 5) % 7 in weekend else hours}))" for n in range(1, 8))
    exceptions = []
    k = 0
    for first, last, worked in exception_runs(cal, weekend, a, b):
        d = first
        while d <= last:
            exceptions.append(f"(0||{k}(d|{(d - EPOCH).days})({hours if worked else ''}))")
            k += 1
            d += dt.timedelta(days=1)
    return f"(0||CalendarData()((0||DaysOfWeek()({days}))(0||Exceptions()({''.join(exceptions)}))))"


def write_xer(items: Sequence[tuple[Project, ScheduleResult, int, Calendar]], warnings: list[str]) -> str:
    """An XER file holding each (project, schedule result, row offset in the result, calendar)
    (the lead unit and milestone units as user-defined text fields `lead_unit` and `unit`):
    finish_by as Finish On or Before and start_by as Start On or Before (they only bound late
    dates in P6), not_before as Start On or After, events as start or finish milestones, progress
    with the remaining duration written out."""
    today = dt.date.today().isoformat()
    out = [f"ERMHDR\t8.4\t{today}\tProject\tdispatch\tdispatch\tdbxDatabaseNoName\tProject Management\tCNY"]

    written: dict[str, tuple[list[str], list[list[str]]]] = {}

    def table(name: str, fields: list[str], rows: list[list[str]]) -> None:
        written[name] = (fields, rows)

    cal_ids: dict[str, int] = {}
    cal_rows = []
    for project, result, base, cal in items:
        if cal.name in cal_ids:
            continue
        cal_ids[cal.name] = len(cal_ids) + 1
        n = len(project.milestones)
        a, b = export_span(project, [*result.early_finish[base:base + n], *result.late_finish[base:base + n]])
        cal_rows.append([str(cal_ids[cal.name]), "N", cal.name, "", "", "CA_Global", str(HOURS_PER_DAY),
                         str(HOURS_PER_DAY * (7 - len(weekend_of(cal, a, b)))), "N", calendar_data(cal, a, b)])
    table("CALENDAR", ["clndr_id", "default_flag", "clndr_name", "proj_id", "base_clndr_id", "clndr_type",
                       "day_hr_cnt", "week_hr_cnt", "rsrc_private", "clndr_data"], cal_rows)
    proj_rows, wbs_rows, task_rows, pred_rows, udf_rows = [], [], [], [], []
    task_id = 0
    pred_id = 0
    for pi, (project, result, base, cal) in enumerate(items, start=1):
        res = result
        n = len(project.milestones)
        fins = [dt.date.fromordinal(int(res.early_finish[base + i])) for i in range(n)]
        proj_rows.append([str(pi), project.id, str(cal_ids[cal.name]), _stamp(project.start, dt.time(8, 0)),
                          _stamp(res.data_date or project.start, dt.time(0, 0)),
                          _stamp(max(fins) if fins else project.start, dt.time(17, 0)), "Y", "DT_FixedDUR2",
                          "CP_Phys"])
        wbs_rows.append([str(pi), str(pi), "1", "Y", "WS_Open", project.id, project.name, ""])
        ids = {m.id: task_id + k + 1 for k, m in enumerate(project.milestones)}
        if project.lead_unit:
            udf_rows.append(["1", str(pi), str(pi), project.lead_unit])
        for i, m in enumerate(project.milestones):
            r = base + i
            task_id += 1
            event = m.duration == 0
            fin = bool(res.cpm.fin_bound[r])
            st_t = dt.time(17, 0) if event and fin else dt.time(8, 0)
            fi_t = st_t if event else dt.time(17, 0)
            es, ef = (dt.date.fromordinal(int(x)) for x in (res.early_start[r], res.early_finish[r]))
            ls, lf = (dt.date.fromordinal(int(x)) for x in (res.late_start[r], res.late_finish[r]))
            started = m.actual_start is not None
            finished = m.actual_finish is not None
            remaining = 0 if finished else (remaining_days(m) if started else m.duration)
            cons = [(k, d) for k, d in (("CS_MSOA", m.not_before), ("CS_MSOB", m.start_by), ("CS_MEOB", m.finish_by))
                    if d is not None]
            if len(cons) > 2:
                warnings.append(Said(f"{project.id} {m.id}: P6 holds two constraints; start_by {m.start_by} is not "
                                     "written", "warn.two-constraints", project=project.id, milestone=m.id,
                                     date=m.start_by))
                cons = [c for c in cons if c[0] != "CS_MSOB"]
            cons_t = {"CS_MSOA": dt.time(8, 0), "CS_MSOB": dt.time(8, 0), "CS_MEOB": dt.time(17, 0)}
            c1 = cons[0] if cons else ("", None)
            c2 = cons[1] if len(cons) > 1 else ("", None)
            if m.unit:
                udf_rows.append(["2", str(task_id), str(pi), m.unit])
            task_rows.append([
                str(task_id), str(pi), str(pi), str(cal_ids[cal.name]),
                _num_text(100 if finished else (m.percent or 0) if started else 0),
                "CP_Phys", ("TT_FinMile" if fin else "TT_Mile") if event else "TT_Task", "DT_FixedDUR2",
                "TK_Complete" if finished else ("TK_Active" if started else "TK_NotStart"), m.id, m.name,
                "" if finished else str(int(res.cpm.total_float[r]) * HOURS_PER_DAY),
                str(remaining * HOURS_PER_DAY), str(m.duration * HOURS_PER_DAY),
                c1[0], _stamp(c1[1], cons_t.get(c1[0], dt.time(8, 0))),
                c2[0], _stamp(c2[1], cons_t.get(c2[0], dt.time(8, 0))),
                _stamp(m.actual_start if started else None, dt.time(8, 0)),
                _stamp(m.actual_finish if finished else None, dt.time(17, 0)),
                _stamp(es, st_t), _stamp(ef, fi_t), _stamp(ls, st_t), _stamp(lf, fi_t)])
            for link in m.after:
                pred_id += 1
                pred_rows.append([str(pred_id), str(task_id), str(ids[link.pred]), str(pi), str(pi),
                                  f"PR_{link.type.value}", str(link.lag * HOURS_PER_DAY)])
    table("PROJECT", ["proj_id", "proj_short_name", "clndr_id", "plan_start_date", "last_recalc_date", "scd_end_date",
                      "project_flag", "def_duration_type", "def_complete_pct_type"], proj_rows)
    table("PROJWBS", ["wbs_id", "proj_id", "seq_num", "proj_node_flag", "status_code", "wbs_short_name", "wbs_name",
                      "parent_wbs_id"], wbs_rows)
    table("TASK", ["task_id", "proj_id", "wbs_id", "clndr_id", "phys_complete_pct", "complete_pct_type", "task_type",
                   "duration_type", "status_code", "task_code", "task_name", "total_float_hr_cnt", "remain_drtn_hr_cnt",
                   "target_drtn_hr_cnt", "cstr_type", "cstr_date", "cstr_type2", "cstr_date2", "act_start_date",
                   "act_end_date", "early_start_date", "early_end_date", "late_start_date", "late_end_date"], task_rows)
    table("TASKPRED", ["task_pred_id", "task_id", "pred_task_id", "proj_id", "pred_proj_id", "pred_type",
                       "lag_hr_cnt"], pred_rows)
    table("UDFTYPE", ["udf_type_id", "table_name", "udf_type_name", "udf_type_label", "logical_data_type"],
          [["1", "PROJECT", "user_field_dispatch_1", UDF_LABELS["PROJECT"], "FT_TEXT"],
           ["2", "TASK", "user_field_dispatch_2", UDF_LABELS["TASK"], "FT_TEXT"]])
    table("UDFVALUE", ["udf_type_id", "fk_id", "proj_id", "udf_text"], udf_rows)
    for name in TABLE_ORDER:  # the order P6 writes them: types before the rows that use them
        fields, rows = written[name]
        out.append(f"%T\t{name}")
        out.append("%F\t" + "\t".join(fields))
        out.extend("%R\t" + "\t".join(_clean(v) for v in r) for r in rows)
    out.append("%E")
    return "\n".join(out) + "\n"


def _num_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))
