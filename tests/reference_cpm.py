"""A plain, separate implementation of the spec's scheduling semantics, for cross-checking.

Written from shared/spec/project-files.md alone, one milestone at a time with dicts and a networkx
DiGraph for the topological order; it shares no code with scheduler.core.cpm or scheduler.core.schedule. A
calendar is a sorted Python list of working dates (taken from scheduler.core.calendars.Calendar by the
caller). Links are kept in plain lists, so two links between the same pair (an SS+FF ladder) are
both honoured.

Open cases decided as Primavera P6 does (see the test report): a started milestone prints its
actual start as both early and late start, even on a non-working day; actual dates print as given.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import networkx as nx

from scheduler.core.model import Project


class WorkDays:
    """Working days as a plain sorted list of dates: index i is the i-th working day."""

    def __init__(self, days: Sequence[dt.date]) -> None:
        self.days = list(days)

    def on_or_after(self, d: dt.date) -> int:
        return bisect_left(self.days, d)

    def on_or_before(self, d: dt.date) -> int:
        return bisect_right(self.days, d) - 1

    def after(self, d: dt.date) -> int:
        return bisect_right(self.days, d)

    def day(self, i: int) -> dt.date:
        assert 0 <= i < len(self.days), f"working day {i} outside the calendar"
        return self.days[i]


def remaining_days(duration: int, percent: float | None) -> int:
    """r = ceil(d * (100 - percent) / 100), at least 1 (percent read as the decimal it was written as)."""
    p = Fraction(str(percent)) if percent is not None else Fraction(0)
    return max(math.ceil(duration * (100 - p) / 100), 1)


def schedule_project(p: Project, cal: WorkDays, data_date: dt.date | None) -> dict[str, Any]:
    """One project's JSON object (id, finish, calendar, milestones) as the spec defines it."""
    ms = {m.id: m for m in p.milestones}
    incoming: dict[str, list[tuple[str, str, int]]] = {m.id: [] for m in p.milestones}
    outgoing: dict[str, list[tuple[str, str, int]]] = {m.id: [] for m in p.milestones}
    g = nx.DiGraph()
    g.add_nodes_from(ms)
    for m in p.milestones:
        for link in m.after:
            incoming[m.id].append((link.pred, link.type.value, link.lag))
            outgoing[link.pred].append((m.id, link.type.value, link.lag))
            g.add_edge(link.pred, m.id)
    order = list(nx.topological_sort(g))

    progress = data_date is not None
    status: dict[str, str] = {}
    for m in p.milestones:
        if progress and m.actual_finish is not None:
            status[m.id] = "finished"
        elif progress and m.actual_start is not None:
            status[m.id] = "started"
        else:
            status[m.id] = "not started"
    d_idx = cal.on_or_after(data_date) if data_date is not None else None
    hold: dict[str, dt.date] = {}
    if progress:
        for f in p.factors:
            if f.status.value != "已批复" and f.expected is not None:
                hold[f.milestone] = max(hold.get(f.milestone, f.expected), f.expected)

    ES: dict[str, int] = {}
    EF: dict[str, int] = {}
    R: dict[str, int] = {}
    rem: dict[str, int] = {}
    fin_bound: dict[str, bool] = {}
    start_idx = cal.on_or_after(p.start)
    for mid in order:
        m = ms[mid]
        d = m.duration
        st = status[mid]
        fin_bound[mid] = False
        if st == "finished":
            assert m.actual_start is not None and m.actual_finish is not None
            ES[mid] = cal.on_or_after(m.actual_start)
            EF[mid] = cal.on_or_before(m.actual_finish) + 1
        elif st == "started":
            assert m.actual_start is not None and d_idx is not None
            ES[mid] = cal.on_or_after(m.actual_start)
            rem[mid] = remaining_days(d, m.percent)
            resume = d_idx
            finish_bounds = []
            for pred, typ, lag in incoming[mid]:
                if typ == "FS" and status[pred] != "finished":
                    resume = max(resume, EF[pred] + lag)
                elif typ == "FF":
                    finish_bounds.append(EF[pred] + lag)
                elif typ == "SF":
                    finish_bounds.append(ES[pred] + lag)
            R[mid] = resume
            EF[mid] = max([resume + rem[mid], *finish_bounds])
        else:
            lower = [start_idx]
            if m.not_before is not None:
                lower.append(cal.on_or_after(m.not_before))
            if d_idx is not None:
                lower.append(d_idx)
            if mid in hold:
                lower.append(cal.after(hold[mid]))
            by_finish = []
            for pred, typ, lag in incoming[mid]:
                if typ == "FS":
                    b = EF[pred] + lag
                    by_finish.append(b)
                elif typ == "SS":
                    b = ES[pred] + lag
                elif typ == "FF":
                    b = EF[pred] + lag - d
                    by_finish.append(b)
                else:  # SF
                    b = ES[pred] + lag - d
                lower.append(b)
            ES[mid] = max(lower)
            EF[mid] = ES[mid] + d
            fin_bound[mid] = d == 0 and ES[mid] in by_finish

    PF = max(EF.values())
    LF: dict[str, int] = {}
    LS: dict[str, int] = {}
    for mid in reversed(order):
        m = ms[mid]
        if status[mid] == "finished":
            continue
        d = m.duration
        is_event = d == 0 and status[mid] == "not started"
        shift = 1 if fin_bound[mid] else 0
        lf = PF
        if m.finish_by is not None:
            lf = min(lf, cal.on_or_before(m.finish_by) + (shift if is_event else 1))
        if m.start_by is not None:
            lf = min(lf, cal.on_or_before(m.start_by) + (shift if is_event else d))
        for succ, typ, lag in outgoing[mid]:
            sst = status[succ]
            if sst == "finished":
                continue
            if status[mid] == "started" and typ in ("SS", "SF"):
                continue  # revision 2: a started milestone's start is history
            if sst == "started":
                if typ == "FS":
                    lf = min(lf, LF[succ] - rem[succ] - lag)
                elif typ == "FF":
                    lf = min(lf, LF[succ] - lag)
                elif typ == "SF":  # revision 2: LS(pred) <= LF - L
                    lf = min(lf, LF[succ] - lag + d)
                continue
            if typ == "FS":
                lf = min(lf, LS[succ] - lag)
            elif typ == "SS":
                lf = min(lf, LS[succ] - lag + d)
            elif typ == "FF":
                lf = min(lf, LF[succ] - lag)
            else:
                lf = min(lf, LF[succ] - lag + d)
        LF[mid] = lf
        LS[mid] = lf - d

    out: list[dict[str, Any]] = []
    for m in p.milestones:  # file order
        mid = m.id
        st = status[mid]
        if st == "finished":
            out.append({"id": mid, "early_start": m.actual_start, "early_finish": m.actual_finish,
                        "late_start": m.actual_start, "late_finish": m.actual_finish,
                        "total_float": None, "free_float": None, "critical": False})
            continue
        tf = LF[mid] - EF[mid]
        free = PF - EF[mid]
        for succ, typ, lag in outgoing[mid]:
            sst = status[succ]
            if sst == "finished":
                continue
            if st == "started" and typ in ("SS", "SF"):
                continue  # out of a started milestone, SS and SF links give none
            if sst == "started":
                if typ == "FS":
                    free = min(free, R[succ] - EF[mid] - lag)
                elif typ == "FF":
                    free = min(free, EF[succ] - EF[mid] - lag)
                elif typ == "SF":
                    free = min(free, EF[succ] - ES[mid] - lag)
                continue
            slack = {"FS": ES[succ] - EF[mid], "SS": ES[succ] - ES[mid],
                     "FF": EF[succ] - EF[mid], "SF": EF[succ] - ES[mid]}[typ] - lag
            free = min(free, slack)
        if st == "started":
            es_d, ef_d = m.actual_start, cal.day(EF[mid] - 1)
            ls_d, lf_d = m.actual_start, cal.day(LF[mid] - 1)
        elif m.duration == 0:
            k = 1 if fin_bound[mid] else 0
            es_d = ef_d = cal.day(ES[mid] - k)
            ls_d = lf_d = cal.day(LF[mid] - k)
        else:
            es_d, ef_d = cal.day(ES[mid]), cal.day(EF[mid] - 1)
            ls_d, lf_d = cal.day(LS[mid]), cal.day(LF[mid] - 1)
        out.append({"id": mid, "early_start": es_d, "early_finish": ef_d, "late_start": ls_d,
                    "late_finish": lf_d, "total_float": tf, "free_float": max(free, 0),
                    "critical": tf <= 0})
    finish: dt.date = max(r["early_finish"] for r in out)
    for r in out:
        for key in ("early_start", "early_finish", "late_start", "late_finish"):
            r[key] = r[key].isoformat()
    return {"id": p.id, "finish": finish.isoformat(), "calendar": p.calendar, "milestones": out}


def reference_schedule(projects: Sequence[Project], calendars: Mapping[str, Sequence[dt.date]],
                       data_date: dt.date | None = None,
                       provisional: Mapping[str, set[int]] | None = None) -> dict[str, Any]:
    """The `dispatch schedule --format json` object for `projects`; `calendars` maps a calendar name
    to its working dates, `provisional` to its provisional years (for the warnings, as
    (calendar, years) pairs rather than sentences)."""
    cals = {name: WorkDays(days) for name, days in calendars.items()}
    docs = [schedule_project(p, cals[p.calendar], data_date) for p in projects]
    warned: dict[str, set[int]] = {}
    for doc in docs:
        years = provisional.get(doc["calendar"], set()) if provisional else set()
        dates = [dt.date.fromisoformat(r[k]) for r in doc["milestones"]
                 for k in ("early_start", "early_finish", "late_start", "late_finish")]
        lo, hi = min(d.year for d in dates), max(d.year for d in dates)
        hit = {y for y in years if lo <= y <= hi}
        if hit:
            warned.setdefault(doc["calendar"], set()).update(hit)
    return {"data_date": data_date.isoformat() if data_date else None, "projects": docs,
            "warnings": sorted((name, tuple(sorted(ys))) for name, ys in warned.items())}
