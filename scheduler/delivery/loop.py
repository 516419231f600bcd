"""The delivery loop: every due pending alert of the queue is claimed, handed to the transport of
its channel (SMTP, webhook, or the outbox folder when `deliver = false`), and its outcome recorded
in a short transaction of its own; failures wait with backoff, and are never raised."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine

from scheduler.core.alerts import Alert
from scheduler.delivery.abc import Attempt, Outcome, PermanentDeliveryError, Transport
from scheduler.delivery.outbox import OUTBOX_NOTE, write_outbox
from scheduler.delivery.smtp import send_email
from scheduler.delivery.webhook import post_webhook
from scheduler.io.config import AlertSettings, Config
from scheduler.store.alerts import claim, due_alerts, finish, utc
from scheduler.store.db import utcnow
from scheduler.strings import t

MAX_ERROR_CHARS = 500

Sender = Callable[[Alert], str | None]
"""Sends one alert; returns an optional note (kept as last_error), raises on failure."""


@dataclass(slots=True)
class DeliveryReport:
    """What one `deliver_pending` call did, counted per outcome."""

    delivered: int = 0          # sent (SMTP accepted / webhook 2xx)
    written: int = 0            # written to the outbox folder (deliver = false)
    retrying: int = 0           # attempt failed, stays pending until next_attempt_at
    failed: int = 0             # gave up (max_attempts reached or permanent error): status failed
    skipped: int = 0            # another process claimed it first
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Alerts this call tried to send or write."""
        return self.delivered + self.written + self.retrying + self.failed

    def summary(self, lang: str = "zh") -> str:
        """One line for the log and the CLI."""
        return t("alert.report", lang, delivered=self.delivered, written=self.written,
                 retrying=self.retrying, failed=self.failed, skipped=self.skipped)


def backoff(settings: AlertSettings, attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failed attempt: backoff_seconds * 2**(attempts-1)."""
    return dt.timedelta(seconds=settings.backoff_seconds * 2 ** max(attempts - 1, 0))


def _error_text(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}" if not isinstance(e, PermanentDeliveryError) else str(e)
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class CallTransport:
    """A Transport over a function that sends one alert and raises on failure (PermanentDeliveryError
    when retrying cannot help); `written` = it only writes the outbox."""

    call: Sender
    written: bool = False

    def send(self, alert: Alert) -> Attempt:
        """Call it and turn what happened into an Attempt."""
        try:
            note = self.call(alert)
        except PermanentDeliveryError as e:
            return Attempt(Outcome.FAILED, _error_text(e))
        except Exception as e:
            return Attempt(Outcome.RETRY, _error_text(e))
        return Attempt(Outcome.WRITTEN if self.written or note == OUTBOX_NOTE else Outcome.DELIVERED, note)


def transports(config: Config, outbox: Path | None = None) -> dict[str, Transport]:
    """The transport of each channel: SMTP and webhook, or the outbox folder when deliver = false."""
    settings = config.alerts
    lang, link = config.language, settings.link

    def robot(a: Alert) -> Alert:  # the unit's 加签 secret and @mobiles come from config, not the queue
        unit = config.unit(a.unit)
        return replace(a, secret=unit.secret, mobiles=unit.mobiles)

    if not settings.deliver:
        folder = outbox or (config.outbox_dir / "alerts")
        out = CallTransport(lambda a: write_outbox(robot(a), folder, settings, link=link, lang=lang), written=True)
        return {"email": out, "webhook": out}
    return {"email": CallTransport(lambda a: send_email(a, settings)),
            "webhook": CallTransport(lambda a: post_webhook(robot(a), link=link, lang=lang))}


def deliver_pending(engine: Engine, config: Config, *, now: dt.datetime | None = None,
                    outbox: Path | None = None, sender: Sender | None = None,
                    via: dict[str, Transport] | None = None) -> DeliveryReport:
    """Send (or, with alerts.deliver = false, write to the outbox) every due pending alert, one
    short transaction per step; failures are recorded with backoff, never raised. Raises
    StorageError only when the database itself fails. `sender` or `via` replace the transports."""
    when = utc(now or utcnow())
    settings = config.alerts
    if via is None:
        via = transports(config, outbox) if sender is None else dict.fromkeys(("email", "webhook"),
                                                                              CallTransport(sender))
    report = DeliveryReport()
    for alert in due_alerts(engine, when, config.portfolio):
        if not claim(engine, alert, when, when + backoff(settings, alert.attempts + 1)):
            report.skipped += 1
            continue
        got = via[alert.channel].send(alert)
        if got.outcome in (Outcome.DELIVERED, Outcome.WRITTEN):
            finish(engine, alert, when, ok=True, note=got.note, give_up=False,
                   written=got.outcome is Outcome.WRITTEN)
            if got.outcome is Outcome.WRITTEN:
                report.written += 1
            else:
                report.delivered += 1
            continue
        give_up = got.outcome is Outcome.FAILED or alert.attempts + 1 >= settings.max_attempts
        finish(engine, alert, when, ok=False, note=got.note, give_up=give_up)
        report.errors.append((alert.id or 0, got.note or ""))
        if give_up:
            report.failed += 1
        else:
            report.retrying += 1
    return report
