"""Alerts: which findings alert whom, idempotent queueing, delivery to a real local SMTP server and a
real local HTTP robot endpoint, retries with backoff, the outbox of the demo, `dispatch alerts`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import json
import os
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, func, insert, select, text, update

from scheduler.cli import cli
from scheduler.core import alerts as core_alerts
from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.core.problems import Problem, ProblemKind, Symptom
from scheduler.delivery import loop, messages
from scheduler.delivery.deadline import Deadline
from scheduler.io.config import AlertSettings, Config, Unit
from scheduler.store import alerts as queue
from scheduler.store.db import alerts as alerts_t
from scheduler.store.db import milestones as milestones_t
from scheduler.store.db import open_database, transaction, utcnow
from scheduler.store.db import projects as projects_t
from scheduler.store.db import runs as runs_t
from tests.helpers import free_port

WEEK = "2026-W48"
SENDER = "dispatch@fgj.county.gov.cn"


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The suite's `engine` fixture when tests/conftest.py provides one; else a fresh SQLite file
    (or a fresh PostgreSQL database when DISPATCH_TEST_POSTGRES_URL is set)."""
    try:
        yield request.getfixturevalue("engine")
        return
    except pytest.FixtureLookupError:
        pass
    pg = os.environ.get("DISPATCH_TEST_POSTGRES_URL")
    if not pg:
        engine = open_database(f"sqlite:///{tmp_path / 'alerts.sqlite'}", create=True)
        yield engine
        engine.dispose()
        return
    name = f"alerts_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine = open_database(pg.rsplit("/", 1)[0] + "/" + name, create=True)
    yield engine
    engine.dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


class Inbox:
    """aiosmtpd handler keeping every received message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content, policy=default_policy)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on 127.0.0.1:port that can be started after the port was refused."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    yield server
    server.stop()


class Robot:
    """A local HTTP endpoint in the style of a DingTalk/WeCom group robot."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.status = 200
        self.answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                doc = json.loads(self.rfile.read(n).decode("utf-8"))
                robot.received.append((self.path, self.headers.get("Content-Type", ""), doc))
                body = json.dumps(robot.answer).encode()
                self.send_response(robot.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?access_token=t0k"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def robot(monkeypatch: pytest.MonkeyPatch) -> Iterator[Robot]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    r = Robot()
    yield r
    r.close()


def make_config(tmp_path: Path, *, port: int = 25, deliver: bool = True, max_attempts: int = 3,
                units: dict[str, Unit] | None = None, url: str = "") -> Config:
    return Config(
        path=None, data_dir=tmp_path, calendar_dir=tmp_path, projects_dir=tmp_path,
        outbox_dir=tmp_path / "outbox", database_url=url or f"sqlite:///{tmp_path / 'x.sqlite'}",
        alerts=AlertSettings(smtp_host="127.0.0.1", smtp_port=port, sender=SENDER,
                             max_attempts=max_attempts, backoff_seconds=30.0, deliver=deliver),
        units=units if units is not None else {
            "县自然资源局": Unit("县自然资源局", ("zrzy@county.gov.cn",)),
        },
    )


def overdue(unit: str = "县自然资源局", first_seen: str = WEEK, light: Light = Light.RED,
            milestone: str = "M2", weeks_red: int = 1, days: int = 15) -> Problem:
    """A milestone late on its own account (its own finish-overdue finding), as the week's problem list has it."""
    key = f"finish-overdue/HY-WATER/{milestone}"
    return Problem(f"HY-WATER/milestone/{milestone}", "HY-WATER", ProblemKind.MILESTONE, light, unit=unit,
                   milestone=milestone, days=days, own_light=light, first_seen=first_seen,
                   weeks_red=weeks_red if light is Light.RED else 0,
                   symptoms=(Symptom(FindingKind.FINISH_OVERDUE, light, milestone, None, days, key),))


def new_run(engine: Engine, week: str = WEEK) -> int:
    with transaction(engine) as conn:
        return int(conn.execute(insert(runs_t).values(
            week=week, data_date=dt.date(2026, 11, 23), started_at=utcnow(), status="complete",
            inputs={}, current=True)).inserted_primary_key[0])


def enqueue(engine: Engine, problems: list[Problem], config: Config, week: str = WEEK) -> int:
    run_id = new_run(engine, week)
    with transaction(engine) as conn:
        return messages.enqueue_alerts(conn, run_id=run_id, week=week, config=config, problems=problems)


def rows(engine: Engine) -> list[core_alerts.Alert]:
    return queue.list_alerts(engine)


# -- which findings alert ---------------------------------------------------------------------------


def test_a_digest_lists_the_open_red_and_yellow_problems_only() -> None:
    from scheduler.core.problems import Exemption, ProblemStatus

    assert messages.wants_problem(overdue()) and messages.wants_problem(overdue(light=Light.YELLOW))
    assert not messages.wants_problem(overdue(light=Light.GREEN))
    exempt = Exemption("汛期禁止涉水施工", "县发改局", dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
    assert not messages.wants_problem(dataclasses.replace(overdue(), exemption=exempt))
    assert not messages.wants_problem(dataclasses.replace(overdue(), merged_into="HY-WATER/factor/F1"))
    assert not messages.wants_problem(dataclasses.replace(overdue(), status=ProblemStatus.DONE))


# -- queueing ---------------------------------------------------------------------------------------


def test_enqueue_twice_for_the_same_week_gives_one_alert_per_address(db: Engine, tmp_path: Path) -> None:
    cfg = make_config(tmp_path, units={
        "县自然资源局": Unit("县自然资源局", ("zrzy@county.gov.cn", "gtk@county.gov.cn"),
                         "https://oapi.dingtalk.com/robot/send?access_token=x"),
    })
    problems = [overdue(), overdue(first_seen="2026-W47", milestone="M3", weeks_red=2), overdue("县林业局")]
    assert enqueue(db, problems, cfg) == 4          # one digest: 2 emails + 1 webhook; 1 no-contact row
    assert enqueue(db, problems, cfg) == 0          # re-run of the same week: nothing new
    got = sorted((a.unit, a.channel, a.address, a.status) for a in rows(db))
    assert got == [
        ("县林业局", "email", "", "failed"),
        ("县自然资源局", "email", "gtk@county.gov.cn", "pending"),
        ("县自然资源局", "email", "zrzy@county.gov.cn", "pending"),
        ("县自然资源局", "webhook", "https://oapi.dingtalk.com/robot/send?access_token=x", "pending"),
    ]
    lost = next(a for a in rows(db) if a.unit == "县林业局")
    assert lost.last_error == "no contact configured for unit 县林业局"
    assert lost.finding_key == "digest/县林业局"
    digest = next(a for a in rows(db) if a.channel == "webhook")  # both problems in the one message
    assert "HY-WATER/milestone/M2" in digest.body and "HY-WATER/milestone/M3" in digest.body
    # the next week sends the next week's digest
    assert enqueue(db, [overdue(first_seen="2026-W49")], cfg, week="2026-W49") == 3


def test_digest_rows_of_units_without_contact_or_sharing_an_address_do_not_collide(db: Engine,
                                                                                   tmp_path: Path) -> None:
    """The queue's unique key is (portfolio, week, finding_key, channel, address): with one key
    'digest' for every unit, the second unit without a contact (address '') or sharing a robot
    with another lost its digest row to ON CONFLICT DO NOTHING. Each unit's digest has its own key."""
    robot = "https://oapi.dingtalk.com/robot/send?access_token=shared"
    cfg = make_config(tmp_path, units={"县交通局": Unit("县交通局", (), robot),
                                       "县住建局": Unit("县住建局", (), robot)})
    problems = [overdue("县林业局"), overdue("县水利局"), overdue("县交通局"), overdue("县住建局")]
    assert enqueue(db, problems, cfg) == 4
    assert sorted((a.unit, a.channel, a.address, a.finding_key, a.status) for a in rows(db)) == [
        ("县交通局", "webhook", robot, "digest/县交通局", "pending"),
        ("县住建局", "webhook", robot, "digest/县住建局", "pending"),
        ("县林业局", "email", "", "digest/县林业局", "failed"),
        ("县水利局", "email", "", "digest/县水利局", "failed")]
    assert enqueue(db, problems, cfg) == 0  # the week again: still once each


def test_rows_queued_under_the_old_shared_key_are_not_sent_twice(db: Engine, tmp_path: Path) -> None:
    """A week queued before the keys named the unit ('digest' for all): queueing it again re-keys
    those rows (messages.rekey_legacy), adds the digest the shared key had lost, and nothing twice."""
    cfg = make_config(tmp_path, units={})
    (digest,) = messages.digests(messages.digest_units([overdue("县林业局")]), week=WEEK, config=cfg)
    legacy = dataclasses.replace(digest, finding_key="digest")
    with transaction(db) as conn:
        assert queue.insert_alerts(conn, [legacy]) == 1
    assert enqueue(db, [overdue("县林业局"), overdue("县水利局")], cfg) == 1
    assert sorted((a.unit, a.finding_key) for a in rows(db)) == [("县林业局", "digest/县林业局"),
                                                                  ("县水利局", "digest/县水利局")]


def test_enqueue_uses_the_loaded_portfolio_names(db: Engine, tmp_path: Path) -> None:
    with transaction(db) as conn:
        conn.execute(insert(projects_t).values(
            id="HY-WATER", name="县城供水提升工程", lead_unit="县水利局", calendar="construction",
            start=dt.date(2026, 3, 2), units=[], source_path="projects/HY-WATER.toml", digest="0" * 64,
            text="", loaded_at=utcnow()))
        conn.execute(insert(milestones_t).values(project_id="HY-WATER", id="M2", seq=1, name="土地征收",
                                                 duration=20))
    enqueue(db, [overdue()], make_config(tmp_path))
    (a,) = rows(db)
    assert a.subject == "【周调度提醒】截至11月23日 县自然资源局：红灯1项、黄灯0项"
    assert "1. 【新】县城供水提升工程（HY-WATER） · HY-WATER/milestone/M2：土地征收（M2）滞后15个工作日\n" in a.body


# -- delivery ---------------------------------------------------------------------------------------


def test_email_reaches_a_real_smtp_server_in_chinese(db: Engine, tmp_path: Path, smtp: SmtpServer) -> None:
    smtp.start()
    cfg = make_config(tmp_path, port=smtp.port)
    enqueue(db, [overdue()], cfg)
    (queued,) = rows(db)
    report = loop.deliver_pending(db, cfg)
    assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
    (mail_from, rcpts, msg), = smtp.inbox.messages
    assert mail_from == SENDER
    assert rcpts == ["zrzy@county.gov.cn"]
    assert msg["To"] == "zrzy@county.gov.cn"
    assert str(msg["Subject"]) == queued.subject
    assert "周调度提醒" in str(msg["Subject"]) and "县自然资源局" in str(msg["Subject"])
    body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # canonical CRLF form in transit
    assert body == queued.body
    assert "节点已过计划完成时间仍未完成" in body and "请首先办理：HY-WATER · HY-WATER/milestone/M2——" in body
    (att,) = list(msg.iter_attachments())  # the unit's part of the problem list
    assert att.get_filename() == "问题清单_县自然资源局_2026-W48.xlsx"
    import io

    import openpyxl
    sheet = openpyxl.load_workbook(io.BytesIO(att.get_content())).active
    assert sheet["A1"].value == "序号" and sheet["B2"].value == "HY-WATER" and sheet.max_row == 2
    (a,) = rows(db)
    assert (a.status, a.attempts, a.last_error) == ("delivered", 1, None)
    assert a.delivered_at is not None


def test_webhook_posts_robot_json(db: Engine, tmp_path: Path, robot: Robot) -> None:
    cfg = make_config(tmp_path, units={"县自然资源局": Unit("县自然资源局", (), robot.url)})
    enqueue(db, [overdue()], cfg)
    report = loop.deliver_pending(db, cfg)
    assert report.delivered == 1
    (path, ctype, doc), = robot.received
    assert path == "/robot/send?access_token=t0k"
    assert ctype.startswith("application/json")
    assert doc["msgtype"] == "text"
    content = doc["text"]["content"]
    assert content.startswith("【周调度提醒】截至11月23日 县自然资源局：红灯1项、黄灯0项\n\n县自然资源局：")
    assert rows(db)[0].status == "delivered"


def test_webhook_refusals_are_retried(db: Engine, tmp_path: Path, robot: Robot) -> None:
    cfg = make_config(tmp_path, units={"县自然资源局": Unit("县自然资源局", (), robot.url)})
    enqueue(db, [overdue()], cfg)
    t0 = utcnow()
    robot.answer = {"errcode": 310000, "errmsg": "keywords not in content"}
    r1 = loop.deliver_pending(db, cfg, now=t0)
    assert r1.retrying == 1
    assert rows(db)[0].last_error == "RuntimeError: robot errcode 310000: keywords not in content"
    robot.answer, robot.status = {}, 500
    r2 = loop.deliver_pending(db, cfg, now=t0 + dt.timedelta(seconds=31))
    assert r2.retrying == 1
    assert "HTTP 500" in (rows(db)[0].last_error or "")
    robot.answer, robot.status = {"errcode": 0, "errmsg": "ok"}, 200
    r3 = loop.deliver_pending(db, cfg, now=t0 + dt.timedelta(seconds=31 + 61))
    assert r3.delivered == 1
    assert len(robot.received) == 3
    assert rows(db)[0].attempts == 3


def test_smtp_down_then_back_delivers_exactly_once(db: Engine, tmp_path: Path, smtp: SmtpServer) -> None:
    cfg = make_config(tmp_path, port=smtp.port)         # nothing listens on the port yet
    enqueue(db, [overdue()], cfg)
    t0 = utcnow()
    r1 = loop.deliver_pending(db, cfg, now=t0)
    assert (r1.delivered, r1.retrying) == (0, 1)
    (a,) = rows(db)
    assert (a.status, a.attempts) == ("pending", 1)
    assert a.last_error is not None and "ConnectionRefusedError" in a.last_error
    assert a.next_attempt_at == t0 + dt.timedelta(seconds=30)     # backoff_seconds * 2**0

    smtp.start()
    early = loop.deliver_pending(db, cfg, now=t0 + dt.timedelta(seconds=10))   # not due yet
    assert early.attempted == 0 and smtp.inbox.messages == []

    r2 = loop.deliver_pending(db, cfg, now=t0 + dt.timedelta(seconds=31))
    assert r2.delivered == 1
    assert len(smtp.inbox.messages) == 1
    (a,) = rows(db)
    assert (a.status, a.attempts) == ("delivered", 2)

    r3 = loop.deliver_pending(db, cfg, now=t0 + dt.timedelta(hours=1))
    assert r3.attempted == 0
    assert len(smtp.inbox.messages) == 1


def test_backoff_doubles_then_fails_visibly_and_retry_requeues(db: Engine, tmp_path: Path,
                                                              smtp: SmtpServer) -> None:
    cfg = make_config(tmp_path, port=smtp.port, max_attempts=3)
    enqueue(db, [overdue()], cfg)
    t = utcnow()
    waits = []
    for _ in range(3):
        loop.deliver_pending(db, cfg, now=t)
        (a,) = rows(db)
        if a.next_attempt_at is not None:
            waits.append((a.next_attempt_at - t).total_seconds())
            t = a.next_attempt_at
    assert waits == [30.0, 60.0]
    (a,) = rows(db)
    assert (a.status, a.attempts, a.next_attempt_at) == ("failed", 3, None)
    assert "ConnectionRefusedError" in (a.last_error or "")
    assert loop.deliver_pending(db, cfg, now=t + dt.timedelta(days=1)).attempted == 0

    assert queue.retry_failed(db, now=t) == 1
    smtp.start()
    assert loop.deliver_pending(db, cfg, now=t).delivered == 1
    assert len(smtp.inbox.messages) == 1
    (a,) = rows(db)
    assert (a.status, a.attempts) == ("delivered", 1)


def test_an_attempt_is_claimed_once(db: Engine, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    enqueue(db, [overdue()], cfg)
    now = utcnow()
    (seen,) = queue.due_alerts(db, now)
    assert queue.claim(db, seen, now, now) is True
    assert queue.claim(db, seen, now, now) is False       # a second process with the same snapshot


def test_concurrent_deliveries_send_each_alert_once(db: Engine, tmp_path: Path) -> None:
    units = {f"单位{i}": Unit(f"单位{i}", (f"u{i}@county.gov.cn",)) for i in range(6)}
    cfg = make_config(tmp_path, units=units)
    enqueue(db, [overdue(unit) for unit in units], cfg)
    sent: list[int] = []
    lock = threading.Lock()

    def slow_sender(a: core_alerts.Alert) -> None:
        time.sleep(0.02)
        with lock:
            sent.append(a.id or 0)

    threads = [threading.Thread(target=loop.deliver_pending, args=(db, cfg), kwargs={"sender": slow_sender})
               for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(Counter(sent).values()) == [1] * 6
    assert {a.status for a in rows(db)} == {"delivered"}


def test_demo_writes_the_outbox_instead_of_sending(db: Engine, tmp_path: Path) -> None:
    cfg = make_config(tmp_path, deliver=False, units={
        "县自然资源局": Unit("县自然资源局", ("zrzy@county.gov.cn",), "https://qyapi.weixin.qq.com/x"),
    })
    enqueue(db, [overdue(), overdue("县林业局")], cfg)
    report = loop.deliver_pending(db, cfg)
    assert (report.written, report.delivered, report.failed) == (2, 0, 0)
    folder = tmp_path / "outbox" / "alerts"
    files = sorted(p.name for p in folder.iterdir())
    assert [f.rsplit("-", 1)[1] for f in files] == ["email.eml", "webhook.json"]
    assert all(f.startswith("2026-W48-") for f in files)
    msg = email.message_from_bytes((folder / files[0]).read_bytes(), policy=default_policy)
    assert msg["To"] == "zrzy@county.gov.cn"
    assert str(msg["Subject"]).startswith("【周调度提醒】截至11月23日 县自然资源局")
    assert "请首先办理" in msg.get_body(("plain",)).get_content()
    doc = json.loads((folder / files[1]).read_text(encoding="utf-8"))
    assert doc["url"] == "https://qyapi.weixin.qq.com/x"
    assert doc["payload"]["msgtype"] == "text"
    assert "HY-WATER · HY-WATER/milestone/M2" in doc["payload"]["text"]["content"]
    states = {(a.unit, a.channel): (a.status, a.last_error) for a in rows(db)}
    assert states == {  # written to the outbox folder is not delivered
        ("县自然资源局", "email"): ("written", "written to outbox"),
        ("县自然资源局", "webhook"): ("written", "written to outbox"),
        ("县林业局", "email"): ("failed", "no contact configured for unit 县林业局"),
    }
    # a retried no-contact alert fails again at once instead of waiting through backoff
    assert queue.retry_failed(db) == 1
    again = loop.deliver_pending(db, cfg)
    assert (again.failed, again.written) == (1, 0)


def test_timestamps_round_trip_as_utc(db: Engine, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    enqueue(db, [overdue()], cfg)
    shanghai_now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    loop.deliver_pending(db, cfg, now=shanghai_now, sender=lambda a: None)
    (a,) = rows(db)
    assert a.delivered_at == shanghai_now
    with db.connect() as c:
        assert c.execute(select(func.count()).select_from(alerts_t)
                         .where(alerts_t.c.delivered_at <= shanghai_now)).scalar() == 1


# -- the command ------------------------------------------------------------------------------------


def test_dispatch_alerts_lists_retries_and_delivers(db: Engine, tmp_path: Path) -> None:
    url = db.url.render_as_string(hide_password=False)
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text(
        f'[database]\nurl = "{url}"\n[paths]\noutbox_dir = "out"\n'
        '[alerts]\ndeliver = false\n'
        '[units."县自然资源局"]\nemail = ["zrzy@county.gov.cn"]\n', encoding="utf-8")
    cfg = make_config(tmp_path)
    enqueue(db, [overdue(), overdue("县林业局")], cfg)
    with transaction(db) as conn:   # one alert already failed after its attempts
        conn.execute(update(alerts_t).where(alerts_t.c.address == "zrzy@county.gov.cn")
                     .values(status="failed", attempts=8, last_error="SMTP timeout"))
    runner = CliRunner()
    env = {"COLUMNS": "200", "DISPATCH_DATABASE_URL": url}
    res = runner.invoke(cli, ["--config", str(cfg_file), "alerts", "--status", "failed"], env=env)
    assert res.exit_code == 0, res.output
    assert "zrzy@county.gov.cn" in res.output and "SMTP timeout" in res.output
    assert "失败" in res.output

    res = runner.invoke(cli, ["--config", str(cfg_file), "alerts", "--retry", "--deliver"], env=env)
    assert res.exit_code == 0, res.output
    assert "2 条失败预警已重新排队" in res.output
    assert "写入发件箱 1" in res.output and "失败 1" in res.output
    assert len(list((tmp_path / "out" / "alerts").glob("*.eml"))) == 1
    res = runner.invoke(cli, ["--config", str(cfg_file), "alerts", "--status", "written"], env=env)
    assert "已写入发件箱（未发送）" in res.output and "zrzy@county.gov.cn" in res.output
    assert "县林业局" not in res.output
    res = runner.invoke(cli, ["--config", str(cfg_file), "alerts", "--status", "delivered"], env=env)
    assert "zrzy@county.gov.cn" not in res.output  # written to the outbox folder is not delivered


def test_a_digest_names_the_approval_says_what_to_do_and_days_as_its_calendar_counts_them(tmp_path: Path) -> None:
    """A late approval leading a unit's digest: its name and kind, the factor to-do (first line and
    the attachment's 办理要求), 个工作日 on the office calendar, 天 on the construction calendar."""
    def land(daily: bool) -> Problem:
        details: dict[str, Any] = {"status": "办理中", "works_daily": True} if daily else {"status": "办理中"}
        f = Finding("HY-WATER", FindingKind.FACTOR, Light.RED, "县自然资源局", milestone="M3", factor="F1",
                    factor_kind="用地", days=9, first_seen=WEEK, weeks_red=1, details=details)
        return Problem("HY-WATER/factor/F1", "HY-WATER", ProblemKind.FACTOR, Light.RED, unit="县自然资源局",
                       milestone="M3", factor="F1", factor_kind="用地", days=9, own_light=Light.RED,
                       first_seen=WEEK, weeks_red=1, finding=f,
                       symptoms=(Symptom(FindingKind.FACTOR, Light.RED, "M3", "F1", 9, f.key),))

    cfg = make_config(tmp_path)
    names = queue.Names(factors={("HY-WATER", "F1"): "城东水厂用地预审"})
    todo = "要素保障手续未按期批复，请加快办理，明确批复时间；确有困难的，请书面报告县发改局协调。"
    (a,) = messages.digests(messages.digest_units([land(False)]), week=WEEK, config=cfg, names=names)
    lines = a.body.splitlines()
    assert lines[4] == ("请首先办理：HY-WATER · HY-WATER/factor/F1——用地：城东水厂用地预审（F1）未批复，M3（M3）所需，"
                        f"已逾期9个工作日；预计批复：未明确。{todo}")
    assert json.loads(a.attachment or "[]")[1][-1] == todo
    _, body = messages.problem_digest_text("县自然资源局", [land(True)], WEEK, names)
    assert f"M3（M3）所需，已逾期9天；预计批复：未明确。{todo}" in body
    _, body = messages.problem_digest_text("县自然资源局", [land(False)], WEEK, names, lang="en")
    assert "needed it 9 working days ago" in body and "The approval is late: speed it up" in body


# -- digests, robot limits and signing ------------------------------------------------------------------


def test_the_sample_weeks_w47_and_w48_write_at_most_one_message_per_unit_per_week(
        db: Engine, tmp_path: Path) -> None:
    import portfolio_week as pw

    from scheduler.io.config import REPO_ROOT, load_config

    config = dataclasses.replace(load_config(REPO_ROOT / "config.toml"), database_url="",
                                 portfolio="default")  # rows() lists the default portfolio's queue
    lists = pw.found()
    for week, problems in lists.items():
        for _ in range(2):  # the week run twice
            enqueue(db, problems, config, week=week)
        mine = [a for a in rows(db) if a.week == week]
        per_unit = Counter((a.unit, a.channel, a.address) for a in mine)
        assert mine and max(per_unit.values()) == 1
        units = {p.unit for p in problems if p.light in (Light.RED, Light.YELLOW)}
        assert {a.unit for a in mine} == units  # every unit with a red or yellow problem hears once
    # the unit with most problems in W48 (1 red, 6 yellow): all of them in its one message, numbered
    lgc = [p for p in lists["2026-W48"] if p.unit == "县临港产业开发事务中心"]
    assert Counter(p.light for p in lgc) == {Light.RED: 1, Light.YELLOW: 6}
    (msg,) = [a for a in rows(db) if a.week == "2026-W48" and a.unit == "县临港产业开发事务中心"]
    assert msg.subject == "【周调度提醒】截至11月23日 县临港产业开发事务中心：红灯1项、黄灯6项"
    numbered = [x for x in msg.body.splitlines() if re.match(r"\d+\. ", x)]
    assert [x.split(".")[0] for x in numbered] == ["1", "1", "2", "3", "4", "5", "6"]
    assert sorted(x.split("：")[0].split(" · ")[1] for x in numbered) == sorted(p.id for p in lgc)
    assert msg.body.index("请首先办理") < msg.body.index("一、红灯事项") < msg.body.index("二、黄灯事项")


def test_a_digest_orders_by_urgency_and_leads_with_the_first_to_act_on(tmp_path: Path) -> None:
    """Going up to the county first, then red (longest red, then most days late), then yellow; the
    first line is the most urgent problem with its to-do; the e-mail's attachment has the same order."""
    yellow = overdue(milestone="M1", light=Light.YELLOW, days=30)
    red_new = overdue(milestone="M3", days=20)
    red_long = overdue(milestone="M4", first_seen="2026-W45", weeks_red=4, days=5)
    red_longer_days = overdue(milestone="M5", first_seen="2026-W45", weeks_red=4, days=9)
    going_up = dataclasses.replace(overdue(milestone="M6", first_seen="2026-W47", weeks_red=2, days=3),
                                   escalate=True)
    cfg = make_config(tmp_path)
    (a,) = messages.digests(messages.digest_units([yellow, red_new, red_long, red_longer_days, going_up]),
                                week=WEEK, config=cfg)
    lines = a.body.splitlines()
    assert a.subject == "【周调度提醒】截至11月23日 县自然资源局：红灯4项、黄灯1项"
    assert lines[4] == ("【提请县政府专题研究】HY-WATER：1项红灯事项已连续2周未解决，将提请县政府专题研究，"
                        "请于会前准备情况说明（问题、原因、需协调事项）。")
    assert lines[6] == ("请首先办理：HY-WATER · HY-WATER/milestone/M6——M6（M6）滞后3个工作日。相关事项已连续 2 周红灯，"
                        "将提请县政府专题研究，请于会前准备情况说明（问题、原因、需协调事项）。")
    assert [x for x in lines if x[:2] in ("1.", "2.", "3.", "4.")] == [
        "1. 【连续2周红灯】HY-WATER · HY-WATER/milestone/M6：M6（M6）滞后3个工作日",
        "2. 【连续4周红灯】HY-WATER · HY-WATER/milestone/M5：M5（M5）滞后9个工作日",
        "3. 【连续4周红灯】HY-WATER · HY-WATER/milestone/M4：M4（M4）滞后5个工作日",
        "4. 【新】HY-WATER · HY-WATER/milestone/M3：M3（M3）滞后20个工作日",
        "1. HY-WATER · HY-WATER/milestone/M1：M1（M1）滞后30个工作日"]
    rows_ = json.loads(a.attachment or "[]")
    assert rows_[0][:3] == ["序号", "项目", "节点/要素"]
    assert [r[2] for r in rows_[1:]] == [f"HY-WATER/milestone/M{k}" for k in (6, 5, 4, 3, 1)]
    assert [r[3] for r in rows_[1:]] == ["红灯"] * 4 + ["黄灯"]


def _digest(n: int, url: str) -> core_alerts.Alert:
    subject, body = messages.problem_digest_text("县自然资源局", [overdue(first_seen="2026-W47")], WEEK)
    body += "".join(f"{k}. 虞公港铁路专用线 · YG-RAIL/milestone/M{k}：第{k}个节点（M{k}）滞后41个工作日\n"
                    for k in range(2, n + 2))
    return core_alerts.Alert(WEEK, "digest", "县自然资源局", "webhook", url, subject, body,
                             mobiles=("13800000000",))


@pytest.mark.parametrize(("url", "limit"), [("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", 2048),
                                            ("https://oapi.dingtalk.com/robot/send?access_token=t", 20000),
                                            ("https://robot.example.org/hook", 2048)])
@pytest.mark.parametrize("n", [1, 20, 400])
def test_every_robot_body_fits_its_platforms_limit(url: str, limit: int, n: int) -> None:
    from scheduler.delivery.webhook import webhook_payload

    doc = webhook_payload(_digest(n, url), where="http://fgj.county/problems")
    content = doc["text"]["content"]
    # WeCom counts text.content; DingTalk refuses a body over 20,000 bytes (its line breaks escaped)
    sent = json.dumps(doc, ensure_ascii=False) if "dingtalk" in url else content
    assert len(sent.encode("utf-8")) <= limit
    assert content.startswith("【周调度提醒】") and content.endswith("@13800000000")
    if len(_digest(n, url).body.encode()) > limit:  # summarised: how many more, ending with where
        assert re.search(r"另有\d+项未列出，完整内容见：http://fgj.county/problems\n@13800000000$", content)
    mobiles = doc.get("at", {}).get("atMobiles") or doc["text"].get("mentioned_mobile_list")
    assert mobiles == ["13800000000"]


def test_a_dingtalk_body_of_many_short_lines_stays_within_its_limit() -> None:
    """Each line break is two bytes in the JSON body: measured as sent, not as text."""
    from scheduler.delivery.webhook import webhook_payload

    url = "https://oapi.dingtalk.com/robot/send?access_token=t"
    alert = dataclasses.replace(_digest(1, url), body="".join(f"{k}. 甲\n" for k in range(2, 4000)))
    doc = webhook_payload(alert, where="http://fgj.county/problems")
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    assert 19000 < len(body) <= 20000 and len(doc["text"]["content"].encode("utf-8")) < 19000


def test_a_summarised_robot_text_ends_with_where_the_full_digest_is(tmp_path: Path) -> None:
    from scheduler.delivery.loop import digest_at

    alert = _digest(400, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    base = make_config(tmp_path)
    # the web workplace when config names it; an [alerts] link (a share) before it
    web = dataclasses.replace(base, web_base_url="https://dispatch.xiangyin.gov.cn/")
    assert digest_at(web, alert) == "https://dispatch.xiangyin.gov.cn/problems"
    shared = dataclasses.replace(web, alerts=base.alerts.model_copy(update={"link": "http://fgj.county/week"}))
    assert digest_at(shared, alert) == "http://fgj.county/week"
    # else the e-mail with the unit's problem list attached, or its file in the outbox
    assert digest_at(base, alert) == "发给本单位的周调度邮件及其附件 问题清单_县自然资源局_2026-W48.xlsx"
    assert digest_at(base, alert, tmp_path / "alerts") == (
        f"发件箱 {tmp_path / 'alerts'} 中本单位2026年第48周（11月23日至29日）的邮件"
        "（附件 问题清单_县自然资源局_2026-W48.xlsx）")
    no_mail = make_config(tmp_path, units={"县自然资源局": Unit("县自然资源局", (), alert.address)})
    assert digest_at(no_mail, alert) == "县发改局周调度通报及问题清单"
    # through the outbox (alerts.deliver = false): the written robot text ends with it
    out = loop.transports(dataclasses.replace(web, alerts=base.alerts.model_copy(update={"deliver": False})),
                          tmp_path / "alerts")
    out["webhook"].send(dataclasses.replace(alert, id=7), Deadline(5))
    (written,) = (tmp_path / "alerts").glob("*.json")
    content = json.loads(written.read_text(encoding="utf-8"))["payload"]["text"]["content"]
    assert re.search(r"另有\d+项未列出，完整内容见：https://dispatch.xiangyin.gov.cn/problems\n\n\[dispatch-alert-",
                     content), content[-300:]


def test_a_dingtalk_signed_request_verifies_against_the_secret(db: Engine, tmp_path: Path) -> None:
    import base64
    import hashlib
    import hmac
    import urllib.parse

    secret = "SEC0123456789abcdef0123456789abcdef"
    got: list[tuple[bool, int]] = []

    class Verifier(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            ts, sign = q["timestamp"][0], q["sign"][0]
            want = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(),
                                             hashlib.sha256).digest()).decode()
            fresh = abs(int(ts) - int(time.time() * 1000)) < 3_600_000  # DingTalk's one hour
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((hmac.compare_digest(sign, want) and fresh, len(body)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

        def log_message(self, *a: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Verifier)
    th = threading.Thread(target=server.serve_forever, daemon=True)
    th.start()
    try:
        url = f"http://127.0.0.1:{port}/robot/send?access_token=t0k"
        cfg = make_config(tmp_path, units={"县自然资源局": Unit("县自然资源局", (), url, secret, ("13800000000",))})
        enqueue(db, [overdue()], cfg)
        report = loop.deliver_pending(db, cfg)
    finally:
        server.shutdown()
        server.server_close()
    assert report.delivered == 1 and got and all(ok for ok, _ in got)
    assert rows(db)[0].status == "delivered"


def test_escalated_problems_are_copied_to_the_leader_and_the_supervision_office(db: Engine,
                                                                                  tmp_path: Path) -> None:
    """The copies come from the problem list's escalation (the one rule): the leader named in the
    project's leader gets his project's escalated problems, the 督查室 all of them, each with its
    事由 / 需协调事项 / 建议; a problem that does not go up is in no copy."""
    from scheduler.core.problems import Escalation, Problem, ProblemKind

    with transaction(db) as conn:
        for pid, name, leader in (("HY-WATER", "县城供水提升工程", "常务副县长鲁民明"),
                                  ("HY-ROAD", "农村公路", "副县长张三")):
            conn.execute(insert(projects_t).values(
                id=pid, name=name, lead_unit="县水利局", calendar="construction", leader=leader,
                start=dt.date(2026, 3, 2), units=[], source_path=f"projects/{pid}.toml", digest="0" * 64,
                text="", loaded_at=utcnow()))
    water = Problem("HY-WATER/milestone/M2", "HY-WATER", ProblemKind.MILESTONE, Light.RED, unit="县水利局",
                    milestone="M2", days=15, weeks_red=3, escalate=True, first_seen="2026-W46",
                    escalation=Escalation("取水口征地连续红灯", "请县政府协调镇村征地", "分管副县长牵头督办"))
    road = Problem("HY-ROAD/milestone/M1", "HY-ROAD", ProblemKind.MILESTONE, Light.RED, unit="县交通局",
                   milestone="M1", days=8, weeks_red=2, escalate=True, first_seen="2026-W47")
    quiet = Problem("HY-ROAD/milestone/M3", "HY-ROAD", ProblemKind.MILESTONE, Light.RED, unit="县交通局",
                    milestone="M3", days=6, weeks_red=1, first_seen="2026-W48")
    cfg = make_config(tmp_path, units={"县水利局": Unit("县水利局", ("slj@county.gov.cn",)),
                                       "县交通局": Unit("县交通局", ("jtj@county.gov.cn",))})
    cfg = dataclasses.replace(cfg, leaders={"鲁民明": Unit("鲁民明", ("lmm@county.gov.cn",))},
                              alerts=cfg.alerts.model_copy(update={"supervision": ["dcs@county.gov.cn"]}))
    run_id = new_run(db)
    with transaction(db) as conn:
        messages.enqueue_alerts(conn, run_id=run_id, week=WEEK, config=cfg, problems=[water, road, quiet])
    by_address = {a.address: a for a in rows(db)}
    assert set(by_address) == {"slj@county.gov.cn", "jtj@county.gov.cn", "lmm@county.gov.cn", "dcs@county.gov.cn"}
    leader, office = by_address["lmm@county.gov.cn"], by_address["dcs@county.gov.cn"]
    assert (leader.finding_key, office.finding_key) == ("escalation-copy/鲁民明", "escalation-copy/县政府督查室")
    assert leader.subject == "【抄送】截至11月23日 提请县政府专题研究事项1项"
    assert ("1. 县城供水提升工程（HY-WATER） · HY-WATER/milestone/M2（责任单位：县水利局）\n事由：取水口征地连续红灯\n"
            "需协调事项：请县政府协调镇村征地\n建议：分管副县长牵头督办") in leader.body
    assert "HY-ROAD" not in leader.body  # not his project
    assert office.subject == "【抄送】截至11月23日 提请县政府专题研究事项2项"
    assert office.body.index("HY-WATER/milestone/M2") < office.body.index("HY-ROAD/milestone/M1")  # 3 weeks red first
    assert "HY-ROAD/milestone/M3" not in office.body  # red, but not going up


def test_a_digest_writes_the_dates_of_its_lines_as_the_brief_does(tmp_path: Path) -> None:
    """Its problem lines (body and attachment) write dates as of the week's Monday (预计批复：12月22日;
    影响时限 …12月底前完成; another year's with the year), never ISO; English keeps ISO."""
    from scheduler.core.problems import DeadlineCost

    p = Problem("HY-WATER/factor/F1", "HY-WATER", ProblemKind.FACTOR, Light.RED, unit="县自然资源局",
                milestone="M3", factor="F1", factor_kind="用地", days=9, own_light=Light.RED, first_seen=WEEK,
                weeks_red=1, expected=dt.date(2026, 12, 22),
                deadlines=(DeadlineCost("M5", dt.date(2027, 1, 31), False, 6, -3),))
    names = queue.Names(factors={("HY-WATER", "F1"): "城东水厂用地预审"})
    (a,) = messages.digests(messages.digest_units([p]), week=WEEK, config=make_config(tmp_path), names=names)
    said = "预计批复：12月22日；影响时限：M5（M5，2027年1月底前完成）6个工作日"
    assert said in a.body and said in json.loads(a.attachment or "[]")[1][5]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", a.body + (a.attachment or ""))
    _, body = messages.problem_digest_text("县自然资源局", [p], WEEK, names, lang="en")
    assert "expected 2026-12-22; costs deadlines: M5 (M5, finish by 2027-01-31)" in body
