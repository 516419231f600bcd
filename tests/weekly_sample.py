"""Shared by tests/test_reports.py and tests/test_runner.py: a small hand-made portfolio (TOML, as
the files under projects/ are written) and loading it into the test database (tests/conftest.py's
`engine` fixture)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine

from scheduler.core.model import ProjectFile
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.io.projectfile import parse_project
from scheduler.store.projects import load_projects

CALENDARS = CalendarSet(REPO_ROOT / "calendar")

# A road (lead: 县发改局) whose 开工 (M2) and 路基 (M3) belong to 洋沙湖集团; the land approval of
# M3 to 县自然资源局, its forest approval to 县林业局. Construction calendar: every day is worked
# in Nov 2026 - Jan 2027. Plan: M1 2026-11-01..11-10, M2 (event) 11-10, M3 11-11..12-10.
ROAD = """
[project]
id = "P-ROAD"
name = "滨江路"
lead_unit = "县发改局"
calendar = "construction"
start = 2026-11-01

[investment]
total = 10000
year = 2026
annual_plan = 1200
[investment.plan]
"2026-11" = 600
"2026-12" = 600
[investment.completed]
"2026-11" = 100

[[milestone]]
id = "M1"
name = "施工准备"
duration = 10

[[milestone]]
id = "M2"
name = "开工"
duration = 0
after = ["M1"]
unit = "洋沙湖集团"
start_by = 2026-11-30

[[milestone]]
id = "M3"
name = "路基工程"
duration = 30
after = ["M2"]
unit = "洋沙湖集团"

[[factor]]
id = "F1"
kind = "用地"
name = "路基段建设用地报批"
milestone = "M3"
unit = "县自然资源局"
status = "办理中"
expected = 2026-11-15
blocker = "补划方案待省厅审查"

[[factor]]
id = "F2"
kind = "用林"
milestone = "M3"
unit = "县林业局"
status = "未启动"
"""


def project_file(text: str, name: str) -> ProjectFile:
    """A ProjectFile from TOML text, as the loader would read it from `name`."""
    p = parse_project(text, name, calendars=CALENDARS)
    return ProjectFile(p, Path(name), hashlib.sha256(text.encode()).hexdigest(), text)


def load(engine: Engine, *texts: tuple[str, str]) -> None:
    """Load (text, file name) pairs into the database (baseline = the plan on first load)."""
    load_projects(engine, [project_file(t, n) for t, n in texts], calendars=CALENDARS)
