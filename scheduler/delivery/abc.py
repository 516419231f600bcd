"""The interfaces of delivery: a Transport sends one alert and says how it went (an Outcome),
never raising for a failure of the other side."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from scheduler.core.alerts import Alert
from scheduler.delivery.deadline import Deadline


class Outcome(enum.Enum):
    """How one attempt went."""

    DELIVERED = "delivered"      # the server took it (SMTP 250 / webhook 2xx and errcode 0)
    WRITTEN = "written"          # written to the outbox folder only (alerts.deliver = false)
    RETRY = "retry"              # a failure that may pass (server down, timeout, 5xx): try again later
    FAILED = "failed"            # a failure retrying cannot fix (no address, unusable URL): give up


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one attempt and what to record about it (error text or note)."""

    outcome: Outcome
    note: str | None = None


class Transport(Protocol):
    """Sends alerts of one channel."""

    def send(self, alert: Alert, deadline: Deadline) -> Attempt:
        """Try to deliver one alert within `deadline` (not yet entered); report the outcome (never
        raise for the other side's failure)."""
        ...

    def server(self, alert: Alert) -> str:
        """The server this alert goes to (after one failure in a pass, its other alerts wait)."""
        ...


class PermanentDeliveryError(Exception):
    """Raised inside a transport for a failure retrying cannot fix: the attempt is FAILED at once."""


def alert_key(alert: Alert) -> str:
    """The alert's idempotency key: the same on every attempt of the same alert (the Message-ID
    of its e-mail, the `Idempotency-Key` header and last line of its webhook post), so a receiver
    that got it twice can keep one."""
    return f"dispatch-alert-{alert.id}-{alert.week}"
