"""The outbox transport: each alert written as the message it would send (an .eml, or the
webhook's URL and JSON), for the demo and for `deliver = false`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from scheduler.core.alerts import Alert
from scheduler.delivery.abc import PermanentDeliveryError
from scheduler.delivery.smtp import NO_CONTACT, build_email
from scheduler.delivery.webhook import webhook_payload
from scheduler.io.config import AlertSettings

OUTBOX_NOTE = "written to outbox"


def outbox_path(alert: Alert, folder: Path) -> Path:
    """Where the outbox keeps an alert: WEEK-ID-CHANNEL.eml or .json."""
    ext = "eml" if alert.channel == "email" else "json"
    return folder / f"{alert.week}-{alert.id or 0:06d}-{alert.channel}.{ext}"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_outbox(alert: Alert, folder: Path, settings: AlertSettings, *, where: str = "", lang: str = "zh") -> str:
    """Write the alert as the message it would send (an .eml, or the webhook's URL and JSON)."""
    if not alert.address:
        raise PermanentDeliveryError(NO_CONTACT.format(unit=alert.unit))
    path = outbox_path(alert, folder)
    if alert.channel == "email":
        data = build_email(alert, settings).as_bytes()
    else:
        doc = {"url": alert.address, "alert_id": alert.id, "week": alert.week,
               "finding_key": alert.finding_key, "unit": alert.unit, "signed": bool(alert.secret),
               "payload": webhook_payload(alert, where=where, lang=lang)}
        data = (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    _write_atomic(path, data)
    return OUTBOX_NOTE
