"""What the weekly check produces: Findings with a light, and the WeeklyReport of one run.

Plain validated value types shared by the check (core), storage, printout, sheets and alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Light(StrEnum):
    """Traffic light of a finding or a project (红/黄/绿灯)."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def rank(self) -> int:
        """0 green, 1 yellow, 2 red: for taking the worst of several."""
        return _RANK[self]


_RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}


class FindingKind(StrEnum):
    """What a finding is about; stable strings, stored and shown."""

    FINISH_OVERDUE = "finish-overdue"        # baseline finish passed, not done
    START_OVERDUE = "start-overdue"          # baseline start passed, not started
    SLIP = "slip"                            # forecast finish later than baseline
    DEADLINE = "deadline"                    # negative float against start_by / finish_by
    FACTOR = "factor"                        # approval not granted in time (要素保障)
    INVESTMENT = "investment"                # investment behind the 序时 plan
    PHYSICAL = "physical"                    # physical progress behind the 序时 plan
    PAYMENT = "payment"                      # fund payment (三类资金支付) behind the 序时 plan
    STATISTICS = "statistics"                # commenced, not yet 入库纳统
    QUANTITY = "quantity"                    # physical quantities (实物量) behind the 序时 plan
    ESCALATION = "escalation"                # legacy: stored by runs before escalation moved to the problem list


def iso_week(d: dt.date) -> str:
    """ISO week label of a date, e.g. '2026-W48'."""
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def week_monday(week: str) -> dt.date:
    """The Monday of an ISO week label 'YYYY-Www'."""
    try:
        y, w = week.split("-W")
        return dt.date.fromisocalendar(int(y), int(w), 1)
    except (ValueError, AttributeError):
        raise ValueError(f"{week!r} is not an ISO week such as 2026-W48") from None


def worst(lights: Iterable[Light], default: Light = Light.GREEN) -> Light:
    """The worst of several lights (red over yellow over green; `default` with none): THE rule for
    a project's light from its problems (or findings) and a problem's from its symptoms."""
    out, top = default, _RANK[default]
    for li in lights:
        r = _RANK[li]
        if r > top:
            out, top = li, r
    return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the meeting must know: which project/milestone/factor, what, how bad, who — as
    data (kind, ids, numbers, dates in `details`); its sentence is written by the outputs
    (outputs/phrases.py) in the configured language.

    `key` is stable from week to week (kind + ids), so history can say new / persisting /
    resolved and count the weeks in red."""

    project: str
    kind: FindingKind
    light: Light
    unit: str
    milestone: str | None = None
    factor: str | None = None
    factor_kind: str | None = None
    days: int | None = None
    first_seen: str | None = None
    weeks_red: int = 0
    details: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, FindingKind):
            raise ValueError(f"finding kind {self.kind!r} is not a FindingKind")
        if not isinstance(self.light, Light):
            raise ValueError(f"finding light {self.light!r} is not a Light")
        if not self.project:
            raise ValueError("a finding needs its project")
        if self.weeks_red < 0:
            raise ValueError("weeks_red cannot be negative")

    @property
    def key(self) -> str:
        """Stable identity across weeks: kind and the ids it is about."""
        return finding_key(self.kind, self.project, self.milestone, self.factor)


def finding_key(kind: FindingKind, project: str, milestone: str | None, factor: str | None) -> str:
    """A finding's key: kind, project, milestone and factor joined by '/', empty ones left out
    (formatted directly: the weekly run asks for tens of thousands of keys several times)."""
    head = f"{kind.value}/{project}" if project else kind.value
    if milestone:
        head = f"{head}/{milestone}"
    return f"{head}/{factor}" if factor else head
