"""Who reported a week (`dispatch reporting`, the weekly run's 未报送 list) and the reminder to the
units that have not reported yet (`dispatch serve`). The rules are core/reporting.py's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from scheduler.core.model import DEFAULT_PORTFOLIO, Project
from scheduler.core.reporting import ReportingStatus, collecting_week, open_units, reporting_status
from scheduler.core.reports import WeeklyReport, apply_reports
from scheduler.core.schedule import PortfolioFrame, overlay_projects
from scheduler.errors import NotFound
from scheduler.io.config import Config
from scheduler.store.columns import BaselineColumns, load_frame
from scheduler.store.db import reading, transaction, utcnow
from scheduler.store.projects import read_projects
from scheduler.store.reports import load_reports, received_for_week


@dataclass(frozen=True, slots=True)
class ReportedPortfolio:
    """The stored portfolio as columns with weekly reports overlaid, and its current baseline."""

    frame: PortfolioFrame
    base: BaselineColumns
    projects: list[Project]
    """Model projects (reports applied) when asked for, else empty."""
    report_ids: tuple[int, ...]
    warnings: tuple[str, ...]


def frame_with_reports(conn: Connection, reports: Sequence[WeeklyReport], *, models: bool = False,
                       portfolio: str = DEFAULT_PORTFOLIO) -> ReportedPortfolio:
    """The stored portfolio as columns with `reports` overlaid: model Projects are built only for
    the projects the reports touch (to apply them, then put back into the columns), or for all of
    them when `models` (the printout and sheets need them). NotFound when nothing is loaded."""
    frame, base = load_frame(conn, portfolio=portfolio)
    if not frame.project_ids:
        raise NotFound("no-projects", "no project is loaded: run `dispatch load projects/` first")
    touched = sorted({row.project for rep in reports for row in rep.rows})
    stored = (read_projects(conn, portfolio=portfolio) if models else
              (read_projects(conn, touched, portfolio=portfolio) if touched else []))
    applied = apply_reports(stored, reports)
    frame = overlay_projects(frame, applied.projects)
    return ReportedPortfolio(frame, base, applied.projects if models else [], applied.report_ids,
                             applied.warnings)


def status_of_week(conn: Connection, config: Config, week: str, frame: PortfolioFrame | None = None,
                   *, expected: bool = True) -> ReportingStatus:
    """Who reported `week` as things stand: the units answering for an open item (of `frame`, else
    the stored portfolio with the reports up to `week`) and the reports stored for it. Without
    `expected` only the units that reported are listed (the weekly run of a week reports are not
    required for skips walking the portfolio)."""
    pf = config.portfolio
    units: set[str] = set()
    if expected:
        if frame is None:
            frame = frame_with_reports(conn, load_reports(conn, week_max=week, portfolio=pf), portfolio=pf).frame
        units = open_units(frame)
    return reporting_status(week, units, received_for_week(conn, week, pf), config.reporting, config.timezone)


def reporting_of_week(engine: Engine, config: Config, week: str) -> ReportingStatus:
    """`dispatch reporting --week W`."""
    with reading(engine) as conn:
        return status_of_week(conn, config, week)


def remind_missing(engine: Engine, config: Config, *, now: dt.datetime | None = None) -> tuple[str, list[str]]:
    """Queue a reminder (one per unit, channel and address; idempotent) to every unit that has not
    yet reported the week being collected at `now`; returns the week and the units reminded. Nothing
    is queued for a week before [reporting] first_week."""
    from scheduler.delivery.messages import reminder_alerts
    from scheduler.store.alerts import insert_alerts

    now = now or utcnow()
    week = collecting_week(now, config.timezone)
    if not config.reporting.required(week):
        return week, []
    with transaction(engine) as conn:
        status = status_of_week(conn, config, week)
        units = list(status.missing)
        insert_alerts(conn, reminder_alerts(units, week=week, deadline=status.deadline, config=config, now=now),
                      config.portfolio)
    return week, units
