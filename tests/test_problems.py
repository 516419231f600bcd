"""core/problems.py: the problem list (问题清单) worked by hand — symptoms folded under their
cause through the CPM's driving links and factor holds, what an approval costs a deadline, grading
by size (one working day late is not red), exemptions, escalation, a project's light from its
problems. Construction calendar: every day of Nov-Dec 2026 is worked; data date D = 2026-11-23."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from scheduler.core.check import CheckResult, CheckThresholds, check_portfolio
from scheduler.core.findings import FindingKind, Light
from scheduler.core.model import FactorRequirement, FactorStatus, Link, Milestone, Project
from scheduler.core.problems import (
    DeadlineCost,
    Escalation,
    Exemption,
    Problem,
    ProblemKind,
    ProblemStatus,
    carry_over,
    driving,
    find_problems,
    project_lights,
    topmost,
    with_problem_lights,
)
from scheduler.core.schedule import ScheduleResult, schedule_projects
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT

D = dt.date(2026, 11, 23)
CAL = CalendarSet(REPO_ROOT / "calendar")["construction"]
NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def ms(mid: str, duration: int, *after: str, **kw: object) -> Milestone:
    return Milestone(mid, f"节点{mid}", duration, after=tuple(Link(a) for a in after), **kw)  # type: ignore[arg-type]


# M1 started 11-01 at 50 %: 5 days left from D, finishes 11-27 (baseline 11-10: 13 days overdue,
#    late on its own account: its progress).
# M2 after M1: 11-28..12-02 (baseline 11-11..11-15: finish 23 - 15 = 8 days overdue) -> under M1.
# M3 held by 用地 F1 (expected 12-05): 12-06..12-08 (baseline 11-20..11-22: finish 1 day overdue);
#    finish_by 12-01 -> total float -7 -> under F1. F1 is needed since 11-20 (3 days overdue) and
#    expected after M3's late start 11-29: red.
# M4 after M3: 12-09..12-10 (baseline 11-23..11-24: slip 16) -> under F1.
# M5 one working day late by itself: baseline 11-22..11-26, forecast 11-23..11-27.
# M6 held by 环评 F2 too (expected 12-01, before F1): a co-requisite of F1 on M3 -> at most yellow.
P = Project("P", "项目P", "县发改局", d("2026-11-01"), "construction", (
    ms("M1", 10, actual_start=d("2026-11-01"), percent=50),
    ms("M2", 5, "M1"),
    ms("M3", 3, finish_by=d("2026-12-01"), unit="洋沙湖集团"),
    ms("M4", 2, "M3"),
    ms("M5", 5),
), (
    FactorRequirement("F1", "用地", "M3", FactorStatus.IN_PROGRESS, "县自然资源局", d("2026-12-05"),
                      blocker="永久基本农田补划待省厅审查"),
    FactorRequirement("F2", "环评", "M3", FactorStatus.IN_PROGRESS, "市生态环境局", d("2026-12-01")),
))
BASE = {"M1": ("2026-11-01", "2026-11-10"), "M2": ("2026-11-11", "2026-11-15"), "M3": ("2026-11-20", "2026-11-22"),
        "M4": ("2026-11-23", "2026-11-24"), "M5": ("2026-11-22", "2026-11-26")}


def run(th: CheckThresholds | None = None) -> tuple[ScheduleResult, CheckResult]:
    res = schedule_projects([P], {"construction": CAL}, D)
    bs = np.array([d(BASE[m.id][0]).toordinal() for m in P.milestones], dtype=np.int64)
    bf = np.array([d(BASE[m.id][1]).toordinal() for m in P.milestones], dtype=np.int64)
    return res, check_portfolio(res, bs, bf, th or CheckThresholds(), {})


def by_id(problems: list[Problem]) -> dict[str, Problem]:
    return {p.id: p for p in problems}


def test_driving_links_and_holds() -> None:
    res, _ = run()
    dr = driving(res)
    # rows: M1 0, M2 1, M3 2, M4 3, M5 4
    assert dr.parent.tolist() == [-1, 0, -1, 2, -1]
    assert dr.hold.tolist() == [False, False, True, False, False]
    assert res.early_start[2] == d("2026-12-06").toordinal()
    # the topmost candidate up each chain: M2 -> M1, M4 -> M3
    top = topmost(dr.parent, np.array([True, True, True, True, False]))
    assert top.tolist() == [0, 0, 2, 2, -1]


def test_pointer_jumping_on_a_long_chain() -> None:
    n = 1000
    parent = np.arange(-1, n - 1, dtype=np.int64)  # 0 <- 1 <- 2 ... a chain 1000 deep
    cand = np.zeros(n, dtype=np.bool_)
    cand[[5, 700]] = True
    top = topmost(parent, cand)
    assert top[:5].tolist() == [-1] * 5 and set(top[5:].tolist()) == {5}


def test_symptoms_fold_under_their_cause() -> None:
    res, chk = run()
    got = by_id(find_problems(res, chk))
    assert set(got) == {"P/factor/F1", "P/factor/F2", "P/milestone/M1", "P/milestone/M5"}
    f1 = got["P/factor/F1"]
    assert (f1.kind, f1.unit, f1.milestone, f1.days, f1.light) == (ProblemKind.FACTOR, "县自然资源局", "M3", 3,
                                                                   Light.RED)
    assert f1.description == "永久基本农田补划待省厅审查" and f1.expected == d("2026-12-05")
    assert {(s.kind, s.milestone) for s in f1.symptoms} == {
        (FindingKind.FACTOR, "M3"), (FindingKind.FINISH_OVERDUE, "M3"), (FindingKind.DEADLINE, "M3"),
        (FindingKind.SLIP, "M4"), (FindingKind.PHYSICAL, None)}  # the project's 序时 gap: under its largest
    assert f1.milestones_dragged == 1  # M4 (M3 is its own milestone)
    m1 = got["P/milestone/M1"]
    assert (m1.days, m1.light) == (13, Light.RED)
    assert {(s.kind, s.milestone, s.days) for s in m1.symptoms} == {
        (FindingKind.FINISH_OVERDUE, "M1", 13), (FindingKind.FINISH_OVERDUE, "M2", 8)}


def test_an_approval_costs_its_deadline() -> None:
    res, chk = run()
    f1 = by_id(find_problems(res, chk))["P/factor/F1"]
    # without F1, M3 still waits for F2 (expected 12-01): 12-02..12-04, float -3 instead of -7:
    # F1 costs the 12-01 deadline 4 of its 7 days
    assert f1.deadlines == (DeadlineCost("M3", d("2026-12-01"), False, 4, -7),)


def test_a_co_requisite_approval_is_at_most_yellow() -> None:
    res, chk = run()
    f2 = by_id(find_problems(res, chk))["P/factor/F2"]
    # F2 is needed since 11-20 (3 days overdue) and expected after M3's late start: red in the check,
    # but M3 waits longer for F1, so on its own account F2 is yellow and drags nothing
    assert f2.held_by == "P/factor/F1" and f2.light is Light.YELLOW
    assert [s.kind for s in f2.symptoms] == [FindingKind.FACTOR] and f2.deadlines == ()


def test_one_working_day_late_is_not_red() -> None:
    res, chk = run()
    m5 = by_id(find_problems(res, chk))["P/milestone/M5"]
    assert {(s.kind, s.days, s.light) for s in m5.symptoms} == {(FindingKind.START_OVERDUE, 1, Light.YELLOW),
                                                                (FindingKind.SLIP, 1, Light.YELLOW)}
    assert m5.light is Light.YELLOW


@pytest.mark.parametrize(("days", "red_days", "light"), [(1, 5, Light.YELLOW), (5, 5, Light.YELLOW),
                                                          (6, 5, Light.RED), (1, 0, Light.RED)])
def test_overdue_graded_by_size(days: int, red_days: int, light: Light) -> None:
    from scheduler.core.check import overdue_light

    assert overdue_light(days, CheckThresholds(overdue_red_days=red_days)) is light


def _p(pid: str, light: Light, **kw: object) -> Problem:
    return Problem(id=pid, project=pid.split("/")[0], kind=ProblemKind.MILESTONE, light=light, own_light=light,
                   **kw)  # type: ignore[arg-type]


def test_project_light_from_its_problems_exemption_and_closing() -> None:
    ex = Exemption("汛期禁止涉堤施工（4—10月）", "县水利局", NOW)
    probs = [_p("A/milestone/M1", Light.RED, exemption=ex), _p("A/milestone/M2", Light.YELLOW),
             _p("B/milestone/M1", Light.RED, status=ProblemStatus.CLOSED, close_reason="已纳入县重点督办"),
             _p("C/milestone/M1", Light.RED)]
    assert project_lights(probs, ["A", "B", "C", "D"]) == {"A": Light.YELLOW, "B": Light.GREEN, "C": Light.RED,
                                                            "D": Light.GREEN}


def test_closing_needs_text() -> None:
    with pytest.raises(ValueError, match="reason"):
        _p("A/milestone/M1", Light.RED, status=ProblemStatus.CLOSED, close_reason="  ")


def test_escalation_only_for_county_help_or_red_for_n_weeks() -> None:
    found = [_p("A/milestone/M1", Light.RED), _p("A/milestone/M2", Light.YELLOW), _p("A/milestone/M3", Light.RED)]
    stored = {"A/milestone/M2": replace(found[1], needs_county=True, county_matters="征地补偿标准需县政府明确",
                                        first_seen="2026-W46")}
    out = by_id(carry_over(found, stored, {"A/milestone/M1": 1}, "2026-W48", escalate_after_weeks=2, now=NOW))
    assert (out["A/milestone/M1"].weeks_red, out["A/milestone/M1"].escalate) == (2, True)   # red 2 weeks running
    assert (out["A/milestone/M3"].weeks_red, out["A/milestone/M3"].escalate) == (1, False)  # red, first week
    assert out["A/milestone/M2"].escalate and out["A/milestone/M2"].first_seen == "2026-W46"  # 需县级协调
    # the meeting's decision recorded back onto the problem ends its escalation
    decided = {"A/milestone/M1": replace(found[0], escalation=Escalation("连续红灯", "协调征地", "县级督办",
                                                                         decision="由分管副县长牵头，12月底前交地"))}
    again = by_id(carry_over(found, decided, {"A/milestone/M1": 2}, "2026-W49", escalate_after_weeks=2, now=NOW))
    assert not again["A/milestone/M1"].escalate
    assert again["A/milestone/M1"].escalation is not None
    assert again["A/milestone/M1"].escalation.decision == "由分管副县长牵头，12月底前交地"


def test_escalation_is_the_problem_lists_alone() -> None:
    """The check raises no ESCALATION; the problems decide it and the summary's `escalated` comes
    from them. M1 (13 days overdue, red) red a second run running goes up; F1 (red) in its first
    red run does not; so P is escalated for M1 only."""
    res, chk = run()
    assert not [f for f in chk.findings if f.kind is FindingKind.ESCALATION] and chk.summary.escalated == ()
    out = carry_over(find_problems(res, chk), {}, {"P/milestone/M1": 1}, "2026-W48", escalate_after_weeks=2, now=NOW)
    assert [(p.id, p.weeks_red) for p in out if p.escalate] == [("P/milestone/M1", 2)]
    assert by_id(out)["P/factor/F1"].light is Light.RED and not by_id(out)["P/factor/F1"].escalate
    assert with_problem_lights(chk, out).summary.escalated == ("P",)
    assert with_problem_lights(chk, out).summary.to_json()["escalated"] == ["P"]


def test_merged_problem_lists_its_symptoms_under_the_target() -> None:
    res, chk = run()
    found = find_problems(res, chk)
    stored = {"P/milestone/M5": replace(by_id(found)["P/milestone/M5"], merged_into="P/milestone/M1")}
    out = by_id(carry_over(found, stored, {}, "2026-W48", escalate_after_weeks=2, now=NOW))
    assert {s.milestone for s in out["P/milestone/M1"].symptoms} == {"M1", "M2", "M5"}
    assert not out["P/milestone/M5"].counts
