"""The sentences outputs write from findings and problems (scheduler/core/phrases.py)."""

from __future__ import annotations

import datetime as dt

from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.core.phrases import finding_text, problem_what
from scheduler.core.problems import Problem, ProblemKind


def test_an_unknown_expected_approval_reads_with_a_colon_not_a_stray_space() -> None:
    f = Finding(project="P", kind=FindingKind.FACTOR, light=Light.RED, unit="县自然资源局", milestone="M1",
                factor="F1", factor_kind="用地", days=3,
                details={"name": "用地预审", "status": "办理中", "needed": "2026-11-20"})
    assert finding_text(f).endswith("预计批复：未明确")
    assert "预计批复 " not in finding_text(f)
    p = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.RED, milestone="M1",
                factor="F1", factor_kind="用地", days=3)
    assert problem_what(p).endswith("预计批复：未明确")
    assert problem_what(Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.RED,
                                factor="F1", days=-2, expected=dt.date(2026, 12, 5))).endswith("预计批复：2026-12-05")


def test_a_deadline_reads_as_the_deadline_against_the_forecast_or_the_actual_date() -> None:
    from scheduler.core.alerts import Names

    names = Names(milestones={("P", "M4"): "路基施工", ("P", "M2"): "开工", ("P", "M9"): "竣工验收及移交使用"})

    def deadline(mid: str, days: int, **details: object) -> Finding:
        return Finding(project="P", kind=FindingKind.DEADLINE, light=Light.RED, unit="县交通运输局", milestone=mid,
                       days=days, details={"data_date": "2026-11-23", **details})

    # not started, both deadlines count: each with its forecast, dates without the data date's year
    both = deadline("M4", 12, start_by="2026-10-15", finish_by="2027-01-31", start_by_counts=True,
                    forecast_start="2026-11-02", forecast_finish="2027-02-12", works_daily=True)
    assert finding_text(both, names) == ("路基施工（M4）原定10月15日前开始、2027年1月底前完成，"
                                         "预计11月2日开始、2027年2月12日完成，超出12天")
    assert finding_text(both, names, "en") == ("路基施工 (M4) due to start by 2026-10-15, finish by 2027-01-31; "
                                               "forecast to start 2026-11-02, finish 2027-02-12: 12 days over")
    # an office calendar counts working days; an event with a long name reads with 完成, on one date
    long_event = deadline("M9", 3, finish_by="2027-06-30", forecast_finish="2027-07-05", event=True)
    assert finding_text(long_event, names) == ("竣工验收及移交使用（M9）原定2027年6月底前完成，"
                                               "预计2027年7月5日完成，超出3个工作日")
    # judged by the actual date once it has happened
    missed = deadline("M2", 8, start_by="2026-10-31", judged="start", actual="2026-11-08", event=True,
                      works_daily=True)
    assert finding_text(missed, names) == "原定10月底前开工（M2），已于11月8日开工，超期8天"
    # a run stored before the data date was kept: the years are written out
    old = deadline("M2", 49, start_by="2026-10-31", forecast_start="2026-12-19", forecast_finish="2026-12-19",
                   event=True)
    old.details.pop("data_date")
    assert finding_text(old, names) == "原定2026年10月底前开工（M2），预计2026年12月19日开工，超出49个工作日"


def test_days_are_said_as_the_milestones_calendar_counts_them() -> None:
    # the construction calendar works every day: 天; an office calendar: 个工作日 (stored stays a number)
    def overdue(daily: bool) -> Finding:
        return Finding(project="P", kind=FindingKind.FINISH_OVERDUE, light=Light.RED, unit="县交通运输局",
                       milestone="M1", days=13, details={"baseline_finish": "2026-11-10", "works_daily": daily})

    assert finding_text(overdue(True)).endswith("已滞后13天")
    assert finding_text(overdue(False)).endswith("已滞后13个工作日")
    assert finding_text(overdue(False), lang="en").endswith("13 working days late")
    assert finding_text(overdue(True), lang="en").endswith("13 days late")
    slip = Finding(project="P", kind=FindingKind.SLIP, light=Light.YELLOW, unit="县交通运输局", milestone="M1",
                   days=4, details={"baseline_finish": "2026-11-10", "forecast_finish": "2026-11-14",
                                    "works_daily": True})
    assert finding_text(slip).endswith("推迟4天")
    due = Finding(project="P", kind=FindingKind.FACTOR, light=Light.YELLOW, unit="县自然资源局", milestone="M1",
                  factor="F1", factor_kind="用地", days=-14,
                  details={"name": "用地预审", "status": "办理中", "needed": "2026-12-07", "works_daily": False})
    assert "尚余14个工作日" in finding_text(due)
