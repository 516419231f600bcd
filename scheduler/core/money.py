"""Money, statistics and quantities of the weekly check (issue 12). PURE: no I/O.

Conventions, so every figure can be worked out by hand ("at the data date" D = the start of day D,
amounts in 万元, months are `YYYY-MM` and a month's figure counts once D is in or after it):

- PAYMENT (三类资金支付 against 序时): per fund source, the issued (下达), received (到位) and paid
  (支付) amounts of the months up to D's month. Its 序时 share runs in calendar days from the first
  day of its first month with money issued to its deadline (`pay_by`, default 31 December of that
  year): share = (D - start).days / ((deadline - start).days + 1), within 0..1. A project's
  payment rate is paid / issued; its planned rate is the issued-weighted mean of its funds' shares;
  the gap in points = 100 × (planned - rate). Yellow from `payment_yellow_points`, red beyond
  `payment_red_points`.
- The payment plan by month of D's year (for the 旬/月/季/年 table): for month k, the issued amounts
  to date × (share at the start of month k+1 - share at the start of month k); done = paid in k.
- STATISTICS (入库纳统): a project with a commencement date (`commenced`) on or before D and not
  已纳统 is yellow when D is more than `statistics_yellow_months` calendar months after it and red
  beyond `statistics_red_months` (a month after 31 January is the last day of February).
- QUANTITY (实物量): planned = target × share, the share being the milestone's baseline share
  elapsed (the check's physical 序时) for a quantity on a milestone, else the calendar days of its
  window elapsed as for payment; gap = planned - done; points = 100 × gap / target, lit with the
  physical progress thresholds.
- 以旬保月: what a unit must still complete by the end of the current 旬 to hold the month = the
  month's plan through the end of this 旬 minus the month's completed so far (never below 0),
  summed over the projects it leads.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scheduler.core.findings import Light
from scheduler.core.model import FundKind, FundSource, InvestmentPlan, Money, Quantity, StatsStatus, months_up_to

Levels = Callable[[InvestmentPlan, dt.date], Any]
"""check.investment_progress (passed in: the check imports this module, not the reverse)."""


def add_months(d: dt.date, n: int) -> dt.date:
    """The same day `n` calendar months later (the month's last day when it has no such day)."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, _stdcal.monthrange(year, month)[1]))


def day_share(start: dt.date, end: dt.date, at: dt.date) -> float:
    """Share of the calendar days start..end (inclusive) elapsed at the start of `at`, in 0..1."""
    total = (end - start).days + 1
    if total <= 0:
        return 1.0 if at > end else 0.0
    return min(max((at - start).days / total, 0.0), 1.0)


def _month(d: dt.date) -> str:
    return f"{d.year}-{d.month:02d}"


# -- payment -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FundProgress:
    """One fund source at the data date: amounts to date and its 序时 share."""

    id: str
    kind: str
    name: str | None
    issued: float
    received: float
    paid: float
    share: float | None
    """序时: the share of the issued money that should be paid by now (None: nothing issued yet)."""

    @property
    def rate(self) -> float | None:
        """Paid / issued (None when nothing is issued)."""
        return self.paid / self.issued if self.issued > 0 else None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (amounts to 0.01 万元, rates in %)."""
        return {"id": self.id, "kind": self.kind, "name": self.name, "issued": round(self.issued, 2),
                "received": round(self.received, 2), "paid": round(self.paid, 2),
                "rate": None if self.rate is None else round(100 * self.rate, 2),
                "planned_rate": None if self.share is None else round(100 * self.share, 2)}


def fund_progress(f: FundSource, data_date: dt.date) -> FundProgress:
    """A fund's amounts up to D's month and its 序时 share at the start of D."""
    month = _month(data_date)
    issued, received, paid = (months_up_to(getattr(f, k), month) for k in ("issued", "received", "paid"))
    start, end = f.first_issued, f.deadline
    share = day_share(start, end, data_date) if start is not None and end is not None and start <= data_date else None
    return FundProgress(f.id, f.kind.value, f.name, issued, received, paid, share)


@dataclass(frozen=True, slots=True)
class PaymentProgress:
    """A project's funds at the data date: totals, the rate against its 序时, per source and kind."""

    funds: tuple[FundProgress, ...]

    @property
    def issued(self) -> float:
        """Issued to date, all sources."""
        return sum(f.issued for f in self.funds)

    @property
    def received(self) -> float:
        """Received to date, all sources."""
        return sum(f.received for f in self.funds)

    @property
    def paid(self) -> float:
        """Paid to date, all sources."""
        return sum(f.paid for f in self.funds)

    @property
    def rate(self) -> float | None:
        """Paid / issued, 0..1 (None when nothing is issued)."""
        return self.paid / self.issued if self.issued > 0 else None

    @property
    def planned(self) -> float | None:
        """序时: the issued-weighted mean of the funds' shares (None when nothing is issued)."""
        w = [(f.issued, f.share) for f in self.funds if f.issued > 0 and f.share is not None]
        total = sum(i for i, _ in w)
        return sum(i * s for i, s in w) / total if total > 0 else None

    @property
    def gap_points(self) -> float:
        """Planned minus actual payment rate, in percentage points (positive = behind)."""
        if self.rate is None or self.planned is None:
            return 0.0
        return 100.0 * (self.planned - self.rate)

    def by_kind(self) -> dict[str, tuple[float, float, float]]:
        """Fund kind -> (issued, received, paid), in FundKind order."""
        out: dict[str, tuple[float, float, float]] = {}
        for k in FundKind:
            fs = [f for f in self.funds if f.kind == k.value]
            if fs:
                out[k.value] = (sum(f.issued for f in fs), sum(f.received for f in fs), sum(f.paid for f in fs))
        return out

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"issued": round(self.issued, 2), "received": round(self.received, 2), "paid": round(self.paid, 2),
                "rate": None if self.rate is None else round(100 * self.rate, 2),
                "planned_rate": None if self.planned is None else round(100 * self.planned, 2),
                "gap_points": round(self.gap_points, 2), "funds": [f.to_json() for f in self.funds]}


def payment_plan(funds: Sequence[FundSource], data_date: dt.date) -> InvestmentPlan | None:
    """The year of D as a monthly payment plan (what the 序时 line asks to be paid in each month
    of the money issued to date) with what was paid in each month: the shape
    `check.investment_progress` reads for the 旬/月/季/年 levels. None without money issued."""
    year = data_date.year
    month = _month(data_date)
    plan: dict[str, float] = {}
    done: dict[str, float] = {}
    for f in funds:
        start, end = f.first_issued, f.deadline
        issued = months_up_to(f.issued, month)
        if start is None or end is None or issued <= 0:
            continue
        for k in range(1, 13):
            a = dt.date(year, k, 1)
            b = dt.date(year + 1, 1, 1) if k == 12 else dt.date(year, k + 1, 1)
            key = f"{year}-{k:02d}"
            plan[key] = plan.get(key, 0.0) + issued * (day_share(start, end, b) - day_share(start, end, a))
            done[key] = done.get(key, 0.0) + float(f.paid.get(key, 0.0))
    annual = sum(plan.values())
    if annual <= 0:
        return None
    return InvestmentPlan(total=annual, year=year, annual_plan=annual, plan=plan, completed=done)


# -- 入库纳统 -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatisticsCheck:
    """A project's 入库纳统 at the data date and its light."""

    stage: str | None
    status: str | None
    date: dt.date | None
    commenced: dt.date | None
    light: Light
    months: int
    """Whole calendar months since commencement (0 when not commenced)."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"stage": self.stage, "status": self.status,
                "date": self.date.isoformat() if self.date else None,
                "commenced": self.commenced.isoformat() if self.commenced else None,
                "light": self.light.value, "months_since_commenced": self.months}


def statistics_check(money: Money, data_date: dt.date, yellow_months: int, red_months: int) -> StatisticsCheck:
    """入库纳统 light: commenced and not 已纳统 for more than `yellow_months` months yellow, more
    than `red_months` red (see the module's conventions)."""
    c = money.commenced
    months = 0
    light = Light.GREEN
    if c is not None and c <= data_date:
        while add_months(c, months + 1) <= data_date:
            months += 1
        if money.statistics is not StatsStatus.COUNTED:
            if data_date > add_months(c, red_months):
                light = Light.RED
            elif data_date > add_months(c, yellow_months):
                light = Light.YELLOW
    return StatisticsCheck(money.stage.value if money.stage else None,
                           money.statistics.value if money.statistics else None,
                           money.statistics_date, c, light, months)


# -- 实物量 -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuantityProgress:
    """A quantity at the data date: done against target and its 序时 plan."""

    id: str
    name: str
    measure: str
    target: float
    done: float
    planned: float | None
    milestone: str | None = None

    @property
    def gap(self) -> float:
        """Planned minus done (positive = behind; 0 without a 序时)."""
        return 0.0 if self.planned is None else self.planned - self.done

    @property
    def gap_points(self) -> float:
        """The gap in percentage points of the target."""
        return 100.0 * self.gap / self.target

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"id": self.id, "name": self.name, "measure": self.measure, "target": self.target,
                "done": self.done, "planned": None if self.planned is None else round(self.planned, 2),
                "gap": round(self.gap, 2), "gap_points": round(self.gap_points, 2), "milestone": self.milestone}


def quantity_progress(q: Quantity, data_date: dt.date, milestone_share: float | None) -> QuantityProgress:
    """A quantity's 序时: the milestone's planned share (given, 0..1) or its window's days."""
    share = milestone_share
    if q.milestone is None and q.window is not None:
        share = day_share(*q.window, data_date)
    planned = None if share is None else q.target * share
    return QuantityProgress(q.id, q.name, q.measure, float(q.target), float(q.done), planned, q.milestone)


# -- one project, the portfolio ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectMoney:
    """Everything issue 12 adds to one project's check."""

    payment: PaymentProgress | None
    payment_levels: Any | None
    """check.InvestmentProgress of the payment plan (旬/月/季/年), None without money issued."""
    statistics: StatisticsCheck
    quantities: tuple[QuantityProgress, ...]
    cumulative: float | None
    """Investment 累计 since the start (万元), None without an investment plan."""
    total: float | None

    @property
    def cumulative_share(self) -> float | None:
        """累计 as a share of 总投资, in %."""
        if self.cumulative is None or not self.total:
            return None
        return 100.0 * self.cumulative / self.total

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the run summary and the findings JSON."""
        return {"payment": self.payment.to_json() if self.payment else None,
                "payment_levels": self.payment_levels.to_json() if self.payment_levels else None,
                "statistics": self.statistics.to_json(),
                "quantities": [q.to_json() for q in self.quantities],
                "investment_cumulative": None if self.cumulative is None else round(self.cumulative, 2),
                "investment_total": self.total,
                "investment_cumulative_share": None if self.cumulative_share is None
                else round(self.cumulative_share, 2)}


def project_money(money: Money, inv: InvestmentPlan | None, data_date: dt.date, levels: Levels,
                  milestone_share: Callable[[str], float | None], yellow_months: int,
                  red_months: int) -> ProjectMoney:
    """The money/statistics/quantity figures of one project at D."""
    pay = PaymentProgress(tuple(fund_progress(f, data_date) for f in money.funds)) if money.funds else None
    plan = payment_plan(money.funds, data_date) if money.funds else None
    qs = tuple(quantity_progress(q, data_date, milestone_share(q.milestone) if q.milestone else None)
               for q in money.quantities)
    return ProjectMoney(pay, levels(plan, data_date) if plan is not None else None,
                        statistics_check(money, data_date, yellow_months, red_months), qs,
                        inv.cumulative if inv is not None else None, float(inv.total) if inv is not None else None)


@dataclass(frozen=True, slots=True)
class UnitTarget:
    """以旬保月: what one unit must complete by the end of the current 旬 to hold the month."""

    unit: str
    projects: tuple[str, ...]
    investment: float
    payment: float
    xun_end: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"unit": self.unit, "projects": list(self.projects), "investment": round(self.investment, 2),
                "payment": round(self.payment, 2), "xun_end": self.xun_end.isoformat() if self.xun_end else None}


def xun_remaining(levels: Any) -> float:
    """The month's plan through the end of this 旬 minus the month's completed, at least 0."""
    return max(float(levels.xun_target) - float(levels.month.completed), 0.0)


def unit_targets(lead_units: Mapping[str, str], investment: Mapping[str, Any],
                 money: Mapping[str, ProjectMoney]) -> list[UnitTarget]:
    """以旬保月 per lead unit (units with nothing to do are left out), in first-seen order."""
    acc: dict[str, list[Any]] = {}
    for pid, unit in lead_units.items():
        ip = investment.get(pid)
        pl = money[pid].payment_levels if pid in money else None
        inv_left = xun_remaining(ip) if ip is not None else 0.0
        pay_left = xun_remaining(pl) if pl is not None else 0.0
        if inv_left <= 0 and pay_left <= 0:
            continue
        a = acc.setdefault(unit, [[], 0.0, 0.0, None])
        a[0].append(pid)
        a[1] += inv_left
        a[2] += pay_left
        src = ip if ip is not None else pl
        a[3] = a[3] or (src.xun.end if src is not None else None)
    return [UnitTarget(u, tuple(p), i, q, e) for u, (p, i, q, e) in acc.items()]


@dataclass(frozen=True, slots=True)
class MoneyResult:
    """The money part of one check: per project, and the 以旬保月 targets per unit."""

    projects: dict[str, ProjectMoney] = field(default_factory=dict)
    unit_targets: tuple[UnitTarget, ...] = ()
