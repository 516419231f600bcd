"""Every error the code can raise reads Chinese under language = "zh": a sweep over the source
finds each `raise SomeError("kind", …, params=…)` (and the importers' `mapper.error("kind", …)`),
and fails on a kind whose `err.<kind>` template (`err.<kind>.<case>` for a case it names) is
missing or names a value the raise site does not give. Then the kinds of the import formats,
accounts, problem actions, fonts and database drivers go through the CLI under zh: one line with
Chinese, a non-zero exit, no traceback (the import formats' in tests/test_interop_errors.py)."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import scheduler
from scheduler.cli import cli
from scheduler.errors import DispatchError
from scheduler.strings import STRINGS, error_text
from tests.conftest import write_config, write_portfolio
from tests.helpers import zh_detail_english

SOURCE = Path(scheduler.__file__).parent
KIND = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
CJK = re.compile(r"[\u4e00-\u9fff]")
PARAM_HELPERS = {"os_params": {"errno", "reason"}, "db_params": {"reason", "cause"}}
"""Helpers that build an error's params, and the params they give."""
DERIVED = {"cause": {"why"}}
OWN_NAMES = " mplfonts scripts/setup.sh matplotlib DejaVuSans.ttf"
"""Names a Chinese detail keeps as written (packages and files to install or look at)."""
"""Params strings.error_detail derives from others (a driver's cause: its explanation)."""


def _error_classes() -> set[str]:
    import importlib
    import pkgutil

    for m in pkgutil.walk_packages([str(SOURCE)], "scheduler."):
        if ".migrations" not in m.name and not m.name.startswith("scheduler.web"):
            importlib.import_module(m.name)

    def below(c: type) -> Iterator[type]:
        for s in c.__subclasses__():
            yield s
            yield from below(s)

    return {c.__name__ for c in below(DispatchError)} | {"DispatchError"}


@dataclass(frozen=True)
class Site:
    """One place the source raises an error of a literal kind."""

    where: str
    kind: str
    case: str | None
    """The literal case (or template key) it names; "?" when computed."""
    keys: frozenset[str] | None
    """The params it gives, None when they are computed (not checked)."""
    template: bool = False

    def key(self) -> str:
        if self.template:
            return str(self.case)
        return f"err.{self.kind}.{self.case}" if self.case else f"err.{self.kind}"


def _dict_keys(node: ast.expr) -> tuple[set[str], str | None, bool, bool] | None:
    """A params expression's literal keys, its literal case, whether `case` is a template key, and
    whether everything in it is known; None when nothing is."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PARAM_HELPERS:
        return set(PARAM_HELPERS[node.func.id]), None, False, True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        a, b = _dict_keys(node.left), _dict_keys(node.right)
        if a is None or b is None:
            return None
        return a[0] | b[0], b[1] or a[1], b[2] or a[2], a[3] and b[3]
    if not isinstance(node, ast.Dict):
        return None
    keys: set[str] = set()
    case, template, known = None, False, True
    for k, v in zip(node.keys, node.values, strict=True):
        if k is None:  # **something
            inner = _dict_keys(v)
            if inner is None:
                known = False
            else:
                keys |= inner[0]
                known = known and inner[3]
            continue
        if isinstance(k, ast.Constant) and isinstance(k.value, str):
            keys.add(k.value)
            if k.value in ("case", "template"):
                case = v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?"
                template = k.value == "template"
    return keys, case, template, known


def raise_sites() -> list[Site]:
    """Every call of an error class (or an importer's `error` helper) with a literal kind."""
    classes = _error_classes()
    sites = []
    for f in sorted(SOURCE.rglob("*.py")):
        if "migrations" in f.parts:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            helper = name == "error" and isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) \
                and fn.value.id in ("self", "mapper")
            if name not in classes and not helper:
                continue
            first = node.args[0]
            options = [first] if not isinstance(first, ast.IfExp) else [first.body, first.orelse]
            kinds = [o.value for o in options if isinstance(o, ast.Constant) and isinstance(o.value, str)]
            if not kinds or not all(KIND.fullmatch(k) for k in kinds):
                continue
            where = f"{f.relative_to(SOURCE.parent)}:{node.lineno}"
            if helper:  # _Mapper.error(kind, message, task=…, **params)
                params = {kw.arg for kw in node.keywords if kw.arg is not None}
                known = all(kw.arg is not None for kw in node.keywords)
                case_kw = next((kw.value for kw in node.keywords if kw.arg == "case"), None)
                case = None if case_kw is None else case_kw.value if isinstance(case_kw, ast.Constant) else "?"
                parsed: tuple[set[str], str | None, bool, bool] | None = (params, case, False, known)
            else:
                kw = next((kw.value for kw in node.keywords if kw.arg == "params"), None)
                parsed = (set(), None, False, True) if kw is None else _dict_keys(kw)
            for kind in kinds:
                if parsed is None:
                    sites.append(Site(where, kind, "?", None))
                else:
                    keys, case, template, known = parsed
                    sites.append(Site(where, kind, case, frozenset(keys) if known else None, template))
    return sites


SITES = raise_sites()


def _fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_sweep_finds_the_raise_sites() -> None:
    kinds = {s.kind for s in SITES}
    assert len(SITES) > 250 and {"bad-xer", "not-mspdi", "weak-password", "already-closed", "unreadable-font",
                                 "write-refused", "toml-syntax", "bad-config"} <= kinds, sorted(kinds)


@pytest.mark.parametrize("site", SITES, ids=lambda s: f"{s.where}:{s.kind}")
def test_every_raised_kind_has_a_chinese_template(site: Site) -> None:
    if site.case == "?":  # a computed case: some template of the kind must exist
        assert any(k == f"err.{site.kind}" or k.startswith(f"err.{site.kind}.") for k in STRINGS), site
        return
    key = site.key()
    assert key in STRINGS and "zh" in STRINGS[key], f"{site.where}: no zh template {key}"
    if site.keys is not None:
        given = set(site.keys) | {d for k, ds in DERIVED.items() if k in site.keys for d in ds}
        missing = _fields(STRINGS[key]["zh"]) - given
        assert not missing, f"{site.where}: {key} names {sorted(missing)}, the raise gives {sorted(site.keys)}"


# -- through the CLI under zh ------------------------------------------------------------------------


def _zh(folder: Path, url: str | None = None) -> Path:
    """conftest's config (SQLite under `folder`), in Chinese."""
    folder.mkdir(parents=True, exist_ok=True)
    path = write_config(folder, url or f"sqlite:///{(folder / 'dispatch.sqlite').as_posix()}")
    path.write_text(path.read_text(encoding="utf-8").replace('language = "en"', 'language = "zh"'), encoding="utf-8")
    return path


def _invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def zh_line(res: Result, kind: str, allowed: str = "") -> str:
    """One Chinese error line naming `kind`, a non-zero exit, no traceback; its detail Chinese."""
    assert res.exit_code != 0 and "Traceback" not in res.output + res.stderr, (res.exit_code, res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("错误："), res.stderr
    line = lines[0]
    assert f"［{kind}］：" in line and CJK.search(line.split("］：", 1)[1]), line
    assert zh_detail_english(re.sub(r"--[a-z-]+", "", line), allowed + OWN_NAMES) == [], line
    return line


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A zh config with the sample portfolio loaded and one problem raised by hand."""
    folder = tmp_path_factory.mktemp("zh-world")
    config = _zh(folder)
    portfolio = write_portfolio(folder)
    assert _invoke(config, "init").exit_code == 0
    assert _invoke(config, "load", str(portfolio)).exit_code == 0
    res = _invoke(config, "raise-problem", "ALPHA", "--what", "村民阻工", "--unit", "虞公港铁路公司",
                  "--week", "2026-W48")
    assert res.exit_code == 0, res.output
    return config, "ALPHA/manual/1"


ACCOUNTS = [
    (("user", "add", "amy", "--role", "office", "--password", "short"), "weak-password"),
    (("user", "add", " ", "--role", "office", "--password", "long enough 1"), "bad-username"),
    (("user", "add", "unit1", "--role", "unit", "--password", "long enough 1"), "unit-required"),
    (("user", "token", "nobody"), "no-user"),
]


@pytest.mark.parametrize(("args", "kind"), ACCOUNTS, ids=[k for _, k in ACCOUNTS])
def test_account_errors_are_chinese(world: tuple[Path, str], args: tuple[str, ...], kind: str) -> None:
    zh_line(_invoke(world[0], *args), kind, allowed=" ".join(args))


def test_a_taken_account_name_is_refused_in_chinese(world: tuple[Path, str]) -> None:
    config, _ = world
    args = ("user", "add", "ben", "--role", "office", "--password", "long enough 1")
    assert _invoke(config, *args).exit_code == 0
    assert "账号 'ben' 已存在" in zh_line(_invoke(config, *args), "user-exists")


PROBLEM_ACTIONS = [
    (("problem", "{id}", "--close"), "reason-required", "销号须说明理由"),
    (("problem", "{id}", "--escalate", "--reason", " "), "reason-required", "提请县政府专题研究须说明事由"),
    (("problem", "{id}", "--merge-into", "{id}", "--reason", "重复"), "bad-merge", "另一个问题"),
    (("problem", "ALPHA/manual/99", "--close", "--reason", "已办结"), "no-problem", "没有问题"),
    (("raise-problem", "ALPHA", "--what", " ", "--unit", "县发改局"), "description-required", "问题描述"),
    (("raise-problem", "ALPHA", "--what", "资金未到位", "--unit", " "), "unit-required", "责任单位"),
    (("raise-problem", "NOPE", "--what", "资金未到位", "--unit", "县发改局"), "no-project", "NOPE"),
]


@pytest.mark.parametrize(("args", "kind", "says"), PROBLEM_ACTIONS,
                         ids=[" ".join(a[:3]) for a, _, _ in PROBLEM_ACTIONS])
def test_problem_actions_are_refused_in_chinese(world: tuple[Path, str], args: tuple[str, ...], kind: str,
                                                says: str) -> None:
    config, pid = world
    args = tuple(a.format(id=pid) for a in args)
    assert says in zh_line(_invoke(config, *args), kind, allowed=" ".join(args))


def test_closing_a_closed_problem_is_refused_and_a_bad_deadline_too(world: tuple[Path, str]) -> None:
    config, pid = world
    assert _invoke(config, "problem", pid, "--close", "--reason", "已协调解决").exit_code == 0
    line = zh_line(_invoke(config, "problem", pid, "--close", "--reason", "再次销号"), "already-closed",
                   allowed=pid)
    assert f"问题 {pid} 已于 " in line and "由 专班办公室 销号" in line and "--reopen" in line
    assert _invoke(config, "problem", pid, "--reopen", "--reason", "又出现阻工").exit_code == 0
    assert _invoke(config, "problem", pid, "--close", "--reason", "再次销号").exit_code == 0
    (config.parent / "en").mkdir(exist_ok=True)
    en = CliRunner().invoke(cli, ["--config", str(write_config(config.parent / "en", "sqlite://")), "problem", pid,
                                  "--close"])
    assert en.exit_code != 0 and not CJK.search(en.stderr.replace("专班办公室", "")), en.stderr
    res = _invoke(config, "raise-problem", "ALPHA", "--what", "资金未到位", "--unit", "县发改局", "--due", "2026-13-45")
    (line,) = res.stderr.splitlines()
    assert res.exit_code == 2, line
    assert line.startswith("错误：命令行用法有误［usage］：--due 的取值有误：'2026-13-45' 不是日期"), line


def test_no_problem_list_yet_is_said_in_chinese(tmp_path: Path) -> None:
    config = _zh(tmp_path)
    assert _invoke(config, "init").exit_code == 0
    assert "还没有问题清单" in zh_line(_invoke(config, "problems"), "no-run")


def test_outputs_that_cannot_be_written_after_the_run_are_one_chinese_line(world: tuple[Path, str],
                                                                          tmp_path: Path) -> None:
    """In a process of its own: the chart workers of a run whose outputs fail are not reused by a later test."""
    import os
    import subprocess
    import sys

    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    out = tmp_path / "file" / "w48"
    env = {**os.environ, "PYTHONPATH": str(SOURCE.parent)}
    p = subprocess.run([sys.executable, "-m", "scheduler.cli", "--config", str(world[0]), "run", "--data-date",
                        "2026-11-23", "--out", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 5 and "Traceback" not in p.stderr, p.stderr
    (line,) = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert line.startswith("错误：") and "［outputs-unwritten］：" in line, line
    assert zh_detail_english(line, str(out) + OWN_NAMES) == [], line
    assert "（路径中有一段不是文件夹）；本次运行已存入数据库：腾出空间后运行 dispatch printout" in line, line


# -- fonts ---------------------------------------------------------------------------------------------


@pytest.fixture
def fonts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An mplfonts font folder of the test's own (the caches of the real one set aside)."""
    from scheduler.outputs import fonts as f

    folder = tmp_path / "fonts"
    folder.mkdir()
    for fn in (f.cjk_font_path, f.fallback_font_path, f.cjk_family):
        fn.cache_clear()
    monkeypatch.setattr(f, "_mplfonts_dir", lambda: folder)
    yield folder
    for fn in (f.cjk_font_path, f.fallback_font_path, f.cjk_family):
        fn.cache_clear()


FONT_CASES = {
    "missing": (None, "no-cjk-font", "找不到中文字体"),
    "cut short": (b"", "unreadable-font", "不是字体，或已损坏"),
    "not a font": (b"<html>404 Not Found</html>", "unreadable-font", "不是字体，或已损坏"),
    "a folder": ("dir", "unreadable-font", "这是文件夹"),
}


@pytest.mark.parametrize("case", list(FONT_CASES))
def test_a_missing_or_broken_font_is_one_chinese_line(world: tuple[Path, str], fonts: Path, case: str) -> None:
    content, kind, says = FONT_CASES[case]
    target = fonts / "NotoSansCJKsc-Regular.otf"
    if content == "dir":
        target.mkdir()
    elif isinstance(content, bytes):
        target.write_bytes(content)
    out = fonts.parent / "out"
    line = zh_line(_invoke(world[0], "run", "--data-date", "2026-11-23", "--out", str(out)), kind,
                   allowed=str(target))
    assert says in line, line


def test_a_missing_fallback_font_is_one_chinese_line(monkeypatch: pytest.MonkeyPatch, fonts: Path) -> None:
    import matplotlib

    from scheduler.outputs.fonts import FontError, fallback_font_path

    monkeypatch.setattr(matplotlib, "get_data_path", lambda: str(fonts))
    with pytest.raises(FontError) as e:
        fallback_font_path()
    assert error_text(e.value, "zh").startswith("错误：缺少后备字体［no-fallback-font］：matplotlib 自带的后备字体")
    assert error_text(e.value, "en").startswith("error: [no-fallback-font] matplotlib's DejaVuSans.ttf is missing")


# -- database drivers ----------------------------------------------------------------------------------


def test_a_bad_database_url_is_one_chinese_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _zh(tmp_path)  # config.toml refuses a bad url itself (bad-config); $DISPATCH_DATABASE_URL comes later
    monkeypatch.setenv("DISPATCH_DATABASE_URL", "not a url")
    line = zh_line(_invoke(config, "projects"), "bad-database-url")
    assert "不是有效的数据库 URL" in line
    monkeypatch.setenv("DISPATCH_DATABASE_URL", "nosuchdb://x/y")
    line = zh_line(_invoke(config, "projects"), "bad-database-url", allowed="nosuchdb")
    assert "不支持该数据库类型，或未安装其驱动程序（原话：“" in line


def test_an_unreachable_server_is_explained_with_the_drivers_words(tmp_path: Path) -> None:
    url = "postgresql+psycopg://dispatch@127.0.0.1:1/none?connect_timeout=3"
    line = zh_line(_invoke(_zh(tmp_path, url), "projects"), "database-unreachable", allowed=url)
    assert f"无法连接数据库 {url.replace('?connect_timeout=3', '')}" in line or f"无法连接数据库 {url}" in line, line
    assert "连不上数据库服务器（服务器未启动、地址或端口有误，或网络不通）（驱动程序的原话：“" in line, line


def test_a_folder_that_cannot_be_made_is_one_chinese_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    url = f"sqlite:///{(tmp_path / 'file' / 'sub' / 'd.sqlite').as_posix()}"
    line = zh_line(_invoke(_zh(tmp_path / "cfg", url), "init"), "database-unreachable", allowed=url)
    assert "无法创建" in line and "路径中有一段不是文件夹" in line, line


def test_a_read_only_database_file_is_explained(world: tuple[Path, str], tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "ro.sqlite"
    shutil.copy(world[0].parent / "dispatch.sqlite", copy)
    url = f"sqlite:///file:{copy.as_posix()}?mode=ro&uri=true"
    line = zh_line(_invoke(_zh(tmp_path / "cfg", url), "raise-problem", "ALPHA", "--what", "资金未到位", "--unit",
                           "县发改局"), "database-unreachable", allowed=url)
    assert "：数据库文件或其所在磁盘是只读的" in line and "“attempt to write a readonly database”" in line


def test_a_full_disk_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import Engine, event

    from scheduler.store import db

    url = f"sqlite:///{(tmp_path / 'full.sqlite').as_posix()}"
    config = _zh(tmp_path / "cfg", url)
    setup = db._sqlite_setup

    def full(engine: Engine) -> None:  # SQLite's own "disk full": no page may be added
        setup(engine)

        @event.listens_for(engine, "connect")
        def _cap(dbapi_conn: object, _record: object) -> None:
            cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
            cur.execute("PRAGMA max_page_count = 8")
            cur.close()

    monkeypatch.setattr(db, "_sqlite_setup", full)
    line = zh_line(_invoke(config, "init"), "database-unreachable", allowed=url)
    assert "数据库所在的磁盘已满" in line and "“database or disk is full”" in line, line


DRIVER_REASONS = [
    ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  password authentication '
     'failed for user "dispatch"', "auth", "账号或密码"),
    ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  database "dispatch" does not '
     'exist', "no-database", "没有地址中所写的数据库"),
    ("connection failed: [Errno -2] Name or service not known", "host", "主机名无法解析"),
    ('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused', "refused",
     "服务器未启动"),
    ("connection failed: FATAL:  sorry, too many clients already", "too-many", "连接数已满"),
    ('could not extend file "base/16384/2619": No space left on device', "disk-full", "磁盘已满"),
    ("database or disk is full", "disk-full", "磁盘已满"),
    ("attempt to write a readonly database", "read-only", "只读"),
    ("cannot execute INSERT in a read-only transaction", "read-only", "只读"),
    ("database is locked", "locked", "锁住"),
    ("file is not a database", "not-a-database", "不是数据库"),
    ("unable to open database file", "cannot-open", "无法打开数据库文件"),
    ("disk I/O error", "io", "磁盘错误"),
    ("something new", "", "原因见驱动程序的原话"),
]


@pytest.mark.parametrize(("reason", "cause", "says"), DRIVER_REASONS,
                         ids=[c or "unknown" for _, c, _ in DRIVER_REASONS])
def test_a_drivers_reason_is_explained_in_chinese_and_quoted(reason: str, cause: str, says: str) -> None:
    from scheduler.errors import StorageError
    from scheduler.store.db import db_cause

    assert db_cause(reason) == cause
    for kind, lead in (("database-unreachable", ""), ("write-refused", "数据库拒绝写入："),
                       ("read-failed", "无法读取数据库："), ("migration-failed", "无法准备数据库 sqlite:///x：")):
        e = StorageError(kind, f"database: {reason}", params={"url": "sqlite:///x", "reason": reason, "cause": cause})
        zh = error_text(e, "zh")
        assert zh.split("］：", 1)[1].startswith(lead) and says in zh and f"（驱动程序的原话：“{reason}”）" in zh, zh
        assert error_text(e, "en") == f"error: [{kind}] database: {reason}"


NOT_FROM_THE_CLI = {
    "bad-role": "the CLI offers the four roles only (click.Choice); the web's account form can send another",
    "bad-login": "signing in is the web's",
    "throttled": "signing in is the web's",
    "answer-required": "a unit answers a problem in the web workplace or its weekly sheet",
    "bad-action": "the CLI offers the office's decisions only",
    "no-fallback-font": "matplotlib ships DejaVu Sans: test_a_missing_fallback_font_is_one_chinese_line",
    "write-refused": "a refused write (a constraint) is a defect, not a condition: test_a_drivers_reason_…",
    "read-failed": "likewise",
    "migration-failed": "likewise",
}
"""Kinds of the lane's modules no CLI scenario here raises, and why (the text-level tests cover
their templates: test_every_raised_kind_has_a_chinese_template)."""
LANE = ("io/mspdi.py", "io/xer.py", "io/interop.py", "app/accounts.py", "store/users.py", "app/problems.py",
        "store/problems.py", "outputs/fonts.py", "store/db.py")


def test_every_kind_of_the_import_formats_accounts_problems_fonts_and_drivers_goes_through_the_cli() -> None:
    from tests.test_interop_errors import BROKEN_SAMPLES, MALFORMED, REFUSED_KINDS

    raised = {s.kind for s in SITES if s.where.split(":")[0].removeprefix("scheduler/") in LANE}
    through_cli = ({k for _, _, k in MALFORMED.values()} | {k for *_, k in BROKEN_SAMPLES.values()}
                   | set(REFUSED_KINDS) | {k for _, k in ACCOUNTS} | {k for _, k, _ in PROBLEM_ACTIONS}
                   | {k for _, k, _ in FONT_CASES.values()}
                   | {"user-exists", "already-closed", "bad-database-url", "database-unreachable", "no-run"})
    assert raised - through_cli - set(NOT_FROM_THE_CLI) == set()
    assert set(NOT_FROM_THE_CLI) <= {s.kind for s in SITES}  # no stale excuses
