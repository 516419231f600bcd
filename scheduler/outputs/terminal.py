"""Terminal tables (rich) for the CLI's listings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scheduler.core.alerts import Alert
from scheduler.strings import t

if TYPE_CHECKING:
    from rich.table import Table


def alerts_table(items: Sequence[Alert], lang: str = "zh", timezone: str = "Asia/Shanghai") -> Table:
    """A rich table of alerts for `dispatch alerts` (times in the configured timezone)."""
    from zoneinfo import ZoneInfo

    from rich.table import Table

    zone = ZoneInfo(timezone)
    styles = {"pending": "yellow", "delivered": "green", "failed": "bold red"}
    table = Table(title=t("alert.title", lang))
    for key in ("col.id", "alert.col.week", "col.unit", "alert.col.channel", "alert.col.address",
                "col.status", "alert.col.attempts", "alert.col.next", "alert.col.error", "alert.col.subject"):
        table.add_column(t(key, lang))
    for a in items:
        nxt = a.next_attempt_at.astimezone(zone).strftime("%m-%d %H:%M") if a.next_attempt_at else ""
        table.add_row(str(a.id), a.week, a.unit, t(f"alert.channel.{a.channel}", lang), a.address or "—",
                      t(f"alert.status.{a.status}", lang), str(a.attempts), nxt, a.last_error or "",
                      a.subject, style=styles.get(a.status))
    return table
