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
from dataclasses import dataclass, replace
from enum import StrEnum

from scheduler.core.findings import FindingKind, Light


class ProblemKind(StrEnum):
    """What kind of root cause a problem is; stable strings, stored and shown."""

    FACTOR = "factor"            # an approval not granted in time (要素保障)
    MILESTONE = "milestone"      # a milestone late on its own account (overdue start/finish, slip)
    DEADLINE = "deadline"        # a start_by / finish_by at risk, driven by nothing else
    INVESTMENT = "investment"    # investment behind the 序时 plan
    PHYSICAL = "physical"        # physical progress behind the 序时 plan (no milestone problem explains it)
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

    @staticmethod
    def from_json(d: dict[str, object]) -> Symptom:
        """Back from `to_json`."""
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

    def __post_init__(self) -> None:
        if not self.id or not self.project:
            raise ValueError("a problem needs its id and project")
        if not isinstance(self.kind, ProblemKind):
            raise ValueError(f"problem kind {self.kind!r} is not a ProblemKind")
        if self.status is ProblemStatus.CLOSED and not self.close_reason.strip():
            raise ValueError(f"problem {self.id}: closing needs a reason")

    @property
    def is_open(self) -> bool:
        """办理中, not merged into another problem."""
        return self.status is ProblemStatus.OPEN and self.merged_into is None

    @property
    def counts(self) -> bool:
        """Whether it colours its project: open, not merged, not exempt."""
        return self.is_open and self.exemption is None

    @property
    def milestones_dragged(self) -> int:
        """How many milestones its symptoms name (other than its own)."""
        return len({s.milestone for s in self.symptoms if s.milestone and s.milestone != self.milestone})


def problem_id(project: str, kind: ProblemKind, item: str | None = None) -> str:
    """The stable id of a found problem: project, kind and the milestone or factor it is about."""
    return "/".join(x for x in (project, kind.value, item or "") if x)


def _opt_str(v: object) -> str | None:
    return None if v is None or v == "" else str(v)


# -- carrying problems over weeks ------------------------------------------------------------------


def carry_over(found: Sequence[Problem], stored: Mapping[str, Problem], prev_red: Mapping[str, int], week: str,
               *, escalate_after_weeks: int, now: dt.datetime) -> list[Problem]:
    """This week's problem list: the problems the check found, with what is stored about them
    (the office's fields, exemption, escalation, closing, merging, answers) carried over; the
    hand-raised problems still open; and the found ones that disappeared, now 已办结 (closed by the
    check). `prev_red`: consecutive red weeks of each problem at the previous stored week.

    Rules: a problem 销号 by the office stays closed whatever the check finds; one 已办结 that the
    check finds again is 办理中 again; weeks_red counts consecutive red weeks (exempt ones count
    none); a problem goes up to the county (escalate) when it counts (open, not exempt) and is
    marked 需县级协调, was escalated by the office, or has been red `escalate_after_weeks` weeks
    running — until the meeting's decision is recorded. Symptoms of a problem merged into another
    are listed under that one."""
    out: dict[str, Problem] = {}
    for f in found:
        s = stored.get(f.id)
        if s is None:
            p = replace(f, first_seen=week, last_seen=week)
        else:
            status = s.status
            closed_by, closed_at, reason = s.closed_by, s.closed_at, s.close_reason
            if status is ProblemStatus.DONE:
                status, closed_by, closed_at, reason = ProblemStatus.OPEN, "", None, ""
            p = replace(f, status=status, person=s.person, partners=s.partners, due=s.due,
                        measures=s.measures, needs_county=s.needs_county, county_matters=s.county_matters,
                        exemption=s.exemption, escalation=s.escalation, closed_by=closed_by, closed_at=closed_at,
                        close_reason=reason, merged_into=s.merged_into, answer=s.answer,
                        first_seen=s.first_seen or week, last_seen=week,
                        description=f.description or s.description, unit=f.unit or s.unit)
        out[p.id] = p
    for s in stored.values():
        if s.id in out:
            continue
        if s.source == "manual" and s.status is ProblemStatus.OPEN:
            out[s.id] = replace(s, last_seen=week, light=s.own_light if s.own_light is not Light.GREEN else s.light,
                                symptoms=(), deadlines=())
        elif s.source == "check" and s.status is ProblemStatus.OPEN and s.merged_into is None:
            out[s.id] = replace(s, status=ProblemStatus.DONE, light=Light.GREEN, own_light=Light.GREEN,
                                symptoms=(), deadlines=(), closed_by="check", closed_at=now, close_reason="",
                                last_seen=week, days=None, points=None)
    # symptoms of merged problems go under their target
    for p in list(out.values()):
        target = out.get(p.merged_into) if p.merged_into else None
        if target is not None and target.id != p.id and p.symptoms:
            out[target.id] = replace(target, symptoms=target.symptoms + p.symptoms,
                                     light=worst((target.light, p.light)))
    result = []
    for p in out.values():
        counts = p.is_open and p.exemption is None
        red = counts and p.light is Light.RED
        weeks = prev_red.get(p.id, 0) + 1 if red else 0
        decided = p.escalation is not None and bool(p.escalation.decision)
        escalate = counts and not decided and (p.needs_county or p.escalation is not None
                                               or weeks >= escalate_after_weeks)
        result.append(replace(p, weeks_red=weeks, escalate=escalate))
    result.sort(key=lambda p: (p.project, _KIND_ORDER[p.kind], p.id))
    return result


_KIND_ORDER = {k: i for i, k in enumerate(ProblemKind)}


def worst(lights: Iterable[Light], default: Light = Light.GREEN) -> Light:
    """The worst of several lights (red over yellow over green): the one rule for a project's light
    from its problems and a problem's from its symptoms."""
    out = default
    for li in lights:
        if li.rank > out.rank:
            out = li
    return out


def project_lights(problems: Iterable[Problem], projects: Iterable[str]) -> dict[str, Light]:
    """A project's light from its problems: the worst light of those that count (open, not merged,
    not exempt); green with none."""
    out = dict.fromkeys(projects, Light.GREEN)
    for p in problems:
        if p.counts and p.project in out and p.light.rank > out[p.project].rank:
            out[p.project] = p.light
    return out
