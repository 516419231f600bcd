"""Ingesting a unit's filled weekly report: read and type-check the file (io), check it against
the stored projects with the earlier reports applied (core), store it as the next version (store),
all in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

from sqlalchemy import Engine

from scheduler.core.reports import apply_reports
from scheduler.errors import PermissionRefused
from scheduler.io.reports import META_SHEET, parse_report, validate_report
from scheduler.store.db import transaction
from scheduler.store.projects import read_projects
from scheduler.store.reports import IngestResult, load_reports, store_report


def ingest_report(engine: Engine, path: Path, *, now: dt.datetime | None = None,
                  units: Collection[str] | None = None) -> IngestResult:
    """Validate one filled report against the stored projects (with the earlier reports applied)
    and store it as the next version, all in one transaction: a refused file stores nothing.
    `units`: the units config.toml lists; a report from any other unit is refused."""
    parsed = parse_report(Path(path))
    if units is not None and parsed.unit not in units:
        raise PermissionRefused("unknown-unit", f"unit {parsed.unit} is not listed in config.toml [units]: reports "
                                "are accepted from listed units only", file=parsed.path, sheet=META_SHEET, cell="B3")
    with transaction(engine) as conn:
        projects = read_projects(conn)
        earlier = load_reports(conn, week_max=parsed.week, exclude=(parsed.unit, parsed.week))
        state = apply_reports(projects, earlier).projects
        validate_report(parsed, state)
        return store_report(conn, parsed, now=now)


