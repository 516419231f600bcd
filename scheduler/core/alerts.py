"""Alert: one message to one address about one finding of one week, and its delivery state; and
which findings alert their unit. Pure values: the queue is store/alerts.py, the transports and the
delivery loop delivery/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scheduler.core.findings import Finding, FindingKind, Light

CHANNELS = ("email", "webhook")
STATUSES = ("pending", "delivered", "failed")


@dataclass(frozen=True, slots=True)
class Alert:
    """One message to one address about one finding of one week, and its delivery state."""

    week: str
    finding_key: str
    unit: str
    channel: str
    address: str
    subject: str
    body: str
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    created_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    run_id: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"alert channel {self.channel!r} is not one of {CHANNELS}")
        if self.status not in STATUSES:
            raise ValueError(f"alert status {self.status!r} is not one of {STATUSES}")


def should_alert(finding: Finding, week: str) -> bool:
    """A red finding first seen this week, or an escalation (提请县政府专题研究), alerts its unit."""
    if finding.kind is FindingKind.ESCALATION:
        return True
    return finding.light is Light.RED and finding.first_seen in (None, week)
