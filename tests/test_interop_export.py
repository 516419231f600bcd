"""What the exported files say: deadlines as MS Project Deadlines and P6 Finish On or Before (never
a constraint that moves early dates), events typed as start or finish milestones, progress with
the remaining duration written out; export by project id from the projects folder; an XER in
GB18030 and a recurring MSPDI calendar exception."""

from __future__ import annotations

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from scheduler.io.mspdi import NS, read_mspdi
from scheduler.io.xer import parse_tables, read_xer
from tests.test_interop_cases import CASES, REPO, make_config, run

Q = f"{{{NS}}}"


def _export(tmp_path: Path, fmt: str, *extra: str) -> Path:
    config = make_config(tmp_path)
    out = tmp_path / f"rt.{fmt}"
    res = run(config, "export", str(CASES / "10_roundtrip.toml"), "--format", fmt, "--out", str(out), *extra)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.strip() == str(out)
    return out


def test_mspdi_deadlines_events_and_progress(tmp_path: Path) -> None:
    root = ET.parse(_export(tmp_path, "mspdi", "--data-date", "2026-10-19")).getroot()
    tasks = {t.findtext(f"{Q}Name"): t for t in root.iter(f"{Q}Task")}
    m3, m5, m0, m1 = tasks["路面"], tasks["交工验收"], tasks["开工"], tasks["路基"]
    assert m3.findtext(f"{Q}Deadline") == "2026-12-31T17:00:00"
    assert m3.findtext(f"{Q}ConstraintType") == "4" and m3.findtext(f"{Q}ConstraintDate") == "2026-11-16T08:00:00"
    assert m5.findtext(f"{Q}ConstraintType") == "0" and m5.findtext(f"{Q}Deadline") == "2027-01-15T17:00:00"
    assert m5.findtext(f"{Q}Milestone") == "1" and m5.findtext(f"{Q}Start", "").endswith("T17:00:00")  # reached
    assert m0.findtext(f"{Q}Milestone") == "1" and m0.findtext(f"{Q}Start", "").endswith("T08:00:00")  # at a start
    # started at 40 % of 20 days: 12 days left, written out
    assert m1.findtext(f"{Q}RemainingDuration") == "PT96H0M0S"
    assert m1.findtext(f"{Q}ActualStart") == "2026-09-29T08:00:00"
    assert m1.findtext(f"{Q}PhysicalPercentComplete") == "40"
    assert root.findtext(f"{Q}StatusDate") == "2026-10-19T00:00:00"
    assert root.findtext(f"{Q}Calendars/{Q}Calendar/{Q}Name") == "office"
    # the office calendar's National Day break is an exception of the exported calendar
    froms = [e.findtext(f"{Q}TimePeriod/{Q}FromDate") for e in root.iter(f"{Q}Exception")]
    assert "2026-10-01T00:00:00" in froms


def test_xer_deadlines_events_and_progress(tmp_path: Path) -> None:
    _v, tables, enc = parse_tables(_export(tmp_path, "xer", "--data-date", "2026-10-19").read_bytes(), "x.xer")
    assert enc == "utf-8-sig"
    rows = {r["task_code"]: r for _line, r in tables["TASK"].rows}
    assert rows["M3"]["cstr_type"] == "CS_MSOA" and rows["M3"]["cstr_type2"] == "CS_MEOB"
    assert rows["M3"]["cstr_date2"] == "2026-12-31 17:00"
    assert rows["M2"]["cstr_type"] == "CS_MSOB"
    assert rows["M0"]["task_type"] == "TT_Mile" and rows["M5"]["task_type"] == "TT_FinMile"
    assert rows["M0"]["status_code"] == "TK_Complete" and rows["M1"]["status_code"] == "TK_Active"
    assert rows["M1"]["remain_drtn_hr_cnt"] == "96" and rows["M1"]["phys_complete_pct"] == "40"
    assert rows["M4"]["status_code"] == "TK_NotStart" and rows["M4"]["remain_drtn_hr_cnt"] == "48"
    links = {(r["pred_task_id"], r["task_id"]): (r["pred_type"], r["lag_hr_cnt"]) for _l, r in tables["TASKPRED"].rows}
    ids = {r["task_code"]: r["task_id"] for r in rows.values()}
    assert links[(ids["M3"], ids["M4"])] == ("PR_SF", "64")


def test_export_by_id_from_the_projects_folder(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    shutil.copytree(REPO / "projects", tmp_path / "projects")
    out = tmp_path / "out"
    res = run(config, "export", "YGG-RAIL", "XG-BRIDGE", "--format", "mspdi", "--out", f"{out}/")
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["XG-BRIDGE.xml", "YGG-RAIL.xml"]
    assert read_mspdi((out / "YGG-RAIL.xml").read_bytes(), "YGG-RAIL.xml").name == "虞公港铁路专用线"
    assert "factor requirements" in res.stderr  # what a schedule exchange leaves out is said


def test_xer_in_gb18030_is_read(tmp_path: Path) -> None:
    text = (CASES / "03_xer_two_projects.xer").read_text(encoding="utf-8")
    projects = read_xer(text.encode("gb18030"), "gbk.xer")
    assert projects[0].name == "湘江大桥" and projects[0].tasks[1].name == "钻孔桩"
    assert "read as gb18030" in projects[0].warnings[0]


def test_recurring_mspdi_exception_is_warned_not_read() -> None:
    xml = (CASES / "01_mspdi_programme.xml").read_text(encoding="utf-8").replace(
        "<Name>国庆</Name><Type>1</Type>", "<Name>国庆</Name><Type>6</Type>")
    src = read_mspdi(xml.encode("utf-8"), "r.xml")
    cal = src.calendars[src.calendar]
    assert cal.is_working(dt.date(2026, 10, 1))
    assert any("recurring exception '国庆'" in w for w in src.warnings)


def test_names_xml_cannot_hold_never_reach_the_export(tmp_path: Path) -> None:
    """A control character in a name is refused when the project file is read (issue 14: names are
    printable), so the exported XML can never hold one: one [control-character] line, no file."""
    text = (CASES / "10_roundtrip.toml").read_text(encoding="utf-8").replace('name = "路基"', 'name = "路基\\u0001段"')
    src = tmp_path / "ctl.toml"
    src.write_text(text, encoding="utf-8")
    config = make_config(tmp_path)
    res = run(config, "export", str(src), "--format", "mspdi", "--out", str(tmp_path / "ctl.xml"))
    assert res.exit_code == 2 and "[control-character]" in res.stderr, res.stderr
    assert not (tmp_path / "ctl.xml").exists()


def test_inactive_mspdi_tasks_and_their_links_are_dropped() -> None:
    xml = (CASES / "01_mspdi_programme.xml").read_text(encoding="utf-8").replace(
        "<Name>铺轨（按资源）</Name>", "<Name>铺轨（按资源）</Name><Active>0</Active>")
    src = read_mspdi(xml.encode("utf-8"), "inactive.xml")
    assert [t.code for t in src.tasks if t.code.startswith("2.")] == ["2.1", "2.2", "2.3"]
    final = next(t for t in src.tasks if t.code == "3")
    assert [x.pred for x in final.links] == ["7"]
    assert any("inactive tasks and their links dropped" in w and "铺轨" in w for w in src.warnings)


def test_relationships_of_p6_wbs_summary_activities_are_dropped() -> None:
    last = "%R\t7\t2002\t2001\t20\t20\tPR_FS\t0"
    text = (CASES / "03_xer_two_projects.xer").read_text(encoding="utf-8").replace(
        last, last + "\n%R\t8\t1005\t1007\t10\t10\tPR_FS\t0")
    bridge = read_xer(text.encode("utf-8"), "wbs.xer")[0]
    a200 = next(t for t in bridge.tasks if t.code == "A200")
    assert [x.pred for x in a200.links] == ["1004"]
    assert any("A050->A200" in w for w in bridge.warnings)
