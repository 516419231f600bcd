"""The weekly check (scheduler/check.py), worked out by hand on small projects at data date
D = 2026-11-23 (Monday of 2026-W48). Every project is on the `construction` calendar, which works
every day from November 2026 to January 2027, so a working day is a calendar day and "working days
between" is plain date subtraction: that keeps the arithmetic in the comments checkable.

Conventions of the check (see its docstring): "at D" is the start of day D; days late =
index(D) - index(baseline date)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pytest

from scheduler.core.check import (
    CheckResult,
    CheckThresholds,
    check_portfolio,
    investment_progress,
    progress_light,
    slip_light,
    xun_bounds,
)
from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.core.model import (
    FactorRequirement,
    FactorStatus,
    InvestmentPlan,
    Link,
    Milestone,
    Project,
)
from scheduler.core.phrases import finding_text, names_of_projects
from scheduler.core.schedule import schedule_projects
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT

D = dt.date(2026, 11, 23)
TH = CheckThresholds()  # lookahead 4 weeks, slip yellow <= 10 days, progress 10..30 points, escalate 2
CAL = CalendarSet(REPO_ROOT / "calendar")["construction"]


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def ms(mid: str, duration: int, *after: str, **kw: object) -> Milestone:
    return Milestone(mid, f"节点{mid}", duration, after=tuple(Link(a) for a in after), **kw)  # type: ignore[arg-type]


def project(pid: str, milestones: list[Milestone], factors: tuple[FactorRequirement, ...] = (),
            start: str = "2026-09-01", investment: InvestmentPlan | None = None) -> Project:
    return Project(pid, f"项目{pid}", "县发改局", d(start), "construction", tuple(milestones), factors,
                   investment=investment)


def run(projects: list[Project], baseline: Mapping[tuple[str, str], tuple[str, str]],
        history: Mapping[str, tuple[str, int]] | None = None, th: CheckThresholds = TH) -> CheckResult:
    """Schedule at D and check against a hand-written baseline {(project, milestone): (start, finish)}."""
    result = schedule_projects(projects, {"construction": CAL}, D)
    bs = np.zeros(result.frame.n, dtype=np.int64)
    bf = np.zeros(result.frame.n, dtype=np.int64)
    row = 0
    for p in projects:
        for m in p.milestones:
            if (p.id, m.id) in baseline:
                a, b = baseline[(p.id, m.id)]
                bs[row], bf[row] = d(a).toordinal(), d(b).toordinal()
            row += 1
    return check_portfolio(result, bs, bf, th, history)


def text(f: Finding) -> str:
    """The finding's sentence as the outputs write it (findings store data, no sentence), dates as of D."""
    projects = [v for v in globals().values() if isinstance(v, Project)]
    return finding_text(f, names_of_projects(projects), ref=D)


def find(res: CheckResult, kind: FindingKind, project: str, milestone: str | None = None,
         factor: str | None = None) -> Finding | None:
    hits = [f for f in res.findings if f.kind is kind and f.project == project
            and (milestone is None or f.milestone == milestone) and (factor is None or f.factor == factor)]
    assert len(hits) <= 1
    return hits[0] if hits else None


# -- behind schedule: FINISH_OVERDUE, START_OVERDUE, SLIP ---------------------------------------

SCHED = project("P-SCHED", [
    # started 11-01, 50 %: remaining ceil(10 * 50 / 100) = 5 days from D: 11-23..11-27
    ms("M1", 10, actual_start=d("2026-11-01"), percent=50),
    # not started: forecast 11-23..11-27 (5 days from D)
    ms("M2", 5),
    # not started: forecast 11-23..12-12 (20 days: 8 in November, 12 in December)
    ms("M3", 20),
    # not started: forecast 11-23..12-02
    ms("M4", 10),
    # finished late (baseline 10-05, actual 10-08): history, no finding
    ms("M5", 5, actual_start=d("2026-10-01"), actual_finish=d("2026-10-08")),
    # event after M3: reached at the end of M3's last day, prints 12-12
    ms("M6", 0, "M3"),
    # after M4: 12-03..12-12, exactly its baseline
    ms("M7", 10, "M4"),
])
SCHED_BASE = {
    ("P-SCHED", "M1"): ("2026-11-01", "2026-11-10"),
    ("P-SCHED", "M2"): ("2026-11-20", "2026-11-24"),
    ("P-SCHED", "M3"): ("2026-11-08", "2026-11-27"),
    ("P-SCHED", "M4"): ("2026-12-01", "2026-12-10"),
    ("P-SCHED", "M5"): ("2026-10-01", "2026-10-05"),
    ("P-SCHED", "M6"): ("2026-11-20", "2026-11-20"),
    ("P-SCHED", "M7"): ("2026-12-03", "2026-12-12"),
}


def test_finish_overdue_red_days_since_baseline_finish() -> None:
    res = run([SCHED], SCHED_BASE)
    f = find(res, FindingKind.FINISH_OVERDUE, "P-SCHED", "M1")
    assert f is not None
    # baseline finish 11-10 < D 11-23, not finished: 23 - 10 = 13 working days late, always red
    assert (f.light, f.days) == (Light.RED, 13)
    assert f.unit == "县发改局"  # no milestone unit: the project's lead unit answers
    assert "基线计划11月10日完成，至今未完成，已滞后13天" in text(f)
    # FINISH_OVERDUE supersedes the slip of the same milestone (forecast 11-27 vs 11-10)
    assert find(res, FindingKind.SLIP, "P-SCHED", "M1") is None


def test_event_overdue_only_as_finish() -> None:
    res = run([SCHED], SCHED_BASE)
    f = find(res, FindingKind.FINISH_OVERDUE, "P-SCHED", "M6")
    assert f is not None
    # event dated 11-20 in the baseline, not reached by D: 23 - 20 = 3 days late: yellow, since
    # an overdue finish is red only beyond overdue_red_days (5)
    assert (f.light, f.days) == (Light.YELLOW, 3)
    assert f.details["forecast_finish"] == "2026-12-12"
    assert find(res, FindingKind.START_OVERDUE, "P-SCHED", "M6") is None


def test_start_overdue_yellow_and_red() -> None:
    res = run([SCHED], SCHED_BASE)
    m2 = find(res, FindingKind.START_OVERDUE, "P-SCHED", "M2")
    m3 = find(res, FindingKind.START_OVERDUE, "P-SCHED", "M3")
    assert m2 is not None and m3 is not None
    # M2: baseline start 11-20, not started at 11-23: 3 days <= 10 -> yellow
    assert (m2.light, m2.days) == (Light.YELLOW, 3)
    # M3: baseline start 11-08: 23 - 8 = 15 days > 10 -> red
    assert (m3.light, m3.days) == (Light.RED, 15)
    # M1 started (late or not, its start is history); M4's baseline start 12-01 is still ahead
    assert find(res, FindingKind.START_OVERDUE, "P-SCHED", "M1") is None
    assert find(res, FindingKind.START_OVERDUE, "P-SCHED", "M4") is None


def test_slip_yellow_red_green() -> None:
    res = run([SCHED], SCHED_BASE)
    m2 = find(res, FindingKind.SLIP, "P-SCHED", "M2")
    m3 = find(res, FindingKind.SLIP, "P-SCHED", "M3")
    assert m2 is not None and m3 is not None
    # M2: forecast finish 11-27 vs baseline 11-24: 3 days -> yellow
    assert (m2.light, m2.days) == (Light.YELLOW, 3)
    assert m2.details["forecast_finish"] == "2026-11-27"
    # M3: forecast 12-12 vs baseline 11-27: 8 + 12 - 5 = 15 days (Nov 27 -> Dec 12) -> red
    assert (m3.light, m3.days) == (Light.RED, 15)
    # M4 forecast 12-02, earlier than its baseline 12-10; M7 12-12 = baseline: no slip (green)
    assert find(res, FindingKind.SLIP, "P-SCHED", "M4") is None
    assert find(res, FindingKind.SLIP, "P-SCHED", "M7") is None
    # finished M5 raises nothing at all
    assert not [f for f in res.findings if f.milestone == "M5"]


def test_slip_light_boundary() -> None:
    assert slip_light(10, TH) is Light.YELLOW  # "yellow up to slip_yellow_max_days"
    assert slip_light(11, TH) is Light.RED


def test_no_baseline_no_schedule_findings() -> None:
    res = run([SCHED], {})
    kinds = {FindingKind.FINISH_OVERDUE, FindingKind.START_OVERDUE, FindingKind.SLIP, FindingKind.PHYSICAL}
    assert not [f for f in res.findings if f.kind in kinds]


# -- deadlines -----------------------------------------------------------------------------------

F_LAND = FactorRequirement("F1", "用地", "M2", FactorStatus.IN_PROGRESS, unit="县自然资源局",
                           expected=d("2026-12-18"), blocker="占用永久基本农田，补划方案待省厅审查")
DL = project("P-DL", [
    ms("M1", 30, actual_start=d("2026-06-01"), actual_finish=d("2026-06-30")),
    # 开工 (an event) must happen by the end of October (沿江大道 10月底前开工); it has not, and the
    # land approval expected 12-18 holds it to the first working day after: 12-19
    Milestone("M2", "开工", 0, after=(Link("M1"),), start_by=d("2026-10-31"), unit="洋沙湖集团"),
    # 40 days from 12-19: 12-19..2027-01-27; finish_by mid-2027 leaves room: no deadline finding
    ms("M3", 40, "M2", finish_by=d("2027-06-30")),
], (F_LAND,), start="2026-01-05")
DL_BASE = {("P-DL", "M1"): ("2026-06-01", "2026-06-30"), ("P-DL", "M2"): ("2026-10-20", "2026-10-20")}


def test_deadline_start_by_missed_red() -> None:
    res = run([DL], DL_BASE)
    f = find(res, FindingKind.DEADLINE, "P-DL", "M2")
    assert f is not None
    # late start = 10-31 (start_by), forecast 12-19: total float = -(Oct 31 -> Dec 19) = -(30 + 19) = -49
    assert (f.light, f.days) == (Light.RED, 49)
    assert f.details["total_float"] == -49
    assert f.details["forecast_start"] == "2026-12-19" and f.details["late_start"] == "2026-10-31"
    assert f.unit == "洋沙湖集团"
    # an event reads with its name as the verb, on one date (not 开始、完成), dates the Chinese way
    assert text(f) == "原定10月底前开工（M2），预计12月19日开工，超出49天"
    assert finding_text(f, names_of_projects([DL]), "en") == (
        "开工 (M2) due by 2026-10-31; forecast 2026-12-19: 49 days over")
    # a deadline that can be met is green (no finding)
    assert find(res, FindingKind.DEADLINE, "P-DL", "M3") is None
    # its baseline date 10-20 passed too: 34 days overdue (Oct 20 -> Nov 23 = 11 + 23)
    fo = find(res, FindingKind.FINISH_OVERDUE, "P-DL", "M2")
    assert fo is not None and fo.days == 34


def test_a_started_milestone_start_by_is_judged_by_its_actual_start() -> None:
    # started 11-05 against start_by 11-01: missed by 4 days (construction calendar: every day
    # works), yellow (up to 5 days); the finish (10 days: 11-05..11-14) is history now, so a
    # forecast would have said nothing
    started = project("P-DL2", [ms("M1", 10, start_by=d("2026-11-01"), actual_start=d("2026-11-05"))])
    f = find(run([started], {}), FindingKind.DEADLINE, "P-DL2", "M1")
    assert f is not None and (f.light, f.days) == (Light.YELLOW, 4)
    assert f.details["judged"] == "start" and f.details["actual"] == "2026-11-05"
    assert finding_text(f, names_of_projects([started])) == "节点M1（M1）原定11月1日前开始，已于11月5日开始，超期4天"
    on_time = project("P-DL3", [ms("M1", 10, start_by=d("2026-11-05"), actual_start=d("2026-11-05"))])
    assert find(run([on_time], {}), FindingKind.DEADLINE, "P-DL3", "M1") is None


FIN = project("P-FIN", [
    # finished 10-20..11-05 against finish_by 10-31: missed by 5 days (Oct 31 -> Nov 5), whatever
    # the rest of the project forecasts
    ms("M1", 17, actual_start=d("2026-10-20"), actual_finish=d("2026-11-05"), finish_by=d("2026-10-31")),
    # finished 10-01..10-28 against 10-31: met, nothing to say though the project ends in 2027
    ms("M2", 28, actual_start=d("2026-10-01"), actual_finish=d("2026-10-28"), finish_by=d("2026-10-31")),
    # an event (主体封顶) reached 11-12 against 11-10: missed by 2 days, green if on time
    Milestone("M3", "主体封顶", 0, after=(Link("M2"),), actual_start=d("2026-11-12"),
              actual_finish=d("2026-11-12"), finish_by=d("2026-11-10")),
    ms("M4", 120, "M3"),  # runs D..2027-03-22
], start="2026-10-01")


def test_a_finished_deadline_milestone_is_met_or_missed_by_its_actual_finish() -> None:
    res = run([FIN], {})
    names = names_of_projects([FIN])
    f1 = find(res, FindingKind.DEADLINE, "P-FIN", "M1")
    assert f1 is not None and (f1.light, f1.days) == (Light.YELLOW, 5)
    assert f1.details["judged"] == "finish" and "total_float" not in f1.details
    assert finding_text(f1, names) == "节点M1（M1）原定10月底前完成，已于11月5日完成，超期5天"
    assert finding_text(f1, names, "en") == (
        "节点M1 (M1) was due to finish by 2026-10-31 and did finish on 2026-11-05: 5 days late")
    assert find(res, FindingKind.DEADLINE, "P-FIN", "M2") is None  # met: no finding
    f3 = find(res, FindingKind.DEADLINE, "P-FIN", "M3")
    assert f3 is not None and f3.days == 2
    assert finding_text(f3, names) == "原定11月10日前主体封顶（M3），已于11月12日主体封顶，超期2天"
    # history is never red, whatever deadline_red_days says: nothing is left to decide
    assert find(run([FIN], {}, th=replace(TH, deadline_red_days=1)), FindingKind.DEADLINE, "P-FIN", "M1"
                ).light is Light.YELLOW  # type: ignore[union-attr]
    # reported while the actual date is within deadline_missed_weeks of the data date (11-23):
    # M1 finished 11-05 (18 days), M3 11-12 (11 days); two weeks keep M3 only, none keeps neither
    two = run([FIN], {}, th=replace(TH, deadline_missed_weeks=2))
    assert find(two, FindingKind.DEADLINE, "P-FIN", "M1") is None
    assert find(two, FindingKind.DEADLINE, "P-FIN", "M3") is not None
    assert find(run([FIN], {}, th=replace(TH, deadline_missed_weeks=0)), FindingKind.DEADLINE, "P-FIN", "M3") is None


# -- factor guarantee (要素保障) ------------------------------------------------------------------

FAC = project("P-FAC", [
    # keeps the project open to 2027: M9 runs D..2027-01-21 (60 days)
    ms("M9", 60),
    ms("M1", 10, not_before=d("2026-12-07")),
    ms("M2", 10, not_before=d("2027-01-04")),
    ms("M3", 5, not_before=d("2026-12-14")),
    ms("M4", 10, finish_by=d("2026-12-31")),
    ms("M5", 10, not_before=d("2026-12-28")),
    ms("M6", 10, actual_start=d("2026-11-20")),
], (
    FactorRequirement("F1", "环评", "M1", FactorStatus.IN_PROGRESS, unit="市生态环境局湘阴分局",
                      expected=d("2026-11-30")),
    FactorRequirement("F6", "用地", "M1", FactorStatus.APPROVED, unit="县自然资源局"),
    FactorRequirement("F2", "用林", "M2", FactorStatus.NOT_STARTED, unit="县林业局"),
    FactorRequirement("F3", "用能", "M3", FactorStatus.NOT_STARTED, unit="县发改局"),
    FactorRequirement("F4", "用地", "M4", FactorStatus.IN_PROGRESS, unit="县自然资源局",
                      expected=d("2027-01-15")),
    FactorRequirement("F5", "用地", "M5", FactorStatus.IN_PROGRESS, unit="县自然资源局",
                      expected=d("2026-12-20")),
    FactorRequirement("F7", "用地", "M6", FactorStatus.IN_PROGRESS, expected=d("2026-12-01")),
), start="2026-11-01")
FAC_BASE = {("P-FAC", "M1"): ("2026-12-07", "2026-12-16"), ("P-FAC", "M5"): ("2026-11-16", "2026-11-25")}
# look-ahead: D + 4 weeks = 12-21


def test_factor_yellow_within_lookahead() -> None:
    res = run([FAC], FAC_BASE)
    f = find(res, FindingKind.FACTOR, "P-FAC", factor="F1")
    assert f is not None
    # M1 forecast start = max(D, not_before 12-07, first day after expected 11-30 = 12-01) = 12-07,
    # within the look-ahead (<= 12-21); in progress, expected 11-30 before M1's late start (the
    # project ends 2027-01-25 with M4: M1 late start 01-16): yellow, needed in 14 days (23 -> 7)
    assert f.light is Light.YELLOW
    assert f.days == -14
    assert f.factor_kind == "环评" and f.unit == "市生态环境局湘阴分局"
    assert f.details["reasons"] == ["start-within-lookahead"]
    assert "尚余14天" in text(f)
    # the approved F6 on the same milestone is no finding
    assert find(res, FindingKind.FACTOR, "P-FAC", factor="F6") is None


def test_factor_green_beyond_lookahead() -> None:
    res = run([FAC], FAC_BASE)
    # M2 starts 2027-01-04, beyond 12-21; 未启动 but not yet needed within 4 weeks: green
    assert find(res, FindingKind.FACTOR, "P-FAC", factor="F2") is None


def test_factor_yellow_not_started_within_lookahead() -> None:
    res = run([FAC], FAC_BASE)
    f = find(res, FindingKind.FACTOR, "P-FAC", factor="F3")
    assert f is not None
    # M3 starts 12-14 (within 12-21) and the approval has not even been applied for: flagged, 21
    # days to go; not overdue, so yellow (graded by size: red only when overdue > 10 days)
    assert (f.light, f.days) == (Light.YELLOW, -21)
    assert f.details["reasons"] == ["not-started-within-lookahead"]


def test_factor_red_expected_after_late_start() -> None:
    res = run([FAC], FAC_BASE)
    f = find(res, FindingKind.FACTOR, "P-FAC", factor="F4")
    assert f is not None
    # M4 must finish by 12-31: late start 12-22 (10 days: 22..31); approval expected 2027-01-15:
    # too late -> red, though the forecast start (01-16) is beyond the look-ahead
    assert f.light is Light.RED
    assert f.details["late_start"] == "2026-12-22" and f.details["forecast_start"] == "2027-01-16"
    assert f.details["reasons"] == ["expected-after-late-start"]
    # needed on the forecast start 01-16: Nov 23 -> Dec 23 (30) -> Jan 16 (24) = 54 days to go
    assert f.days == -54
    # and the deadline: forecast finish 01-25 vs 12-31 = total float -25
    dl = find(res, FindingKind.DEADLINE, "P-FAC", "M4")
    assert dl is not None and dl.days == 25


@pytest.mark.parametrize(("red_days", "light"), [(10, Light.YELLOW), (7, Light.YELLOW), (6, Light.RED)])
def test_factor_baseline_start_passed_graded(red_days: int, light: Light) -> None:
    res = run([FAC], FAC_BASE, th=replace(TH, approval_red_days=red_days))
    f = find(res, FindingKind.FACTOR, "P-FAC", factor="F5")
    assert f is not None
    # M5 forecast 12-28 (beyond the look-ahead) but its baseline start 11-16 has passed:
    # needed since 11-16 -> 7 days overdue: yellow up to approval_red_days, red beyond
    assert (f.light, f.days) == (light, 7)
    assert f.details["needed"] == "2026-11-16"
    assert f.details["reasons"] == ["baseline-start-passed"]
    assert "已逾期7天" in text(f)


def test_factor_red_started_without_approval() -> None:
    res = run([FAC], FAC_BASE)
    f = find(res, FindingKind.FACTOR, "P-FAC", factor="F7")
    assert f is not None
    # M6 started 11-20 while its land approval is still pending: start passed, 3 days; no factor
    # unit: the milestone's / project's unit answers
    assert (f.light, f.days, f.unit) == (Light.RED, 3, "县发改局")
    assert "start-passed" in f.details["reasons"]  # type: ignore[operator]


def test_factor_lookahead_threshold_from_config() -> None:
    # with a 2-week look-ahead (12-07), M1's start 12-07 is still inside, M3's 12-14 no longer
    res = run([FAC], FAC_BASE, th=CheckThresholds(lookahead_weeks=2))
    assert find(res, FindingKind.FACTOR, "P-FAC", factor="F1") is not None
    assert find(res, FindingKind.FACTOR, "P-FAC", factor="F3") is None


def test_factor_blocker_and_kind_in_finding() -> None:
    res = run([DL], DL_BASE)
    f = find(res, FindingKind.FACTOR, "P-DL", factor="F1")
    assert f is not None
    # 开工 needed since its baseline 10-20 (34 days); expected 12-18 is after late start 10-31
    assert (f.light, f.days, f.factor_kind, f.unit) == (Light.RED, 34, "用地", "县自然资源局")
    assert set(f.details["reasons"]) == {"baseline-start-passed", "expected-after-late-start"}  # type: ignore[arg-type]
    assert "堵点：占用永久基本农田" in text(f)


# -- 序时进度: investment ------------------------------------------------------------------------

PLAN = {f"2026-{k:02d}": 1000.0 for k in range(1, 11)} | {"2026-11": 3000.0, "2026-12": 2000.0}  # 15000


def inv(per_month: float, november: float) -> InvestmentPlan:
    done = {f"2026-{k:02d}": per_month for k in range(1, 11)} | {"2026-11": november}
    return InvestmentPlan(100000, 2026, 15000, PLAN, done)


def test_xun_bounds() -> None:
    assert xun_bounds(2026, 2) == [(d("2026-02-01"), d("2026-02-10")), (d("2026-02-11"), d("2026-02-20")),
                                   (d("2026-02-21"), d("2026-02-28"))]


def test_investment_progress_levels_by_hand() -> None:
    ip = investment_progress(inv(800, 1200), D)
    assert ip is not None
    # November (30 days, plan 3000): 旬 of 10 days = 1000 each; before 11-23: 上旬 1000, 中旬 1000,
    # 下旬 (21..30) 2 of its 10 days = 200 -> month to date 2200 (= 3000 * 22 / 30)
    assert ip.month.plan_to_date == pytest.approx(2200)
    assert ip.xun.level == "lower" and ip.xun.plan == pytest.approx(1000)
    assert ip.xun.plan_to_date == pytest.approx(200)
    assert ip.xun_target == pytest.approx(3000)  # 以旬保月: by the end of 下旬, the whole month
    # quarter (Oct..Dec): Oct 1000 + 2200 = 3200 planned; Oct 800 + Nov 1200 = 2000 done
    assert (ip.quarter.plan_to_date, ip.quarter.completed) == (pytest.approx(3200), pytest.approx(2000))
    # year: 10 * 1000 + 2200 = 12200 planned; 10 * 800 + 1200 = 9200 done; gap 3000 = 20 points
    assert (ip.plan_to_date, ip.completed) == (pytest.approx(12200), pytest.approx(9200))
    assert ip.gap_points == pytest.approx(20.0)
    js = ip.to_json()
    assert js["levels"]["quarter"]["gap"] == 1200.0 and js["levels"]["month"]["gap"] == 1000.0


def test_investment_progress_31_day_month_middle_xun() -> None:
    plan = InvestmentPlan(10000, 2026, 3100, {"2026-12": 3100}, {})
    # December: 旬 of 10, 10 and 11 days -> 1000, 1000, 1100. At 12-25: 上旬 + 中旬 + 4/11 of 下旬
    # = 1000 + 1000 + 400 = 2400 (= 3100 * 24 / 31)
    ip = investment_progress(plan, d("2026-12-25"))
    assert ip is not None and ip.month.plan_to_date == pytest.approx(2400)
    assert ip.xun.plan == pytest.approx(1100) and ip.xun.plan_to_date == pytest.approx(400)
    # at 12-15 (中旬, 4 of 10 days): 1000 + 400; the 旬 target is 上旬 + 中旬 = 2000
    ip = investment_progress(plan, d("2026-12-15"))
    assert ip is not None and ip.xun.level == "middle"
    assert ip.month.plan_to_date == pytest.approx(1400) and ip.xun_target == pytest.approx(2000)
    # a plan of another year is not checked
    assert investment_progress(plan, d("2027-01-04")) is None


def test_progress_light_thresholds() -> None:
    assert progress_light(9.99, TH) is Light.GREEN
    assert progress_light(10, TH) is Light.YELLOW
    assert progress_light(30, TH) is Light.YELLOW
    assert progress_light(30.01, TH) is Light.RED


def test_investment_findings_green_yellow_red() -> None:
    ps = [project("P-IG", [ms("M1", 5)], investment=inv(1000, 1000)),
          project("P-IY", [ms("M1", 5)], investment=inv(800, 1200)),
          project("P-IR", [ms("M1", 5)], investment=inv(500, 1000))]
    res = run(ps, {})
    # plan to date 12200 each (see above). Green: done 10000 + 1000 = 11000, gap 1200 = 8 points
    assert find(res, FindingKind.INVESTMENT, "P-IG") is None
    # yellow: done 9200, gap 3000 = 20 points of 15000
    y = find(res, FindingKind.INVESTMENT, "P-IY")
    assert y is not None and y.light is Light.YELLOW and y.details["gap_points"] == 20.0
    assert "落后年度计划 20.0 个百分点" in text(y)
    # red: done 5000 + 1000 = 6000, gap 6200 = 41.33 points
    r = find(res, FindingKind.INVESTMENT, "P-IR")
    assert r is not None and r.light is Light.RED and r.details["gap_points"] == pytest.approx(41.33)
    assert r.unit == "县发改局"
    # portfolio: projects by light, 序时 totals
    s = res.summary
    assert s.project_lights == {"green": 1, "yellow": 1, "red": 1}
    assert s.investment_plan_to_date == pytest.approx(3 * 12200)
    assert s.investment_completed == pytest.approx(11000 + 9200 + 6000)
    assert res.project_lights == {"P-IG": Light.GREEN, "P-IY": Light.YELLOW, "P-IR": Light.RED}


# -- 序时进度: physical progress ------------------------------------------------------------------


def test_planned_percent_by_hand() -> None:
    plan = project("P-PLAN", [ms("A", 20), ms("B", 10), ms("C", 10), ms("E1", 0), ms("E2", 0)])
    base = {("P-PLAN", "A"): ("2026-11-13", "2026-12-02"), ("P-PLAN", "B"): ("2026-12-01", "2026-12-10"),
            ("P-PLAN", "C"): ("2026-11-01", "2026-11-10"), ("P-PLAN", "E1"): ("2026-11-22", "2026-11-22"),
            ("P-PLAN", "E2"): ("2026-11-23", "2026-11-23")}
    planned = {m: a for m, (a, _) in run([plan], base).physical["P-PLAN"].per_milestone.items()}
    # baseline 11-13..12-02 = 20 days; before 11-23: 13..22 = 10 days -> 50 %; not begun 0, over 100
    assert planned["A"] == pytest.approx(50) and planned["B"] == 0 and planned["C"] == 100
    # an event: 100 % once its date lies before D, 0 on D itself
    assert planned["E1"] == 100 and planned["E2"] == 0


def phys(percent: float | None, weight2: float | None = None) -> Project:
    return project("P-PHY", [
        ms("M1", 10, actual_start=d("2026-11-01"), actual_finish=d("2026-11-10")),
        ms("M2", 20, "M1", actual_start=d("2026-11-13"), percent=percent, weight=weight2),
    ])


PHY_BASE = {("P-PHY", "M1"): ("2026-11-01", "2026-11-10"), ("P-PHY", "M2"): ("2026-11-13", "2026-12-02")}


def test_physical_yellow() -> None:
    res = run([phys(20)], PHY_BASE)
    f = find(res, FindingKind.PHYSICAL, "P-PHY")
    # planned: M1 100 % (weight 10), M2 50 % (weight 20): (1000 + 1000) / 30 = 66.67 %
    # reported: M1 100 %, M2 20 %: (1000 + 400) / 30 = 46.67 % -> 20 points behind: yellow
    assert f is not None and f.light is Light.YELLOW
    assert f.details["planned"] == pytest.approx(66.67) and f.details["actual"] == pytest.approx(46.67)
    assert f.details["gap_points"] == pytest.approx(20.0)


def test_physical_red_and_green() -> None:
    # M2 started but 0 %: (1000 + 0) / 30 = 33.33 % vs 66.67 % -> 33.33 points: red
    f = find(run([phys(None)], PHY_BASE), FindingKind.PHYSICAL, "P-PHY")
    assert f is not None and f.light is Light.RED and f.details["gap_points"] == pytest.approx(33.33)
    # M2 at 50 %: on plan -> green
    assert find(run([phys(50)], PHY_BASE), FindingKind.PHYSICAL, "P-PHY") is None


def test_physical_weights() -> None:
    # weight 40 on M2 (instead of its duration 20): planned (1000 + 40*50) / 50 = 60 %,
    # reported (1000 + 40*20) / 50 = 36 % -> 24 points: yellow
    f = find(run([phys(20, 40)], PHY_BASE), FindingKind.PHYSICAL, "P-PHY")
    assert f is not None and f.details["planned"] == pytest.approx(60) and f.details["actual"] == pytest.approx(36)


# -- history (escalation, 提请县政府专题研究, is the problem list's) ---------------------------------


def test_history_first_seen_weeks_red_and_no_escalation() -> None:
    history = {
        "finish-overdue/P-SCHED/M1": ("2026-W46", 2),   # red in W46 and W47 -> 3rd week now
        "start-overdue/P-SCHED/M3": ("2026-W47", 0),    # yellow last week, red now -> 1st red week
        "slip/P-SCHED/M2": ("2026-W47", 0),
        "finish-overdue/P-SCHED/M99": ("2026-W45", 3),  # gone this week: resolved
        "escalation/P-SCHED": ("2026-W47", 1),
    }
    res = run([SCHED], SCHED_BASE, history)
    m1 = find(res, FindingKind.FINISH_OVERDUE, "P-SCHED", "M1")
    m3 = find(res, FindingKind.START_OVERDUE, "P-SCHED", "M3")
    m2 = find(res, FindingKind.SLIP, "P-SCHED", "M2")
    m6 = find(res, FindingKind.FINISH_OVERDUE, "P-SCHED", "M6")
    assert m1 is not None and m3 is not None and m2 is not None and m6 is not None
    assert (m1.first_seen, m1.weeks_red) == ("2026-W46", 3)
    assert (m3.first_seen, m3.weeks_red) == ("2026-W47", 1)
    assert (m2.first_seen, m2.weeks_red) == ("2026-W47", 0)   # yellow: no red weeks
    assert (m6.first_seen, m6.weeks_red) == ("2026-W48", 0)   # new this week, yellow (3 days late)
    # M1 has been red 3 runs running, but the check escalates nothing: what goes up to the county is
    # decided on the problem list (tests/test_problems.py); the previous run's ESCALATION (a run
    # stored before that) is neither persisting nor resolved
    assert find(res, FindingKind.ESCALATION, "P-SCHED") is None
    s = res.summary
    assert s.resolved == ("finish-overdue/P-SCHED/M99",)
    assert set(s.persisting) == {"finish-overdue/P-SCHED/M1", "start-overdue/P-SCHED/M3", "slip/P-SCHED/M2"}
    assert "finish-overdue/P-SCHED/M6" in s.new and "finish-overdue/P-SCHED/M1" not in s.new
    assert s.escalated == ()


def test_no_escalation_without_history() -> None:
    res = run([SCHED], SCHED_BASE)
    # first run: every red finding is in its first red week; nothing escalated, everything new
    assert find(res, FindingKind.ESCALATION, "P-SCHED") is None
    assert all(f.weeks_red == (1 if f.light is Light.RED else 0) for f in res.findings)
    assert set(res.summary.new) == {f.key for f in res.findings} and not res.summary.resolved


def test_project_light_worst_and_green_when_none() -> None:
    quiet = project("P-OK", [ms("M1", 10)])
    res = run([SCHED, quiet], SCHED_BASE | {("P-OK", "M1"): ("2026-11-23", "2026-12-02")})
    assert res.project_lights == {"P-SCHED": Light.RED, "P-OK": Light.GREEN}
    assert [f for f in res.findings if f.project == "P-OK"] == []
    # findings come grouped by project in portfolio order
    assert [f.project for f in res.findings] == sorted((f.project for f in res.findings),
                                                       key=["P-SCHED", "P-OK"].index)
    js = res.summary.to_json()
    assert js["project_lights"] == {"green": 1, "yellow": 0, "red": 1}
    assert js["week"] == "2026-W48"


def test_check_needs_a_data_date() -> None:
    result = schedule_projects([SCHED], {"construction": CAL})
    zeros = np.zeros(result.frame.n, dtype=np.int64)
    with pytest.raises(ValueError, match="data date"):
        check_portfolio(result, zeros, zeros, TH)
