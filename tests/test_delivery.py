"""Delivery against servers that misbehave (issue 14): a local SMTP server (aiosmtpd) and HTTP
robots that redirect, answer 500, answer 200 with errcode != 0, acknowledge too late, drip a byte
at a time, or accept and never answer (a tarpit), or are killed. Every alert arrives, a repeat
carries the same idempotency key, no pass runs past its deadline, the queue's status tells the
truth, and a shutdown never waits on a blocked send. Deadlines are configured down to ~1 s."""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import Engine

from scheduler.cli import cli
from scheduler.core.alerts import Alert
from scheduler.delivery import deadline as deadlines
from scheduler.delivery.abc import alert_key
from scheduler.delivery.loop import deliver_pending
from scheduler.delivery.smtp import build_email
from scheduler.io.config import load_config
from scheduler.store.alerts import insert_alerts, list_alerts
from scheduler.store.db import transaction, utcnow
from tests.helpers import free_port, wait_until

WEEK = "2026-W48"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    yield
    deadlines.resume()


def write_config(config_file: Path, smtp_port: int, **alerts: Any) -> Path:
    settings = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "deliver": True, "backoff_seconds": 0,
                "max_attempts": 10, "send_timeout_seconds": 1.0, "pass_deadline_seconds": 3.0, **alerts}
    body = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    config_file.write_text(config_file.read_text(encoding="utf-8") + "[alerts]\n" + body, encoding="utf-8")
    return config_file


def queue(engine: Engine, targets: list[tuple[str, str]], subject: str = "【红灯】测试项目") -> list[Alert]:
    """Pending alerts, due now, one per (channel, address)."""
    now = utcnow()
    alerts = [Alert(WEEK, f"finish-overdue/P/M{i}", "县自然资源局", ch, addr, f"{subject} {i}", f"正文 {i}\n",
                    next_attempt_at=now - dt.timedelta(seconds=1), created_at=now)
              for i, (ch, addr) in enumerate(targets)]
    with transaction(engine) as conn:
        insert_alerts(conn, alerts)
    return list_alerts(engine)


# -- misbehaving servers ------------------------------------------------------------------------------


class Robot:
    """An HTTP robot endpoint; `first` says how it treats the first request of each idempotency key
    ("redirect", "500", "errcode", "slow", or "ok"); later requests are answered 200 errcode 0."""

    def __init__(self, first: str = "ok", slow: float = 2.0) -> None:
        self.first = first
        self.slow = slow
        self.received: list[tuple[str, dict[str, Any]]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                doc = json.loads(self.rfile.read(n).decode("utf-8"))
                key = self.headers.get("Idempotency-Key", "")
                seen = any(k == key for k, _ in robot.received)
                robot.received.append((key, doc))
                how = "ok" if seen else robot.first
                if how == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if how == "slow":
                    time.sleep(robot.slow)
                status, answer = (500, {}) if how == "500" else (200, {"errcode": 310000, "errmsg": "no"}
                                                                  if how == "errcode" else {"errcode": 0})
                body = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def do_GET(self) -> None:  # a followed redirect would land here
                robot.received.append(("GET", {}))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?access_token=t"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Drip:
    """A TCP server that accepts and then sends `greeting` one byte every `every` seconds (or, with
    an empty greeting, nothing at all: a tarpit)."""

    def __init__(self, greeting: bytes, every: float = 0.3) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self.every = every
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            if not self.greeting:  # a tarpit: holds the connection, never answers
                self.stop.wait()
                return
            data = self.greeting * 1000
            for i in range(len(data)):
                if self.stop.wait(self.every):
                    return
                if self.greeting:
                    try:
                        conn.sendall(data[i:i + 1])
                    except OSError:
                        return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


class Inbox:
    """aiosmtpd handler: keeps every message; the first DATA of each Message-ID is acknowledged
    only after `slow` seconds (past the client's deadline) when slow > 0."""

    def __init__(self, slow: float = 0.0) -> None:
        self.slow = slow
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        msg = email.message_from_bytes(envelope.original_content, policy=default_policy)
        first = all(m["Message-ID"] != msg["Message-ID"] for m in self.messages)
        self.messages.append(msg)
        if first and self.slow:
            await asyncio.sleep(self.slow)
        return "250 OK"


@pytest.fixture
def servers() -> Iterator[Callable[[Any], Any]]:
    made: list[Any] = []

    def make(server: Any) -> Any:
        made.append(server)
        return server

    yield make
    for s in made:
        if isinstance(s, Controller):
            s.stop()
        else:
            s.close()


# -- the tests --------------------------------------------------------------------------------------


def test_every_alert_arrives_once_keyed_through_robots_that_redirect_fail_or_ack_late(
        engine: Engine, config_file: Path, servers: Callable[[Any], Any]) -> None:
    """Four robots misbehave on each alert's first post (302, 500, errcode 310000, an answer after
    the 1 s deadline), one behaves. Pass after pass: a 3xx is never delivered (nor followed), every
    alert ends delivered, every post carries its alert's key, and a repeat carries the same key."""
    inbox = Inbox(slow=2.0)
    smtp = servers(Controller(inbox, hostname="127.0.0.1", port=free_port()))
    smtp.start()
    config = load_config(write_config(config_file, smtp.port))
    robots = {how: servers(Robot(how)) for how in ("redirect", "500", "errcode", "slow", "ok")}
    alerts = queue(engine, [("webhook", r.url) for r in robots.values()] + [("email", "a@county.gov.cn")])
    first = deliver_pending(engine, config)
    state = {a.address: a for a in list_alerts(engine)}
    assert state[robots["ok"].url].status == "delivered"
    for how in ("redirect", "500", "errcode", "slow"):
        a = state[robots[how].url]
        assert a.status == "pending" and a.attempts == 1 and a.last_error, (how, a)
    assert "HTTP 302" in (state[robots["redirect"].url].last_error or "")
    assert "deadline" in (state[robots["slow"].url].last_error or "")
    assert first.delivered == 1 and first.retrying == 5
    for _ in range(5):
        if all(a.status == "delivered" for a in list_alerts(engine)):
            break
        time.sleep(0.2)
        deliver_pending(engine, config)
    assert all(a.status == "delivered" for a in list_alerts(engine)), list_alerts(engine)
    assert not any(k == "GET" for r in robots.values() for k, _ in r.received)  # no redirect followed
    for a in alerts:
        if a.channel != "webhook":
            continue
        got = [(k, doc) for r in robots.values() for k, doc in r.received if k == alert_key(a)]
        assert got, a
        assert all(doc["text"]["content"].endswith(f"[{alert_key(a)}]") for _k, doc in got)
    assert len(robots["slow"].received) == 2  # acknowledged late: received twice, one key
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == 2 and len(set(ids)) == 1  # the late 250: sent twice, one Message-ID
    email_alert = next(a for a in alerts if a.channel == "email")
    assert ids[0] == f"<{alert_key(email_alert)}@localhost>"


@pytest.mark.parametrize("kind", ["smtp-drip", "smtp-tarpit", "http-drip", "http-tarpit"])
def test_a_dripping_or_tarpit_server_never_holds_a_pass(engine: Engine, config_file: Path,
                                                       servers: Callable[[Any], Any], kind: str) -> None:
    """Through `dispatch alerts --deliver`: the first alert is cut off at its 1 s deadline, the
    server is not tried again in the pass, the pass ends within its deadline; the queue says which
    alert was tried (pending, error) and which were not (pending, no attempt)."""
    drip = servers(Drip(b"220 slow.example ESMTP\r\n" if kind == "smtp-drip"
                        else b"HTTP/1.1 200 OK\r\n" if kind == "http-drip" else b""))
    config = write_config(config_file, drip.port)
    target = ("email", "a@county.gov.cn") if kind.startswith("smtp") else ("webhook", f"http://127.0.0.1:{drip.port}/x")
    queue(engine, [target] * 1 + [(target[0], target[1].replace("a@", f"b{i}@") if target[0] == "email"
                                   else target[1] + str(i)) for i in range(4)])
    t0 = time.monotonic()
    res = CliRunner().invoke(cli, ["--config", str(config), "alerts", "--deliver"])  # in-process: the pass alone
    took = time.monotonic() - t0
    assert res.exception is None and res.exit_code == 0, (res.exc_info, res.stderr)
    assert took < 10, took  # one 1 s deadline, never 20 s per alert
    rows = list_alerts(engine)
    tried = [a for a in rows if a.attempts]
    assert len(tried) == 1 and "deadline" in (tried[0].last_error or ""), tried
    assert all(a.status == "pending" for a in rows)
    assert "4" in res.stdout  # the summary counts the four left for the next pass


def test_the_pass_deadline_leaves_the_rest_unclaimed(engine: Engine, config_file: Path,
                                                     servers: Callable[[Any], Any]) -> None:
    """Each of several robots acknowledges after 0.8 s (within the 1 s message deadline): the 2 s
    pass stops after about two of them; the others were never claimed (no attempt counted)."""
    config = load_config(write_config(config_file, free_port(), pass_deadline_seconds=2.0))
    robots = [servers(Robot("slow", slow=0.8)) for _ in range(6)]
    queue(engine, [("webhook", r.url) for r in robots])
    t0 = time.monotonic()
    rep = deliver_pending(engine, config)
    assert time.monotonic() - t0 < 3.5
    assert rep.deferred >= 2 and rep.delivered + rep.retrying + rep.deferred == 6
    assert sum(1 for a in list_alerts(engine) if a.attempts == 0) == rep.deferred


def test_a_killed_smtp_server_then_back_delivers_every_alert_once(engine: Engine, config_file: Path,
                                                                 servers: Callable[[Any], Any]) -> None:
    inbox = Inbox()
    port = free_port()
    config = load_config(write_config(config_file, port))
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    queue(engine, [("email", f"u{i}@county.gov.cn") for i in range(4)])
    ctl.stop()  # killed before the pass
    rep = deliver_pending(engine, config)
    assert rep.retrying == 1 and rep.deferred == 3
    ctl = servers(Controller(inbox, hostname="127.0.0.1", port=port))
    ctl.start()
    deliver_pending(engine, config)
    assert all(a.status == "delivered" for a in list_alerts(engine))
    assert sorted(m["To"] for m in inbox.messages) == [f"u{i}@county.gov.cn" for i in range(4)]


def test_a_cr_lf_in_a_name_makes_a_one_line_subject() -> None:
    subject = "【红灯】项目\r\nBcc: x@evil.example\n名称"
    a = Alert(WEEK, "k", "县自然资源局", "email", "a@county.gov.cn", subject, "正文", id=7)
    msg = build_email(a, load_config(None).alerts)
    assert "\n" not in str(msg["Subject"]) and msg["Bcc"] is None
    assert str(msg["Message-ID"]).startswith("<dispatch-alert-7-2026-W48@")


def test_a_shutdown_cuts_a_blocked_send_short(engine: Engine, config_file: Path,
                                             servers: Callable[[Any], Any]) -> None:
    """`dispatch serve` delivering to a server that drips (send deadline 60 s): SIGTERM ends the
    service within seconds; the alert stays pending for the next start."""
    drip = servers(Drip(b"220 slow.example ESMTP\r\n", every=1.0))
    config = write_config(config_file, drip.port, send_timeout_seconds=60.0, pass_deadline_seconds=120.0,
                          retry_every_seconds=1.0)
    queue(engine, [("email", "a@county.gov.cn")])
    proc = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "--config", str(config), "serve"], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until(lambda: drip.connections > 0, timeout=30)
        time.sleep(0.5)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert time.monotonic() - t0 < 8, out
        assert proc.returncode == 0 and "Traceback" not in out, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    rows = list_alerts(engine)
    assert [a.status for a in rows] == ["pending"] and "shutting down" in (rows[0].last_error or ""), rows


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPATCH_DATABASE_URL", "DISPATCH_CONFIG")
           and "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env
