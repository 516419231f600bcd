"""E-mail alerts over SMTP: a UTF-8 MIME message per alert."""

from __future__ import annotations

import json
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
    if alert.attachment:
        msg.add_attachment(rows_xlsx(json.loads(alert.attachment)), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=attachment_name(alert))
    return msg


def attachment_name(alert: Alert) -> str:
    """File name of the digest's attachment: the unit's part of the week's problem list."""
    return f"问题清单_{alert.unit}_{alert.week}.xlsx"


def rows_xlsx(rows: list[list[str]]) -> bytes:
    """A one-sheet workbook of the rows (the first is the heading, bold, frozen, filtered)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题清单"
    for r in rows:
        ws.append(r)
    for c in ws[1]:
        c.font = Font(bold=True)
    for col, width in zip("ABCDEFGHI", (6, 24, 24, 6, 12, 60, 8, 8, 40), strict=False):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def send_email(alert: Alert, settings: AlertSettings) -> None:
    """Send one email alert through settings.smtp_host:smtp_port; raises on any failure."""
    if not alert.address:
        raise PermanentDeliveryError(NO_CONTACT.format(unit=alert.unit))
    msg = build_email(alert, settings)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
        refused = smtp.send_message(msg, from_addr=settings.sender, to_addrs=[alert.address])
    if refused:
        raise RuntimeError(f"recipient refused: {refused}")
