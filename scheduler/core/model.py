"""Plain validated value types of the domain: Project, Milestone, Link, FactorRequirement,
InvestmentPlan, FundSource, Quantity. Each refuses bad values when built (ModelError naming the ids and the rule), so
the pure core never sees an invalid project; the file loader adds file and line to the error."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scheduler.errors import ProjectFileError, shown

ID_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
DEFAULT_PORTFOLIO = "default"
"""The portfolio (one county's projects) of a database used by one county only."""
MAX_WORKING_DAYS = 10_000
"""Longest duration or lag a file may state (~27 years of working days): more lies beyond every
calendar's range (2015..2035 by default) and is a typo; refusing it keeps the CPM's int64 sound."""


class ModelError(ProjectFileError):
    """A rule of the project model is broken; `field` names the offending key when known."""

    def __init__(self, kind: str, message: str, *, key: str | None = None, **kw: object) -> None:
        self.key = key
        super().__init__(kind, message, **kw)  # type: ignore[arg-type]


class LinkType(StrEnum):
    """Relation types of a precedence link."""

    FS = "FS"
    SS = "SS"
    FF = "FF"
    SF = "SF"


class FactorStatus(StrEnum):
    """Status of a factor-guarantee approval (要素保障审批状态)."""

    NOT_STARTED = "未启动"
    IN_PROGRESS = "办理中"
    APPROVED = "已批复"


class Stage(StrEnum):
    """A project's stage (项目阶段) as the county's lists count it."""

    SIGNED = "签约"
    PREPARATION = "前期"
    NEW_START = "新开工"
    CONTINUING = "续建"
    COMPLETED = "竣工"


class StatsStatus(StrEnum):
    """入库纳统: whether the project's investment is counted by the statistics bureau."""

    NOT_ENTERED = "未入库"
    ENTERED = "已入库"
    COUNTED = "已纳统"


class FundKind(StrEnum):
    """The fund sources the county tracks (三类资金 and the rest)."""

    CENTRAL_BUDGET = "中央预算内投资"
    ULTRA_LONG_BONDS = "超长期特别国债"
    SPECIAL_BONDS = "地方政府专项债券"
    OTHER = "其他"


FACTOR_KINDS = ("用地", "用林", "用能", "环评")
"""The four kinds the weekly mechanism names; a county may use others (规划许可, 施工许可 …)."""


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> bool:
    """A finite int or float (TOML allows nan and inf; ints beyond a float's range are refused)."""
    if not isinstance(v, int | float) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


@dataclass(frozen=True, slots=True)
class Link:
    """A precedence link from predecessor `pred` to the milestone that holds it."""

    pred: str
    type: LinkType = LinkType.FS
    lag: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.pred, str) or not self.pred:
            raise ModelError("bad-link", f"predecessor id must be a non-empty string, got {self.pred!r}",
                             params={"case": "empty", "value": shown(self.pred)})
        if not isinstance(self.type, LinkType):
            raise ModelError(
                "bad-relation-type",
                f"relation type {self.type!r} of link from {self.pred} is not one of FS, SS, FF, SF",
                ids=(self.pred,), params={"pred": self.pred, "value": shown(self.type)},
            )
        if not _is_int(self.lag) or self.lag < 0:
            raise ModelError(
                "bad-lag",
                f"lag {self.lag!r} of link from {self.pred} is not a non-negative integer of working days",
                ids=(self.pred,), params={"case": "not-int", "pred": self.pred, "value": shown(self.lag)},
            )
        if self.lag > MAX_WORKING_DAYS:
            raise ModelError(
                "bad-lag",
                f"lag {self.lag} of link from {self.pred} is beyond any calendar's range "
                f"(at most {MAX_WORKING_DAYS} working days)",
                ids=(self.pred,),
                params={"case": "too-big", "pred": self.pred, "value": self.lag, "limit": MAX_WORKING_DAYS},
            )


@dataclass(frozen=True, slots=True)
class Milestone:
    """A node of a project's milestone graph; duration in working days (0 = an event)."""

    id: str
    name: str
    duration: int
    after: tuple[Link, ...] = ()
    finish_by: dt.date | None = None
    start_by: dt.date | None = None
    not_before: dt.date | None = None
    unit: str | None = None
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    percent: float | None = None
    weight: float | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        ids = {"milestone": self.id}
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ModelError("bad-id", f"milestone id {self.id!r} must match [A-Za-z0-9_.-]+", key="id",
                             milestone=str(self.id), params={"value": shown(self.id)})
        if not isinstance(self.name, str) or not self.name.strip():
            raise ModelError("missing-name", "milestone needs a non-empty name", key="name",
                             params={"case": "milestone"}, **ids)
        if not _is_int(self.duration) or self.duration < 0:
            raise ModelError(
                "bad-duration",
                f"duration {self.duration!r} is not a non-negative integer of working days",
                key="duration", params={"case": "not-int", "value": shown(self.duration)}, **ids,
            )
        if self.duration > MAX_WORKING_DAYS:
            raise ModelError(
                "bad-duration",
                f"duration {self.duration} is beyond any calendar's range (at most {MAX_WORKING_DAYS} "
                "working days)",
                key="duration", params={"case": "too-big", "value": self.duration, "limit": MAX_WORKING_DAYS}, **ids,
            )
        for key in ("finish_by", "start_by", "not_before", "actual_start", "actual_finish"):
            v = getattr(self, key)
            if v is not None and (not isinstance(v, dt.date) or isinstance(v, dt.datetime)):
                raise ModelError("bad-date", f"{key} {v!r} is not a date", key=key,
                                 params={"key": key, "value": shown(v)}, **ids)
        if self.actual_finish is not None:
            if self.actual_start is None:
                raise ModelError("finish-without-start", "actual_finish without an actual_start",
                                 key="actual_finish", **ids)
            if self.actual_finish < self.actual_start:
                raise ModelError(
                    "finish-before-start",
                    f"actual_finish {self.actual_finish} is before actual_start {self.actual_start}",
                    key="actual_finish", params={"finish": self.actual_finish, "start": self.actual_start}, **ids,
                )
        if self.percent is not None:
            if not _is_number(self.percent) or not 0 <= self.percent <= 100:
                raise ModelError("bad-percent", f"percent {self.percent!r} is outside 0..100",
                                 key="percent", params={"value": shown(self.percent)}, **ids)
            if self.actual_start is None:
                raise ModelError("percent-without-start", "percent without an actual_start",
                                 key="percent", **ids)
            if self.percent == 100 and self.actual_finish is None:
                raise ModelError(
                    "complete-without-finish",
                    "percent 100 without an actual_finish (a finished milestone needs its actual finish)",
                    key="percent", **ids,
                )
        if self.weight is not None and (not _is_number(self.weight) or self.weight <= 0):
            raise ModelError("bad-weight", f"weight {self.weight!r} must be a positive number",
                             key="weight", params={"value": shown(self.weight)}, **ids)
        # Two links between the same pair are allowed when their types differ (the SS+FF ladder,
        # as Primavera P6 allows); the same type twice is refused.
        seen: set[tuple[str, LinkType]] = set()
        for link in self.after:
            if link.pred == self.id:
                raise ModelError("cycle", f"milestone {self.id} lists itself as predecessor",
                                 key="after", ids=(self.id, self.id), params={"case": "self", "id": self.id},
                                 **ids)
            if (link.pred, link.type) in seen:
                raise ModelError("duplicate-link", f"predecessor {link.pred} listed twice with type {link.type}",
                                 key="after", params={"pred": link.pred, "type": link.type.value}, **ids)
            seen.add((link.pred, link.type))

    @property
    def is_event(self) -> bool:
        """Zero duration: marks a moment (开工, 通车, 投运)."""
        return self.duration == 0

    @property
    def is_finished(self) -> bool:
        """Has an actual finish."""
        return self.actual_finish is not None

    @property
    def is_started(self) -> bool:
        """Has an actual start and no actual finish (in progress)."""
        return self.actual_start is not None and self.actual_finish is None

    @property
    def percent_complete(self) -> float:
        """Physical percent complete (100 when finished, 0 when not started)."""
        if self.actual_finish is not None:
            return 100.0
        if self.actual_start is None:
            return 0.0
        return float(self.percent or 0.0)


@dataclass(frozen=True, slots=True)
class FactorRequirement:
    """A factor-guarantee approval (用地/用林/用能/环评 …) the milestone cannot start without."""

    id: str
    kind: str
    milestone: str
    status: FactorStatus
    unit: str | None = None
    expected: dt.date | None = None
    blocker: str | None = None
    name: str | None = None
    approved: dt.date | None = None
    needed_by: dt.date | None = None

    def __post_init__(self) -> None:
        ids = {"factor": str(self.id), "milestone": str(self.milestone)}
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ModelError("bad-id", f"factor id {self.id!r} must match [A-Za-z0-9_.-]+", key="id",
                             params={"value": shown(self.id)}, **ids)
        if not isinstance(self.kind, str) or not self.kind.strip():
            raise ModelError("missing-kind", "factor needs a kind (用地, 用林, 用能, 环评 …)", key="kind", **ids)
        if not isinstance(self.milestone, str) or not self.milestone:
            raise ModelError("missing-milestone", "factor needs the milestone it attaches to",
                             key="milestone", **ids)
        if not isinstance(self.status, FactorStatus):
            raise ModelError(
                "bad-factor-status",
                f"factor status {self.status!r} is not one of 未启动, 办理中, 已批复",
                key="status", params={"value": shown(self.status)}, **ids,
            )
        for key in ("expected", "approved", "needed_by"):
            v = getattr(self, key)
            if v is not None and (not isinstance(v, dt.date) or isinstance(v, dt.datetime)):
                raise ModelError("bad-date", f"{key} {v!r} is not a date", key=key,
                                 params={"key": key, "value": shown(v)}, **ids)

    @property
    def is_approved(self) -> bool:
        """Approved (已批复)."""
        return self.status is FactorStatus.APPROVED


def _frozen_months(m: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(sorted(m.items())))


@dataclass(frozen=True, slots=True)
class InvestmentPlan:
    """The year's investment plan by month and what was completed (万元), for 序时进度."""

    total: float
    year: int
    annual_plan: float
    plan: Mapping[str, float] = field(default_factory=dict)
    completed: Mapping[str, float] = field(default_factory=dict)
    completed_before: float = 0.0
    """累计完成 from the project's start to the end of the year before `year` (万元)."""

    def __post_init__(self) -> None:
        if not _is_number(self.completed_before) or self.completed_before < 0:
            raise ModelError("bad-investment",
                             f"completed_before {self.completed_before!r} must be a non-negative number",
                             key="completed_before",
                             params={"case": "completed-before", "value": shown(self.completed_before)})
        if not _is_number(self.total) or self.total <= 0:
            raise ModelError("bad-investment", f"investment total {self.total!r} must be a positive number",
                             key="total", params={"case": "total", "value": shown(self.total)})
        if not _is_int(self.year) or not 2000 <= self.year <= 2100:
            raise ModelError("bad-investment", f"investment year {self.year!r} is not a year", key="year",
                             params={"case": "year", "value": shown(self.year)})
        if not _is_number(self.annual_plan) or self.annual_plan < 0:
            raise ModelError("bad-investment",
                             f"annual_plan {self.annual_plan!r} must be a non-negative number",
                             key="annual_plan", params={"case": "annual-plan", "value": shown(self.annual_plan)})
        for name in ("plan", "completed"):
            months = getattr(self, name)
            for k, v in months.items():
                m = MONTH_RE.match(k) if isinstance(k, str) else None
                if m is None or int(m.group(1)) != self.year or not 1 <= int(m.group(2)) <= 12:
                    raise ModelError("bad-investment",
                                     f"investment.{name} month {k!r} is not YYYY-MM within {self.year}",
                                     key=name, params={"case": "month", "key": name, "value": shown(k),
                                                       "year": self.year})
                if not _is_number(v) or v < 0:
                    raise ModelError("bad-investment",
                                     f"investment.{name}[{k}] = {v!r} must be a non-negative number",
                                     key=name, params={"case": "amount", "key": name, "month": k, "value": shown(v)})
            object.__setattr__(self, name, _frozen_months(months))
        if self.plan and abs(sum(self.plan.values()) - self.annual_plan) > 0.5:
            raise ModelError(
                "bad-investment",
                f"investment.plan months sum to {sum(self.plan.values()):g}, not annual_plan "
                f"{self.annual_plan:g}",
                key="plan", params={"case": "plan-sum", "sum": f"{sum(self.plan.values()):g}",
                                    "plan": f"{self.annual_plan:g}"},
            )

    def month_plan(self, month: int) -> float:
        """Planned amount for month 1..12 of the plan year (0 when not planned)."""
        return float(self.plan.get(f"{self.year}-{month:02d}", 0.0))

    def month_completed(self, month: int) -> float:
        """Completed amount reported for month 1..12 of the plan year."""
        return float(self.completed.get(f"{self.year}-{month:02d}", 0.0))

    @property
    def cumulative(self) -> float:
        """累计完成 since the project's start: before the plan year plus every month reported."""
        return float(self.completed_before) + float(sum(self.completed.values()))


def _months(months: Mapping[str, float], name: str, ids: dict[str, Any]) -> Mapping[str, float]:
    """Validated `YYYY-MM` -> non-negative amount (any year), frozen and sorted."""
    if not isinstance(months, Mapping):
        raise ModelError("bad-fund", f"{name} must be a table of \"YYYY-MM\" = amount", key=name,
                         params={"case": "months", "key": name}, **ids)
    for k, v in months.items():
        m = MONTH_RE.match(k) if isinstance(k, str) else None
        if m is None or not 1 <= int(m.group(2)) <= 12:
            raise ModelError("bad-fund", f"{name} month {k!r} is not YYYY-MM", key=name,
                             params={"case": "month", "key": name, "value": shown(k)}, **ids)
        if not _is_number(v) or v < 0:
            raise ModelError("bad-fund", f"{name}[{k}] = {v!r} must be a non-negative number", key=name,
                             params={"case": "amount", "key": name, "month": k, "value": shown(v)}, **ids)
    return _frozen_months({k: float(v) for k, v in months.items()})


def months_up_to(months: Mapping[str, float], month: str) -> float:
    """Sum of the amounts of the months up to and including `month` (YYYY-MM)."""
    return float(sum(v for k, v in months.items() if k <= month))


@dataclass(frozen=True, slots=True)
class FundSource:
    """One source of a project's funds (中央预算内投资, 超长期特别国债, 地方政府专项债券, 其他)
    with its amounts by month (万元): 下达 issued, 到位 received, 支付 paid. The 序时 of payment
    runs from the first day of the first month with an amount issued to `pay_by` (default: the
    end of that year)."""

    id: str
    kind: FundKind
    name: str | None = None
    amount: float | None = None
    """The amount approved for the project from this source (万元), when known."""
    issued: Mapping[str, float] = field(default_factory=dict)
    received: Mapping[str, float] = field(default_factory=dict)
    paid: Mapping[str, float] = field(default_factory=dict)
    pay_by: dt.date | None = None

    def __post_init__(self) -> None:
        ids: dict[str, Any] = {"ids": (str(self.id),)}
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ModelError("bad-id", f"fund id {self.id!r} must match [A-Za-z0-9_.-]+", key="id",
                             params={"value": shown(self.id)}, **ids)
        if not isinstance(self.kind, FundKind):
            raise ModelError("bad-fund-kind", f"fund kind {self.kind!r} is not one of "
                             f"{', '.join(k.value for k in FundKind)}", key="kind",
                             params={"value": shown(self.kind), "choices": "、".join(k.value for k in FundKind)},
                             **ids)
        if self.amount is not None and (not _is_number(self.amount) or self.amount < 0):
            raise ModelError("bad-fund", f"fund amount {self.amount!r} must be a non-negative number",
                             key="amount", params={"case": "total", "value": shown(self.amount)}, **ids)
        if self.pay_by is not None and (not isinstance(self.pay_by, dt.date) or isinstance(self.pay_by, dt.datetime)):
            raise ModelError("bad-date", f"pay_by {self.pay_by!r} is not a date", key="pay_by",
                             params={"key": "pay_by", "value": shown(self.pay_by)}, **ids)
        for name in ("issued", "received", "paid"):
            object.__setattr__(self, name, _months(getattr(self, name), name, ids))
        issued, received, paid = (float(sum(getattr(self, n).values())) for n in ("issued", "received", "paid"))
        if received > issued + 0.005:
            raise ModelError("bad-fund", f"fund {self.id}: received {received:g} exceeds issued {issued:g} "
                             "(到位不能超过下达)", key="received",
                             params={"case": "received", "id": self.id, "received": f"{received:g}",
                                     "issued": f"{issued:g}", "after": ""}, **ids)
        if paid > received + 0.005:
            raise ModelError("bad-fund", f"fund {self.id}: paid {paid:g} exceeds received {received:g} "
                             "(支付不能超过到位)", key="paid",
                             params={"case": "paid", "id": self.id, "paid": f"{paid:g}",
                                     "received": f"{received:g}", "after": ""}, **ids)

    @property
    def first_issued(self) -> dt.date | None:
        """First day of the first month with an amount issued (the 序时 start)."""
        months = [k for k, v in self.issued.items() if v > 0]
        if not months:
            return None
        y, m = min(months).split("-")
        return dt.date(int(y), int(m), 1)

    @property
    def deadline(self) -> dt.date | None:
        """When the issued money should be paid in full: `pay_by`, else the end of the year of
        the first issue."""
        first = self.first_issued
        if self.pay_by is not None:
            return self.pay_by
        return dt.date(first.year, 12, 31) if first is not None else None


@dataclass(frozen=True, slots=True)
class Quantity:
    """A physical quantity (实物量) of a project or one of its milestones: a target in a measure
    (公里, 个, 座, 村) and what is done so far. Its 序时 follows the milestone's baseline when it
    has one, else the days from `start` (default: 1 January of finish_by's year) to `finish_by`."""

    id: str
    name: str
    measure: str
    target: float
    done: float = 0.0
    milestone: str | None = None
    unit: str | None = None
    start: dt.date | None = None
    finish_by: dt.date | None = None

    def __post_init__(self) -> None:
        ids: dict[str, Any] = {"ids": (str(self.id),)}
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ModelError("bad-id", f"quantity id {self.id!r} must match [A-Za-z0-9_.-]+", key="id",
                             params={"value": shown(self.id)}, **ids)
        for key in ("name", "measure"):
            v = getattr(self, key)
            if not isinstance(v, str) or not v.strip():
                raise ModelError("bad-quantity", f"quantity {self.id} needs a non-empty {key}", key=key,
                                 params={"case": "name", "id": self.id, "key": key}, **ids)
        if not _is_number(self.target) or self.target <= 0:
            raise ModelError("bad-quantity", f"quantity target {self.target!r} must be a positive number",
                             key="target", params={"case": "target", "value": shown(self.target)}, **ids)
        if not _is_number(self.done) or self.done < 0:
            raise ModelError("bad-quantity", f"quantity done {self.done!r} must be a non-negative number",
                             key="done", params={"case": "done", "value": shown(self.done)}, **ids)
        for key in ("start", "finish_by"):
            v = getattr(self, key)
            if v is not None and (not isinstance(v, dt.date) or isinstance(v, dt.datetime)):
                raise ModelError("bad-date", f"{key} {v!r} is not a date", key=key,
                                 params={"key": key, "value": shown(v)}, **ids)
        if self.milestone is None and self.finish_by is None:
            raise ModelError("bad-quantity", f"quantity {self.id} needs a milestone or a finish_by (its 序时)",
                             key="finish_by", params={"case": "plan", "id": self.id}, **ids)

    @property
    def window(self) -> tuple[dt.date, dt.date] | None:
        """The days its 序时 runs over when not tied to a milestone."""
        if self.finish_by is None:
            return None
        return (self.start or dt.date(self.finish_by.year, 1, 1), self.finish_by)


@dataclass(frozen=True, slots=True)
class Money:
    """What a project carries besides its schedule for the money and statistics checks: stage,
    入库纳统, the commencement date, fund sources and physical quantities (one value per project
    in the portfolio's columns)."""

    stage: Stage | None = None
    statistics: StatsStatus | None = None
    statistics_date: dt.date | None = None
    commenced: dt.date | None = None
    funds: tuple[FundSource, ...] = ()
    quantities: tuple[Quantity, ...] = ()

    @property
    def empty(self) -> bool:
        """Carries nothing."""
        return (self.stage is None and self.statistics is None and self.commenced is None and not self.funds
                and not self.quantities)


@dataclass(frozen=True, slots=True)
class Project:
    """A project: its milestone graph, factor requirements and investment plan, all checked
    against each other (unique ids, known predecessors, factors on known milestones)."""

    id: str
    name: str
    lead_unit: str
    start: dt.date
    calendar: str
    milestones: tuple[Milestone, ...]
    factors: tuple[FactorRequirement, ...] = ()
    units: tuple[str, ...] = ()
    investment: InvestmentPlan | None = None
    leader: str | None = None
    category: str | None = None
    location: str | None = None
    seed: str | None = None
    target: str | None = None
    money: Money = field(default_factory=Money)
    """Stage, 入库纳统, commencement, fund sources and quantities (project-file-extensions.md)."""

    def __post_init__(self) -> None:
        pid = {"project": str(self.id)}
        if not isinstance(self.calendar, str) or not self.calendar:
            raise ModelError("unknown-calendar", f"calendar {self.calendar!r} must name a calendar",
                             key="calendar", params={"case": "key", "value": shown(self.calendar)}, **pid)
        if not isinstance(self.id, str) or not ID_RE.match(self.id):
            raise ModelError("bad-project-id", f"project id {self.id!r} must match [A-Za-z0-9_.-]+",
                             key="id", params={"value": shown(self.id)}, **pid)
        if not isinstance(self.name, str) or not self.name.strip():
            raise ModelError("missing-name", "project needs a non-empty name", key="name",
                             params={"case": "project"}, **pid)
        if not isinstance(self.lead_unit, str):
            raise ModelError("bad-lead-unit", f"lead_unit {self.lead_unit!r} must be a string (牵头单位)",
                             key="lead_unit", params={"value": shown(self.lead_unit)}, **pid)
        if not isinstance(self.start, dt.date) or isinstance(self.start, dt.datetime):
            raise ModelError("bad-date", f"project start {self.start!r} is not a date", key="start",
                             params={"key": "start", "value": shown(self.start)}, **pid)
        seen: set[str] = set()
        for m in self.milestones:
            if m.id in seen:
                raise ModelError("duplicate-milestone", f"milestone id {m.id} is used twice", key="id",
                                 milestone=m.id, params={"id": m.id}, **pid)
            seen.add(m.id)
        for m in self.milestones:
            for link in m.after:
                if link.pred not in seen:
                    raise ModelError("unknown-predecessor", f"predecessor {link.pred} is not a milestone "
                                     "of this project", key="after", milestone=m.id, ids=(link.pred,),
                                     params={"pred": link.pred}, **pid)
        fseen: set[str] = set()
        for f in self.factors:
            if f.id in fseen:
                raise ModelError("duplicate-factor", f"factor id {f.id} is used twice", key="id",
                                 factor=f.id, params={"id": f.id}, **pid)
            fseen.add(f.id)
            if f.milestone not in seen:
                raise ModelError("unknown-milestone", f"factor {f.id} is on unknown milestone {f.milestone}",
                                 key="milestone", factor=f.id, milestone=f.milestone,
                                 params={"case": "factor", "id": f.id, "milestone": f.milestone}, **pid)
        for kind, items in (("fund", self.money.funds), ("quantity", self.money.quantities)):
            qseen: set[str] = set()
            for item in items:
                if item.id in qseen:
                    raise ModelError(f"duplicate-{kind}", f"{kind} id {item.id} is used twice", key="id",
                                     ids=(item.id,), params={"id": item.id}, **pid)
                qseen.add(item.id)
        for q in self.money.quantities:
            if q.milestone is not None and q.milestone not in seen:
                raise ModelError("unknown-milestone", f"quantity {q.id} is on unknown milestone {q.milestone}",
                                 key="milestone", milestone=q.milestone, ids=(q.id,),
                                 params={"case": "quantity", "id": q.id, "milestone": q.milestone}, **pid)
        st = self.money
        if st.statistics is not None and not isinstance(st.statistics, StatsStatus):
            raise ModelError("bad-statistics", f"statistics {st.statistics!r} is not one of 未入库, 已入库, 已纳统",
                             key="statistics",
                             params={"template": "err.not-one-of", "key": "statistics", "value": shown(st.statistics),
                                     "choices": "未入库、已入库、已纳统"},
                             **pid)
        if st.stage is not None and not isinstance(st.stage, Stage):
            raise ModelError("bad-stage", f"stage {st.stage!r} is not one of 签约, 前期, 新开工, 续建, 竣工",
                             key="stage",
                             params={"template": "err.not-one-of", "key": "stage", "value": shown(st.stage),
                                     "choices": "签约、前期、新开工、续建、竣工"},
                             **pid)

    def milestone(self, mid: str) -> Milestone:
        """The milestone with id `mid` (KeyError when absent)."""
        for m in self.milestones:
            if m.id == mid:
                return m
        raise KeyError(mid)


@dataclass(frozen=True, slots=True)
class ProjectFile:
    """A parsed project with where it came from: its file's path, the SHA-256 of the file's bytes
    (what tells an unchanged file) and the file's text, as stored."""

    project: Project
    path: Path
    digest: str
    text: str


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _day(s: Any) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def money_to_json(m: Money) -> dict[str, Any] | None:
    """Plain JSON of a project's Money (None when it carries nothing): how the database keeps it."""
    if m.empty and m.statistics_date is None:
        return None
    return {"stage": m.stage.value if m.stage else None,
            "statistics": m.statistics.value if m.statistics else None,
            "statistics_date": _iso(m.statistics_date), "commenced": _iso(m.commenced),
            "funds": [{"id": f.id, "kind": f.kind.value, "name": f.name, "amount": f.amount, "issued": dict(f.issued),
                       "received": dict(f.received), "paid": dict(f.paid), "pay_by": _iso(f.pay_by)}
                      for f in m.funds],
            "quantities": [{"id": q.id, "name": q.name, "measure": q.measure, "target": q.target, "done": q.done,
                            "milestone": q.milestone, "unit": q.unit, "start": _iso(q.start),
                            "finish_by": _iso(q.finish_by)} for q in m.quantities]}


def money_from_json(d: Mapping[str, Any] | None) -> Money:
    """The Money that money_to_json wrote."""
    if not d:
        return Money()
    return Money(
        stage=Stage(d["stage"]) if d.get("stage") else None,
        statistics=StatsStatus(d["statistics"]) if d.get("statistics") else None,
        statistics_date=_day(d.get("statistics_date")), commenced=_day(d.get("commenced")),
        funds=tuple(FundSource(id=f["id"], kind=FundKind(f["kind"]), name=f.get("name"), amount=f.get("amount"),
                               issued=f.get("issued", {}), received=f.get("received", {}), paid=f.get("paid", {}),
                               pay_by=_day(f.get("pay_by"))) for f in d.get("funds", ())),
        quantities=tuple(Quantity(id=q["id"], name=q["name"], measure=q["measure"], target=q["target"],
                                  done=q.get("done", 0.0), milestone=q.get("milestone"), unit=q.get("unit"),
                                  start=_day(q.get("start")), finish_by=_day(q.get("finish_by")))
                         for q in d.get("quantities", ())))
