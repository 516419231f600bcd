"""Terminal output (rich) for the CLI: `console()`, the one way to print to the terminal, and the
listings' tables.

User text (names, 堵点, ids, file paths) is never console markup: `[/附件]` or `:warning:` in a
name is printed as typed. So the console has markup, emoji and highlighting off, and styling is
given as `style=` arguments, never as `[bold]...[/bold]` inside a string. (ruff's banned-api rule
keeps `rich.console.Console` out of every other module.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scheduler.core.alerts import Alert
from scheduler.strings import t

if TYPE_CHECKING:
    from rich.console import Console  # noqa: TID251 (the one place)
    from rich.table import Table


def console(**kw: Any) -> Console:
    """A rich console on which no text is read as markup or emoji code (user text stays text)."""
    from rich.console import Console  # noqa: TID251 (the one place)

    return Console(markup=False, emoji=False, highlight=False, **kw)


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
