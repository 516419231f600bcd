"""The mapping shared by the MS Project XML and Primavera P6 XER importers: a file's tasks (hours,
time-of-day dates, constraints, calendars) become the county's milestone graph in working days.
Every rule that changes something says so in a warning; docs/interop.md states the rules."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import networkx as nx

from scheduler.core.calendars import Calendar, CalendarSpec, YearOverride, build_calendar
from scheduler.core.model import ID_RE, MAX_WORKING_DAYS, Link, LinkType, Milestone, ModelError, Project
from scheduler.core.schedule import schedule_projects
from scheduler.errors import CalendarError, os_params, shown
from scheduler.io.interop_errors import InteropError
from scheduler.io.projectwriter import toml_string
from scheduler.strings import STRINGS, Said
from scheduler.strings import t as said_in

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NOT_BEFORE, START_BY, FINISH_BY, DROPPED = "not_before", "start_by", "finish_by", "dropped"
RETYPE_ORDER = (LinkType.FS, LinkType.SS, LinkType.FF, LinkType.SF)
"""Link types tried, in order, when a carried or bridged link would need a negative lag."""
EXAMPLES = 5
"""How many ids or dates a warning names before it says `…`."""


# -- what a reader hands over -----------------------------------------------------------------
@dataclass(slots=True)
class SourceCalendar:
    """A calendar as the file states it: working weekdays (0 = Monday), exception days, hours."""

    key: str
    name: str
    working_weekdays: frozenset[int] = frozenset(range(5))
    off: frozenset[dt.date] = frozenset()
    work: frozenset[dt.date] = frozenset()
    hours_per_day: float = 8.0
    day_start: dt.time = dt.time(8, 0)
    day_end: dt.time = dt.time(17, 0)

    def is_working(self, d: dt.date) -> bool:
        """Whether the file's calendar works on `d`."""
        if d in self.off:
            return False
        if d in self.work:
            return True
        return d.weekday() in self.working_weekdays

    def step(self, d: dt.date, direction: int) -> dt.date:
        """The nearest working day from `d` in `direction` (+1 on or after, -1 on or before)."""
        for _ in range(3660):
            if self.is_working(d):
                return d
            d += dt.timedelta(days=direction)
        return d


@dataclass(slots=True)
class SourceLink:
    """A relation into a task: its predecessor's key, type, and lag as the file states it."""

    pred: str
    type: LinkType
    lag_hours: float = 0.0
    elapsed: bool = False
    lag_percent: float | None = None


@dataclass(slots=True)
class SourceTask:
    """A task or activity as the file states it (times as written, hours of work)."""

    key: str
    code: str
    name: str
    wbs_path: tuple[tuple[str, str, str], ...] = ()
    summary: bool = False
    milestone: bool = False
    duration_hours: float = 0.0
    elapsed_duration: bool = False
    remaining_hours: float | None = None
    resource_driven: bool = False
    links: list[SourceLink] = field(default_factory=list)
    calendar: str | None = None
    constraints: list[tuple[str, str, dt.datetime | None]] = field(default_factory=list)
    actual_start: dt.datetime | None = None
    actual_finish: dt.datetime | None = None
    physical_percent: float | None = None
    start: dt.datetime | None = None
    finish: dt.datetime | None = None
    early_start: dt.datetime | None = None
    early_finish: dt.datetime | None = None
    unit: str | None = None


@dataclass(slots=True)
class SourceProject:
    """One project of a file: its tasks in file order, calendars, start and data date."""

    key: str
    id_hint: str
    name: str
    start: dt.datetime
    calendar: str
    calendars: dict[str, SourceCalendar]
    tasks: list[SourceTask]
    fmt: str
    source: str
    lead_unit: str = ""
    data_date: dt.datetime | None = None
    finish: dt.datetime | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the person asked for: roll-up, kept tasks, the id, leads, the calendar to use."""

    level: int | None = None
    milestones_only: bool = False
    keep: tuple[str, ...] = ()
    project_id: str | None = None
    clamp_leads: bool = False
    calendar: str | None = None
    write_calendar: bool = False
    default_calendar: str = "construction"
    language: str = "en"
    """The language of the names the import itself writes into the project (the START event)."""


@dataclass(slots=True)
class ImportResult:
    """A mapped project, what the mapping changed, and the calendar file to write if any."""

    project: Project
    warnings: list[str]
    calendar: Calendar
    calendar_toml: str | None
    data_date: dt.date | None
    stored: dict[str, tuple[dt.date | None, dt.date | None]]
    source: str


class CountyCalendars(Protocol):
    """The calendars of calendar/ (a CalendarSet): names and look-up."""

    def names(self) -> list[str]: ...

    def __getitem__(self, name: str) -> Calendar: ...


# -- small rules ------------------------------------------------------------------------------
def some(items: Sequence[str]) -> Said:
    """The first few items of a list, for a warning; in Chinese (`say`) each item said in Chinese
    (items that are Said themselves) with 、 between them."""
    head = ", ".join(items[:EXAMPLES])
    more = Said(f" … ({len(items)} in all)", "warn.some.more", n=len(items)) if len(items) > EXAMPLES else ""
    return Said(head + more, "warn.some", items=tuple(items[:EXAMPLES]), more=more)


def link_type(lt: LinkType) -> Said:
    """A link type in a warning: FS, said as the Chinese editions of MS Project and P6 call it."""
    return Said(lt.value, f"link.{lt.value}")


def constraint_name(label: str) -> str:
    """A constraint's name in a warning, quoted: 'Must Start On', said in Chinese as MS Project or P6
    call it (“必须开始于”); a name with no Chinese label (our own start_by) stays as written."""
    key = "constraint." + slug(label.lower())
    return Said(repr(label), key) if key in STRINGS else repr(label)


def slug(text: str) -> str:
    """An id from free text: runs of characters outside [A-Za-z0-9_.-] become '-'."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9_.-]+", "-", text)).strip("-.")


def start_date(t: dt.datetime, cal: SourceCalendar) -> dt.date:
    """The working day a start-type time falls on: at or after the day's end it is the next one."""
    d = t.date()
    if t.time() >= cal.day_end:
        d += dt.timedelta(days=1)
    return cal.step(d, 1)


def finish_date(t: dt.datetime, cal: SourceCalendar) -> dt.date:
    """The working day a finish-type time closes: at or before the day's start (MS Project's 08:00,
    P6's 00:00) it is the previous working day, as the spec prints the last day worked."""
    d = t.date()
    if t.time() <= cal.day_start:
        d -= dt.timedelta(days=1)
    return cal.step(d, -1)


def round_days(value: float) -> int:
    """Whole working days, half away from zero (1.5 -> 2)."""
    return math.floor(abs(value) + 0.5 + 1e-9) * (1 if value >= 0 else -1)


def percent_for_remaining(duration: int, remaining: int) -> float:
    """The percent whose spec remaining duration ceil(d*(100-p)/100) is exactly `remaining` (1..d)."""
    p = math.ceil(100 * 100 * (duration - remaining) / duration) / 100
    while p > 0 and math.ceil(round(duration * (100 - p), 6) / 100) < remaining:
        p = round(p - 0.01, 2)
    while math.ceil(round(duration * (100 - p), 6) / 100) > remaining:
        p = round(p + 0.01, 2)
    return float(int(p)) if float(p).is_integer() else p


def remaining_days(m: Milestone) -> int:
    """The spec's remaining duration of a started milestone: ceil(d * (100 - percent) / 100), at least 1."""
    pct = float(m.percent or 0.0)
    return max(math.ceil(round(m.duration * (100.0 - pct), 6) / 100.0), 1)


# -- calendars --------------------------------------------------------------------------------
def calendar_spec(src: SourceCalendar, name: str, first_year: int, last_year: int) -> CalendarSpec:
    """The county calendar spec of a file's calendar over whole years."""
    years: dict[int, YearOverride] = {}
    for y in range(first_year, last_year + 1):
        off = frozenset(d for d in src.off if d.year == y and d.weekday() in src.working_weekdays)
        work = frozenset(d for d in src.work if d.year == y and d.weekday() not in src.working_weekdays)
        if off or work:
            years[y] = YearOverride(off=off, work=work)
    weekend = tuple(i for i in range(7) if i not in src.working_weekdays)
    return CalendarSpec(name=name, title=f"imported: {src.name}", weekend=weekend, first_year=first_year,
                        last_year=last_year, years=years)


def calendar_toml(spec: CalendarSpec, comments: Sequence[str] = ()) -> str:
    """The text of calendar/NAME.toml for a spec without an official or derived rule."""
    lines = [f"# {c}" for c in comments]
    lines += [f"name = {toml_string(spec.name)}", f"title = {toml_string(spec.title)}",
              "weekend = [" + ", ".join(f'"{WEEKDAY_NAMES[i]}"' for i in spec.weekend) + "]",
              f"first_year = {spec.first_year}", f"last_year = {spec.last_year}"]
    for y in sorted(spec.years):
        ov = spec.years[y]
        lines += ["", f"[years.{y}]", "off = [" + ", ".join(d.isoformat() for d in sorted(ov.off)) + "]",
                  "work = [" + ", ".join(d.isoformat() for d in sorted(ov.work)) + "]"]
    return "\n".join(lines) + "\n"


def calendar_differences(src: SourceCalendar, cal: Calendar, a: dt.date, b: dt.date) -> list[dt.date]:
    """Days of [a, b] that the file's calendar and a county calendar do not agree on (outside the
    county calendar's range, every day counts as a difference)."""
    out = []
    d = a
    while d <= b:
        if not cal.first <= d <= cal.last or cal.is_working(d) != src.is_working(d):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _describe(days: list[dt.date], src: SourceCalendar, cal: Calendar) -> Said:
    def worked(yes: bool) -> Said:
        return Said("worked" if yes else "off", "warn.day.worked" if yes else "warn.day.off")

    def state(d: dt.date) -> Said:
        if not cal.first <= d <= cal.last:
            return Said(f"outside the years of {cal.name}", "warn.day.outside", cal=cal.name)
        w = worked(cal.is_working(d))
        return Said(f"{w} in {cal.name}", "warn.day.in", cal=cal.name, state=w)

    shown = tuple(Said(f"{d} ({w} in the file, {s})", "warn.day", date=d, file=w, ours=s)
                  for d in days[:EXAMPLES] for w, s in [(worked(src.is_working(d)), state(d))])
    more = Said(" …", "warn.days.more") if len(days) > EXAMPLES else ""
    return Said(f"{len(days)} days differ: " + "; ".join(shown) + more, "warn.days", n=len(days), days=shown,
                more=more)


# -- the mapping ------------------------------------------------------------------------------
@dataclass(slots=True)
class _Node:
    id: str
    name: str
    duration: int
    links: dict[tuple[str, LinkType], int] = field(default_factory=dict)
    not_before: dt.date | None = None
    start_by: dt.date | None = None
    finish_by: dt.date | None = None
    unit: str | None = None
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    percent: float | None = None
    task: SourceTask | None = None
    stored: tuple[dt.date | None, dt.date | None] = (None, None)

    def add_link(self, pred: str, ltype: LinkType, lag: int) -> bool:
        """Add a link, keeping the larger lag of two of the same type; False when it merged."""
        old = self.links.get((pred, ltype))
        self.links[(pred, ltype)] = lag if old is None else max(old, lag)
        return old is None

    def milestone(self) -> Milestone:
        return Milestone(
            id=self.id, name=self.name, duration=self.duration,
            after=tuple(Link(p, t, lag) for (p, t), lag in self.links.items()),
            finish_by=self.finish_by, start_by=self.start_by, not_before=self.not_before, unit=self.unit,
            actual_start=self.actual_start, actual_finish=self.actual_finish, percent=self.percent)


class _Mapper:
    """One project's mapping, collecting its warnings."""

    def __init__(self, src: SourceProject, opts: ImportOptions) -> None:
        self.src = src
        self.opts = opts
        self.warnings: list[str] = list(src.warnings)
        self.pcal = src.calendars.get(src.calendar) or SourceCalendar("default", "default")
        self.hpd = self.pcal.hours_per_day or 8.0
        self.extent = 0
        """An upper bound of the plan's length in working days, once the tasks are read."""

    def warn(self, text: str, key: str, **params: object) -> None:
        """Note the English sentence `text`, said in Chinese by the label `key` filled with `params`."""
        self.warnings.append(Said(text, key, **params))

    def error(self, kind: str, message: str, *, task: str | None = None, **params: object) -> InteropError:
        """An error of this project's mapping; `params` fill its Chinese detail (strings.py err.<kind>)."""
        return InteropError(kind, message, file=self.src.source, project=self.src.id_hint or None, milestone=task,
                            params={"task": task, **params})

    def cal_of(self, t: SourceTask) -> SourceCalendar:
        return self.src.calendars.get(t.calendar or "", self.pcal)

    # ids ---------------------------------------------------------------------------------
    def assign_ids(self) -> dict[str, str]:
        used: set[str] = set()
        out: dict[str, str] = {}
        changed: list[str] = []
        for t in self.src.tasks:
            want = t.code if ID_RE.match(t.code) else slug(t.code)
            if not want:
                want = slug(f"T{t.key}") or "T"
            mid = want
            n = 2
            while mid in used:
                mid = f"{want}-{n}"
                n += 1
            if mid != t.code:
                changed.append(f"{t.code!r} -> {mid}")
            used.add(mid)
            out[t.key] = mid
        if changed:
            self.warn(f"ids: task codes that are not unique ids of [A-Za-z0-9_.-] were changed: {some(changed)}",
                      "warn.ids", items=some(changed))
        return out

    # calendars ---------------------------------------------------------------------------
    def span(self) -> tuple[dt.date, dt.date]:
        dates = [self.src.start]
        for t in self.src.tasks:
            dates += [x for x in (t.start, t.finish, t.early_start, t.early_finish, t.actual_start, t.actual_finish)
                      if x is not None]
        if self.src.finish is not None:
            dates.append(self.src.finish)
        if self.src.data_date is not None:
            dates.append(self.src.data_date)
        a = min(dates).date()
        b = max(dates).date() + dt.timedelta(days=366)
        per_week = max(len(self.pcal.working_weekdays), 1)
        b = max(b, self.src.start.date() + dt.timedelta(days=math.ceil(self.extent * 7 / per_week * 1.1) + 366))
        return min(a, self.src.start.date()), b

    def choose_calendar(self, county: CountyCalendars | None) -> tuple[Calendar, str | None]:
        a, b = self.span()
        names = county.names() if county is not None else []
        src = self.pcal
        if self.opts.calendar is not None:
            if county is None or self.opts.calendar not in names:
                raise self.error("unknown-calendar", f"calendar {self.opts.calendar!r} is not defined under calendar/ "
                                 f"(known: {', '.join(names) or 'none'})", value=shown(self.opts.calendar),
                                 known="、".join(names) or "—")
            cal = county[self.opts.calendar]
            diff = calendar_differences(src, cal, a, b)
            if diff:
                self.warn(f"calendar: the file's project calendar {src.name!r} and calendar/{cal.name}.toml, "
                          f"used as asked, differ over {a}..{b}: {_describe(diff, src, cal)}",
                          "warn.calendar.asked-differs", name=repr(src.name), cal=cal.name, a=a, b=b,
                          diff=_describe(diff, src, cal))
            return cal, None
        own = slug(src.name).lower() or "imported"
        order = [n for n in dict.fromkeys([own, self.opts.default_calendar, *names]) if n in names]
        for n in order:
            known = county[n] if county is not None else None
            if known is not None and not calendar_differences(src, known, a, b):
                self.warn(f"calendar: the file's project calendar {src.name!r} works the same days as "
                          f"calendar/{n}.toml over {a}..{b}; the project uses {n}",
                          "warn.calendar.same", name=repr(src.name), cal=n, a=a, b=b)
                return known, None
        if self.opts.write_calendar:
            name = own if own not in names else f"{own}-{slug(self.src.id_hint).lower() or 'imported'}"
            spec = calendar_spec(src, name, a.year, b.year + 2)
            origin = f"Imported from {Path(self.src.source).name} ({self.src.fmt}): calendar {src.name!r},"
            text = calendar_toml(spec, [origin, f"{self.hpd:g} working hours a day; exception days listed per year."])
            cal = build_calendar(spec)
            self.warn(f"calendar: no calendar under calendar/ works the same days as the file's {src.name!r} over "
                      f"{a}..{b}; it is written as calendar/{name}.toml and the project uses it",
                      "warn.calendar.written", name=repr(src.name), cal=name, a=a, b=b)
            return cal, text
        if county is None or self.opts.default_calendar not in names:
            raise self.error("unknown-calendar", f"no calendar under calendar/ matches the file's {src.name!r} and the "
                             f"default calendar {self.opts.default_calendar!r} is not defined: use --write-calendar",
                             case="no-match", name=shown(src.name), default=shown(self.opts.default_calendar))
        cal = county[self.opts.default_calendar]
        diff = calendar_differences(src, cal, a, b)
        self.warn(f"calendar: the file's project calendar {src.name!r} differs from calendar/{cal.name}.toml, which "
                  f"the project uses, over {a}..{b}: {_describe(diff, src, cal)}; dates will differ from the file's "
                  "(use --write-calendar to keep the file's calendar)",
                  "warn.calendar.differs", name=repr(src.name), cal=cal.name, a=a, b=b,
                  diff=_describe(diff, src, cal))
        return cal, None

    def compare_task_calendars(self, cal: Calendar) -> None:
        a, b = self.span()
        users: dict[str, list[str]] = {}
        for t in self.src.tasks:
            if t.calendar and t.calendar != self.src.calendar and t.calendar in self.src.calendars and not t.summary:
                users.setdefault(t.calendar, []).append(t.code)
        for key, codes in users.items():
            c = self.src.calendars[key]
            diff = calendar_differences(c, cal, a, b)
            if diff:
                self.warn(f"calendar: tasks {some(codes)} run on their own calendar {c.name!r} in the file, "
                          f"which differs from {cal.name}: {_describe(diff, c, cal)}; the spec has one "
                          f"calendar a project, so they are scheduled on {cal.name}",
                          "warn.calendar.tasks", items=some(codes), name=repr(c.name), cal=cal.name,
                          diff=_describe(diff, c, cal))

    # tasks -------------------------------------------------------------------------------
    def days(self, hours: float, cal: SourceCalendar, what: Said, rounded: list[str]) -> int:
        hpd = cal.hours_per_day or self.hpd
        value = hours / hpd
        n = round_days(value)
        if abs(value - n) > 1e-6:
            rounded.append(Said(f"{what} {value:.2f}->{n}", "warn.item.rounded", what=what, value=f"{value:.2f}", n=n))
        return n

    def elapsed_days(self, hours: float, cal: SourceCalendar) -> int:
        per_week = len(cal.working_weekdays) or 7
        return round_days(hours / 24 * per_week / 7)

    def leaf_nodes(self, ids: dict[str, str]) -> list[_Node]:
        tasks = {t.key: t for t in self.src.tasks}
        leaves_of: dict[str, list[str]] = {}
        for t in self.src.tasks:
            if not t.summary:
                for key, _code, _name in t.wbs_path:
                    leaves_of.setdefault(key, []).append(t.key)
        nodes: dict[str, _Node] = {}
        rounded: list[str] = []
        order: list[_Node] = []
        for t in self.src.tasks:
            if t.summary:
                continue
            node = self.task_node(t, ids[t.key], rounded)
            nodes[t.key] = node
            order.append(node)
        leads: list[str] = []
        merged: list[str] = []
        expanded: list[str] = []
        for t in self.src.tasks:
            succs = leaves_of.get(t.key, []) if t.summary else [t.key]
            if t.summary and t.links:
                expanded.append(t.code)
            for link in t.links:
                if link.pred not in tasks:
                    raise self.error("unknown-predecessor", f"task {t.code} names predecessor {link.pred}, "
                                     "which is not a task of the file", task=t.code, case="task", pred=link.pred)
                p = tasks[link.pred]
                preds = leaves_of.get(p.key, []) if p.summary else [p.key]
                if p.summary:
                    expanded.append(p.code)
                for sk in succs:
                    for pk in preds:
                        if pk == sk:
                            continue
                        lag = self.link_lag(link, nodes[pk], p, t, rounded)
                        if lag < 0:
                            if not self.opts.clamp_leads:
                                raise self.error(
                                    "negative-lag", f"the {link.type.value} link from {p.code} to {t.code} has a lead "
                                    f"(negative lag) of {-lag} working days; the spec has none: use --leads clamp "
                                    "to import it as lag 0", task=t.code, type=link_type(link.type), pred=p.code,
                                    succ=t.code, days=-lag)
                            leads.append(f"{p.code}->{t.code} ({lag})")
                            lag = 0
                        if lag > MAX_WORKING_DAYS:
                            raise self.error("bad-lag", f"the link from {p.code} to {t.code} has a lag of {lag} "
                                             "working days, beyond any calendar", task=t.code, case="import",
                                             pred=p.code, succ=t.code, value=lag, limit=MAX_WORKING_DAYS)
                        if not nodes[sk].add_link(nodes[pk].id, link.type, lag):
                            merged.append(Said(f"{p.code}->{t.code} {link.type.value}", "warn.item.link",
                                               pred=p.code, succ=t.code, type=link_type(link.type)))
        if rounded:
            self.warn(f"rounding: durations and lags in hours rounded to whole working days: {some(rounded)}",
                      "warn.rounding", items=some(rounded))
        if leads:
            self.warn(f"leads: negative lags clamped to 0 (--leads clamp): {some(leads)}",
                      "warn.leads", items=some(leads))
        if merged:
            self.warn(f"links: two links of the same type between the same tasks merged, keeping the larger lag: "
                      f"{some(merged)}",
                      "warn.links-merged", items=some(merged))
        if expanded:
            self.warn(f"summary links: relations on summary tasks {some(sorted(set(expanded)))} are carried to every "
                      "task under them (the spec links milestones only)",
                      "warn.summary-links", items=some(sorted(set(expanded))))
        return order

    def link_lag(self, link: SourceLink, pred: _Node, p: SourceTask, t: SourceTask, rounded: list[str]) -> int:
        if link.lag_percent is not None:
            return round_days(pred.duration * link.lag_percent / 100)
        if link.elapsed:
            return self.elapsed_days(link.lag_hours, self.pcal)
        return self.days(link.lag_hours, self.pcal,
                         Said(f"lag {p.code}->{t.code}", "warn.item.lag", pred=p.code, succ=t.code), rounded)

    def task_node(self, t: SourceTask, mid: str, rounded: list[str]) -> _Node:
        cal = self.cal_of(t)
        if t.elapsed_duration:
            d = self.elapsed_days(t.duration_hours, cal)
            self.warn(f"task {t.code}: elapsed duration of {t.duration_hours / 24:g} calendar days taken as {d} "
                      "working days",
                      "warn.elapsed", task=t.code, days=f"{t.duration_hours / 24:g}", d=d)
        else:
            d = self.days(t.duration_hours, cal, Said(f"task {t.code}", "warn.item.task", code=t.code), rounded)
        if t.resource_driven and t.start is not None and t.finish is not None:
            span = self.working_days(start_date(t.start, cal), finish_date(t.finish, cal), cal)
            if span != d:
                self.warn(f"task {t.code}: resource-driven, takes its scheduled span {span} working days "
                          f"(its duration field says {d})",
                          "warn.resource-driven", task=t.code, span=span, d=d)
            d = span
        if d < 0:
            raise self.error("bad-duration", f"task {t.code} has a negative duration", task=t.code, case="negative")
        if d == 0 and t.duration_hours > 0 and not t.milestone:
            d = 1
            self.warn(f"task {t.code}: duration of {t.duration_hours:g} hours is less than half a day; kept as 1 "
                      "working day (0 would make it an event)",
                      "warn.short", task=t.code, hours=f"{t.duration_hours:g}")
        if d > MAX_WORKING_DAYS:
            raise self.error("bad-duration", f"task {t.code} lasts {d} working days, beyond any calendar", task=t.code,
                             case="too-big", value=d, limit=MAX_WORKING_DAYS)
        node = _Node(id=mid, name=t.name.strip() or t.code, duration=d, unit=t.unit, task=t)
        self.constraints(t, node, cal)
        self.progress(t, node, cal)
        if t.early_start is not None and t.early_finish is not None:
            if d == 0:
                node.stored = (t.early_start.date(), t.early_finish.date())
            else:
                node.stored = (start_date(t.early_start, cal), finish_date(t.early_finish, cal))
        return node

    @staticmethod
    def working_days(a: dt.date, b: dt.date, cal: SourceCalendar) -> int:
        n = 0
        d = a
        while d <= b:
            n += cal.is_working(d)
            d += dt.timedelta(days=1)
        return n

    def constraints(self, t: SourceTask, node: _Node, cal: SourceCalendar) -> None:
        for kind, label, when in t.constraints:
            if when is None or kind == DROPPED:
                on = f" on {when:%Y-%m-%d %H:%M}" if when is not None else ""
                self.warn(f"task {t.code}: constraint {label!r}{on} dropped: the spec has no such constraint (its "
                          "dates are the network's)",
                          "warn.constraint-dropped", task=t.code, label=constraint_name(label),
                          on=f" {when:%Y-%m-%d %H:%M}" if when is not None else "")
            elif kind == NOT_BEFORE:
                d = start_date(when, cal)
                node.not_before = d if node.not_before is None else max(node.not_before, d)
            elif kind == START_BY:
                d = when.date()
                node.start_by = d if node.start_by is None else min(node.start_by, d)
            elif kind == FINISH_BY:
                d = finish_date(when, cal)
                node.finish_by = d if node.finish_by is None else min(node.finish_by, d)

    def progress(self, t: SourceTask, node: _Node, cal: SourceCalendar) -> None:
        a_s = start_date(t.actual_start, cal) if t.actual_start is not None else None
        a_f = finish_date(t.actual_finish, cal) if t.actual_finish is not None else None
        if a_f is not None and a_s is None:
            a_s = cal.step(a_f, -1)
            self.warn(f"task {t.code}: actual finish without an actual start; the start is taken as {a_s}",
                      "warn.no-actual-start", task=t.code, date=a_s)
        if a_s is not None and a_f is not None and a_f < a_s:
            a_f = a_s
        if a_s is not None and a_f is None and node.duration == 0:
            a_f = a_s
            self.warn(f"task {t.code}: a milestone with an actual date is reached: actual finish = actual start {a_s}",
                      "warn.milestone-reached", task=t.code, date=a_s)
        node.actual_start, node.actual_finish = a_s, a_f
        if a_s is None:
            if t.physical_percent:
                self.warn(f"task {t.code}: {t.physical_percent:g}% complete without an actual start; percent dropped",
                          "warn.percent-dropped", task=t.code, percent=f"{t.physical_percent:g}")
            return
        if a_f is not None:
            return
        d = node.duration
        if t.remaining_hours is not None:
            r = self.days(t.remaining_hours, cal, Said(f"remaining {t.code}", "warn.item.remaining", code=t.code), [])
            if r <= 0:
                self.warn(f"task {t.code}: started with no remaining duration but no actual finish; 1 working day is "
                          "left to do (the spec needs an actual finish to call it done)",
                          "warn.no-remaining", task=t.code)
                r = 1
            if r > d:
                self.warn(f"task {t.code}: remaining duration {r} exceeds the duration {d}; percent 0",
                          "warn.remaining-exceeds", task=t.code, r=r, d=d)
                r = d
            node.percent = percent_for_remaining(d, r)
            pp = t.physical_percent
            if pp is not None and 0 <= pp < 100 and math.ceil(round(d * (100 - pp), 6) / 100) == r:
                node.percent = float(int(pp)) if float(pp).is_integer() else pp
            elif pp is not None and abs(pp - node.percent) > 0.5:
                self.warn(f"task {t.code}: percent {node.percent:g} written so the spec leaves its remaining duration "
                          f"of {r} days; the file's physical percent {t.physical_percent:g} is not used",
                          "warn.percent-written", task=t.code, percent=f"{node.percent:g}", r=r,
                          physical=f"{t.physical_percent:g}")
        elif t.physical_percent is not None:
            node.percent = min(t.physical_percent, 99.0) if d else None


def _cpm_dates(nodes: list[_Node], project: Project, cal: Calendar) -> tuple[dict[str, int], dict[str, int], int]:
    """Early start and finish indexes of every node in the plan, and the project start's index."""
    res = schedule_projects([project], {cal.name: cal})
    es = {n.id: int(res.cpm.es[i]) for i, n in enumerate(nodes)}
    ef = {n.id: int(res.cpm.ef[i]) for i, n in enumerate(nodes)}
    return es, ef, cal.index_on_or_after(project.start)


def _build(mapper: _Mapper, pid: str, cal: Calendar, nodes: list[_Node]) -> Project:
    src = mapper.src
    try:
        return Project(id=pid, name=src.name.strip() or pid, lead_unit=src.lead_unit,
                       start=start_date(src.start, mapper.pcal), calendar=cal.name,
                       milestones=tuple(n.milestone() for n in nodes))
    except ModelError as e:
        raise InteropError(e.kind, e.message, file=src.source, project=pid, milestone=e.milestone, ids=e.ids,
                           params=e.params) from None


def _check_acyclic(mapper: _Mapper, nodes: list[_Node], what: str, case: str = "import", level: int = 0) -> None:
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in nodes)
    g.add_edges_from((p, n.id) for n in nodes for (p, _t) in n.links)
    try:
        edges = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    cycle = [u for u, _v in edges] + [edges[0][0]]
    raise mapper.error("cycle", f"{what} has a cycle: {' -> '.join(cycle)}", case=case, path=" → ".join(cycle),
                       level=level)


def _roll_up(mapper: _Mapper, nodes: list[_Node], level: int, project: Project, cal: Calendar) -> list[_Node]:
    """Each WBS element at `level` becomes one milestone spanning its tasks; tasks above the level
    stay; links are carried to the groups' ends, lags moved by where the linked tasks sit."""
    es, ef, _start = _cpm_dates(nodes, project, cal)
    group_of: dict[str, str] = {}
    groups: dict[str, list[_Node]] = {}
    heads: dict[str, tuple[str, str]] = {}
    for n in nodes:
        path = n.task.wbs_path if n.task is not None else ()
        if len(path) >= level:
            key, code, name = path[level - 1]
            gk = f"wbs:{key}"
            heads.setdefault(gk, (code, name))
        else:
            gk = f"task:{n.id}"
        group_of[n.id] = gk
        groups.setdefault(gk, []).append(n)
    used = {n.id for n in nodes if group_of[n.id].startswith("task:")}
    out: list[_Node] = []
    gid: dict[str, str] = {}
    for gk, members in groups.items():
        if gk.startswith("task:"):
            gid[gk] = members[0].id
            continue
        code, name = heads[gk]
        want = code if ID_RE.match(code) else (slug(code) or "WBS")
        mid, k = want, 2
        while mid in used:
            mid, k = f"{want}-{k}", k + 1
        used.add(mid)
        gid[gk] = mid
    g_es = {gk: min(es[m.id] for m in ms) for gk, ms in groups.items()}
    g_ef = {gk: max(ef[m.id] for m in ms) for gk, ms in groups.items()}
    retyped: list[str] = []
    new: dict[str, _Node] = {}
    for gk, members in groups.items():
        if gk.startswith("task:"):
            node = _Node(id=members[0].id, name=members[0].name, duration=members[0].duration, unit=members[0].unit,
                         not_before=members[0].not_before, start_by=members[0].start_by,
                         finish_by=members[0].finish_by, actual_start=members[0].actual_start,
                         actual_finish=members[0].actual_finish, percent=members[0].percent, task=members[0].task,
                         stored=members[0].stored)
        else:
            node = _Node(id=gid[gk], name=heads[gk][1] or gid[gk], duration=g_ef[gk] - g_es[gk])
            _group_dates(node, members, es, ef, g_es[gk], g_ef[gk], cal)
        new[gk] = node
        out.append(node)
    for gk, members in groups.items():
        node = new[gk]
        carried: dict[str, tuple[int, LinkType]] = {}
        for b in members:
            for (pred, ltype), lag in b.links.items():
                ak = group_of[pred]
                if ak == gk:
                    continue
                from_a = es[pred] if ltype in (LinkType.SS, LinkType.SF) else ef[pred]
                to_b = es[b.id] if ltype in (LinkType.FS, LinkType.SS) else ef[b.id]
                # with the groups rigid, every link between two groups bounds G's finish from A's
                # start (an SF lag, never negative); the largest such bound is the one that counts
                sf = from_a - g_es[ak] + lag + g_ef[gk] - to_b
                if ak not in carried or sf > carried[ak][0]:
                    carried[ak] = (sf, ltype)
        for ak, (sf, ltype) in carried.items():
            d_a, d_g = g_ef[ak] - g_es[ak], g_ef[gk] - g_es[gk]
            lags = {LinkType.SF: sf, LinkType.SS: sf - d_g, LinkType.FF: sf - d_a, LinkType.FS: sf - d_a - d_g}
            choice = ltype if lags[ltype] >= 0 else next(t for t in RETYPE_ORDER if lags[t] >= 0)
            if choice is not ltype:
                retyped.append(Said(f"{gid[ak]}->{node.id} {ltype.value}->{choice.value}", "warn.item.retyped",
                                    pred=gid[ak], succ=node.id, old=link_type(ltype), new=link_type(choice)))
            node.add_link(gid[ak], choice, lags[choice])
    if not gid or all(k.startswith("task:") for k in groups):
        mapper.warn(f"roll-up: no WBS element at level {level}; nothing rolled up",
                    "warn.rollup-none", level=level)
    else:
        mapper.warn(f"roll-up: WBS level {level}: {len(nodes)} tasks became {len(out)} milestones; each WBS "
                    "element's duration is its span in the imported plan; of its tasks' links from another element the "
                    "one that binds most is carried to the elements' ends, its lag moved by where the linked tasks sit "
                    "inside them; deadlines likewise",
                    "warn.rollup", level=level, tasks=len(nodes), milestones=len(out))
    if retyped:
        mapper.warn(f"roll-up: links whose carried lag would be negative (a lead) take the type that keeps it "
                    f"non-negative with the same bound: {some(retyped)}",
                    "warn.rollup-retyped", items=some(retyped))
    _check_acyclic(mapper, out, f"the roll-up to level {level}", "roll-up", level=level)
    return out


def _group_dates(node: _Node, members: list[_Node], es: dict[str, int], ef: dict[str, int], g_es: int, g_ef: int,
                 cal: Calendar) -> None:
    """A WBS group's constraints, deadlines and progress from its tasks' (offsets as for links)."""
    nb = [cal.index_on_or_after(m.not_before) - (es[m.id] - g_es) for m in members if m.not_before]
    sb = [cal.index_on_or_before(m.start_by) - (es[m.id] - g_es) for m in members if m.start_by]
    fb = [cal.index_on_or_before(m.finish_by) + (g_ef - ef[m.id]) for m in members if m.finish_by]
    node.not_before = cal.day(max(nb)) if nb else None
    node.start_by = cal.day(min(sb)) if sb else None
    node.finish_by = cal.day(min(fb)) if fb else None
    starts = [m.actual_start for m in members if m.actual_start is not None]
    if starts:
        node.actual_start = min(starts)
        if all(m.actual_finish is not None for m in members):
            node.actual_finish = max(m.actual_finish for m in members if m.actual_finish is not None)
        else:
            weight = sum(max(m.duration, 1) for m in members)
            done = sum(max(m.duration, 1) * (100.0 if m.actual_finish else (m.percent or 0.0)) for m in members)
            node.percent = min(round(done / weight, 2), 99.0)


def _milestones_only(mapper: _Mapper, nodes: list[_Node], keep: Sequence[str], cal: Calendar,
                     project: Project) -> list[_Node]:
    """Keep the milestones (events) and the named key tasks; every path through dropped tasks
    becomes a link between the kept ones whose lag is that path's length, and the work before the
    first kept ones hangs from a START event."""
    by_id = {n.id: n for n in nodes}
    by_code = {n.task.code: n.id for n in nodes if n.task is not None}
    kept: set[str] = set()
    for k in keep:
        mid = k if k in by_id else by_code.get(k)
        if mid is None:
            raise mapper.error("bad-option", f"--keep {k}: no task of the file has that id or code", case="keep",
                               value=k)
        kept.add(mid)
    kept |= {n.id for n in nodes if n.duration == 0 or (n.task is not None and n.task.milestone)}
    if not kept:
        raise mapper.error("no-milestones", "the file has no milestones to keep: name key tasks with --keep, or use "
                           "--level N")
    succs: dict[str, list[tuple[str, LinkType, int]]] = {n.id: [] for n in nodes}
    for n in nodes:
        for (p, t), lag in n.links.items():
            succs[p].append((n.id, t, lag))
    pos = {x: i for i, x in enumerate(_topological(mapper, nodes))}
    start_idx = cal.index_on_or_after(project.start)
    bridged: dict[str, dict[str, int]] = {}

    def propagate(origin: str | None) -> dict[str, int]:
        """Start bounds of kept nodes reached through dropped ones, relative to the origin's start."""
        s: dict[str, int] = {}
        if origin is None:
            frontier = [n.id for n in nodes if n.id not in kept]
            for x in frontier:
                nb = by_id[x].not_before
                s[x] = max(0, cal.index_on_or_after(nb) - start_idx) if nb else 0
        else:
            s[origin] = 0
            frontier = [origin]
        seen = set(frontier)
        stack = list(frontier)
        while stack:
            x = stack.pop()
            for y, _t, _l in succs[x]:
                if y not in seen and y not in kept:
                    seen.add(y)
                    stack.append(y)
        out: dict[str, int] = {}
        for x in sorted(seen, key=pos.__getitem__):
            if x not in s:
                continue
            sx, fx = s[x], s[x] + by_id[x].duration
            for y, t, lag in succs[x]:
                if x in kept and y in kept:
                    continue
                dy = by_id[y].duration
                bound = {LinkType.FS: fx + lag, LinkType.SS: sx + lag, LinkType.FF: fx + lag - dy,
                         LinkType.SF: sx + lag - dy}[t]
                if y in kept:
                    out[y] = max(out.get(y, bound), bound)
                else:
                    s[y] = max(s.get(y, bound), bound)
        return out

    for o in [n.id for n in nodes if n.id in kept]:
        bridged[o] = propagate(o)
    from_start = propagate(None)
    out_nodes = [n for n in nodes if n.id in kept]
    kept_ids = {n.id for n in out_nodes}
    new_links = 0
    for n in out_nodes:
        n.links = {(p, t): lag for (p, t), lag in n.links.items() if p in kept_ids}
    leads: list[str] = []
    for o, bounds in bridged.items():
        d_o = by_id[o].duration
        for j, b in bounds.items():
            d_j = by_id[j].duration
            lags = {LinkType.FS: b - d_o, LinkType.SS: b, LinkType.FF: b + d_j - d_o, LinkType.SF: b + d_j}
            choice = next((t for t in RETYPE_ORDER if lags[t] >= 0), None)
            if choice is None:
                leads.append(f"{o}->{j} ({b})")
                choice, lags[LinkType.SS] = LinkType.SS, 0
            by_id[j].add_link(o, choice, lags[choice])
            new_links += 1
    if leads:
        mapper.warn(f"milestones only: bridged paths shorter than nothing (leads) set to SS lag 0: {some(leads)}",
                    "warn.milestones-leads", items=some(leads))
    start_links = _binding_start_links(out_nodes, from_start, cal, start_idx)
    if start_links:
        sid, suffix = "START", 2
        while sid in kept_ids:
            sid, suffix = f"START-{suffix}", suffix + 1
        start = _Node(id=sid, name=said_in("import.start", mapper.opts.language), duration=0)
        for j, b in start_links.items():
            by_id[j].add_link(sid, LinkType.FS, b)
        out_nodes.insert(0, start)
    dropped = [n for n in nodes if n.id not in kept]
    mapper.warn(f"milestones only: kept {len(out_nodes) - bool(start_links)} of {len(nodes)} tasks; {new_links} links "
                "bridge paths through dropped tasks (lag = the path's length in working days)"
                + (f"; the work before the first kept ones hangs from a START event ({len(start_links)} links)"
                   if start_links else ""),
                "warn.milestones-kept.start" if start_links else "warn.milestones-kept",
                kept=len(out_nodes) - bool(start_links), tasks=len(nodes), links=new_links, starts=len(start_links))
    lost = [n.id for n in dropped if n.finish_by or n.start_by or n.actual_start]
    if lost:
        mapper.warn(f"milestones only: deadlines or progress of dropped tasks are not carried: {some(lost)}",
                    "warn.milestones-lost", items=some(lost))
    _check_acyclic(mapper, out_nodes, "the milestones-only graph", "milestones-only")
    return out_nodes


def _binding_start_links(nodes: list[_Node], from_start: dict[str, int], cal: Calendar,
                         start_idx: int) -> dict[str, int]:
    """The links from the START event that bind in the plan: a forward pass over the kept graph
    (start offsets from the project start) adds START -> j only where the dropped work before j
    ends later than j's other bounds."""
    by_id = {n.id: n for n in nodes}
    indeg = {n.id: 0 for n in nodes}
    succs: dict[str, list[str]] = {n.id: [] for n in nodes}
    for n in nodes:
        for p, _t in n.links:
            succs[p].append(n.id)
            indeg[n.id] += 1
    ready = [n.id for n in nodes if indeg[n.id] == 0]
    es: dict[str, int] = {}
    out: dict[str, int] = {}
    while ready:
        j = ready.pop()
        n = by_id[j]
        bound = cal.index_on_or_after(n.not_before) - start_idx if n.not_before else 0
        for (p, t), lag in n.links.items():
            sp, fp = es[p], es[p] + by_id[p].duration
            bound = max(bound, {LinkType.FS: fp + lag, LinkType.SS: sp + lag, LinkType.FF: fp + lag - n.duration,
                                LinkType.SF: sp + lag - n.duration}[t])
        if from_start.get(j, 0) > bound:
            out[j] = from_start[j]
            bound = from_start[j]
        es[j] = bound
        for y in succs[j]:
            indeg[y] -= 1
            if indeg[y] == 0:
                ready.append(y)
    return out


def _extent(nodes: list[_Node], order: list[str], start: dt.date) -> int:
    """An upper bound of the plan's length in working days (longest path; a not_before counts its
    calendar days from the start), so an imported calendar is written for long enough."""
    by_id = {n.id: n for n in nodes}
    es: dict[str, int] = {}
    for j in order:
        n = by_id[j]
        bound = max((n.not_before - start).days, 0) if n.not_before else 0
        for (p, t), lag in n.links.items():
            sp, fp = es[p], es[p] + by_id[p].duration
            bound = max(bound, {LinkType.FS: fp + lag, LinkType.SS: sp + lag, LinkType.FF: fp + lag - n.duration,
                                LinkType.SF: sp + lag - n.duration}[t])
        es[j] = bound
    return max((es[n.id] + n.duration for n in nodes), default=0)


def _topological(mapper: _Mapper, nodes: list[_Node]) -> list[str]:
    indeg = {n.id: 0 for n in nodes}
    succs: dict[str, list[str]] = {n.id: [] for n in nodes}
    for n in nodes:
        for p, _t in n.links:
            succs[p].append(n.id)
            indeg[n.id] += 1
    ready = [n.id for n in nodes if indeg[n.id] == 0]
    order: list[str] = []
    while ready:
        x = ready.pop()
        order.append(x)
        for y in succs[x]:
            indeg[y] -= 1
            if indeg[y] == 0:
                ready.append(y)
    if len(order) != len(nodes):
        _check_acyclic(mapper, nodes, "the imported network")
    return order


def map_project(src: SourceProject, opts: ImportOptions, county: CountyCalendars | None) -> ImportResult:
    """Map one imported project onto a spec Project: ids, working days, links, constraints,
    progress and calendar, then roll up or keep the milestones as asked."""
    mapper = _Mapper(src, opts)
    pid = opts.project_id or slug(src.id_hint)
    if not opts.project_id and pid != src.id_hint:
        mapper.warn(f"project id {src.id_hint!r} of the file is not of [A-Za-z0-9_.-]; the project is {pid!r} "
                    "(--project-id names it otherwise)",
                    "warn.project-id", hint=repr(src.id_hint), pid=repr(pid))
    if not pid or not ID_RE.match(pid):
        raise mapper.error("bad-project-id", f"project id {pid!r} must match [A-Za-z0-9_.-]+ (use --project-id)",
                           case="import", value=shown(pid))
    if opts.level is not None and opts.level < 1:
        raise mapper.error("bad-option", f"--level {opts.level}: WBS levels start at 1", case="level", value=opts.level)
    if not any(not t.summary for t in src.tasks):
        raise mapper.error("no-tasks", "the project has no tasks")
    ids = mapper.assign_ids()
    nodes = mapper.leaf_nodes(ids)
    order = _topological(mapper, nodes)
    mapper.extent = _extent(nodes, order, start_date(src.start, mapper.pcal))
    cal, cal_text = mapper.choose_calendar(county)
    first_day = min([src.start, *(x for t in src.tasks for x in (t.actual_start, t.start) if x is not None)]).date()
    if first_day < cal.first:
        raise CalendarError("date-out-of-range", f"the file's dates begin {first_day}, before calendar {cal.name} "
                            f"({cal.first}..{cal.last})", project=pid,
                            params={"case": "import", "value": first_day, "calendar": cal.name, "first": cal.first,
                                    "last": cal.last})
    mapper.compare_task_calendars(cal)
    project = _build(mapper, pid, cal, nodes)
    if opts.level is not None:
        nodes = _roll_up(mapper, nodes, opts.level, project, cal)
        project = _build(mapper, pid, cal, nodes)
    elif opts.milestones_only:
        nodes = _milestones_only(mapper, nodes, opts.keep, cal, project)
        project = _build(mapper, pid, cal, nodes)
    data_date = start_date(src.data_date, mapper.pcal) if src.data_date is not None else None
    stored = {n.id: n.stored for n in nodes if n.stored != (None, None)}
    return ImportResult(project=project, warnings=mapper.warnings, calendar=cal, calendar_toml=cal_text,
                        data_date=data_date, stored=stored, source=src.source)


def read_schedule_file(path: str, data: bytes, *, encoding: str | None = None) -> list[SourceProject]:
    """The projects of an MS Project XML or P6 XER file, told apart by their first bytes."""
    from scheduler.io.mspdi import read_mspdi
    from scheduler.io.xer import read_xer

    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"ERMHDR"):
        return read_xer(data, path, encoding=encoding)
    if head.startswith(b"<") or path.lower().endswith(".xml"):
        return [read_mspdi(data, path)]
    if path.lower().endswith(".xer"):
        return read_xer(data, path, encoding=encoding)
    raise InteropError("unknown-format", "neither MS Project XML (<Project …>) nor a P6 XER file (ERMHDR …)",
                       file=path, params={"case": "import"})

# -- whole files in and out -------------------------------------------------------------------
class _Overlay:
    """The county's calendars plus those an import is about to write."""

    def __init__(self, county: CountyCalendars | None) -> None:
        self.county = county
        self.new: dict[str, Calendar] = {}

    def add(self, cal: Calendar) -> None:
        self.new[cal.name] = cal

    def names(self) -> list[str]:
        return sorted({*(self.county.names() if self.county is not None else []), *self.new})

    def __getitem__(self, name: str) -> Calendar:
        if name in self.new:
            return self.new[name]
        if self.county is None:
            raise KeyError(name)
        return self.county[name]


def _write(path: Path, data: str | bytes) -> None:
    """Write a file (and its folder), or say in one line why it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as e:
        raise InteropError("unwritable", f"cannot write the file: {e.strerror}", file=path,
                           params=os_params(e)) from None


def import_file(path: Path, opts: ImportOptions, county: CountyCalendars | None, *,
                encoding: str | None = None) -> list[ImportResult]:
    """Read an MS Project XML or P6 XER file and map each of its projects."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InteropError("unreadable", f"cannot read the file: {e.strerror}", file=path,
                           params=os_params(e)) from None
    sources = read_schedule_file(str(path), data, encoding=encoding)
    if opts.project_id is not None and len(sources) > 1:
        raise InteropError("bad-option", f"the file holds {len(sources)} projects; --project-id names one (leave it "
                           "out and each project keeps its own id)", file=path,
                           params={"case": "project-id", "n": len(sources)})
    made = _Overlay(county)
    results = []
    try:
        for s in sources:
            r = map_project(s, opts, made)
            if r.calendar_toml is not None:  # later projects of the file may use it too
                made.add(r.calendar)
            results.append(r)
    except CalendarError as e:
        hint = "" if opts.write_calendar else " (--write-calendar keeps the file's own calendar)"
        also = {} if opts.write_calendar else {"also": "err.hint.write-calendar"}
        raise InteropError(e.kind, e.message + hint, file=path, project=e.project, milestone=e.milestone,
                           params=e.params | also) from None
    seen: dict[str, str] = {}
    for r in results:
        if r.project.id in seen:
            raise InteropError("duplicate-project", f"two projects of the file map to id {r.project.id}", file=path,
                               project=r.project.id, params={"case": "import", "id": r.project.id})
        seen[r.project.id] = r.project.id
    return results


def write_import(results: Sequence[ImportResult], out: Path, calendar_dir: Path, *,
                 force: bool = False) -> list[Path]:
    """Write each imported project as a project file (OUT itself for one project unless OUT is a
    folder, else OUT/ID.toml) and the calendar files the import made; each file is read back by
    the project-file loader before anything is written."""
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.projectfile import parse_project
    from scheduler.io.projectwriter import project_toml

    to_folder = out.is_dir() or len(results) > 1 or str(out).endswith(("/", "\\"))
    if len(results) > 1 and out.suffix.lower() == ".toml":
        raise InteropError("bad-option", f"the file holds {len(results)} projects: --out names a folder for their "
                           "files", file=out, params={"case": "out", "n": len(results)})
    plans: list[tuple[Path, str]] = []
    new_calendars: dict[str, str] = {}
    for r in results:
        if r.calendar_toml is not None:
            new_calendars[r.calendar.name] = r.calendar_toml
    for r in results:
        target = out / f"{r.project.id}.toml" if to_folder else out
        comments = [f"Imported from {Path(r.source).name} by `dispatch import` on {dt.date.today()}; "
                    "mapping rules: docs/interop.md."]
        if r.data_date is not None:
            comments.append(f"The file's data date (status date) is {r.data_date}: schedule with "
                            f"--data-date {r.data_date} to compare its dates.")
        comments += [f"warning: {w}" for w in r.warnings]
        text = project_toml(r.project, comments)
        parse_project(text, target, calendars={c.calendar.name: c.calendar for c in results})
        if target.exists() and not force:
            raise InteropError("exists", "the file exists; use --force to overwrite it", file=target,
                               project=r.project.id, params={"case": "file"})
        plans.append((target, text))
    for name, text in new_calendars.items():
        cpath = calendar_dir / f"{name}.toml"
        if cpath.exists() and cpath.read_text(encoding="utf-8") != text and not force:
            raise InteropError("exists", "a different calendar of that name exists; use --calendar or --force",
                               file=cpath, params={"case": "calendar"})
    for name, text in new_calendars.items():
        _write(calendar_dir / f"{name}.toml", text)
    cals = CalendarSet(calendar_dir)
    written = []
    for target, text in plans:
        parse_project(text, target, calendars=cals)
        _write(target, text)
        written.append(target)
    return written


def export_files(projects: Sequence[Project], calendars: CountyCalendars, fmt: str, out: Path,
                 data_date: dt.date | None = None) -> tuple[list[Path], list[str]]:
    """Schedule the projects and write them as MS Project XML (one file a project) or one P6 XER
    file; returns the files written and what the formats could not carry."""
    from scheduler.io.mspdi import write_mspdi
    from scheduler.io.xer import write_xer

    needed = {p.calendar: calendars[p.calendar] for p in projects}
    result = schedule_projects(projects, needed, data_date)
    warnings: list[str] = list(result.warnings)
    for p in projects:
        lost = tuple(Said(what, f"warn.lost.{key}") for key, what, has in (
            ("factors", "factor requirements", p.factors), ("investment", "the investment plan", p.investment),
            ("weights", "weights", any(m.weight is not None for m in p.milestones)),
            ("notes", "notes", any(m.note for m in p.milestones))) if has)
        if lost:
            warnings.append(Said(f"{p.id}: {', '.join(lost)} are not part of a schedule exchange and are not written",
                                 "warn.export-lost", project=p.id, items=lost))
    bases = []
    base = 0
    for p in projects:
        bases.append(base)
        base += len(p.milestones)
    written: list[Path] = []
    if fmt == "xer":
        target = out / "portfolio.xer" if out.is_dir() else out
        text = write_xer([(p, result, b, needed[p.calendar]) for p, b in zip(projects, bases, strict=True)], warnings)
        _write(target, text)
        return [target], warnings
    if fmt != "mspdi":
        raise InteropError("bad-option", f"--format {fmt!r}: mspdi or xer",
                           params={"case": "format", "value": shown(fmt)})
    to_folder = out.is_dir() or len(projects) > 1
    for p, b in zip(projects, bases, strict=True):
        target = out / f"{p.id}.xml" if to_folder else out
        _write(target, write_mspdi(p, result, needed[p.calendar], b))
        written.append(target)
    return written, warnings
