"""Data-driven import cases (tests/cases/interop/): each MS Project XML or P6 XER file is imported
with the options of a variant through `dispatch import`, and the project files, calendar files
and the plan `dispatch schedule` computes from them must equal the expected ones kept beside it
(`<case>.<variant>/`). DISPATCH_REGEN_INTEROP=1 rewrites the expected files (review the diff)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduler.cli import cli

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases" / "interop"
VARIANTS = {
    "01_mspdi_programme": {"default": ["--write-calendar"], "level1": ["--write-calendar", "--level", "1"],
                           "milestones": ["--write-calendar", "--milestones-only"],
                           "keep": ["--write-calendar", "--milestones-only", "--keep", "2.1"],
                           "office": ["--calendar", "office"]},
    "02_mspdi_lead": {"clamp": ["--write-calendar", "--leads", "clamp"]},
    "03_xer_two_projects": {"default": ["--write-calendar"], "level1": ["--write-calendar", "--level", "1"]},
}
REGEN = os.environ.get("DISPATCH_REGEN_INTEROP") == "1"


def make_config(tmp_path: Path) -> Path:
    """A config.toml whose calendar folder is a copy of the repository's (imports may write to it)."""
    cal = tmp_path / "calendar"
    shutil.copytree(REPO / "calendar", cal)
    path = tmp_path / "config.toml"
    path.write_text(f'language = "en"\n[paths]\ncalendar_dir = "{cal.as_posix()}"\n'
                    f'projects_dir = "{(tmp_path / "projects").as_posix()}"\n'
                    f'data_dir = "{(tmp_path / "var").as_posix()}"\n', encoding="utf-8")
    return path


def run(config: Path, *args: str) -> Result:
    """`dispatch --config CONFIG ARGS` (stderr kept apart)."""
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=True)


def body(text: str) -> str:
    """A written project file without its first line (it names the day of the import)."""
    first, _, rest = text.partition("\n")
    assert first.startswith("# Imported from "), first
    return rest


def source_of(case: str) -> Path:
    return next(p for p in CASES.glob(f"{case}.*") if p.suffix in (".xml", ".xer"))


@pytest.mark.parametrize(("case", "variant"), [(c, v) for c, vs in VARIANTS.items() for v in vs])
def test_import_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, variant: str) -> None:
    monkeypatch.delenv("DISPATCH_CONFIG", raising=False)
    config = make_config(tmp_path)
    before = {p.name for p in (tmp_path / "calendar").iterdir()}
    out = tmp_path / "out"
    out.mkdir()
    res = run(config, "import", str(source_of(case)), "--out", f"{out}/", *VARIANTS[case][variant])
    assert res.exit_code == 0, res.stderr
    assert "Traceback" not in res.stderr
    got: dict[str, str] = {}
    for p in sorted(out.glob("*.toml")):
        got[p.name] = body(p.read_text(encoding="utf-8"))
        sched = run(config, "schedule", str(p), "--format", "json")
        assert sched.exit_code == 0, sched.stderr
        got[p.stem + ".plan.json"] = json.dumps(json.loads(sched.stdout), ensure_ascii=False, indent=1) + "\n"
    for p in sorted((tmp_path / "calendar").iterdir()):
        if p.name not in before:
            got["calendar/" + p.name] = p.read_text(encoding="utf-8")
    # every warning the import printed is also written on top of its project file
    for line in res.stderr.splitlines():
        assert line.startswith("warning: "), line
        pid, _, text = line.removeprefix("warning: ").partition(": ")
        assert f"# warning: {text}" in got[f"{pid}.toml"]
    expected_dir = CASES / f"{case}.{variant}"
    if REGEN:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for name, text in got.items():
            (expected_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / name).write_text(text, encoding="utf-8")
    expected = {str(p.relative_to(expected_dir)): p.read_text(encoding="utf-8")
                for p in sorted(expected_dir.rglob("*")) if p.is_file()}
    assert sorted(got) == sorted(expected)
    for name, text in expected.items():
        assert got[name] == text, name


def test_projects_of_one_xer_share_the_calendar_they_bring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPATCH_CONFIG", raising=False)
    config = make_config(tmp_path)
    text = (CASES / "03_xer_two_projects.xer").read_text(encoding="utf-8").replace(
        "%R\t20\tXJ-AVENUE\t2\t2026-10-08 08:00", "%R\t20\tXJ-AVENUE\t1\t2027-03-01 08:00")
    src = tmp_path / "shared.xer"
    src.write_text(text, encoding="utf-8")
    before = {p.name for p in (tmp_path / "calendar").iterdir()}
    res = run(config, "import", str(src), "--out", str(tmp_path / "one.toml"), "--write-calendar")
    assert res.exit_code == 2 and "[bad-option]" in res.stderr  # two projects need a folder
    res = run(config, "import", str(src), "--out", f"{tmp_path / 'out'}/", "--write-calendar")
    assert res.exit_code == 0, res.stderr
    assert {p.name for p in (tmp_path / "calendar").iterdir()} - before == {"site-6-day.toml"}
    for pid in ("XJ-BRIDGE", "XJ-AVENUE"):
        assert 'calendar = "site-6-day"' in (tmp_path / "out" / f"{pid}.toml").read_text(encoding="utf-8")
    assert "works the same days as calendar/site-6-day.toml" in res.stderr
