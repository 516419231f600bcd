"""Hostile input through the real CLI (issue 14): text that would break the week (long, markup,
control characters, formulas, 300-character ids), report files that would exhaust memory or block
(zip bombs, /dev/zero, a FIFO), numbers that would stop every unit, and spoofed senders. Each case
runs the `dispatch` CLI and asserts the exit code, one readable line, no traceback, the memory bound
where it matters, and the database unchanged (tests.helpers.dump compared). Where the process itself is
the point (the entry point's exit code, the whole week with chart workers, peak memory, reads that
would block, kill -9) it is `python -m scheduler.cli` in a subprocess; elsewhere the same click group
in-process (click's CliRunner: the same error handling, an escaped exception shown as a traceback)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from scheduler.core.reports import ReportRow
from scheduler.core.text import file_stem
from scheduler.io.reports import META_SHEET, ParsedReport
from scheduler.store import db as storage
from scheduler.store.reports import store_report
from tests.conftest import write_config
from tests.helpers import dump

REPO = Path(__file__).resolve().parent.parent
WEEK = "2026-W48"
DATA_DATE = "2026-11-23"
MS, FS, INV = "节点进度", "要素保障", "投资"
MARKUP = "[/附件][bold]:warning:"
FORMULA = '=HYPERLINK("http://evil.example/x","点此")'
LONG_ID = "L" * 300
FORMULA_TOML = FORMULA.replace('"', '\\"')


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPATCH_DATABASE_URL", "DISPATCH_CONFIG")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    return env


@dataclass
class Ran:
    """A finished `dispatch` subprocess: exit code, output, peak memory (MB)."""

    code: int
    out: str
    err: str
    peak_mb: float
    seconds: float

    def refused(self, code: int = 2) -> str:
        """Exit `code`, exactly one `error: ... [kind] ...` line on stderr, no traceback; the line."""
        assert "Traceback" not in self.out + self.err, self.err
        assert self.code == code, f"exit {self.code}: {self.err!r}"
        lines = [x for x in self.err.splitlines() if x.strip()]
        errors = [x for x in lines if x.startswith("error: ")]
        assert len(errors) == 1 and len(lines) <= 2, f"not one error line: {self.err!r}"
        assert re.search(r"\[[a-z-]+\]", errors[0]), errors[0]
        return errors[0]

    def ok(self) -> str:
        assert "Traceback" not in self.out + self.err, self.err
        assert self.code == 0, f"exit {self.code}: {self.err!r}"
        return self.out


def dispatch(config: Path, *args: str) -> Ran:
    """`dispatch --config CONFIG ARGS` in-process (click's CliRunner, the environment of
    `child_env`); an exception that escapes the CLI is in `err` as a traceback, as a process shows it."""
    import traceback

    from click.testing import CliRunner

    from scheduler.cli import cli

    t0 = time.monotonic()
    env: dict[str, str | None] = {"DISPATCH_DATABASE_URL": None, "DISPATCH_CONFIG": None, "COLUMNS": "200"}
    res = CliRunner().invoke(cli, ["--config", str(config), *args], env=env, catch_exceptions=True)
    err = res.stderr
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        assert res.exc_info is not None
        err += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(*res.exc_info))
    return Ran(res.exit_code, res.stdout, err, 0.0, time.monotonic() - t0)


def dispatch_process(config: Path, *args: str, timeout: float = 180) -> Ran:
    """`python -m scheduler.cli --config CONFIG ARGS` in a subprocess."""
    t0 = time.monotonic()
    with open(os.devnull, "rb") as stdin:
        proc = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "--config", str(config), *args],
                                env=child_env(), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise AssertionError(f"dispatch {' '.join(args)} ran past {timeout} s") from None
    return Ran(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), 0.0,
               time.monotonic() - t0)


def dispatch_measured(config: Path, *args: str, timeout: float = 120) -> Ran:
    """As `dispatch`, with the peak RSS of that one process (a fresh intermediate process, so
    RUSAGE_CHILDREN holds only it)."""
    code = ("import os,resource,subprocess,sys,json;"
            "p=subprocess.run(sys.argv[1:],capture_output=True);"
            "print(json.dumps([p.returncode,p.stdout.decode('utf-8','replace'),p.stderr.decode('utf-8','replace'),"
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024]))")
    import json

    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "scheduler.cli", "--config", str(config),
                        *args], env=child_env(), capture_output=True, timeout=timeout, check=True)
    rc, out, err, peak = json.loads(p.stdout)
    return Ran(rc, out, err, peak, time.monotonic() - t0)


HOSTILE_PROJECT = f'''\
[project]
id = "{LONG_ID}"
name = "{"长名称" * 3400}{MARKUP}"
lead_unit = "县发改局"
units = ["县自然资源局"]
start = 2026-03-02
leader = "{FORMULA_TOML}"

[[milestone]]
id = "M1"
name = "=cmd|' /C calc'!A0 {MARKUP}"
duration = 100
actual_start = 2026-03-02
percent = 1

[[milestone]]
id = "M2"
name = "验收"
duration = 0
after = ["M1"]
finish_by = 2026-06-30

[[factor]]
id = "F1"
kind = "用地"
milestone = "M1"
unit = "县自然资源局"
status = "办理中"
expected = 2026-06-15
blocker = "{("堵点说明" + MARKUP) * 60}"

[investment]
total = 1000
year = 2026
annual_plan = 500
'''


@pytest.fixture
def world(config_file: Path, portfolio_dir: Path, engine: Engine) -> tuple[Path, Engine]:
    """The conftest portfolio loaded through `dispatch load`, the units listed in config."""
    with config_file.open("a", encoding="utf-8") as fh:
        for i, unit in enumerate(("县发改局", "县自然资源局", "县卫健局", "县交通运输局", "虞公港铁路公司",
                                  "县生态环境局")):
            fh.write(f'[units."{unit}"]\nemail = ["u{i}@county.gov.cn"]\n')
    dispatch(config_file, "load", str(portfolio_dir)).ok()
    return config_file, engine


# -- text that breaks the week -----------------------------------------------------------------------


def test_long_names_markup_formulas_and_a_300_character_id_go_through_the_whole_week(
        world: tuple[Path, Engine], tmp_path: Path) -> None:
    """A 10,000-character name with `[/附件]`, a 1,000-character 堵点, formulas as names and a
    300-character id: validate, load, run (printout, charts, sheet), every listing and the
    reprint succeed; the text is printed as typed; the sheets hold it as text, never a formula."""
    config, _engine = world
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "L.toml").write_text(HOSTILE_PROJECT, encoding="utf-8")
    dispatch(config, "validate", str(folder)).ok()
    dispatch(config, "load", str(folder)).ok()
    out = tmp_path / "week"
    run = dispatch_process(config, "run", "--data-date", DATA_DATE, "--out", str(out))
    run.ok()
    pdf = out / f"周调度通报_{WEEK}.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 10_000
    dispatch(config, "printout", "--week", WEEK, "--annex", "--out", str(out / "p.pdf")).ok()
    names = [p.name for p in out.iterdir()]
    assert all(len(n.encode()) <= 255 for n in names), names
    assert sum(n.startswith("gantt_L") for n in names) == 2, names  # png + svg of the long id
    assert any(n.startswith("周调度附件_") for n in names), names
    for args in (["findings", "--week", WEEK], ["projects"], ["alerts"]):
        dispatch(config, *args).ok()  # rich read `[/附件]` as a closing tag and crashed these
    assert MARKUP in dispatch(config, "schedule", str(folder / "L.toml"), "--format", "table").ok()
    # every text cell of the findings workbook and of the templates is a string cell
    tpl = tmp_path / "tpl"
    dispatch(config, "report-template", "--week", "2026-W49", "--out", str(tpl)).ok()
    books = [out / f"问题清单_{WEEK}.xlsx", *tpl.glob("*.xlsx")]
    seen_formula_text = 0
    for path in books:
        wb = load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", f"{path.name} {ws.title}!{c.coordinate} is a formula: {c.value!r}"
                    if isinstance(c.value, str) and c.value.startswith("="):
                        assert c.data_type == "s"
                        seen_formula_text += 1
    assert seen_formula_text >= 3


CONTROL_CASES = [("name", "盾构\\u0000段"), ("name", "A\\u001b[31mB"), ("name", "第一行\\n第二行"),
                 ("lead_unit", "县\\u0007发改局"), ("note", "x\\u0000y")]


def test_control_characters_are_refused_at_validate_and_load(world: tuple[Path, Engine], tmp_path: Path) -> None:
    """NUL, escape, bell, a line break in a name: each file refused at validate with one line
    naming the project and the rule (a note may hold line breaks, not NUL); load stores nothing."""
    config, engine = world
    before = dump(engine)
    folder = tmp_path / "ctrl"
    folder.mkdir()
    for i, (key, value) in enumerate(CONTROL_CASES):
        text = HOSTILE_PROJECT.replace(f'id = "{LONG_ID}"', f'id = "CTRL{i}"')
        target = {"name": 'name = "验收"', "lead_unit": 'lead_unit = "县发改局"', "note": 'name = "验收"'}[key]
        text = text.replace(target, f'{target}\n{key} = "{value}"' if key == "note" else f'{key} = "{value}"', 1)
        (folder / f"c{i}.toml").write_text(text, encoding="utf-8")
    res = dispatch(config, "validate", str(folder))
    assert res.code == 2 and "Traceback" not in res.err
    lines = [x for x in res.err.splitlines() if x.startswith("error: ")]
    assert len(lines) == len(CONTROL_CASES), res.err
    for i, line in enumerate(sorted(lines, key=lambda x: x.split("CTRL")[1][:1])):
        assert "[control-character]" in line and f"project CTRL{i}" in line and "U+00" in line, line
    res = dispatch(config, "load", str(folder))
    assert res.code == 2 and "[control-character]" in res.err
    assert dump(engine) == before


def test_file_stems_are_safe_bounded_and_distinct() -> None:
    assert file_stem("ALPHA") == "ALPHA" and file_stem("县自然资源局") == "县自然资源局"
    stems = {file_stem(x) for x in ("A/B", "A_B", "A:B", "A B", "L" * 300, "L" * 301, "..", "")}
    assert len(stems) == 8
    assert all(len(s.encode()) <= 120 and "/" not in s and s not in (".", "..") for s in stems)


# -- report files -------------------------------------------------------------------------------------


def template(config: Path, tmp_path: Path, unit: str) -> Path:
    out = tmp_path / "tpl"
    dispatch(config, "report-template", "--week", WEEK, "--unit", unit, "--out", str(out)).ok()
    return out / f"{WEEK}_{unit}.xlsx"


def filled(src: Path, dest: Path, cells: dict[tuple[str, str], object]) -> Path:
    wb = load_workbook(src)
    for (sheet, ref), v in cells.items():
        wb[sheet][ref] = v
    wb.save(dest)
    return dest


def bomb(dest: Path, src: Path, member_mb: int) -> Path:
    """The template with one more part: `member_mb` MiB of zeros packed to a few hundred KB."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        with zout.open("xl/worksheets/sheet99.xml", "w") as fh:  # a part no sheet names
            block = b"0" * 2**20
            for _ in range(member_mb):
                fh.write(block)
    return dest


def test_zip_bombs_devices_and_fifos_are_refused_unread_within_memory(
        world: tuple[Path, Engine], tmp_path: Path) -> None:
    config, engine = world
    src = template(config, tmp_path, "县发改局")
    before = dump(engine)
    big = bomb(tmp_path / "bomb.xlsx", src, 150)  # declares 150 MiB unpacked (limit 100)
    res = dispatch_measured(config, "ingest", "--unit", "县发改局", str(big))
    line = res.refused()
    assert "[zip-bomb]" in line and "bomb.xlsx" in line, line
    assert res.peak_mb < 200, res.peak_mb
    dense = bomb(tmp_path / "dense.xlsx", src, 20)  # within the total, but 1000x packed
    assert "[zip-bomb]" in dispatch(config, "ingest", "--unit", "县发改局", str(dense)).refused()
    line = dispatch_process(config, "ingest", "--unit", "县发改局", "/dev/zero").refused()
    assert "[not-a-file]" in line, line
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    res = dispatch_process(config, "ingest", "--unit", "县发改局", str(fifo), timeout=30)
    assert "[not-a-file]" in res.refused()
    # the limits are config: a stricter one refuses the ordinary template
    strict = tmp_path / "strict.toml"
    strict.write_text(config.read_text(encoding="utf-8") + "[ingest]\nmax_file_mb = 0.001\n", encoding="utf-8")
    assert "[too-large]" in dispatch(strict, "ingest", "--unit", "县发改局", str(src)).refused()
    assert dump(engine) == before


def test_a_formula_in_a_report_cell_is_refused_naming_the_cell_and_text_stays_text(
        world: tuple[Path, Engine], tmp_path: Path) -> None:
    config, engine = world
    src = template(config, tmp_path, "县自然资源局")
    before = dump(engine)
    bad = filled(src, tmp_path / "f.xlsx", {(FS, "I4"): "=1+1"})  # openpyxl: a live formula
    line = dispatch(config, "ingest", "--unit", "县自然资源局", str(bad)).refused()
    assert "[formula]" in line and "要素保障!I4" in line, line
    assert dump(engine) == before
    # the same characters typed as text are a 堵点 like any other, and come back as text
    wb = load_workbook(src)
    wb[FS]["I4"] = FORMULA
    wb[FS]["I4"].data_type = "s"
    wb.save(tmp_path / "text.xlsx")
    dispatch(config, "ingest", "--unit", "县自然资源局", str(tmp_path / "text.xlsx")).ok()
    again = template(config, tmp_path / "next", "县自然资源局")
    cell = load_workbook(again)[FS]["I4"]
    assert (cell.value, cell.data_type) == (FORMULA, "s")


NUMBER_CASES = [({(INV, "E4"): 1e308}, "bad-money"),
                ({(INV, "E4"): 400_000}, "bad-investment"),  # ALPHA's total investment is 386,000 万元
                ({(MS, "I4"): 1e300}, "bad-percent")]
BAD_WEEKS = ["9999-W52", "0001-W01", "2026-W99", "2099-W01"]


def test_numbers_and_weeks_out_of_bounds_are_refused(world: tuple[Path, Engine], tmp_path: Path) -> None:
    """1e308 万元, more than the project's total investment, a percent of 1e300, and `_meta` weeks
    like 9999-W52 (an OverflowError traceback before): each file refused in one line."""
    config, engine = world
    src = template(config, tmp_path, "县发改局")
    before = dump(engine)
    files = [filled(src, tmp_path / f"n{i}.xlsx", cells) for i, (cells, _kind) in enumerate(NUMBER_CASES)]
    for i, week in enumerate(BAD_WEEKS):
        wb = load_workbook(src)
        wb[META_SHEET]["B4"] = week
        wb.save(tmp_path / f"w{i}.xlsx")
        files.append(tmp_path / f"w{i}.xlsx")
    res = dispatch(config, "ingest", "--unit", "县发改局", *map(str, files))
    assert res.code == 2 and "Traceback" not in res.err, res.err
    lines = {x.split(":")[1].strip().rsplit("/", 1)[-1].split("[")[0]: x for x in res.err.splitlines()
             if x.startswith("error: ")}
    assert len(lines) == len(files), res.err
    for i, (_cells, kind) in enumerate(NUMBER_CASES):
        assert f"[{kind}]" in lines[f"n{i}.xlsx"], lines
    for i in range(len(BAD_WEEKS)):
        assert "_meta!B4" in lines[f"w{i}.xlsx"] and "[bad-layout]" in lines[f"w{i}.xlsx"], lines
    assert dump(engine) == before


def test_stored_reports_that_no_longer_fit_are_skipped_with_a_warning_never_raised(
        world: tuple[Path, Engine], tmp_path: Path) -> None:
    """Two weeks of 1e308 万元 stored (as an older version would have) sum to inf: the run, the
    templates and another unit's ingest still work; the run warns naming the report."""
    config, engine = world
    with storage.transaction(engine) as conn:
        for week in ("2026-W46", "2026-W47"):
            store_report(conn, ParsedReport(tmp_path / f"{week}.xlsx", week * 4, "县发改局", week,
                                            (ReportRow("ALPHA", "project", "ALPHA", investment_week=1e308),),
                                            (4,)))
    res = dispatch(config, "run", "--data-date", DATA_DATE, "--out", str(tmp_path / "o"))
    assert "exceed the project's total investment" in res.ok() and "县发改局 2026-W47" in res.out
    src = template(config, tmp_path, "县自然资源局")
    ok = filled(src, tmp_path / "ok.xlsx", {(FS, "G4"): "已批复"})
    dispatch(config, "ingest", "--unit", "县自然资源局", str(ok)).ok()


def test_a_unit_cannot_report_for_another(world: tuple[Path, Engine], tmp_path: Path) -> None:
    """The sender is named by the operator (--unit); the file's own _meta unit cannot vouch."""
    config, engine = world
    src = template(config, tmp_path, "县发改局")
    before = dump(engine)
    line = dispatch(config, "ingest", "--unit", "县自然资源局", str(src)).refused()
    assert "[not-sender]" in line and "县发改局" in line and "县自然资源局" in line, line
    res = dispatch(config, "ingest", str(src))
    assert res.code == 2 and "--unit" in res.err and "Traceback" not in res.err
    assert dump(engine) == before
    dispatch(config, "ingest", "--unit", "县发改局", str(src)).ok()


# -- faults after the commit --------------------------------------------------------------------------


def test_no_command_creates_a_database_silently(config_file: Path, tmp_path: Path) -> None:
    """The data folder deleted (or a fresh machine): every command refuses in one line and
    creates nothing; `dispatch init` creates it on purpose (conftest's config, its database elsewhere)."""
    (tmp_path / "gone").mkdir()
    data = tmp_path / "gone" / "var"  # conftest's data folder of a config in gone/, its database in it
    other = write_config(tmp_path / "gone", f"sqlite:///{(data / 'dispatch.sqlite').as_posix()}")
    for call, args in ((dispatch_process, ["projects"]), (dispatch, ["run", "--data-date", DATA_DATE]),
                       (dispatch, ["alerts"])):
        line = call(other, *args).refused(3)
        assert "[no-database]" in line and "dispatch init" in line, line
    assert not data.exists()
    assert "dispatch.sqlite" in dispatch(other, "init").ok()
    dispatch(other, "projects").ok()
    dispatch(other, "init").ok()  # again: nothing changes


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KB tmpfs (root only; skipped elsewhere): the outbox disk that fills up."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_outbox_disk_is_one_line_and_the_alerts_still_go(world: tuple[Path, Engine], small_disk: Path,
                                                                   tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    from tests.helpers import free_port
    from tests.test_delivery import Inbox

    config, engine = world
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=free_port())
    ctl.start()
    try:
        with config.open("a", encoding="utf-8") as fh:
            fh.write(f'[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {ctl.port}\ndeliver = true\n'
                     'send_timeout_seconds = 5.0\n')
        (small_disk / "filler").write_bytes(b"x" * 60_000)
        res = dispatch(config, "run", "--data-date", DATA_DATE, "--out", str(small_disk / "w48"))
        line = res.refused(5)
        assert "[outputs-unwritten]" in line and str(small_disk) in line, line
        runs = [ln for ln in dump(engine).splitlines() if '"week": "2026-W48"' in ln and '"current"' in ln]
        assert runs, "the run was not stored"
        alerts = [ln for ln in dump(engine).splitlines() if ln.startswith('{"address"')]
        assert alerts and all('"status": "delivered"' in ln for ln in alerts), alerts[:2]
        assert len(inbox.messages) == len(alerts)
        line = dispatch(config, "printout", "--week", WEEK, "--out", str(small_disk / "again" / "b.pdf")).refused(5)
        assert "[outputs-unwritten]" in line, line
    finally:
        ctl.stop()


EXTRA = """[project]
id = "{pid}"
name = "附加项目 {pid}"
lead_unit = "县交通运输局"
start = 2026-01-05

[[milestone]]
id = "A"
name = "施工"
duration = 200
actual_start = 2026-01-05
percent = 10
"""


def _session(sid: int) -> list[int]:
    """Live (not zombie) processes of session `sid`."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            out.append(int(d.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_kill_9_of_run_while_charts_render_leaves_no_process(world: tuple[Path, Engine], portfolio_dir: Path,
                                                             tmp_path: Path) -> None:
    """KILLS times (30 with DISPATCH_TEST_KILLS=30; 6 in the suite, to keep it fast):
    `dispatch run --annex` (6 charts: rendered by worker processes of a fork server) killed with
    SIGKILL at a random moment after its fork server started; then no process of any of those
    runs is left (fork server, resource tracker, workers), and the next run completes."""
    import random
    import signal

    from tests.helpers import wait_until

    config, _engine = world
    for pid in ("X1", "X2", "X3"):
        (portfolio_dir / f"{pid}.toml").write_text(EXTRA.format(pid=pid), encoding="utf-8")
    dispatch(config, "load", str(portfolio_dir)).ok()
    rnd = random.Random(14)
    sessions = []
    for k in range(int(os.environ.get("DISPATCH_TEST_KILLS", "6"))):
        proc = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "--config", str(config), "run",
                                 "--data-date", DATA_DATE, "--annex", "--out", str(tmp_path / f"k{k}")],
                                env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        sessions.append(proc.pid)
        started = wait_until(lambda p=proc: len(_session(p.pid)) >= 3 or p.poll() is not None, timeout=60,
                             step=0.01)
        assert started
        time.sleep(rnd.uniform(0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert wait_until(lambda: not any(_session(s) for s in sessions), timeout=15), \
        {s: _session(s) for s in sessions if _session(s)}
    dispatch(config, "run", "--data-date", DATA_DATE, "--annex", "--out", str(tmp_path / "after")).ok()
