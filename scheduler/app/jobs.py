"""What `dispatch serve` runs: module-level job functions the SQLAlchemy job store can pickle by
reference ('scheduler.app.jobs:weekly_run_job'). Each loads the configuration afresh, opens the
database, does its work and never raises: a failure is logged as one line and the scheduler tries
again at the next tick."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.core.dates import week_text
from scheduler.errors import DispatchError, RunLocked
from scheduler.io.config import Config, load_config
from scheduler.strings import error_message, t

log = logging.getLogger("dispatch.jobs")

RUNNER_MODULE = "scheduler.app.weekly"


def today(config: Config) -> dt.date:
    """Today's date in the configured timezone (the data date of a scheduled weekly run)."""
    return dt.datetime.now(ZoneInfo(config.timezone)).date()


def log_lang(config: Config | None) -> str:
    """The language of the log lines: the config's; before it is read (or when it cannot be),
    $DISPATCH_LANG, else Chinese."""
    if config is not None:
        return str(config.language)
    lang = os.environ.get("DISPATCH_LANG", "zh")
    return lang if lang in ("zh", "en") else "zh"


def error_line(e: DispatchError, lang: str) -> str:
    """An error inside a log line: its one line in `lang` (Chinese-first under zh), without its
    `error: ` / `错误：` lead."""
    return error_message(e, lang)


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
    config: Config | None = None
    try:
        config = load_config(config_path)
        from scheduler.store.db import open_database

        engine = open_database(config.database_url)
        try:
            run_weekly = _run_weekly()
            lang = config.language
            if run_weekly is None:
                log.error("%s", t("log.weekly.no_runner", lang, module=RUNNER_MODULE))
                return
            data_date = today(config)
            log.info("%s", t("log.weekly.start", lang, date=data_date.isoformat()))
            result = run_weekly(engine, config, data_date)
            log.info("%s", t("log.weekly.done", lang, date=data_date.isoformat(), result=_describe(result, lang)))
        finally:
            engine.dispose()
    except RunLocked as e:
        log.warning("%s", t("log.weekly.skipped", log_lang(config), error=error_line(e, log_lang(config))))
    except DispatchError as e:
        log.error("%s", t("log.weekly.failed", log_lang(config), error=error_line(e, log_lang(config))))
    except Exception:
        log.exception("%s", t("log.weekly.crashed", log_lang(config)))


def deliver_alerts_job(config_path: str | None) -> None:
    """The periodic retry of pending alerts (sent, or written to the outbox in the demo)."""
    config: Config | None = None
    try:
        config = load_config(config_path)
        from scheduler.delivery.loop import deliver_pending
        from scheduler.store.db import open_database

        engine = open_database(config.database_url)
        try:
            report = deliver_pending(engine, config)
        finally:
            engine.dispose()
        lang = config.language
        if report.attempted or report.skipped:
            log.info("%s", report.summary(lang))
        for alert_id, error in report.errors:
            log.warning("%s", t("log.alerts.undelivered", lang, id=alert_id, error=error))
    except DispatchError as e:
        log.error("%s", t("log.alerts.failed", log_lang(config), error=error_line(e, log_lang(config))))
    except Exception:
        log.exception("%s", t("log.alerts.crashed", log_lang(config)))


def reminder_job(config_path: str | None) -> None:
    """The reminder before the reporting deadline: units that have not reported the week being
    collected get one message each (queued, then delivered; a second tick adds nothing)."""
    config: Config | None = None
    try:
        config = load_config(config_path)
        from scheduler.app.reporting import remind_missing
        from scheduler.delivery.loop import deliver_pending
        from scheduler.store.db import open_database

        engine = open_database(config.database_url)
        try:
            week, units = remind_missing(engine, config)
            lang = config.language
            listed = t("log.remind.units", lang, units="、".join(units) if lang == "zh" else ", ".join(units))
            log.info("%s", t("log.remind", lang, week=week_text(week, lang), n=len(units),
                             units=listed if units else ""))
            if units:
                deliver_pending(engine, config)
        finally:
            engine.dispose()
    except DispatchError as e:
        log.error("%s", t("log.remind.failed", log_lang(config), error=error_line(e, log_lang(config))))
    except Exception:
        log.exception("%s", t("log.remind.crashed", log_lang(config)))


def _describe(result: Any, lang: str) -> str:
    """A short description of whatever run_weekly returns (its run id and week when it has them)."""
    parts = [t(f"log.weekly.result.{name}", lang, value=getattr(result, name)) for name in ("run_id", "week", "status")
             if getattr(result, name, None) is not None]
    return ("，" if lang == "zh" else ", ").join(parts) if parts else repr(result)
