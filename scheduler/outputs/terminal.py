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
from scheduler.core.dates import week_text
from scheduler.core.text import break_lines, unbreakable
from scheduler.strings import t

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult  # noqa: TID251 (the one place)
    from rich.measure import Measurement
    from rich.table import Table


def console(**kw: Any) -> Console:
    """A rich console on which no text is read as markup or emoji code (user text stays text)."""
    from rich.console import Console  # noqa: TID251 (the one place)

    return Console(markup=False, emoji=False, highlight=False, **kw)


class Wrapped:
    """A table cell's text that wraps the way the printout's does (`break_lines`): between two CJK
    characters or at a space, never inside a date, a number or an id. rich breaks at spaces only
    and folds a Chinese sentence anywhere ("2026-10 / -13", "已滞后4 / 1天") at 80 columns."""

    def __init__(self, text: str, *, tight: bool = False) -> None:
        self.text = text
        self.tight = tight
        """As narrow as its widest unbreakable run: the heading of a column of ids, dates or numbers
        wraps rather than widen the column."""

    def _lines(self, width: int) -> list[str]:
        from rich.cells import cell_len

        return break_lines(self.text, max(width, 1), cell_len)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        """Narrowest: its widest unbreakable run (a date, an id); widest: its longest line."""
        from rich.cells import cell_len
        from rich.measure import Measurement

        most = max((cell_len(x) for x in self.text.split("\n")), default=0)
        least = max((cell_len(x) for x in unbreakable(self.text)), default=0)
        return Measurement(min(least, options.max_width), min(least if self.tight else most, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        for line in self._lines(options.max_width):
            yield Text(line, no_wrap=True, overflow="fold")


def _extent(cell: Any) -> tuple[int, int]:
    """(narrowest, widest) columns a listing's cell can take: a plain string never wraps."""
    from rich.cells import cell_len

    if isinstance(cell, Wrapped):
        least = max((cell_len(x) for x in unbreakable(cell.text)), default=0)
        return least, least if cell.tight else max((cell_len(x) for x in cell.text.split("\n")), default=0)
    most = max((cell_len(x) for x in str(cell).split("\n")), default=0)
    return most, most


FLOOR = 8
"""Columns a wrapped column gets before the widest take the rest (4 Chinese characters a line)."""
HEADING = 4
"""A fixed column (ids, dates, numbers) is at least this wide for its heading, which wraps."""


def fit_widths(fixed: Sequence[int], least: Sequence[int], most: Sequence[int], room: int) -> list[int]:
    """Column widths for `room` columns of text: a fixed column as wide as its widest cell, the
    others at least their widest unbreakable run (a date is never cut), the room left shared in
    proportion to what each would still take. rich shares it by narrowing the widest column first,
    which left the problem text 6 columns wide and split its dates."""
    out = [f if f >= 0 else lo for f, lo in zip(fixed, least, strict=True)]
    flex = [i for i, f in enumerate(fixed) if f < 0]
    while sum(out) > room and any(out[i] > 2 for i in flex):  # too narrow: a long word folds, a date never
        widest = max(flex, key=lambda i: out[i])
        out[widest] -= 1
    for floor in (FLOOR, None):  # first every wrapped column up to 4 Chinese characters a line, then the rest
        spare = room - sum(out)
        want = {i: max(min(most[i], floor or most[i]) - out[i], 0) for i in flex}
        total = sum(want.values())
        if spare <= 0 or not total:
            continue
        for i in flex:
            out[i] += want[i] if spare >= total else spare * want[i] // total
    return out


def listing(title: str, headers: Sequence[str], fixed: Sequence[bool], *, lines: bool = False) -> Table:
    """A listing readable at 80 columns: no vertical rules, one space between columns; the columns
    marked `fixed` (ids, dates, numbers) never wrap or shorten, the others and every heading wrap
    between characters (give their cells as `Wrapped`), never inside a date, number or id."""
    from rich import box
    from rich.table import Table

    class Listing(Table):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            cols = [[c.header, *c.cells] for c in self.columns]
            ext = [[_extent(x) for x in col] for col in cols]
            room = options.max_width - len(self.columns) + 1
            heads = [_extent(Wrapped(c.header.text if isinstance(c.header, Wrapped) else str(c.header)))
                     for c in self.columns]
            for cap in (HEADING, 2):  # a heading widens its column to 4 when there is room, else to 2
                for es, (narrow, wide) in zip(ext, heads, strict=True):
                    es[0] = (min(narrow, cap), min(wide, cap))
                least = [max(e[0] for e in es) for es in ext]
                fixed = [max(e[1] for e in es) if c.no_wrap else -1 for c, es in zip(self.columns, ext, strict=True)]
                if sum(f if f >= 0 else lo for f, lo in zip(fixed, least, strict=True)) <= room:
                    break
            widths = fit_widths(fixed, least, [max(e[1] for e in es) for es in ext], room)
            for c, w in zip(self.columns, widths, strict=True):
                c.width = max(w, 1)
            yield from super().__rich_console__(console, options)

    table = Listing(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0, show_lines=lines)
    for head, keep in zip(headers, fixed, strict=True):
        table.add_column(Wrapped(head, tight=keep), no_wrap=keep)
    return table


def alerts_table(items: Sequence[Alert], lang: str = "zh", timezone: str = "Asia/Shanghai") -> Table:
    """A rich table of alerts for `dispatch alerts` (times in the configured timezone)."""
    from zoneinfo import ZoneInfo


    zone = ZoneInfo(timezone)
    styles = {"pending": "yellow", "written": "cyan", "delivered": "green", "failed": "bold red"}
    # ids, weeks and times never wrap or shorten; names, addresses and texts wrap between characters
    keys = ("col.id", "alert.col.week", "col.unit", "alert.col.channel", "alert.col.address", "col.status",
            "alert.col.next", "alert.col.subject")
    table = listing(t("alert.title", lang), [t(k, lang) for k in keys],
                    [k in ("col.id", "alert.col.week", "alert.col.next") for k in keys])
    for a in items:
        nxt = a.next_attempt_at.astimezone(zone).strftime("%m-%d %H:%M") if a.next_attempt_at else ""
        status = t(f"alert.status.{a.status}", lang)
        if a.attempts:
            status += t("alert.col.attempts.value", lang, n=a.attempts)
        if a.last_error and a.status in ("pending", "failed"):
            status += f"\n{a.last_error}"
        table.add_row(str(a.id), week_text(a.week, lang, dates=False), Wrapped(a.unit),
                      Wrapped(t(f"alert.channel.{a.channel}", lang)),
                      Wrapped(a.address or "—"), Wrapped(status), nxt, Wrapped(a.subject), style=styles.get(a.status))
    return table
