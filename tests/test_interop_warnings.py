"""The import warnings of real MS Project / P6 files (../shared/interop-samples) are said in the
configured language (issue 13): Chinese under language = "zh", the English sentences as before under "en"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scheduler.core.model import LinkType
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.io.interop import ImportOptions, import_file, link_type, some
from scheduler.strings import Said, say
from tests.test_interop_cases import make_config, run
from tests.test_interop_samples import SAMPLES

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the shared interop samples are not at {SAMPLES}")
CASES = Path(__file__).resolve().parent / "cases" / "interop"


def _warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, lang: str) -> list[str]:
    monkeypatch.delenv("DISPATCH_CONFIG", raising=False)
    config = make_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace('language = "en"', f'language = "{lang}"'),
                      encoding="utf-8")
    res = run(config, "import", str(SAMPLES / name), "--out", str(tmp_path / "p.toml"), "--write-calendar")
    assert res.exit_code == 0, res.stderr
    prefix = "提示：" if lang == "zh" else "warning: "
    return [line for line in res.output.splitlines() if line.startswith(prefix)]


@needs_samples
def test_p6_warnings_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _warnings(tmp_path, monkeypatch, "percent-complete-8.4.xer", "zh")
    assert len(lines) == 6
    assert "提示：EC00640：文件不是 UTF-8 编码，已按 cp1252 读取" in lines
    assert ("提示：EC00640：任务 A1050：写入完成百分比 0，使剩余工期保持 100 天；"
            "未采用文件中的实物完成百分比 25") in lines
    assert ("提示：EC00640：任务 A1030：已开始、剩余工期为 0 但没有实际完成日期；按剩余 1 个工作日计"
            "（规范须有实际完成日期才算完成）") in lines
    assert ("提示：EC00640：日历：calendar/ 下没有与文件日历 'Corporate - Standard Full Time' "
            "在 2015-02-24 至 2016-07-28 工作日相同的日历；"
            "已写为 calendar/corporate-standard-full-time.toml，项目采用该日历") in lines
    assert all(not line.isascii() for line in lines)


@needs_samples
def test_project_id_warning_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _warnings(tmp_path, monkeypatch, "SuccessorCalendar.xer", "zh")
    assert ("提示：TEST-PROJECT：文件的项目编号 'TEST PROJECT' 含 [A-Za-z0-9_.-] 以外的字符；项目编号取 'TEST-PROJECT'"
            "（可用 --project-id 另行指定）") in lines
    assert lines and all(not line.isascii() for line in lines)


@needs_samples
def test_english_warnings_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _warnings(tmp_path, monkeypatch, "percent-complete-8.4.xer", "en")
    assert lines == [
        "warning: EC00640: the file is not UTF-8; read as cp1252",
        "warning: EC00640: task A1030: started with no remaining duration but no actual finish; 1 working day is left "
        "to do (the spec needs an actual finish to call it done)",
        "warning: EC00640: task A1050: percent 0 written so the spec leaves its remaining duration of 100 days; "
        "the file's physical percent 25 is not used",
        "warning: EC00640: task A1060: percent 0 written so the spec leaves its remaining duration of 100 days; "
        "the file's physical percent 75 is not used",
        "warning: EC00640: task A1070: percent 0 written so the spec leaves its remaining duration of 100 days; "
        "the file's physical percent 100 is not used",
        "warning: EC00640: calendar: no calendar under calendar/ works the same days as the file's "
        "'Corporate - Standard Full Time' over 2015-02-24..2016-07-28; it is written as "
        "calendar/corporate-standard-full-time.toml and the project uses it",
    ]


def _said(name: str, options: ImportOptions) -> list[tuple[str, str]]:
    """(Chinese, English) of each warning importing tests/cases/interop/`name`."""
    results = import_file(CASES / name, options, CalendarSet(REPO_ROOT / "calendar"))
    return [(say(w, "zh"), say(w, "en")) for r in results for w in r.warnings]


def test_the_values_inside_a_chinese_warning_are_chinese_too() -> None:
    """Constraint names, the rounded items, the days two calendars differ and the separators of a
    list are said in Chinese under zh (were: 'Must Start On', task 1.1, lag 2.1->2.2, 126 days
    differ: 2026-09-05 (off in the file, worked in construction); …), the English sentences as before."""
    zh, en = zip(*_said("01_mspdi_programme.xml", ImportOptions()), strict=True)
    assert "任务 2.1：约束 “必须开始于” 2026-09-14 08:00 已舍弃：规范没有这种约束（其日期由网络计算）" in zh
    assert "取整：以小时计的工期和搭接时间已取整为整工作日：任务 1.1 4.50->5、2.1->2.2 的搭接时间 2.50->3" in zh
    assert ("日历：文件的项目日历 'Standard' 与项目采用的 calendar/construction.toml 在 2026-09-01 至 2027-10-31 "
            "不同：共 126 天，如 2026-09-05（文件中休息，construction 中工作）、2026-09-06（文件中休息，construction "
            "中工作）、2026-09-12（文件中休息，construction 中工作）、2026-09-13（文件中休息，construction 中工作）、"
            "2026-09-19（文件中休息，construction 中工作）…；日期将与文件中的不同（用 --write-calendar 保留文件的日历）"
            ) in zh
    assert ("task 2.1: constraint 'Must Start On' on 2026-09-14 08:00 dropped: the spec has no such constraint (its "
            "dates are the network's)") in en
    assert ("rounding: durations and lags in hours rounded to whole working days: task 1.1 4.50->5, "
            "lag 2.1->2.2 2.50->3") in en
    assert any(x.endswith("126 days differ: 2026-09-05 (off in the file, worked in construction); 2026-09-06 (off "
                          "in the file, worked in construction); 2026-09-12 (off in the file, worked in construction);"
                          " 2026-09-13 (off in the file, worked in construction); 2026-09-19 (off in the file, worked "
                          "in construction) …; dates will differ from the file's (use --write-calendar to keep the "
                          "file's calendar)") for x in en)
    kept = dict(_said("01_mspdi_programme.xml", ImportOptions(milestones_only=True)))
    assert kept["仅保留节点：被舍弃任务的期限或进度未转入：1.1、2.1"] == (
        "milestones only: deadlines or progress of dropped tasks are not carried: 1.1, 2.1")
    (p6,) = [x for x in _said("03_xer_two_projects.xer", ImportOptions()) if "A130：约束" in x[0]]
    assert p6[0] == "任务 A130：约束 “开始于” 2026-10-12 08:00 已舍弃：规范没有这种约束（其日期由网络计算）"
    assert not [x for x in zh if re.search(r"\b(task|lag|days|off|worked|Must|differ)\b", x)]


def test_link_types_and_long_lists_in_chinese() -> None:
    """A merged or retyped link names its type as the Chinese editions of MS Project and P6 do; a list
    cut at five items says how many there are."""
    merged = Said("1->2 FS", "warn.item.link", pred="1", succ="2", type=link_type(LinkType.FS))
    retyped = Said("A->B FF->SS", "warn.item.retyped", pred="A", succ="B", old=link_type(LinkType.FF),
                   new=link_type(LinkType.SS))
    w = Said(f"links: ...: {some([merged, retyped])}", "warn.links-merged", items=some([merged, retyped]))
    assert say(w, "zh") == ("关系：同一对任务之间同类型的两条关系已合并，保留较大的搭接时间："
                            "1->2 完成-开始(FS)、A->B 完成-完成(FF)->开始-开始(SS)")
    assert say(w, "en") == "links: ...: 1->2 FS, A->B FF->SS"
    many = some([f"T{i}" for i in range(7)])
    assert say(Said("x", "warn.milestones-lost", items=many), "zh") == (
        "仅保留节点：被舍弃任务的期限或进度未转入：T0、T1、T2、T3、T4…（共 7 项）")
    assert str(many) == "T0, T1, T2, T3, T4 … (7 in all)"


def test_the_start_event_an_import_adds_is_named_in_the_configured_language(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """--milestones-only hangs the work before the first kept milestones from a START event: its name,
    written into the project file the county reads, is Chinese under zh (was always English)."""
    monkeypatch.delenv("DISPATCH_CONFIG", raising=False)
    config = make_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace('language = "en"', 'language = "zh"'),
                      encoding="utf-8")
    out = tmp_path / "p.toml"
    res = run(config, "import", str(CASES / "01_mspdi_programme.xml"), "--out", str(out), "--milestones-only",
              "--write-calendar")
    assert res.exit_code == 0, res.stderr
    assert 'id = "START"\nname = "导入计划开始"' in out.read_text(encoding="utf-8")
