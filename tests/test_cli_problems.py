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

    from scheduler.core.phrases import knock_on
    from scheduler.delivery.messages import digest_units, digests
    from scheduler.io.config import load_config
    from scheduler.store.problems import problems_of_week

    with engine.connect() as conn:
        _, week = problems_of_week(conn, "2026-W48")
    land = next(p for p in week if p.id == "YJ-AVENUE/factor/F1")
    # 14 symptoms by hand: F1 itself; M07 finish-overdue and deadline; start-overdue M08, M10, M12; slips M08,
    # M10-M15; the project's physical lag: 13 knock-on items besides F1
    assert len(land.symptoms) == 14 and knock_on(land) == 13
    config = dataclasses.replace(load_config(w48), language="zh")
    mine = [a for a in digests(digest_units(week), week="2026-W48", config=config) if a.unit == "县自然资源局"]
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
DATES = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}-W\d{2}|\d{4}年第\d{1,2}周|\d{1,2}月\d{1,2}日|\d\d-\d\d \d\d:\d\d")
"""Dates, weeks and times as the listings print them (2026-11-23, 2026-W48, 2026年第48周, 11月23日, 11-30 09:00)."""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_terminal_tables_at_80_columns_keep_every_date_whole(w48: Path, lang: str) -> None:
    """`schedule`, `findings`, `problems`, `projects` and `alerts` at 80 columns: no line wider than the
    terminal, nothing cut with "…", and every date printed on a wide terminal is printed whole at
    80 columns too (names wrap between characters instead; rich folded "2026-10 / -13" and
    shortened dates to "2025…")."""
    from rich.cells import cell_len

    text = w48.read_text(encoding="utf-8").replace('language = "en"', f'language = "{lang}"')
    w48.write_text(text, encoding="utf-8")
    rail = str(REPO / "projects" / "YGG-RAIL.toml")
    for args in (["schedule", rail, "--data-date", "2026-11-23"], ["findings"], ["problems"], ["projects"],
                 ["alerts"]):
        wide, narrow = (CliRunner(env={"COLUMNS": str(n)}).invoke(cli, ["--config", str(w48), *args])
                        for n in (1000, 80))
        assert wide.exit_code == 0 and narrow.exit_code == 0, wide.output + narrow.output
        assert max(cell_len(x) for x in narrow.output.splitlines()) <= 80, args
        assert "…" not in narrow.output, args
        dates = DATES.findall(wide.output)
        assert len(dates) > 5, args
        if args[0] == "alerts":  # the week column says the week as people read it
            assert ("2026年第48周" if lang == "zh" else "2026-W48") in narrow.output
        if lang == "en" and args[0] == "problems":
            continue  # ten columns of English words: the problem's text is 5 columns wide, its dates fold
        assert sorted(DATES.findall(narrow.output)) == sorted(dates), (args, narrow.output[:3000])


def _zh(config_file: Path) -> Path:
    """The same configuration in Chinese (language = "zh")."""
    config_file.write_text(config_file.read_text(encoding="utf-8").replace('language = "en"', 'language = "zh"'),
                           encoding="utf-8")
    return config_file


def _digests(engine: Any, week: str) -> dict[str, str]:
    """The body of each unit's digest the week's run queued (one per unit: no contact configured)."""
    from sqlalchemy import select

    from scheduler.store.db import alerts

    with engine.connect() as conn:
        return {r.unit: r.body for r in conn.execute(select(alerts.c.unit, alerts.c.body).where(
            alerts.c.week == week, alerts.c.finding_key.like("digest/%")))}


def test_days_are_said_as_the_projects_calendar_counts_them_in_the_list_and_the_digests(w48: Path,
                                                                                      engine: Any) -> None:
    """沿江大道 (YJ-AVENUE) is on the construction calendar, which works every day: its days are 天;
    金龙园 (JINLONG-PARK) is on the office calendar: 个工作日. By hand, at the data date 2026-11-23:
    M06's baseline finish 07-02 is 29 + 31 + 30 + 31 + 23 = 144 days back; F1 was needed 07-12, 134
    days back; lifting F1's hold, 开工 waits for F2 (expected 12-11) instead of F1 (12-18): 7 days of
    its 10月底前开工 deadline."""
    flags = {p["id"]: p["works_daily"] for p in problems(w48)["problems"]}
    assert flags["YJ-AVENUE/milestone/M06"] and flags["YJ-AVENUE/factor/F1"]
    assert not flags["JINLONG-PARK/factor/F3"]
    # the run's digests (the configuration is English: days / working days)
    sent = _digests(engine, "2026-W48")
    m06 = "征地拆迁（摸底调查、预征收补偿协议签订及交地） (M06) 144 days late"
    assert f"1. [red 2 weeks] 沿江大道（YJ-AVENUE） · YJ-AVENUE/milestone/M06：{m06}\n" in sent["洋沙湖集团"]
    land = next(x for x in sent["县自然资源局"].splitlines() if x.startswith("1. ") and "YJ-AVENUE/factor/F1" in x)
    assert "开工 (M07) needed it 134 days ago;" in land
    assert "costs deadlines: 开工 (M07, start by 2026-10-31) by 7 days (13 knock-on items)" in land
    park = next(x for x in sent["市生态环境局湘阴分局"].splitlines()
                if "JINLONG-PARK/factor/F3" in x and x[:1].isdigit())
    assert "needed it 63 working days ago;" in park and "(M13, finish by 2026-12-31) by 11 working days" in park
    # `dispatch problems` in Chinese, wide enough for one line a problem
    res = CliRunner(env={"COLUMNS": "1000"}).invoke(cli, ["--config", str(_zh(w48)), "problems"])
    assert res.exit_code == 0, res.output
    rows = {x.split()[1]: x for x in res.output.splitlines() if x.split()[1:2] and "/" in x.split()[1]}
    assert " 征地拆迁（摸底调查、预征收补偿协议签订及交地）（M06）滞后144天 " in rows["YJ-AVENUE/milestone/M06"]
    assert "开工（M07）所需，已逾期134天；" in rows["YJ-AVENUE/factor/F1"]
    assert " 带动 7 个节点滞后；影响时限：开工（M07，10月底前开始）7天 " in rows["YJ-AVENUE/factor/F1"]
    assert "所需，已逾期63个工作日；" in rows["JINLONG-PARK/factor/F3"]
    assert "（M13，12月底前完成）11个工作日 " in rows["JINLONG-PARK/factor/F3"]
    assert not [x for pid, x in rows.items() if pid.startswith("YJ-AVENUE/") and "个工作日" in x]


LATE = '''\
[project]
id = "P-LATE"
name = "滨江大道"
lead_unit = "洋沙湖集团"
calendar = "construction"
start = 2026-10-01

[[milestone]]
id = "M1"
name = "开工"
duration = 0
start_by = 2026-10-31
actual_start = 2026-11-08
actual_finish = 2026-11-08
'''


def test_a_deadline_missed_by_its_actual_date_says_the_fact_everywhere(config_file: Path, engine: Any,
                                                                       tmp_path: Path) -> None:
    """开工 was due 10月底前 and happened 11-08: 8 days late on the construction calendar (11-01 ..
    11-08). The problem list, the run's digest and the web say that fact (the brief's phrase), not
    时限节点有延误风险."""
    from fastapi.testclient import TestClient

    from scheduler.app import accounts
    from scheduler.io.config import load_config
    from scheduler.web.app import create_app

    fact = "原定10月底前开工（M1），已于11月8日开工，超期8天"
    folder = tmp_path / "late"
    folder.mkdir()
    (folder / "P-LATE.toml").write_text(LATE, encoding="utf-8")
    cfg = _zh(config_file)
    for args in (["load", str(folder)], ["run", "--data-date", "2026-11-23", "--no-outputs"]):
        res = dispatch(cfg, *args)
        assert res.exit_code == 0, res.output
    (p,) = problems(cfg)["problems"]
    assert (p["id"], p["kind"], p["light"]) == ("P-LATE/milestone/M1", "deadline", "yellow")
    res = CliRunner(env={"COLUMNS": "1000"}).invoke(cli, ["--config", str(cfg), "problems"])
    (row,) = [x for x in res.output.splitlines() if "P-LATE/milestone/M1" in x]
    assert f" {fact} " in row and "延误风险" not in res.output
    body = _digests(engine, "2026-W48")["洋沙湖集团"]
    assert f"\n1. 滨江大道（P-LATE） · P-LATE/milestone/M1：{fact}\n" in body and "延误风险" not in body
    # the web workplace: the list and the problem's page
    accounts.add_user(engine, "office", "correct horse 1", "office")
    c = TestClient(create_app(load_config(cfg), engine), follow_redirects=False)
    token = c.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    assert c.post("/login", data={"username": "office", "password": "correct horse 1", "csrf": token}
                  ).status_code == 303
    for page in ("/problems", "/problem/P-LATE/milestone/M1", "/projects/P-LATE"):
        text = c.get(page).text
        assert f'<div class="what">{fact}</div>' in text or f'<p class="what">{fact}</p>' in text, page
        assert "延误风险" not in text


def test_a_decision_is_acknowledged_in_the_offices_words_under_zh(w48: Path) -> None:
    """`dispatch problem … --close` under zh answers 已记录：ID 销号 (it said "close")."""
    w48.write_text(w48.read_text(encoding="utf-8").replace('language = "en"', 'language = "zh"'), encoding="utf-8")
    res = dispatch(w48, "problem", "YJ-AVENUE/factor/F1", "--close", "--reason", "已批复")
    assert res.exit_code == 0 and res.output.strip() == "已记录：YJ-AVENUE/factor/F1 销号", res.output
    res = dispatch(w48, "problem", "YJ-AVENUE/factor/F1", "--escalate", "--reason", "需县级协调")
    assert res.output.strip() == "已记录：YJ-AVENUE/factor/F1 提请县政府专题研究", res.output


def test_the_projects_listing_counts_the_problem_list(w48: Path) -> None:
    """`dispatch projects` counts each project's open problems by light, as the brief and
    `dispatch problems` do (it counted the run's findings: 红灯 14 项 for 6 red problems)."""
    from collections import Counter

    probs = problems(w48)["problems"]
    want = Counter((p["project"], p["light"]) for p in probs if p["counts"])
    listing = json.loads(dispatch(w48, "projects", "--format", "json").output)["projects"]
    said = {p["id"]: p["status"] for p in listing if p["light"] != "green"}
    assert said and any(want[pid, "red"] for pid in said)
    for pid, status in said.items():
        m = re.match(r"(\d+) red, (\d+) yellow", status)
        assert m and (int(m.group(1)), int(m.group(2))) == (want[pid, "red"], want[pid, "yellow"]), (pid, status)


def test_the_runs_summary_counts_the_problem_list_not_the_findings(w48: Path) -> None:
    """The run's summary says how many problems the 问题清单 holds (办理中; red and yellow),
    the figure the brief gives, beside the check's findings, which are more."""
    pid = "COAL-STORE/milestone/M08"
    assert dispatch(w48, "problem", pid, "--close", "--reason", "主体已完工", "--by", "专班办公室").exit_code == 0
    out = dispatch(w48, "run", "--data-date", "2026-11-23", "--no-outputs")
    assert out.exit_code == 0, out.output
    listed = [p for p in problems(w48)["problems"] if p["status"] == "open"]
    red = sum(p["light"] == "red" for p in listed)
    assert pid not in {p["id"] for p in listed}
    lines = out.output.splitlines()
    assert f"problem list: {len(listed)} ({red} red, {len(listed) - red} yellow)" in lines
    found = next(ln for ln in lines if " findings (" in ln)
    assert int(found.split()[0]) > len(listed)
