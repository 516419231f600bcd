"""The money part of the WeeklyView (issue 12): 以旬保月、以月保季、以季保年 for investment and
payment, each lead unit's 旬 target, 三类资金项目资金支付, 入库纳统 and 实物量. Built from the run's
summary as stored (`PortfolioSummary.to_json()["money"]` and `["unit_targets"]`), so a printout of
an old run reads what that run found. Plain data in, plain data out; every renderer reads it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scheduler.core.findings import Finding, FindingKind, Light

LEVELS = ("xun", "month", "quarter", "year")
"""Rows of the 以旬保月 table, in order: this 旬 (to hold the month), month, quarter, year."""


@dataclass(frozen=True, slots=True)
class LevelRow:
    """One period of the 以旬保月/以月保季/以季保年 table (portfolio totals, 万元). For the 旬 row
    `plan` is what the month's plan asks for by the end of this 旬 and `done` the month's
    completed so far; for the others the period's plan, its time-proportional part to date and
    what was completed in it."""

    what: str
    """"investment" or "payment"."""
    level: str
    start: dt.date
    end: dt.date
    plan: float
    plan_to_date: float
    done: float

    @property
    def gap(self) -> float:
        """Plan to date minus done (the 旬 row: the 旬 target minus done), 万元; positive = behind."""
        return (self.plan if self.level == "xun" else self.plan_to_date) - self.done

    @property
    def percent(self) -> float | None:
        """Done against the plan to date (the 旬 row: against the 旬 target), in %."""
        base = self.plan if self.level == "xun" else self.plan_to_date
        return 100.0 * self.done / base if base > 0 else None


@dataclass(frozen=True, slots=True)
class UnitTargetRow:
    """以旬保月: what a lead unit must still complete by the end of the current 旬 (万元)."""

    unit: str
    projects: tuple[str, ...]
    investment: float
    payment: float
    xun_end: dt.date | None


@dataclass(frozen=True, slots=True)
class FundRow:
    """One project's funds of one kind (or all its kinds: kind "") at the data date."""

    project_id: str
    project_name: str
    lead_unit: str
    kind: str
    issued: float
    received: float
    paid: float
    rate: float | None
    planned_rate: float | None
    light: Light

    @property
    def gap_points(self) -> float | None:
        """序时 rate minus payment rate, in points (positive = behind)."""
        return None if self.rate is None or self.planned_rate is None else self.planned_rate - self.rate


@dataclass(frozen=True, slots=True)
class StatisticsRow:
    """A project's stage and 入库纳统."""

    project_id: str
    project_name: str
    lead_unit: str
    stage: str
    commenced: dt.date | None
    status: str
    date: dt.date | None
    months: int
    light: Light


@dataclass(frozen=True, slots=True)
class QuantityRow:
    """A physical quantity: done / target in its measure, its 序时 and the gap."""

    project_id: str
    project_name: str
    name: str
    measure: str
    target: float
    done: float
    planned: float | None
    light: Light

    @property
    def progress(self) -> str:
        """'128/141 公里'."""
        return f"{self.done:g}/{self.target:g} {self.measure}"

    @property
    def gap(self) -> float | None:
        """序时 minus done (positive = behind)."""
        return None if self.planned is None else self.planned - self.done


@dataclass(frozen=True, slots=True)
class Cumulative:
    """Investment 累计 since a project's start and its share of 总投资."""

    project_id: str
    project_name: str
    total: float
    cumulative: float

    @property
    def share(self) -> float:
        """累计 / 总投资, in %."""
        return 100.0 * self.cumulative / self.total if self.total > 0 else 0.0


@dataclass(frozen=True, slots=True)
class TableModel:
    """A plain table any renderer can lay out: headings, rows of text, relative column widths."""

    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


def _wan(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def ten_day_table(m: MoneyView, lang: str) -> TableModel:
    """以旬保月、以月保季、以季保年 as a compact table for the brief: 旬, month and quarter, investment and
    payment side by side (portfolio totals, 万元; the 旬 row's plan is what the month asks for by the
    end of this 旬; the year is in the brief's overview). The printout has every row and each lead
    unit's 旬 target."""
    from scheduler.strings import t

    head = (t("out.col.level", lang), t("out.col.inv_plan", lang), t("out.col.inv_done", lang),
            t("out.col.inv_rate", lang), t("out.col.pay_plan_amt", lang), t("out.col.pay_done", lang),
            t("out.col.pay_rate_lv", lang))
    by = {(r.what, r.level): r for r in m.levels}

    def cells(r: LevelRow | None) -> tuple[str, str, str]:
        if r is None:
            return ("—", "—", "—")
        base = r.plan if r.level == "xun" else r.plan_to_date
        return (_wan(base), _wan(r.done), "—" if r.percent is None else f"{r.percent:.1f}%")

    rows = tuple((t(f"out.level_short.{lv}", lang), *cells(by.get(("investment", lv))),
                  *cells(by.get(("payment", lv)))) for lv in LEVELS[:-1]
                 if ("investment", lv) in by or ("payment", lv) in by)
    return TableModel(head, rows, (14, 16, 16, 12, 16, 16, 12))


@dataclass(frozen=True, slots=True)
class MoneyView:
    """Everything issue 12 adds to the week's papers."""

    levels: tuple[LevelRow, ...] = ()
    unit_targets: tuple[UnitTargetRow, ...] = ()
    funds: tuple[FundRow, ...] = ()
    statistics: tuple[StatisticsRow, ...] = ()
    quantities: tuple[QuantityRow, ...] = ()
    cumulative: tuple[Cumulative, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to show."""
        return not (self.levels or self.funds or self.statistics or self.quantities)


def _seq(x: object) -> Sequence[Any]:
    return x if isinstance(x, list | tuple) else ()


def _f(x: object) -> float:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else 0.0


def _day(x: object) -> dt.date | None:
    return dt.date.fromisoformat(x) if isinstance(x, str) and x else None


def _levels(what: str, per_project: Sequence[Mapping[str, Any]]) -> list[LevelRow]:
    """The portfolio's rows of one kind: the projects' levels summed period by period."""
    if not per_project:
        return []
    out = []
    for level in LEVELS:
        plan = todate = done = 0.0
        start = end = None
        for lv in per_project:
            levels = lv.get("levels", {})
            if level == "xun":
                x = next((v for k, v in levels.items() if k not in ("month", "quarter", "year")), None)
                m = levels.get("month", {})
                if x is None:
                    continue
                plan += _f(lv.get("xun_target"))
                todate += _f(m.get("plan_to_date"))
                done += _f(m.get("completed"))
            else:
                x = levels.get(level)
                if x is None:
                    continue
                plan += _f(x.get("plan"))
                todate += _f(x.get("plan_to_date"))
                done += _f(x.get("completed"))
            start, end = start or _day(x.get("start")), end or _day(x.get("end"))
        if start is not None and end is not None:
            out.append(LevelRow(what, level, start, end, plan, todate, done))
    return out


def build_money_view(summary: Mapping[str, object], names: Mapping[str, tuple[str, str]],
                     findings: Sequence[Finding]) -> MoneyView:
    """The MoneyView of a run: `summary` its stored summary, `names` project id -> (name, lead unit)
    in the view's order (projects not in it are left out), `findings` its findings (the lights of
    payment and quantities are those the check gave)."""
    money = summary.get("money")
    money = money if isinstance(money, Mapping) else {}
    lights: dict[tuple[str, FindingKind], Finding] = {(f.project, f.kind): f for f in findings}
    inv_levels: list[Mapping[str, Any]] = []
    pay_levels: list[Mapping[str, Any]] = []
    funds: list[FundRow] = []
    stats: list[StatisticsRow] = []
    qrows: list[QuantityRow] = []
    cum: list[Cumulative] = []
    for pid, (name, lead) in names.items():
        m = money.get(pid)
        if not isinstance(m, Mapping):
            continue
        if isinstance(m.get("investment_levels"), Mapping):
            inv_levels.append(m["investment_levels"])
        if isinstance(m.get("payment_levels"), Mapping):
            pay_levels.append(m["payment_levels"])
        if m.get("investment_cumulative") is not None and _f(m.get("investment_total")) > 0:
            cum.append(Cumulative(pid, name, _f(m["investment_total"]), _f(m["investment_cumulative"])))
        pay = m.get("payment")
        if isinstance(pay, Mapping):
            f = lights.get((pid, FindingKind.PAYMENT))
            light = f.light if f is not None else Light.GREEN
            by_kind: dict[str, list[Mapping[str, Any]]] = {}
            for fd in pay.get("funds", ()):
                by_kind.setdefault(str(fd.get("kind")), []).append(fd)
            for kind, fs in by_kind.items():
                issued = sum(_f(x.get("issued")) for x in fs)
                paid = sum(_f(x.get("paid")) for x in fs)
                planned = [(_f(x.get("issued")), x.get("planned_rate")) for x in fs
                           if x.get("planned_rate") is not None]
                w = sum(i for i, _ in planned)
                funds.append(FundRow(pid, name, lead, kind, issued, sum(_f(x.get("received")) for x in fs), paid,
                                     100.0 * paid / issued if issued > 0 else None,
                                     sum(i * _f(r) for i, r in planned) / w if w > 0 else None, light))
            if len(by_kind) > 1:
                funds.append(FundRow(pid, name, lead, "", _f(pay.get("issued")), _f(pay.get("received")),
                                     _f(pay.get("paid")), pay.get("rate"), pay.get("planned_rate"), light))
        st = m.get("statistics")
        if isinstance(st, Mapping) and (st.get("stage") or st.get("status") or st.get("commenced")):
            stats.append(StatisticsRow(pid, name, lead, str(st.get("stage") or ""), _day(st.get("commenced")),
                                       str(st.get("status") or ""), _day(st.get("date")),
                                       int(_f(st.get("months_since_commenced"))), Light(st.get("light", "green"))))
        qf = lights.get((pid, FindingKind.QUANTITY))
        listed = qf.details.get("quantities", ()) if qf is not None else ()
        behind = {q.get("id") for q in listed if isinstance(q, Mapping)} if isinstance(listed, list | tuple) else set()
        for q in m.get("quantities", ()) or ():
            light = qf.light if qf is not None and q.get("id") in behind else Light.GREEN
            qrows.append(QuantityRow(pid, name, str(q.get("name")), str(q.get("measure")), _f(q.get("target")),
                                     _f(q.get("done")), None if q.get("planned") is None else _f(q.get("planned")),
                                     light))
    targets = tuple(UnitTargetRow(str(u.get("unit")), tuple(u.get("projects", ())), _f(u.get("investment")),
                                  _f(u.get("payment")), _day(u.get("xun_end")))
                    for u in _seq(summary.get("unit_targets")) if isinstance(u, Mapping)
                    and any(p in names for p in u.get("projects", ())))
    return MoneyView(tuple(_levels("investment", inv_levels) + _levels("payment", pay_levels)), targets,
                     tuple(funds), tuple(stats), tuple(qrows), tuple(cum))
