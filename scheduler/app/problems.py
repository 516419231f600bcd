"""Use cases of the problem list: list a week's problems (table or the stable JSON), record the
office's decisions (close, exempt, escalate, the meeting's decision, reopen, merge), raise a
problem by hand. The weekly run finds and carries problems (app/weekly.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine

from scheduler.core.alerts import Names
from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.core.phrases import mentioned
from scheduler.core.problems import Action, Problem
from scheduler.core.reporting import StaleMark, carried_findings, stale_mark
from scheduler.store import problems as store
from scheduler.store.alerts import names_for
from scheduler.store.db import reading, transaction
from scheduler.store.runs import carried_of_week


def stale_marks(conn: Connection, week: str, problems: Sequence[Problem],
                portfolio: str = DEFAULT_PORTFOLIO) -> dict[str, StaleMark]:
    """The stale mark (未报送·沿用W) of each problem of `week` whose findings that week's run carried
    because their units did not report: core.reporting.stale_mark, the printout's rule."""
    carried = carried_findings(carried_of_week(conn, week, portfolio))
    if not carried:
        return {}
    marks = {p.id: stale_mark((s.key for s in p.symptoms), carried) for p in problems}
    return {pid: m for pid, m in marks.items() if m is not None}


def week_problems(engine: Engine, week: str | None = None, unit: str | None = None,
                  portfolio: str = DEFAULT_PORTFOLIO) -> tuple[str, list[Problem], Names, dict[str, StaleMark]]:
    """A week's problem list of the portfolio (default: the latest), optionally one unit's, the
    names it mentions and the stale marks of its problems (`stale_marks`)."""
    with reading(engine) as conn:
        wk, found = store.problems_of_week(conn, week, unit=unit, portfolio=portfolio)
        names = names_for(conn, mentioned(found))  # type: ignore[arg-type]
        stale = stale_marks(conn, wk, found, portfolio)
    return wk, found, names, stale


def problems_json(week: str, problems: Sequence[Problem],
                  stale: Mapping[str, StaleMark] | None = None) -> dict[str, Any]:
    """`dispatch problems --format json` (stable): {"week", "problems": [{"id", "project", "kind",
    "light", "status", "unit", "due", "symptoms": [...], "escalate", "stale", ...}]}; "stale" is
    null, or {"carried_from", "units", "findings"} when its light rests on findings carried because
    their units did not report (`stale_marks`); "works_daily": its "days" (and its deadlines') are
    calendar days (天: its calendar works every day), else working days."""
    stale = stale or {}
    out = []
    for p in problems:
        due = p.due_date
        mark = stale.get(p.id)
        out.append({
            "id": p.id, "project": p.project, "kind": p.kind.value, "light": p.light.value, "status": p.status.value,
            "unit": p.unit, "due": due.isoformat() if due else None,
            "symptoms": [s.to_json() for s in p.symptoms], "escalate": p.escalate,
            "milestone": p.milestone, "factor": p.factor, "factor_kind": p.factor_kind, "days": p.days,
            "works_daily": p.works_daily,
            "points": p.points, "own_light": p.own_light.value, "counts": p.counts, "weeks_red": p.weeks_red,
            "first_seen": p.first_seen, "milestones_dragged": p.milestones_dragged,
            "deadlines": [d.to_json() for d in p.deadlines], "held_by": p.held_by, "person": p.person,
            "partners": list(p.partners), "measures": p.measures, "needs_county": p.needs_county,
            "county_matters": p.county_matters, "description": p.description,
            "exemption": None if p.exemption is None else {"reason": p.exemption.reason, "by": p.exemption.by},
            "closed": None if not p.close_reason else {"by": p.closed_by, "reason": p.close_reason,
                                                       "at": p.closed_at.isoformat() if p.closed_at else None},
            "decision": p.escalation.decision if p.escalation is not None and p.escalation.decision else None,
            "merged_into": p.merged_into, "stale": None if mark is None else mark.to_json(),
        })
    return {"week": week, "problems": out}


def decide_problem(engine: Engine, problem_id: str, action: Action, *, reason: str, by: str,
                   matters: str = "", proposal: str = "", into: str | None = None) -> Problem:
    """Record one decision of the office on a problem (refused, nothing written, without a reason)."""
    with transaction(engine) as conn:
        return store.decide(conn, problem_id, action, by=by, text=reason, matters=matters, proposal=proposal,
                            into=into)


def raise_problem(engine: Engine, project: str, what: str, *, unit: str, week: str, by: str, person: str = "",
                  partners: Sequence[str] = (), due: dt.date | None = None, measures: str = "",
                  county: str = "", milestone: str | None = None, portfolio: str = DEFAULT_PORTFOLIO) -> Problem:
    """Put a problem raised by hand on the portfolio's list (需县级协调 when `county` says what)."""
    from scheduler.errors import NotFound
    from scheduler.store.db import projects as projects_t

    with transaction(engine) as conn:
        from sqlalchemy import select

        if conn.scalar(select(projects_t.c.id).where(projects_t.c.id == project,
                                                      projects_t.c.portfolio == portfolio)) is None:
            raise NotFound("no-project", f"no project {project!r} is loaded", project=project,
                           params={"project": project})
        return store.raise_problem(conn, project, what, unit=unit, week=week, by=by, person=person,
                                   partners=partners, due=due, measures=measures, needs_county=bool(county.strip()),
                                   county_matters=county.strip(), milestone=milestone, portfolio=portfolio)
