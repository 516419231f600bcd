"""store/problems.py: the problem list saved week by week, decisions that survive the next run,
answers of the units, hand-raised problems; closing without a reason is refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import Engine, insert, update

from scheduler.core.findings import FindingKind, Light, week_monday
from scheduler.core.problems import Action, Problem, ProblemKind, ProblemStatus, Symptom, carry_over
from scheduler.errors import NotFound, ProblemError
from scheduler.store import problems as store
from scheduler.store.db import problems as problems_t
from scheduler.store.db import reading, transaction
from scheduler.store.db import runs as runs_t

NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def _found(light: Light = Light.RED) -> list[Problem]:
    return [Problem(id="YJ-AVENUE/factor/F1", project="YJ-AVENUE", kind=ProblemKind.FACTOR, light=light,
                    unit="县自然资源局", factor="F1", milestone="M07", days=134, own_light=light,
                    symptoms=(Symptom(FindingKind.SLIP, Light.RED, "M08", None, 159, "slip/YJ-AVENUE/M08"),))]


def _run(engine: Engine, week: str, found: list[Problem]) -> list[Problem]:
    """The weekly run's problem part: the week's run row (replacing an earlier run of the week, as
    store.runs.store_run does), the carry-over and the saved week, in one transaction."""
    with transaction(engine) as conn:
        conn.execute(update(runs_t).where(runs_t.c.week == week).values(current=False))
        run_id = conn.execute(insert(runs_t).values(week=week, data_date=week_monday(week), started_at=NOW,
                                                    status="complete", inputs={}, current=True)).inserted_primary_key
        stored = store.load_problems(conn)
        prev = store.week_history(conn, week)
        out = carry_over(found, stored, prev, week, escalate_after_weeks=2, now=NOW)
        store.save_week(conn, week, int(run_id[0]), out)  # type: ignore[index]
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
    _run(engine, "2026-W49", _found())  # a re-run of the week decides nothing again
    with reading(engine) as conn:
        _weeks, events, _answers = store.history(conn, p.id)
    assert [(e.action, e.by, e.week) for e in events] == [(Action.CLOSE, "check", "2026-W48"),
                                                         (Action.REOPEN, "check", "2026-W49")]


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


def test_light_weeks_red_and_last_seen_come_from_the_weeks(engine: Engine) -> None:
    """Nothing derived is copied into `problems`: a direct write to `problem_weeks` is what is read."""
    _run(engine, "2026-W47", _found())
    _run(engine, "2026-W48", _found(Light.YELLOW))
    with reading(engine) as conn:
        p = store.get_problem(conn, "YJ-AVENUE/factor/F1")
    assert (p.light, p.weeks_red, p.last_seen, p.first_seen) == (Light.YELLOW, 0, "2026-W48", "2026-W47")
    with transaction(engine) as conn:
        conn.exec_driver_sql("DELETE FROM problem_weeks WHERE week = '2026-W48'")
    with reading(engine) as conn:
        p = store.get_problem(conn, "YJ-AVENUE/factor/F1")
        assert (p.light, p.weeks_red, p.last_seen) == (Light.RED, 1, "2026-W47")
        assert store.load_problems(conn)[p.id].light is Light.RED
    with transaction(engine) as conn:  # raised by hand, not yet in a week: its raised light
        m = store.raise_problem(conn, "YJ-AVENUE", "资金未到位", unit="县财政局", week="2026-W49", by="专班办公室",
                                light=Light.RED)
    with reading(engine) as conn:
        got = store.get_problem(conn, m.id)
    assert (got.light, got.weeks_red, got.last_seen) == (Light.RED, 0, "2026-W49")


def test_the_week_loads_open_problems_and_those_found_again(engine: Engine) -> None:
    other = Problem(id="YJ-AVENUE/milestone/M03", project="YJ-AVENUE", kind=ProblemKind.MILESTONE, light=Light.RED,
                    unit="洋沙湖集团", milestone="M03", own_light=Light.RED)
    _run(engine, "2026-W47", [*_found(), other])
    _run(engine, "2026-W48", _found())  # M03 gone: done
    with transaction(engine) as conn:
        m = store.raise_problem(conn, "YJ-AVENUE", "村民阻工", unit="洋沙湖集团", week="2026-W48", by="专班办公室")
    with reading(engine) as conn:
        assert set(store.carried_problems(conn, [])) == {"YJ-AVENUE/factor/F1", m.id}
        again = store.carried_problems(conn, [other.id])
    assert set(again) == {"YJ-AVENUE/factor/F1", m.id, other.id}
    assert again[other.id].status is ProblemStatus.DONE and again[other.id].last_seen == "2026-W48"
    with transaction(engine) as conn:
        store.decide(conn, "YJ-AVENUE/factor/F1", Action.CLOSE, by="专班办公室", text="已批复")
    with reading(engine) as conn:
        assert set(store.carried_problems(conn, [])) == {m.id}
        assert store.carried_problems(conn, ["YJ-AVENUE/factor/F1"])["YJ-AVENUE/factor/F1"].status is \
            ProblemStatus.CLOSED


def test_the_week_carries_each_problems_latest_answer_and_decisions(engine: Engine) -> None:
    """What carried_problems reads is the stored problem (as load_problems reads it, weeks_red left
    to the carry-over): the latest answer of a problem still open and of one done and found again,
    the office's exemption and escalation, 配合单位 (none for most problems)."""
    other = Problem(id="YJ-AVENUE/milestone/M03", project="YJ-AVENUE", kind=ProblemKind.MILESTONE, light=Light.RED,
                    unit="洋沙湖集团", milestone="M03", own_light=Light.RED)
    f1 = "YJ-AVENUE/factor/F1"
    _run(engine, "2026-W47", [*_found(), other])
    with transaction(engine) as conn:
        store.record_answer(conn, f1, "2026-W47", unit="县自然资源局", situation="已报省厅")
        store.record_answer(conn, f1, "2026-W48", unit="县自然资源局", situation="省厅已受理",
                            promised=dt.date(2026, 12, 18))
        store.record_answer(conn, other.id, "2026-W47", unit="洋沙湖集团", situation="已复工")
        store.decide(conn, f1, Action.EXEMPT, by="专班办公室", text="汛期禁止涉堤施工")
        store.decide(conn, f1, Action.ESCALATE, by="专班办公室", text="补划耕地", matters="省厅审批")
        m = store.raise_problem(conn, "YJ-AVENUE", "村民阻工", unit="洋沙湖集团", week="2026-W47", by="专班办公室",
                                partners=("县自然资源局", "洋沙湖镇"))
    _run(engine, "2026-W48", _found())  # M03 gone: done
    with reading(engine) as conn:
        got = store.carried_problems(conn, [other.id])
        stored = store.load_problems(conn)
    assert got[m.id].partners == ("县自然资源局", "洋沙湖镇") and got[f1].partners == ()
    assert got[f1].answer is not None and got[f1].answer.situation == "省厅已受理"
    assert got[f1].answer.promised == dt.date(2026, 12, 18)
    assert got[f1].exemption is not None and got[f1].exemption.reason == "汛期禁止涉堤施工"
    assert got[f1].escalation is not None and got[f1].escalation.matters == "省厅审批"
    assert got[other.id].status is ProblemStatus.DONE and got[other.id].answer is not None
    assert got[other.id].answer.situation == "已复工"
    assert got == {pid: dataclasses.replace(stored[pid], weeks_red=0) for pid in (f1, other.id, m.id)}


def test_a_stored_problem_row_is_written_only_when_the_run_changes_it(engine: Engine) -> None:
    def updated() -> dt.datetime:
        with reading(engine) as conn:
            return conn.execute(problems_t.select().where(problems_t.c.id == "YJ-AVENUE/factor/F1")).one().updated_at

    _run(engine, "2026-W47", _found())
    first = updated()
    _run(engine, "2026-W48", _found())  # same state, a new week row
    assert updated() == first
    (p,) = _run(engine, "2026-W49", [])  # gone: done, closed by the check
    assert p.status is ProblemStatus.DONE and updated() > first
    with reading(engine) as conn:
        assert store.get_problem(conn, p.id).status is ProblemStatus.DONE


def test_week_lights_are_the_weeks_list_without_its_detail(engine: Engine) -> None:
    """The week page counts from week_lights: the same problems, order, lights and today's status as
    problems_of_week (a problem closed after the run counts as closed), per unit or all; `ids` narrows."""
    second = Problem(id="YJ-AVENUE/milestone/M08", project="YJ-AVENUE", kind=ProblemKind.MILESTONE,
                     light=Light.YELLOW, unit="县交通运输局", milestone="M08", days=12, own_light=Light.YELLOW)
    _run(engine, "2026-W48", [*_found(), second])
    with transaction(engine) as conn:
        store.decide(conn, "YJ-AVENUE/factor/F1", Action.CLOSE, by="专班办公室", text="省厅已受理")
    with reading(engine) as conn:
        week, lights = store.week_lights(conn)
        _, full = store.problems_of_week(conn)
        _, mine = store.week_lights(conn, unit="县交通运输局")
        _, one = store.problems_of_week(conn, ids=["YJ-AVENUE/milestone/M08"])
    assert week == "2026-W48"
    assert [(x.id, x.unit, x.light, x.status) for x in lights] == [(p.id, p.unit, p.light, p.status) for p in full]
    assert [(x.id, x.light, x.status) for x in lights] == [
        ("YJ-AVENUE/factor/F1", Light.RED, ProblemStatus.CLOSED), ("YJ-AVENUE/milestone/M08", Light.YELLOW,
                                                                   ProblemStatus.OPEN)]
    assert [x.id for x in mine] == [p.id for p in one] == ["YJ-AVENUE/milestone/M08"]


def _counts(engine: Engine, pid: str = "YJ-AVENUE/factor/F1") -> tuple[dict[str, int], int]:
    """Weeks red running of a problem week by week (its history) and as `get_problem` reads it."""
    with reading(engine) as conn:
        weeks, _events, _answers = store.history(conn, pid)
        return {w.last_seen: w.weeks_red for w in weeks}, store.get_problem(conn, pid).weeks_red


def _listed(engine: Engine, week: str) -> int:
    with reading(engine) as conn:
        _wk, (p,) = store.problems_of_week(conn, week)
    return p.weeks_red


def test_weeks_red_follow_an_earlier_week_run_again(engine: Engine) -> None:
    """Red in W46, W47, W48: 1, 2, 3. W47 run again and found yellow: W48 is 1 (W48 alone), not the
    3 its run counted; W47 red again on a third run: 3 again."""
    for week in ("2026-W46", "2026-W47", "2026-W48"):
        _run(engine, week, _found())
    assert _counts(engine) == ({"2026-W46": 1, "2026-W47": 2, "2026-W48": 3}, 3)
    (p,) = _run(engine, "2026-W47", _found(Light.YELLOW))
    assert p.weeks_red == 0 and not p.escalate
    assert _counts(engine) == ({"2026-W46": 1, "2026-W47": 0, "2026-W48": 1}, 1)
    assert _listed(engine, "2026-W48") == 1 and _listed(engine, "2026-W47") == 0
    (p,) = _run(engine, "2026-W47", _found())
    assert p.weeks_red == 2
    assert _counts(engine) == ({"2026-W46": 1, "2026-W47": 2, "2026-W48": 3}, 3)
    with reading(engine) as conn:  # the carry-over's input for W49: W48's count
        assert store.week_history(conn, "2026-W49") == {"YJ-AVENUE/factor/F1": 3}


def test_weeks_red_over_a_week_not_run_and_a_week_run_late(engine: Engine) -> None:
    """连续N周红灯 counts the portfolio's weekly runs: W47 not run (a holiday) neither counts nor
    breaks, so red in W46 and W48 is 2 at W48; W47 run late, red: W47 is 2 and W48 3; W47 run
    again with the problem gone (已办结, not red): W48 is back to 1. A run of another portfolio in
    a week does not make it a week of this one."""
    _run(engine, "2026-W46", _found())
    with transaction(engine) as conn:
        conn.execute(insert(runs_t).values(week="2026-W47", data_date=week_monday("2026-W47"), started_at=NOW,
                                           status="complete", inputs={}, current=True, portfolio="other"))
    (p,) = _run(engine, "2026-W48", _found())
    assert p.weeks_red == 2 and p.escalate  # escalate_after_weeks = 2
    assert _counts(engine) == ({"2026-W46": 1, "2026-W48": 2}, 2)
    _run(engine, "2026-W47", _found())
    assert _counts(engine) == ({"2026-W46": 1, "2026-W47": 2, "2026-W48": 3}, 3)
    assert _listed(engine, "2026-W48") == 3
    (p,) = _run(engine, "2026-W47", [])
    assert p.status is ProblemStatus.DONE and p.weeks_red == 0
    assert _counts(engine)[0] == {"2026-W46": 1, "2026-W47": 0, "2026-W48": 1}
    assert _listed(engine, "2026-W48") == 1


def test_a_week_whose_run_did_not_list_the_problem_breaks_the_count(engine: Engine) -> None:
    """Closed by the office after W46 (so W47's run does not list it: no row), reopened and red in
    W48: 1, not 2. An exempt red week counts none either."""
    _run(engine, "2026-W46", _found())
    with transaction(engine) as conn:
        store.decide(conn, "YJ-AVENUE/factor/F1", Action.CLOSE, by="专班办公室", text="转入常规跟踪")
    _run(engine, "2026-W47", [])
    with transaction(engine) as conn:
        store.decide(conn, "YJ-AVENUE/factor/F1", Action.REOPEN, by="专班办公室", text="省厅退回")
    (p,) = _run(engine, "2026-W48", _found())
    assert p.weeks_red == 1
    with transaction(engine) as conn:
        store.decide(conn, "YJ-AVENUE/factor/F1", Action.EXEMPT, by="县发改局", text="汛期禁止涉堤施工")
    _run(engine, "2026-W49", _found())
    assert _counts(engine) == ({"2026-W46": 1, "2026-W48": 1, "2026-W49": 0}, 0)


def _state(engine: Engine, pid: str) -> tuple[ProblemStatus, str, str, str, str]:
    """status, first_seen, 责任单位, description and closed_by of the stored problem (its current state)."""
    with reading(engine) as conn:
        p = store.get_problem(conn, pid)
    return p.status, p.first_seen or "", p.unit, p.description, p.closed_by


def _events(engine: Engine, pid: str) -> list[tuple[Action, str, str]]:
    with reading(engine) as conn:
        _weeks, events, _answers = store.history(conn, pid)
    return [(e.action, e.by, e.week) for e in events]


def test_re_running_an_earlier_week_keeps_the_later_weeks_state(engine: Engine) -> None:
    """W47: F1 (县自然资源局) and M03 found. W48: F1 found under 县林业局 with the county's words,
    M03 gone (已办结 by the check, W48). W47 run again (a report came late), finding both as before:
    W47's list is its own (M03 open there, F1 under 县自然资源局), but the problems' state stays
    W48's: F1 under 县林业局 with W48's words, M03 done by the check with only W48's close event,
    no reopening; a third W48 run then changes nothing either."""
    f1 = _found()[0]
    m03 = Problem(id="YJ-AVENUE/milestone/M03", project="YJ-AVENUE", kind=ProblemKind.MILESTONE, light=Light.RED,
                  unit="洋沙湖集团", milestone="M03", days=5, own_light=Light.RED)
    moved = replace(f1, unit="县林业局", description="林地报批卡在省厅")
    _run(engine, "2026-W47", [f1, m03])
    _run(engine, "2026-W48", [moved])
    w48 = {pid: _state(engine, pid) for pid in (f1.id, m03.id)}
    assert w48 == {f1.id: (ProblemStatus.OPEN, "2026-W47", "县林业局", "林地报批卡在省厅", ""),
                   m03.id: (ProblemStatus.DONE, "2026-W47", "洋沙湖集团", "", "check")}
    again = {p.id: p for p in _run(engine, "2026-W47", [f1, m03])}
    assert (again[m03.id].status, again[f1.id].unit) == (ProblemStatus.OPEN, "县自然资源局")  # W47 as W47 saw it
    assert {pid: _state(engine, pid) for pid in (f1.id, m03.id)} == w48
    assert _events(engine, m03.id) == [(Action.CLOSE, "check", "2026-W48")]
    with reading(engine) as conn:
        _wk, listed47 = store.problems_of_week(conn, "2026-W47")
        _wk, listed48 = store.problems_of_week(conn, "2026-W48")
    assert [(p.id, p.light) for p in listed47] == [(f1.id, Light.RED), (m03.id, Light.RED)]
    assert [(p.id, p.light) for p in listed48] == [(f1.id, Light.RED), (m03.id, Light.GREEN)]
    _run(engine, "2026-W48", [moved])
    assert {pid: _state(engine, pid) for pid in (f1.id, m03.id)} == w48
    assert _events(engine, m03.id) == [(Action.CLOSE, "check", "2026-W48")]


def test_a_week_run_late_adds_its_new_problems_and_moves_first_seen_earlier(engine: Engine) -> None:
    """W48 run first: F1 first seen W48. W47 run late finds F1 and a new M05: F1 first seen W47
    (only ever earlier), M05 stored, first seen W47; running W46 late without F1 moves nothing,
    and a problem the late week carries as done (M05, not found in W46) stays open as W47 left it,
    until W48 (the latest week) is run again without it: done then."""
    f1 = _found()[0]
    m05 = Problem(id="YJ-AVENUE/milestone/M05", project="YJ-AVENUE", kind=ProblemKind.MILESTONE, light=Light.YELLOW,
                  unit="洋沙湖集团", milestone="M05", days=3, own_light=Light.YELLOW)
    _run(engine, "2026-W48", [f1])
    assert _state(engine, f1.id)[:2] == (ProblemStatus.OPEN, "2026-W48")
    _run(engine, "2026-W47", [f1, m05])
    assert _state(engine, f1.id)[:2] == (ProblemStatus.OPEN, "2026-W47")
    assert _state(engine, m05.id) == (ProblemStatus.OPEN, "2026-W47", "洋沙湖集团", "", "")
    (g1, g5) = _run(engine, "2026-W46", [])
    assert (g1.status, g5.status) == (ProblemStatus.DONE, ProblemStatus.DONE)  # W46's own view
    assert _state(engine, f1.id)[:2] == (ProblemStatus.OPEN, "2026-W47")
    assert _state(engine, m05.id)[:2] == (ProblemStatus.OPEN, "2026-W47")
    assert _events(engine, m05.id) == []
    _run(engine, "2026-W48", [f1])  # the latest week run again, still without M05: done now
    assert _state(engine, m05.id) == (ProblemStatus.DONE, "2026-W47", "洋沙湖集团", "", "check")
    assert _events(engine, m05.id) == [(Action.CLOSE, "check", "2026-W48")]
    assert _state(engine, f1.id)[:2] == (ProblemStatus.OPEN, "2026-W47")
