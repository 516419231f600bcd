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
    styles = {"pending": "yellow", "written": "cyan", "delivered": "green", "failed": "bold red"}
    table = Table(title=t("alert.title", lang))
    # ids, weeks and times never wrap or shorten; names, addresses and texts wrap instead
    for key, fixed in (("col.id", True), ("alert.col.week", True), ("col.unit", False),
                       ("alert.col.channel", True), ("alert.col.address", False), ("col.status", False),
                       ("alert.col.next", True), ("alert.col.subject", False)):
        table.add_column(t(key, lang), no_wrap=fixed, overflow="fold", min_width=4 if not fixed else None)
    for a in items:
        nxt = a.next_attempt_at.astimezone(zone).strftime("%m-%d %H:%M") if a.next_attempt_at else ""
        status = t(f"alert.status.{a.status}", lang)
        if a.attempts:
            status += t("alert.col.attempts.value", lang, n=a.attempts)
        if a.last_error and a.status in ("pending", "failed"):
            status += f"\n{a.last_error}"
        table.add_row(str(a.id), a.week, a.unit, t(f"alert.channel.{a.channel}", lang), a.address or "—",
                      status, nxt, a.subject, style=styles.get(a.status))
    return table
