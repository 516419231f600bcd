"""A small hand-made week for the output tests (printout, charts, sheets): three projects on the
repository's calendars, scheduled as a plan (the baseline) and at D = 2026-11-23, with hand-written
findings. Independent of projects/ and of the weekly check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np

from scheduler.core.calendars import Calendar
from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.core.model import FactorRequirement, FactorStatus, InvestmentPlan, Link, LinkType, Milestone, Project
from scheduler.core.problems import Escalation, Problem, ProblemKind, Symptom
from scheduler.core.schedule import schedule_projects
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.outputs.view import WeeklyView, build_weekly_view

D = dt.date(2026, 11, 23)
WEEK = "2026-W48"


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def calendars() -> dict[str, Calendar]:
    cs = CalendarSet(REPO_ROOT / "calendar")
    return {"construction": cs["construction"], "office": cs["office"]}


def _months(year: int, values: list[float]) -> dict[str, float]:
    return {f"{year}-{i + 1:02d}": v for i, v in enumerate(values)}


RAIL = Project(
    "YGG-RAIL", "虞公港铁路专用线", "县发改局", d("2026-01-05"), "construction",
    (
        Milestone("M01", "工程可行性研究报告编制及批复", 40, actual_start=d("2026-01-05"),
                  actual_finish=d("2026-02-25")),
        Milestone("M02", "接轨方案审查及接轨协议签订（广铁集团）", 30, after=(Link("M01"),),
                  actual_start=d("2026-02-26"), actual_finish=d("2026-04-10")),
        Milestone("M03", "一期征地拆迁及交地", 60, after=(Link("M02"),), unit="县自然资源局",
                  actual_start=d("2026-04-11"), percent=70),
        Milestone("M04", "路基工程施工", 90, after=(Link("M03"),), unit="虞公港铁路公司"),
        Milestone("M05", "桥涵工程（许广高速特大桥）", 120, after=(Link("M03"),), finish_by=d("2027-03-31")),
        Milestone("M06", "铺轨及站后工程", 45, after=(Link("M04"), Link("M05"))),
        Milestone("M07", "铁路专用线开通运营", 0, after=(Link("M06"),), finish_by=d("2027-06-30")),
    ),
    factors=(
        FactorRequirement("F1", "用地", "M04", FactorStatus.IN_PROGRESS, unit="县自然资源局",
                          expected=d("2026-12-15"), blocker="林地指标不足，需省厅调剂",
                          name="铁路专用线二期用地预审与选址意见书"),
        FactorRequirement("F2", "环评", "M05", FactorStatus.NOT_STARTED, unit="市生态环境局湘阴分局",
                          name="特大桥段环境影响报告书批复"),
        FactorRequirement("F3", "用林", "M03", FactorStatus.APPROVED, unit="县林业局", approved=d("2026-04-01")),
    ),
    units=("虞公港铁路公司", "虞公港建投"), leader="县政府分管副县长（临港开发）", category="港口物流",
    target="年内铁路专用线整体进度达80%",
    investment=InvestmentPlan(168000, 2026, 62000, _months(2026, [3100, 1860, 4960, 4960, 5580, 5580, 5580,
                                                                   5580, 6200, 6200, 6200, 6200]),
                              _months(2026, [3257, 1804, 4907, 4665, 5072, 4648, 4553, 4241, 4330, 4470,
                                             3120])),
)

LINE = Project(
    "WBF-110KV", "文笔峰110千伏输变电工程", "县交通运输局", d("2026-03-02"), "construction",
    (
        Milestone("M1", "核准及初步设计批复", 30, actual_start=d("2026-03-02"), actual_finish=d("2026-04-05")),
        Milestone("M2", "变电站土建施工", 120, after=(Link("M1"),), actual_start=d("2026-04-06"), percent=85),
        Milestone("M3", "线路铁塔组立及架线", 100, after=(Link("M1", lag=20),), unit="国网花垣县供电公司"),
        Milestone("M4", "电气安装调试", 40, after=(Link("M2"), Link("M3"))),
        Milestone("M5", "投运", 0, after=(Link("M4"),), finish_by=d("2027-02-28")),
    ),
    factors=(FactorRequirement("F1", "用林", "M3", FactorStatus.IN_PROGRESS, unit="县林业局",
                               expected=d("2026-12-05"), blocker="塔基占用公益林，需调整路径"),),
    leader="常务副县长鲁民明",
    investment=InvestmentPlan(12000, 2026, 8000, _months(2026, [0, 0, 500, 600, 700, 800, 900, 900, 900, 900,
                                                                 900, 900]),
                              _months(2026, [0, 0, 400, 500, 500, 500, 600, 500, 500, 500, 300])),
)

HOSPITAL = Project(
    "HY-HOSPITAL", "县人民医院医技综合楼", "县卫生健康局", d("2026-02-02"), "office",
    (
        Milestone("A", "施工图设计及审查", 30, actual_start=d("2026-02-02"), actual_finish=d("2026-03-20")),
        Milestone("B", "主体结构施工", 150, after=(Link("A"),), actual_start=d("2026-03-23"), percent=80),
        Milestone("C", "装饰装修及机电安装", 80, after=(Link("B", LinkType.SS, 100),)),
        Milestone("D", "竣工验收", 0, after=(Link("C"),)),
    ),
    leader="副县长梁春波",
)

PROJECTS = (RAIL, LINE, HOSPITAL)

FINDINGS = (  # data, as the check stores them; their sentences are written by the outputs
    Finding("YGG-RAIL", FindingKind.FINISH_OVERDUE, Light.RED, "县自然资源局", milestone="M03", days=137,
            first_seen="2026-W46", weeks_red=3, details={"baseline_finish": "2026-07-09"}),
    Finding("YGG-RAIL", FindingKind.FACTOR, Light.RED, "县自然资源局", milestone="M04", factor="F1", factor_kind="用地",
            days=136, first_seen="2026-W45", weeks_red=4,
            details={"status": "办理中", "needed": "2026-07-10", "expected": "2026-12-15",
                     "blocker": "林地指标不足，需省厅调剂"}),
    Finding("YGG-RAIL", FindingKind.INVESTMENT, Light.YELLOW, "县发改局", first_seen="2026-W48",
            details={"completed": 45067, "plan_to_date": 54147, "gap": 9080, "gap_points": 14.6}),
    Finding("WBF-110KV", FindingKind.SLIP, Light.YELLOW, "国网花垣县供电公司", milestone="M3", days=8,
            first_seen="2026-W48", details={"baseline_finish": "2027-01-12", "forecast_finish": "2027-01-20"}),
    Finding("WBF-110KV", FindingKind.DEADLINE, Light.RED, "县交通运输局", milestone="M5", days=5,
            first_seen="2026-W48", weeks_red=1,
            details={"finish_by": "2027-02-28", "forecast_start": "2027-03-01", "forecast_finish": "2027-03-05"}),
)

LIGHTS: Mapping[str, Light] = {"YGG-RAIL": Light.RED, "WBF-110KV": Light.RED, "HY-HOSPITAL": Light.GREEN}

SUMMARY: Mapping[str, object] = {
    "investment": {"annual_plan": 70000.0, "plan_to_date": 61500.0, "completed": 53900.0},
    "new": ["investment/YGG-RAIL", "slip/WBF-110KV/M3", "deadline/WBF-110KV/M5"],
    "resolved": ["start-overdue/HY-HOSPITAL/C"],
    "persisting": ["finish-overdue/YGG-RAIL/M03", "factor/YGG-RAIL/M04/F1"],
}

# the problem list over those findings, as core/problems.carry_over leaves it (escalate_after_weeks
# = 2): the 用地 approval F1, red 4 weeks running, goes up to the county (提请县政府专题研究); M03's
# problem, red 3 weeks, would too, but the meeting's decision is recorded on it; the others are red
# for 1 week or yellow.
PROBLEMS = (
    Problem("YGG-RAIL/factor/F1", "YGG-RAIL", ProblemKind.FACTOR, Light.RED, unit="县自然资源局", milestone="M04",
            factor="F1", factor_kind="用地", days=136, own_light=Light.RED, weeks_red=4, escalate=True,
            first_seen="2026-W45", description="林地指标不足，需省厅调剂",
            symptoms=(Symptom(FindingKind.FACTOR, Light.RED, "M04", "F1", 136, "factor/YGG-RAIL/M04/F1"),),
            escalation=Escalation("二期用地预审连续4周红灯，林地指标不足", "请县政府协调省林业局调剂林地指标",
                                  "县政府分管副县长带队赴省厅对接")),
    Problem("YGG-RAIL/milestone/M03", "YGG-RAIL", ProblemKind.MILESTONE, Light.RED, unit="县自然资源局",
            milestone="M03", days=137, own_light=Light.RED, weeks_red=3, first_seen="2026-W46",
            symptoms=(Symptom(FindingKind.FINISH_OVERDUE, Light.RED, "M03", None, 137,
                              "finish-overdue/YGG-RAIL/M03"),),
            escalation=Escalation("征地拆迁滞后", "协调交地", "县级督办", decision="由分管副县长牵头，12月底前交地")),
    Problem("YGG-RAIL/investment", "YGG-RAIL", ProblemKind.INVESTMENT, Light.YELLOW, unit="县发改局",
            points=14.6, own_light=Light.YELLOW, first_seen="2026-W48",
            symptoms=(Symptom(FindingKind.INVESTMENT, Light.YELLOW, key="investment/YGG-RAIL"),)),
    Problem("WBF-110KV/milestone/M5", "WBF-110KV", ProblemKind.DEADLINE, Light.RED, unit="县交通运输局",
            milestone="M5", own_light=Light.RED, weeks_red=1, first_seen="2026-W48",
            symptoms=(Symptom(FindingKind.SLIP, Light.YELLOW, "M3", None, 8, "slip/WBF-110KV/M3"),
                      Symptom(FindingKind.DEADLINE, Light.RED, "M5", None, 5, "deadline/WBF-110KV/M5"))),
)


def build(lang: str = "zh", projects: tuple[Project, ...] = PROJECTS,
          findings: tuple[Finding, ...] = FINDINGS, problems: tuple[Problem, ...] = ()) -> WeeklyView:
    """The WeeklyView of the sample week: baseline = the plan, forecast at D; with `problems`
    (e.g. PROBLEMS) its problem list and what goes up to the county."""
    cals = calendars()
    plan = schedule_projects(projects, cals)
    result = schedule_projects(projects, cals, D)
    return build_weekly_view(projects, result, np.asarray(plan.early_start), np.asarray(plan.early_finish),
                             findings, LIGHTS, SUMMARY, WEEK, D, lang,
                             generated_at=dt.datetime(2026, 11, 23, 8, 30), problems=problems)


def big_project(n: int = 60) -> Project:
    """A project of `n` milestones in a chain with long names, an event every tenth, some deadlines:
    the size limit the charts and the printout must stay readable at."""
    ms = []
    for i in range(1, n + 1):
        event = i % 10 == 0
        name = f"第{i}节点完成" if event else f"第{i}标段路基土石方及防护排水工程施工（K{i}+000～K{i}+900）"
        ms.append(Milestone(f"S{i:02d}", name, 0 if event else 5, after=(Link(f"S{i - 1:02d}"),) if i > 1 else (),
                            finish_by=d("2027-01-31") if i == n else None,
                            actual_start=d("2026-09-01") if i == 1 else None,
                            actual_finish=d("2026-09-05") if i == 1 else None))
    return Project("BIG", "大型示范项目（六十个节点）", "县住建局", d("2026-09-01"), "construction", tuple(ms),
                   leader="副县长马继国")
