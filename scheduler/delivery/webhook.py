"""Group-robot alerts (DingTalk / WeCom): the alert as robot JSON POSTed to the unit's webhook."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from scheduler.core.alerts import Alert
from scheduler.delivery.abc import PermanentDeliveryError

WEBHOOK_TIMEOUT = 20.0


def webhook_payload(alert: Alert) -> dict[str, Any]:
    """The DingTalk / WeCom group-robot text message of the alert."""
    return {"msgtype": "text", "text": {"content": f"{alert.subject}\n\n{alert.body}".rstrip()}}


def post_webhook(alert: Alert) -> None:
    """POST the alert as robot JSON to its webhook URL; delivered on 2xx (and errcode 0 when the
    robot answers with one, as DingTalk and WeCom do); raises otherwise."""
    url = alert.address
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise PermanentDeliveryError(f"webhook {url!r} is not an http(s) URL")
    data = json.dumps(webhook_payload(alert), ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(req, timeout=WEBHOOK_TIMEOUT) as resp:
        status = resp.status
        answer = resp.read(65536)
    if not 200 <= status < 300:
        raise RuntimeError(f"HTTP {status}")
    try:
        doc = json.loads(answer or b"null")
    except ValueError:
        return
    if isinstance(doc, dict) and doc.get("errcode") not in (None, 0):
        raise RuntimeError(f"robot errcode {doc.get('errcode')}: {doc.get('errmsg')}")
