"""Group-robot alerts (DingTalk / WeCom): the alert as robot JSON POSTed to the unit's webhook,
within the platform's size limit (a longer digest is summarised: its first items, then how many
more, ending with where the full digest is: delivery/loop.py digest_at), DingTalk requests signed
(加签) when the unit has a secret, and the unit's mobiles @-mentioned; sent within a wall-clock
deadline, redirects never followed (a 3xx is a failure: following a 302 as a bodiless GET once
marked alerts delivered that nobody received), each post carrying the alert's idempotency key
(header and last line)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from scheduler.core.alerts import Alert
from scheduler.delivery.abc import PermanentDeliveryError, alert_key
from scheduler.delivery.deadline import Deadline
from scheduler.strings import t

WEBHOOK_TIMEOUT = 20.0
WECOM_LIMIT = 2048
"""WeCom group robot: text.content at most 2,048 bytes of UTF-8 (its documented limit)."""
DINGTALK_LIMIT = 20000
"""DingTalk custom robot: the whole request body within 20,000 bytes. No DingTalk documentation page
stating it was found; the figure is DingTalk's own refusal as users quote it ("message too long,
exceed 20000 bytes", errcode 460101; "body 大小不合法 … 请保持大小在 20000bytes 以内"): see
docs/delivery.md. So the text is measured as it is sent, JSON-escaped, with the rest of the body."""


def platform(url: str) -> str:
    """'dingtalk', 'wecom' or 'other' (treated with WeCom's limit, the smaller) from the host."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host.endswith("dingtalk.com"):
        return "dingtalk"
    if host.endswith("weixin.qq.com"):
        return "wecom"
    return "other"


def limit_of(url: str) -> int:
    """The byte limit of a robot text message on the URL's platform."""
    return DINGTALK_LIMIT if platform(url) == "dingtalk" else WECOM_LIMIT


def utf8_size(text: str) -> int:
    """Bytes of `text` in UTF-8 (WeCom measures text.content so)."""
    return len(text.encode("utf-8"))


def json_size(text: str) -> int:
    """Bytes of `text` inside the JSON body as sent (UTF-8, line breaks and quotes escaped)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def fit_text(text: str, limit: int, *, where: str = "", lang: str = "zh",
             size: Callable[[str], int] = utf8_size) -> str:
    """`text` within `limit` bytes (as `size` counts them): whole lines from the start, then one
    line saying how many numbered items were left out, ending with where the full digest is."""
    if size(text) <= limit:
        return text
    lines = text.split("\n")
    for k in range(len(lines), 0, -1):
        left = sum(1 for x in lines[k:] if x[:1].isdigit())
        tail = t("digest.more", lang, n=left, where=where or t("digest.at.office", lang))
        out = "\n".join([*lines[:k], tail])
        if size(out) <= limit:
            return out
    raw = text.encode("utf-8")[: max(limit - 3, 0)]
    return raw.decode("utf-8", errors="ignore") + "…"


def webhook_payload(alert: Alert, *, where: str = "", lang: str = "zh") -> dict[str, Any]:
    """The DingTalk / WeCom group-robot text message of the alert, within the platform's limit
    (WeCom: text.content; DingTalk: the whole body), @-mentioning the alert's mobiles; a digest too
    long for it is summarised, its last line saying where the full digest is (`where`)."""
    mobiles = list(alert.mobiles)
    mention = ("\n" + " ".join(f"@{m}" for m in mobiles)) if mobiles else ""
    key = f"\n\n[{alert_key(alert)}]" if alert.id is not None else ""  # the idempotency key, last
    doc: dict[str, Any] = {"msgtype": "text", "text": {"content": ""}}
    if mobiles:
        if platform(alert.address) == "wecom":
            doc["text"]["mentioned_mobile_list"] = mobiles
        else:
            doc["at"] = {"atMobiles": mobiles, "isAtAll": False}
    if platform(alert.address) == "dingtalk":
        size = json_size
        limit = DINGTALK_LIMIT - utf8_size(json.dumps(doc, ensure_ascii=False))  # the body around the text
    else:
        size, limit = utf8_size, limit_of(alert.address)
    limit -= size(mention) + size(key)
    doc["text"]["content"] = fit_text(f"{alert.subject}\n\n{alert.body}".rstrip(), limit, where=where, lang=lang,
                                      size=size) + key + mention
    return doc


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")), URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    """The webhook URL with &timestamp=…&sign=… when the robot has a 加签 secret (DingTalk)."""
    if not secret:
        return url
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx answer is an HTTPError, never followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _handlers(deadline: Deadline) -> list[urllib.request.BaseHandler]:
    """HTTP(S) handlers whose connections are opened and watched by `deadline` (proxies from the
    environment still apply: urllib's ProxyHandler stays)."""

    def watched(cls: type[http.client.HTTPConnection]) -> Any:
        def make(host: str, **kw: Any) -> http.client.HTTPConnection:
            kw["timeout"] = deadline.left()
            conn = cls(host, **kw)
            conn._create_connection = deadline.connect  # type: ignore[attr-defined]
            return conn
        return make

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(watched(http.client.HTTPConnection), req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(watched(http.client.HTTPSConnection), req,
                                context=self._context)  # type: ignore[attr-defined]

    return [_NoRedirect(), Http(), Https()]


def post_webhook(alert: Alert, deadline: Deadline | None = None, *, where: str = "", lang: str = "zh") -> None:
    """POST the alert as robot JSON to its webhook URL (signed when the alert carries a secret)
    within `deadline`; delivered on 2xx (and errcode 0 when the robot answers with one, as
    DingTalk and WeCom do); raises otherwise (a 3xx included)."""
    url = alert.address
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise PermanentDeliveryError(f"webhook {url!r} is not an http(s) URL")
    data = json.dumps(webhook_payload(alert, where=where, lang=lang), ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if alert.id is not None:
        headers["Idempotency-Key"] = alert_key(alert)
    req = urllib.request.Request(signed_url(url, alert.secret), data=data, method="POST", headers=headers)
    with deadline or Deadline(WEBHOOK_TIMEOUT) as d:
        opener = urllib.request.build_opener(*_handlers(d))
        try:
            with opener.open(req, timeout=d.left()) as resp:
                status = resp.status
                answer = resp.read(65536)
        except urllib.error.HTTPError as e:
            e.close()
            if 300 <= e.code < 400:
                raise RuntimeError(f"HTTP {e.code}: redirects are not followed (give the robot's own URL)") from None
            raise RuntimeError(f"HTTP {e.code}") from None
    if not 200 <= status < 300:
        raise RuntimeError(f"HTTP {status}")
    try:
        doc = json.loads(answer or b"null")
    except ValueError:
        return
    if isinstance(doc, dict) and doc.get("errcode") not in (None, 0):
        raise RuntimeError(f"robot errcode {doc.get('errcode')}: {doc.get('errmsg')}")
