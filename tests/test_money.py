"""Issue 12, worked by hand: the payment 序时 of fund sources, the 入库纳统 lights, the 以旬保月
target, quantities (实物量), and the project-file keys that carry them (core/money.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from scheduler.core import money
from scheduler.core.check import CheckThresholds, check_portfolio, investment_progress
from scheduler.core.findings import FindingKind, Light
from scheduler.core.model import (
    FundKind,
    FundSource,
    InvestmentPlan,
    Money,
    Quantity,
    Stage,
    StatsStatus,
    money_from_json,
    money_to_json,
)
from scheduler.core.phrases import finding_text
from scheduler.core.schedule import schedule_projects
from scheduler.errors import ProjectFileError
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.io.projectfile import parse_project, read_portfolio
from tests.helpers import named_units

CALS = CalendarSet(REPO_ROOT / "calendar")
D = dt.date(2026, 11, 23)


# -- payment 序时 ----------------------------------------------------------------------------------

BOND = FundSource("F1", FundKind.ULTRA_LONG_BONDS, issued={"2026-03": 10000}, received={"2026-04": 10000},
                  paid={"2026-04": 2000, "2026-08": 3000, "2026-11": 1000, "2026-12": 500})
CENTRAL = FundSource("F2", FundKind.CENTRAL_BUDGET, issued={"2026-05": 4000}, received={"2026-05": 4000},
                     paid={"2026-06": 3500}, pay_by=dt.date(2026, 10, 31))


def test_fund_share_runs_in_calendar_days_from_the_first_issue_to_the_deadline() -> None:
    # 2026-03-01 .. 2026-12-31 = 306 days; at the start of 11-23, 267 of them are gone
    fp = money.fund_progress(BOND, D)
    assert (fp.issued, fp.received, fp.paid) == (10000, 10000, 6000)  # December's 500 is not yet
    assert fp.share == pytest.approx(267 / 306)
    assert fp.rate == pytest.approx(0.6)
    # pay_by passed: the whole amount is due
    assert money.fund_progress(CENTRAL, D).share == 1.0
    # on the first day nothing is due yet; before any money is issued there is no 序时
    assert money.fund_progress(BOND, dt.date(2026, 3, 1)).share == 0.0
    assert money.fund_progress(BOND, dt.date(2026, 2, 27)).share is None


def test_project_payment_rate_against_the_issued_weighted_plan() -> None:
    pay = money.PaymentProgress((money.fund_progress(BOND, D), money.fund_progress(CENTRAL, D)))
    assert pay.issued == 14000 and pay.paid == 9500
    assert pay.rate == pytest.approx(9500 / 14000)                       # 67.86 %
    assert pay.planned == pytest.approx((10000 * 267 / 306 + 4000 * 1.0) / 14000)  # 90.89 %
    assert pay.gap_points == pytest.approx(100 * (pay.planned - pay.rate))  # 23.04 points: red
    assert round(pay.gap_points, 2) == 23.04
    assert pay.by_kind() == {"中央预算内投资": (4000, 4000, 3500), "超长期特别国债": (10000, 10000, 6000)}


def test_payment_plan_by_month_feeds_the_xun_month_quarter_year_levels() -> None:
    plan = money.payment_plan([BOND], D)
    assert plan is not None
    # November asks for 30 of the 306 days of the issued 10000; March for its 31 days
    assert plan.month_plan(11) == pytest.approx(10000 * 30 / 306)
    assert plan.month_plan(3) == pytest.approx(10000 * 31 / 306)
    assert plan.month_plan(1) == 0
    assert plan.annual_plan == pytest.approx(10000)
    lv = investment_progress(plan, D)
    assert lv is not None
    # lower 旬 (21-30): the month's plan through its end is the whole month (980.39); 1000 paid in
    # November already holds it; in the middle 旬 (11-15) the plan through 11-20 is 20/30 of it
    assert lv.xun_target == pytest.approx(10000 * 30 / 306)
    assert money.xun_remaining(lv) == 0.0
    plan2 = money.payment_plan([CENTRAL, BOND], dt.date(2026, 11, 15))
    assert plan2 is not None
    mid = investment_progress(plan2, dt.date(2026, 11, 15))
    assert mid is not None  # CENTRAL's deadline passed: November asks nothing more of it
    assert mid.xun_target == pytest.approx(10000 * 30 / 306 * 20 / 30)
    assert money.xun_remaining(mid) == 0.0
    # the year to date: all of March..October (245 days) and 22 of November's 30 days
    assert lv.year.plan_to_date == pytest.approx(10000 * 267 / 306)
    assert lv.year.completed == pytest.approx(6000)


def test_fund_amounts_are_checked() -> None:
    with pytest.raises(ProjectFileError, match="exceeds received"):
        FundSource("F", FundKind.OTHER, issued={"2026-01": 10}, received={"2026-01": 10}, paid={"2026-02": 11})
    with pytest.raises(ProjectFileError, match="not YYYY-MM"):
        FundSource("F", FundKind.OTHER, issued={"2026-13": 10})


# -- 入库纳统 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("commenced", "status", "when", "light", "months"), [
    (dt.date(2026, 9, 30), StatsStatus.ENTERED, dt.date(2026, 10, 30), Light.GREEN, 1),   # exactly one month
    (dt.date(2026, 9, 30), StatsStatus.ENTERED, dt.date(2026, 10, 31), Light.YELLOW, 1),  # more than one
    (dt.date(2026, 9, 30), None, dt.date(2026, 11, 30), Light.YELLOW, 2),                 # exactly two
    (dt.date(2026, 9, 30), StatsStatus.NOT_ENTERED, dt.date(2026, 12, 1), Light.RED, 2),  # more than two
    (dt.date(2026, 9, 30), StatsStatus.COUNTED, dt.date(2027, 3, 1), Light.GREEN, 5),     # 已纳统
    (dt.date(2026, 1, 31), StatsStatus.ENTERED, dt.date(2026, 2, 28), Light.GREEN, 1),    # Jan 31 + 1 month
    (dt.date(2026, 1, 31), StatsStatus.ENTERED, dt.date(2026, 3, 1), Light.YELLOW, 1),
    (dt.date(2026, 12, 1), StatsStatus.NOT_ENTERED, dt.date(2026, 11, 23), Light.GREEN, 0),  # not commenced yet
])
def test_statistics_lights(commenced: dt.date, status: StatsStatus | None, when: dt.date, light: Light,
                           months: int) -> None:
    got = money.statistics_check(Money(statistics=status, commenced=commenced), when, 1, 2)
    assert (got.light, got.months) == (light, months)


def test_statistics_thresholds_come_from_config() -> None:
    m = Money(statistics=StatsStatus.ENTERED, commenced=dt.date(2026, 9, 30))
    assert money.statistics_check(m, dt.date(2026, 12, 1), 2, 3).light is Light.YELLOW
    assert money.statistics_check(m, dt.date(2026, 12, 1), 1, 2).light is Light.RED


# -- 以旬保月 -----------------------------------------------------------------------------------------


def _inv(nov_plan: float, nov_done: float) -> InvestmentPlan:
    return InvestmentPlan(total=100000, year=2026, annual_plan=nov_plan, plan={"2026-11": nov_plan},
                          completed={"2026-11": nov_done})


@pytest.mark.parametrize(("when", "target", "left"), [
    (dt.date(2026, 11, 23), 3000.0, 2000.0),  # lower 旬: the whole month by 11-30
    (dt.date(2026, 11, 15), 2000.0, 1000.0),  # middle 旬: 20 of 30 days by 11-20
    (dt.date(2026, 11, 5), 1000.0, 0.0),      # upper 旬: 10 of 30 days by 11-10, 1000 already done
])
def test_xun_target_to_hold_the_month(when: dt.date, target: float, left: float) -> None:
    lv = investment_progress(_inv(3000, 1000), when)
    assert lv is not None
    assert lv.xun_target == pytest.approx(target)
    assert money.xun_remaining(lv) == pytest.approx(left)


def test_unit_targets_sum_the_projects_a_unit_leads() -> None:
    a = investment_progress(_inv(3000, 1000), dt.date(2026, 11, 15))  # 1000 left
    b = investment_progress(_inv(600, 100), dt.date(2026, 11, 15))    # 400 - 100 = 300 left
    c = investment_progress(_inv(600, 500), dt.date(2026, 11, 15))    # ahead: nothing left
    got = money.unit_targets({"A": "县发改局", "B": "县发改局", "C": "县交通运输局"}, {"A": a, "B": b, "C": c}, {})
    assert [(u.unit, u.projects, round(u.investment, 2), u.xun_end) for u in got] == [
        ("县发改局", ("A", "B"), 1300.0, dt.date(2026, 11, 20))]


# -- 实物量 ----------------------------------------------------------------------------------------


def test_quantity_sequence_over_its_window() -> None:
    q = Quantity("Q", "农村公路路面铺装", "公里", 141, 128, finish_by=dt.date(2026, 12, 31))
    got = money.quantity_progress(q, D, None)
    assert got.planned == pytest.approx(141 * 326 / 365)  # 125.93: 2.07 km ahead
    assert got.gap == pytest.approx(141 * 326 / 365 - 128)
    slow = money.quantity_progress(Quantity("Q", "路面", "公里", 141, 100, finish_by=dt.date(2026, 12, 31)), D, None)
    assert round(slow.gap_points, 2) == 18.39  # (125.93 - 100) / 141: yellow between 10 and 30


# -- the check and the files ---------------------------------------------------------------------

PROJECT = """
[project]
id = "P"
name = "港区大道"
lead_unit = "县发改局"
calendar = "construction"
start = 2026-01-05
stage = "新开工"
commenced = 2026-08-10
statistics = "已入库"
statistics_date = 2026-09-01

[investment]
total = 50000
year = 2026
annual_plan = 3000
completed_before = 1000
[investment.plan]
"2026-11" = 3000
[investment.completed]
"2026-11" = 1000

[[milestone]]
id = "M1"
name = "路面铺装"
duration = 300

[[fund]]
id = "F1"
kind = "超长期特别国债"
[fund.issued]
"2026-03" = 10000
[fund.received]
"2026-04" = 10000
[fund.paid]
"2026-04" = 2000
"2026-08" = 3000
"2026-11" = 1000

[[quantity]]
id = "Q1"
name = "路面铺装"
measure = "公里"
target = 30
done = 10
milestone = "M1"
"""


def test_check_lights_payment_statistics_and_quantities() -> None:
    p = parse_project(PROJECT, "P.toml", calendars=CALS)
    assert p.money.stage is Stage.NEW_START and p.money.funds[0].kind is FundKind.ULTRA_LONG_BONDS
    assert money_from_json(money_to_json(p.money)) == p.money
    res = schedule_projects([p], {"construction": CALS["construction"]}, D)
    plan = schedule_projects([p], {"construction": CALS["construction"]}, None)
    check = check_portfolio(res, plan.early_start, plan.early_finish, CheckThresholds())
    kinds = {f.kind: f for f in check.findings}
    # paid 6000 of 10000 against 87.25 % due: 27.25 points behind -> red
    assert kinds[FindingKind.PAYMENT].light is Light.RED
    assert "支付率 60.0%" in finding_text(kinds[FindingKind.PAYMENT])  # the sentence the outputs write
    # commenced 08-10, 已入库: more than two months by 11-23 -> red
    assert kinds[FindingKind.STATISTICS].light is Light.RED
    # M1 runs 2026-01-05 + 300 days on the construction calendar; its planned share at 11-23 times 30 km
    share = check.physical["P"].per_milestone["M1"][0] / 100
    q = check.money.projects["P"].quantities[0]
    assert q.planned == pytest.approx(30 * share) and q.planned > 25
    assert kinds[FindingKind.QUANTITY].light is Light.RED  # 10 of ~27 km: more than 30 points behind
    summary = check.summary.to_json()["money"]["P"]
    assert summary["payment"]["rate"] == 60.0 and summary["payment"]["planned_rate"] == 87.25
    assert summary["statistics"]["status"] == "已入库" and summary["statistics"]["light"] == "red"
    assert summary["investment_cumulative"] == 2000 and summary["investment_cumulative_share"] == 4.0
    assert check.summary.to_json()["unit_targets"] == [
        {"unit": "县发改局", "projects": ["P"], "investment": 2000.0, "payment": 0.0, "xun_end": "2026-11-30"}]
    assert np.isfinite(q.gap_points)


@pytest.mark.parametrize(("extra", "kind", "at"), [
    ('\n[[fund]]\nid = "F2"\nkind = "国债"\n', "bad-fund-kind", 'kind = "国债"'),
    ('\n[[quantity]]\nid = "Q2"\nname = "x"\nmeasure = "个"\ntarget = 3\nmilestone = "M9"\n', "unknown-milestone",
     'milestone = "M9"'),
    ('\n[[quantity]]\nid = "Q2"\nname = "x"\nmeasure = "个"\ntarget = 0\nfinish_by = 2026-12-31\n', "bad-quantity",
     "target = 0"),
])
def test_file_errors_name_the_line(extra: str, kind: str, at: str) -> None:
    text = PROJECT + extra
    with pytest.raises(ProjectFileError) as e:
        parse_project(text, "P.toml", calendars=CALS)
    assert e.value.kind == kind
    assert e.value.line == text.splitlines().index(at) + 1


def test_samples_cover_every_fund_kind_stage_and_statistics_state() -> None:
    xy = [pf.project for pf in read_portfolio([REPO_ROOT / "projects"], calendars=CALS)]
    hy = [pf.project for pf in read_portfolio([REPO_ROOT / "examples" / "huayuan" / "projects"], calendars=CALS)]
    assert {f.kind for p in xy for f in p.money.funds} >= {FundKind.CENTRAL_BUDGET, FundKind.ULTRA_LONG_BONDS,
                                                              FundKind.SPECIAL_BONDS}
    assert {p.money.stage for p in xy} == set(Stage)
    assert {p.money.statistics for p in xy} == set(StatsStatus)
    lights = {money.statistics_check(p.money, D, 1, 2).light for p in xy}
    assert lights == set(Light)  # 纳统 green, yellow (YGG-PORT) and red (COAL-STORE)
    qs = {(p.id, q.name): (q.done, q.target, q.measure) for p in xy + hy for q in p.money.quantities}
    assert qs[("YGG-RAIL", "正线铺轨")][2] == "公里"
    assert qs[("HY-RURAL-ROAD", "农村公路路面铺装")] == (128, 141, "公里")
    assert qs[("HY-5G", "新建5G基站")] == (45, 45, "个")
    assert qs[("HY-WATER", "实现供水的村")][1:] == (61, "个")
    assert not {p.id for p in xy} & {p.id for p in hy}
    # one spelling per unit: each portfolio's units are the ones its config lists
    from scheduler.io.config import load_config
    for cfg, ps in ((load_config(REPO_ROOT / "config.toml"), xy),
                    (load_config(REPO_ROOT / "examples" / "huayuan" / "config.toml"), hy)):
        named = {u for p in ps for u in named_units(p)}
        assert named <= set(cfg.units), named - set(cfg.units)
    assert "县发展和改革局" not in {u for p in xy for u in named_units(p)}
    assert "县发改局" not in {u for p in hy for u in named_units(p)}


# -- the view and the printout ------------------------------------------------------------------


def test_the_sample_weeks_money_tables_and_their_printout(tmp_path: Path) -> None:
    import dataclasses
    import subprocess

    import portfolio_week as pw

    from scheduler.outputs.printout import render_printout

    view, chk = pw.week()
    m = view.money
    # 以旬保月: the 旬 row asks for the month's plan through 11-30 (the lower 旬: the whole month)
    inv = {r.level: r for r in m.levels if r.what == "investment"}
    assert [r.level for r in m.levels] == ["xun", "month", "quarter", "year"] * 2
    assert inv["xun"].plan == pytest.approx(inv["month"].plan) and inv["xun"].end == dt.date(2026, 11, 30)
    assert inv["year"].plan == pytest.approx(sum(p.investment.annual_plan for p in pw.projects() if p.investment))
    lead = {u.unit: u for u in m.unit_targets}
    assert lead["县发改局"].investment == pytest.approx(sum(
        money.xun_remaining(chk.investment[p]) for p in ("COAL-STORE", "YG-RESERVE", "YGG-RAIL")))
    coal = [r for r in m.funds if r.project_id == "COAL-STORE"]
    assert [r.kind for r in coal] == ["中央预算内投资", "其他", ""] and coal[-1].light is Light.RED
    assert {r.kind for r in m.funds} >= {"中央预算内投资", "超长期特别国债", "地方政府专项债券"}
    assert {r.stage for r in m.statistics} == {s.value for s in Stage}
    assert {r.project_id: r.light for r in m.statistics if r.light is not Light.GREEN} == {
        "COAL-STORE": Light.RED, "YGG-PORT": Light.YELLOW}
    track = next(q for q in m.quantities if q.name == "正线铺轨")
    assert track.progress == "10.4/11.85 公里"
    out = render_printout(dataclasses.replace(view, projects=()), tmp_path / "p.pdf", {})
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    for head in ("以旬保月、以月保季、以季保年", "三类资金项目资金支付", "项目阶段与入库纳统", "实物量进度",
                 "10.4/11.85 公里", "9/15 家", "本旬末前需完成投资"):
        assert head in text, head
