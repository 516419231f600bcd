"""store/problems.py: the problem list saved week by week, decisions that survive the next run,
answers of the units, hand-raised problems; closing without a reason is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from scheduler.core.findings import FindingKind, Light
from scheduler.core.problems import Action, Problem, ProblemKind, ProblemStatus, Symptom, carry_over
from scheduler.errors import NotFound, ProblemError
from scheduler.store import problems as store
from scheduler.store.db import reading, transaction

NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def _found(light: Light = Light.RED) -> list[Problem]:
    return [Problem(id="YJ-AVENUE/factor/F1", project="YJ-AVENUE", kind=ProblemKind.FACTOR, light=light,
                    unit="县自然资源局", factor="F1", milestone="M07", days=134, own_light=light,
                    symptoms=(Symptom(FindingKind.SLIP, Light.RED, "M08", None, 159, "slip/YJ-AVENUE/M08"),))]


def _run(engine: Engine, week: str, found: list[Problem]) -> list[Problem]:
    with transaction(engine) as conn:
        stored = store.load_problems(conn)
        prev = store.week_history(conn, week)
        out = carry_over(found, stored, prev, week, escalate_after_weeks=2, now=NOW)
        store.save_week(conn, week, None, out)
    return out


def test_week_saved_and_read_back(engine: Engine) -> None:
    _run(engine, "2026-W47", _found())
    _run(engine, "2026-W48", _found())
    with reading(engine) as conn:
        week, got = store.problems_of_week(conn)
    assert week == "2026-W48"
    (p,) = got
    assert (p.id, p.first_seen, p.weeks_red, p.escalate) == ("YJ-AVENUE/factor/F1", "2026-W47", 2, True)
    assert p.symptoms[0].milestone == "M08" and p.symptoms[0].days == 159
    # re-running the same week counts from the week before, not twice
    (again,) = _run(engine, "2026-W48", _found())
    assert again.weeks_red == 2


def test_closed_with_reason_stays_closed_after_the_next_run(engine: Engine) -> None:
    _run(engine, "2026-W47", _found())
    with transaction(engine) as conn:
        p = store.decide(conn, "YJ-AVENUE/factor/F1", Action.CLOSE, by="专班办公室", text="省厅已受理，转入常规跟踪")
    assert p.status is ProblemStatus.CLOSED and p.closed_by == "专班办公室"
    (p,) = _run(engine, "2026-W48", _found())
    assert p.status is ProblemStatus.CLOSED and p.close_reason == "省厅已受理，转入常规跟踪"
    assert not p.counts and not p.escalate


@pytest.mark.parametrize("text", ["", "   "])
def test_closing_without_text_is_refused(engine: Engine, text: str) -> None:
    _run(engine, "2026-W47", _found())
    with pytest.raises(ProblemError, match="reason"), transaction(engine) as conn:
        store.decide(conn, "YJ-AVENUE/factor/F1", Action.CLOSE, by="专班办公室", text=text)
    with reading(engine) as conn:
        assert store.get_problem(conn, "YJ-AVENUE/factor/F1").status is ProblemStatus.OPEN


def test_gone_problem_is_done_and_reopens_when_found_again(engine: Engine) -> None:
    _run(engine, "2026-W47", _found())
    (p,) = _run(engine, "2026-W48", [])
    assert (p.status, p.closed_by, p.light) == (ProblemStatus.DONE, "check", Light.GREEN)
    (p,) = _run(engine, "2026-W49", _found())
    assert p.status is ProblemStatus.OPEN and p.first_seen == "2026-W47" and p.weeks_red == 1


def test_exemption_survives_and_stops_counting(engine: Engine) -> None:
    _run(engine, "2026-W47", _found())
    with transaction(engine) as conn:
        store.decide(conn, "YJ-AVENUE/factor/F1", Action.EXEMPT, by="县发改局", text="汛期禁止涉堤施工")
    (p,) = _run(engine, "2026-W48", _found())
    assert p.exemption is not None and p.exemption.reason == "汛期禁止涉堤施工" and p.exemption.by == "县发改局"
    assert not p.counts and p.weeks_red == 0 and not p.escalate


def test_answer_raise_and_unknown(engine: Engine) -> None:
    _run(engine, "2026-W47", _found())
    with transaction(engine) as conn:
        store.record_answer(conn, "YJ-AVENUE/factor/F1", "2026-W48", unit="县自然资源局", situation="补划方案已报省厅",
                            measures="每周对接省厅", promised=dt.date(2026, 12, 18))
        m = store.raise_problem(conn, "YJ-AVENUE", "村民阻工（K2+300）", unit="洋沙湖集团", week="2026-W48",
                                by="专班办公室", needs_county=True, county_matters="请县政府协调镇村做好群众工作")
    assert m.id == "YJ-AVENUE/manual/1"
    out = _run(engine, "2026-W48", _found())
    by_id = {p.id: p for p in out}
    assert by_id["YJ-AVENUE/manual/1"].escalate  # marked 需县级协调
    f1 = by_id["YJ-AVENUE/factor/F1"]
    assert f1.answer is not None and f1.answer.promised == dt.date(2026, 12, 18) and f1.measures == "每周对接省厅"
    with reading(engine) as conn:
        weeks, events, answers = store.history(conn, "YJ-AVENUE/factor/F1")
        assert [w.light for w in weeks] == [Light.RED, Light.RED]
        assert [e.action for e in events] == [Action.ANSWER] and answers[0].situation == "补划方案已报省厅"
        with pytest.raises(NotFound):
            store.get_problem(conn, "NOPE/factor/F9")
