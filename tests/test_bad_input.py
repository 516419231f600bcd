"""Malformed input never gets past the door as a traceback: property-based tests (hypothesis) feed
hundreds of broken project files (and, below, weekly report sheets) through the real CLI and check
that each is refused with the project's own one-line error (exit 2, "error: ..." on stderr) and
that the database is left exactly as it was."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from scheduler.app.weekly import run_weekly
from scheduler.cli import cli
from scheduler.core.model import MAX_WORKING_DAYS
from scheduler.io.config import load_config
from scheduler.io.reports import META_SHEET, write_templates
from scheduler.store import db as storage
from scheduler.store.projects import read_projects
from tests.helpers import dump, fresh_database, named_units

REPO = Path(__file__).resolve().parent.parent
MS, FS, INV = "节点进度", "要素保障", "投资"
DATA_DATE = "2026-11-23"

# Bounded, derandomized: the same examples on every machine, well under a minute in all.
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# -- a small TOML writer (the tests must be able to write wrong types anywhere) --------------------


def _toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}" if not 0xD800 <= o <= 0xDFFF else "\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(v: Any) -> str:
    """One TOML value (inline tables and arrays for nested data)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_str(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(doc: dict[str, Any]) -> str:
    """A project document as TOML: top-level values first, then [tables] and [[arrays of tables]]."""
    head: list[str] = []
    body: list[str] = []
    for k, v in doc.items():
        key = _toml_str(k)
        if isinstance(v, dict):
            body.append(f"[{key}]")
            subs = []
            for kk, vv in v.items():
                if isinstance(vv, dict) and k == "investment":
                    subs.append((kk, vv))
                else:
                    body.append(f"{_toml_str(kk)} = {toml_value(vv)}")
            for kk, vv in subs:
                body.append(f"[{key}.{_toml_str(kk)}]")
                body.extend(f"{_toml_str(str(a))} = {toml_value(b)}" for a, b in vv.items())
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                body.append(f"[[{key}]]")
                body.extend(f"{_toml_str(kk)} = {toml_value(vv)}" for kk, vv in item.items())
        else:
            head.append(f"{key} = {toml_value(v)}")
    return "\n".join(head + body) + "\n"


def base_project(pid: str = "FZ-1") -> dict[str, Any]:
    """A valid project touching every feature the checks read (progress, links, factor, money)."""
    return {
        "project": {"id": pid, "name": "模糊测试项目", "lead_unit": "县发改局", "start": dt.date(2026, 3, 2),
                    "calendar": "construction", "units": ["县自然资源局"], "leader": "副县长"},
        "milestone": [
            {"id": "M1", "name": "前期工作", "duration": 20, "unit": "县发改局",
             "actual_start": dt.date(2026, 3, 2), "actual_finish": dt.date(2026, 4, 1)},
            {"id": "M2", "name": "主体施工", "duration": 60, "after": ["M1"],
             "actual_start": dt.date(2026, 4, 6), "percent": 40.0, "weight": 3, "note": "进行中"},
            {"id": "M3", "name": "附属工程", "duration": 30, "after": [{"id": "M2", "type": "SS", "lag": 5}],
             "not_before": dt.date(2026, 12, 1), "start_by": dt.date(2027, 1, 15)},
            {"id": "M4", "name": "竣工验收", "duration": 0,
             "after": [{"id": "M3", "type": "FS", "lag": 2}, {"id": "M2", "type": "FF", "lag": 0}],
             "finish_by": dt.date(2027, 6, 30)},
        ],
        "factor": [
            {"id": "F1", "kind": "用地", "milestone": "M3", "status": "办理中", "unit": "县自然资源局",
             "expected": dt.date(2026, 12, 15), "blocker": "指标不足", "name": "用地预审"},
            {"id": "F2", "kind": "环评", "milestone": "M2", "status": "已批复", "approved": dt.date(2026, 3, 20)},
        ],
        "investment": {"total": 1000.0, "year": 2026, "annual_plan": 120.0,
                       "plan": {"2026-01": 60, "2026-02": 60}, "completed": {"2026-01": 50.5}},
    }


# -- running the real CLI against a loaded database ----------------------------------------------

WEEK = "2026-W48"
LISTED_UNITS = ("县发改局", "虞公港铁路公司", "县自然资源局", "县卫健局", "县交通运输局")
"""Units of tests/conftest.py's portfolio listed in the test config; 县生态环境局 (ALPHA/F2) is not."""


LEADS = ("error: ", "错误：")
"""How an error line begins: in English (language = "en", the tests' own config) and in Chinese
(the repository's config.toml, and a config that cannot be read)."""


def has_kind(line: str, *kinds: str) -> bool:
    """The line names one of `kinds` (`[kind]` in an English line, `［kind］` in a Chinese one)."""
    return any(f"[{k}]" in line or f"［{k}］" in line for k in kinds)


def assert_clean_refusal(result: Result, what: str = "") -> str:
    """Exit 2, one stderr error line (ingest adds its count of refused files), no traceback, no bare
    Python exception; returns the error line."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{what}: bare exception {result.exception!r}")
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 2, f"{what}: exit {result.exit_code}, stderr {result.stderr!r}"
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith(LEADS), f"{what}: {result.stderr!r}"
    assert sum(line.startswith(LEADS) for line in lines) == 1 and len(lines) <= 2, (
        f"{what}: not one error line: {result.stderr!r}")
    assert re.search(r"\[[a-z-]+\]|［[a-z-]+］", lines[0]), f"{what}: no [kind] in {lines[0]!r}"
    return lines[0]


def run_cli(args: list[str], config: Path | None = None) -> Result:
    """`dispatch --config CONFIG ARGS` through click's CliRunner (stderr kept apart)."""
    return CliRunner().invoke(cli, ["--config", str(config or REPO / "config.toml"), *args],
                              catch_exceptions=True)


_counter = iter(range(10**9))


def write_file(folder: Path, data: str | bytes, suffix: str = ".toml") -> Path:
    p = folder / f"case{next(_counter)}{suffix}"
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8")
    else:
        p.write_bytes(data)
    return p


class Db:
    """A database holding a good portfolio, an ingested report and a complete weekly run."""

    def __init__(self, engine: Engine, config: Path, folder: Path, templates: dict[str, bytes]) -> None:
        self.engine, self.config, self.folder, self.templates = engine, config, folder, templates

    def __repr__(self) -> str:
        return f"Db({self.engine.url})"

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as c:
            return {t.name: int(c.scalar(select(func.count()).select_from(t)) or 0)
                    for t in storage.metadata.sorted_tables}

    def refuses(self, data: str | bytes, what: str = "", *, load: bool = True) -> str:
        """The project file is refused by `dispatch schedule` (read, validate, CPM at a data date)
        and by `dispatch load`, with the same one-line error; the tables keep their row counts."""
        path = write_file(self.folder, data)
        line = assert_clean_refusal(run_cli(["schedule", str(path), "--format", "json", "--data-date", DATA_DATE],
                                            self.config), what)
        if load:
            before = self.counts()
            assert_clean_refusal(run_cli(["load", str(path)], self.config), what)
            assert self.counts() == before, what
        return line

    def ingest_refuses(self, data: bytes, what: str = "", unit: str = "县发改局") -> str:
        """The report file, received from `unit`, is refused by `dispatch ingest`; the tables keep
        their row counts."""
        path = write_file(self.folder, data, ".xlsx")
        before = self.counts()
        line = assert_clean_refusal(run_cli(["ingest", "--unit", unit, str(path)], self.config), what)
        assert self.counts() == before, what
        return line


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Db, str]]:
    """tests/conftest.py's portfolio loaded through `dispatch load`, a good report of 虞公港铁路公司
    ingested, the week's run stored: built once for the module (every test only reads it: `db`
    checks that), with the database's dump as built."""
    from conftest import write_config, write_portfolio

    tmp = tmp_path_factory.mktemp("bad_input")
    with pytest.MonkeyPatch.context() as mp, fresh_database(tmp, migrated=True) as url:
        mp.delenv("DISPATCH_DATABASE_URL", raising=False)
        mp.delenv("DISPATCH_CONFIG", raising=False)
        config_file = write_config(tmp, url)
        with config_file.open("a", encoding="utf-8") as fh:
            fh.write("".join(f'[units."{u}"]\nemail = ["u{i}@county.gov.cn"]\n' for i, u in enumerate(LISTED_UNITS)))
        res = run_cli(["load", str(write_portfolio(tmp))], config_file)
        assert res.exit_code == 0, res.stderr
        engine = storage.open_database(url)
        try:
            paths = write_templates(read_projects(engine), WEEK, tmp / "templates")
            templates = {load_workbook(p)[META_SHEET]["B3"].value: p.read_bytes() for p in paths}
            good = load_workbook(io.BytesIO(templates["虞公港铁路公司"]))
            good[MS]["I4"] = 70
            good.save(tmp / "good.xlsx")
            res = run_cli(["ingest", "--unit", "虞公港铁路公司", str(tmp / "good.xlsx")], config_file)
            assert res.exit_code == 0, res.stderr
            run_weekly(engine, load_config(config_file), dt.date(2026, 11, 23), outputs=False, deliver=False)
            box = Db(engine, config_file, tmp, templates)
            counts = box.counts()
            assert counts["projects"] == 3 and counts["weekly_reports"] == 1 and counts["runs"] == 1
            assert counts["findings"] > 0
            yield box, dump(engine)
        finally:
            engine.dispose()


@pytest.fixture
def db(loaded: tuple[Db, str], tmp_path: Path) -> Iterator[Db]:
    """The module's loaded database (`loaded`), cases written under this test's tmp_path; after
    the test its dump must be exactly as built."""
    built, before = loaded
    folder = tmp_path / "cases"
    folder.mkdir()
    yield Db(built.engine, built.config, folder, built.templates)
    assert dump(built.engine) == before, "a refused input changed the database"


def test_base_project_is_valid(tmp_path: Path) -> None:
    """The starting point of every mutation is itself a valid project (so refusals are the mutation's)."""
    path = write_file(tmp_path, to_toml(base_project()))
    res = run_cli(["schedule", str(path), "--format", "json", "--data-date", DATA_DATE])
    assert res.exit_code == 0, res.stderr
    assert '"id": "FZ-1"' in res.output


# -- strategies of broken project documents ----------------------------------------------------

KINDS: dict[tuple[str, ...], str] = {
    ("project", "id"): "str", ("project", "name"): "str", ("project", "lead_unit"): "str",
    ("project", "start"): "date", ("project", "calendar"): "str", ("project", "units"): "strlist",
    ("project", "leader"): "str", ("project", "category"): "str", ("project", "target"): "str",
    ("milestone", "id"): "str", ("milestone", "name"): "str", ("milestone", "duration"): "int",
    ("milestone", "after"): "links", ("milestone", "finish_by"): "date", ("milestone", "start_by"): "date",
    ("milestone", "not_before"): "date", ("milestone", "actual_start"): "date",
    ("milestone", "actual_finish"): "date", ("milestone", "percent"): "number",
    ("milestone", "weight"): "number", ("milestone", "unit"): "str", ("milestone", "note"): "str",
    ("factor", "id"): "str", ("factor", "kind"): "str", ("factor", "milestone"): "str",
    ("factor", "status"): "status", ("factor", "unit"): "str", ("factor", "expected"): "date",
    ("factor", "blocker"): "str", ("factor", "name"): "str", ("factor", "approved"): "date",
    ("factor", "needed_by"): "date",
    ("investment", "total"): "number", ("investment", "year"): "int", ("investment", "annual_plan"): "number",
    ("investment", "plan"): "months", ("investment", "completed"): "months",
}

scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.text(max_size=12), st.dates(), st.datetimes(), st.times(),
)
junk = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=8)


def _not_iso_date(s: str) -> bool:
    try:
        dt.date.fromisoformat(s)
    except ValueError:
        return True
    return False


def wrong_value(kind: str) -> st.SearchStrategy[Any]:
    """Values that are never right for a key of this kind."""
    nonstr = st.one_of(st.integers(), st.floats(), st.booleans(), st.dates(), st.lists(st.integers(), max_size=2),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
    if kind == "str":
        return nonstr
    if kind == "date":
        return st.one_of(st.integers(), st.floats(), st.booleans(), st.datetimes(), st.times(),
                         st.text(max_size=12).filter(_not_iso_date), st.lists(st.dates(), max_size=2))
    if kind == "int":
        return st.one_of(st.floats(), st.text(max_size=6), st.booleans(), st.dates(),
                         st.lists(st.integers(), max_size=2),
                         st.integers(max_value=-1), st.integers(min_value=MAX_WORKING_DAYS + 1, max_value=2**63 - 1),
                         st.integers(min_value=2**63, max_value=10**40))
    if kind == "number":
        return st.one_of(st.text(max_size=6), st.booleans(), st.dates(), st.lists(st.floats(), max_size=2),
                         st.just(math.nan), st.just(math.inf), st.just(-math.inf), st.floats(max_value=-1e-9),
                         st.integers(min_value=10**400, max_value=10**401))
    if kind == "strlist":
        return st.one_of(st.text(max_size=6), st.integers(), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                              max_size=2),
                         st.lists(st.integers(), min_size=1, max_size=3))
    if kind == "links":
        return st.one_of(
            st.text(max_size=4), st.integers(), st.lists(st.integers(), min_size=1, max_size=3),
            st.lists(st.fixed_dictionaries({"type": st.sampled_from(["FS", "SS"])}), min_size=1, max_size=2),
            st.builds(lambda t: [{"id": "M1", "type": t}], st.text(max_size=3).filter(
                lambda t: t not in ("FS", "SS", "FF", "SF"))),
            st.builds(lambda lag: [{"id": "M1", "lag": lag}], st.one_of(
                st.integers(max_value=-1), st.integers(min_value=MAX_WORKING_DAYS + 1, max_value=10**30),
                st.floats(), st.text(max_size=3))),
        )
    if kind == "status":
        return st.one_of(nonstr, st.text(max_size=4).filter(lambda s: s not in ("未启动", "办理中", "已批复")))
    if kind == "months":
        return st.one_of(
            st.integers(), st.text(max_size=4), st.lists(st.integers(), max_size=2),
            st.dictionaries(st.text(max_size=8).filter(lambda s: not s.startswith("2026-")), st.integers(0, 9),
                            min_size=1, max_size=2),
            st.dictionaries(st.sampled_from(["2026-01", "2026-02"]), st.one_of(st.text(max_size=3),
                            st.floats(max_value=-1), st.just(math.nan)), min_size=1, max_size=2),
        )
    raise AssertionError(kind)


def _target(doc: dict[str, Any], table: str, which: int) -> dict[str, Any]:
    v = doc[table]
    return v[which % len(v)] if isinstance(v, list) else v


@st.composite
def wrong_type_docs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid project with one key of one table given a wrong type (or an impossible value)."""
    doc = base_project()
    table, key = draw(st.sampled_from(sorted(KINDS)))
    which = draw(st.integers(0, 3))
    target = _target(doc, table, which)
    value = draw(wrong_value(KINDS[(table, key)]))
    if table == "investment" and key == "annual_plan" and isinstance(value, float) and value < 0:
        value = -1.0
    target[key] = value
    return f"{table}.{key} = {value!r}", doc


REQUIRED = [("project", "id"), ("project", "name"), ("project", "start"), ("milestone", "id"),
            ("milestone", "duration"), ("factor", "id"), ("factor", "kind"), ("factor", "milestone"),
            ("factor", "status")]


@st.composite
def missing_key_docs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A required key (or a whole table, or a link's id) removed."""
    doc = base_project()
    choice = draw(st.integers(0, len(REQUIRED) + 1))
    if choice == len(REQUIRED):
        del doc["project"]
        return "no [project]", doc
    if choice == len(REQUIRED) + 1:
        doc["milestone"][3]["after"] = [{"type": "FS", "lag": 1}]
        return "link without id", doc
    table, key = REQUIRED[choice]
    which = draw(st.integers(0, 3))
    del _target(doc, table, which)[key]
    return f"no {table}.{key}", doc


@st.composite
def cyclic_docs(draw: st.DrawFn) -> tuple[list[str], dict[str, Any]]:
    """A random acyclic milestone network (4..12 milestones, mixed link types) plus one cycle."""
    n = draw(st.integers(4, 12))
    ids = [f"C{i}" for i in range(n)]
    after: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for j in range(1, n):
        for i in draw(st.sets(st.integers(0, j - 1), max_size=3)):
            after[ids[j]].append({"id": ids[i], "type": draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
                                  "lag": draw(st.integers(0, 5))})
    cyc = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=5, unique=True))
    for a, b in zip(cyc, cyc[1:] + cyc[:1], strict=True):  # b after a, closing the loop
        if not any(lk["id"] == a and lk["type"] == "FS" for lk in after[b]):
            after[b].append({"id": a, "type": "FS", "lag": 0})
    doc = base_project()
    doc["milestone"] = [{"id": i, "name": f"节点{i}", "duration": draw(st.integers(0, 30)), "after": after[i]}
                        for i in ids]
    doc["factor"] = []
    del doc["factor"]
    return cyc, doc


@st.composite
def unknown_id_docs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A predecessor or factor milestone that is not in the project, or an id used twice."""
    doc = base_project()
    ghost = draw(st.text(alphabet="ABCXYZ0123456789_-.", min_size=1, max_size=8).filter(
        lambda s: s not in ("M1", "M2", "M3", "M4")))
    case = draw(st.integers(0, 4))
    if case == 0:
        doc["milestone"][draw(st.integers(1, 3))]["after"] = [ghost]
    elif case == 1:
        doc["milestone"][3]["after"] = [{"id": ghost, "type": draw(st.sampled_from(["FS", "SS", "FF", "SF"]))}]
    elif case == 2:
        doc["factor"][draw(st.integers(0, 1))]["milestone"] = ghost
    elif case == 3:
        doc["milestone"][draw(st.integers(1, 3))]["id"] = "M1"
    else:
        doc["factor"][1]["id"] = "F1"
    return f"case {case} ghost {ghost}", doc


OUT_OF_RANGE = st.one_of(st.dates(max_value=dt.date(2014, 12, 31)), st.dates(min_value=dt.date(2036, 1, 1)),
                         st.sampled_from([dt.date(1900, 1, 1), dt.date(2999, 1, 1)]))
SCHEDULED_DATES = [("project", 0, "start"), ("milestone", 2, "not_before"), ("milestone", 2, "start_by"),
                   ("milestone", 3, "finish_by"), ("milestone", 1, "actual_start"),
                   ("milestone", 0, "actual_finish"), ("factor", 0, "expected")]


@st.composite
def out_of_range_docs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A date the scheduler uses, moved outside the calendars' 2015..2035."""
    doc = base_project()
    table, which, key = draw(st.sampled_from(SCHEDULED_DATES))
    d = draw(OUT_OF_RANGE)
    _target(doc, table, which)[key] = d
    return f"{table}[{which}].{key} = {d}", doc


HUGE = [("milestone", 1, "duration", 10**12), ("milestone", 2, "duration", MAX_WORKING_DAYS + 1),
        ("milestone", 3, "after", [{"id": "M3", "type": "FS", "lag": 10**9}]),
        ("milestone", 1, "percent", 1e308), ("milestone", 1, "percent", 100.000001),
        ("milestone", 0, "duration", 2**63 - 1), ("milestone", 0, "duration", 10**30),
        ("investment", 0, "year", 10**12), ("investment", 0, "total", 10**400),
        ("milestone", 1, "weight", math.inf)]


@st.composite
def huge_docs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """Numbers far beyond anything real (the CPM must not hang nor clip dates silently)."""
    doc = base_project()
    table, which, key, value = draw(st.sampled_from(HUGE))
    if key == "duration" and draw(st.booleans()):
        value = draw(st.integers(MAX_WORKING_DAYS + 1, 10**18))
    _target(doc, table, which)[key] = value
    return f"{table}[{which}].{key} = {value!r}", doc


# -- the properties ----------------------------------------------------------------------------


@settings(FUZZ, max_examples=100)
@given(case=wrong_type_docs())
def test_wrong_types_refused(db: Db, case: tuple[str, dict[str, Any]]) -> None:
    what, doc = case
    line = db.refuses(to_toml(doc), what)
    assert "project FZ-1" in line or "[missing-project-id]" in line or "[bad-project-id]" in line, line


@FUZZ
@given(case=missing_key_docs())
def test_missing_keys_refused(db: Db, case: tuple[str, dict[str, Any]]) -> None:
    what, doc = case
    line = db.refuses(to_toml(doc), what)
    assert "[missing-" in line or "[bad-" in line, line


@FUZZ
@given(case=cyclic_docs())
def test_cycles_refused_and_named(db: Db, case: tuple[list[str], dict[str, Any]]) -> None:
    cyc, doc = case
    line = db.refuses(to_toml(doc), f"cycle {cyc}")
    assert "[cycle]" in line, line
    if len(cyc) == 1:
        assert f"milestone {cyc[0]}" in line
    else:  # the named cycle is a real one of the graph: consecutive names are linked
        named = line.split("[cycle] milestones form a cycle: ")[1].split(" -> ")
        assert named[0] == named[-1] and len(named) >= 3


@FUZZ
@given(case=unknown_id_docs())
def test_unknown_and_duplicate_ids_refused(db: Db, case: tuple[str, dict[str, Any]]) -> None:
    what, doc = case
    line = db.refuses(to_toml(doc), what)
    assert any(k in line for k in ("[unknown-predecessor]", "[unknown-milestone]", "[duplicate-milestone]",
                                   "[duplicate-factor]", "[cycle]", "[bad-id]")), line


@FUZZ
@given(case=out_of_range_docs())
def test_dates_outside_the_calendars_refused(db: Db, case: tuple[str, dict[str, Any]]) -> None:
    what, doc = case
    line = db.refuses(to_toml(doc), what)
    assert "[date-out-of-range]" in line or "[finish-before-start]" in line, line
    assert ".toml:" in line and "project FZ-1" in line, line  # file and line named, before any storing


@settings(FUZZ, max_examples=30)
@given(case=huge_docs())
def test_huge_numbers_refused(db: Db, case: tuple[str, dict[str, Any]]) -> None:
    what, doc = case
    line = db.refuses(to_toml(doc), what)
    assert any(k in line for k in ("[bad-duration]", "[bad-lag]", "[bad-percent]", "[bad-investment]",
                                   "[bad-weight]")), line


def test_long_but_legal_durations_run_past_the_calendar_refused(db: Db) -> None:
    """A duration the loader accepts but that carries the schedule beyond 2035 is refused by name,
    never clipped silently to the calendar's last day."""
    doc = base_project()
    doc["milestone"][2]["duration"] = MAX_WORKING_DAYS
    line = db.refuses(to_toml(doc))
    assert "project FZ-1" in line and "[date-out-of-range]" in line and "2035-12-31" in line, line


@settings(FUZZ, max_examples=40)
@given(data=st.binary(min_size=1, max_size=200), at=st.integers(0, 10**6))
def test_non_utf8_bytes_refused(db: Db, data: bytes, at: int) -> None:
    good = to_toml(base_project()).encode()
    bad = data + b"\xff\xfe\xc3"
    at = at % len(good)
    line = db.refuses(good[:at] + bad + good[at:], "non-UTF-8")
    assert "[encoding]" in line, line


@settings(FUZZ, max_examples=100)
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
                      st.lists(st.sampled_from(["[", "]", "[[", "]]", "=", '"', "'", "{", "}", ",", "\n", "a",
                                                "1", ".", "#", "project", "milestone", " ", "\\", "'''"]),
                               max_size=80).map("".join)))
def test_garbage_text_refused(db: Db, text: str) -> None:
    line = db.refuses(text, "garbage")
    assert any(k in line for k in ("[toml-syntax]", "[missing-project]", "[missing-project-id]")), line


@settings(FUZZ, max_examples=30)
@given(depth=st.integers(1, 5000), key=st.sampled_from(["duration", "percent", "after", "name"]),
       opener=st.sampled_from(["[", "{a = "]))
def test_deeply_nested_junk_refused(db: Db, depth: int, key: str, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    doc = base_project()
    doc["milestone"][1][key] = "@@NEST@@"
    text = to_toml(doc).replace('"@@NEST@@"', opener * depth + "1" + closer * depth)
    line = db.refuses(text, f"{key} nested {depth}")
    assert "[toml-syntax]" in line or "[bad-" in line or "must be a string" in line, line


@settings(FUZZ, max_examples=80)
@given(table=st.sampled_from(["project", "milestone", "factor", "investment"]), which=st.integers(0, 3),
       key=st.sampled_from(sorted({k for _t, k in KINDS} | {"extra", "id"})), value=junk)
def test_any_value_anywhere_is_accepted_or_refused_cleanly(tmp_path: Path, table: str, which: int, key: str,
                                                           value: Any) -> None:
    """Any junk at any key: either a valid project (exit 0, a schedule) or one clean error line."""
    doc = base_project()
    _target(doc, table, which)[key] = value
    path = write_file(tmp_path, to_toml(doc))
    res = run_cli(["schedule", str(path), "--format", "json", "--data-date", DATA_DATE])
    if res.exit_code == 0:
        assert '"projects"' in res.output and not res.stderr
    else:
        assert_clean_refusal(res, f"{table}.{key} = {value!r}")


@pytest.mark.parametrize("date", ["1900-01-01", "2999-01-01", "2014-12-31", "2036-01-01"])
def test_data_date_outside_the_calendars_refused(tmp_path: Path, date: str) -> None:
    path = write_file(tmp_path, to_toml(base_project()))
    line = assert_clean_refusal(run_cli(["schedule", str(path), "--format", "json", "--data-date", date]))
    assert has_kind(line, "date-out-of-range") and date in line
    assert line.startswith("错误：") and "超出日历 construction 的范围" in line, line  # config.toml says zh



# -- weekly report sheets --------------------------------------------------------------------------
# 县发改局's template of 2026-W48 (conftest portfolio): 节点进度 rows 4..7 = ALPHA M0, M2, M3, M4 with
# G 实际开始, H 实际完成, I 完成百分比; 要素保障 row 4 = BETA F1 with G 办理状态, H 预计批复日期,
# I 堵点问题; 投资 row 4 = ALPHA with E 本周完成投资.

BASE_UNIT = "县发改局"
REPORT_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


def _is_date_text(s: str) -> bool:
    import re
    m = re.match(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$", s)
    if not m:
        return False
    try:
        dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True


def _is_number_text(s: str) -> bool:
    try:
        float(s.strip().replace(",", "").replace("，", "").rstrip("%").strip())
    except ValueError:
        return False
    return True


NOT_A_DATE = st.one_of(REPORT_TEXT.filter(lambda s: s.strip() != "" and not _is_date_text(s)), st.booleans())
OUTSIDE_CALENDARS = st.one_of(st.dates(max_value=dt.date(2014, 12, 31)), st.dates(min_value=dt.date(2036, 1, 1)),
                              st.sampled_from([dt.date(1900, 1, 1), dt.date(2999, 1, 1)]))
BAD_CELLS: dict[str, st.SearchStrategy[Any]] = {
    "date": st.one_of(NOT_A_DATE, OUTSIDE_CALENDARS,
                      OUTSIDE_CALENDARS.map(lambda d: d.isoformat())),
    "percent": st.one_of(REPORT_TEXT.filter(lambda s: s.strip() != "" and not _is_number_text(s)), st.booleans(),
                         st.floats(max_value=-1e-6, allow_nan=False, allow_infinity=False),
                         st.floats(min_value=100.000001, allow_nan=False, allow_infinity=False),
                         st.sampled_from(["nan", "inf", "-inf", "1e308%", "101", "-0.5"])),
    "status": st.one_of(REPORT_TEXT.filter(lambda s: s.strip() not in ("", "未启动", "办理中", "已批复")),
                        st.integers(), st.booleans()),
    "money": st.one_of(REPORT_TEXT.filter(lambda s: s.strip() != "" and not _is_number_text(s)), st.booleans(),
                       st.floats(max_value=-1e-6, allow_nan=False, allow_infinity=False),
                       st.sampled_from(["nan", "inf", "-1"])),
}
FILL_CELLS = [(MS, c, r, k) for r in range(4, 8) for c, k in (("G", "date"), ("H", "date"), ("I", "percent"))]
FILL_CELLS += [(FS, "G", 4, "status"), (FS, "H", 4, "date"), (INV, "E", 4, "money")]


def workbook(db: Db, unit: str = BASE_UNIT) -> Any:
    return load_workbook(io.BytesIO(db.templates[unit]))


def saved(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_base_report_is_valid_and_stored_once(db: Db, tmp_path: Path) -> None:
    """The unmodified template of each mutation's base is accepted (into a copy of the week, then
    the database is put back so the fixture's dump check still holds)."""
    path = write_file(tmp_path, db.templates[BASE_UNIT], ".xlsx")
    before = db.counts()
    res = run_cli(["ingest", "--unit", BASE_UNIT, str(path)], db.config)
    assert res.exit_code == 0, res.stderr
    assert db.counts()["weekly_reports"] == before["weekly_reports"] + 1
    with storage.transaction(db.engine) as c:
        c.execute(storage.weekly_reports.delete().where(storage.weekly_reports.c.unit == BASE_UNIT))
    assert db.counts() == before


@settings(FUZZ, max_examples=100)
@given(cell=st.sampled_from(FILL_CELLS), data=st.data())
def test_wrong_cell_values_refused(db: Db, cell: tuple[str, str, int, str], data: st.DataObject) -> None:
    sheet, col, row, kind = cell
    value = data.draw(BAD_CELLS[kind], label="value")
    wb = workbook(db)
    wb[sheet][f"{col}{row}"] = value
    line = db.ingest_refuses(saved(wb), f"{sheet}!{col}{row} = {value!r}")
    assert f"[{sheet}!{col}{row}]" in line, line
    assert "project " in line, line


@st.composite
def layout_damage(draw: st.DrawFn) -> tuple[str, Callable[[Any], None]]:
    """Sheets missing or renamed, headers changed, columns deleted/inserted/swapped, rows shifted,
    the hidden _meta sheet tampered with."""
    sheet = draw(st.sampled_from([MS, FS, INV]))
    case = draw(st.integers(0, 8))
    n_cols = {MS: 9, FS: 9, INV: 5}[sheet]
    j = draw(st.integers(1, n_cols))
    text = draw(REPORT_TEXT)
    k = draw(st.integers(1, 3))

    def damage(wb: Any) -> None:
        ws = wb[sheet]
        if case == 0:
            del wb[sheet]
        elif case == 1:
            ws.title = sheet + "（旧）" * k
        elif case == 2:
            if ws.cell(3, j).value == text.strip():
                ws.cell(3, j).value = text + "x"
            else:
                ws.cell(3, j).value = text
        elif case == 3:
            ws.delete_cols(j)
        elif case == 4:
            ws.insert_cols(j, k)
        elif case == 5:
            ws.insert_rows(1, k)
        elif case == 6:
            other = j % n_cols + 1
            for r in range(3, ws.max_row + 1):  # rows 1-2 are merged title and help
                a, b = ws.cell(r, j).value, ws.cell(r, other).value
                ws.cell(r, j).value, ws.cell(r, other).value = b, a
        elif case == 7:
            ws.cell(3, j).value = None
        else:
            meta = wb[META_SHEET]
            ref, value = [("B1", text), ("B2", 99), ("B3", None), ("B4", text), ("B4", "2026-W60")][j % 5]
            if ref == "B1" and value == "dispatch-weekly-report":
                value = "x"
            meta[ref] = value

    return f"case {case} sheet {sheet} col {j} text {text!r} k {k}", damage


@settings(FUZZ, max_examples=60)
@given(case=layout_damage())
def test_wrong_sheet_layout_refused(db: Db, case: tuple[str, Callable[[Any], None]]) -> None:
    what, damage = case
    wb = workbook(db)
    damage(wb)
    line = db.ingest_refuses(saved(wb), what)
    assert "[bad-layout]" in line or "[bad-week]" in line, line


@settings(FUZZ, max_examples=50)
@given(sheet_row=st.sampled_from([(MS, 4), (MS, 5), (MS, 7), (FS, 4), (INV, 4)]), what=st.sampled_from(
    ["project", "item", "both", "blank-ids", "duplicate"]),
       ghost=st.text(alphabet="ABCXYZ0123456789_-", min_size=1, max_size=8).filter(
           lambda s: s not in ("ALPHA", "BETA", "GAMMA", "M0", "M1", "M2", "M3", "M4", "F1", "F2")))
def test_unknown_and_missing_ids_refused(db: Db, sheet_row: tuple[str, int], what: str, ghost: str) -> None:
    sheet, row = sheet_row
    wb = workbook(db)
    ws = wb[sheet]
    if sheet == INV and what in ("item", "both"):
        what = "project"
    if what in ("project", "both"):
        ws[f"A{row}"] = ghost
    if what in ("item", "both"):
        ws[f"C{row}"] = ghost
    if what == "blank-ids":
        ws[f"A{row}"] = None
        if sheet != INV:
            ws[f"C{row}"] = None
        ws[{MS: "G", FS: "H", INV: "E"}[sheet] + str(row)] = {INV: 5}.get(sheet, dt.datetime(2026, 11, 20))
    if what == "duplicate":
        for j in range(1, ws.max_column + 1):
            ws.cell(ws.max_row + 1 if j == 1 else ws.max_row, j).value = ws.cell(row, j).value
    line = db.ingest_refuses(saved(wb), f"{sheet} row {row} {what} {ghost}")
    assert any(k in line for k in ("[unknown-project]", "[unknown-milestone]", "[unknown-factor]",
                                   "[missing-id]", "[duplicate-row]")), line


@settings(FUZZ, max_examples=40)
@given(data=st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
    st.text(max_size=200).map(lambda s: ("项目编号,节点编号,实际开始\n" + s).encode("utf-8")),
    st.integers(0, 10**6).map(lambda n: ("cut", n)),
    st.lists(st.tuples(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "a.txt", "xl/worksheets/sheet1.xml"]),
                       st.binary(max_size=50)), max_size=4, unique_by=lambda f: f[0]).map(
        lambda files: ("zip", files)),
))
def test_non_xlsx_bytes_refused(db: Db, data: Any) -> None:
    import zipfile
    if isinstance(data, tuple) and data[0] == "cut":
        blob = db.templates[BASE_UNIT]
        data = blob[: data[1] % (len(blob) - 1)]
    elif isinstance(data, tuple):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, content in data[1]:
                z.writestr(name, content)
        data = buf.getvalue()
    line = db.ingest_refuses(data, f"{len(data)} bytes")
    assert "[not-xlsx]" in line or "[bad-layout]" in line, line


def test_plain_workbook_and_stray_far_cell_refused(db: Db) -> None:
    """A workbook that is not a dispatch template; a template with a value typed in the sheet's last
    row (1048576), refused in well under a second (reading every empty row in between took half a
    minute and 2 GB)."""
    from openpyxl import Workbook
    wb = Workbook()
    assert wb.active is not None
    wb.active["A1"] = "项目编号"
    assert "[bad-layout]" in db.ingest_refuses(saved(wb))
    wb = workbook(db)
    wb[MS]["G1048576"] = "昨天"
    wb[FS]["B1048576"] = "a stray note in an information column"
    data = saved(wb)
    t0 = time.monotonic()
    line = db.ingest_refuses(data)
    assert time.monotonic() - t0 < 10
    assert "[missing-id]" in line and "节点进度!A1048576]" in line, line


@settings(FUZZ, max_examples=30)
@given(foreign=st.lists(st.sampled_from([(MS, "ALPHA", "M1", "虞公港铁路公司"), (MS, "BETA", "B", "县卫健局"),
                                         (MS, "GAMMA", "W", "县交通运输局"), (FS, "ALPHA", "F1", "县自然资源局"),
                                         (FS, "ALPHA", "F2", "县生态环境局"), (INV, "GAMMA", "", "县交通运输局")]),
                        min_size=1, max_size=4, unique=True),
       own=st.booleans())
def test_report_on_another_units_items_refused_and_nothing_stored(
        db: Db, foreign: list[tuple[str, str, str, str]], own: bool) -> None:
    """县发改局 reports (possibly valid values on its own rows, plus) rows it does not answer for:
    refused naming every one and its responsible unit; not even its own rows are stored."""
    wb = workbook(db)
    if own:
        wb[MS]["I6"] = 10  # ALPHA/M3 is its own; with no actual start this alone would be refused later
        wb[FS]["I4"] = "等待省厅批复"
    for sheet, pid, item, _unit in foreign:
        ws = wb[sheet]
        r = ws.max_row + 1
        ws[f"A{r}"] = pid
        if sheet != INV:
            ws[f"C{r}"] = item
        ws[{MS: "H", FS: "G", INV: "E"}[sheet] + str(r)] = {MS: dt.datetime(2026, 11, 20), FS: "已批复", INV: 1}[sheet]
    line = db.ingest_refuses(saved(wb), f"foreign {foreign}")
    assert "[not-responsible]" in line, line
    assert f"unit {BASE_UNIT}" in line and f"not responsible for {len(foreign)}" in line, line
    for _sheet, pid, item, unit in foreign:
        assert (f"{pid}/{item}" if item else pid) in line and unit in line, line


def test_report_from_a_unit_not_in_config_refused(db: Db) -> None:
    """县生态环境局 answers for ALPHA/F2 but is not listed in config.toml [units]: its report is refused
    before any row is looked at. (F2 is approved, so the unit gets no template of its own any more:
    templates list open items only; a base workbook relabelled as its report stands in.)"""
    wb = workbook(db)
    wb[META_SHEET]["B3"] = "县生态环境局"
    line = db.ingest_refuses(saved(wb), "unlisted unit", unit="县生态环境局")
    assert "县生态环境局" in line and "[unknown-unit]" in line, line


def test_every_unit_of_the_sample_portfolio_is_listed_in_config() -> None:
    """The shipped config.toml lists every unit the projects/ portfolio names (each may report)."""
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.projectfile import read_portfolio

    config = load_config(REPO / "config.toml")
    pfs = read_portfolio([config.projects_dir], calendars=CalendarSet(config.calendar_dir))
    named = {u for pf in pfs for u in named_units(pf.project)}
    assert len(pfs) >= 10 and named
    missing = sorted(named - set(config.units))
    assert not missing, f"units named by projects/ but not in config.toml: {missing}"
    assert all(config.units[u].email for u in named)


@pytest.mark.parametrize("data", [b"a = " + b"[" * 3000 + b"]" * 3000 + b"\n", b'language = "\xff"\n',
                                  b"[paths\n", b"\x00\x01\x02"])
def test_broken_config_refused_in_one_line(tmp_path: Path, data: bytes) -> None:
    """config.toml itself broken (nested too deeply, not UTF-8, bad TOML): one line, exit 2."""
    cfg = write_file(tmp_path, data)
    line = assert_clean_refusal(run_cli(["validate", str(REPO / "projects")], cfg))
    assert str(cfg) in line and has_kind(line, "toml-syntax", "encoding"), line


@pytest.mark.parametrize("text", ['[units."县水利局"]\nemail = 5\n', '[units."县水利局"]\nwebhook = [1]\n',
                                  '[weekly]\nmisfire_grace_seconds = "a"\n', "[check]\nno_such = 1\n"])
def test_malformed_config_values_refused_in_one_line(tmp_path: Path, text: str) -> None:
    cfg = write_file(tmp_path, text)
    line = assert_clean_refusal(run_cli(["validate", str(REPO / "projects")], cfg))
    assert str(cfg) in line and has_kind(line, "bad-config"), line
