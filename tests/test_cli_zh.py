"""Chinese everywhere under language = "zh": every error line the CLI prints for a bad project file,
weekly sheet or config names its kind in Chinese (strings.error_text), whatever language the
error's own message is in; under "en" the line stays English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.errors import ProjectFileError
from scheduler.strings import error_text

CJK = re.compile(r"[\u4e00-\u9fff]")
CALENDARS = Path(__file__).resolve().parent.parent / "calendar"


def _config(tmp_path: Path, lang: str = "zh", extra: str = "") -> Path:
    p = tmp_path / "config.toml"
    p.write_text(f'language = "{lang}"\n[paths]\ndata_dir = "{(tmp_path / "var").as_posix()}"\n'
                 f'calendar_dir = "{CALENDARS.as_posix()}"\noutbox_dir = "{(tmp_path / "out").as_posix()}"\n'
                 + extra, encoding="utf-8")
    return p


BAD_FILES = {
    "syntax.toml": '[project]\nid = "X"\nname = "坏文件"\nlead_unit = "县发改局"\nstart = 2026-13-01\n',
    "cycle.toml": ('[project]\nid = "C"\nname = "循环"\nlead_unit = "县发改局"\nstart = 2026-01-05\n'
                   'calendar = "construction"\n'
                   '[[milestone]]\nid = "A"\nname = "甲"\nduration = 5\nafter = ["B"]\n'
                   '[[milestone]]\nid = "B"\nname = "乙"\nduration = 5\nafter = ["A"]\n'),
    "encoding.toml": b"\xff\xfe[project]\n",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_every_error_line_for_a_bad_project_file_is_chinese_under_zh(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    data = BAD_FILES[name]
    f.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    res = CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "validate", str(f)])
    assert res.exit_code != 0
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error")]
    assert errors, res.output
    assert all(CJK.search(ln) and ln.startswith("error: ") for ln in errors), errors


def test_a_bad_sheet_and_a_bad_config_are_refused_in_chinese(tmp_path: Path) -> None:
    sheet = tmp_path / "县自然资源局_2026-W48.xlsx"
    sheet.write_text("not a workbook", encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "ingest", "--unit", "县自然资源局", str(sheet)])
    assert res.exit_code != 0 and "Traceback" not in res.output
    bad = [ln for ln in res.output.splitlines() if ln.strip()]
    assert bad and all(CJK.search(ln) for ln in bad), bad
    cfg = _config(tmp_path, extra="[check]\nlookahead_weekz = 4\n")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "projects"])
    assert res.exit_code != 0
    assert all(CJK.search(ln) for ln in res.output.splitlines() if ln.strip()), res.output


def test_a_missing_week_is_refused_in_chinese_and_english_stays_english(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "init"]).exit_code == 0
    res = CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "printout", "--week", "2026-W40"])
    assert res.exit_code != 0 and "2026-W40" in res.output and CJK.search(res.output)
    e = ProjectFileError("cycle", "milestones A -> B -> A form a cycle", file="c.toml", line=7, project="C",
                         milestone="A")
    assert error_text(e, "zh") == ("error: c.toml:7: project C, milestone A: [cycle] milestones A -> B -> A "
                                   "form a cycle（节点网络有循环）")
    assert error_text(e, "en") == "error: c.toml:7: project C, milestone A: [cycle] milestones A -> B -> A form a cycle"
