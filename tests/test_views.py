"""The WeeklyView (scheduler/views.py) of the hand-made sample week (tests/sample_view.py):
counts, groupings and dates worked out by hand from the sample's projects and findings."""

from __future__ import annotations

import datetime as dt

import pytest
import sample_view as sv

from scheduler.core.findings import FindingKind, Light
from scheduler.core.model import Project
from scheduler.outputs.view import (
    GanttModel,
    WeeklyView,
    build_weekly_view,
    deadline_fact,
    fmt_int,
    fmt_wan,
    investment_to_date,
)


@pytest.fixture(scope="module")
def view():  # type: ignore[no-untyped-def]
    return sv.build()


def test_glance_counts_lights_findings_and_reads_the_summary(view) -> None:  # type: ignore[no-untyped-def]
    g = view.glance
    assert (g.projects, g.red, g.yellow, g.green) == (3, 2, 0, 1)
    # no problem list: nothing goes up to the county (the problems decide it)
    assert (g.findings, g.red_findings, g.escalations) == (5, 3, 0)
    assert g.red_findings == sum(len(grp.items) for grp in view.red_list)
    # the summary's lists become counts; its investment totals win over the projects' own figures
    assert (g.new, g.resolved, g.persisting) == (3, 1, 2)
    assert (g.investment.annual_plan, g.investment.plan_to_date, g.investment.completed) == (70000, 61500, 53900)
    assert g.investment.percent_of_plan == pytest.approx(100 * 53900 / 61500)
    # unapproved factors on unfinished milestones: RAIL F1 (用地), F2 (环评); LINE F1 (用林). RAIL F3 is approved.
    assert g.blockers == 3


def test_missing_summary_keys_fall_back_to_the_projects() -> None:
    v = sv.build()
    import numpy as np

    from scheduler.core.schedule import schedule_projects
    from scheduler.outputs.view import build_weekly_view

    cals = sv.calendars()
    plan = schedule_projects(sv.PROJECTS, cals)
    res = schedule_projects(sv.PROJECTS, cals, sv.D)
    bare = build_weekly_view(sv.PROJECTS, res, np.asarray(plan.early_start), np.asarray(plan.early_finish),
                             sv.FINDINGS, {}, {}, sv.WEEK, sv.D, "zh")
    assert bare.glance.new is None and fmt_int(bare.glance.new) == "—"
    # lights missing: the worst light of the project's findings (HOSPITAL has none: green)
    assert [p.light for p in bare.projects] == [Light.RED, Light.RED, Light.GREEN]
    # investment: the sum of RAIL's and LINE's 序时 figures (HOSPITAL has no plan)
    assert sv.RAIL.investment is not None and sv.LINE.investment is not None
    rail = investment_to_date(sv.RAIL.investment, sv.D)
    line = investment_to_date(sv.LINE.investment, sv.D)
    assert bare.glance.investment.plan_to_date == pytest.approx(rail.plan_to_date + line.plan_to_date)
    # completed = every month reported through November: RAIL 3257+1804+...+3120 = 45067, LINE 400+...+300 = 4300
    assert bare.glance.investment.completed == pytest.approx(45067 + 4300)
    assert v.projects[0].investment is not None and v.projects[0].investment.completed == pytest.approx(45067)


def test_red_list_is_grouped_by_lead_unit(view) -> None:  # type: ignore[no-untyped-def]
    groups = {g.lead_unit: g for g in view.red_list}
    assert set(groups) == {"县发改局", "县交通运输局"}
    rail = groups["县发改局"]
    assert [r.kind for r in rail.items] == [FindingKind.FINISH_OVERDUE, FindingKind.FACTOR]
    assert rail.leaders == ("县政府分管副县长（临港开发）",)
    assert [r.kind for r in groups["县交通运输局"].items] == [FindingKind.DEADLINE]
    assert view.red_list[0].lead_unit == "县发改局"  # the unit with more red items first


def test_blockers_by_kind_with_need_date_and_weeks_open(view) -> None:  # type: ignore[no-untyped-def]
    assert [g.kind for g in view.blockers] == ["用地", "用林", "环评"]
    f1 = view.blockers[0].items[0]
    assert (f1.project_id, f1.factor_id, f1.milestone_name) == ("YGG-RAIL", "F1", "路基工程施工")
    # needed by = M04's baseline start (the plan: M03 finishes 2026-05-23 in the plan, M04 starts the next day)
    rail = view.projects[0]
    m04 = next(r for r in rail.milestones if r.key == "M04")
    assert f1.needed_by == m04.baseline_start == dt.date(2026, 5, 24)
    # first seen 2026-W45, now W48: the 4th week open; red because the finding is
    assert (f1.weeks_open, f1.light, f1.blocker) == (4, Light.RED, "林地指标不足，需省厅调剂")
    env = view.blockers[2].items[0]
    assert (env.requirement, env.status, env.light, env.weeks_open) == ("特大桥段环境影响报告书批复", "未启动",
                                                                          None, None)


def test_escalations_are_the_problems_going_up() -> None:
    """提请县政府专题研究 = the problems with `escalate` (F1, red 4 weeks); M03's, decided by the
    meeting, and the others are not; each with the office's 事由, 需协调事项 and 建议."""
    v = sv.build(problems=sv.PROBLEMS)
    (esc,) = v.escalations
    assert (esc.problem_id, esc.project_id) == ("YGG-RAIL/factor/F1", "YGG-RAIL")
    assert esc.leader == "县政府分管副县长（临港开发）"
    assert (esc.message, esc.matters, esc.proposal) == (
        "二期用地预审连续4周红灯，林地指标不足", "请县政府协调省林业局调剂林地指标", "县政府分管副县长带队赴省厅对接")
    assert esc.weeks_red == 4 and v.glance.escalations == 1


def test_project_gantt_rows_carry_the_schedule(view) -> None:  # type: ignore[no-untyped-def]
    rail = view.projects[0]
    rows = {r.key: r for r in rail.milestones}
    m01 = rows["M01"]
    # finished: actual dates, no float, not critical; baseline = the plan 2026-01-05 .. +40 working days
    assert (m01.forecast_start, m01.forecast_finish) == (dt.date(2026, 1, 5), dt.date(2026, 2, 25))
    assert m01.finished and m01.total_float is None and not m01.critical and m01.percent == 100
    # 40 working days from 01-05 on the construction calendar: through 02-13 (the break starts 02-15)
    assert m01.baseline_finish == dt.date(2026, 2, 13)
    # actual finish 02-25 vs 02-13: working days 02-14, 02-24, 02-25 (02-15..23 is the break) -> +3
    assert m01.variance == 3
    m07 = rows["M07"]
    assert m07.event and m07.deadline == dt.date(2027, 6, 30) and not m07.deadline_is_start
    assert rows["M03"].light is Light.RED and rows["M05"].light is Light.GREEN
    assert rail.forecast_finish == m07.forecast_finish
    assert rail.variance == m07.variance  # the project's finish is its last event
    assert rail.deadline == dt.date(2027, 6, 30)


def test_portfolio_gantt_has_one_row_per_project(view) -> None:  # type: ignore[no-untyped-def]
    pg = view.portfolio_gantt
    assert pg.portfolio and [r.key for r in pg.rows] == ["YGG-RAIL", "WBF-110KV", "HY-HOSPITAL"]
    rail = pg.rows[0]
    assert rail.forecast_start == dt.date(2026, 1, 5) and rail.light is Light.RED
    assert pg.start <= min(r.forecast_start for r in pg.rows) and pg.end > max(r.forecast_finish for r in pg.rows)
    assert pg.calendar == "construction"


def test_pages_split_rows_and_keep_the_date_range(view) -> None:  # type: ignore[no-untyped-def]
    g: GanttModel = view.projects[0].gantt
    pages = g.pages(3)
    assert [len(p.rows) for p in pages] == [3, 3, 1]
    assert all((p.start, p.end) == (g.start, g.end) for p in pages)


def test_provisional_years_are_noted_in_chinese(view) -> None:  # type: ignore[no-untyped-def]
    # the schedules reach into 2027, whose arrangement the calendars do not know yet
    assert any("2027" in n and "construction" in n and "暂行规则" in n for n in view.notes)


def test_formatting() -> None:
    assert fmt_wan(168000) == "168,000" and fmt_wan(12.25) == "12.2" and fmt_wan(None) == "—"
    assert fmt_int(3, signed=True) == "+3" and fmt_int(0, signed=True) == "0" and fmt_int(-2) == "-2"


def _checked_view(projects: list[Project], problems: bool = False, missed_weeks: int = 4) -> WeeklyView:
    """The projects checked at D against a baseline of their forecast (nothing slips), as the weekly run
    builds its view (with `problems`: its problem list too)."""
    import numpy as np

    from scheduler.core.check import CheckThresholds, check_portfolio
    from scheduler.core.problems import find_problems
    from scheduler.core.schedule import schedule_projects

    cals = sv.calendars()
    res = schedule_projects(projects, cals, sv.D)
    bs, bf = np.asarray(res.early_start), np.asarray(res.early_finish)
    chk = check_portfolio(res, bs, bf, CheckThresholds(deadline_missed_weeks=missed_weeks))
    return build_weekly_view(projects, res, bs, bf, chk.findings, {}, {}, sv.WEEK, sv.D, "zh",
                             problems=find_problems(res, chk) if problems else ())


def test_a_finished_deadline_milestone_is_judged_by_its_actual_date_on_the_page_and_in_the_brief() -> None:
    from scheduler.core.model import Link, Milestone
    from scheduler.outputs.brief import build_brief

    d = dt.date.fromisoformat
    # 开工 happened 11-08 against 10月底前 (construction calendar: 8 days late: yellow, as history is never
    # red); the project runs to 2027 (M2: 200 days), far past the deadline: the deadline is not judged
    # against that forecast
    late = Project("P-LATE", "沿江大道", "洋沙湖集团", d("2026-10-01"), "construction", (
        Milestone("M1", "开工", 0, actual_start=d("2026-11-08"), actual_finish=d("2026-11-08"),
                  start_by=d("2026-10-31")),
        Milestone("M2", "道路施工", 200, after=(Link("M1"),)),
    ))
    # the same, started on time (10-28): met, green, the page says so
    ok = Project("P-OK", "滨江路", "洋沙湖集团", d("2026-10-01"), "construction", (
        Milestone("M1", "开工", 0, actual_start=d("2026-10-28"), actual_finish=d("2026-10-28"),
                  start_by=d("2026-10-31")),
        Milestone("M2", "道路施工", 200, after=(Link("M1"),)),
    ))
    v = _checked_view([late, ok])
    pl, po = v.projects
    assert [r.kind for r in pl.findings] == [FindingKind.DEADLINE] and pl.light is Light.YELLOW
    assert deadline_fact(pl, "zh") == "原定10月底前开工（M1），已于11月8日开工，超期8天"
    assert (po.findings, po.light) == ((), Light.GREEN)
    assert deadline_fact(po, "zh") == "10月底前开始（M1）：已按期（10月28日）"
    assert deadline_fact(po, "en") == "start by 2026-10-31 (M1): met (2026-10-28)"
    text = build_brief(v).text()
    assert "预计11月8日" not in text
    # the weekly run's brief lists problems: the deadline's problem says the fact, not a risk
    pv = _checked_view([late, ok], problems=True)
    (row,) = [r for r in pv.problems if r.problem.project == "P-LATE"]
    assert row.what == "原定10月底前开工（M1），已于11月8日开工，超期8天"
    text = build_brief(pv).text()  # yellow: counted (需协调推进事项1项), listed only in the sheet
    assert "需协调推进事项1项，其中红灯0项" in text and "延误风险" not in text
    # weeks later the miss is history: no finding, and the page still says it was missed, never "met"
    (pl, _po) = _checked_view([late, ok], missed_weeks=2).projects
    assert (pl.findings, pl.light) == ((), Light.GREEN)
    assert deadline_fact(pl, "zh") == "10月底前开始（M1）：未按期（11月8日）"
    assert deadline_fact(pl, "en") == "start by 2026-10-31 (M1): missed (2026-11-08)"


def test_chart_titles_write_the_data_date_as_the_brief_does() -> None:
    view = sv.build()
    assert view.portfolio_gantt.title == "重大项目总览（3 个项目，数据日期 2026年11月23日）"
    assert view.projects[0].gantt.title == "虞公港铁路专用线 进度甘特图（数据日期 2026年11月23日）"
    assert sv.build(lang="en").portfolio_gantt.title == "Portfolio overview (3 projects, data date 2026-11-23)"
