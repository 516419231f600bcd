"""The problem list in the database: each problem's state and the office's decisions (`problems`),
its history week by week (`problem_weeks`), the units' answers (`problem_answers`) and who did what
(`problem_events`). The weekly run saves the week's problems inside its transaction
(`save_week`); decisions and answers are written by `decide`, `raise_problem`, `record_answer`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Select, Text, and_, case, cast, delete, func, insert, literal, null, select, update

from scheduler.core.findings import Finding, Light
from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.core.problems import (
    Action,
    Answer,
    DeadlineCost,
    Escalation,
    Event,
    Exemption,
    Problem,
    ProblemKind,
    ProblemStatus,
    Symptom,
)
from scheduler.errors import NotFound, ProblemError, shown
from scheduler.store.db import findings as findings_t
from scheduler.store.db import insert_rows, problem_answers, problem_events, problem_weeks, utcnow
from scheduler.store.db import problems as problems_t
from scheduler.store.db import runs as runs_t
from scheduler.store.runs import finding_from_row, latest_run_week, runs_before, runs_in_order

CHUNK = 2_000


# -- rows ------------------------------------------------------------------------------------------


def _state_row(p: Problem, now: dt.datetime) -> dict[str, Any]:
    ex, es = p.exemption, p.escalation
    return {
        "id": p.id, "project_id": p.project, "kind": p.kind.value, "source": p.source,
        "milestone_id": p.milestone, "factor_id": p.factor, "factor_kind": p.factor_kind,
        "description": p.description, "unit": p.unit, "person": p.person, "partners": list(p.partners),
        "due": p.due, "measures": p.measures, "needs_county": p.needs_county, "county_matters": p.county_matters,
        "status": p.status.value, "first_seen": p.first_seen,
        "raised_light": p.light.value if p.source == "manual" else None,
        "exempt_reason": ex.reason if ex else None, "exempt_by": ex.by if ex else None,
        "exempt_at": ex.at if ex else None,
        "escalate_reason": es.reason if es else None, "escalate_matters": es.matters if es else None,
        "escalate_proposal": es.proposal if es else None, "escalated_by": es.by if es else None,
        "escalated_at": es.at if es else None, "decision": es.decision if es and es.decision else None,
        "decided_at": es.decided_at if es else None,
        "closed_by": p.closed_by or None, "closed_at": p.closed_at, "close_reason": p.close_reason or None,
        "merged_into": p.merged_into, "updated_at": now,
    }


_STATE = tuple(
    # partners: NULL for the usual empty list, so no JSON is parsed for most problems
    case((cast(problems_t.c.partners, Text) == "[]", null()), else_=problems_t.c.partners) if k == "partners"
    else problems_t.c[k] for k in (
        "id", "project_id", "kind", "source", "milestone_id", "factor_id", "factor_kind", "description", "unit",
        "person", "partners", "due", "measures", "needs_county", "county_matters", "status", "first_seen",
        "exempt_reason", "exempt_by", "exempt_at", "escalate_reason", "escalate_matters", "escalate_proposal",
        "escalated_by", "escalated_at", "decision", "decided_at", "closed_by", "closed_at", "close_reason",
        "merged_into"))
"""The columns of a problem's state `_with_state` reads, in the order `_problem` takes them."""
_KINDS = {k.value: k for k in ProblemKind}
_LIGHTS = {k.value: k for k in Light}
_STATUSES = {k.value: k for k in ProblemStatus}


def _problem(r: Any, week: Any = None, answer: Answer | None = None, weeks_red: int = 0) -> Problem:
    """A problem from a `_with_state` row (by position: tens of thousands of rows a weekly run),
    as of `week` (a row of its week's columns) when given."""
    (pid, project, kind, source, milestone, factor, factor_kind, description, unit, person, partners, due, measures,
     needs_county, county_matters, status, first_seen, exempt_reason, exempt_by, exempt_at, escalate_reason,
     escalate_matters, escalate_proposal, escalated_by, escalated_at, decision, decided_at, closed_by, closed_at,
     close_reason, merged_into, light, last_seen) = r[:len(_STATE) + 2]
    ex = Exemption(exempt_reason, exempt_by or "", exempt_at) if exempt_reason else None
    es = None
    if escalate_reason is not None or decision:
        es = Escalation(escalate_reason or "", escalate_matters or "", escalate_proposal or "", escalated_by or "",
                        escalated_at, decision or "", decided_at)
    state = {"id": pid, "project": project, "kind": _KINDS[kind], "unit": unit, "person": person,
             "partners": tuple(partners) if partners else (), "due": due, "measures": measures,
             "needs_county": bool(needs_county), "county_matters": county_matters, "description": description,
             "milestone": milestone, "factor": factor, "factor_kind": factor_kind, "first_seen": first_seen,
             "last_seen": last_seen, "weeks_red": weeks_red, "exemption": ex, "escalation": es,
             "closed_by": closed_by or "", "closed_at": closed_at, "close_reason": close_reason or "",
             "merged_into": merged_into, "source": source, "answer": answer}
    if week is None:
        return Problem(**state, light=_LIGHTS[light], status=_STATUSES[status])
    return Problem(**state, light=_LIGHTS[week.light], status=_STATUSES[week.status], days=week.days,
                   points=week.points, own_light=_LIGHTS[week.own_light], escalate=bool(week.escalate),
                   symptoms=tuple(Symptom.from_json(s) for s in week.symptoms or ()),
                   deadlines=tuple(DeadlineCost.from_json(d) for d in week.deadlines or ()),
                   expected=week.expected, held_by=week.held_by)


def _answer(r: Any) -> Answer:
    return Answer(r.week, r.unit, r.situation, r.measures, r.promised, r.answered_at)


# -- reading ---------------------------------------------------------------------------------------


def _mine(portfolio: str) -> Any:
    """A problem of the portfolio (the portfolio whose run or office raised it)."""
    return problems_t.c.portfolio == portfolio


def _weeks_mine(portfolio: str) -> Any:
    """A problem_weeks row of the portfolio's problems."""
    return problem_weeks.c.problem_id.in_(select(problems_t.c.id).where(_mine(portfolio)).scalar_subquery())


def _latest_week() -> Any:
    """The latest stored week of the problem of the row at hand (a correlated subquery)."""
    w = problem_weeks.alias("w")
    return select(func.max(w.c.week)).where(w.c.problem_id == problems_t.c.id).correlate(problems_t).scalar_subquery()


def _with_state() -> Select[Any]:
    """The problems' rows (`_STATE`) with what is derived from their weeks, never copied into
    `problems`: light and last_seen are those of the latest stored week; a problem raised by hand
    that no run has listed yet has its raised light and the week it was raised (weeks_red:
    `red_streaks`)."""
    latest = problem_weeks.alias("latest")
    return (select(*_STATE,
                   func.coalesce(latest.c.light, problems_t.c.raised_light, "green").label("light"),
                   func.coalesce(latest.c.week, problems_t.c.first_seen).label("last_seen"))
            .select_from(problems_t.outerjoin(latest, and_(latest.c.problem_id == problems_t.c.id,
                                                           latest.c.week == _latest_week()))))


# -- weeks red running (连续红灯), derived -----------------------------------------------------------


def red_streaks(conn: Connection, *seeds: Any, portfolio: str | None = DEFAULT_PORTFOLIO) -> dict[tuple[str, str], int]:
    """Weeks red running (连续红灯周数) of the week rows picked by `seeds` (conditions on
    `problem_weeks`): (problem id, week) -> count, for those red and counting (the others: 0).
    THE definition of weeks_red, derived from the stored week rows, never carried: the
    consecutive weekly runs of the problem's portfolio (the current run of each week run), ending
    at the row's, whose row of the problem (saved by that run) is red and counting (`counted_red`:
    open, not merged, not exempt). A week nobody ran (a holiday) neither counts nor breaks it; a
    run that did not list the problem, or listed it not red, breaks it. So re-running an earlier
    week, or running a skipped one late, changes the later weeks' counts at once. One recursive
    query walking back from the seeds run by run: its cost is the red weeks counted, not the
    history stored."""
    runs = runs_in_order(portfolio)
    pw = problem_weeks.c
    start = (select(pw.problem_id, pw.week.label("seed"), runs.c.prev_id, runs.c.prev_week, literal(1).label("k"))
             .select_from(runs.join(problem_weeks, and_(pw.run_id == runs.c.id, pw.week == runs.c.week)))
             .where(pw.counted_red, *seeds).cte("streak", recursive=True))
    w = problem_weeks.alias("w")
    step = (select(start.c.problem_id, start.c.seed, runs.c.prev_id, runs.c.prev_week, start.c.k + 1)
            .select_from(start.join(w, and_(w.c.problem_id == start.c.problem_id, w.c.week == start.c.prev_week,
                                            w.c.run_id == start.c.prev_id))
                         .join(runs, runs.c.id == w.c.run_id))
            .where(w.c.counted_red))
    streak = start.union_all(step)
    stmt = select(streak.c.problem_id, streak.c.seed, func.max(streak.c.k)).group_by(streak.c.problem_id,
                                                                                     streak.c.seed)
    return {(pid, str(week)): int(n) for pid, week, n in conn.execute(stmt)}


def _streaks_by_id(conn: Connection, seed: Any, ids: Sequence[str] | None, portfolio: str | None) -> dict[str, int]:
    """`red_streaks` of the week rows picked by `seed`, of `ids` (in chunks) or of the portfolio,
    by problem id (the seed picks one week row per problem)."""
    if ids is None:
        return {pid: n for (pid, _w), n in red_streaks(conn, seed, portfolio=portfolio).items()}
    out: dict[str, int] = {}
    for i in range(0, len(ids), CHUNK):
        part = red_streaks(conn, seed, problem_weeks.c.problem_id.in_(ids[i:i + CHUNK]), portfolio=portfolio)
        out.update((pid, n) for (pid, _w), n in part.items())
    return out


def _weeks_red_at(conn: Connection, week: str, portfolio: str, ids: Sequence[str] | None = None) -> dict[str, int]:
    """Weeks red running at `week` of the portfolio's problems (or of `ids`), those red then."""
    return _streaks_by_id(conn, problem_weeks.c.week == week, ids, portfolio)


def _weeks_red_latest(conn: Connection, ids: Sequence[str] | None, portfolio: str | None) -> dict[str, int]:
    """Weeks red running of each problem (of `ids`, else of the portfolio) at its latest week row."""
    w = problem_weeks.alias("w")
    pw = problem_weeks.c
    latest = pw.week == select(func.max(w.c.week)).where(w.c.problem_id == pw.problem_id).scalar_subquery()
    return _streaks_by_id(conn, latest, ids, portfolio)


def load_problems(conn: Connection, ids: Iterable[str] | None = None, *, project: str | None = None,
                  portfolio: str | None = DEFAULT_PORTFOLIO) -> dict[str, Problem]:
    """The portfolio's stored problems (state and decisions, no week), by id; all of them, or those
    of `ids` or of one project (portfolio None: by id in any portfolio; a problem's id holds its
    project's, unique in the database). Each carries its latest answer and its weeks red running at
    its latest week (`red_streaks`)."""
    stmt = _with_state() if portfolio is None else _with_state().where(_mine(portfolio))
    wanted = None if ids is None else list(ids)
    if project is not None:
        stmt = stmt.where(problems_t.c.project_id == project)
    out: dict[str, Problem] = {}
    rows: list[Any] = []
    if wanted is None:
        rows = list(conn.execute(stmt))
    else:
        for i in range(0, len(wanted), CHUNK):
            rows += list(conn.execute(stmt.where(problems_t.c.id.in_(wanted[i:i + CHUNK]))))
    answers = _latest_answers(conn, [r.id for r in rows])
    red = _weeks_red_latest(conn, None if wanted is None and project is None else [r.id for r in rows], portfolio)
    for r in rows:
        out[r.id] = _problem(r, answer=answers.get(r.id), weeks_red=red.get(r.id, 0))
    return out


def carried_problems(conn: Connection, found: Iterable[str], portfolio: str = DEFAULT_PORTFOLIO
                     ) -> dict[str, Problem]:
    """What a week's carry-over needs of the stored problems (core.problems.carry_over), by id: those
    still open (carried on, or done when the check no longer finds them) and those of `found` (the
    ids the check found this week) whatever their status; not the ones done or closed in earlier
    weeks that the check does not find again. Their weeks_red is left 0: the carry-over counts this
    week's from `week_history`."""
    is_open = problems_t.c.status == ProblemStatus.OPEN.value
    still_open = (_mine(portfolio), is_open)
    out = {r[0]: _problem(r) for r in conn.execute(_with_state().where(*still_open))}
    wanted = [i for i in dict.fromkeys(found) if i not in out]
    for i in range(0, len(wanted), CHUNK):
        out.update((r[0], _problem(r)) for r in conn.execute(_with_state().where(
            _mine(portfolio), ~is_open, problems_t.c.id.in_(wanted[i:i + CHUNK]))))
    answers = _latest_answers_where(conn, problem_answers.c.problem_id.in_(
        select(problems_t.c.id).where(*still_open).scalar_subquery()))
    answers.update(_latest_answers(conn, [i for i in wanted if i in out]))
    for pid, answer in answers.items():  # the few answered: a replace() each
        out[pid] = replace(out[pid], answer=answer)
    return out


def _latest_answers(conn: Connection, ids: Sequence[str]) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    for i in range(0, len(ids), CHUNK):
        out.update(_latest_answers_where(conn, problem_answers.c.problem_id.in_(ids[i:i + CHUNK])))
    return out


def _latest_answers_where(conn: Connection, picked: Any) -> dict[str, Answer]:
    """The latest answer of each problem whose answers `picked` (a condition) picks, by problem id."""
    out: dict[str, Answer] = {}
    for r in conn.execute(select(problem_answers).where(picked).order_by(problem_answers.c.week)):
        out[r.problem_id] = _answer(r)
    return out


def get_problem(conn: Connection, problem_id: str) -> Problem:
    """One stored problem; NotFound when there is none with that id."""
    found = load_problems(conn, [problem_id], portfolio=None)
    if problem_id not in found:
        raise NotFound("no-problem", f"no problem {problem_id!r} is stored (dispatch problems lists them)",
                       params={"id": repr(problem_id)})
    return found[problem_id]


def _week_or_latest(conn: Connection, week: str | None, portfolio: str) -> str:
    """`week`, or the latest week with a stored problem list (NotFound when there is none)."""
    if week is None:
        week = conn.scalar(select(func.max(problem_weeks.c.week)).where(_weeks_mine(portfolio)))
        if week is None:
            raise NotFound("no-run", "no problem list is stored yet (dispatch run)", params={"case": "problems"})
    return str(week)


@dataclass(frozen=True, slots=True)
class ProblemLight:
    """One problem of a week's list reduced to what a count needs: its week's light and today's
    status (closed when the office closed it after the run), its project and 责任单位."""

    id: str
    project: str
    unit: str
    light: Light
    status: ProblemStatus


def week_lights(conn: Connection, week: str | None = None, *, unit: str | None = None,
                portfolio: str = DEFAULT_PORTFOLIO) -> tuple[str, list[ProblemLight]]:
    """The problems of a week's list as `problems_of_week` orders and filters them, without their
    symptoms, deadlines and answers (the week page counts thousands of them per request)."""
    week = _week_or_latest(conn, week, portfolio)
    pw = problem_weeks.c
    stmt = (select(problems_t.c.id, problems_t.c.project_id, problems_t.c.unit, problems_t.c.status, pw.light,
                   pw.status.label("w_status"))
            .join(problem_weeks, pw.problem_id == problems_t.c.id)
            .where(pw.week == week, _mine(portfolio)).order_by(problems_t.c.project_id, problems_t.c.id))
    if unit is not None:
        stmt = stmt.where(problems_t.c.unit == unit)
    closed = ProblemStatus.CLOSED.value
    return week, [ProblemLight(r.id, r.project_id, r.unit, Light(r.light),
                               ProblemStatus(closed if r.status == closed else r.w_status)) for r in conn.execute(stmt)]


def problems_of_week(conn: Connection, week: str | None = None, *, unit: str | None = None,
                     project: str | None = None, ids: Collection[str] | None = None,
                     portfolio: str = DEFAULT_PORTFOLIO) -> tuple[str, list[Problem]]:
    """The problem list of a week as the run of that week saved it (default: the latest week with
    one), with today's decisions and answers; filtered by 责任单位, project or `ids`. NotFound when
    no week is stored."""
    week = _week_or_latest(conn, week, portfolio)
    stmt = (_with_state()
            .add_columns(problem_weeks.c.light.label("w_light"), problem_weeks.c.status.label("w_status"),
                         problem_weeks.c.days.label("w_days"), problem_weeks.c.points.label("w_points"),
                         problem_weeks.c.own_light.label("w_own_light"), problem_weeks.c.escalate.label("w_escalate"),
                         problem_weeks.c.symptoms.label("w_symptoms"), problem_weeks.c.deadlines.label("w_deadlines"),
                         problem_weeks.c.expected.label("w_expected"), problem_weeks.c.held_by.label("w_held_by"),
                         problem_weeks.c.run_id.label("w_run_id"))
            .join(problem_weeks, problem_weeks.c.problem_id == problems_t.c.id)
            .where(problem_weeks.c.week == week, _mine(portfolio)))
    if unit is not None:
        stmt = stmt.where(problems_t.c.unit == unit)
    if project is not None:
        stmt = stmt.where(problems_t.c.project_id == project)
    if ids is not None:
        stmt = stmt.where(problems_t.c.id.in_(list(ids)))
    rows = list(conn.execute(stmt.order_by(problems_t.c.project_id, problems_t.c.id)))
    answers = _latest_answers(conn, [r.id for r in rows])
    narrowed = unit is not None or project is not None or ids is not None
    red = _weeks_red_at(conn, week, portfolio, [r.id for r in rows] if narrowed else None)
    out = []
    for r in rows:
        wk = SimpleNamespace(light=r.w_light, status=r.w_status, days=r.w_days, points=r.w_points,
                             own_light=r.w_own_light, escalate=r.w_escalate,
                             symptoms=r.w_symptoms, deadlines=r.w_deadlines, expected=r.w_expected,
                             held_by=r.w_held_by)
        p = _problem(r, wk, answers.get(r.id), red.get(r.id, 0))
        if p.status is not ProblemStatus.CLOSED and r.status == ProblemStatus.CLOSED.value:
            p = replace(p, status=ProblemStatus.CLOSED)  # closed after the run: today's decision shows
        out.append(p)
    return week, with_findings(conn, out, [r.w_run_id for r in rows])


def with_findings(conn: Connection, problems: Sequence[Problem], run_ids: Sequence[int | None]) -> list[Problem]:
    """The problems with their `finding` (the one their sentence is written from: that of their
    first symptom, their own when they have one) read back from the findings of the run that
    stored each week (`run_ids`, one per problem): their calendar's days (天 or 个工作日) and a
    missed deadline's fact come from what the run stored, never from a second copy."""
    wanted: dict[int, set[str]] = {}
    for p, run in zip(problems, run_ids, strict=True):
        if run is not None and p.symptoms and p.symptoms[0].key:
            wanted.setdefault(run, set()).add(p.symptoms[0].key)
    found: dict[tuple[int, str], Finding] = {}
    for run, keys in wanted.items():
        ks = sorted(keys)
        for i in range(0, len(ks), CHUNK):
            for r in conn.execute(select(findings_t).where(findings_t.c.run_id == run,
                                                           findings_t.c.key.in_(ks[i:i + CHUNK]))):
                found[(run, r.key)] = finding_from_row(r)
    return [replace(p, finding=found.get((run, p.symptoms[0].key))) if run is not None and p.symptoms else p
            for p, run in zip(problems, run_ids, strict=True)]


def week_history(conn: Connection, week: str, portfolio: str = DEFAULT_PORTFOLIO) -> dict[str, int]:
    """Weeks red running of the portfolio's problems red at its latest run week before `week`
    (`red_streaks`; the carry-over's input: re-running a week reads the week before, not itself)."""
    prev = conn.scalar(runs_before(week, portfolio).with_only_columns(runs_t.c.week).limit(1))
    if prev is None:
        return {}
    return _weeks_red_at(conn, str(prev), portfolio)


def history(conn: Connection, problem_id: str) -> tuple[list[Problem], list[Event], list[Answer]]:
    """A problem week by week (as each run found it; `last_seen` = that week), its decisions and its
    answers, oldest first."""
    get_problem(conn, problem_id)
    row = conn.execute(_with_state().where(problems_t.c.id == problem_id)).one()
    running = {week: n for (_p, week), n in red_streaks(conn, problem_weeks.c.problem_id == problem_id,
                                                        portfolio=None).items()}
    rows = list(conn.execute(select(problem_weeks).where(problem_weeks.c.problem_id == problem_id)
                             .order_by(problem_weeks.c.week)))
    weeks = with_findings(conn, [replace(_problem(row, w, weeks_red=running.get(w.week, 0)), last_seen=w.week)
                                 for w in rows], [w.run_id for w in rows])
    events = [Event(r.at, Action(r.action), r.by, r.text, r.week) for r in conn.execute(
        select(problem_events).where(problem_events.c.problem_id == problem_id).order_by(problem_events.c.id))]
    answers = [_answer(r) for r in conn.execute(select(problem_answers).where(
        problem_answers.c.problem_id == problem_id).order_by(problem_answers.c.week))]
    return weeks, events, answers


# -- writing ---------------------------------------------------------------------------------------


def save_week(conn: Connection, week: str, run_id: int | None, problems: Sequence[Problem],
              portfolio: str = DEFAULT_PORTFOLIO) -> None:
    """Inside the caller's transaction: the week's problems (as `core.problems.carry_over` gave
    them) become the week's rows, replacing any earlier run's of the week in the portfolio, and a
    problem never stored is added. The `problems` row is the state as of the portfolio's latest
    run week: a run of that week writes what it changes (status, first_seen, 责任单位, description,
    closed by the check, with the check's close/reopen events); a run of an earlier week (a report
    came late) only moves first_seen earlier for what it found, so the later week's state stands."""
    now = utcnow()
    ids = [p.id for p in problems]
    pc = problems_t.c
    keys = ("status", "first_seen", "unit", "description", "factor_kind")
    existing: dict[str, tuple[Any, ...]] = {}  # id -> (*keys, closed_by) as stored
    for i in range(0, len(ids), CHUNK):
        existing.update((r[0], tuple(r[1:])) for r in conn.execute(
            select(pc.id, *(pc[k] for k in keys), pc.closed_by).where(pc.id.in_(ids[i:i + CHUNK]))))
    conn.execute(delete(problem_weeks).where(problem_weeks.c.week == week, _weeks_mine(portfolio)))
    cols = [c.name for c in problems_t.columns]

    def state(p: Problem) -> tuple[Any, ...]:
        row = _state_row(p, now)
        row["created_at"], row["portfolio"] = now, portfolio
        return tuple(row[c] for c in cols)

    insert_rows(conn, problems_t, (state(p) for p in problems if p.id not in existing), columns=cols)
    old = [p for p in problems if p.id in existing]
    latest = latest_run_week(conn, portfolio)
    if latest is not None and latest > week:  # an earlier week run again, or run late
        seen = [p.id for p in old if p.source == "check" and p.status is not ProblemStatus.DONE
                and week < existing[p.id][1]]  # found this week, first seen later: seen earlier now
        for i in range(0, len(seen), CHUNK):
            conn.execute(update(problems_t).where(pc.id.in_(seen[i:i + CHUNK])).values(first_seen=week,
                                                                                       updated_at=now))
    elif old:
        _write_state(conn, week, old, existing, keys, now)
    wcols = ("problem_id", "week", "run_id", "light", "status", "days", "points", "own_light", "counted_red",
             "escalate", "symptoms", "deadlines", "expected", "held_by")
    insert_rows(conn, problem_weeks, ((p.id, week, run_id, p.light.value, p.status.value, p.days, p.points,
                                       p.own_light.value, p.red_week, p.escalate, [s.to_row() for s in p.symptoms],
                                       [d.to_json() for d in p.deadlines], p.expected, p.held_by)
                                      for p in problems), columns=wcols)


def _write_state(conn: Connection, week: str, old: Sequence[Problem], existing: dict[str, tuple[Any, ...]],
                 keys: Sequence[str], now: dt.datetime) -> None:
    """The stored problems' state as the latest week's run decides it, written only in the rows where
    it changed, plain values straight through the driver, the timestamps in statements of their own
    (one value per chunk, none converted row by row); the office's decisions are carried in
    `problems` already. The check's own decisions go into the problem's history: closed (已办结)
    when no longer found, reopened when a problem it closed is found again."""
    pc = problems_t.c
    now_row = {p.id: (p.status.value, p.first_seen, p.unit, p.description, p.factor_kind) for p in old}
    changed = [p for p in old if now_row[p.id] != existing[p.id][:-1]]
    moved = [p for p in old if (p.closed_by or None) != existing[p.id][-1]]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"UPDATE problems SET {', '.join(f'{k} = {mark}' for k in keys)} WHERE id = {mark}"
    for i in range(0, len(changed), CHUNK):
        conn.exec_driver_sql(sql, [(*now_row[p.id], p.id) for p in changed[i:i + CHUNK]])
    touched = list(dict.fromkeys(p.id for p in (*changed, *moved)))
    for i in range(0, len(touched), CHUNK):
        conn.execute(update(problems_t).where(pc.id.in_(touched[i:i + CHUNK])).values(updated_at=now))
    for i in range(0, len(moved), CHUNK):
        conn.execute(update(problems_t).where(problems_t.c.id == _bind("b_id")).values(
            closed_by=_bind("b_by"), closed_at=_bind("b_at")),
            [{"b_id": p.id, "b_by": p.closed_by or None, "b_at": p.closed_at} for p in moved[i:i + CHUNK]])
    events = [{"problem_id": p.id, "at": now, "week": week, "by": "check", "text": p.close_reason,
               "action": (Action.CLOSE if p.closed_by == "check" else Action.REOPEN).value}
              for p in moved if "check" in (p.closed_by, existing[p.id][-1])]
    if events:
        conn.execute(insert(problem_events), events)


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name)


def _event(conn: Connection, problem_id: str, action: Action, by: str, text: str, week: str,
           at: dt.datetime) -> None:
    conn.execute(insert(problem_events).values(problem_id=problem_id, at=at, week=week, action=action.value,
                                               by=by, text=text))


def decide(conn: Connection, problem_id: str, action: Action, *, by: str, text: str, week: str = "",
           matters: str = "", proposal: str = "", into: str | None = None,
           at: dt.datetime | None = None) -> Problem:
    """Record the office's decision on a problem inside the caller's transaction: close (销号),
    reopen, exempt (正当理由), unexempt, escalate (提请县政府专题研究: 事由 = text, 需协调事项,
    建议), decide (the meeting's decision), merge (into another problem). Every decision needs its
    text (ProblemError otherwise); returns the problem as stored now."""
    text = (text or "").strip()
    if not text:
        raise ProblemError("reason-required", f"{action.value} needs a reason (--reason TEXT)", ids=(problem_id,),
                           params={"case": action.value, "action": shown(action.value)})
    p = get_problem(conn, problem_id)
    if action is Action.CLOSE and p.status is ProblemStatus.CLOSED:
        on = p.closed_at.date().isoformat() if p.closed_at else "?"
        raise ProblemError("already-closed", f"problem {problem_id} was closed by {p.closed_by} on {on}: reopen it "
                           "first to close it again", ids=(problem_id,),
                           params={"id": problem_id, "by": p.closed_by or "?", "at": on})
    now = at or utcnow()
    vals: dict[str, Any] = {"updated_at": now}
    if action is Action.CLOSE:
        vals |= {"status": ProblemStatus.CLOSED.value, "closed_by": by, "closed_at": now, "close_reason": text}
    elif action is Action.REOPEN:
        vals |= {"status": ProblemStatus.OPEN.value, "closed_by": None, "closed_at": None, "close_reason": None}
    elif action is Action.EXEMPT:
        vals |= {"exempt_reason": text, "exempt_by": by, "exempt_at": now}
    elif action is Action.UNEXEMPT:
        vals |= {"exempt_reason": None, "exempt_by": None, "exempt_at": None}
    elif action is Action.ESCALATE:
        vals |= {"needs_county": True, "county_matters": matters or p.county_matters or text,
                 "escalate_reason": text, "escalate_matters": matters or p.county_matters or "",
                 "escalate_proposal": proposal or p.measures or "", "escalated_by": by, "escalated_at": now}
    elif action is Action.DECIDE:
        vals |= {"decision": text, "decided_at": now}
    elif action is Action.MERGE:
        if not into or into == problem_id:
            raise ProblemError("bad-merge", "merge needs another problem to merge into", ids=(problem_id,),
                               params={"id": problem_id})
        get_problem(conn, into)
        vals |= {"merged_into": into}
    else:
        raise ProblemError("bad-action", f"{action.value} is not an office decision", ids=(problem_id,),
                           params={"action": shown(action.value)})
    conn.execute(update(problems_t).where(problems_t.c.id == problem_id).values(**vals))
    _event(conn, problem_id, action, by, text + (f" → {into}" if into else ""), week or p.last_seen, now)
    return get_problem(conn, problem_id)


def raise_problem(conn: Connection, project: str, description: str, *, unit: str, week: str, by: str,
                  person: str = "", partners: Sequence[str] = (), due: dt.date | None = None, measures: str = "",
                  needs_county: bool = False, county_matters: str = "", milestone: str | None = None,
                  light: Light = Light.YELLOW, at: dt.datetime | None = None,
                  portfolio: str = DEFAULT_PORTFOLIO) -> Problem:
    """A problem raised by hand (村民阻工, 资金未到位 …) by a unit or the office: id
    'PROJECT/manual/N'; it stays 办理中 until closed with a reason."""
    description = (description or "").strip()
    if not description:
        raise ProblemError("description-required", "a problem raised by hand needs what is wrong", project=project)
    if not unit.strip():
        raise ProblemError("unit-required", "a problem raised by hand needs its 责任单位", project=project,
                           params={"case": "problem"})
    prefix = f"{project}/{ProblemKind.MANUAL.value}/"
    taken = conn.scalars(select(problems_t.c.id).where(problems_t.c.id.like(prefix + "%")))
    n = 1 + max((int(x[len(prefix):]) for x in taken if x[len(prefix):].isdigit()), default=0)
    now = at or utcnow()
    p = Problem(id=f"{prefix}{n}", project=project, kind=ProblemKind.MANUAL, light=light, unit=unit.strip(),
                person=person, partners=tuple(partners), due=due, measures=measures, needs_county=needs_county,
                county_matters=county_matters, description=description, milestone=milestone, own_light=light,
                first_seen=week, last_seen=week, source="manual")
    conn.execute(insert(problems_t).values(dict(_state_row(p, now), created_at=now, portfolio=portfolio)))
    _event(conn, p.id, Action.RAISE, by, description, week, now)
    return p


def record_answer(conn: Connection, problem_id: str, week: str, *, unit: str, situation: str = "",
                  measures: str = "", promised: dt.date | None = None, at: dt.datetime | None = None) -> Answer:
    """A unit's answer to a problem for `week` (情况说明, 整改措施, 承诺完成时间), inside the caller's
    transaction: replaces the week's earlier answer; the 整改措施 given becomes the problem's."""
    get_problem(conn, problem_id)
    now = at or utcnow()
    conn.execute(delete(problem_answers).where(problem_answers.c.problem_id == problem_id,
                                               problem_answers.c.week == week))
    conn.execute(insert(problem_answers).values(problem_id=problem_id, week=week, unit=unit, situation=situation,
                                                measures=measures, promised=promised, answered_at=now))
    if measures.strip():
        conn.execute(update(problems_t).where(problems_t.c.id == problem_id).values(measures=measures,
                                                                                    updated_at=now))
    _event(conn, problem_id, Action.ANSWER, unit, situation or measures, week, now)
    return Answer(week, unit, situation, measures, promised, now)
