"""Money, quantities and 纳统 in the weekly sheet (issue 12; io/reports.py, core/reports.py,
store/reports.py): the template's three sheets, a report's amounts overlaid on the projects for the
check (the payment 序时 light, the 纳统 light, the quantity gap, the printout and the JSON), the
refusals (one line naming the file, sheet, cell, project, item and rule; nothing stored) and the
values left out as implausible (listed on the receipt), old sheet versions still read."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from scheduler.app.ingest import ingest_report
from scheduler.app.reprint import view_of_run
from scheduler.app.weekly import run_weekly
from scheduler.core.findings import FindingKind, Light
from scheduler.core.model import Stage, StatsStatus
from scheduler.core.reporting import ReportingRules
from scheduler.core.reports import ReportRow, WeeklyReport, apply_reports
from scheduler.errors import PermissionRefused, ReportError
from scheduler.io.config import REPO_ROOT, Config, Unit
from scheduler.io.reports import META_SHEET, parse_report, write_templates
from scheduler.store.projects import read_projects
from scheduler.store.reports import load_reports
from scheduler.strings import error_text
from tests.helpers import zh_detail_english
from tests.test_reports import fill as filled
from tests.test_reports import stored_counts as stored
from tests.weekly_sample import load

WEEK = "2026-W48"              # Monday 2026-11-23 .. Sunday 2026-11-29
D = dt.date(2026, 11, 23)       # the run's data date: W48's Monday, when W48's reports apply
UNIT = "县交通运输局"
FUND, QTY, STAT = "资金支付", "实物量", "项目阶段与纳统"
# 资金支付: A 项目编号, B 项目名称, C 资金编号, D 资金类别, E 资金名称, F-H 已报累计下达/到位/支付,
#           I 本周下达, J 本周到位, K 本周支付 (万元)
# 实物量:   A 项目编号, B 项目名称, C 指标编号, D 实物量指标, E 计量单位, F 目标, G 已报累计完成, H 累计完成
# 项目阶段与纳统: A 项目编号, B 项目名称, C 项目阶段, D 实际开工日期, E 入库纳统状态, F 入库/纳统日期

PAY = """
[project]
id = "P-PAY"
name = "农村公路提质改造"
lead_unit = "县交通运输局"
calendar = "construction"
start = 2026-01-05
stage = "新开工"
commenced = 2026-08-10
statistics = "已入库"
statistics_date = 2026-09-01

[[milestone]]
id = "M1"
name = "路面铺装"
duration = 300

[[fund]]
id = "F1"
kind = "超长期特别国债"
name = "2026年超长期特别国债（农村公路）"
[fund.issued]
"2026-03" = 10000
[fund.received]
"2026-04" = 10000
[fund.paid]
"2026-04" = 2000
"2026-08" = 3000

[[quantity]]
id = "Q1"
name = "农村公路路面铺装"
measure = "公里"
target = 141
done = 100
finish_by = 2026-12-31
"""

OTHER = """
[project]
id = "P-OTHER"
name = "产业园标准厂房"
lead_unit = "县发改局"
calendar = "construction"
start = 2026-01-05
stage = "续建"
statistics = "已纳统"
commenced = 2025-05-01
statistics_date = 2025-06-01

[[milestone]]
id = "M1"
name = "主体施工"
duration = 300

[[fund]]
id = "F9"
kind = "地方政府专项债券"
[fund.issued]
"2026-02" = 5000

[[quantity]]
id = "Q9"
name = "标准厂房"
measure = "栋"
target = 8
done = 2
finish_by = 2026-12-31
"""


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load(engine, (PAY, "P-PAY.toml"), (OTHER, "P-OTHER.toml"))
    return engine


def config(tmp_path: Path, engine: Engine) -> Config:
    return Config(path=None, data_dir=tmp_path, calendar_dir=REPO_ROOT / "calendar", projects_dir=tmp_path,
                  outbox_dir=tmp_path / "outbox", database_url=engine.url.render_as_string(hide_password=False),
                  reporting=ReportingRules(),  # reports not required: no finding is carried (reporting.md 4)
                  units={u: Unit(u, (f"{i}@county.gov.cn",)) for i, u in enumerate((UNIT, "县发改局"))})


def template(engine: Engine, tmp_path: Path, unit: str = UNIT) -> Path:
    (path,) = write_templates(read_projects(engine), WEEK, tmp_path / "tpl", units=[unit])
    return path


# -- the template --------------------------------------------------------------------------------------


def test_template_lists_the_units_funds_quantities_and_projects_locked_and_prefilled(loaded: Engine,
                                                                                     tmp_path: Path) -> None:
    wb = load_workbook(template(loaded, tmp_path))
    assert wb[META_SHEET]["B2"].value == 3  # the format version
    f = wb[FUND]
    assert [c.value for c in f[4]] == ["P-PAY", "农村公路提质改造", "F1", "超长期特别国债",
                                       "2026年超长期特别国债（农村公路）", 10000, 10000, 5000, None, None, None]
    assert f["H4"].protection.locked and not f["K4"].protection.locked and f["A5"].value is None
    q = wb[QTY]
    assert [c.value for c in q[4]] == ["P-PAY", "农村公路提质改造", "Q1", "农村公路路面铺装", "公里", 141, 100, None]
    assert q["F4"].protection.locked and q["G4"].protection.locked and not q["H4"].protection.locked
    s = wb[STAT]
    assert [c.value for c in s[4]][:3] == ["P-PAY", "农村公路提质改造", "新开工"]
    assert s["D4"].value.date() == dt.date(2026, 8, 10) and s["E4"].value == "已入库"
    lists = {str(dv.sqref): dv.formula1 for dv in s.data_validations.dataValidation if dv.type == "list"}
    assert lists == {"C4": '"签约,前期,新开工,续建,竣工"', "E4": '"未入库,已入库,已纳统"'}
    # the other unit's project is not in this unit's sheet; its own sheet has it
    other = load_workbook(template(loaded, tmp_path / "o", "县发改局"))
    assert [r[0].value for r in other[FUND].iter_rows(min_row=4)] == ["P-OTHER"]


# -- hand-worked: a report changes the check ------------------------------------------------------------


def test_reported_payment_statistics_and_quantity_change_the_check_printout_and_json(
        loaded: Engine, tmp_path: Path) -> None:
    """F1: 10,000 issued in March, 5,000 paid; its 序时 at the start of 11-23 is 267/306 = 87.25 %
    (2026-03-01..12-31 is 306 days, 267 gone). Before the report: 50 % paid, 37.25 points behind:
    red. The W48 sheet pays 2,500 more (added to November): 7,500 / 10,000 = 75 %, 12.25 points
    behind: yellow. 纳统: commenced 08-10, 已入库, more than two months by 11-23: red; reported
    已纳统 on 11-20: green. Q1 (141 km by 12-31, from 01-01): 326/365 of the year gone, 125.93 km due;
    100 done is 18.39 points behind (yellow), 128 reported is ahead (green), printed 128/141 公里."""
    cfg = config(tmp_path, loaded)
    before = run_weekly(loaded, cfg, D, outputs=False, deliver=False)
    kinds = {f.kind: f for f in before.check.findings if f.project == "P-PAY"}
    assert kinds[FindingKind.PAYMENT].light is Light.RED
    assert kinds[FindingKind.PAYMENT].details["rate"] == 50.0
    assert kinds[FindingKind.PAYMENT].details["gap_points"] == 37.25
    assert kinds[FindingKind.STATISTICS].light is Light.RED
    assert kinds[FindingKind.QUANTITY].light is Light.YELLOW

    src = filled(template(loaded, tmp_path), tmp_path / "w48.xlsx", {
        (FUND, "K4"): 2500,
        (QTY, "H4"): 128,
        (STAT, "E4"): "已纳统", (STAT, "F4"): dt.datetime(2026, 11, 20)})
    receipt = ingest_report(loaded, src, now=dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC),
                            rules=cfg.reporting, timezone=cfg.timezone)
    assert receipt.read["fund"] == receipt.read["quantity"] == receipt.read["statistics"] == 1
    assert [(c.item, c.field, c.old, c.new) for c in receipt.changes] == [
        ("F1", "本周支付(万元)", "", "+2500"), ("Q1", "累计完成", "100", "128"),
        ("P-PAY", "入库纳统状态", "已入库", "已纳统"), ("P-PAY", "入库/纳统日期", "2026-09-01", "2026-11-20")]
    assert receipt.lines("zh")[2] == "读取：资金 1 行，实物量 1 行，阶段与纳统 1 行"
    assert not receipt.ignored

    after = run_weekly(loaded, cfg, D, outputs=False, deliver=False)
    kinds = {f.kind: f for f in after.check.findings if f.project == "P-PAY"}
    pay = kinds[FindingKind.PAYMENT]
    assert pay.light is Light.YELLOW
    assert (pay.details["paid"], pay.details["rate"], pay.details["planned_rate"], pay.details["gap_points"]) == (
        7500, 75.0, 87.25, 12.25)
    assert FindingKind.STATISTICS not in kinds and FindingKind.QUANTITY not in kinds
    doc = after.check.summary.to_json()["money"]["P-PAY"]   # what the run stores and the JSON gives
    assert doc["payment"]["funds"][0]["paid"] == 7500
    assert (doc["statistics"]["status"], doc["statistics"]["light"], doc["statistics"]["date"]) == (
        "已纳统", "green", "2026-11-20")
    assert (doc["quantities"][0]["done"], doc["quantities"][0]["planned"]) == (128, round(141 * 326 / 365, 2))

    view, _cals = view_of_run(loaded, cfg)
    q = next(x for x in view.money.quantities if x.project_id == "P-PAY")
    assert (q.progress, q.light) == ("128/141 公里", Light.GREEN)
    from scheduler.outputs.printout import render_printout

    out = render_printout(dataclasses.replace(view, projects=()), tmp_path / "p.pdf", {})
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "128/141 公里" in text and "已纳统" in text


def test_a_correction_replaces_the_weeks_amounts_and_weeks_add_up() -> None:
    """Version 2 of a week replaces version 1 as a whole (load_reports gives only the latest);
    two weeks' payments add up in their months; a quantity is the latest cumulative figure."""
    from scheduler.io.projectfile import parse_project
    from tests.weekly_sample import CALENDARS

    p = parse_project(PAY, "P-PAY.toml", calendars=CALENDARS)
    w47 = WeeklyReport(1, UNIT, "2026-W47", 1, "a.xlsx", "a", None, (
        ReportRow("P-PAY", "fund", "F1", paid_week=1000.0), ReportRow("P-PAY", "quantity", "Q1", quantity_done=110.0)))
    w49 = WeeklyReport(2, UNIT, "2026-W49", 2, "b.xlsx", "b", None, (
        ReportRow("P-PAY", "fund", "F1", paid_week=1500.0, received_week=0.0),
        ReportRow("P-PAY", "quantity", "Q1", quantity_done=120.0),
        ReportRow("P-PAY", "statistics", "P-PAY", stage=Stage.CONTINUING, statistics=StatsStatus.COUNTED)))
    got = apply_reports([p], [w47, w49])
    f = got.projects[0].money.funds[0]
    assert dict(f.paid) == {"2026-04": 2000, "2026-08": 3000, "2026-11": 2500}  # W47 and W49 (Mon 11-30)
    m = got.projects[0].money
    assert m.quantities[0].done == 120 and m.stage is Stage.CONTINUING and m.statistics is StatsStatus.COUNTED
    assert m.statistics_date == dt.date(2026, 9, 1) and m.commenced == dt.date(2026, 8, 10)  # blank: kept
    # a stored row that no longer fits (paid past received) is skipped with a warning, never raised
    over = WeeklyReport(3, UNIT, "2026-W50", 1, "c.xlsx", "c", None, (
        ReportRow("P-PAY", "fund", "F1", paid_week=9000.0), ReportRow("P-PAY", "fund", "F-GONE", paid_week=1.0)))
    got = apply_reports([p], [over])
    assert got.projects[0].money.funds[0] == p.money.funds[0]
    assert [w.split(": ", 1)[1] for w in got.warnings] == [
        "fund F1: paid 14000 exceeds received 10000 (支付不能超过到位), not applied",
        "no such fund any more, not applied"]
    from scheduler.strings import say  # the run prints them in the configured language
    assert say(got.warnings[1], "zh") == (f"第3号报表（{UNIT} 2026-W50 第1版）P-PAY/F-GONE："
                                          "项目中已无此项（fund），未采用")


def test_stored_versions_round_trip_and_the_latest_replaces(loaded: Engine, tmp_path: Path) -> None:
    tpl = template(loaded, tmp_path)
    v1 = filled(tpl, tmp_path / "v1.xlsx", {(FUND, "I4"): 0, (FUND, "K4"): 1000, (STAT, "C4"): "续建"})
    ingest_report(loaded, v1)
    v2 = filled(tpl, tmp_path / "v2.xlsx", {(FUND, "K4"): 1200, (QTY, "H4"): 104.5})
    assert ingest_report(loaded, v2).version == 2
    (rep,) = load_reports(loaded)
    assert rep.version == 2
    rows = {r.item_kind: r for r in rep.rows}
    assert rows["fund"].paid_week == 1200 and rows["fund"].issued_week is None
    assert rows["quantity"].quantity_done == 104.5
    assert rows["statistics"].stage is Stage.NEW_START  # v2's prefilled value, not v1's 续建
    applied = apply_reports(read_projects(loaded), [rep]).projects
    pay = next(p for p in applied if p.id == "P-PAY")
    assert dict(pay.money.funds[0].paid)["2026-11"] == 1200


# -- refused: one line, nothing stored --------------------------------------------------------------------


BAD = [
    # (cells, kind, sheet, cell, the line's rule part)
    ({(FUND, "K4"): 1e12}, "bad-money", FUND, "K4", "fund F1: 本周支付(万元): '1000000000000' is not a number "
                                                      "within ±1e+09"),
    ({(FUND, "J4"): "nan"}, "bad-money", FUND, "J4", "fund F1: 本周到位(万元): 'nan' is not a number within ±1e+09"),
    ({(FUND, "I4"): "inf"}, "bad-money", FUND, "I4", "fund F1: 本周下达(万元): 'inf' is not a number within ±1e+09"),
    ({(FUND, "K4"): -5}, "bad-money", FUND, "K4", "fund F1: 本周支付(万元): amount -5 is negative"),
    ({(QTY, "H4"): -1}, "bad-quantity", QTY, "H4", "quantity Q1: 累计完成: quantity -1 is negative"),
    ({(QTY, "H4"): 2e9}, "bad-quantity", QTY, "H4", "quantity Q1: 累计完成: '2000000000' is not a number "
                                                    "within ±1e+09"),
    ({(STAT, "C4"): "开工"}, "bad-stage", STAT, "C4",
     "项目阶段: stage '开工' is not one of 签约, 前期, 新开工, 续建, 竣工"),
    ({(STAT, "E4"): "已统计"}, "bad-statistics", STAT, "E4",
     "入库纳统状态: status '已统计' is not one of 未入库, 已入库, 已纳统"),
    ({(STAT, "F4"): dt.datetime(2026, 11, 30)}, "future-date", STAT, "F4",
     "the statistics date 2026-11-30 is after the report week's Sunday 2026-11-29 (入库/纳统日期不能晚于报表周)"),
    ({(FUND, "K4"): 6000}, "bad-fund", FUND, "K4",
     "fund F1: paid 11000 exceeds received 10000 (支付不能超过到位), after this week's amounts"),
    ({(FUND, "J4"): 0.5}, "bad-fund", FUND, "J4",
     "fund F1: received 10000.5 exceeds issued 10000 (到位不能超过下达), after this week's amounts"),
    ({(FUND, "A5"): "P-PAY", (FUND, "C5"): "F-NONE", (FUND, "K5"): 1}, "unknown-fund", FUND, "C5",
     "project P-PAY has no fund source F-NONE"),
    ({(QTY, "A5"): "P-PAY", (QTY, "C5"): "Q-NONE", (QTY, "H5"): 1}, "unknown-quantity", QTY, "C5",
     "project P-PAY has no quantity Q-NONE"),
]


@pytest.mark.parametrize(("cells", "kind", "sheet", "cell", "rule"), BAD,
                         ids=[f"{b[1]}-{b[2]}!{b[3]}" for b in BAD])
def test_bad_sheet_is_refused_with_one_line(loaded: Engine, tmp_path: Path, cells: dict[tuple[str, str], Any],
                                            kind: str, sheet: str, cell: str, rule: str) -> None:
    src = filled(template(loaded, tmp_path), tmp_path / "bad.xlsx", cells)
    with pytest.raises(ReportError) as e:
        ingest_report(loaded, src)
    assert e.value.show() == f"error: {src}[{sheet}!{cell}]: project P-PAY: [{kind}] {rule}"
    assert error_text(e.value, "en") == e.value.show()
    zh = error_text(e.value, "zh")  # what the CLI prints under language = "zh"
    assert zh.startswith(f"错误：{src}[{sheet}!{cell}]：项目 P-PAY：") and f"［{kind}］：" in zh, zh
    assert "\n" not in zh and zh_detail_english(zh, allowed=" ".join(map(str, cells.values()))) == [], zh
    assert stored(loaded) == (0, 0)


def test_the_line_in_the_configured_language(loaded: Engine, tmp_path: Path) -> None:
    """Under zh a line whose rule is in English says in Chinese what is wrong (strings.error_text)."""
    src = filled(template(loaded, tmp_path), tmp_path / "bad.xlsx", {(FUND, "A5"): "P-PAY", (FUND, "C5"): "F-NONE",
                                                                     (FUND, "K5"): 1})
    with pytest.raises(ReportError) as e:
        ingest_report(loaded, src)
    assert error_text(e.value, "zh") == (f"错误：{src}[资金支付!C5]：项目 P-PAY：未知的资金来源［unknown-fund］："
                                         "项目 P-PAY 没有资金来源 F-NONE")
    assert error_text(e.value, "en") == e.value.show()


def test_another_units_fund_or_quantity_is_refused(loaded: Engine, tmp_path: Path) -> None:
    tpl = template(loaded, tmp_path)
    for i, (sheet, item, fill_ref) in enumerate(((FUND, "F9", "K5"), (QTY, "Q9", "H5"))):
        src = filled(tpl, tmp_path / f"other{i}.xlsx", {(sheet, "A5"): "P-OTHER", (sheet, "C5"): item,
                                                        (sheet, fill_ref): 1})
        with pytest.raises(PermissionRefused) as e:
            ingest_report(loaded, src)
        kind = "资金" if sheet == FUND else "实物量"
        assert e.value.show() == (
            f"error: {src}[{sheet}!C5]: project P-OTHER: [not-responsible] unit 县交通运输局 may only report on its "
            f"own items; it is not responsible for 1: P-OTHER/{item} ({kind}, 县发改局)")
    assert stored(loaded) == (0, 0)


# -- plausibility: left out, the rest stored, the receipt says why ----------------------------------------


def test_implausible_values_are_left_out_with_the_reason(loaded: Engine, tmp_path: Path) -> None:
    src = filled(template(loaded, tmp_path), tmp_path / "odd.xlsx", {
        (FUND, "K4"): 1_500_000,                     # 150 万元 typed in 元: 150 x the 10,000 issued
        (QTY, "H4"): 90,                             # below the 100 already reported
        (STAT, "D4"): dt.datetime(2026, 12, 2),      # commenced after the week
        (STAT, "C4"): "续建"})                        # kept
    r = ingest_report(loaded, src, rules=ReportingRules(investment_ratio_max=100))
    assert [(g.cell, g.field, g.value, g.reason) for g in r.ignored] == [
        ("K4", "本周支付(万元)", "1,500,000", "receipt.why.fund_yuan"),
        ("H4", "累计完成", "90", "receipt.why.qty_backwards"),
        ("D4", "实际开工日期", "2026-12-02", "receipt.why.future")]
    zh = r.lines("zh")
    assert ("  资金支付!K4 P-PAY/F1 本周支付(万元) = 1,500,000：是该资金已下达 10,000 万元的 150 倍，"
            "疑似按“元”填报（折合 150 万元），请按万元填报") in zh
    assert "  实物量!H4 P-PAY/Q1 累计完成 = 90：累计完成倒退（已报 100）" in zh
    (rep,) = load_reports(loaded)
    assert [(x.item_kind, x.stage, x.paid_week, x.quantity_done, x.commenced) for x in rep.rows] == [
        ("statistics", Stage.CONTINUING, None, None, None)]
    # above 1.5 x the target: left out (211.5 km of 141)
    big = filled(template(loaded, tmp_path / "b"), tmp_path / "big.xlsx", {(QTY, "H4"): 212})
    r = ingest_report(loaded, big)
    assert [(g.value, g.reason, dict(g.args)) for g in r.ignored] == [
        ("212", "receipt.why.qty_over", {"target": "141", "ratio": "1.5"})]
    assert r.lines("en")[-1] == ("  实物量!H4 P-PAY/Q1 累计完成 = 212: more than 1.5 times the target 141: "
                                 "check the measure")


# -- older sheets --------------------------------------------------------------------------------------------


def test_a_version_2_sheet_is_still_read(loaded: Engine, tmp_path: Path) -> None:
    """A version-2 workbook (before the money sheets): its sheets read, nothing else expected."""
    wb = load_workbook(template(loaded, tmp_path))
    for name in (FUND, QTY, STAT):
        del wb[name]
    wb[META_SHEET]["B2"] = 2
    wb["投资"]["A4"] = None  # (P-PAY has no investment plan: the sheet is empty anyway)
    wb.save(tmp_path / "v2.xlsx")
    parsed = parse_report(tmp_path / "v2.xlsx")
    assert parsed.format_version == 2 and not any(r.has_values for r in parsed.rows)
    assert {r.item_kind for r in parsed.rows} == {"milestone"}
    r = ingest_report(loaded, tmp_path / "v2.xlsx")
    assert r.version == 1 and r.rows == 0


def test_the_receipt_example_of_the_docs(loaded: Engine, tmp_path: Path) -> None:
    """docs/reporting.md section 7, the example with money: the same lines."""
    src = filled(template(loaded, tmp_path), tmp_path / "w48.xlsx", {
        (FUND, "I4"): 1_500_000, (FUND, "K4"): 2500, (QTY, "H4"): 90, (STAT, "C4"): "续建"})
    r = ingest_report(loaded, src, now=dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC))
    doc = (REPO_ROOT / "docs" / "reporting.md").read_text(encoding="utf-8")
    example = doc.split("Example with money", 1)[1].split("```\n", 2)[1].splitlines()
    assert r.lines("zh") == example


def test_cli_template_and_ingest_money(loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dispatch report-template` writes the money sheets; `dispatch ingest` takes a good file, and
    refuses a bad one in one line (exit 2) storing nothing of it."""
    from click.testing import CliRunner

    from scheduler.cli import cli

    monkeypatch.setenv("DISPATCH_DATABASE_URL", str(loaded.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("DISPATCH_PORTFOLIO", "default")  # the repository's config.toml names 湘阴's
    runner = CliRunner()
    res = runner.invoke(cli, ["report-template", "--week", WEEK, "--unit", UNIT, "--out", str(tmp_path / "tpl")])
    assert res.exit_code == 0, res.output
    path = tmp_path / "tpl" / f"{WEEK}_{UNIT}.xlsx"
    assert load_workbook(path)[FUND]["C4"].value == "F1"
    good = filled(path, tmp_path / "good.xlsx", {(FUND, "K4"): 100, (QTY, "H4"): 101})
    bad = filled(path, tmp_path / "bad.xlsx", {(FUND, "J4"): "nan"})
    res = runner.invoke(cli, ["ingest", "--unit", UNIT, str(good), str(bad)])
    assert res.exit_code == 2
    assert "读取：资金 1 行，实物量 1 行，阶段与纳统 1 行" in res.output
    (line,) = [x for x in res.output.splitlines() if x.startswith("错误：")]  # language = zh
    assert line == (f"错误：{bad}[资金支付!J4]：项目 P-PAY：金额有误［bad-money］：资金 F1：本周到位(万元)："
                    "'nan' 超出数值范围（绝对值不超过 1e+09）")
    assert stored(loaded) == (1, 3)
