"""E-mail alerts over SMTP: a UTF-8 MIME message per alert, sent within a wall-clock deadline."""

from __future__ import annotations

import json
import smtplib
import socket
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid

from scheduler.core.alerts import Alert
from scheduler.core.text import file_stem, one_line
from scheduler.delivery.abc import PermanentDeliveryError, alert_key
from scheduler.delivery.deadline import Deadline
from scheduler.io.config import AlertSettings
from scheduler.store.alerts import utc
from scheduler.store.db import utcnow

NO_CONTACT = "no contact configured for unit {unit}"


def build_email(alert: Alert, settings: AlertSettings) -> EmailMessage:
    """The alert as a UTF-8 MIME message (RFC 2047 Chinese subject, base64 body). Its Message-ID
    is the alert's idempotency key (the same on every attempt: a receiver can drop a repeat);
    the subject is made one line (a CR/LF in a name can never break the header)."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = settings.sender
    msg["To"] = one_line(alert.address)
    msg["Subject"] = one_line(alert.subject)
    msg["Date"] = format_datetime(utc(alert.created_at or utcnow()))
    domain = settings.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = (f"<{alert_key(alert)}@{domain}>" if alert.id is not None
                         else make_msgid("dispatch-alert", domain))
    msg.set_content(alert.body, charset="utf-8", cte="base64")
    if alert.attachment:
        msg.add_attachment(rows_xlsx(json.loads(alert.attachment)), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=attachment_name(alert))
    return msg


def attachment_name(alert: Alert) -> str:
    """File name of the digest's attachment: the unit's part of the week's problem list."""
    return f"问题清单_{file_stem(alert.unit)}_{alert.week}.xlsx"


def rows_xlsx(rows: list[list[str]]) -> bytes:
    """A one-sheet workbook of the rows (the first is the heading, bold, frozen, filtered)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from scheduler.io.xlsx import put

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题清单"
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r, start=1):
            put(ws, i, j, v)  # text is text: a 堵点 typed as "=..." never becomes a formula
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


class _SMTP(smtplib.SMTP):
    """smtplib.SMTP whose socket is opened and watched by a Deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline
        super().__init__(timeout=deadline.left())

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self._deadline.connect((host, port), timeout, self.source_address)


def send_email(alert: Alert, settings: AlertSettings, deadline: Deadline | None = None) -> None:
    """Send one email alert through settings.smtp_host:smtp_port within `deadline` (default: the
    configured send_timeout_seconds); raises on any failure."""
    if not alert.address:
        raise PermanentDeliveryError(NO_CONTACT.format(unit=alert.unit))
    msg = build_email(alert, settings)
    with deadline or Deadline(settings.send_timeout_seconds) as d:
        smtp = _SMTP(d)
        try:
            smtp.connect(settings.smtp_host, settings.smtp_port)
            refused = smtp.send_message(msg, from_addr=settings.sender, to_addrs=[msg["To"]])
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the message was accepted (250 after DATA); a lost goodbye changes nothing
        except smtplib.SMTPRecipientsRefused as e:
            raise PermanentDeliveryError(f"recipient refused: {e.recipients}") from None
        finally:
            try:
                smtp.close()
            except OSError:
                pass
    if refused:
        raise PermanentDeliveryError(f"recipient refused: {refused}")
