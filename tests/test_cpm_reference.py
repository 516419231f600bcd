"""Property test: the vectorized engine agrees with the plain reference (tests/reference_cpm.py) on
random portfolios: random DAGs of 2-25 milestones, all four link types (SS+FF ladders included),
lags 0-5, durations 0-20 with events, random not_before/start_by/finish_by, and random progress at
a data date (finished, started with a percent, not started) with unapproved factors holding
milestones, on both shipped calendars, with and without a data date."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.core.model import FactorRequirement, FactorStatus, Link, LinkType, Milestone, Project
from scheduler.core.schedule import schedule_projects
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from tests.reference_cpm import reference_schedule

CALS = CalendarSet(REPO_ROOT / "calendar")
NAMES = ("office", "construction")
WORKDAYS = {n: [dt.date.fromordinal(int(o)) for o in CALS[n].ordinals] for n in NAMES}
PROVISIONAL = {n: set(CALS[n].provisional_years) for n in NAMES}
BASE = dt.date(2026, 1, 1)
WARNING = re.compile(r"^calendar (\w+): ([\d, ]+) scheduled on the provisional rule")


def day(n: int) -> dt.date:
    return BASE + dt.timedelta(days=n)


@st.composite
def projects(draw: st.DrawFn, pid: str, data_day: int) -> Project:
    """A random valid project whose progress is plausible at the data date (`data_day` from BASE)."""
    n = draw(st.integers(2, 25))
    start = draw(st.integers(0, 330))
    durations = [0 if draw(st.integers(0, 4)) == 0 else draw(st.integers(1, 20)) for _ in range(n)]
    # links from earlier to later rows of a hidden order: acyclic by construction
    links: list[list[Link]] = [[] for _ in range(n)]
    for j in range(1, n):
        k = draw(st.integers(0, min(3, j)))
        preds = draw(st.lists(st.integers(0, j - 1), min_size=k, max_size=k, unique=True))
        for i in preds:
            types = draw(st.lists(st.sampled_from(list(LinkType)), min_size=1, max_size=2, unique=True))
            for t in types:
                links[j].append(Link(f"M{i}", t, draw(st.integers(0, 5))))
    ms = []
    for j in range(n):
        d = durations[j]
        opt: dict[str, Any] = {}
        if draw(st.integers(0, 4)) == 0:
            opt["not_before"] = day(start + draw(st.integers(-5, 60)))
        if draw(st.integers(0, 3)) == 0:
            opt["start_by"] = day(start + draw(st.integers(0, 150)))
        if draw(st.integers(0, 3)) == 0:
            opt["finish_by"] = day(start + draw(st.integers(0, 200)))
        state = draw(st.sampled_from(["not", "not", "finished", "started"]))
        if state != "not":
            a = start + draw(st.integers(-10, max(data_day - start, -10) + 5))
            opt["actual_start"] = day(a)
            if state == "finished":
                opt["actual_finish"] = day(a + draw(st.integers(0, 30)))
            elif draw(st.booleans()):
                opt["percent"] = draw(st.one_of(st.integers(0, 99), st.sampled_from([12.5, 33.3, 99.9])))
        ms.append(Milestone(id=f"M{j}", name=f"M{j}", duration=d, after=tuple(links[j]), **opt))
    order = draw(st.permutations(range(n)))  # file order differs from the topological one
    factors = []
    for f in range(draw(st.integers(0, 4))):
        status = draw(st.sampled_from(list(FactorStatus)))
        exp = day(start + draw(st.integers(-20, 120))) if draw(st.integers(0, 3)) else None
        factors.append(FactorRequirement(id=f"F{f}", kind="用地", milestone=f"M{draw(st.integers(0, n - 1))}",
                                         status=status, expected=exp))
    return Project(id=pid, name=pid, lead_unit="县发改局", start=day(start),
                   calendar=draw(st.sampled_from(NAMES)), milestones=tuple(ms[i] for i in order),
                   factors=tuple(factors))


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[list[Project], dt.date | None]:
    data_day = draw(st.integers(0, 360))
    k = draw(st.integers(1, 3))
    ps = [draw(projects(f"P{i}", data_day)) for i in range(k)]
    dd = day(data_day) if draw(st.integers(0, 3)) else None
    return ps, dd


def engine_warnings(doc: dict[str, Any]) -> list[tuple[str, tuple[int, ...]]]:
    out = []
    for w in doc["warnings"]:
        m = WARNING.match(w)
        assert m, w
        out.append((m.group(1), tuple(int(y) for y in m.group(2).split(", "))))
    return sorted(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios())
def test_engine_matches_reference(case: tuple[list[Project], dt.date | None]) -> None:
    ps, dd = case
    got = schedule_projects(ps, {n: CALS[n] for n in NAMES}, dd).to_json()
    want = reference_schedule(ps, WORKDAYS, dd, PROVISIONAL)
    assert got["data_date"] == want["data_date"]
    for gp, wp in zip(got["projects"], want["projects"], strict=True):
        for gm, wm in zip(gp["milestones"], wp["milestones"], strict=True):
            assert gm == wm, f"project {wp['id']} milestone {wm['id']}"
        assert gp == wp
    assert engine_warnings(got) == want["warnings"]


def test_sample_portfolio_matches_reference() -> None:
    """The county's sample portfolio (projects/), at the demo data date and as the plan."""
    from scheduler.io.projectfile import read_portfolio

    folder = REPO_ROOT / "projects"
    if not any(folder.glob("*.toml")):
        pytest.skip("no sample portfolio")
    ps = [pf.project for pf in read_portfolio([folder], calendars=CALS)]
    for dd in (dt.date(2026, 11, 23), None):
        got = schedule_projects(ps, {n: CALS[n] for n in NAMES}, dd).to_json()
        want = reference_schedule(ps, WORKDAYS, dd, PROVISIONAL)
        assert got["projects"] == want["projects"]
        assert engine_warnings(got) == want["warnings"]
