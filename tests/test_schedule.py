"""schedule.overlay_projects: the weekly run reads the portfolio as columns and puts back only the
projects its reports changed; the result must equal the frame built from all the model projects."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scheduler.core.model import FactorStatus, InvestmentPlan, Milestone, Project
from scheduler.core.schedule import frame_from_projects, overlay_projects
from tests.helpers import assert_same_frame
from tests.weekly_sample import ROAD, project_file


def _other(pid: str) -> Project:
    return Project(pid, "其他", "县交通局", dt.date(2026, 11, 1), "office",
                   (Milestone("A", "甲", 5), Milestone("B", "乙", 3, weight=2.0)))


def test_overlay_equals_the_frame_of_the_changed_projects() -> None:
    road = project_file(ROAD, "P-ROAD.toml").project
    before = [_other("A-ONE"), road, _other("Z-TWO")]
    m1 = dataclasses.replace(road.milestones[0], actual_start=dt.date(2026, 11, 2), actual_finish=dt.date(2026, 11, 12))
    m3 = dataclasses.replace(road.milestones[2], actual_start=dt.date(2026, 11, 20), percent=40.0)
    f1 = dataclasses.replace(road.factors[0], status=FactorStatus.IN_PROGRESS, expected=dt.date(2026, 12, 20),
                             blocker="林地指标")
    inv = road.investment
    assert inv is not None
    reported = dataclasses.replace(
        road, milestones=(m1, road.milestones[1], m3), factors=(f1, *road.factors[1:]),
        investment=InvestmentPlan(inv.total, inv.year, inv.annual_plan, dict(inv.plan), {"2026-11": 400.0}))
    frame = frame_from_projects(before)
    out = overlay_projects(frame, [reported])
    assert_same_frame(out, frame_from_projects([before[0], reported, before[2]]))
    assert out.hold[2 + 2] == dt.date(2026, 12, 20).toordinal()  # the factor now holds M3
    # only what changed is copied; the input frame is untouched
    assert out.m_units is frame.m_units and out.l_pred is frame.l_pred
    assert frame.actual_finish[2] == 0 and out.actual_finish[2] == dt.date(2026, 11, 12).toordinal()
    assert overlay_projects(frame, []) is frame


def test_overlay_refuses_a_project_of_another_shape() -> None:
    road = project_file(ROAD, "P-ROAD.toml").project
    frame = frame_from_projects([road])
    fewer = dataclasses.replace(road, milestones=road.milestones[:1], factors=())
    with pytest.raises(ValueError, match="same milestones"):
        overlay_projects(frame, [fewer])
    with pytest.raises(ValueError, match="same milestones"):
        overlay_projects(frame, [_other("NOPE")])


def test_a_frame_names_each_calendar_its_projects_use_once() -> None:
    """5,000 projects on two calendars need two calendars looked up, not 5,000 (each a file stat)."""
    def on(pid: str, calendar: str) -> Project:
        return dataclasses.replace(_other(pid), calendar=calendar)

    frame = frame_from_projects([on("A", "office"), on("B", "construction"), on("C", "office"), on("D", "office")])
    assert frame.project_calendars == ["office", "construction", "office", "office"]
    assert frame.calendar_names == ["construction", "office"]
    assert frame_from_projects([]).calendar_names == []
