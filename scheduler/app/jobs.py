"""What `dispatch serve` runs: module-level job functions the SQLAlchemy job store can pickle by
reference ('scheduler.app.jobs:weekly_run_job'). Each loads the configuration afresh, opens the
database, does its work and never raises: a failure is logged as one line and the scheduler tries
again at the next tick."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.errors import DispatchError, RunLocked
from scheduler.io.config import Config, load_config

log = logging.getLogger("dispatch.jobs")

RUNNER_MODULE = "scheduler.app.weekly"


def today(config: Config) -> dt.date:
    """Today's date in the configured timezone (the data date of a scheduled weekly run)."""
    return dt.datetime.now(ZoneInfo(config.timezone)).date()


def _run_weekly() -> Callable[..., Any] | None:
    """scheduler.app.weekly.run_weekly, imported lazily (None while that module does not exist)."""
    try:
        module = importlib.import_module(RUNNER_MODULE)
    except ModuleNotFoundError as e:
        if e.name != RUNNER_MODULE:
            raise
        return None
    fn = getattr(module, "run_weekly", None)
    return fn if callable(fn) else None


def weekly_run_job(config_path: str | None) -> None:
    """The scheduled weekly run: today's data date in the configured timezone. An unreachable
    database is logged as an error (the next tick tries again); a held run lock as a warning."""
    try:
        config = load_config(config_path)
        from scheduler.store.db import open_database

        engine = open_database(config.database_url)
        try:
            run_weekly = _run_weekly()
            if run_weekly is None:
                log.error("weekly run skipped: %s.run_weekly is not available", RUNNER_MODULE)
                return
            data_date = today(config)
            log.info("weekly run for data date %s starting", data_date.isoformat())
            result = run_weekly(engine, config, data_date)
            log.info("weekly run for data date %s done: %s", data_date.isoformat(), _describe(result))
        finally:
            engine.dispose()
    except RunLocked as e:
        log.warning("weekly run skipped: %s", e.format())
    except DispatchError as e:
        log.error("weekly run failed: %s", e.format())
    except Exception:
        log.exception("weekly run failed unexpectedly")


def deliver_alerts_job(config_path: str | None) -> None:
    """The periodic retry of pending alerts (sent, or written to the outbox in the demo)."""
    try:
        config = load_config(config_path)
        from scheduler.delivery.loop import deliver_pending
        from scheduler.store.db import open_database

        engine = open_database(config.database_url)
        try:
            report = deliver_pending(engine, config)
        finally:
            engine.dispose()
        if report.attempted or report.skipped:
            log.info("%s", report.summary("en"))
        for alert_id, error in report.errors:
            log.warning("alert %s not delivered: %s", alert_id, error)
    except DispatchError as e:
        log.error("alert delivery failed: %s", e.format())
    except Exception:
        log.exception("alert delivery failed unexpectedly")


def reminder_job(config_path: str | None) -> None:
    """The reminder before the reporting deadline: units that have not reported the week being
    collected get one message each (queued, then delivered; a second tick adds nothing)."""
    try:
        config = load_config(config_path)
        from scheduler.app.reporting import remind_missing
        from scheduler.delivery.loop import deliver_pending
        from scheduler.store.db import open_database

        engine = open_database(config.database_url)
        try:
            week, units = remind_missing(engine, config)
            log.info("reminders for %s: %d units not reported yet%s", week, len(units),
                     f" ({', '.join(units)})" if units else "")
            if units:
                deliver_pending(engine, config)
        finally:
            engine.dispose()
    except DispatchError as e:
        log.error("reminders failed: %s", e.format())
    except Exception:
        log.exception("reminders failed unexpectedly")


def _describe(result: Any) -> str:
    """A short description of whatever run_weekly returns (its run id and week when it has them)."""
    parts = [f"{name} {getattr(result, name)}" for name in ("run_id", "week", "status")
             if getattr(result, name, None) is not None]
    return ", ".join(parts) if parts else repr(result)
