"""Weekly reports (scheduler/reports.py): the template per unit, a department filling it in with
openpyxl, ingesting (stored rows, versions, refusals naming sheet, cell and ids with nothing
stored, unit permissions) and overlaying the reports on the projects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from scheduler.app.ingest import ingest_report
from scheduler.cli import cli
from scheduler.core.model import FactorStatus
from scheduler.core.reports import ReportRow, WeeklyReport, apply_reports
from scheduler.errors import PermissionRefused, ReportError
from scheduler.io.reports import META_SHEET, build_template, normalize_week, parse_report, report_units, write_templates
from scheduler.store.db import report_rows, weekly_reports
from scheduler.store.projects import read_projects
from scheduler.store.reports import load_reports
from scheduler.strings import error_text
from tests.helpers import zh_detail_english
from tests.weekly_sample import ROAD, load

WEEK = "2026-W48"  # Monday 2026-11-23 .. Sunday 2026-11-29
D = dt.date(2026, 11, 23)
MS, FS, INV = "节点进度", "要素保障", "投资"
# 节点进度 columns: A 项目编号, B 项目名称, C 节点编号, D 节点名称, E 计划开始, F 计划完成,
#                  G 实际开始, H 实际完成, I 完成百分比; rows from 4
# 要素保障 columns: A 项目编号, B 项目名称, C 要素编号, D 要素类型, E 审批事项, F 关联节点,
#                  G 办理状态, H 预计批复日期, I 堵点问题
# 投资 columns: A 项目编号, B 项目名称, C 年度计划, D 已报累计, E 本周完成投资


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load(engine, (ROAD, "P-ROAD.toml"))
    return engine


def templates(engine: Engine, out: Path) -> dict[str, Path]:
    paths = write_templates(read_projects(engine), WEEK, out)
    return {load_workbook(p)[META_SHEET]["B3"].value: p for p in paths}


def fill(src: Path, dst: Path, cells: dict[tuple[str, str], Any]) -> Path:
    """What a department does: open the template, type into cells, save under another name."""
    wb = load_workbook(src)
    for (sheet, ref), value in cells.items():
        wb[sheet][ref] = value
    wb.save(dst)
    return dst


def stored_counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as c:
        return (int(c.scalar(select(func.count()).select_from(weekly_reports)) or 0),
                int(c.scalar(select(func.count()).select_from(report_rows)) or 0))


# -- the template ------------------------------------------------------------------------------------


def test_one_template_per_responsible_unit(loaded: Engine, tmp_path: Path) -> None:
    files = templates(loaded, tmp_path)
    assert sorted(files) == sorted(["县发改局", "洋沙湖集团", "县自然资源局", "县林业局"])
    assert report_units(read_projects(loaded)) == sorted(files)
    assert files["县林业局"].name == "2026-W48_县林业局.xlsx"
    wb = load_workbook(files["洋沙湖集团"])
    ws = wb[MS]
    # its milestones only (M2, M3: milestone.unit); M1 has no unit -> the lead unit 县发改局 reports it
    assert [(ws[f"A{r}"].value, ws[f"C{r}"].value) for r in (4, 5)] == [("P-ROAD", "M2"), ("P-ROAD", "M3")]
    assert ws["A6"].value is None
    assert wb[FS]["A4"].value is None and wb[INV]["A4"].value is None  # no factors, leads no project
    lead = load_workbook(files["县发改局"])
    assert lead[MS]["C4"].value == "M1" and lead[INV]["A4"].value == "P-ROAD"
    assert lead[INV]["C4"].value == 1200 and lead[INV]["D4"].value == 100  # plan, completed so far
    land = load_workbook(files["县自然资源局"])[FS]
    assert (land["C4"].value, land["G4"].value, land["I4"].value) == ("F1", "办理中", "补划方案待省厅审查")
    assert land["H4"].value.date() == dt.date(2026, 11, 15)


def test_template_protection_dropdowns_formats_and_meta(loaded: Engine, tmp_path: Path) -> None:
    wb = load_workbook(templates(loaded, tmp_path)["县自然资源局"])
    ws = wb[FS]
    assert ws.protection.sheet is True
    assert ws["A4"].protection.locked and ws["C4"].protection.locked  # ids locked
    assert not ws["G4"].protection.locked and not ws["H4"].protection.locked and not ws["I4"].protection.locked
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"未启动,办理中,已批复"' and "G4" in str(lists[0].sqref)
    dates = [dv for dv in ws.data_validations.dataValidation if dv.type == "date"]
    assert dates and "H4" in str(dates[0].sqref)
    assert ws["H4"].number_format == "yyyy-mm-dd"
    meta = wb[META_SHEET]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet is True
    assert (meta["B3"].value, meta["B4"].value) == ("县自然资源局", WEEK)
    ms = wb[MS]
    pct = [dv for dv in ms.data_validations.dataValidation if dv.type == "decimal"]
    assert not pct  # this unit has no milestones: no rows, no validations
    assert ws["A1"].value == "县自然资源局  重大项目要素保障周调度报表  2026年第48周（11月23日至29日）"


def test_unknown_unit_refused(loaded: Engine, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="县水利局"):
        write_templates(read_projects(loaded), WEEK, tmp_path, units=["县水利局"])


def test_week_normalized_or_refused() -> None:
    assert normalize_week("2026-w8") == "2026-W08"
    with pytest.raises(ReportError, match="ISO week"):
        normalize_week("2026-48")


# -- round trip ---------------------------------------------------------------------------------------


def test_round_trip_values_stored_and_applied(loaded: Engine, tmp_path: Path) -> None:
    files = templates(loaded, tmp_path)
    yang = fill(files["洋沙湖集团"], tmp_path / "yang.xlsx", {
        (MS, "G4"): dt.datetime(2026, 11, 18), (MS, "H4"): dt.datetime(2026, 11, 18),  # 开工 event
        (MS, "G5"): dt.datetime(2026, 11, 19), (MS, "I5"): 15,
    })
    land = fill(files["县自然资源局"], tmp_path / "land.xlsx", {
        (FS, "G4"): "已批复", (FS, "I4"): "无",
    })
    lead = fill(files["县发改局"], tmp_path / "lead.xlsx", {
        (MS, "G4"): "2026/11/01", (MS, "H4"): "2026年11月12日",  # typed as text: still dates
        (INV, "E4"): 150,
    })
    results = [ingest_report(loaded, p) for p in (yang, land, lead)]
    assert [(r.unit, r.week, r.version) for r in results] == [
        ("洋沙湖集团", WEEK, 1), ("县自然资源局", WEEK, 1), ("县发改局", WEEK, 1)]
    with loaded.connect() as c:
        rows = {(r.item_kind, r.item_id): r for r in c.execute(select(report_rows))}
    assert rows[("milestone", "M3")].actual_start == dt.date(2026, 11, 19)
    assert rows[("milestone", "M3")].percent == 15
    assert rows[("milestone", "M1")].actual_finish == dt.date(2026, 11, 12)
    assert rows[("factor", "F1")].factor_status == "已批复" and rows[("factor", "F1")].blocker == ""
    assert rows[("project", "P-ROAD")].investment_week == 150
    # 县林业局 sent nothing: only three reports; every row of them is kept
    assert stored_counts(loaded) == (3, 5)

    applied = apply_reports(read_projects(loaded), load_reports(loaded, up_to=D))
    (p,) = applied.projects
    assert applied.warnings == ()
    # `projects`: only the rows about them (the web form applies a unit's reports to its own projects)
    everything = load_reports(loaded, up_to=D)
    assert sum(len(r.rows) for r in everything) == 5
    assert load_reports(loaded, up_to=D, projects=["P-ROAD"]) == everything
    assert [(r.unit, r.rows) for r in load_reports(loaded, up_to=D, projects=["NO-SUCH"])] == [
        (r.unit, ()) for r in everything]
    assert sorted(applied.report_ids) == sorted(r.report_id for r in results)
    m1, m2, m3 = p.milestones
    assert (m1.actual_start, m1.actual_finish) == (dt.date(2026, 11, 1), dt.date(2026, 11, 12))
    assert m2.actual_finish == dt.date(2026, 11, 18)
    assert (m3.actual_start, m3.percent) == (dt.date(2026, 11, 19), 15)
    f1, f2 = p.factors
    assert f1.status is FactorStatus.APPROVED and f1.blocker is None  # "无" cleared the blocker
    assert f1.expected == dt.date(2026, 11, 15)  # blank cell: unchanged
    assert f2.status is FactorStatus.NOT_STARTED
    assert p.investment is not None
    # 100 from the file + 150 reported for the week of Monday 11-23 (November)
    assert p.investment.completed["2026-11"] == 250
    # a data date before the week's Monday does not see the report
    earlier = apply_reports(read_projects(loaded), load_reports(loaded, up_to=dt.date(2026, 11, 22)))
    assert earlier.projects[0].milestones[2].actual_start is None


def test_percent_typed_with_percent_format_and_text_number(loaded: Engine, tmp_path: Path) -> None:
    files = templates(loaded, tmp_path)
    src = fill(files["洋沙湖集团"], tmp_path / "a.xlsx", {(MS, "G5"): dt.datetime(2026, 11, 19),
                                                          (MS, "I5"): 0.4})
    wb = load_workbook(src)
    wb[MS]["I5"].number_format = "0%"  # Excel turns a typed "40%" into 0.4 shown as 40%
    wb.save(src)
    assert parse_report(src).rows[1].percent == pytest.approx(40)
    src2 = fill(files["洋沙湖集团"], tmp_path / "b.xlsx", {(MS, "G5"): "2026-11-19", (MS, "I5"): "35%"})
    assert parse_report(src2).rows[1].percent == 35


# -- refusals: nothing of the file is stored ------------------------------------------------------------


@pytest.mark.parametrize(("sheet", "cell", "value", "kind", "ids"), [
    (MS, "I5", 150, "bad-percent", ("milestone M3", "outside 0..100")),
    (MS, "G5", "下周", "bad-date", ("milestone M3", "'下周' is not a date")),
    (MS, "H4", 20261120, "bad-date", ("milestone M2",)),
])
def test_bad_cell_refused_naming_sheet_cell_ids(loaded: Engine, tmp_path: Path, sheet: str, cell: str,
                                                value: Any, kind: str, ids: tuple[str, ...]) -> None:
    src = fill(templates(loaded, tmp_path)["洋沙湖集团"], tmp_path / "bad.xlsx", {(sheet, cell): value})
    with pytest.raises(ReportError) as e:
        ingest_report(loaded, src)
    err = e.value
    assert (err.kind, err.sheet, err.cell, err.project) == (kind, sheet, cell, "P-ROAD")
    text = err.show()
    assert f"bad.xlsx[{sheet}!{cell}]" in text and "project P-ROAD" in text
    for part in ids:
        assert part in text
    zh = error_text(err, "zh")  # the line under language = "zh": the cell, ids and rule in Chinese
    assert zh.startswith(f"错误：{src}[{sheet}!{cell}]：项目 P-ROAD，节点 {ids[0].split()[1]}："), zh
    assert f"［{kind}］：" in zh, zh
    assert zh_detail_english(zh) == [], zh
    assert stored_counts(loaded) == (0, 0)


def test_unknown_status_refused(loaded: Engine, tmp_path: Path) -> None:
    src = fill(templates(loaded, tmp_path)["县自然资源局"], tmp_path / "s.xlsx",
               {(FS, "G4"): "已完成", (FS, "I4"): "已解决"})
    with pytest.raises(ReportError) as e:
        ingest_report(loaded, src)
    assert (e.value.kind, e.value.sheet, e.value.cell, e.value.factor) == ("bad-status", FS, "G4", "F1")
    assert "'已完成' is not one of 未启动, 办理中, 已批复" in e.value.show()
    assert stored_counts(loaded) == (0, 0)


def test_inconsistent_values_refused(loaded: Engine, tmp_path: Path) -> None:
    t = templates(loaded, tmp_path)["洋沙湖集团"]
    cases = [
        # 100 % needs an actual finish (the model's rule), pointed at the percent cell
        ({(MS, "G5"): dt.datetime(2026, 11, 19), (MS, "I5"): 100}, "complete-without-finish", "I5"),
        # a finish before its start
        ({(MS, "G5"): dt.datetime(2026, 11, 19), (MS, "H5"): dt.datetime(2026, 11, 2)},
         "finish-before-start", "H5"),
        # percent without any actual start
        ({(MS, "I5"): 20}, "percent-without-start", "I5"),
    ]
    for i, (cells, kind, cell) in enumerate(cases):
        src = fill(t, tmp_path / f"c{i}.xlsx", cells)
        with pytest.raises(ReportError) as e:
            ingest_report(loaded, src)
        assert (e.value.kind, e.value.cell, e.value.milestone) == (kind, cell, "M3"), e.value.show()
    assert stored_counts(loaded) == (0, 0)


def test_wrong_layout_refused(loaded: Engine, tmp_path: Path) -> None:
    t = templates(loaded, tmp_path)["洋沙湖集团"]
    wb = load_workbook(t)
    wb[MS]["I3"] = "进度"
    wb.save(tmp_path / "h.xlsx")
    with pytest.raises(ReportError) as e:
        ingest_report(loaded, tmp_path / "h.xlsx")
    assert (e.value.kind, e.value.sheet, e.value.cell) == ("bad-layout", MS, "I3")
    assert "should be headed '完成百分比(0-100)'" in e.value.message
    wb = load_workbook(t)
    wb[FS].title = "要素"
    wb.save(tmp_path / "s.xlsx")
    with pytest.raises(ReportError, match="sheet '要素保障' is missing"):
        ingest_report(loaded, tmp_path / "s.xlsx")
    from openpyxl import Workbook
    Workbook().save(tmp_path / "plain.xlsx")
    with pytest.raises(ReportError, match="not a dispatch weekly report"):
        ingest_report(loaded, tmp_path / "plain.xlsx")
    (tmp_path / "x.xlsx").write_text("not a workbook")
    with pytest.raises(ReportError) as e:
        ingest_report(loaded, tmp_path / "x.xlsx")
    assert e.value.kind == "not-xlsx"
    assert stored_counts(loaded) == (0, 0)


# -- permissions -------------------------------------------------------------------------------------------


def test_unit_permission_refused(loaded: Engine, tmp_path: Path) -> None:
    t = templates(loaded, tmp_path)
    # 县林业局 adds the land approval F1 (县自然资源局's) and milestone M3 (洋沙湖集团's) to its file
    src = fill(t["县林业局"], tmp_path / "forest.xlsx", {
        (FS, "G4"): "办理中",
        (FS, "A5"): "P-ROAD", (FS, "C5"): "F1", (FS, "G5"): "已批复",
        (MS, "A4"): "P-ROAD", (MS, "C4"): "M3", (MS, "G4"): dt.datetime(2026, 11, 20),
    })
    with pytest.raises(PermissionRefused) as e:
        ingest_report(loaded, src)
    msg = e.value.show()
    assert "县林业局" in msg and "P-ROAD/F1" in msg and "P-ROAD/M3" in msg and "县自然资源局" in msg
    assert (e.value.sheet, e.value.cell, e.value.milestone) == (MS, "C4", "M3")
    assert stored_counts(loaded) == (0, 0)
    # the lead unit may not report 洋沙湖集团's milestone either; investment of a project it does
    # not lead is refused the same way
    src = fill(t["洋沙湖集团"], tmp_path / "y.xlsx", {(INV, "A4"): "P-ROAD", (INV, "E4"): 10})
    with pytest.raises(PermissionRefused, match=r"P-ROAD .投资, 县发改局."):
        ingest_report(loaded, src)
    assert stored_counts(loaded) == (0, 0)


def test_unknown_ids_refused(loaded: Engine, tmp_path: Path) -> None:
    src = fill(templates(loaded, tmp_path)["洋沙湖集团"], tmp_path / "u.xlsx",
               {(MS, "A6"): "P-ROAD", (MS, "C6"): "M9", (MS, "G6"): dt.datetime(2026, 11, 20)})
    with pytest.raises(ReportError) as e:
        ingest_report(loaded, src)
    assert (e.value.kind, e.value.cell, e.value.milestone) == ("unknown-milestone", "C6", "M9")


# -- versions ----------------------------------------------------------------------------------------------


def test_correction_is_version_two_and_replaces_the_week(loaded: Engine, tmp_path: Path) -> None:
    t = templates(loaded, tmp_path)["洋沙湖集团"]
    v1 = fill(t, tmp_path / "v1.xlsx", {(MS, "G5"): dt.datetime(2026, 11, 19), (MS, "I5"): 15,
                                         (MS, "G4"): dt.datetime(2026, 11, 18), (MS, "H4"): dt.datetime(2026, 11, 18)})
    r1 = ingest_report(loaded, v1)
    again = ingest_report(loaded, v1)  # the same file twice: nothing new
    assert again.unchanged and again.version == 1 and again.report_id == r1.report_id
    # the correction: M3 at 25 %, and the 开工 row left blank this time
    v2 = fill(t, tmp_path / "v2.xlsx", {(MS, "G5"): dt.datetime(2026, 11, 19), (MS, "I5"): 25})
    r2 = ingest_report(loaded, v2)
    assert (r2.version, r2.unit, r2.week) == (2, "洋沙湖集团", WEEK) and r2.report_id != r1.report_id
    assert stored_counts(loaded) == (2, 3)  # both versions kept, never overwritten
    latest = load_reports(loaded, up_to=D)
    assert [(r.id, r.version) for r in latest] == [(r2.report_id, 2)]
    p = apply_reports(read_projects(loaded), latest).projects[0]
    assert p.milestones[2].percent == 25
    assert p.milestones[1].actual_finish is None  # version 1's 开工 is replaced with the week


def test_weeks_apply_in_order_and_investment_adds_up(loaded: Engine, tmp_path: Path) -> None:
    files47 = {load_workbook(p)[META_SHEET]["B3"].value: p
               for p in write_templates(read_projects(loaded), "2026-W47", tmp_path / "w47")}
    files48 = templates(loaded, tmp_path / "w48")
    ingest_report(loaded, fill(files48["县发改局"], tmp_path / "l48.xlsx", {(INV, "E4"): 70}))
    ingest_report(loaded, fill(files47["县发改局"], tmp_path / "l47.xlsx", {(INV, "E4"): 30}))
    ingest_report(loaded, fill(files47["洋沙湖集团"], tmp_path / "y47.xlsx",
                               {(MS, "G5"): dt.datetime(2026, 11, 19), (MS, "I5"): 5}))
    ingest_report(loaded, fill(files48["洋沙湖集团"], tmp_path / "y48.xlsx", {(MS, "I5"): 12}))
    reports = load_reports(loaded, up_to=D)
    # by week, then unit by code point (县 U+53BF before 洋 U+6D0B)
    assert [(r.week, r.unit) for r in reports] == [("2026-W47", "县发改局"), ("2026-W47", "洋沙湖集团"),
                                                   ("2026-W48", "县发改局"), ("2026-W48", "洋沙湖集团")]
    p = apply_reports(read_projects(loaded), reports).projects[0]
    # W47 started M3 at 5 %, W48 (percent only; the start stays) moved it to 12 %
    assert (p.milestones[2].actual_start, p.milestones[2].percent) == (dt.date(2026, 11, 19), 12)
    # both weeks' Mondays (11-16, 11-23) are in November: 100 + 30 + 70
    assert p.investment is not None and p.investment.completed["2026-11"] == 200
    # at 11-16 only W47 applies
    p47 = apply_reports(read_projects(loaded), load_reports(loaded, up_to=dt.date(2026, 11, 16))).projects[0]
    assert p47.milestones[2].percent == 5 and p47.investment is not None
    assert p47.investment.completed["2026-11"] == 130


def test_apply_skips_rows_that_no_longer_fit() -> None:
    from scheduler.io.projectfile import parse_project
    from tests.weekly_sample import CALENDARS

    p = parse_project(ROAD, "P-ROAD.toml", calendars=CALENDARS)
    bad = WeeklyReport(7, "洋沙湖集团", WEEK, 1, "x.xlsx", "0" * 64, None, (
        ReportRow("P-ROAD", "milestone", "M3", actual_finish=dt.date(2026, 11, 20)),  # finish, no start
        ReportRow("P-ROAD", "milestone", "M9", percent=5),
        ReportRow("P-ROAD", "factor", "F2", factor_status=FactorStatus.IN_PROGRESS),
    ))
    applied = apply_reports([p], [bad])
    assert applied.projects[0].milestones[2].actual_finish is None
    assert applied.projects[0].factors[1].status is FactorStatus.IN_PROGRESS
    assert len(applied.warnings) == 2
    assert "P-ROAD/M3" in applied.warnings[0] and "actual_finish without an actual_start" in applied.warnings[0]


# -- the command line --------------------------------------------------------------------------------------


def test_cli_template_and_ingest(loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_DATABASE_URL", str(loaded.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("DISPATCH_PORTFOLIO", "default")  # the repository's config.toml names 湘阴's
    runner = CliRunner()
    out = tmp_path / "tpl"
    res = runner.invoke(cli, ["report-template", "--week", WEEK, "--unit", "县林业局", "--out", str(out)])
    assert res.exit_code == 0, res.output
    path = out / "2026-W48_县林业局.xlsx"
    assert path.is_file() and str(path) in res.output
    good = fill(path, tmp_path / "good.xlsx", {(FS, "G4"): "办理中", (FS, "H4"): dt.datetime(2026, 12, 20)})
    bad = fill(path, tmp_path / "bad.xlsx", {(FS, "H4"): "尽快"})
    res = runner.invoke(cli, ["ingest", "--unit", "县林业局", str(good), str(bad)])
    assert res.exit_code == 2
    assert "县林业局" in res.output and "第 1 版" in res.output
    assert "bad.xlsx[要素保障!H4]：项目 P-ROAD，要素 F2：日期有误［bad-date］" in res.output  # config.toml says zh
    assert stored_counts(loaded) == (1, 1)


def test_build_template_is_deterministic_in_content(loaded: Engine) -> None:
    ps = read_projects(loaded)
    stamp = dt.datetime(2026, 11, 23, 8, 30)
    a = build_template(ps, "洋沙湖集团", WEEK, generated_at=stamp)
    b = build_template(ps, "洋沙湖集团", WEEK, generated_at=stamp)
    cells = [[c.value for c in row] for ws in (a[MS], a[FS], a[INV]) for row in ws.iter_rows()]
    assert cells == [[c.value for c in row] for ws in (b[MS], b[FS], b[INV]) for row in ws.iter_rows()]
