"""The findings workbook (scheduler/sheets.py) read back with openpyxl: one row per finding in
全部问题, the printout's grouping in the other sheets, filters, frozen headings, filled lights."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import sample_view as sv

from scheduler.core.findings import Light
from scheduler.core.phrases import finding_text, names_of_projects
from scheduler.outputs.sheets import HEADER_ROW, LIGHT_FILL, write_findings_sheet


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = write_findings_sheet(sv.build(), tmp_path_factory.mktemp("xlsx") / "findings.xlsx")
    return openpyxl.load_workbook(path)


def rows(ws) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    head = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(head, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=HEADER_ROW + 1)]


def test_sheets_in_the_printouts_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == ["红灯清单", "要素保障", "提请专题研究", "全部问题", "说明"]


def test_all_findings_one_row_each(book: openpyxl.Workbook) -> None:
    all_rows = rows(book["全部问题"])
    assert len(all_rows) == len(sv.FINDINGS) == 5
    texts = sorted(finding_text(f, names_of_projects(sv.PROJECTS), ref=sv.D) for f in sv.FINDINGS)
    assert sorted(r["问题"] for r in all_rows) == texts  # type: ignore[type-var]
    # red first
    assert [r["灯色"] for r in all_rows] == ["红", "红", "红", "黄", "黄"]
    f1 = next(r for r in all_rows if r["要素编号"] == "F1")
    assert (f1["项目编号"], f1["首次发现"], f1["挂账（周）"], f1["连续红灯（周）"]) == ("YGG-RAIL", "2026年第45周", 4,
                                                                                    4)


def test_filters_frozen_headings_and_widths(book: openpyxl.Workbook) -> None:
    for name in ("红灯清单", "要素保障", "提请专题研究", "全部问题"):
        ws = book[name]
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
        assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:") and ws.auto_filter.ref.endswith(str(ws.max_row))
        assert all((ws.column_dimensions[c].width or 0) >= 6 for c in "ABCDEF")
        assert str(ws["A1"].value).startswith("2026年第48周（11月23日至29日）重大项目要素保障周调度 · ")
        assert str(ws["A1"].value).endswith("· 数据日期 2026年11月23日")


def test_the_about_sheet_says_the_week_as_the_brief_does(book: openpyxl.Workbook) -> None:
    """The week as people read it, on the 说明 sheet and in every first-seen cell; no bare ISO code."""
    about = {r[0].value: r[1].value for r in book["说明"].iter_rows(min_row=3) if r[0].value}
    assert about["调度周"] == "2026年第48周（11月23日至29日）"
    assert book["说明"]["A1"].value == "2026年第48周（11月23日至29日）重大项目要素保障周调度"
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert not [c for c in cells if "-W" in c]


def test_days_are_not_called_working_days_whatever_the_calendar(book: openpyxl.Workbook) -> None:
    """The days column holds calendar days on the construction calendar (its sentence says 天) and
    working days on the office calendar: headed 天数, the 说明 sheet says how each is counted."""
    assert "天数" in [c.value for c in book["全部问题"][HEADER_ROW]]
    assert "工作日" not in [c.value for c in book["红灯清单"][HEADER_ROW]]
    about = [c.value for c in book["说明"]["B"]]
    assert "滞后天数：施工日历（每天施工，春节停工）的项目按日历天计，机关日历的项目按工作日计。" in about


def test_red_list_grouped_by_lead_unit(book: openpyxl.Workbook) -> None:
    red = rows(book["红灯清单"])
    assert [r["牵头单位"] for r in red] == ["县发改局", "县发改局", "县交通运输局"]
    assert all(r["灯色"] == "红" for r in red)


def test_blockers_by_kind_and_light_fills(book: openpyxl.Workbook) -> None:
    ws = book["要素保障"]
    b = rows(ws)
    assert [r["要素类别"] for r in b] == ["用地", "用林", "环评"]
    needed = b[0]["需具备日期"]
    assert isinstance(needed, dt.datetime) and needed.date() == dt.date(2026, 5, 24)
    assert b[0]["堵点问题"] == "林地指标不足，需省厅调剂"
    light_col = [c.value for c in ws[HEADER_ROW]].index("灯色") + 1
    cell = ws.cell(HEADER_ROW + 1, light_col)
    assert cell.value == "红" and cell.fill.fgColor.rgb.endswith(LIGHT_FILL[Light.RED])
    assert ws.cell(HEADER_ROW + 3, light_col).value is None  # 环评 not started: no finding, no light


def test_special_meeting_sheet(book: openpyxl.Workbook, tmp_path: Path) -> None:
    assert rows(book["提请专题研究"]) == []  # no problem list: nothing goes up
    with_list = openpyxl.load_workbook(write_findings_sheet(sv.build(problems=sv.PROBLEMS), tmp_path / "p.xlsx"))
    (esc,) = rows(with_list["提请专题研究"])  # the problem going up (F1), not M03's (decided)
    assert esc["项目"] == "虞公港铁路专用线" and esc["连续红灯（周）"] == 4
    assert esc["事由"] == "二期用地预审连续4周红灯，林地指标不足"


def test_english_sheet(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_findings_sheet(sv.build(lang="en"), tmp_path / "en.xlsx"))
    assert wb.sheetnames[:4] == ["Red list", "Factor blockers", "Special meeting", "All findings"]
    assert len(list(wb["All findings"].iter_rows(min_row=HEADER_ROW + 1))) == 5
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows(min_row=3) if r[0].value}
    assert about["Week"] == "2026-W48 (2026-11-23 to 2026-11-29)"
    assert rows(wb["All findings"])[0]["First seen"] in {"2026-W45", "2026-W47", "2026-W48"}
