"""Loading project files (scheduler/app/loading.py): every file validated before anything is
written, an unchanged file costs its digest and is not parsed again, a changed one is parsed and
replaces its project, and what an unparsed file stands for is still checked (duplicate ids,
known calendar, the stored project not changed meanwhile). Runs on SQLite, and on PostgreSQL when
$DISPATCH_TEST_POSTGRES_URL is set (tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.app import loading
from scheduler.errors import CalendarError, StorageError
from scheduler.io import projectfile
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import REPO_ROOT
from scheduler.store import projects as repository
from tests.helpers import dump

CALS = CalendarSet(REPO_ROOT / "calendar")


def _load(engine: Engine, *paths: Path) -> loading.LoadOutcome:
    return loading.load_files(engine, list(paths), calendars=CALS, default_calendar="construction")


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files parse_project is called for, in order."""
    seen: list[str] = []
    real = projectfile.parse_project

    def spy(text: str, source: str | Path, **kw: object) -> object:
        seen.append(Path(source).name)
        return real(text, source, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(projectfile, "parse_project", spy)
    return seen


def test_unchanged_files_are_not_parsed_and_change_nothing(engine: Engine, portfolio_dir: Path,
                                                           parsed: list[str]) -> None:
    first = _load(engine, portfolio_dir)
    assert first.report == repository.LoadReport(("ALPHA", "BETA", "GAMMA"), (), ()) and first.files == 3
    assert parsed == ["ALPHA.toml", "BETA.toml", "GAMMA.toml"]
    before = dump(engine)
    parsed.clear()
    again = _load(engine, portfolio_dir)
    assert again.report == repository.LoadReport((), (), ("ALPHA", "BETA", "GAMMA")) and again.files == 3
    assert parsed == []
    assert dump(engine) == before
    text = (portfolio_dir / "GAMMA.toml").read_text(encoding="utf-8")
    (portfolio_dir / "GAMMA.toml").write_text(text.replace("duration = 25", "duration = 26"), encoding="utf-8")
    one = _load(engine, portfolio_dir)
    assert one.report == repository.LoadReport((), ("GAMMA",), ("ALPHA", "BETA")) and parsed == ["GAMMA.toml"]
    gamma = repository.read_projects(engine, ["GAMMA"])[0]
    assert gamma.milestone("W").duration == 26


def test_a_copy_of_an_unchanged_file_is_a_duplicate(engine: Engine, portfolio_dir: Path, tmp_path: Path) -> None:
    _load(engine, portfolio_dir)
    before = dump(engine)
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(portfolio_dir / "BETA.toml", extra / "BETA-copy.toml")
    out = _load(engine, portfolio_dir, extra / "BETA-copy.toml")
    assert out.report is None and len(out.errors) == 1
    e = out.errors[0]
    assert (e.kind, e.project, Path(str(e.file)).name, e.line) == ("duplicate-project", "BETA", "BETA-copy.toml", 2)
    assert dump(engine) == before


def test_a_broken_file_beside_unchanged_ones_writes_nothing(engine: Engine, portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    before = dump(engine)
    text = (portfolio_dir / "BETA.toml").read_text(encoding="utf-8")
    (portfolio_dir / "BETA.toml").write_text(text.replace('after = ["B"]', 'after = ["Q"]'), encoding="utf-8")
    out = _load(engine, portfolio_dir)
    assert out.report is None and [e.kind for e in out.errors] == ["unknown-predecessor"]
    assert dump(engine) == before


def test_what_an_unparsed_file_stands_for_is_still_checked(engine: Engine, portfolio_dir: Path) -> None:
    _load(engine, portfolio_dir)
    before = dump(engine)
    with pytest.raises(StorageError, match="ALPHA changed in the database"):
        repository.load_projects(engine, [], calendars=CALS, unchanged={"ALPHA": "0" * 64})
    with pytest.raises(CalendarError, match="office"):
        repository.load_projects(engine, [], calendars={"construction": CALS["construction"]},
                                 unchanged=repository.stored_digests(engine))
    assert dump(engine) == before
