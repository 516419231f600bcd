"""`dispatch serve`: the weekly run by itself on config.cron (APScheduler 3), with its jobs kept in
the same database (SQLAlchemyJobStore, table apscheduler_jobs), and a retry of pending alerts every
few minutes.

A run missed while the machine was down happens once when it comes back (coalesce, within
misfire_grace_seconds). The job is re-added with replace_existing on every start, which by itself
would recompute its next run time from *now* and silently drop the missed run; so when the stored
next run time is still a fire time of the configured cron, it is kept."""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import utc_timestamp_to_datetime
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from scheduler.app import jobs
from scheduler.delivery.deadline import abort_all
from scheduler.errors import StorageError
from scheduler.io.config import Config
from scheduler.store.db import db_cause
from scheduler.strings import t

log = logging.getLogger("dispatch.service")

WEEKLY_JOB_ID = "weekly-run"
RETRY_JOB_ID = "alerts-retry"
REMINDER_JOB_ID = "report-reminder"
"""The service's jobs; their ids in the job store carry the portfolio (job_id)."""
JOBS_TABLE = "apscheduler_jobs"

JobFunc = Callable[[str | None], None]


def _zone(config: Config) -> ZoneInfo:
    """config.timezone (checked when the config was read: io/config.py)."""
    return ZoneInfo(config.timezone)


def weekly_trigger(config: Config) -> CronTrigger:
    """config.cron in config.timezone (given to the trigger: from_crontab does not inherit the
    scheduler's zone). Both were checked when the config was read (a bad one is a `bad-config`)."""
    return CronTrigger.from_crontab(config.cron, timezone=_zone(config))


def reminder_trigger(config: Config) -> CronTrigger:
    """[reporting] remind_cron in config.timezone (checked when the config was read)."""
    return CronTrigger.from_crontab(config.reporting.remind_cron, timezone=_zone(config))


def make_jobstore(url: str) -> SQLAlchemyJobStore:
    """The job store on the application database (SQLite: a long busy timeout, so a weekly run
    holding the write lock never makes the scheduler's own bookkeeping fail)."""
    try:
        sqlite = make_url(url).get_backend_name() == "sqlite"
    except Exception:
        raise StorageError("bad-database-url", f"database url {url!r} is not a database URL",
                           params={"url": repr(url)}) from None
    options: dict[str, Any] = {"connect_args": {"timeout": 60}} if sqlite else {"pool_pre_ping": True}
    return SQLAlchemyJobStore(url=url, tablename=JOBS_TABLE, engine_options=options)


def job_id(job: str, portfolio: str) -> str:
    """The job store id of one of the service's jobs for a portfolio (`weekly-run@xiangyin`): the
    services of several portfolios sharing one database keep their own jobs side by side."""
    return f"{job}@{portfolio}"


def _claim_legacy(store: SQLAlchemyJobStore, config_path: str | None) -> dict[str, dt.datetime | None]:
    """Jobs stored under the ids used before they carried the portfolio (`weekly-run`) that run
    this same config: removed (the per-portfolio ids replace them), with the next run time each
    held, so a run missed across the upgrade still happens once. Another config's are left alone."""
    found: dict[str, dt.datetime | None] = {}
    legacy = (WEEKLY_JOB_ID, RETRY_JOB_ID, REMINDER_JOB_ID)
    try:
        store.jobs_t.create(store.engine, checkfirst=True)
        with store.engine.begin() as conn:
            c = store.jobs_t.c
            for jid, ts, blob in conn.execute(select(c.id, c.next_run_time, c.job_state).where(c.id.in_(legacy))):
                try:
                    args = list(pickle.loads(blob).get("args", ()))
                except Exception:  # a state this version cannot read: it is not claimed
                    continue
                if args == [config_path]:
                    found[jid] = None if ts is None else utc_timestamp_to_datetime(ts)
                    conn.execute(store.jobs_t.delete().where(c.id == jid))
    except SQLAlchemyError as e:
        raise StorageError("database-unreachable", f"job store unreachable: {str(e).splitlines()[0]}",
                           params={"case": "jobs", "reason": str(e).splitlines()[0],
                                   "cause": db_cause(str(e).splitlines()[0])}) from None
    return found


def stored_next_run(store: SQLAlchemyJobStore, job_id: str) -> dt.datetime | None:
    """The next run time the job store holds for `job_id` (None when absent or paused)."""
    try:
        store.jobs_t.create(store.engine, checkfirst=True)
        with store.engine.begin() as conn:
            ts = conn.execute(select(store.jobs_t.c.next_run_time)
                              .where(store.jobs_t.c.id == job_id)).scalar()
    except SQLAlchemyError as e:
        raise StorageError("database-unreachable", f"job store unreachable: {str(e).splitlines()[0]}",
                           params={"case": "jobs", "reason": str(e).splitlines()[0],
                                   "cause": db_cause(str(e).splitlines()[0])}) from None
    return None if ts is None else utc_timestamp_to_datetime(ts)


def is_fire_time(trigger: CronTrigger, when: dt.datetime) -> bool:
    """Whether `when` is one of the trigger's own fire times (the schedule did not change)."""
    return bool(trigger.get_next_fire_time(None, when) == when)


class _SurvivesJobStoreErrors(BaseScheduler):
    """The one APScheduler override that stays: `_process_jobs`, the scheduler loop's step. In
    APScheduler 3 an exception raised while the loop updates a job in its store (the database
    briefly unreachable or locked) escapes the loop and ends the scheduler thread silently; there is
    no public hook for it (error listeners see job failures only), so the step is wrapped: an error
    is logged and the loop tries again after `jobstore_retry_interval`. Everything else here uses
    public APIs only. Revisit when moving to APScheduler 4 (its data stores retry by themselves)."""

    lang = "zh"
    """The language of its log line (build_scheduler sets the config's)."""

    def _process_jobs(self) -> float | None:
        try:
            wait: float | None = super()._process_jobs()
            return wait
        except Exception as e:
            retry = float(self.jobstore_retry_interval)
            log.error("%s", t("log.jobstore", self.lang, error=str(e).splitlines()[0], retry=f"{retry:g}"))
            return retry


class ServiceBlockingScheduler(_SurvivesJobStoreErrors, BlockingScheduler):
    """BlockingScheduler whose loop survives a job-store error while updating a job."""


class ServiceBackgroundScheduler(_SurvivesJobStoreErrors, BackgroundScheduler):
    """BackgroundScheduler whose loop survives a job-store error while updating a job."""


def build_scheduler(config: Config, config_path: str | None, *, blocking: bool = False,
                    retry_seconds: float | None = None, weekly_func: JobFunc = jobs.weekly_run_job,
                    retry_func: JobFunc = jobs.deliver_alerts_job,
                    reminder_func: JobFunc = jobs.reminder_job) -> BaseScheduler:
    """A scheduler (not started) holding the weekly run and the alert retry, jobs stored in the
    database; `config_path` is what the jobs load when they run. The job functions can be replaced
    by other importable module-level functions (tests)."""
    from scheduler.store.db import open_database

    zone = _zone(config)
    trigger = weekly_trigger(config)
    open_database(config.database_url).dispose()  # reachable (StorageError if not), migrated, folder made
    store = make_jobstore(config.database_url)
    cls = ServiceBlockingScheduler if blocking else ServiceBackgroundScheduler
    scheduler: BaseScheduler = cls(
        jobstores={"default": store},
        executors={"default": {"type": "threadpool", "max_workers": 2}},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": config.misfire_grace_seconds},
        timezone=zone,
    )
    pf = config.portfolio
    legacy = _claim_legacy(store, config_path)
    extra: dict[str, Any] = {}
    kept = stored_next_run(store, job_id(WEEKLY_JOB_ID, pf)) or legacy.get(WEEKLY_JOB_ID)
    if kept is not None and is_fire_time(trigger, kept):
        extra["next_run_time"] = kept
        if kept <= dt.datetime.now(dt.UTC):
            log.info("%s", t("log.missed", config.language, when=kept.astimezone(zone).isoformat(timespec="minutes"),
                             grace=config.misfire_grace_seconds))
    scheduler.add_job(weekly_func, trigger, args=[config_path], id=job_id(WEEKLY_JOB_ID, pf),
                      name=f"weekly run ({pf})",
                      replace_existing=True, **extra)
    every = retry_seconds if retry_seconds is not None else config.alerts.retry_every_seconds
    scheduler.add_job(retry_func, IntervalTrigger(seconds=every, timezone=zone), args=[config_path],
                      id=job_id(RETRY_JOB_ID, pf), name=f"alert retry ({pf})", replace_existing=True)
    # the reminder to units that have not reported (it does nothing for a week not required)
    scheduler.add_job(reminder_func, reminder_trigger(config), args=[config_path],
                      id=job_id(REMINDER_JOB_ID, pf), name=f"report reminder ({pf})", replace_existing=True)
    store.engine.dispose()  # the peek's connection: the scheduler opens its own when it starts
    if isinstance(scheduler, _SurvivesJobStoreErrors):
        scheduler.lang = config.language
    return scheduler


class _Stop(BaseException):
    """Raised by the SIGTERM/SIGINT handler to leave the blocking scheduler's loop."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signum)


def next_weekly_run(config: Config, scheduler: BaseScheduler) -> dt.datetime | None:
    """When the weekly run fires next (after start), in the configured timezone."""
    job = scheduler.get_job(job_id(WEEKLY_JOB_ID, config.portfolio))
    when = getattr(job, "next_run_time", None) if job is not None else None
    return None if when is None else when.astimezone(_zone(config))


class ServiceFormatter(logging.Formatter):
    """serve's log lines: the time in the configured timezone (with its offset) and the level in
    the configured language; the messages are written in it already (strings.py, log.*)."""

    def __init__(self, lang: str, zone: ZoneInfo) -> None:
        super().__init__("%(asctime)s %(level)s %(name)s: %(message)s")
        self.lang = lang
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """The record's time in the configured zone: 2026-11-30 08:30:00+08:00."""
        return dt.datetime.fromtimestamp(record.created, self.zone).isoformat(sep=" ", timespec="seconds")

    def format(self, record: logging.LogRecord) -> str:
        """The line, its level named in the configured language."""
        record.level = t(f"log.level.{record.levelname}", self.lang)
        return super().format(record)


APSCHEDULER_MESSAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    'Run time of job "%s" was missed by %s': ("log.aps.missed", ("job", "late")),
    'Execution of job "%s" skipped: maximum number of running instances reached (%d)':
        ("log.aps.max_instances", ("job", "n")),
    "Error getting due jobs from job store %r: %s": ("log.aps.due_jobs", ("store", "error")),
    'Executor lookup ("%s") failed for job "%s" -- removing it from the job store':
        ("log.aps.executor_lookup", ("executor", "job")),
    'Error submitting job "%s" to executor "%s"': ("log.aps.submit", ("job", "executor")),
    'Job "%s" raised an exception': ("log.aps.raised", ("job",)),
    "Error running job %s": ("log.aps.raised", ("job",)),
    'Unable to restore job "%s" -- removing it': ("log.aps.restore", ("job",)),
    "Error notifying listener": ("log.aps.listener", ()),
    "Process pool is broken; replacing pool with a fresh instance": ("log.aps.pool", ()),
}
"""APScheduler's own warning and error lines (apscheduler 3.x, by their format string) and the
strings.py label each is said with in another language, with the names of its arguments."""


class ApschedulerWords(logging.Filter):
    """Says APScheduler's known warning and error lines (APSCHEDULER_MESSAGES) in the configured
    language: a job by what it does (每周调度), a delay in days, hours, minutes and seconds, other
    values as APScheduler gives them; unknown lines, and every line under "en", pass unchanged."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message when APScheduler wrote it and its line is known; keep it."""
        known = APSCHEDULER_MESSAGES.get(str(record.msg)) if record.name.startswith("apscheduler") else None
        if self.lang == "en" or known is None:
            return True
        key, names = known
        args = record.args if isinstance(record.args, tuple) else ()
        if len(args) != len(names):
            return True
        values = {name: self._value(name, value) for name, value in zip(names, args, strict=True)}
        record.msg, record.args = t(key, self.lang, **values), ()
        return True

    def _value(self, name: str, value: object) -> object:
        if name == "job":
            return job_label(value, self.lang)
        if name == "late" and isinstance(value, dt.timedelta):
            return span_text(value, self.lang)
        return value


def job_label(job: object, lang: str) -> str:
    """A job of the service said by what it does (`每周调度（xiangyin）`); another job by its name."""
    jid = str(getattr(job, "id", job))
    kind, _, portfolio = jid.partition("@")
    if kind in (WEEKLY_JOB_ID, RETRY_JOB_ID, REMINDER_JOB_ID):
        return t(f"log.job.{kind}", lang, portfolio=portfolio or "—")
    return str(getattr(job, "name", None) or jid)


def span_text(span: dt.timedelta, lang: str) -> str:
    """A delay in days, hours, minutes and whole seconds (`1 天 2 小时 5 分 3 秒`)."""
    seconds = int(span.total_seconds())
    parts = [(seconds // 86400, "d"), (seconds // 3600 % 24, "h"), (seconds // 60 % 60, "m"), (seconds % 60, "s")]
    said = [t(f"log.span.{unit}", lang, n=n) for n, unit in parts if n]
    return " ".join(said) or t("log.span.s", lang, n=0)


def serve(config: Config, config_path: str | None, *, scheduler: BaseScheduler | None = None) -> None:
    """Run until SIGTERM or SIGINT; then stop taking jobs, let a running weekly run finish, return."""
    lang = config.language
    if not logging.getLogger().handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(ServiceFormatter(lang, _zone(config)))
        logging.basicConfig(level=logging.INFO, handlers=[stream])
    for h in logging.getLogger().handlers:  # APScheduler's own lines in the configured language
        if not any(isinstance(f, ApschedulerWords) for f in h.filters):
            h.addFilter(ApschedulerWords(lang))
    logging.getLogger("dispatch").setLevel(logging.INFO)
    for noisy in ("apscheduler", "alembic"):  # their own INFO notes are English; ours say it all
        logging.getLogger(noisy).setLevel(logging.WARNING)
    sched = scheduler or build_scheduler(config, config_path, blocking=True)

    def started(_event: SchedulerEvent) -> None:
        when = next_weekly_run(config, sched)
        log.info("%s", t("log.started", lang, cron=config.cron, zone=config.timezone,
                         next=when.isoformat(timespec="minutes") if when else t("log.never", lang),
                         every=f"{config.alerts.retry_every_seconds:g}"))

    sched.add_listener(started, EVENT_SCHEDULER_STARTED)
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        sched.start()
    except _Stop as e:
        log.info("%s", t("log.signal", lang, signal=e.args[0]))
        abort_all()  # a server dripping bytes must not hold the shutdown (delivery/deadline.py)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if sched.running:
            sched.shutdown(wait=True)
    log.info("%s", t("log.stopped", lang))
