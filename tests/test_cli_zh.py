"""Chinese everywhere under language = "zh": every error line the CLI prints for a bad project file,
weekly sheet, config or command line is Chinese-first (`错误：where：项目 X，节点 M：<rule>［kind］：
<detail>`, strings.error_text), the detail in Chinese wherever the kind has a template (err.<kind>);
under "en" the line keeps its English shape (`error: where: ids: [kind] message`) that scripts read.
Data-driven over the bad-input cases of test_projectfile.py and test_config.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduler.cli import cli
from scheduler.errors import ProjectFileError
from scheduler.strings import error_text
from tests.helpers import zh_detail_english
from tests.test_config import BAD as BAD_CONFIGS
from tests.test_projectfile import BAD as BAD_FILES
from tests.test_projectfile import Bad

CJK = re.compile(r"[\u4e00-\u9fff]")
REPO = Path(__file__).resolve().parent.parent
CALENDARS = REPO / "calendar"
STILL_ENGLISH = frozenset({"toml-syntax"})
"""Kinds whose detail is the parser's own English text (after the Chinese rule)."""


def _config(tmp_path: Path, lang: str = "zh", extra: str = "") -> Path:
    p = tmp_path / f"config-{lang}.toml"
    p.write_text(f'language = "{lang}"\n[paths]\ndata_dir = "{(tmp_path / "var").as_posix()}"\n'
                 f'calendar_dir = "{CALENDARS.as_posix()}"\noutbox_dir = "{(tmp_path / "out").as_posix()}"\n'
                 + extra, encoding="utf-8")
    return p


def _line(res: Result) -> str:
    """The one error line on stderr (validate adds its count of refused files), no traceback."""
    assert res.exit_code == 2, (res.exit_code, res.output)
    assert "Traceback" not in res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith(("错误：", "error: "))]
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.mark.parametrize("bad", BAD_FILES, ids=lambda b: b.name)
def test_a_bad_project_file_is_one_chinese_line(tmp_path: Path, bad: Bad) -> None:
    f = tmp_path / "p.toml"
    f.write_text(bad.text, encoding="utf-8")
    zh = _line(CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "validate", str(f)]))
    ids = "，".join(f"{label} {v}" for label, v in (("项目", bad.project), ("节点", bad.milestone),
                                                      ("要素", bad.factor)) if v)
    assert zh.startswith(f"错误：{f}:{bad.line}：" + (f"{ids}：" if ids else "")), zh
    assert f"［{bad.kind}］：" in zh and CJK.search(zh.split("［")[0].split("：")[-1]), zh
    assert zh_detail_english(zh, allowed=bad.text) == [], zh
    for s in (s for s in bad.says if not s.startswith("#")):  # the values the rule names, in Chinese too
        assert s.replace(", ", "、") in zh or s in zh, (s, zh)
    en = _line(CliRunner().invoke(cli, ["--config", str(_config(tmp_path, "en")), "validate", str(f)]))
    assert en.startswith(f"error: {f}:{bad.line}: ") and f"[{bad.kind}] " in en and not CJK.search(
        en.replace(bad.text, "")[len(str(f)):].split("] ", 1)[0]), en


@pytest.mark.parametrize(("text", "key"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS])
def test_a_bad_config_is_one_chinese_line(tmp_path: Path, text: str, key: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    line = _line(CliRunner().invoke(cli, ["--config", str(cfg), "validate", str(REPO / "projects")]))
    assert line.startswith(f"错误：{cfg}：配置有误［bad-config］：{key}"), line
    assert zh_detail_english(line, allowed=text + " ".join(_KEYS)) == [], line


_KEYS = ("lookahead_weeks", "progress_yellow_points", "progress_red_points", "misfire_grace_seconds")


def test_the_issue_example_reads_chinese_first(tmp_path: Path) -> None:
    e = ProjectFileError("unknown-predecessor", "predecessor M99 is not a milestone of this project",
                         file="projects/YJ-AVENUE.toml", line=41, project="YJ-AVENUE", milestone="M08",
                         params={"pred": "M99"})
    assert error_text(e, "zh") == ("错误：projects/YJ-AVENUE.toml:41：项目 YJ-AVENUE，节点 M08：未知的前置节点"
                                   "［unknown-predecessor］：前置节点 M99 不是本项目的节点")
    assert error_text(e, "en") == ("error: projects/YJ-AVENUE.toml:41: project YJ-AVENUE, milestone M08: "
                                   "[unknown-predecessor] predecessor M99 is not a milestone of this project")
    # a kind without a template: the Chinese rule, then the English detail
    e = ProjectFileError("toml-syntax", "not valid TOML: Invalid date (at line 5, column 19)", file="x.toml", line=5)
    assert error_text(e, "zh") == ("错误：x.toml:5：TOML 语法错误［toml-syntax］：not valid TOML: Invalid date "
                                   "(at line 5, column 19)")


SYNTAX = {
    "syntax.toml": '[project]\nid = "X"\nname = "坏文件"\nlead_unit = "县发改局"\nstart = 2026-13-01\n',
    "cycle.toml": ('[project]\nid = "C"\nname = "循环"\nlead_unit = "县发改局"\nstart = 2026-01-05\n'
                   'calendar = "construction"\n'
                   '[[milestone]]\nid = "A"\nname = "甲"\nduration = 5\nafter = ["B"]\n'
                   '[[milestone]]\nid = "B"\nname = "乙"\nduration = 5\nafter = ["A"]\n'),
    "encoding.toml": b"\xff\xfe[project]\n",
}


@pytest.mark.parametrize("name", sorted(SYNTAX))
def test_syntax_encoding_and_cycle_are_chinese_first(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    data = SYNTAX[name]
    f.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    line = _line(CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "validate", str(f)]))
    assert line.startswith(f"错误：{f}"), line
    if name != "syntax.toml":
        assert zh_detail_english(line) == [], line


def test_a_bad_sheet_and_a_bad_config_are_refused_in_chinese(tmp_path: Path) -> None:
    sheet = tmp_path / "县自然资源局_2026-W48.xlsx"
    sheet.write_text("not a workbook", encoding="utf-8")
    assert CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "init"]).exit_code == 0
    res = CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "ingest", "--unit", "县自然资源局", str(sheet)])
    assert res.exit_code != 0 and "Traceback" not in res.output
    bad = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert bad[0].startswith(f"错误：{sheet}：不是 Excel（.xlsx）文件［not-xlsx］：不是可读取的 .xlsx 工作簿"), bad
    assert all(CJK.search(ln) for ln in bad), bad
    cfg = _config(tmp_path, extra="[check]\nlookahead_weekz = 4\n")
    line = _line(CliRunner().invoke(cli, ["--config", str(cfg), "projects"]))
    assert line.startswith(f"错误：{cfg}：配置有误［bad-config］：[check] lookahead_weekz"), line


def test_a_missing_week_is_refused_in_chinese_and_english_stays_english(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "init"]).exit_code == 0
    res = CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), "printout", "--week", "2026-W40"])
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines()[0] == ("错误：没有该周的调度运行［no-run］：数据库中没有 2026-W40 的周调度运行"
                                          "（请运行 dispatch run）")
    assert CliRunner().invoke(cli, ["--config", str(_config(tmp_path, "en")), "init"]).exit_code == 0
    res = CliRunner().invoke(cli, ["--config", str(_config(tmp_path, "en")), "printout", "--week", "2026-W40"])
    assert res.stderr.splitlines()[0] == "error: [no-run] no weekly run of 2026-W40 is stored (dispatch run)"


USAGE = [
    (["validate"], "缺少参数 'PATHS...'"),
    (["validate", "--bogus", "x"], "没有选项 '--bogus'"),
    (["nosuch"], "没有命令 'nosuch'"),
    (["schedule", "--format", "xml", "p.toml"], "'--format' 的取值有误：'xml' 不是可选值（'json', 'table'）之一"),
    (["schedule", "--data-date", "2026-13-01", "p.toml"], "--data-date 的取值有误：'2026-13-01' 不是日期"),
    (["schedule", "p.toml", "--data-date"], "选项 '--data-date' 需要一个值"),
]


@pytest.mark.parametrize(("args", "says"), USAGE, ids=[" ".join(a) for a, _ in USAGE])
def test_click_usage_errors_are_chinese_under_zh(tmp_path: Path, args: list[str], says: str) -> None:
    res = CliRunner().invoke(cli, ["--config", str(_config(tmp_path)), *args])
    assert res.exit_code == 2 and "Traceback" not in res.output
    (line,) = res.stderr.splitlines()
    assert line.startswith(f"错误：命令行用法有误［usage］：{says}"), line
    assert "（用法：" in line and "-h）" in line
    res = CliRunner().invoke(cli, ["--config", str(_config(tmp_path, "en")), *args])
    assert res.exit_code == 2 and res.stderr.splitlines()[-1].startswith("Error: "), res.stderr


def test_the_weeks_run_projects_and_schedule_say_their_notices_in_chinese(tmp_path: Path) -> None:
    """The sample week reaches into 2027, a year the State Council has not announced: `run`,
    `projects`, `schedule` and `export` print that notice in Chinese under zh (they printed the schedule's
    English `warning: calendar construction: 2027 scheduled on the provisional rule…`), English under en."""
    for lang in ("zh", "en"):
        (tmp_path / lang).mkdir()
        cfg = str(_config(tmp_path / lang, lang))
        run = CliRunner(env={"COLUMNS": "200"}).invoke
        for args in (["init"], ["load", str(REPO / "projects")]):
            assert run(cli, ["--config", cfg, *args]).exit_code == 0
        outs = [run(cli, ["--config", cfg, *args]) for args in (
            ["run", "--data-date", "2026-11-23", "--no-outputs"], ["projects"],
            ["schedule", str(REPO / "projects" / "YGG-RAIL.toml"), "--data-date", "2026-11-23"])]
        for res in outs:
            assert res.exit_code == 0, res.output
            notices = [ln for ln in res.output.splitlines() if ln.startswith(("提示：", "warning: "))]
            assert notices, res.output[-2000:]
            if lang == "zh":
                assert all(ln.startswith("提示：日历“") and "2027年的国务院节假日安排尚未公布" in ln for ln in notices)
                assert not re.search(r"[A-Za-z]{3,} [a-z]{3,} [a-z]{3,}", res.output), res.output[-2000:]
            else:
                assert all("2027 scheduled on the provisional rule" in ln for ln in notices)
        res = CliRunner().invoke(cli, ["--config", cfg, "export", str(REPO / "projects" / "YGG-RAIL.toml"),
                                       "--format", "mspdi", "--out", str(tmp_path / lang / "rail.xml")])
        assert res.exit_code == 0, res.output
        said = "提示：日历“" if lang == "zh" else "warning: calendar construction: 2027 scheduled"
        assert any(ln.startswith(said) for ln in res.stderr.splitlines()), res.stderr
