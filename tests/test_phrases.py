"""The sentences outputs write from findings and problems (scheduler/core/phrases.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.core.phrases import finding_text, problem_what
from scheduler.core.problems import DeadlineCost, Problem, ProblemKind, Symptom

D = dt.date(2026, 11, 23)  # the data date of 2026-W48


def test_an_unknown_expected_approval_reads_with_a_colon_not_a_stray_space() -> None:
    f = Finding(project="P", kind=FindingKind.FACTOR, light=Light.RED, unit="县自然资源局", milestone="M1",
                factor="F1", factor_kind="用地", days=3,
                details={"name": "用地预审", "status": "办理中", "needed": "2026-11-20"})
    assert finding_text(f).endswith("预计批复：未明确")
    assert "预计批复 " not in finding_text(f)
    p = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.RED, milestone="M1",
                factor="F1", factor_kind="用地", days=3)
    assert problem_what(p).endswith("预计批复：未明确")
    soon = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.RED, factor="F1", days=-2,
                   expected=dt.date(2026, 12, 5))
    assert problem_what(soon).endswith("预计批复：2026年12月5日")


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


def _late(daily: bool, kind: FindingKind = FindingKind.FINISH_OVERDUE, **details: object) -> Finding:
    """The finding a problem's sentence is written from; `daily`: its calendar works every day."""
    return Finding(project="P", kind=kind, light=Light.RED, unit="洋沙湖集团", milestone="M6", days=144,
                   details={"works_daily": daily, **details})


def test_a_problem_says_days_as_its_calendar_counts_them() -> None:
    from scheduler.core.alerts import Names
    from scheduler.core.phrases import problem_drags
    from scheduler.core.problems import DeadlineCost

    names = Names(milestones={("P", "M6"): "征地拆迁", ("P", "M7"): "开工"})
    # the construction calendar works every day: 11-23 is 144 days after the baseline finish 07-02
    # (29 + 31 + 30 + 31 + 23), said in 天; on the office calendar the same number is working days
    for daily, zh, en in ((True, "144天", "144 days"), (False, "144个工作日", "144 working days")):
        m = Problem(id="P/milestone/M6", project="P", kind=ProblemKind.MILESTONE, light=Light.RED, milestone="M6",
                    days=144, finding=_late(daily))
        assert m.works_daily is daily
        assert problem_what(m, names) == f"征地拆迁（M6）滞后{zh}"
        assert problem_what(m, names, "en") == f"征地拆迁 (M6) {en} late"
    # an approval needed 07-12 (134 days before 11-23); lifting its hold lets 开工 wait for the next
    # approval expected 12-11 instead of 12-18: 7 days of the 10月底前开工 deadline
    cost = (DeadlineCost("M7", dt.date(2026, 10, 31), True, 7, -49),)
    for daily, overdue, to_go, drag in ((True, "已逾期134天", "尚余14天", "7天"),
                                         (False, "已逾期134个工作日", "尚余14个工作日", "7个工作日")):
        f = _late(daily, FindingKind.FACTOR)
        land = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.RED, milestone="M7",
                       factor="F1", factor_kind="用地", days=134, deadlines=cost, finding=f)
        assert f"开工（M7）所需，{overdue}；" in problem_what(land, names)
        assert problem_drags(land, names) == f"影响时限：开工（M7，2026年10月底前开始）{drag}"  # no data date: the year
        assert problem_drags(land, names, ref=D) == f"影响时限：开工（M7，10月底前开始）{drag}"
        soon = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.YELLOW,
                       milestone="M7", factor="F1", factor_kind="用地", days=-14, finding=f)
        assert f"开工（M7）所需，{to_go}；" in problem_what(soon, names)
    land = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.RED, milestone="M7",
                   factor="F1", factor_kind="用地", days=134, deadlines=cost, finding=_late(True, FindingKind.FACTOR))
    assert "needed it 134 days ago" in problem_what(land, names, "en")
    assert problem_drags(land, names, "en") == "costs deadlines: 开工 (M7, start by 2026-10-31) by 7 days"
    # English joins its parts with "; ", Chinese with "；"
    two = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.RED, milestone="M7",
                  factor="F1", days=134, deadlines=cost, finding=_late(False, FindingKind.FACTOR),
                  symptoms=(Symptom(FindingKind.SLIP, Light.RED, "M8", None, 3, "slip/P/M8"),))
    assert problem_drags(two, names, ref=D) == "带动 1 个节点滞后；影响时限：开工（M7，10月底前开始）7个工作日"
    assert problem_drags(two, names, "en") == ("drags 1 milestones; costs deadlines: 开工 (M7, start by 2026-10-31) "
                                               "by 7 working days")
    # a problem the check no longer finds (已办结) has no finding and no size this week: no days at all
    done = Problem(id="P/milestone/M6", project="P", kind=ProblemKind.MILESTONE, light=Light.GREEN, milestone="M6")
    assert not done.works_daily and problem_what(done, names) == "征地拆迁（M6）"
    done_f = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.GREEN, milestone="M7",
                     factor="F1", factor_kind="用地")
    assert problem_what(done_f, names) == "用地：用地（F1）未批复，开工（M7）所需；预计批复：未明确"
    assert problem_what(done_f, names, "en") == "用地: 用地 (F1) not approved; 开工 (M7); expected not given"


def test_a_deadline_problem_whose_date_has_happened_says_the_fact() -> None:
    from scheduler.core.alerts import Names

    names = Names(milestones={("P", "M1"): "开工"})
    # 10月底前开工, started 11-08: 8 days late on the construction calendar (11-01 .. 11-08)
    fact = Finding(project="P", kind=FindingKind.DEADLINE, light=Light.YELLOW, unit="洋沙湖集团", milestone="M1",
                   days=8, details={"data_date": "2026-11-23", "start_by": "2026-10-31", "finish_by": "",
                                    "judged": "start", "actual": "2026-11-08", "event": True, "works_daily": True,
                                    "start_by_counts": False})
    p = Problem(id="P/milestone/M1", project="P", kind=ProblemKind.DEADLINE, light=Light.YELLOW, milestone="M1",
                finding=fact, symptoms=(Symptom(FindingKind.DEADLINE, Light.YELLOW, "M1", None, 8,
                                                "deadline/P/M1"),))
    assert p.missed_deadline is fact
    # the brief's one phrase (finding_text), not a risk
    assert problem_what(p, names) == finding_text(fact, names) == "原定10月底前开工（M1），已于11月8日开工，超期8天"
    assert problem_what(p, names, "en") == "开工 (M1) was due by 2026-10-31 and happened on 2026-11-08: 8 days late"
    # a deadline still ahead (no actual date yet) is a risk
    risk = replace(p, finding=replace(fact, details={"data_date": "2026-11-23", "start_by": "2026-10-31",
                                                      "works_daily": True}))
    assert risk.missed_deadline is None and problem_what(risk, names) == "开工（M1）时限节点有延误风险"


def test_the_report_sheets_problem_label_says_days_as_the_calendar_counts_them() -> None:
    from scheduler.core.model import Milestone, Project
    from scheduler.io.reports import problem_label

    prj = Project("P", "沿江大道", "洋沙湖集团", dt.date(2026, 2, 1), "construction",
                  (Milestone("M6", "征地拆迁", 130),))
    for daily, days in ((True, "144天"), (False, "144个工作日")):
        p = Problem(id="P/milestone/M6", project="P", kind=ProblemKind.MILESTONE, light=Light.RED, milestone="M6",
                    days=144, finding=_late(daily))
        assert problem_label(p, [prj]) == f"【节点滞后】M6 征地拆迁，滞后{days}"


def test_a_problems_line_says_no_name_but_those_line_names_lists() -> None:
    """A digest reads only the names line_names lists (store.alerts.names_of): every line and
    escalation part of the sample's W48 problems (and of a missed deadline's) reads the same with
    just those names as with every name of the portfolio, and a symptom's milestone is not read."""
    import portfolio_week as pw

    from scheduler.core.alerts import Names
    from scheduler.core.phrases import escalation_parts, line_names, mentioned, names_of_projects, problem_line

    ps = pw.projects()
    found = pw.found()["2026-W48"]
    fact = Finding(project=ps[0].id, kind=FindingKind.DEADLINE, light=Light.YELLOW, unit="洋沙湖集团",
                   milestone=ps[0].milestones[1].id, days=8,
                   details={"data_date": "2026-11-23", "start_by": "2026-10-31", "judged": "start",
                            "actual": "2026-11-08", "works_daily": True})
    missed = Problem(id=f"{ps[0].id}/deadline/X", project=ps[0].id, kind=ProblemKind.DEADLINE, light=Light.YELLOW,
                     milestone=ps[0].milestones[0].id, finding=fact)
    problems = [*found, missed]
    full = names_of_projects(ps)
    projects, milestones, factors = line_names(problems)
    only = Names({k: v for k, v in full.projects.items() if k in projects},
                 {k: v for k, v in full.milestones.items() if k in milestones},
                 {k: v for k, v in full.factors.items() if k in factors})
    assert len(found) > 10 and any(p.factor for p in found) and any(p.deadlines for p in found)
    for lang in ("zh", "en"):
        assert [problem_line(p, only, lang) for p in problems] == [problem_line(p, full, lang) for p in problems]
        assert [escalation_parts(p, only, lang) for p in problems] == [escalation_parts(p, full, lang)
                                                                        for p in problems]
    assert ps[0].milestones[1].name in problem_line(missed, only)
    told = {(x.project, x.milestone) for x in mentioned(found) if x.milestone}
    assert line_names(found)[1] < told  # symptoms' milestones are counted in a line, not named


def _finding(kind: FindingKind, **details: object) -> Finding:
    return Finding(project="P", kind=kind, light=Light.RED, unit="县自然资源局", milestone="M1",
                   factor="F1" if kind is FindingKind.FACTOR else None, factor_kind="用地", days=3,
                   details={"works_daily": True, **details})


FACTOR_DETAILS = {"name": "用地预审", "status": "办理中", "needed": "2026-11-20", "expected": "2027-01-05"}


@pytest.mark.parametrize(("kind", "details", "zh", "en"), [
    (FindingKind.FINISH_OVERDUE, {"baseline_finish": "2026-11-10"},
     "M1（M1）基线计划11月10日完成，至今未完成，已滞后3天", "was due to finish 2026-11-10"),
    (FindingKind.START_OVERDUE, {"baseline_start": "2025-12-30"},
     "M1（M1）基线计划2025年12月30日开始，至今未开始，已滞后3天", "was due to start 2025-12-30"),
    (FindingKind.SLIP, {"baseline_finish": "2026-12-01", "forecast_finish": "2027-01-05"},
     "M1（M1）预计2027年1月5日完成，较基线12月1日推迟3天",
     "forecast to finish 2027-01-05, 3 days after baseline 2026-12-01"),
    (FindingKind.FACTOR, FACTOR_DETAILS,
     "用地：用地预审（F1）办理中，M1（M1）需于11月20日具备条件（已逾期3天），预计批复：2027年1月5日",
     "needs it on 2026-11-20 (3 days overdue), expected approval 2027-01-05"),
    (FindingKind.STATISTICS, {"commenced": "2026-06-01", "months_since_commenced": 5, "status": ""},
     "6月1日开工已满 5 个月", "commenced 2026-06-01, 5 months ago"),
])
def test_dates_in_finding_sentences_read_as_the_brief_writes_them(kind: FindingKind, details: dict[str, object],
                                                                   zh: str, en: str) -> None:
    """12月22日 in the data date's year, 2027年1月5日 across years, no ISO date in Chinese; English keeps ISO."""
    f = _finding(kind, **details)
    assert zh in finding_text(f, ref=D)
    assert "-" not in finding_text(f, ref=D).replace("—", "")
    assert en in finding_text(f, lang="en", ref=D)


def test_dates_in_problem_lines_read_as_the_brief_writes_them() -> None:
    """A problem's line (digest, annex, web): 预计批复：12月22日, 影响时限 …12月底前完成 as of the data
    date; with the year when it is another year's or no data date is given; English ISO."""
    from scheduler.core.phrases import problem_line

    p = Problem(id="P/factor/F1", project="P", kind=ProblemKind.FACTOR, light=Light.RED, milestone="M1",
                factor="F1", factor_kind="用地", days=3, expected=dt.date(2026, 12, 22),
                deadlines=(DeadlineCost("M2", dt.date(2026, 12, 15), False, 4, -2),))
    assert problem_line(p, ref=D) == ("用地：用地（F1）未批复，M1（M1）所需，已逾期3个工作日；预计批复：12月22日；"
                                      "影响时限：M2（M2，12月15日前完成）4个工作日")
    assert "预计批复：2026年12月22日；" in problem_line(p)
    assert "预计批复：2026年12月22日；" in problem_line(p, ref=dt.date(2027, 1, 4))
    assert problem_line(p, lang="en", ref=D).endswith("expected 2026-12-22; costs deadlines: M2 (M2, finish by "
                                                      "2026-12-15) by 4 working days")
