"""The problem list (问题清单): the unit of work of the 督办 loop (问题发现—快速响应—联动解决).

A Problem is a root cause: a factor approval that holds a milestone (要素保障), a milestone late on
its own account, a deadline at risk with no other cause, an investment or physical progress gap
(序时进度), or an issue raised by hand (村民阻工, 资金未到位 …). The weekly check's findings that
another problem drives — a slip, an overdue start, a deadline miss reached through the CPM's
driving links or a factor hold — are its Symptoms, listed under it and not as problems of their
own. Problems carry over weeks by a stable `id`; the office's decisions (exemption, close, merge,
escalation and the meeting's decision) and the units' answers are kept on them.

PURE: values and rules only; the database is store/problems.py, sentences are written by the
outputs from strings.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from scheduler.core import cpm
from scheduler.core.check import CheckResult, RowCalendars
from scheduler.core.findings import Finding, FindingKind, Light, worst
from scheduler.core.model import FactorStatus
from scheduler.core.schedule import PortfolioFrame, ScheduleResult, schedule_frame

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class ProblemKind(StrEnum):
    """What kind of root cause a problem is; stable strings, stored and shown."""

    FACTOR = "factor"            # an approval not granted in time (要素保障)
    MILESTONE = "milestone"      # a milestone late on its own account (overdue start/finish, slip)
    DEADLINE = "deadline"        # a start_by / finish_by at risk, driven by nothing else
    INVESTMENT = "investment"    # investment behind the 序时 plan
    PHYSICAL = "physical"        # physical progress behind the 序时 plan (no milestone problem explains it)
    PAYMENT = "payment"          # fund payment (三类资金支付) behind the 序时 plan
    STATISTICS = "statistics"    # commenced and not yet 入库纳统
    QUANTITY = "quantity"        # physical quantities (实物量) behind the 序时 plan
    MANUAL = "manual"            # raised by hand by a unit or the office


class ProblemStatus(StrEnum):
    """办理中 (open) / 已办结 (done: the cause is gone or the unit says so) / 销号 (closed by the office)."""

    OPEN = "open"
    DONE = "done"
    CLOSED = "closed"

    @property
    def label_key(self) -> str:
        """strings.py key of the status word."""
        return f"problem.status.{self.value}"


class Action(StrEnum):
    """What the office or a unit did to a problem (its history of decisions)."""

    RAISE = "raise"
    CLOSE = "close"
    REOPEN = "reopen"
    EXEMPT = "exempt"
    UNEXEMPT = "unexempt"
    ESCALATE = "escalate"
    DECIDE = "decide"
    MERGE = "merge"
    ANSWER = "answer"
    EDIT = "edit"


@dataclass(frozen=True, slots=True)
class Symptom:
    """A finding of this week listed under the problem that causes it (or the problem's own)."""

    kind: FindingKind
    light: Light
    milestone: str | None = None
    factor: str | None = None
    days: int | None = None
    key: str = ""

    def to_json(self) -> dict[str, object]:
        """Plain JSON (stored with the problem's week and printed by `dispatch problems`)."""
        return {"kind": self.kind.value, "light": self.light.value, "milestone": self.milestone,
                "factor": self.factor, "days": self.days, "key": self.key}

    def to_row(self) -> list[object]:
        """Compact stored form: [kind, light, milestone, factor, days, key]."""
        return [self.kind.value, self.light.value, self.milestone, self.factor, self.days, self.key]

    @staticmethod
    def from_json(d: dict[str, object] | list[object]) -> Symptom:
        """Back from `to_json` or `to_row`."""
        if isinstance(d, list):
            k, lt, m, f, n, key = d
            return Symptom(FindingKind(str(k)), Light(str(lt)), _opt_str(m), _opt_str(f),
                           n if isinstance(n, int) else None, str(key or ""))
        days = d.get("days")
        return Symptom(FindingKind(str(d["kind"])), Light(str(d["light"])),
                       _opt_str(d.get("milestone")), _opt_str(d.get("factor")),
                       int(days) if isinstance(days, int) else None, str(d.get("key") or ""))


@dataclass(frozen=True, slots=True)
class DeadlineCost:
    """What a problem costs one deadline: the deadline's milestone, its date and whether it is a
    start_by, and the working days by which removing the problem would raise its total float."""

    milestone: str
    deadline: dt.date
    start: bool
    days: int
    float_now: int

    def to_json(self) -> dict[str, object]:
        """Plain JSON."""
        return {"milestone": self.milestone, "deadline": self.deadline.isoformat(), "start": self.start,
                "days": self.days, "float": self.float_now}

    @staticmethod
    def from_json(d: dict[str, object]) -> DeadlineCost:
        """Back from `to_json`."""
        return DeadlineCost(str(d["milestone"]), dt.date.fromisoformat(str(d["deadline"])), bool(d.get("start")),
                            int(d.get("days") or 0), int(d.get("float") or 0))  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class Exemption:
    """A recorded 正当理由 (e.g. the flood-season ban on works at the dike): the problem stays listed
    but does not colour its project; who granted it, when and why."""

    reason: str
    by: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Escalation:
    """提请县政府专题研究: 事由 (why), 需协调事项 (what the county must coordinate), 建议 (proposal),
    and the meeting's decision once recorded."""

    reason: str
    matters: str
    proposal: str
    by: str = ""
    at: dt.datetime | None = None
    decision: str = ""
    decided_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """A unit's answer to a problem for one week (its weekly sheet): 情况说明, 整改措施, 承诺完成时间."""

    week: str
    unit: str
    situation: str = ""
    measures: str = ""
    promised: dt.date | None = None
    at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a problem's history of decisions."""

    at: dt.datetime
    action: Action
    by: str
    text: str
    week: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """One root cause on the problem list, as of one week.

    `id` is stable across weeks: found problems are named by kind and ids
    ('YJ-AVENUE/factor/F1', 'YJ-AVENUE/milestone/M06'), hand-raised ones 'PROJECT/manual/N'. Sizes
    are data (days, symptoms, deadline costs); outputs write the sentences."""

    id: str
    project: str
    kind: ProblemKind
    light: Light
    status: ProblemStatus = ProblemStatus.OPEN
    unit: str = ""                       # 责任单位
    person: str = ""                     # 责任人
    partners: tuple[str, ...] = ()       # 配合单位
    due: dt.date | None = None           # 完成时限
    measures: str = ""                   # 整改措施
    needs_county: bool = False           # 需县级协调
    county_matters: str = ""             # ... and what
    description: str = ""                # what is wrong, in words (hand-raised; a factor's 堵点)
    progress: str = ""                   # this week's progress note
    milestone: str | None = None
    factor: str | None = None
    factor_kind: str | None = None
    days: int | None = None              # its own size: working days overdue / behind
    points: float | None = None          # 序时 gap in percentage points (investment, physical)
    own_light: Light = Light.GREEN       # graded from its own size, before its symptoms
    symptoms: tuple[Symptom, ...] = ()
    deadlines: tuple[DeadlineCost, ...] = ()
    first_seen: str = ""
    last_seen: str = ""
    weeks_red: int = 0
    exemption: Exemption | None = None
    escalation: Escalation | None = None
    escalate: bool = False               # on this week's 提请县政府专题研究 list
    closed_by: str = ""
    closed_at: dt.datetime | None = None
    close_reason: str = ""
    merged_into: str | None = None
    source: str = "check"                # "check" or "manual"
    answer: Answer | None = None         # the unit's latest answer (情况说明, 整改措施, 承诺完成时间)
    expected: dt.date | None = None      # a factor's expected approval date (as reported)
    held_by: str | None = None           # a co-requisite approval: the problem whose approval holds
                                         # the same milestone longer (its own light is at most yellow)
    finding: Finding | None = None       # the finding its sentence is written from: its own (else its
                                         # first symptom's), as the week's run found and stored it

    def __post_init__(self) -> None:
        if not self.id or not self.project:
            raise ValueError("a problem needs its id and project")
        if type(self.kind) is not ProblemKind:
            raise ValueError(f"problem kind {self.kind!r} is not a ProblemKind")
        if self.status is _CLOSED and not self.close_reason.strip():
            raise ValueError(f"problem {self.id}: closing needs a reason")

    @property
    def listed(self) -> bool:
        """办理中: a row of the week's 问题清单 (the brief's problem table and its counts), merged and
        exempt ones included (their rows say so)."""
        return self.status is ProblemStatus.OPEN

    @property
    def is_open(self) -> bool:
        """办理中, not merged into another problem."""
        return self.status is ProblemStatus.OPEN and self.merged_into is None

    @property
    def counts(self) -> bool:
        """Whether it colours its project: open, not merged, not exempt."""
        return self.is_open and self.exemption is None

    @property
    def red_week(self) -> bool:
        """Whether this week is one of its 连续红灯 weeks: red and counting (open, not merged, not
        exempt). The week row stores it; weeks_red is counted from those rows (store/problems.py)."""
        return self.counts and self.light is Light.RED

    @property
    def due_date(self) -> dt.date | None:
        """完成时限: as the office set it, else the unit's promised date, else a factor's expected date."""
        if self.due is not None:
            return self.due
        if self.answer is not None and self.answer.promised is not None:
            return self.answer.promised
        return self.expected

    @property
    def works_daily(self) -> bool:
        """Whether its days are calendar days (天): its project's calendar works every day (the
        construction calendar), as its finding says; else working days (个工作日)."""
        return self.finding is not None and bool(self.finding.details.get("works_daily"))

    @property
    def missed_deadline(self) -> Finding | None:
        """A deadline problem whose date has happened (missed by the actual date): its finding, which
        says the fact (已于11月5日完成，超期5天) instead of a risk."""
        f = self.finding
        if self.kind is ProblemKind.DEADLINE and f is not None and f.kind is FindingKind.DEADLINE \
                and f.details.get("judged") in ("start", "finish"):
            return f
        return None

    @property
    def milestones_dragged(self) -> int:
        """How many milestones its symptoms name (other than its own)."""
        return len({s.milestone for s in self.symptoms if s.milestone and s.milestone != self.milestone})


def problem_id(project: str, kind: ProblemKind, item: str | None = None) -> str:
    """The stable id of a found problem: project, kind and the milestone or factor it is about."""
    if project and item:
        return f"{project}/{kind.value}/{item}"
    return "/".join(x for x in (project, kind.value, item or "") if x)


def _opt_str(v: object) -> str | None:
    return None if v is None or v == "" else str(v)


# -- carrying problems over weeks ------------------------------------------------------------------


def carry_over(found: Sequence[Problem], stored: Mapping[str, Problem], prev_red: Mapping[str, int], week: str,
               *, escalate_after_weeks: int, now: dt.datetime) -> list[Problem]:
    """This week's problem list: the problems the check found, with what is stored about them
    (the office's fields, exemption, escalation, closing, merging, answers) carried over; the
    hand-raised problems still open; and the found ones that disappeared, now 已办结 (closed by the
    check). `prev_red`: weeks red running of each problem at the portfolio's previous run week
    (store.problems.week_history, counted from the stored weeks).

    Rules: a problem 销号 by the office stays closed whatever the check finds; one 已办结 that the
    check finds again is 办理中 again; weeks_red counts consecutive red weeks (exempt ones count
    none); a problem goes up to the county (escalate) when it counts (open, not exempt) and is
    marked 需县级协调, was escalated by the office, or has been red `escalate_after_weeks` weeks
    running — until the meeting's decision is recorded. Symptoms of a problem merged into another
    are listed under that one."""
    Item = tuple[Problem, dict[str, Any]]  # a problem as (its base value, the fields this week changes)

    def get(item: Item, name: str) -> Any:
        return item[1][name] if name in item[1] else getattr(item[0], name)

    def build(pid: str, item: Item) -> Problem:
        """The problem with this week's changes, its weeks red running and escalation: built once."""
        counts = (get(item, "status") is _OPEN and get(item, "merged_into") is None
                  and get(item, "exemption") is None)
        red = counts and get(item, "light") is _RED  # Problem.red_week, before it is built
        weeks = prev_red.get(pid, 0) + 1 if red else 0
        esc = get(item, "escalation")
        decided = esc is not None and bool(esc.decision)
        escalate = counts and not decided and (get(item, "needs_county") or esc is not None
                                               or weeks >= escalate_after_weeks)
        return _replaced(item[0], item[1], weeks_red=weeks, escalate=escalate)

    # merged problems and their targets wait for the merge (few); the others are built at once, so
    # no week's worth of changes is held
    targets = {p.merged_into for p in (*found, *stored.values()) if p.merged_into is not None}
    merging: dict[str, Item] = {}
    result: list[Problem] = []

    def take(pid: str, item: Item) -> None:
        if pid in targets or get(item, "merged_into") is not None:
            merging[pid] = item
        else:
            result.append(build(pid, item))

    listed = {f.id for f in found}
    for f in found:
        s = stored.get(f.id)
        if s is None:
            take(f.id, (f, {"first_seen": week, "last_seen": week}))
            continue
        status = s.status
        closed_by, closed_at, reason = s.closed_by, s.closed_at, s.close_reason
        if status is _DONE:
            status, closed_by, closed_at, reason = _OPEN, "", None, ""
        take(f.id, (f, {"status": status, "person": s.person, "partners": s.partners, "due": s.due,
                        "measures": s.measures, "needs_county": s.needs_county, "county_matters": s.county_matters,
                        "exemption": s.exemption, "escalation": s.escalation, "closed_by": closed_by,
                        "closed_at": closed_at, "close_reason": reason, "merged_into": s.merged_into,
                        "answer": s.answer, "first_seen": s.first_seen or week, "last_seen": week,
                        "description": f.description or s.description, "unit": f.unit or s.unit}))
    for s in stored.values():
        if s.id in listed:
            continue
        if s.source == "manual" and s.status is _OPEN:
            take(s.id, (s, {"last_seen": week, "light": s.own_light if s.own_light is not _GREEN else s.light,
                            "symptoms": (), "deadlines": ()}))
        elif s.source == "check" and s.status is _OPEN and s.merged_into is None:
            take(s.id, (s, {"status": _DONE, "light": _GREEN, "own_light": _GREEN, "symptoms": (), "deadlines": (),
                            "closed_by": "check", "closed_at": now, "close_reason": "", "last_seen": week,
                            "days": None, "points": None}))
    # symptoms of merged problems go under their target
    for pid, item in merging.items():
        into = get(item, "merged_into")
        target = merging.get(into) if into and into != pid else None
        if target is not None and get(item, "symptoms"):
            target[1]["symptoms"] = get(target, "symptoms") + get(item, "symptoms")
            target[1]["light"] = worst((get(target, "light"), get(item, "light")))
    result += (build(pid, item) for pid, item in merging.items())
    result.sort(key=lambda p: (p.project, _KIND_ORDER[p.kind], p.id))
    return result


_KIND_ORDER = {k: i for i, k in enumerate(ProblemKind)}
_FIELDS = tuple(f.name for f in fields(Problem))
_AT = {name: i for i, name in enumerate(_FIELDS)}
_values = attrgetter(*_FIELDS)


def _replaced(p: Problem, changes: Mapping[str, Any], **more: Any) -> Problem:
    """`dataclasses.replace(p, **changes, **more)` for the carry-over's tens of thousands of
    problems: the same validated constructor, without replace()'s per-field Python loop."""
    values = list(_values(p))
    for name, value in (*changes.items(), *more.items()):
        values[_AT[name]] = value
    return Problem(*values)
_OPEN, _DONE, _CLOSED = ProblemStatus.OPEN, ProblemStatus.DONE, ProblemStatus.CLOSED
_RED, _GREEN = Light.RED, Light.GREEN


def project_lights(problems: Iterable[Problem], projects: Iterable[str]) -> dict[str, Light]:
    """A project's light from its problems: the worst light of those that count (open, not merged,
    not exempt); green with none."""
    out = dict.fromkeys(projects, Light.GREEN)
    for p in problems:
        if p.counts and p.project in out and p.light.rank > out[p.project].rank:
            out[p.project] = p.light
    return out


# -- finding the problems: symptoms folded under their cause ---------------------------------------

_MONEY_KINDS = frozenset({FindingKind.PAYMENT, FindingKind.STATISTICS, FindingKind.QUANTITY})
_MILESTONE_KINDS = frozenset({FindingKind.FINISH_OVERDUE, FindingKind.START_OVERDUE, FindingKind.SLIP,
                              FindingKind.DEADLINE})


@dataclass(frozen=True, slots=True)
class Drivers:
    """What sets each milestone's forecast (CPM driving links at the data date), per frame row.

    `parent`: the predecessor row whose link bound is what sets the row's ES (or, started, its
    resume point or finish), -1 when nothing else drives it; `hold`: the row's ES is set by a
    factor hold (an approval expected later than everything else allows it to start); a row with
    neither is late, when it is, on its own account (the data date, its progress)."""

    parent: IntArray
    hold: BoolArray


def driving(result: ScheduleResult) -> Drivers:
    """The driving links and holds of a schedule at its data date, vectorized over the frame.

    A link drives its successor when its bound equals what it bounds and that is later than the
    data date: not started, ES (FS/SS on ES, FF/SF on EF - d); started, the resume point R by an FS
    link (when EF = R + remaining) or EF by an FF/SF link. A hold drives when the first working day
    after the factor's expected date is ES (> data date); it wins a tie with a link."""
    if result.data_date is None:
        raise ValueError("driving links are those of a schedule at a data date")
    fr, c = result.frame, result.cpm
    n = fr.n
    rows = np.arange(n, dtype=np.int64)
    cals = RowCalendars(result)
    d_idx = cals.data_date_index(rows, result.data_date)
    es, ef, dur = c.es, c.ef, fr.duration
    ns = result.status == cpm.NOT_STARTED
    started = result.status == cpm.STARTED
    h_idx = np.full(n, cpm.NEG, dtype=np.int64)
    has = fr.hold > 0
    if has.any():
        h_idx[has] = cals.lookup(rows[has], fr.hold[has], "indexes_after")
    hold = ns & has & (h_idx == es) & (es > d_idx)
    p, s, ty, lag = fr.l_pred, fr.l_succ, fr.l_type, fr.l_lag
    from_f = (ty == cpm.FS) | (ty == cpm.FF)
    to_f = (ty == cpm.FF) | (ty == cpm.SF)
    src = np.where(from_f, ef[p], es[p]) + lag
    drv = ns[s] & (src - np.where(to_f, dur[s], 0) == es[s]) & (es[s] > d_idx[s])
    resume, rem = c.resume, result.remaining
    on_plan = ef[s] == resume[s] + rem[s]
    drv |= started[s] & (ty == cpm.FS) & (src == resume[s]) & (resume[s] > d_idx[s]) & on_plan
    drv |= started[s] & to_f & (src == ef[s]) & ~on_plan
    drv &= ~hold[s]
    parent = np.full(n, -1, dtype=np.int64)
    if drv.any():
        np.maximum.at(parent, s[drv], p[drv])
    return Drivers(parent, hold)


def topmost(parent: IntArray, candidate: BoolArray) -> IntArray:
    """For each row, the candidate row farthest up its chain of drivers (itself included), -1 when
    there is none: pointer jumping, log2(depth) numpy steps."""
    n = parent.size
    top = np.where(candidate, np.arange(n, dtype=np.int64), -1)
    jump = parent.copy()
    live = np.flatnonzero(jump >= 0)
    while live.size:
        j = jump[live]
        up = top[j]
        top[live] = np.where(up >= 0, up, top[live])
        jump[live] = jump[j]
        live = live[jump[live] >= 0]
    return top


def find_problems(result: ScheduleResult, check: CheckResult) -> list[Problem]:
    """This week's problems from the check's findings, each symptom under its root cause.

    A milestone finding (overdue start/finish, slip, deadline) belongs to the problem at the top of
    its chain of drivers among the rows that have findings or a hold: a hold makes it the problem
    of the approval that holds (the factor expected last on that milestone); otherwise the problem
    of that milestone (late on its own account: MILESTONE, or DEADLINE when a deadline is all it
    misses). Every factor finding is a FACTOR problem; an investment finding an INVESTMENT problem;
    a physical progress finding is a symptom of the project's largest problem, or a PHYSICAL
    problem when the project has none. A problem's light is the worst of its own and its
    symptoms', except that an approval whose milestone waits longer for another approval (a
    co-requisite, `held_by`) is at most yellow on its own account. Escalation is decided on
    problems (carry_over); an ESCALATION finding (stored by runs before that) is left out."""
    fr = result.frame
    by_project: dict[str, list[Finding]] = {}
    for f in check.findings:
        if f.kind is not FindingKind.ESCALATION:
            by_project.setdefault(f.project, []).append(f)
    if not by_project:
        return []
    drivers = driving(result)
    pindex = {pid: i for i, pid in enumerate(fr.project_ids)}
    m_bounds = np.searchsorted(fr.m_project, np.arange(len(fr.project_ids) + 1)).tolist()
    f_bounds = np.searchsorted(fr.f_project, np.arange(len(fr.project_ids) + 1)).tolist()
    row_of: dict[tuple[str, str], int] = {}      # the rows and factors the findings name, only those
    f_index: dict[tuple[str, str], int] = {}
    for pid, fs in by_project.items():
        pi = pindex[pid]
        row_of.update(_positions(pid, fr.m_ids, m_bounds[pi], m_bounds[pi + 1],
                                 {f.milestone for f in fs if f.kind in _MILESTONE_KINDS and f.milestone}))
        f_index.update(_positions(pid, fr.f_ids, f_bounds[pi], f_bounds[pi + 1],
                                  {f.factor for f in fs if f.kind is FindingKind.FACTOR and f.factor}))
    has_finding = np.zeros(fr.n, dtype=np.bool_)
    has_finding[list(row_of.values())] = True
    top = topmost(drivers.parent, has_finding | drivers.hold)
    binding = _binding_factors(fr, drivers.hold)

    acc: dict[str, _Acc] = {}
    of_factor: dict[int, _Acc] = {}  # the same problems by factor index and by row
    of_row: dict[int, _Acc] = {}

    def factor_acc(i: int) -> _Acc:
        a = of_factor.get(i)
        if a is not None:
            return a
        pi, r = int(fr.f_project[i]), int(fr.f_row[i])
        pid = fr.project_ids[pi]
        key = problem_id(pid, ProblemKind.FACTOR, fr.f_ids[i])
        unit = fr.f_units[i] or fr.m_units[r] or fr.project_lead_units[pi]
        a = acc[key] = of_factor[i] = _Acc(key, pid, ProblemKind.FACTOR, unit, milestone=fr.m_ids[r],
                                           factor=fr.f_ids[i], factor_kind=fr.f_kinds[i],
                                           description=fr.f_blockers[i] or "", expected=int(fr.f_expected[i]),
                                           hold_row=r if drivers.hold[r] and binding.get(r) == i else -1)
        if drivers.hold[r] and r in binding and binding[r] != i:
            a.held_by = problem_id(pid, ProblemKind.FACTOR, fr.f_ids[binding[r]])
        return a

    def row_acc(r: int, kind: ProblemKind) -> _Acc:
        a = of_row.get(r)
        if a is None:
            pi = int(fr.m_project[r])
            pid = fr.project_ids[pi]
            key = problem_id(pid, ProblemKind.MILESTONE, fr.m_ids[r])
            a = acc[key] = of_row[r] = _Acc(key, pid, kind, fr.m_units[r] or fr.project_lead_units[pi],
                                            milestone=fr.m_ids[r])
        elif kind is ProblemKind.MILESTONE:
            a.kind = kind
        return a

    physical: list[Finding] = []
    for pid, fs in by_project.items():
        for f in fs:
            sym = Symptom(f.kind, f.light, f.milestone, f.factor, f.days, f.key)
            if f.kind is FindingKind.FACTOR and f.factor is not None and (pid, f.factor) in f_index:
                a = factor_acc(f_index[(pid, f.factor)])
                a.own(sym, f.days, f)
            elif f.kind in _MILESTONE_KINDS and f.milestone is not None and (pid, f.milestone) in row_of:
                r = row_of[(pid, f.milestone)]
                t = int(top[r])
                if drivers.hold[t]:
                    factor_acc(binding[t]).under(sym, f)
                else:
                    a = row_acc(t, ProblemKind.DEADLINE if f.kind is FindingKind.DEADLINE else ProblemKind.MILESTONE)
                    if t == r:
                        a.own(sym, f.days if f.kind is not FindingKind.DEADLINE else None, f)
                    else:
                        a.under(sym, f)
            elif f.kind is FindingKind.INVESTMENT:
                key = problem_id(pid, ProblemKind.INVESTMENT)
                a = acc[key] = _Acc(key, pid, ProblemKind.INVESTMENT, f.unit)
                a.own(sym, None, f)
                a.points = _points(f)
            elif f.kind is FindingKind.PHYSICAL:
                physical.append(f)
            elif f.kind in _MONEY_KINDS:  # the project's own cause (its sentence: core/phrases.py)
                kind = ProblemKind(f.kind.value)
                key = problem_id(pid, kind)
                a = acc[key] = _Acc(key, pid, kind, f.unit)
                a.own(sym, None, f)
                a.points = _points(f)
    scheduled: dict[str, list[_Acc]] = {}  # each project's schedule problems, in the order found
    if physical:
        for a in acc.values():
            if a.kind in (ProblemKind.FACTOR, ProblemKind.MILESTONE, ProblemKind.DEADLINE):
                scheduled.setdefault(a.project, []).append(a)
    for f in physical:
        sym = Symptom(f.kind, f.light, None, None, f.days, f.key)
        schedule_problems = scheduled.get(f.project, [])
        if schedule_problems:
            max(schedule_problems, key=lambda a: len(a.symptoms) + len(a.own_symptoms)).under(sym, f)
        else:
            key = problem_id(f.project, ProblemKind.PHYSICAL)
            a = acc[key] = _Acc(key, f.project, ProblemKind.PHYSICAL, f.unit)
            a.own(sym, None, f)
            a.points = _points(f)
    costs = deadline_costs(result, {a.id: (a.hold_row, binding) for a in acc.values() if a.hold_row >= 0})
    out = []
    for a in acc.values():
        own = worst(s.light for s in a.own_symptoms)
        if a.held_by is not None and own is Light.RED:
            own = Light.YELLOW  # a co-requisite: its milestone waits longer for another approval
        out.append(Problem(
            id=a.id, project=a.project, kind=a.kind, light=worst((own, *(s.light for s in a.symptoms))),
            unit=a.unit, milestone=a.milestone, factor=a.factor, factor_kind=a.factor_kind,
            description=a.description, days=a.days, points=a.points, own_light=own,
            symptoms=tuple(a.own_symptoms + a.symptoms), deadlines=costs.get(a.id, ()),
            expected=dt.date.fromordinal(a.expected) if a.expected > 0 else None, held_by=a.held_by,
            finding=a.own_finding or a.first_finding))
    out.sort(key=lambda p: (p.project, _KIND_ORDER[p.kind], p.id))
    return out


def _positions(project: str, ids: list[str], lo: int, hi: int, wanted: Iterable[str]) -> dict[tuple[str, str], int]:
    """The positions in ids[lo:hi] (one project's milestones or factors) of the `wanted` ids, by
    (project, id); ids not there are left out. list.index in C: cheaper than a dict of them all."""
    part = ids[lo:hi]
    out: dict[tuple[str, str], int] = {}
    for x in wanted:
        try:
            out[(project, x)] = lo + part.index(x)
        except ValueError:
            continue
    return out


def _points(f: Finding) -> float | None:
    v = f.details.get("gap_points")
    return float(v) if isinstance(v, int | float) else None


class _Acc:
    """A problem being assembled: its own findings and the symptoms folded under it."""

    def __init__(self, id: str, project: str, kind: ProblemKind, unit: str, *, milestone: str | None = None,
                 factor: str | None = None, factor_kind: str | None = None, description: str = "",
                 expected: int = 0, hold_row: int = -1) -> None:
        self.id, self.project, self.kind, self.unit = id, project, kind, unit
        self.milestone, self.factor, self.factor_kind, self.description = milestone, factor, factor_kind, description
        self.expected = expected  # a factor's expected approval date (ordinal, 0 = none)
        self.hold_row = hold_row
        self.held_by: str | None = None
        self.own_symptoms: list[Symptom] = []
        self.symptoms: list[Symptom] = []
        self.days: int | None = None
        self.points: float | None = None
        self.own_finding: Finding | None = None
        self.first_finding: Finding | None = None

    def own(self, sym: Symptom, days: int | None, f: Finding) -> None:
        self.own_symptoms.append(sym)
        if self.own_finding is None:
            self.own_finding = f
        if days is not None:
            self.days = days if self.days is None else max(self.days, days)

    def under(self, sym: Symptom, f: Finding) -> None:
        """A symptom another problem's finding is, folded under this one."""
        self.symptoms.append(sym)
        if self.first_finding is None:
            self.first_finding = f


def _binding_factors(fr: PortfolioFrame, hold: BoolArray) -> dict[int, int]:
    """For each held row, the factor that holds it: of its unapproved requirements with an expected
    date, the one expected last (the first of them in file order on a tie)."""
    out: dict[int, int] = {}
    best: dict[int, int] = {}
    if not hold.any() or not fr.f_ids:
        return out
    cand = np.flatnonzero(hold[np.maximum(fr.f_row, 0)] & (fr.f_row >= 0) & (fr.f_expected > 0))
    for i in cand.tolist():
        if fr.f_status[i] == FactorStatus.APPROVED.value:
            continue
        r, e = int(fr.f_row[i]), int(fr.f_expected[i])
        if r not in best or e > best[r]:
            best[r], out[r] = e, i
    return out


def deadline_costs(result: ScheduleResult, holds: Mapping[str, tuple[int, Mapping[int, int]]]
                   ) -> dict[str, tuple[DeadlineCost, ...]]:
    """What each holding approval costs the deadlines of its project: the project scheduled again
    with that factor's hold lifted (its milestone then waits only for the other approvals, if any),
    all variants in ONE schedule run, and each deadline's total float compared. A deadline missed
    now (float < 0) that the approval drags is listed with the days of the miss it accounts for."""
    if not holds or result.data_date is None:
        return {}
    fr = result.frame
    variants: list[tuple[str, int, int, int]] = []   # problem id, project index, row, new hold
    for pid_key, (row, binding) in holds.items():
        i = binding.get(row)
        if i is None:
            continue
        others = [int(fr.f_expected[k]) for k in np.flatnonzero(fr.f_row == row).tolist()
                  if k != i and fr.f_status[k] != FactorStatus.APPROVED.value and fr.f_expected[k] > 0]
        variants.append((pid_key, int(fr.m_project[row]), row, max(others, default=0)))
    if not variants:
        return {}
    sub, offsets = _copies(fr, [(pi, row, h) for _, pi, row, h in variants])
    again = schedule_frame(sub, result.calendars, result.data_date)
    tf_old, tf_new = result.cpm.total_float, again.cpm.total_float
    st_old = result.status
    bounds = np.searchsorted(fr.m_project, np.arange(len(fr.project_ids) + 1))
    out: dict[str, tuple[DeadlineCost, ...]] = {}
    for (key, pi, _row, _h), off in zip(variants, offsets, strict=True):
        a, b = int(bounds[pi]), int(bounds[pi + 1])
        costs = []
        for r in range(a, b):
            fb, sb = int(fr.finish_by[r]), int(fr.start_by[r])
            if st_old[r] == cpm.FINISHED or not (fb > 0 or (sb > 0 and st_old[r] == cpm.NOT_STARTED)):
                continue
            old, new = int(tf_old[r]), int(tf_new[off + r - a])
            if old < 0 < new - old:
                start = fb == 0
                costs.append(DeadlineCost(fr.m_ids[r], dt.date.fromordinal(sb if start else fb), start,
                                          min(new - old, -old), old))
        if costs:
            out[key] = tuple(costs)
    return out


def _copies(fr: PortfolioFrame, variants: Sequence[tuple[int, int, int]]) -> tuple[PortfolioFrame, list[int]]:
    """A frame of one copy of a project per variant (project index, row, hold to put on that row),
    for scheduling them all at once; returns it and each copy's first row."""
    bounds = np.searchsorted(fr.m_project, np.arange(len(fr.project_ids) + 1))
    order = np.argsort(fr.l_succ, kind="stable") if fr.l_succ.size and bool(
        (fr.l_succ[1:] < fr.l_succ[:-1]).any()) else None
    l_succ = fr.l_succ if order is None else fr.l_succ[order]
    l_cols = [c if order is None else c[order] for c in (fr.l_pred, fr.l_type, fr.l_lag)]
    m_names = ("duration", "not_before", "start_by", "finish_by", "actual_start", "actual_finish", "percent", "hold")
    parts: dict[str, list[Any]] = {k: [] for k in (*m_names, "m_project", "l_pred", "l_succ", "l_type", "l_lag")}
    ids: list[str] = []
    cals: list[str] = []
    starts: list[int] = []
    m_ids: list[str] = []
    offsets: list[int] = []
    base = 0
    for k, (pi, row, h) in enumerate(variants):
        a, b = int(bounds[pi]), int(bounds[pi + 1])
        la, lb = np.searchsorted(l_succ, [a, b])
        for name in m_names:
            col = getattr(fr, name)[a:b]
            if name == "hold":
                col = col.copy()
                col[row - a] = h
            parts[name].append(col)
        parts["m_project"].append(np.full(b - a, k, dtype=np.int64))
        parts["l_pred"].append(l_cols[0][la:lb] - a + base)
        parts["l_succ"].append(l_succ[la:lb] - a + base)
        parts["l_type"].append(l_cols[1][la:lb])
        parts["l_lag"].append(l_cols[2][la:lb])
        ids.append(f"{fr.project_ids[pi]}#{k}")
        cals.append(fr.project_calendars[pi])
        starts.append(int(fr.project_start[pi]))
        m_ids += fr.m_ids[a:b]
        offsets.append(base)
        base += b - a
    c = {k: np.concatenate(v) for k, v in parts.items()}
    return PortfolioFrame(
        project_ids=ids, project_calendars=cals, project_start=np.asarray(starts, dtype=np.int64),
        m_project=c["m_project"], m_ids=m_ids, duration=c["duration"], not_before=c["not_before"],
        start_by=c["start_by"], finish_by=c["finish_by"], actual_start=c["actual_start"],
        actual_finish=c["actual_finish"], percent=c["percent"], hold=c["hold"], l_pred=c["l_pred"],
        l_succ=c["l_succ"], l_type=c["l_type"], l_lag=c["l_lag"]), offsets


def escalated_projects(problems: Iterable[Problem]) -> tuple[str, ...]:
    """The projects with a problem going up to the county this week (`Problem.escalate`), in order."""
    return tuple(sorted({p.project for p in problems if p.escalate}))


def with_problem_lights(check: CheckResult, problems: Sequence[Problem]) -> CheckResult:
    """The check with each project's light taken from its problems (`project_lights`) instead of
    its worst finding, the summary's count of projects by light to match, and its `escalated`
    projects those of the problems going up (`escalated_projects`)."""
    lights = project_lights(problems, check.project_lights)
    counts = {lt.value: sum(v is lt for v in lights.values()) for lt in Light}
    return replace(check, project_lights=lights, summary=replace(check.summary, project_lights=counts,
                                                                 escalated=escalated_projects(problems)))
