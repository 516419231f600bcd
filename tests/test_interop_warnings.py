"""The import warnings of real MS Project / P6 files (../shared/interop-samples) are said in the
configured language (issue 13): Chinese under language = "zh", the English sentences as before under "en"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_interop_cases import make_config, run
from tests.test_interop_samples import SAMPLES

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the shared interop samples are not at {SAMPLES}")


def _warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, lang: str) -> list[str]:
    monkeypatch.delenv("DISPATCH_CONFIG", raising=False)
    config = make_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace('language = "en"', f'language = "{lang}"'),
                      encoding="utf-8")
    res = run(config, "import", str(SAMPLES / name), "--out", str(tmp_path / "p.toml"), "--write-calendar")
    assert res.exit_code == 0, res.stderr
    prefix = "提示：" if lang == "zh" else "warning: "
    return [line for line in res.output.splitlines() if line.startswith(prefix)]


def test_p6_warnings_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _warnings(tmp_path, monkeypatch, "percent-complete-8.4.xer", "zh")
    assert len(lines) == 6
    assert "提示：EC00640：文件不是 UTF-8 编码，已按 cp1252 读取" in lines
    assert ("提示：EC00640：任务 A1050：写入完成百分比 0，使剩余工期保持 100 天；"
            "未采用文件中的实物完成百分比 25") in lines
    assert ("提示：EC00640：任务 A1030：已开始、剩余工期为 0 但没有实际完成日期；按剩余 1 个工作日计"
            "（规范须有实际完成日期才算完成）") in lines
    assert ("提示：EC00640：日历：calendar/ 下没有与文件日历 'Corporate - Standard Full Time' "
            "在 2015-02-24..2016-07-28 工作日相同的日历；"
            "已写为 calendar/corporate-standard-full-time.toml，项目采用该日历") in lines
    assert all(not line.isascii() for line in lines)


def test_project_id_warning_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _warnings(tmp_path, monkeypatch, "SuccessorCalendar.xer", "zh")
    assert ("提示：TEST-PROJECT：文件的项目编号 'TEST PROJECT' 含 [A-Za-z0-9_.-] 以外的字符；项目编号取 'TEST-PROJECT'"
            "（可用 --project-id 另行指定）") in lines
    assert lines and all(not line.isascii() for line in lines)


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
