"""`dispatch --help` and every subcommand's --help in the configured language (issue 13): the texts
come from strings.py when the help is shown, in the language of the config the command line names;
an unreadable config falls back to $DISPATCH_LANG, else Chinese, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scheduler.cli import cli, wrap_cells
from scheduler.strings import STRINGS, t

CJK = re.compile(r"[\u4e00-\u9fff]")


def _commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for name, sub in group.commands.items():
        out += _commands(sub, (*path, name)) if isinstance(sub, click.Group) else [(*path, name)]
    return out


COMMANDS = _commands()


def _keys(path: tuple[str, ...]) -> list[str]:
    """The strings.py keys a command's help uses: its own and one per option."""
    cmd: click.Command = cli
    for name in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.commands[name]
    key = "help." + (".".join(path) or "cli")
    opts = [max(p.opts, key=len).lstrip("-") for p in cmd.params if isinstance(p, click.Option)]
    return [key] + [f"{key}.{o}" for o in opts]


def _config(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(body, encoding="utf-8")
    return p


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_there_are_commands_to_check() -> None:
    assert len(COMMANDS) > 20 and ("user", "add") in COMMANDS and ("run",) in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "dispatch")
def test_every_help_is_chinese_under_zh_and_english_under_en(tmp_path: Path, path: tuple[str, ...],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPATCH_LANG", raising=False)
    keys = _keys(path)
    assert all(set(STRINGS[k]) == {"zh", "en"} for k in keys), [k for k in keys if k not in STRINGS]
    zh = CliRunner().invoke(cli, ["--config", str(_config(tmp_path, 'language = "zh"\n')), *path, "--help"])
    assert zh.exit_code == 0, zh.output
    assert zh.output.startswith("用法：") and "选项" in zh.output and "显示本帮助并退出" in zh.output
    for k in keys:  # every text whole (wrapping only adds line breaks and indentation) and Chinese
        assert CJK.search(t(k, "zh")) and _flat(t(k, "zh")) in _flat(zh.output), k
    assert "Usage" not in zh.output and "Options" not in zh.output and "help." not in zh.output
    assert all(len(wrap_cells(line, 80)) <= 1 for line in zh.output.splitlines()), zh.output  # 80 columns
    en = CliRunner().invoke(cli, ["--config", str(_config(tmp_path, 'language = "en"\n')), *path, "--help"])
    assert en.exit_code == 0, en.output
    assert en.output.startswith("Usage: ") and "Options:" in en.output and "Show this message" in en.output
    for k in keys:
        assert _flat(t(k, "en")) in _flat(en.output), k
    english = re.sub(r"[\u4e00-\u9fff（）、/]+", "", en.output)  # Chinese terms in brackets are fine
    assert len(english) > 0.8 * len(en.output) and "选项" not in en.output


def test_the_list_of_commands_shows_a_short_line_each_in_the_language(tmp_path: Path) -> None:
    zh = CliRunner().invoke(cli, ["--config", str(_config(tmp_path, 'language = "zh"\n')), "--help"]).output
    assert re.search(r"^  run +运行一次周调度$", zh, re.M) and re.search(r"^  user +网页工作台的账号$", zh, re.M)
    assert "命令" in zh
    en = CliRunner().invoke(cli, ["--config", str(_config(tmp_path, 'language = "en"\n')), "--help"]).output
    assert re.search(r"^  serve +Run the weekly check on its schedule and retry pending alerts$", en, re.M)


@pytest.mark.parametrize("env_lang, expect", [(None, "用法："), ("en", "Usage: "), ("zh", "用法：")])
def test_an_unreadable_config_falls_back_to_dispatch_lang_then_chinese(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env_lang: str | None, expect: str) -> None:
    if env_lang is None:
        monkeypatch.delenv("DISPATCH_LANG", raising=False)
    else:
        monkeypatch.setenv("DISPATCH_LANG", env_lang)
    broken = _config(tmp_path, 'language = "en\n[paths\n')
    for args in (["--config", str(broken), "run", "--help"], ["--config", str(tmp_path / "missing.toml"), "--help"]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0 and res.exception is None and "Traceback" not in res.output
        assert res.output.startswith(expect), res.output


def test_the_config_named_by_dispatch_config_gives_the_language(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPATCH_LANG", raising=False)
    monkeypatch.setenv("DISPATCH_CONFIG", str(_config(tmp_path, 'language = "en"\n')))
    assert CliRunner().invoke(cli, ["printout", "--help"]).output.startswith("Usage: ")
    assert CliRunner().invoke(cli, ["--help"]).output.startswith("Usage: ")


@pytest.mark.parametrize("text, width, lines", [
    ("项目是 TOML 文件中的节点网络；每周检查", 12, ["项目是 TOML", "文件中的节点", "网络；每周检", "查"]),
    ("（--unit），文件本身", 8, ["（--unit），", "文件本身"]),  # a comma never starts a line
    ("a b c", 3, ["a b", "c"]),
])
def test_help_wraps_by_terminal_columns_between_cjk_characters(text: str, width: int, lines: list[str]) -> None:
    assert wrap_cells(text, width) == lines
