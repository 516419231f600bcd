"""Alert: one message to one address of one week (a unit's digest, an escalation copy, a report
notice), and its delivery state. Pure values: the queue is store/alerts.py, the transports and the
delivery loop delivery/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CHANNELS = ("email", "webhook")
STATUSES = ("pending", "written", "delivered", "failed")
"""written = written to the outbox folder only (alerts.deliver = false), not delivered to anyone."""
DIGEST = "digest"
"""The finding_key of a unit's weekly digest is `digest_key(unit)`: one message per unit, channel and
address per week (two units sharing a robot, or two without any address, each keep theirs)."""
COPY = "escalation-copy"
"""The finding_key of the copy of the week's escalated problems to a county leader or the 督查室 is
`copy_key(recipient)`."""


def digest_key(unit: str) -> str:
    """The queue key of `unit`'s weekly digest: 'digest/UNIT' (the queue's unique key holds no unit)."""
    return f"{DIGEST}/{unit}"


def copy_key(recipient: str) -> str:
    """The queue key of the escalation copy to a leader or the 督查室: 'escalation-copy/NAME'."""
    return f"{COPY}/{recipient}"


@dataclass(frozen=True, slots=True)
class Alert:
    """One message to one address of one week, and its delivery state."""

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
    attachment: str | None = None
    """JSON rows of the unit's part of the problem list (the e-mail attaches them as .xlsx)."""
    mobiles: tuple[str, ...] = ()
    """Mobile numbers a robot message @-mentions (from the unit's config, not stored)."""
    secret: str | None = None
    """The DingTalk 加签 secret of the unit's robot (from config at send time, not stored)."""

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"alert channel {self.channel!r} is not one of {CHANNELS}")
        if self.status not in STATUSES:
            raise ValueError(f"alert status {self.status!r} is not one of {STATUSES}")


@dataclass(frozen=True, slots=True)
class Names:
    """Display names of projects, milestones and factors, by id (ids shown when unknown)."""

    projects: dict[str, str] = field(default_factory=dict)
    milestones: dict[tuple[str, str], str] = field(default_factory=dict)
    factors: dict[tuple[str, str], str] = field(default_factory=dict)
