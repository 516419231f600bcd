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
