"""MS Project XML (MSPDI, the format MS Project, ProjectLibre and the province's platforms exchange)
read into the shared import model and written from a scheduled project, with the standard library's
ElementTree; a DOCTYPE or ENTITY is refused before parsing (no entity bombs, no external entities)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator

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
    slug,
)
from scheduler.io.interop_errors import InteropError
from scheduler.strings import Said

NS = "http://schemas.microsoft.com/project"
KNOWN_SAVE_VERSIONS = frozenset({9, 10, 11, 12, 14})
"""SaveVersion of Project 2000 (9), 2002 (10), 2003 (11), 2007 (12) and 2010 to 2021 (14)."""
LINK_TYPES = {"0": LinkType.FF, "1": LinkType.FS, "2": LinkType.SF, "3": LinkType.SS}
LINK_CODES = {v: k for k, v in LINK_TYPES.items()}
ELAPSED_FORMATS = frozenset({4, 6, 8, 10, 12, 20, 36, 38, 40, 42, 44, 52})
PERCENT_FORMATS = frozenset({19, 20, 51, 52})
CONSTRAINTS = {"1": (DROPPED, "As Late As Possible"), "2": (DROPPED, "Must Start On"),
               "3": (DROPPED, "Must Finish On"), "4": (NOT_BEFORE, "Start No Earlier Than"),
               "5": (START_BY, "Start No Later Than"), "6": (DROPPED, "Finish No Earlier Than"),
               "7": (FINISH_BY, "Finish No Later Than")}
TEXT1, DATE1 = "188743731", "188743945"
ID_ALIAS, START_BY_ALIAS = "dispatch id", "start_by"
_DURATION = re.compile(r"^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
                       r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
HOURS_PER_DAY = 8
MORNING, EVENING = dt.time(8, 0), dt.time(17, 0)


def refuse_dtd(data: bytes, source: str) -> None:
    """Refuse a document type declaration or entity before any parser sees it: MSPDI has none, and
    they are how entity bombs (billion laughs) and external entities (XXE) get in."""
    probes = [data]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            probes.append(data.decode("utf-16").encode("utf-8"))
        except UnicodeDecodeError:
            raise InteropError("not-xml", "not XML: broken UTF-16 text", file=source,
                               params={"case": "utf16"}) from None
    for probe in probes:
        for token in (b"<!DOCTYPE", b"<!ENTITY"):
            at = probe.find(token)
            if at >= 0:
                line = probe[:at].count(b"\n") + 1
                raise InteropError("xml-dtd", f"refused: the file declares {token[2:].decode()}; MS Project XML "
                                   "has none, and entity declarations can expand without bound or read other files",
                                   file=source, line=line, params={"token": token[2:].decode()})


def _parse(data: bytes, source: str) -> ET.Element:
    if not data.strip():
        raise InteropError("truncated", "the file is empty", file=source, params={"case": "empty"})
    refuse_dtd(data, source)
    try:
        return ET.fromstring(data)
    except ET.ParseError as e:
        line, col = e.position
        msg = str(e).split(":")[0]
        truncated = msg in ("no element found", "unclosed token") and data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
        kind, what = ("truncated", "the XML ends before its last element closes") if truncated else \
            ("not-xml", f"not well-formed XML ({msg}, column {col})")
        raise InteropError(kind, what, file=source, line=line,
                           params={"case": "xml" if truncated else "parse", "reason": msg, "column": col}) from None


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _text(el: ET.Element | None, tag: str) -> str | None:
    if el is None:
        return None
    child = el.find(_q(tag))
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _when(value: str | None, what: str, source: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise InteropError("bad-value", f"{what} {value!r} is not a date and time", file=source,
                           params={"case": "datetime", "what": what, "value": shown(value)}) from None


def _hours(value: str | None, what: str, source: str, task: str | None = None) -> float | None:
    """Hours of an MSPDI duration (PT8H0M0S; days count 24 hours, as MS Project writes elapsed time)."""
    if not value:
        return None
    m = _DURATION.match(value)
    named = f"task {task} {what}" if task else what
    params = {"what": what, "value": shown(value), "task": task}
    if m is None:
        raise InteropError("bad-value", f"{named} {value!r} is not an ISO 8601 duration", file=source,
                           params={"case": "task-duration" if task else "duration", **params})
    sign, y, mo, d, h, mi, s = m.groups()
    if y or mo:
        raise InteropError("bad-value", f"{named} {value!r}: years and months are not working time", file=source,
                           params={"case": "task-years" if task else "years", **params})
    hours = float(d or 0) * 24 + float(h or 0) + float(mi or 0) / 60 + float(s or 0) / 3600
    return -hours if sign else hours


def _num(value: str | None, what: str, source: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise InteropError("bad-value", f"{what} {value!r} is not a number", file=source,
                           params={"case": "number", "what": what, "value": shown(value)}) from None


def _calendars(root: ET.Element, source: str, hours_per_day: float, day_start: dt.time,
               warnings: list[str]) -> dict[str, SourceCalendar]:
    raw: dict[str, ET.Element] = {}
    for c in root.iterfind(f"{_q('Calendars')}/{_q('Calendar')}"):
        uid = _text(c, "UID")
        if uid is not None:
            raw[uid] = c
    done: dict[str, SourceCalendar] = {}

    def build(uid: str, stack: tuple[str, ...] = ()) -> SourceCalendar:
        if uid in done:
            return done[uid]
        c = raw[uid]
        base_uid = _text(c, "BaseCalendarUID")
        base = build(base_uid, (*stack, uid)) if base_uid in raw and base_uid not in (*stack, uid) else None
        working = set(base.working_weekdays) if base else set(range(5))
        off = set(base.off) if base else set()
        work = set(base.work) if base else set()
        starts: list[dt.time] = []
        ends: list[dt.time] = []
        for wd in c.iterfind(f"{_q('WeekDays')}/{_q('WeekDay')}"):
            day_type = _text(wd, "DayType")
            is_working = _text(wd, "DayWorking") == "1"
            if day_type == "0":
                _exception(wd, is_working, off, work, source)
            elif day_type in {"1", "2", "3", "4", "5", "6", "7"}:
                weekday = (int(day_type) + 5) % 7  # DayType 1 = Sunday
                (working.add if is_working else working.discard)(weekday)
                for a, b in _times(wd):
                    starts.append(a)
                    ends.append(b)
        for ex in c.iterfind(f"{_q('Exceptions')}/{_q('Exception')}"):
            if (_text(ex, "Type") or "1") != "1" or (_text(ex, "Period") or "1") != "1":
                warnings.append(Said(f"calendar {_text(c, 'Name')!r}: recurring exception {_text(ex, 'Name') or ''!r} "
                                "(weekly, monthly or yearly) not read; list its days as single exceptions",
                                     "warn.recurring", calendar=repr(_text(c, "Name")),
                                     name=repr(_text(ex, "Name") or "")))
                continue
            _exception(ex, _text(ex, "DayWorking") == "1", off, work, source)
        cal = SourceCalendar(key=uid, name=_text(c, "Name") or f"calendar {uid}", working_weekdays=frozenset(working),
                             off=frozenset(off), work=frozenset(work), hours_per_day=hours_per_day,
                             day_start=min(starts) if starts else (base.day_start if base else day_start),
                             day_end=max(ends) if ends else (base.day_end if base else EVENING))
        done[uid] = cal
        return cal

    for uid in raw:
        build(uid)
    return done


def _times(el: ET.Element) -> Iterator[tuple[dt.time, dt.time]]:
    for wt in el.iterfind(f"{_q('WorkingTimes')}/{_q('WorkingTime')}"):
        a, b = _text(wt, "FromTime"), _text(wt, "ToTime")
        if a and b:
            try:
                ta, tb = dt.time.fromisoformat(a), dt.time.fromisoformat(b)
            except ValueError:
                continue
            if tb > ta:
                yield ta, tb


def _exception(el: ET.Element, working: bool, off: set[dt.date], work: set[dt.date], source: str) -> None:
    period = el.find(_q("TimePeriod"))
    a = _when(_text(period, "FromDate"), "exception FromDate", source)
    b = _when(_text(period, "ToDate"), "exception ToDate", source)
    if a is None or b is None:
        return
    d = a.date()
    last = b.date() if b.time() > dt.time(0, 0) or b.date() == a.date() else b.date() - dt.timedelta(days=1)
    if (last - d).days > 3660:
        raise InteropError("bad-value", f"calendar exception {a}..{b} spans more than ten years", file=source,
                           params={"case": "exception-span", "first": a.isoformat(), "last": b.isoformat()})
    while d <= last:
        (work if working else off).add(d)
        (off if working else work).discard(d)
        d += dt.timedelta(days=1)


def read_mspdi(data: bytes, source: str) -> SourceProject:
    """The project of an MS Project XML file: tasks, links, calendars, constraints and progress."""
    root = _parse(data, source)
    if root.tag not in (_q("Project"), "Project"):
        raise InteropError("not-mspdi", f"the root element is <{root.tag.split('}')[-1]}>, not MS Project's <Project>",
                           file=source, params={"root": root.tag.split("}")[-1]})
    warnings: list[str] = []
    version = _text(root, "SaveVersion")
    if version is None:
        warnings.append(Said("the file names no SaveVersion; read as MS Project 2010 XML",
                             "warn.no-save-version"))
    elif not version.isdigit() or int(version) not in KNOWN_SAVE_VERSIONS:
        known = ", ".join(map(str, sorted(KNOWN_SAVE_VERSIONS)))
        raise InteropError("unknown-version", f"MS Project XML SaveVersion {version!r} is not one this importer knows "
                           f"({known})", file=source,
                           params={"case": "mspdi", "value": shown(version), "known": known.replace(", ", "、")})
    minutes = _num(_text(root, "MinutesPerDay"), "MinutesPerDay", source) or 480
    day_start = dt.time.fromisoformat(_text(root, "DefaultStartTime") or "08:00:00")
    calendars = _calendars(root, source, minutes / 60, day_start, warnings)
    aliases = {}
    for ea in root.iterfind(f"{_q('ExtendedAttributes')}/{_q('ExtendedAttribute')}"):
        fid, alias = _text(ea, "FieldID"), (_text(ea, "Alias") or "").lower()
        if fid and alias in (ID_ALIAS, START_BY_ALIAS):
            aliases[fid] = alias
    ours = ID_ALIAS in aliases.values()
    name_field = _text(root, "Name") or ""
    stem = re.sub(r"\.(xml|mpp|mpx)$", "", name_field, flags=re.IGNORECASE)
    title = _text(root, "Title") or stem or "imported"
    start = _when(_text(root, "StartDate"), "StartDate", source)
    raw_tasks = list(root.iterfind(f"{_q('Tasks')}/{_q('Task')}"))
    elements: dict[str, ET.Element] = {}
    for t in raw_tasks:
        uid = _text(t, "UID")
        if uid is None:
            raise InteropError("bad-task", "a <Task> has no <UID>", file=source, params={"case": "no-uid"})
        if uid in elements:
            raise InteropError("bad-task", f"task UID {uid} appears twice", file=source, ids=(uid,),
                               params={"case": "twice", "uid": uid})
        elements[uid] = t
    dropped = {uid for uid, t in elements.items() if _text(t, "Active") == "0" or _text(t, "IsNull") == "1"}
    by_outline: dict[str, tuple[str, str, str]] = {}
    tasks: list[SourceTask] = []
    external: list[str] = []
    inactive: list[str] = []
    for t in raw_tasks:
        uid = _text(t, "UID") or ""
        level = int(_num(_text(t, "OutlineLevel"), "OutlineLevel", source) or 0)
        if _text(t, "IsNull") == "1" or (level == 0 and uid == "0"):
            continue
        if _text(t, "Active") == "0":
            inactive.append(_text(t, "Name") or uid)
            continue
        ext = {_text(x, "FieldID") or "": _text(x, "Value") for x in t.iterfind(_q("ExtendedAttribute"))}
        ext = {aliases[k]: v for k, v in ext.items() if k in aliases and v}
        code = ext.get(ID_ALIAS) or _text(t, "WBS") or f"T{uid}"
        outline = _text(t, "OutlineNumber") or ""
        parts = outline.split(".") if outline else []
        path = tuple(by_outline[".".join(parts[:i])] for i in range(1, len(parts)) if ".".join(parts[:i]) in by_outline)
        name = _text(t, "Name") or code
        summary = _text(t, "Summary") == "1"
        if summary and outline:
            by_outline[outline] = (uid, code, name)
        dur_fmt = int(_num(_text(t, "DurationFormat"), "DurationFormat", source) or 7)
        links = []
        for pl in t.iterfind(_q("PredecessorLink")):
            pred = _text(pl, "PredecessorUID")
            if pred is None:
                raise InteropError("bad-link", f"task {code} has a <PredecessorLink> without <PredecessorUID>",
                                   file=source, milestone=code, params={"case": "no-pred-uid", "task": code})
            if _text(pl, "CrossProject") == "1":
                external.append(f"{pred}->{code}")
                continue
            if pred in dropped:
                continue
            if pred not in elements:
                raise InteropError("unknown-predecessor", f"task {code} (UID {uid}) names predecessor UID {pred}, "
                                   "which is not a task of the file", file=source, milestone=code, ids=(pred,),
                                   params={"case": "mspdi", "task": code, "uid": uid, "pred": pred})
            ltype = LINK_TYPES.get(_text(pl, "Type") or "1")
            if ltype is None:
                raise InteropError("bad-relation-type", f"task {code}: relation type {_text(pl, 'Type')!r} is not "
                                   "0..3 (FF, FS, SF, SS)", file=source, milestone=code,
                                   params={"case": "mspdi", "task": code, "value": shown(_text(pl, "Type"))})
            lag = _num(_text(pl, "LinkLag"), "LinkLag", source) or 0.0
            fmt = int(_num(_text(pl, "LagFormat"), "LagFormat", source) or 7)
            if fmt in PERCENT_FORMATS:
                links.append(SourceLink(pred, ltype, lag_percent=lag / 10))
            else:
                links.append(SourceLink(pred, ltype, lag_hours=lag / 600, elapsed=fmt in ELAPSED_FORMATS))
        constraints: list[tuple[str, str, dt.datetime | None]] = []
        ctype = _text(t, "ConstraintType") or "0"
        if ctype in CONSTRAINTS:
            kind, label = CONSTRAINTS[ctype]
            constraints.append((kind, label, _when(_text(t, "ConstraintDate"), "ConstraintDate", source)))
        deadline = _when(_text(t, "Deadline"), "Deadline", source)
        if deadline is not None:
            constraints.append((FINISH_BY, "Deadline", deadline))
        if ext.get(START_BY_ALIAS):
            constraints.append((START_BY, "start_by", _when(ext[START_BY_ALIAS], "start_by", source)))
        physical = _num(_text(t, "PhysicalPercentComplete"), "PhysicalPercentComplete", source)
        percent = _num(_text(t, "PercentComplete"), "PercentComplete", source)
        cal_uid = _text(t, "CalendarUID")
        early_start = _when(_text(t, "EarlyStart") or _text(t, "Start"), "EarlyStart", source)
        early_finish = _when(_text(t, "EarlyFinish") or _text(t, "Finish"), "EarlyFinish", source)
        if _text(t, "ActualStart"):
            early_start = _when(_text(t, "Start"), "Start", source) or early_start
        tasks.append(SourceTask(
            key=uid, code=code, name=name, wbs_path=path, summary=summary, milestone=_text(t, "Milestone") == "1",
            duration_hours=_hours(_text(t, "Duration"), "Duration", source, code) or 0.0,
            elapsed_duration=dur_fmt in ELAPSED_FORMATS,
            remaining_hours=_hours(_text(t, "RemainingDuration"), "RemainingDuration", source, code),
            resource_driven=_text(t, "Type") == "2" and (_hours(_text(t, "Work"), "Work", source) or 0) > 0,
            links=links, calendar=cal_uid if cal_uid in calendars else None, constraints=constraints,
            actual_start=_when(_text(t, "ActualStart"), "ActualStart", source),
            actual_finish=_when(_text(t, "ActualFinish"), "ActualFinish", source),
            physical_percent=physical if physical else percent,
            start=_when(_text(t, "Start"), "Start", source), finish=_when(_text(t, "Finish"), "Finish", source),
            early_start=early_start, early_finish=early_finish, unit=_text(t, "Contact") if ours else None))
    if inactive:
        warnings.append(Said(f"inactive tasks and their links dropped (MS Project leaves them out of the schedule): "
                        f"{', '.join(inactive[:5])}",
                             "warn.inactive", items=tuple(inactive[:5])))
    if external:
        warnings.append(Said(f"links to other projects (CrossProject) dropped: {', '.join(external[:5])}",
                             "warn.cross-project-links", items=tuple(external[:5])))
    if start is None:
        firsts = [t.start for t in tasks if t.start is not None]
        if not firsts:
            raise InteropError("bad-project", "the file has no <StartDate> and no task with a <Start>", file=source,
                               params={"case": "no-start"})
        start = min(firsts)
    cal_uid = _text(root, "CalendarUID") or ""
    if cal_uid not in calendars:
        calendars[cal_uid] = SourceCalendar(cal_uid or "standard", "Standard", hours_per_day=minutes / 60,
                                            day_start=day_start)
        warnings.append(Said("calendar: the file names no project calendar; Monday to Friday assumed",
                             "warn.mspdi-no-calendar"))
    return SourceProject(
        key=stem or "project", id_hint=stem if slug(stem) else title, name=title, start=start, calendar=cal_uid,
        calendars=calendars, tasks=tasks, fmt="MS Project XML", source=source,
        lead_unit=(_text(root, "Company") or "") if ours else "",
        data_date=_when(_text(root, "StatusDate"), "StatusDate", source),
        finish=_when(_text(root, "FinishDate"), "FinishDate", source), warnings=warnings)


# -- writing ----------------------------------------------------------------------------------
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _e(parent: ET.Element, tag: str, value: object | None) -> None:
    if value is None:
        return
    child = ET.SubElement(parent, tag)
    child.text = _NOT_XML.sub(" ", str(value))  # characters XML 1.0 cannot hold


def _stamp(d: dt.date, t: dt.time) -> str:
    return dt.datetime.combine(d, t).isoformat()


def _hours_text(days: int) -> str:
    return f"PT{days * HOURS_PER_DAY}H0M0S"


def weekend_of(cal: Calendar, a: dt.date, b: dt.date) -> frozenset[int]:
    """Weekdays mostly not worked over [a, b] in a county calendar (its weekly rule)."""
    worked = [0] * 7
    total = [0] * 7
    d = max(a, cal.first)
    while d <= min(b, cal.last):
        total[d.weekday()] += 1
        worked[d.weekday()] += cal.is_working(d)
        d += dt.timedelta(days=1)
    return frozenset(i for i in range(7) if total[i] and worked[i] * 2 < total[i])


def exception_runs(cal: Calendar, weekend: frozenset[int], a: dt.date,
                   b: dt.date) -> list[tuple[dt.date, dt.date, bool]]:
    """Runs of consecutive days that break the weekly rule: (first, last, worked)."""
    runs: list[tuple[dt.date, dt.date, bool]] = []
    d = max(a, cal.first)
    while d <= min(b, cal.last):
        worked = cal.is_working(d)
        if worked == (d.weekday() in weekend):
            if runs and runs[-1][2] == worked and runs[-1][1] == d - dt.timedelta(days=1):
                runs[-1] = (runs[-1][0], d, worked)
            else:
                runs.append((d, d, worked))
        d += dt.timedelta(days=1)
    return runs


def export_span(project: Project, finishes: Iterable[int]) -> tuple[dt.date, dt.date]:
    """The days an exported calendar must cover: the project's dates (and the given finish date
    ordinals) in whole years, two years to spare at the end."""
    dates = [project.start, *(dt.date.fromordinal(int(o)) for o in finishes)]
    for m in project.milestones:
        dates += [d for d in (m.actual_start, m.actual_finish, m.not_before, m.finish_by, m.start_by) if d]
    return dt.date(min(dates).year, 1, 1), dt.date(max(dates).year + 2, 12, 31)


def write_mspdi(project: Project, result: ScheduleResult, cal: Calendar, base: int = 0) -> bytes:
    """MS Project XML of one scheduled project: its calendar (weekly rule plus exception days),
    tasks with early and late dates, links with lags, finish_by as a Deadline (never a constraint
    that moves dates), not_before as Start No Earlier Than, events as milestones, progress with
    the remaining duration written out; ids and start_by in aliased custom fields. The project's
    rows in `result` start at `base`."""
    ET.register_namespace("", NS)
    q = _q
    root = ET.Element(q("Project"))
    res = result
    n = len(project.milestones)
    rows = slice(base, base + n)
    finish = max(dt.date.fromordinal(int(o)) for o in res.early_finish[rows]) if n else project.start
    a, b = export_span(project, [*res.early_finish[rows], *res.late_finish[rows]])
    weekend = weekend_of(cal, a, b)
    _e(root, q("SaveVersion"), 14)
    _e(root, q("Name"), f"{project.id}.xml")
    _e(root, q("Title"), project.name)
    _e(root, q("Company"), project.lead_unit or None)
    _e(root, q("ScheduleFromStart"), 1)
    _e(root, q("StartDate"), _stamp(cal.day(cal.index_on_or_after(project.start)), MORNING))
    _e(root, q("FinishDate"), _stamp(finish, EVENING))
    _e(root, q("CalendarUID"), 1)
    _e(root, q("DefaultStartTime"), "08:00:00")
    _e(root, q("DefaultFinishTime"), "17:00:00")
    _e(root, q("MinutesPerDay"), HOURS_PER_DAY * 60)
    _e(root, q("MinutesPerWeek"), HOURS_PER_DAY * 60 * (7 - len(weekend)))
    _e(root, q("DaysPerMonth"), 20)
    if res.data_date is not None:
        _e(root, q("StatusDate"), _stamp(res.data_date, dt.time(0, 0)))
    eas = ET.SubElement(root, q("ExtendedAttributes"))
    for fid, fname, alias in ((TEXT1, "Text1", ID_ALIAS), (DATE1, "Date1", START_BY_ALIAS)):
        ea = ET.SubElement(eas, q("ExtendedAttribute"))
        _e(ea, q("FieldID"), fid)
        _e(ea, q("FieldName"), fname)
        _e(ea, q("Alias"), alias)
    cals = ET.SubElement(root, q("Calendars"))
    c = ET.SubElement(cals, q("Calendar"))
    _e(c, q("UID"), 1)
    _e(c, q("Name"), cal.name)
    _e(c, q("IsBaseCalendar"), 1)
    _e(c, q("BaseCalendarUID"), -1)
    wds = ET.SubElement(c, q("WeekDays"))
    for day_type in range(1, 8):
        weekday = (day_type + 5) % 7
        wd = ET.SubElement(wds, q("WeekDay"))
        _e(wd, q("DayType"), day_type)
        _e(wd, q("DayWorking"), 0 if weekday in weekend else 1)
        if weekday not in weekend:
            _working_times(wd)
    exs = ET.SubElement(c, q("Exceptions"))
    for first, last, worked in exception_runs(cal, weekend, a, b):
        ex = ET.SubElement(exs, q("Exception"))
        _e(ex, q("EnteredByOccurrences"), 0)
        tp = ET.SubElement(ex, q("TimePeriod"))
        _e(tp, q("FromDate"), _stamp(first, dt.time(0, 0)))
        _e(tp, q("ToDate"), _stamp(last, dt.time(23, 59)))
        _e(ex, q("Occurrences"), 1)
        _e(ex, q("Name"), "working day" if worked else "day off")
        _e(ex, q("Type"), 1)
        _e(ex, q("DayWorking"), 1 if worked else 0)
        if worked:
            _working_times(ex)
    tasks = ET.SubElement(root, q("Tasks"))
    uid = {m.id: i + 1 for i, m in enumerate(project.milestones)}
    fin_bound = res.cpm.fin_bound
    for i, m in enumerate(project.milestones):
        t = ET.SubElement(tasks, q("Task"))
        r = base + i
        event = m.duration == 0
        start_t = EVENING if event and bool(fin_bound[r]) else MORNING
        finish_t = start_t if event else EVENING
        es, ef = dt.date.fromordinal(int(res.early_start[r])), dt.date.fromordinal(int(res.early_finish[r]))
        ls, lf = dt.date.fromordinal(int(res.late_start[r])), dt.date.fromordinal(int(res.late_finish[r]))
        _e(t, q("UID"), i + 1)
        _e(t, q("ID"), i + 1)
        _e(t, q("Name"), m.name)
        _e(t, q("Type"), 1)
        _e(t, q("IsNull"), 0)
        _e(t, q("Contact"), m.unit)
        _e(t, q("WBS"), i + 1)
        _e(t, q("OutlineNumber"), i + 1)
        _e(t, q("OutlineLevel"), 1)
        _e(t, q("Start"), _stamp(es, start_t))
        _e(t, q("Finish"), _stamp(ef, finish_t))
        _e(t, q("Duration"), _hours_text(m.duration))
        _e(t, q("DurationFormat"), 7)
        _e(t, q("Milestone"), int(event))
        _e(t, q("Summary"), 0)
        _e(t, q("Critical"), int(bool(res.cpm.critical[r])))
        _e(t, q("EarlyStart"), _stamp(es, start_t))
        _e(t, q("EarlyFinish"), _stamp(ef, finish_t))
        _e(t, q("LateStart"), _stamp(ls, start_t))
        _e(t, q("LateFinish"), _stamp(lf, finish_t))
        if not m.is_finished:
            _e(t, q("TotalSlack"), int(res.cpm.total_float[r]) * HOURS_PER_DAY * 600)
        if m.actual_start is not None:
            remaining = 0 if m.is_finished else remaining_days(m)
            done = 100 if m.is_finished else int(100 * (m.duration - remaining) / max(m.duration, 1))
            _e(t, q("PercentComplete"), done)
            _e(t, q("ActualStart"), _stamp(m.actual_start, MORNING))
            if m.actual_finish is not None:
                _e(t, q("ActualFinish"), _stamp(m.actual_finish, EVENING))
            _e(t, q("ActualDuration"), _hours_text(max(m.duration - remaining, 0)))
            _e(t, q("RemainingDuration"), _hours_text(remaining))
        else:
            _e(t, q("PercentComplete"), 0)
            _e(t, q("RemainingDuration"), _hours_text(m.duration))
        _e(t, q("ConstraintType"), 4 if m.not_before else 0)
        _e(t, q("CalendarUID"), -1)
        if m.not_before:
            _e(t, q("ConstraintDate"), _stamp(m.not_before, MORNING))
        if m.finish_by:
            _e(t, q("Deadline"), _stamp(m.finish_by, EVENING))
        if m.is_started and m.percent is not None and float(m.percent).is_integer():
            _e(t, q("PhysicalPercentComplete"), int(m.percent))
        for link in m.after:
            pl = ET.SubElement(t, q("PredecessorLink"))
            _e(pl, q("PredecessorUID"), uid[link.pred])
            _e(pl, q("Type"), LINK_CODES[link.type])
            _e(pl, q("CrossProject"), 0)
            _e(pl, q("LinkLag"), link.lag * HOURS_PER_DAY * 600)
            _e(pl, q("LagFormat"), 7)
        for fid, value in ((TEXT1, m.id), (DATE1, _stamp(m.start_by, MORNING) if m.start_by else None)):
            if value is not None:
                ea = ET.SubElement(t, q("ExtendedAttribute"))
                _e(ea, q("FieldID"), fid)
                _e(ea, q("Value"), value)
    ET.indent(root, space=" ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + b"\n"


def _working_times(parent: ET.Element) -> None:
    wts = ET.SubElement(parent, _q("WorkingTimes"))
    for a, b in (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00")):
        wt = ET.SubElement(wts, _q("WorkingTime"))
        _e(wt, _q("FromTime"), a)
        _e(wt, _q("ToTime"), b)
