"""`dispatch problems` and `dispatch problem` on the sample portfolio (projects/) at W48 (data date
2026-11-23, after the W47 run): at most 15 red problems, 沿江大道's 用地 blocker one problem
carrying its knock-on milestones, a problem closed with a reason stays closed after the next run,
closing without text is refused with one line and exit 2, a problem raised by hand is listed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scheduler.cli import cli

REPO = Path(__file__).resolve().parent.parent


def dispatch(config_file: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config_file), *args])


@pytest.fixture
def w48(config_file: Path) -> Path:
    for args in (["load", str(REPO / "projects")], ["run", "--data-date", "2026-11-16", "--no-outputs"],
                 ["run", "--data-date", "2026-11-23", "--no-outputs"]):
        res = dispatch(config_file, *args)
        assert res.exit_code == 0, res.output
    return config_file


def problems(config_file: Path, *args: str) -> dict[str, Any]:
    res = dispatch(config_file, "problems", "--format", "json", *args)
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(res.output)
    return doc


def test_w48_problem_list(w48: Path) -> None:
    doc = problems(w48)
    assert doc["week"] == "2026-W48"
    red = [p for p in doc["problems"] if p["light"] == "red" and p["status"] == "open"]
    assert 0 < len(red) <= 15
    for p in doc["problems"]:
        assert {"id", "project", "kind", "light", "status", "unit", "due", "symptoms", "escalate"} <= set(p)
    yj = {p["id"]: p for p in doc["problems"] if p["project"] == "YJ-AVENUE"}
    land = yj["YJ-AVENUE/factor/F1"]
    assert (land["kind"], land["factor_kind"], land["unit"], land["light"]) == ("factor", "用地", "县自然资源局", "red")
    assert "23.6亩" in land["description"]
    # its knock-on milestones are under it, not problems of their own: 开工 and everything after it
    # that it drives (M09 waits for its own 用林 approval F4)
    under = {s["milestone"] for s in land["symptoms"]}
    assert {"M07", "M08", "M10", "M11", "M12", "M13", "M14", "M15"} <= under
    assert not {f"YJ-AVENUE/milestone/{m}" for m in ("M07", "M08", "M10", "M11", "M12", "M13", "M14",
                                                      "M15")} & set(yj)
    assert land["milestones_dragged"] == 7  # M08, M10-M15 after 开工 (M07, its own milestone)
    assert [d["milestone"] for d in land["deadlines"]] == ["M07"]
    # one unit's problems only
    mine = problems(w48, "--unit", "县自然资源局")["problems"]
    assert mine and {p["unit"] for p in mine} == {"县自然资源局"}


def test_close_with_reason_survives_the_next_run_and_closing_without_text_is_refused(w48: Path) -> None:
    pid = "COAL-STORE/milestone/M08"
    refused = dispatch(w48, "problem", pid, "--close")
    assert refused.exit_code == 2
    assert len(refused.output.strip().splitlines()) == 1 and "reason" in refused.output
    ok = dispatch(w48, "problem", pid, "--close", "--reason", "主体已完工，转入竣工验收跟踪", "--by", "专班办公室")
    assert ok.exit_code == 0, ok.output
    again = dispatch(w48, "run", "--data-date", "2026-11-23", "--no-outputs")
    assert again.exit_code == 0, again.output
    p = {x["id"]: x for x in problems(w48)["problems"]}[pid]
    assert p["status"] == "closed" and p["closed"]["reason"] == "主体已完工，转入竣工验收跟踪"
    assert not p["counts"] and not p["escalate"]
    shown = dispatch(w48, "problem", pid)  # its history week by week and who decided what
    doc = json.loads(shown.output)
    assert [(h["week"], h["status"]) for h in doc["history"]] == [("2026-W47", "open"), ("2026-W48", "closed")]
    assert [(e["action"], e["by"]) for e in doc["events"]] == [("close", "专班办公室")]


def test_exempt_escalate_decide_and_raise(w48: Path) -> None:
    pid = "YJ-AVENUE/factor/F4"
    assert dispatch(w48, "problem", pid, "--exempt", "--reason", "汛期禁止涉堤施工", "--by", "县水利局").exit_code == 0
    res = dispatch(w48, "raise-problem", "YJ-AVENUE", "--what", "村民阻工（K2+300段）", "--unit", "洋沙湖集团",
                   "--county", "请县政府协调镇村做好群众工作", "--week", "2026-W48")
    assert res.exit_code == 0, res.output
    esc = dispatch(w48, "problem", "YJ-AVENUE/factor/F1", "--escalate", "--reason", "用地报批连续红灯",
                   "--matters", "请县政府协调省厅加快补划审查", "--proposal", "县政府主要领导带队对接省厅")
    assert esc.exit_code == 0, esc.output
    assert dispatch(w48, "run", "--data-date", "2026-11-23", "--no-outputs").exit_code == 0
    got = {x["id"]: x for x in problems(w48)["problems"]}
    assert got[pid]["exemption"] == {"reason": "汛期禁止涉堤施工", "by": "县水利局"} and not got[pid]["counts"]
    manual = got["YJ-AVENUE/manual/1"]
    assert (manual["kind"], manual["status"], manual["escalate"]) == ("manual", "open", True)
    assert got["YJ-AVENUE/factor/F1"]["escalate"]
    dec = dispatch(w48, "problem", "YJ-AVENUE/factor/F1", "--decision", "--reason", "由分管副县长牵头，12月18日前报批")
    assert dec.exit_code == 0
    assert dispatch(w48, "run", "--data-date", "2026-11-23", "--no-outputs").exit_code == 0
    f1 = {x["id"]: x for x in problems(w48)["problems"]}["YJ-AVENUE/factor/F1"]
    assert f1["decision"] == "由分管副县长牵头，12月18日前报批" and not f1["escalate"]



def test_a_units_digest_lists_its_open_problems_with_their_symptoms_counted(w48: Path, engine: Any) -> None:
    import dataclasses

    from scheduler.delivery.messages import digests_for, knock_on
    from scheduler.io.config import load_config
    from scheduler.store.problems import problems_of_week

    with engine.connect() as conn:
        _, week = problems_of_week(conn, "2026-W48")
    land = next(p for p in week if p.id == "YJ-AVENUE/factor/F1")
    # 14 symptoms by hand: F1 itself; M07 finish-overdue and deadline; start-overdue M08, M10, M12; slips M08,
    # M10-M15; the project's physical lag: 13 knock-on items besides F1
    assert len(land.symptoms) == 14 and knock_on(land) == 13
    config = dataclasses.replace(load_config(w48), language="zh")
    mine = [a for a in digests_for(week, week="2026-W48", config=config) if a.unit == "县自然资源局"]
    assert len(mine) == 1  # one message (no contact configured: one failed row shows the gap)
    body = mine[0].body
    lines = body.splitlines()
    # the 用地 blocker is listed once, with its knock-on count, not as one line per symptom
    listed = [x for x in lines if "YJ-AVENUE/factor/F1" in x and x[:1].isdigit()]
    assert len(listed) == 1
    assert "（连带 13 项）" in listed[0] and "带动 7 个节点滞后" in listed[0]
    assert not any("YJ-AVENUE" in x and "/milestone/M1" in x for x in lines)
    assert body.index("请首先办理") < body.index("一、红灯事项")
    wanted = {p.id for p in week if p.unit == "县自然资源局" and p.counts and p.light.value in ("red", "yellow")}
    assert sum(1 for x in lines if x[:1].isdigit()) == len(wanted) > 0


def test_what_goes_up_is_the_problem_lists_everywhere(w48: Path) -> None:
    """One escalation rule: `dispatch projects` tags (· escalated), the run's summary and the
    findings JSON name exactly the projects with a problem whose `escalate` is set."""
    up = {p["project"] for p in problems(w48)["problems"] if p["escalate"]}
    assert up  # the sample at W48: problems red in W47 and W48
    res = CliRunner(env={"COLUMNS": "400"}).invoke(cli, ["--config", str(w48), "projects"])
    assert res.exit_code == 0, res.output
    tagged = {line.split()[1] for line in res.output.splitlines() if "escalated" in line}
    assert tagged == up, res.output
    doc = json.loads(dispatch(w48, "findings", "--format", "json").output)
    assert set(doc["summary"]["escalated"]) == up
    assert not [f for f in doc["findings"] if f["kind"] == "escalation"]


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_terminal_tables_at_80_columns_keep_every_date_whole(w48: Path, lang: str) -> None:
    """`schedule`, `findings`, `problems` and `projects` at 80 columns: no line wider than the
    terminal, nothing cut with "…", and every date printed on a wide terminal is printed whole at
    80 columns too (names wrap between characters instead; rich folded "2026-10 / -13" and
    shortened dates to "2025…")."""
    from rich.cells import cell_len

    text = w48.read_text(encoding="utf-8").replace('language = "en"', f'language = "{lang}"')
    w48.write_text(text, encoding="utf-8")
    rail = str(REPO / "projects" / "YGG-RAIL.toml")
    for args in (["schedule", rail, "--data-date", "2026-11-23"], ["findings"], ["problems"], ["projects"]):
        wide, narrow = (CliRunner(env={"COLUMNS": str(n)}).invoke(cli, ["--config", str(w48), *args])
                        for n in (1000, 80))
        assert wide.exit_code == 0 and narrow.exit_code == 0, wide.output + narrow.output
        assert max(cell_len(x) for x in narrow.output.splitlines()) <= 80, args
        assert "…" not in narrow.output, args
        dates = ISO_DATE.findall(wide.output)
        assert len(dates) > 5, args
        if lang == "en" and args[0] == "problems":
            continue  # ten columns of English words: the problem's text is 5 columns wide, its dates fold
        assert sorted(ISO_DATE.findall(narrow.output)) == sorted(dates), (args, narrow.output[:3000])
