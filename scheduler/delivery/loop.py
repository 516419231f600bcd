"""The delivery loop: every due pending alert of the queue is claimed, handed to the transport of
its channel (SMTP, webhook, or the outbox folder when `deliver = false`), and its outcome recorded
in a short transaction of its own; failures wait with backoff, and are never raised.

Bounded (docs/delivery.md): each message has a wall-clock deadline (alerts.send_timeout_seconds),
the pass as a whole another (alerts.pass_deadline_seconds: alerts not reached wait, unclaimed, for
the next pass), a server that failed once is not tried again in the same pass (its other alerts
wait, unclaimed), and `deadline.abort_all()` (SIGTERM under `serve`) cuts the pass short."""

from __future__ import annotations

import datetime as dt
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine

from scheduler.core.alerts import Alert
from scheduler.core.dates import week_text
from scheduler.delivery.abc import Attempt, Outcome, PermanentDeliveryError, Transport
from scheduler.delivery.deadline import Deadline, stopping
from scheduler.delivery.outbox import OUTBOX_NOTE, write_outbox
from scheduler.delivery.smtp import attachment_name, send_email
from scheduler.delivery.webhook import post_webhook
from scheduler.io.config import AlertSettings, Config
from scheduler.store.alerts import claim, due_alerts, finish, utc
from scheduler.store.db import utcnow
from scheduler.strings import t

MAX_ERROR_CHARS = 500

Sender = Callable[[Alert], str | None]
"""Sends one alert; returns an optional note (kept as last_error), raises on failure."""
Call = Callable[[Alert, Deadline], str | None]
"""Sends one alert within a deadline (not yet entered); returns a note, raises on failure."""


@dataclass(slots=True)
class DeliveryReport:
    """What one `deliver_pending` call did, counted per outcome."""

    delivered: int = 0          # sent (SMTP accepted / webhook 2xx)
    written: int = 0            # written to the outbox folder (deliver = false)
    retrying: int = 0           # attempt failed, stays pending until next_attempt_at
    failed: int = 0             # gave up (max_attempts reached or permanent error): status failed
    skipped: int = 0            # another process claimed it first
    deferred: int = 0           # not tried in this pass (its server failed, the pass's deadline, shutdown)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Alerts this call tried to send or write."""
        return self.delivered + self.written + self.retrying + self.failed

    def summary(self, lang: str = "zh") -> str:
        """One line for the log and the CLI."""
        line = t("alert.report", lang, delivered=self.delivered, written=self.written,
                 retrying=self.retrying, failed=self.failed, skipped=self.skipped)
        if self.deferred:
            line += t("alert.deferred", lang, n=self.deferred)
        return line


def backoff(settings: AlertSettings, attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failed attempt: backoff_seconds * 2**(attempts-1)."""
    return dt.timedelta(seconds=settings.backoff_seconds * 2 ** max(attempts - 1, 0))


def _error_text(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}" if not isinstance(e, PermanentDeliveryError) else str(e)
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class CallTransport:
    """A Transport over a function that sends one alert within a deadline and raises on failure
    (PermanentDeliveryError when retrying cannot help); `written` = it only writes the outbox;
    `to` names the server an alert goes to."""

    call: Call
    written: bool = False
    to: Callable[[Alert], str] = lambda a: a.channel

    def send(self, alert: Alert, deadline: Deadline) -> Attempt:
        """Call it and turn what happened into an Attempt."""
        try:
            note = self.call(alert, deadline)
        except PermanentDeliveryError as e:
            return Attempt(Outcome.FAILED, _error_text(e))
        except Exception as e:
            return Attempt(Outcome.RETRY, _error_text(e))
        return Attempt(Outcome.WRITTEN if self.written or note == OUTBOX_NOTE else Outcome.DELIVERED, note)

    def server(self, alert: Alert) -> str:
        """The server the alert goes to."""
        return self.to(alert)


def _netloc(alert: Alert) -> str:
    parts = urllib.parse.urlsplit(alert.address)
    return f"{parts.scheme}://{parts.netloc}"


def digest_at(config: Config, alert: Alert, outbox: Path | None = None) -> str:
    """Where a robot text too long for its platform sends its reader for the full digest: [alerts]
    link (a share or intranet page), else the web workplace's problem list ([web] base_url), else
    the unit's e-mail with its problem list attached (in the outbox folder when alerts.deliver =
    false), else the office."""
    lang = config.language
    if config.alerts.link:
        return config.alerts.link
    if config.web_base_url:
        return config.web_base_url.rstrip("/") + "/problems"
    name = attachment_name(alert)
    if outbox is not None:
        return t("digest.at.outbox", lang, folder=str(outbox), week=week_text(alert.week, lang), file=name)
    if config.unit(alert.unit).email:
        return t("digest.at.email", lang, file=name)
    return t("digest.at.office", lang)


def transports(config: Config, outbox: Path | None = None) -> dict[str, Transport]:
    """The transport of each channel: SMTP and webhook, or the outbox folder when deliver = false."""
    settings = config.alerts
    lang = config.language

    def robot(a: Alert) -> Alert:  # the unit's 加签 secret and @mobiles come from config, not the queue
        unit = config.unit(a.unit)
        return replace(a, secret=unit.secret, mobiles=unit.mobiles)

    if not settings.deliver:
        folder = outbox or (config.outbox_dir / "alerts")
        out = CallTransport(lambda a, _d: write_outbox(robot(a), folder, settings, where=digest_at(config, a, folder),
                                                       lang=lang),
                            written=True, to=lambda a: "outbox")
        return {"email": out, "webhook": out}
    smtp = f"smtp://{settings.smtp_host}:{settings.smtp_port}"
    return {"email": CallTransport(lambda a, d: send_email(a, settings, d), to=lambda a: smtp),
            "webhook": CallTransport(lambda a, d: post_webhook(robot(a), d, where=digest_at(config, a), lang=lang),
                                     to=_netloc)}


def deliver_pending(engine: Engine, config: Config, *, now: dt.datetime | None = None,
                    outbox: Path | None = None, sender: Sender | None = None,
                    via: dict[str, Transport] | None = None) -> DeliveryReport:
    """Send (or, with alerts.deliver = false, write to the outbox) every due pending alert, one
    short transaction per step; failures are recorded with backoff, never raised. Raises
    StorageError only when the database itself fails. `sender` or `via` replace the transports.

    Each message gets alerts.send_timeout_seconds of wall clock, the pass alerts.pass_deadline_seconds;
    after a server's first failure its other alerts wait for the next pass (not claimed, so not
    counted as attempts), as do those not reached before the pass's deadline or a shutdown."""
    when = utc(now or utcnow())
    settings = config.alerts
    if via is None:
        if sender is None:
            via = transports(config, outbox)
        else:
            call = sender
            via = dict.fromkeys(("email", "webhook"), CallTransport(lambda a, _d: call(a)))
    report = DeliveryReport()
    end = time.monotonic() + settings.pass_deadline_seconds
    down: set[str] = set()
    for alert in due_alerts(engine, when, config.portfolio):
        transport = via[alert.channel]
        server = transport.server(alert)
        if stopping() or time.monotonic() >= end or server in down:
            report.deferred += 1
            continue
        if not claim(engine, alert, when, when + backoff(settings, alert.attempts + 1)):
            report.skipped += 1
            continue
        budget = min(settings.send_timeout_seconds, max(end - time.monotonic(), 0.001))
        got = transport.send(alert, Deadline(budget))
        if got.outcome in (Outcome.DELIVERED, Outcome.WRITTEN):
            finish(engine, alert, when, ok=True, note=got.note, give_up=False,
                   written=got.outcome is Outcome.WRITTEN)
            if got.outcome is Outcome.WRITTEN:
                report.written += 1
            else:
                report.delivered += 1
            continue
        if got.outcome is Outcome.RETRY:
            down.add(server)
        give_up = got.outcome is Outcome.FAILED or alert.attempts + 1 >= settings.max_attempts
        finish(engine, alert, when, ok=False, note=got.note, give_up=give_up)
        report.errors.append((alert.id or 0, got.note or ""))
        if give_up:
            report.failed += 1
        else:
            report.retrying += 1
    return report
