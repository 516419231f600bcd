"""`dispatch serve`: the cron trigger in the configured zone, a run missed while the machine was down
happening exactly once on restart (jobs kept in the database), a database that is unreachable
logged without stopping the scheduler, the job functions, and a clean stop on SIGTERM."""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import create_engine, text

from scheduler.app import jobs, service
from scheduler.errors import ConfigError
from scheduler.io.config import load_config
from tests.helpers import free_port, wait_until

try:
    import service_jobs
except ImportError:  # tests/ as a package
    from tests import service_jobs  # type: ignore[no-redef]

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.sqlite_only  # the job store and its downtime are simulated on a SQLite file


WEEKLY = service.job_id(service.WEEKLY_JOB_ID, "default")
"""The weekly job's id in the store (write_config's portfolio is the default one)."""


def write_config(folder: Path, *, cron: str = "30 8 * * mon", grace: int = 86400, url: str = "",
                 portfolio: str = "", lang: str = "zh") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    db = url or f"sqlite:///{folder / 'dispatch.sqlite'}"
    head = f'language = "{lang}"\n' + (f'portfolio = "{portfolio}"\n' if portfolio else "")
    path.write_text(head + f'[paths]\ndata_dir = "."\noutbox_dir = "outbox"\n[database]\nurl = "{db}"\n'
                    f'[weekly]\ncron = "{cron}"\ntimezone = "Asia/Shanghai"\nmisfire_grace_seconds = {grace}\n',
                    encoding="utf-8")
    if not url:
        from scheduler.store.db import open_database

        open_database(db, create=True).dispose()  # `dispatch init`
    return path


def an_hour_ago_cron() -> tuple[str, dt.datetime]:
    """A weekly cron whose latest fire time was an hour ago (so the next one is ~7 days away)."""
    fire = (dt.datetime.now(SHANGHAI) - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    return f"{fire.minute} {fire.hour} * * {DAYS[fire.weekday()]}", fire


def set_stored_next_run(url: str, job_id: str, when: dt.datetime) -> None:
    """What the job store would hold had the machine been off since `when`: column and pickled state."""
    engine = create_engine(url)
    with engine.begin() as conn:
        (blob,) = conn.execute(text("SELECT job_state FROM apscheduler_jobs WHERE id = :id"),
                               {"id": job_id}).one()
        state = pickle.loads(blob)
        state["next_run_time"] = when
        conn.execute(text("UPDATE apscheduler_jobs SET next_run_time = :ts, job_state = :st WHERE id = :id"),
                     {"ts": when.timestamp(), "st": pickle.dumps(state), "id": job_id})
    engine.dispose()


def calls(folder: Path, name: str = "weekly-calls.txt") -> list[str]:
    p = folder / name
    return p.read_text(encoding="utf-8").splitlines() if p.exists() else []


@pytest.fixture
def started() -> Iterator[list[BaseScheduler]]:
    """Schedulers a test starts; shut down (waiting for their jobs) whatever happens."""
    out: list[BaseScheduler] = []
    yield out
    for s in out:
        if s.running:
            s.shutdown(wait=True)


def events_of(sched: BaseScheduler, mask: int) -> queue.Queue[JobEvent]:
    q: queue.Queue[JobEvent] = queue.Queue()
    sched.add_listener(q.put, mask)
    return q


# -- the trigger ------------------------------------------------------------------------------------


def test_cron_fires_in_the_configured_zone(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    trig = service.weekly_trigger(config)
    # Monday 2026-11-23 00:00 UTC is 08:00 in Shanghai: the run is at 08:30 Shanghai = 00:30 UTC
    nxt = trig.get_next_fire_time(None, dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC))
    assert nxt == dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)
    assert nxt.utcoffset() == dt.timedelta(hours=8)


def test_bad_cron_and_zone_are_refused_when_the_config_is_read(tmp_path: Path) -> None:
    """A bad cron or zone never reaches the trigger: reading the config refuses it (test_config.py
    has the full table, through the CLI)."""
    with pytest.raises(ConfigError, match=r"\[bad-config\] \[weekly\] cron"):
        load_config(write_config(tmp_path, cron="30 8 * * funday"))
    path = write_config(tmp_path / "z")
    path.write_text(path.read_text(encoding="utf-8").replace("Asia/Shanghai", "Mars/Olympus"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[bad-config\] \[weekly\] timezone"):
        load_config(path)


# -- a run missed while the machine was down --------------------------------------------------------


def test_missed_runs_happen_once_on_restart(tmp_path: Path, started: list[BaseScheduler]) -> None:
    cron, fire = an_hour_ago_cron()
    cfg = write_config(tmp_path, cron=cron, grace=30 * 86400)  # all four missed runs are within grace:
    config = load_config(cfg)                                  # only coalescing makes them one

    first = service.build_scheduler(config, str(cfg), weekly_func=service_jobs.record_weekly_run)
    started.append(first)
    first.start()
    job = first.get_job(WEEKLY)
    assert job.next_run_time == fire + dt.timedelta(days=7)
    first.shutdown(wait=True)

    # the machine was off for three weeks and an hour: four Monday runs were missed
    set_stored_next_run(config.database_url, WEEKLY, fire - dt.timedelta(weeks=3))

    again = service.build_scheduler(config, str(cfg), weekly_func=service_jobs.record_weekly_run)
    started.append(again)
    done = events_of(again, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    again.start()
    ev = done.get(timeout=10)
    assert ev.code == EVENT_JOB_EXECUTED and ev.job_id == WEEKLY
    assert ev.scheduled_run_time == fire                       # coalesced into the latest missed run
    assert len(calls(tmp_path)) == 1
    assert again.get_job(WEEKLY).next_run_time == fire + dt.timedelta(days=7)
    time.sleep(0.3)                                            # nothing else is due: still one call
    assert done.empty() and len(calls(tmp_path)) == 1
    again.shutdown(wait=True)

    # restarting once more runs nothing: the missed run is not replayed twice
    third = service.build_scheduler(config, str(cfg), weekly_func=service_jobs.record_weekly_run)
    started.append(third)
    third.start()
    assert third.get_job(WEEKLY).next_run_time == fire + dt.timedelta(days=7)
    time.sleep(0.2)
    assert len(calls(tmp_path)) == 1


def test_missed_beyond_the_grace_time_is_skipped(tmp_path: Path, started: list[BaseScheduler]) -> None:
    cron, fire = an_hour_ago_cron()
    cfg = write_config(tmp_path, cron=cron, grace=600)          # 10 minutes; the run was an hour ago
    config = load_config(cfg)
    s1 = service.build_scheduler(config, str(cfg), weekly_func=service_jobs.record_weekly_run)
    started.append(s1)
    s1.start()
    s1.shutdown(wait=True)
    set_stored_next_run(config.database_url, WEEKLY, fire)
    s2 = service.build_scheduler(config, str(cfg), weekly_func=service_jobs.record_weekly_run)
    started.append(s2)
    done = events_of(s2, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    s2.start()
    assert done.get(timeout=10).code == EVENT_JOB_MISSED
    assert calls(tmp_path) == []


def test_a_changed_cron_does_not_replay_the_old_schedule(tmp_path: Path, started: list[BaseScheduler]) -> None:
    cron, fire = an_hour_ago_cron()
    cfg = write_config(tmp_path, cron=cron)
    config = load_config(cfg)
    s1 = service.build_scheduler(config, str(cfg), weekly_func=service_jobs.record_weekly_run)
    started.append(s1)
    s1.start()
    s1.shutdown(wait=True)
    set_stored_next_run(config.database_url, WEEKLY, fire - dt.timedelta(weeks=1))
    other = (fire + dt.timedelta(minutes=1))
    cfg2 = write_config(tmp_path, cron=f"{other.minute} {other.hour} * * {DAYS[other.weekday()]}")
    s2 = service.build_scheduler(load_config(cfg2), str(cfg2), weekly_func=service_jobs.record_weekly_run)
    started.append(s2)
    submitted = events_of(s2, EVENT_JOB_SUBMITTED)
    s2.start()
    assert s2.get_job(WEEKLY).next_run_time == other + dt.timedelta(days=7)
    time.sleep(0.3)
    assert submitted.empty() and calls(tmp_path) == []


# -- several portfolios on one job store -------------------------------------------------------------


def stored_jobs(url: str) -> dict[str, list[str]]:
    """Job id -> the config path its job runs with, as the store holds them."""
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {jid: list(pickle.loads(blob)["args"]) for jid, blob in
               conn.execute(text("SELECT id, job_state FROM apscheduler_jobs"))}
    engine.dispose()
    return out


def test_two_portfolios_on_one_job_store_keep_both_sets_of_jobs(tmp_path: Path,
                                                                 started: list[BaseScheduler]) -> None:
    """Two counties served from one database: each service's jobs carry its portfolio, so the
    second start replaces nothing of the first's (before: both wrote `weekly-run`, the last won)."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    from scheduler.store.db import open_database

    open_database(url, create=True).dispose()
    paths = {pf: write_config(tmp_path / pf, url=url, portfolio=pf) for pf in ("xiangyin", "huayuan")}
    for cfg in paths.values():
        s = service.build_scheduler(load_config(cfg), str(cfg), weekly_func=service_jobs.record_weekly_run)
        started.append(s)
        s.start()
        assert service.next_weekly_run(load_config(cfg), s) is not None
    jobs_ = stored_jobs(url)
    assert jobs_ == {service.job_id(j, pf): [str(cfg)] for pf, cfg in paths.items()
                     for j in (service.WEEKLY_JOB_ID, service.RETRY_JOB_ID, service.REMINDER_JOB_ID)}
    assert len(jobs_) == 6
    # one service restarted: still six jobs, the other's untouched
    started[0].shutdown(wait=True)
    again = service.build_scheduler(load_config(paths["xiangyin"]), str(paths["xiangyin"]),
                                    weekly_func=service_jobs.record_weekly_run)
    started.append(again)
    again.start()
    assert stored_jobs(url) == jobs_


def test_jobs_stored_under_the_old_ids_are_taken_over_by_their_own_config(tmp_path: Path) -> None:
    """A store from before per-portfolio ids: the jobs of this config move to the new ids (the
    weekly run's next run time kept, so a missed run still happens once); another config's stay."""
    cron, fire = an_hour_ago_cron()
    cfg = write_config(tmp_path, cron=cron)
    config = load_config(cfg)
    old = service.build_scheduler(config, str(cfg), weekly_func=service_jobs.record_weekly_run)
    old.start(paused=True)
    old.shutdown(wait=True)
    engine = create_engine(config.database_url)
    with engine.begin() as conn:   # rename to the old ids; one more old job of another config
        for j in (service.WEEKLY_JOB_ID, service.RETRY_JOB_ID, service.REMINDER_JOB_ID):
            conn.execute(text("UPDATE apscheduler_jobs SET id = :old WHERE id = :new"),
                         {"old": j, "new": service.job_id(j, "default")})
        (blob,) = conn.execute(text("SELECT job_state FROM apscheduler_jobs WHERE id = 'alerts-retry'")).one()
        state = pickle.loads(blob)
        state["id"], state["args"] = "other", ("/elsewhere/config.toml",)
        conn.execute(text("INSERT INTO apscheduler_jobs (id, next_run_time, job_state) VALUES ('other', NULL, :st)"),
                     {"st": pickle.dumps(state)})
    engine.dispose()
    set_stored_next_run(config.database_url, service.WEEKLY_JOB_ID, fire)
    new = service.build_scheduler(config, str(cfg), weekly_func=service_jobs.record_weekly_run)
    new.start(paused=True)
    try:
        assert new.get_job(WEEKLY).next_run_time == fire           # the missed run is kept
    finally:
        new.shutdown(wait=False)
    assert set(stored_jobs(config.database_url)) == {"other", WEEKLY, service.job_id(service.RETRY_JOB_ID, "default"),
                                                     service.job_id(service.REMINDER_JOB_ID, "default")}


# -- an unreachable database ------------------------------------------------------------------------


def unreachable_config(folder: Path, lang: str = "zh") -> Path:
    return write_config(folder, url=f"postgresql+psycopg://dispatch@127.0.0.1:{free_port()}/dispatch", lang=lang)


def errors(caplog: pytest.LogCaptureFixture, text_: str) -> list[logging.LogRecord]:
    return [r for r in list(caplog.records) if r.levelno == logging.ERROR and text_ in r.getMessage()]


def test_unreachable_database_is_logged_and_the_next_tick_runs(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, started: list[BaseScheduler]) -> None:
    caplog.set_level(logging.INFO)
    store_cfg = load_config(write_config(tmp_path / "store"))     # the job store itself is reachable
    bad = unreachable_config(tmp_path / "bad")
    sched = service.build_scheduler(store_cfg, str(bad), retry_seconds=0.2, retry_func=jobs.weekly_run_job)
    started.append(sched)
    sched.start()
    line = "每周调度失败：数据库无法连接［database-unreachable］：无法连接数据库 postgresql+psycopg://dispatch@127.0.0.1"
    assert wait_until(lambda: len(errors(caplog, line)) >= 2), [r.getMessage() for r in caplog.records]
    assert sched.running
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("dispatch"))


def test_alert_retry_job_logs_an_unreachable_database(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    jobs.deliver_alerts_job(str(unreachable_config(tmp_path / "zh")))
    zh = "预警发送失败：数据库无法连接［database-unreachable］：无法连接数据库 "
    assert len(errors(caplog, zh)) == 1  # Chinese first
    jobs.deliver_alerts_job(str(unreachable_config(tmp_path / "en", "en")))  # English one switch away
    (en,) = errors(caplog, "alert delivery failed: [database-unreachable]")
    assert not re.search(r"[\u4e00-\u9fff]", en.getMessage())


def test_a_config_that_cannot_be_read_is_logged_in_dispatch_lang_else_chinese(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("DISPATCH_LANG", raising=False)
    jobs.weekly_run_job(str(tmp_path / "missing.toml"))
    (line,) = errors(caplog, "每周调度失败：")
    assert line.getMessage().endswith("找不到配置文件［no-config］："
                                      "该文件不存在（可用 --config 或环境变量 DISPATCH_CONFIG 指明）")
    monkeypatch.setenv("DISPATCH_LANG", "en")
    jobs.weekly_run_job(str(tmp_path / "missing.toml"))
    assert errors(caplog, "weekly run failed: ") and errors(caplog, "[no-config] configuration file not found")


# -- the job functions ------------------------------------------------------------------------------


def test_weekly_run_job_calls_the_runner_with_today_in_the_zone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(jobs, "RUNNER_MODULE", service_jobs.__name__)
    cfg = write_config(tmp_path)
    before = dt.datetime.now(SHANGHAI).date()
    jobs.weekly_run_job(str(cfg))
    after = dt.datetime.now(SHANGHAI).date()
    (line,) = calls(tmp_path, "runner-calls.jsonl")
    assert line.split('"data_date": "')[1][:10] in {before.isoformat(), after.isoformat()}
    (tmp_path / "locked").touch()
    jobs.weekly_run_job(str(cfg))
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warned] == [
        "每周调度已跳过：另一个周调度正在运行［run-locked］：another weekly run holds the lock (holder test)"]
    day = line.split('"data_date": "')[1][:10]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and r.name == "dispatch.jobs"]
    assert infos[0] == f"每周调度开始（数据日期 {day}）", infos
    assert infos[1].startswith(f"每周调度完成（数据日期 {day}）："), infos


def test_weekly_run_job_without_the_runner_logs_and_returns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(jobs, "RUNNER_MODULE", "scheduler.no_such_runner")
    jobs.weekly_run_job(str(write_config(tmp_path)))
    assert errors(caplog, "每周调度已跳过：scheduler.no_such_runner.run_weekly 不可用")


# -- the command ------------------------------------------------------------------------------------


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPATCH_DATABASE_URL", "DISPATCH_CONFIG")}
    proc = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "--config", str(cfg), "serve"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        assert wait_until(lambda: any("调度服务已启动" in ln for ln in lines), timeout=30), lines
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    reader.join(10)
    proc.stdout.close()  # type: ignore[union-attr]
    out = "".join(lines)
    # every line: the time in the configured zone (+08:00), the level and the message in Chinese
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00"
    assert re.search(rf"^{stamp} 信息 dispatch.service: 调度服务已启动：每周调度按 cron “30 8 \* \* mon”"
                     r"（Asia/Shanghai）运行，下次运行时间 \d{4}-\d\d-\d\dT08:30\+08:00；待发预警每 \d+ 秒重试一次$",
                     out, re.M), out
    assert re.search(rf"^{stamp} 信息 dispatch.service: 调度服务已停止$", out, re.M) and "Traceback" not in out
    assert all(re.match(stamp, ln) for ln in lines), lines  # nothing else (APScheduler's English notes)
    engine = create_engine(f"sqlite:///{tmp_path / 'dispatch.sqlite'}")
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("SELECT id FROM apscheduler_jobs"))}
    engine.dispose()
    assert ids == {service.job_id(j, "default") for j in (service.WEEKLY_JOB_ID, service.RETRY_JOB_ID,
                                                          service.REMINDER_JOB_ID)}


@contextmanager
def _aps_lines(lang: str, zone: ZoneInfo) -> Iterator[list[str]]:
    """serve's log lines (ServiceFormatter, ApschedulerWords) of APScheduler's loggers, collected
    into the list when the block ends."""
    import io

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(service.ServiceFormatter(lang, zone))
    handler.addFilter(service.ApschedulerWords(lang))
    aps = logging.getLogger("apscheduler")
    aps.addHandler(handler)
    lines: list[str] = []
    try:
        yield lines
    finally:
        aps.removeHandler(handler)
        lines += out.getvalue().splitlines()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_apschedulers_own_missed_run_warning_reads_in_the_configured_language_and_zone(lang: str) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger

    zone = ZoneInfo("Asia/Shanghai")
    with _aps_lines(lang, zone) as lines:
        sched = BackgroundScheduler(timezone=zone)
        missed: list[JobEvent] = []
        sched.add_listener(missed.append, EVENT_JOB_MISSED)
        sched.start()
        try:
            late = dt.datetime.now(zone) - dt.timedelta(hours=1, minutes=5)
            sched.add_job(print, DateTrigger(late, timezone=zone), name="weekly run (xiangyin)",
                          id=service.job_id(service.WEEKLY_JOB_ID, "xiangyin"), misfire_grace_time=1)
            assert wait_until(lambda: bool(missed), timeout=10)
        finally:
            sched.shutdown(wait=True)
    (line,) = [ln for ln in lines if "apscheduler" in ln]
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00"
    if lang == "zh":
        assert re.fullmatch(stamp + r" 警告 apscheduler\.executors\.default: 每周调度（xiangyin） 错过了运行时间，"
                            r"已晚 1 小时 5 分(?: \d+ 秒)?（超过允许的延迟 misfire_grace_seconds，本次不再补运行）",
                            line), line
    else:  # English as APScheduler writes it
        assert re.fullmatch(stamp + r' WARNING apscheduler\.executors\.default: Run time of job "weekly run '
                            r'\(xiangyin\) \(trigger: date\[.*\], next run at: .*\)" was missed by 1:05:\d\d\.\d+',
                            line), line


def test_apschedulers_other_known_lines_are_said_and_unknown_ones_kept() -> None:
    words = service.ApschedulerWords("zh")

    def said(msg: str, *args: object, name: str = "apscheduler.scheduler") -> str:
        record = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)
        assert words.filter(record)
        return record.getMessage()

    rid = service.job_id(service.REMINDER_JOB_ID, "xiangyin")
    assert said('Execution of job "%s" skipped: maximum number of running instances reached (%d)', rid, 1) == \
        "报送提醒（xiangyin） 本次未运行：上一次仍在运行（同一任务最多同时运行 1 个）"
    assert said("Error getting due jobs from job store %r: %s", "default", "connection refused") == \
        "无法从任务库 default 读取到期的任务，稍后重试（原话：“connection refused”）"
    assert said('Job "%s" raised an exception', "other-job") == "other-job 运行时意外出错"
    assert said("Something APScheduler says one day: %s", 3) == "Something APScheduler says one day: 3"
    assert said('Job "%s" raised an exception', rid, name="somebody.else") == f'Job "{rid}" raised an exception'
    assert service.span_text(dt.timedelta(days=1, seconds=7), "zh") == "1 天 7 秒"
