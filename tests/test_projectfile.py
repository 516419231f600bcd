"""The project-file loader refuses every broken rule of the spec with the right kind of error, naming
the file, the line, the project and milestone (and factor) ids; `dispatch validate` shows one line per
refused file and never a traceback."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.core.model import LinkType
from scheduler.errors import CycleError, ProjectFileError
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.io.projectfile import collect_errors, read_portfolio, read_project_file

CALS = CalendarSet(REPO_ROOT / "calendar")
CONFIG = str(REPO_ROOT / "config.toml")
CASES = Path(__file__).parent / "cases" / "schedule"

# The good file every case breaks in one place. Line numbers matter: keep them in view.
GOOD = """\
[project]
id = "P1"
name = "测试项目"
calendar = "construction"
start = 2026-03-02

[[milestone]]
id = "M1"
name = "一"
duration = 5

[[milestone]]
id = "M2"
name = "二"
duration = 3
after = ["M1"]

[[factor]]
id = "F1"
kind = "用地"
milestone = "M2"
status = "办理中"
expected = 2026-04-01
"""
#  1 [project]            7 [[milestone]]     12 [[milestone]]    18 [[factor]]
#  2 id = "P1"            8 id = "M1"         13 id = "M2"        19 id = "F1"
#  3 name                 9 name              14 name             20 kind
#  4 calendar            10 duration = 5      15 duration = 3     21 milestone = "M2"
#  5 start                                    16 after = ["M1"]   22 status
#                                                                 23 expected


def edit(line: int, new: str | None, text: str = GOOD) -> str:
    """GOOD with line `line` (1-based) replaced by `new` (None: removed, keeping the numbering with
    a blank line)."""
    lines = text.splitlines()
    lines[line - 1] = "" if new is None else new
    return "\n".join(lines) + "\n"


def add_after(line: int, new: str, text: str = GOOD) -> str:
    """GOOD with `new` inserted after line `line` (becomes line `line` + 1)."""
    lines = text.splitlines()
    lines.insert(line, new)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Bad:
    """A broken file and the error it must give."""

    name: str
    text: str
    kind: str
    line: int
    project: str | None = "P1"
    milestone: str | None = None
    factor: str | None = None
    says: tuple[str, ...] = ()


BAD = [
    # [project]: id, name, start
    Bad("project-id-missing", edit(2, None), "missing-project-id", 1, project=None),
    Bad("project-id-not-a-string", edit(2, "id = 42"), "missing-project-id", 2, project=None),
    Bad("project-id-empty", edit(2, 'id = ""'), "missing-project-id", 2, project=None),
    Bad("project-id-malformed", edit(2, 'id = "P 1"'), "bad-project-id", 2, project="P 1",
        says=("[A-Za-z0-9_.-]+",)),
    Bad("project-name-missing", edit(3, None), "missing-name", 1),
    Bad("project-name-empty", edit(3, 'name = "  "'), "missing-name", 3),
    Bad("project-name-not-a-string", edit(3, "name = 7"), "missing-name", 3),
    Bad("project-start-missing", edit(5, None), "missing-start", 1),
    Bad("project-start-not-a-date", edit(5, 'start = "next spring"'), "bad-date", 5, says=("start",)),
    Bad("project-start-impossible", edit(5, 'start = "2026-02-30"'), "bad-date", 5),
    Bad("project-start-number", edit(5, "start = 20260302"), "bad-date", 5),
    Bad("project-start-datetime", edit(5, "start = 2026-03-02T08:00:00"), "bad-date", 5),
    # milestones
    Bad("unknown-predecessor", edit(16, 'after = ["M9"]'), "unknown-predecessor", 16, milestone="M2",
        says=("M9",)),
    Bad("milestone-without-id", edit(13, None), "missing-milestone-id", 12, says=("#2",)),
    Bad("milestone-id-three-times", GOOD.replace('id = "M2"', 'id = "M1"').replace('after = ["M1"]', "")
        + '\n[[milestone]]\nid = "M1"\nname = "三"\nduration = 1\n', "duplicate-milestone", 13, milestone="M1"),
    Bad("duplicate-milestone", edit(16, None, edit(13, 'id = "M1"')), "duplicate-milestone", 13, milestone="M1"),
    Bad("duration-negative", edit(10, "duration = -1"), "bad-duration", 10, milestone="M1"),
    Bad("duration-float", edit(10, "duration = 2.5"), "bad-duration", 10, milestone="M1"),
    Bad("duration-string", edit(10, 'duration = "5"'), "bad-duration", 10, milestone="M1"),
    Bad("duration-bool", edit(10, "duration = true"), "bad-duration", 10, milestone="M1"),
    Bad("duration-missing", edit(10, None), "bad-duration", 7, milestone="M1"),
    Bad("lag-negative", edit(16, 'after = [{ id = "M1", type = "FS", lag = -2 }]'), "bad-lag", 16,
        milestone="M2", says=("M1",)),
    Bad("lag-float", edit(16, 'after = [{ id = "M1", lag = 1.5 }]'), "bad-lag", 16, milestone="M2"),
    Bad("lag-string", edit(16, 'after = [{ id = "M1", type = "SS", lag = "2" }]'), "bad-lag", 16,
        milestone="M2"),
    Bad("relation-type", edit(16, 'after = [{ id = "M1", type = "XF" }]'), "bad-relation-type", 16,
        milestone="M2", says=("XF", "FS, SS, FF, SF")),
    Bad("relation-type-lowercase", edit(16, 'after = [{ id = "M1", type = "ss" }]'), "bad-relation-type",
        16, milestone="M2"),
    Bad("unknown-calendar", edit(4, 'calendar = "lunar"'), "unknown-calendar", 4, says=("lunar",)),
    Bad("calendar-not-a-string", edit(4, "calendar = 3"), "unknown-calendar", 4),
    Bad("finish-before-start", add_after(15, "actual_start = 2026-03-10\nactual_finish = 2026-03-09"),
        "finish-before-start", 17, milestone="M2", says=("2026-03-09", "2026-03-10")),
    Bad("finish-without-start", add_after(15, "actual_finish = 2026-03-09"), "finish-without-start", 16,
        milestone="M2"),
    Bad("percent-over-100", add_after(15, "actual_start = 2026-03-10\npercent = 101"), "bad-percent", 17,
        milestone="M2", says=("101",)),
    Bad("percent-negative", add_after(15, "actual_start = 2026-03-10\npercent = -5"), "bad-percent", 17,
        milestone="M2"),
    Bad("percent-string", add_after(15, 'actual_start = 2026-03-10\npercent = "50%"'), "bad-percent", 17,
        milestone="M2"),
    Bad("percent-without-start", add_after(15, "percent = 40"), "percent-without-start", 16, milestone="M2"),
    Bad("percent-100-without-finish", add_after(15, "actual_start = 2026-03-10\npercent = 100"),
        "complete-without-finish", 17, milestone="M2"),
    Bad("milestone-date-string", add_after(15, 'not_before = "soon"'), "bad-date", 16, milestone="M2",
        says=("not_before",)),
    Bad("milestone-date-impossible", add_after(10, 'finish_by = "2026-13-01"'), "bad-date", 11,
        milestone="M1", says=("finish_by",)),
    Bad("milestone-datetime", add_after(10, "start_by = 2026-04-01T00:00:00"), "bad-date", 11,
        milestone="M1"),
    Bad("actual-start-number", add_after(10, "actual_start = 2026"), "bad-date", 11, milestone="M1"),
    # factors
    Bad("factor-status", edit(22, 'status = "已完成"'), "bad-factor-status", 22, milestone="M2",
        factor="F1", says=("已完成",)),
    Bad("factor-unknown-milestone", edit(21, 'milestone = "M9"'), "unknown-milestone", 21, milestone="M9",
        factor="F1"),
    Bad("factor-without-id", edit(19, None), "missing-factor-id", 18),
    Bad("duplicate-factor", GOOD + '\n[[factor]]\nid = "F1"\nkind = "用林"\nmilestone = "M1"\nstatus = "未启动"\n',
        "duplicate-factor", 26, factor="F1", milestone=None),
    Bad("factor-expected-not-a-date", edit(23, 'expected = "年底"'), "bad-date", 23, milestone="M2",
        factor="F1", says=("expected",)),
]

CYCLES = [
    # (edits, the milestones the message must name, the milestone whose `after` line is shown)
    (add_after(10, 'after = ["M2"]'), {"M1", "M2"}),
    (add_after(10, 'after = [{ id = "M2", type = "SS", lag = 1 }]'), {"M1", "M2"}),
    (add_after(10, 'after = ["M1"]'), {"M1"}),  # a milestone after itself
]


def write(tmp_path: Path, text: str | bytes, name: str = "p.toml") -> Path:
    f = tmp_path / name
    if isinstance(text, bytes):
        f.write_bytes(text)
    else:
        f.write_text(text, encoding="utf-8")
    return f


def refuse(path: Path) -> ProjectFileError:
    with pytest.raises(ProjectFileError) as e:
        read_project_file(path, calendars=CALS)
    return e.value


def test_the_base_file_is_valid(tmp_path: Path) -> None:
    p = read_project_file(write(tmp_path, GOOD), calendars=CALS).project
    assert p.id == "P1" and [m.id for m in p.milestones] == ["M1", "M2"]
    assert p.milestone("M2").after[0].type is LinkType.FS and p.start == dt.date(2026, 3, 2)
    assert p.factors[0].expected == dt.date(2026, 4, 1)


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.name)
def test_broken_rule_is_refused(tmp_path: Path, bad: Bad) -> None:
    f = write(tmp_path, bad.text)
    e = refuse(f)
    assert (e.kind, e.file, e.line) == (bad.kind, str(f), bad.line), e.format()
    assert (e.project or None, e.milestone, e.factor) == (bad.project, bad.milestone, bad.factor), e.format()
    shown = e.show()
    assert shown.startswith(f"error: {f}:{bad.line}: ")
    assert "\n" not in shown
    if bad.project:
        assert f"project {bad.project}" in shown
    if bad.milestone:
        assert f"milestone {bad.milestone}" in shown
    if bad.factor:
        assert f"factor {bad.factor}" in shown
    assert f"[{bad.kind}]" in shown
    for s in bad.says:
        assert s in shown


@pytest.mark.parametrize("text,names", CYCLES, ids=["two", "two-ss", "self"])
def test_cycle_names_its_milestones(tmp_path: Path, text: str, names: set[str]) -> None:
    f = write(tmp_path, text)
    e = refuse(f)
    assert e.kind == "cycle" and e.file == str(f) and e.project == "P1"
    for n in names:
        assert n in e.message
    assert e.milestone in names
    # the line shown is the `after` of the milestone the error names
    after_line = {"M1": 11, "M2": 17}[str(e.milestone)]
    assert e.line == after_line, e.format()
    if isinstance(e, CycleError) and len(names) > 1:
        assert set(e.cycle) == names and e.cycle[0] == e.cycle[-1]


def test_longer_cycle_is_named_in_order(tmp_path: Path) -> None:
    text = GOOD + '\n[[milestone]]\nid = "M3"\nname = "三"\nduration = 1\nafter = ["M2"]\n'
    text = add_after(10, 'after = ["M3"]', text)
    f = write(tmp_path, text)
    e = refuse(f)
    assert isinstance(e, CycleError)
    assert set(e.cycle) == {"M1", "M2", "M3"} and len(e.cycle) == 4
    # each step of the printed cycle is a real link: pred -> succ
    links = {("M1", "M2"), ("M2", "M3"), ("M3", "M1")}
    assert set(zip(e.cycle, e.cycle[1:], strict=False)) == links
    assert " -> ".join(e.cycle) in e.message


def test_toml_syntax_error(tmp_path: Path) -> None:
    f = write(tmp_path, edit(15, "duration = = 3"))
    e = refuse(f)
    assert (e.kind, e.file, e.line) == ("toml-syntax", str(f), 15)
    assert e.show().startswith(f"error: {f}:15: [toml-syntax]")


def test_non_utf8_bytes(tmp_path: Path) -> None:
    raw = GOOD.encode("utf-8").replace("二".encode(), "二".encode("gbk"))
    f = write(tmp_path, raw)
    e = refuse(f)
    assert (e.kind, e.file, e.line) == ("encoding", str(f), 14)
    assert "UTF-8" in e.message


def test_same_project_id_in_two_files(tmp_path: Path) -> None:
    a = write(tmp_path, GOOD, "a.toml")
    b = write(tmp_path, GOOD, "b.toml")
    with pytest.raises(ProjectFileError) as exc:
        read_portfolio([a, b], calendars=CALS)
    e = exc.value
    assert (e.kind, e.file, e.line, e.project) == ("duplicate-project", str(b), 2, "P1")
    assert str(a) in e.message
    good, errors = collect_errors([tmp_path], calendars=CALS)
    assert [g.path for g in good] == [a]
    assert [(x.kind, x.file) for x in errors] == [("duplicate-project", str(b))]


def test_collected_errors_keep_no_frames(tmp_path: Path) -> None:
    """Errors collected to list them all (a folder's bad files) keep their line, not the traceback
    that would hold every failing frame (the file's text, its parse) alive."""
    write(tmp_path, GOOD.replace('id = "P1"', 'id = "P 1"'), "bad.toml")
    _good, errors = collect_errors([tmp_path], calendars=CALS)
    assert [x.kind for x in errors] == ["bad-project-id"]
    assert errors[0].__traceback__ is None and errors[0].__context__ is None


def test_two_links_of_different_types_between_a_pair_are_allowed(tmp_path: Path) -> None:
    f = write(tmp_path, edit(16, 'after = [{ id = "M1", type = "SS", lag = 1 }, { id = "M1", type = "FF" }]'))
    m = read_project_file(f, calendars=CALS).project.milestone("M2")
    assert [(link.type.value, link.lag) for link in m.after] == [("SS", 1), ("FF", 0)]
    f = write(tmp_path, edit(16, 'after = ["M1", { id = "M1", type = "FS", lag = 2 }]'))
    e = refuse(f)
    assert (e.kind, e.line, e.milestone) == ("duplicate-link", 16, "M2")


# -- the command line --------------------------------------------------------------------------

def test_validate_shows_one_line_per_bad_file(tmp_path: Path) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    write(folder, GOOD, "a_good.toml")
    bad: dict[str, str | bytes] = {
        "b_cycle.toml": add_after(10, 'after = ["M2"]').replace('"P1"', '"P2"'),
        "c_syntax.toml": edit(15, "duration = = 3"),
        "d_encoding.toml": GOOD.replace('"P1"', '"P3"').encode("utf-8") + b"# \xff\xfe\n",
        "e_duplicate.toml": GOOD,  # P1 again
        "f_percent.toml": add_after(15, "percent = 40").replace('"P1"', '"P4"'),
    }
    for name, text in bad.items():
        write(folder, text, name)
    res = CliRunner().invoke(cli, ["--config", CONFIG, "validate", str(folder)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output + res.stderr
    lines = res.stderr.splitlines()
    errors = [ln for ln in lines if ln.startswith("错误：")]  # the repository's config.toml says zh
    assert len(errors) == len(bad)
    for name in bad:
        assert len([ln for ln in errors if f"{folder / name}:" in ln]) == 1, name
    assert not any(ln.startswith(f"错误：{folder / 'a_good.toml'}") for ln in lines)
    kinds = ["［cycle］", "［toml-syntax］", "［encoding］", "［duplicate-project］", "［percent-without-start］"]
    for ln, kind in zip(errors, kinds, strict=True):
        assert kind in ln
    # besides the error lines, only the one-line count
    assert len(lines) == len(bad) + 1 and "5" in lines[-1]


def test_validate_good_folder(tmp_path: Path) -> None:
    folder = tmp_path / "good"
    shutil.copytree(CASES, folder, ignore=shutil.ignore_patterns("*.json"))
    res = CliRunner().invoke(cli, ["--config", CONFIG, "validate", str(folder)])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    assert str(len(list(folder.glob("*.toml")))) in res.stdout


def test_schedule_refuses_a_bad_file_in_one_line(tmp_path: Path) -> None:
    f = write(tmp_path, edit(16, 'after = ["M9"]'))
    res = CliRunner().invoke(cli, ["--config", CONFIG, "schedule", str(f), "--format", "json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.strip() == res.stderr.strip().splitlines()[0]
    assert f"{f}:16" in res.stderr and "unknown-predecessor" in res.stderr and "M9" in res.stderr
