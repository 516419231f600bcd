"""Loading project files into the database and re-baselining a project: the use cases behind
`dispatch load` and `dispatch baseline`.

A load validates every file before it writes anything (one error per refused file, nothing
stored then); a file whose bytes are those of a stored project costs its SHA-256 only (it was
validated when it was stored); the rest is one transaction (store/projects.load_projects)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.errors import ProjectFileError
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.projectfile import check_files
from scheduler.store.projects import LoadReport, load_projects, rebaseline, stored_digests


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    """What `load_files` did: how many files it read, and either what it stored or why it refused
    (then nothing was stored)."""

    files: int
    report: LoadReport | None
    errors: tuple[ProjectFileError, ...] = ()


def load_files(engine: Engine, paths: Sequence[str | Path], *, calendars: CalendarSet,
               default_calendar: str, portfolio: str = DEFAULT_PORTFOLIO) -> LoadOutcome:
    """Validate the project files (or folders of *.toml files) and store them into `portfolio` in
    one transaction, unless one is refused."""
    known = {digest: pid for pid, digest in stored_digests(engine, portfolio).items()}
    checked = check_files(paths, known=known, calendars=calendars, default_calendar=default_calendar)
    n = len(checked.files) + len(checked.unchanged)
    if checked.errors:
        return LoadOutcome(n, None, tuple(checked.errors))
    report = load_projects(engine, checked.files, calendars=calendars, unchanged=checked.unchanged,
                           portfolio=portfolio)
    return LoadOutcome(n, report)


def new_baseline(engine: Engine, project: str, reason: str, *, calendars: CalendarSet,
                 portfolio: str = DEFAULT_PORTFOLIO) -> int:
    """Make the project's current plan (as last loaded) its new baseline version, keeping the
    reason; returns the version."""
    return rebaseline(engine, project, reason, calendars=calendars, portfolio=portfolio)
