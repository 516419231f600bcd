"""E-mail alerts over SMTP: a UTF-8 MIME message per alert."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid

from scheduler.core.alerts import Alert
from scheduler.delivery.abc import PermanentDeliveryError
from scheduler.io.config import AlertSettings
from scheduler.store.alerts import utc
from scheduler.store.db import utcnow

SMTP_TIMEOUT = 20.0
NO_CONTACT = "no contact configured for unit {unit}"


def build_email(alert: Alert, settings: AlertSettings) -> EmailMessage:
    """The alert as a UTF-8 MIME message (RFC 2047 Chinese subject, base64 body)."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = settings.sender
    msg["To"] = alert.address
    msg["Subject"] = alert.subject
    msg["Date"] = format_datetime(utc(alert.created_at or utcnow()))
    domain = settings.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = (f"<dispatch-alert-{alert.id}-{alert.week}@{domain}>" if alert.id is not None
                         else make_msgid("dispatch-alert", domain))
    msg.set_content(alert.body, charset="utf-8", cte="base64")
    return msg


def send_email(alert: Alert, settings: AlertSettings) -> None:
    """Send one email alert through settings.smtp_host:smtp_port; raises on any failure."""
    if not alert.address:
        raise PermanentDeliveryError(NO_CONTACT.format(unit=alert.unit))
    msg = build_email(alert, settings)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
        refused = smtp.send_message(msg, from_addr=settings.sender, to_addrs=[alert.address])
    if refused:
        raise RuntimeError(f"recipient refused: {refused}")
