"""Gantt charts of a `GanttModel` with matplotlib (Agg, no pyplot state): grey baseline bars under
forecast bars coloured by light, the done part hatched, the critical path outlined in dark red,
diamonds for event nodes, deadline markers, the data date, a month grid and the calendar's
holiday breaks (Spring Festival, National Day …) shaded. PNG and SVG, Chinese labels."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib.dates as mdates
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scheduler.core.calendars import Calendar
from scheduler.core.findings import Light
from scheduler.core.text import clip, one_line
from scheduler.outputs.fonts import matplotlib_rc
from scheduler.outputs.view import GanttModel, GanttRow
from scheduler.strings import t

LIGHT_FACE = {Light.RED: "#e04b45", Light.YELLOW: "#f3c12b", Light.GREEN: "#53a653"}
LIGHT_EDGE = {Light.RED: "#8e1c18", Light.YELLOW: "#9a7400", Light.GREEN: "#2b6a2b"}
CRITICAL = "#9b0000"
BASELINE = "#9a9a9a"
DEADLINE = "#c00000"
DATA_DATE = "#1f4e9a"
HOLIDAY = "#d4d4d4"

ROW_IN = 0.34
"""Height of one row in inches (two lines of 8-point label fit)."""
LABEL_CHARS = 19
"""Characters per label line (CJK); longer names wrap onto a second line, then get an ellipsis."""
TITLE_CHARS = 90
"""A chart's title (the project's name) is cut with "…" beyond this: the image grows with it."""
TOP_STRIP = 0.55
"""Rows of blank space above the first bar (holiday names) and below the last (data-date label)."""


def holiday_spans(cal: Calendar, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, str]]:
    """Runs of 3+ consecutive non-working days of `cal` in [start, end) that hold a weekday (holiday
    breaks, not ordinary weekends), each as (first day, last day, name key or '')."""
    return list(_holiday_spans(cal, start, end))


@lru_cache(maxsize=64)
def _holiday_spans(cal: Calendar, start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date, str], ...]:
    off: list[dt.date] = []
    for year in range(max(start.year, cal.first.year), min(end.year, cal.last.year) + 1):
        off += [d for d in cal.off_days(year) if start <= d < end]
    runs: list[list[dt.date]] = []
    for d in sorted(off):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    out = []
    for run in runs:
        if len(run) < 3 or all(d.weekday() >= 5 for d in run):
            continue
        a, b = run[0], run[-1]
        name = ""
        cny = cal.lunar_new_year.get(a.year) or cal.lunar_new_year.get(b.year)
        if cny is not None and a <= cny <= b:
            name = "spring"
        elif any(d.month == 10 and d.day == 1 for d in run):
            name = "national"
        elif any(d.month == 5 and d.day == 1 for d in run):
            name = "labour"
        out.append((a, b, name))
    return tuple(out)


def _cut(text: str, width: int) -> int:
    """Where to break `text` within `width` characters: after a CJK character or at a space, never
    inside a run of digits/latin ("14公里", "K0+000"); 0 when no such place exists."""
    for i in range(min(width, len(text) - 1), 0, -1):
        if not (_word(text[i - 1]) and _word(text[i])):
            return i
    return 0


def _word(c: str) -> bool:
    return c.isascii() and c != " "


def _shorten(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut at a break place (see _cut) with an ellipsis."""
    if len(text) <= width:
        return text
    at = _cut(text, width - 1) or width - 1
    return text[:at].rstrip() + "…"


def _wrap(label: str) -> str:
    """One line when it nearly fits, else two lines of at most LABEL_CHARS characters broken at a CJK
    character or a space (never inside "14公里" or "K0+000"), the rest cut with an ellipsis (the
    printout's table carries the full name)."""
    if len(label) <= LABEL_CHARS + 3:
        return label
    at = _cut(label, LABEL_CHARS)
    if at == 0:
        return _shorten(label, LABEL_CHARS)
    first, rest = label[:at].rstrip(), label[at:].lstrip()
    return f"{first}\n{_shorten(rest, LABEL_CHARS)}"


def _x(d: dt.date) -> float:
    return float(mdates.date2num(d))


def _month_interval(months: int, width_in: float) -> int:
    fits = max(int(width_in * 1.75), 4)
    for step in (1, 2, 3, 4, 6, 12, 24):
        if math.ceil(months / step) <= fits:
            return step
    return 36


def figure_height(n_rows: int) -> float:
    """Inches: grows with the rows so 60 milestones stay readable (about a third of an inch each)."""
    return 1.6 + ROW_IN * max(n_rows, 3)


def build_figure(model: GanttModel, cal: Calendar | None, lang: str, width_in: float = 5.4) -> Figure:
    """The chart as a matplotlib Figure (not yet saved); call inside `rc_context(matplotlib_rc())`.

    `width_in` is the width of the time axis; the labels are added to its left (the saved image is
    cropped to its content, about 7.3 in wide: the A4 text width, so the PDF prints it 1:1)."""
    rows = model.rows
    n = max(len(rows), 1)
    height = figure_height(len(rows))
    fig = Figure(figsize=(width_in, height))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.9 / height, 1.0, 1.0 - 1.6 / height))
    x0, x1 = _x(model.start), _x(model.end)
    right = x1 + max(6.0, 0.05 * (x1 - x0))  # room for a percent label after a bar ending at the frame's end
    ax.set_xlim(x0 - 4, right)
    ax.set_ylim(n - 0.5 + TOP_STRIP, -0.5 - TOP_STRIP)

    if cal is not None:
        for a, b, name in holiday_spans(cal, model.start, model.end):
            ax.axvspan(_x(a), _x(b) + 1, color=HOLIDAY, alpha=0.7, lw=0, zorder=0)
            if name:
                ax.text(_x(a) + ((b - a).days + 1) / 2, -0.5 - TOP_STRIP / 2, t(f"out.gantt.holiday.{name}", lang),
                        ha="center", va="center", fontsize=6.5, color="#555555", zorder=6)

    for i, r in enumerate(rows):
        _draw_row(ax, i, r, model.data_date)

    dd = _x(model.data_date)
    ax.axvline(dd, color=DATA_DATE, ls="--", lw=1.2, zorder=5)
    near_end = dd > x0 + 0.7 * (right - x0)  # then the label goes left of its line, inside the frame
    label = t("out.gantt.data_date", lang, date=model.data_date.isoformat())
    ax.text(dd, n - 0.5 + TOP_STRIP / 2, label + " " if near_end else " " + label,
            ha="right" if near_end else "left", va="center", fontsize=7, color=DATA_DATE, zorder=7)

    months = (model.end.year - model.start.year) * 12 + model.end.month - model.start.month
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=_month_interval(months, width_in)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.grid(True, which="minor", axis="x", color="#e4e4e4", lw=0.6, zorder=0)
    ax.grid(True, which="major", axis="x", color="#c8c8c8", lw=0.8, zorder=0)
    ax.set_axisbelow(True)
    ax.tick_params(axis="x", which="both", labelsize=7.5, top=True, labeltop=True)
    ax.tick_params(axis="y", length=0, labelsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([_wrap(r.label) for r in rows])
    for lab, r in zip(ax.get_yticklabels(), rows, strict=True):
        if r.critical:
            lab.set_color(CRITICAL)
    for y in range(len(rows) + 1):
        ax.axhline(y - 0.5, color="#ececec", lw=0.5, zorder=1)
    ax.set_title(clip(one_line(model.title), TITLE_CHARS), fontsize=11, pad=22)  # a 10,000-character name

    handles = [
        Patch(facecolor=BASELINE, label=t("out.gantt.legend.baseline", lang)),
        Patch(facecolor=LIGHT_FACE[Light.GREEN], edgecolor="#333333", lw=0.5,
              label=t("out.gantt.legend.forecast", lang)),
        Patch(facecolor="white", edgecolor="#333333", hatch="////", lw=0.5, label=t("out.gantt.legend.done", lang)),
        Patch(facecolor="white", edgecolor=CRITICAL, lw=1.8, label=t("out.gantt.legend.critical", lang)),
        Line2D([], [], marker="D", ls="none", markerfacecolor=LIGHT_FACE[Light.GREEN], markeredgecolor="#222222",
               label=t("out.gantt.legend.event", lang)),
        Line2D([], [], marker="v", ls="none", color=DEADLINE, label=t("out.gantt.legend.deadline", lang)),
        Line2D([], [], color=DATA_DATE, ls="--", label=t("out.gantt.legend.data_date", lang)),
        Patch(facecolor=HOLIDAY, label=t("out.gantt.legend.holiday", lang)),
    ]
    if model.portfolio:
        handles[1] = Patch(facecolor=LIGHT_FACE[Light.GREEN], edgecolor="#333333", lw=0.5,
                           label=t("out.gantt.legend.forecast_project", lang))
        handles[3] = Patch(facecolor="white", edgecolor=CRITICAL, lw=1.8,
                           label=t("out.gantt.legend.negative_float", lang))
        del handles[4]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.35 / (height - 1.6 + 0.1)),
              ncol=4, fontsize=7.5, frameon=False, handlelength=1.8, columnspacing=1.4)
    return fig


def _draw_row(ax: object, i: int, r: GanttRow, data_date: dt.date | None = None) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    face = LIGHT_FACE[r.light]
    if r.baseline_start is not None and r.baseline_finish is not None:
        if r.event:
            ax.plot(_x(r.baseline_finish) + 0.5, i + 0.3, marker="D", ms=4, color=BASELINE, zorder=2)
        else:
            ax.barh(i + 0.3, _x(r.baseline_finish) + 1 - _x(r.baseline_start), left=_x(r.baseline_start),
                    height=0.16, color=BASELINE, lw=0, zorder=2)
    if r.event:
        ax.plot(_x(r.forecast_finish) + 0.5, i - 0.04, marker="D", ms=8, markerfacecolor=face,
                markeredgecolor=CRITICAL if r.critical else "#222222", markeredgewidth=1.8 if r.critical else 0.8,
                zorder=4)
    else:
        left = _x(r.forecast_start)
        width = _x(r.forecast_finish) + 1 - left
        ax.barh(i - 0.04, width, left=left, height=0.44, color=face,
                edgecolor=CRITICAL if r.critical else LIGHT_EDGE[r.light], lw=1.8 if r.critical else 0.6, zorder=3)
        done = width * min(r.percent, 100.0) / 100.0
        if data_date is not None and not r.finished:  # work done lies before the data date: a late
            done = min(done, max(0.0, _x(data_date) - left))  # bar is never hatched past it
        if done > 0:
            ax.barh(i - 0.04, done, left=left, height=0.44, fill=False,
                    hatch="////", edgecolor="#1e1e1e", lw=0, zorder=4)
        if 0 < r.percent < 100:
            ax.text(left + width, i - 0.04, f" {r.percent:.0f}%", va="center", ha="left", fontsize=6.5,
                    color="#333333", zorder=6)
    if r.deadline is not None:
        xd = _x(r.deadline) + (0.0 if r.deadline_is_start else 1.0)
        ax.plot([xd, xd], [i - 0.42, i + 0.42], color=DEADLINE, lw=1.3, zorder=5)
        ax.plot(xd, i - 0.36, marker="v", ms=6, color=DEADLINE, zorder=5)


def render_gantt(model: GanttModel, cal: Calendar | None, lang: str, paths: Sequence[Path],
                 width_in: float = 5.4, dpi: int = 150) -> list[Path]:
    """Draw the chart once and save it to every path (format from the suffix: .png, .svg), cropped
    to its content (labels, title and legend never clipped)."""
    with rc_context(matplotlib_rc()):
        fig = build_figure(model, cal, lang, width_in)
        assert isinstance(fig.canvas, FigureCanvasAgg)
        box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.15)  # once, not per file
        out = []
        for p in paths:
            p = Path(p)
            p.parent.mkdir(parents=True, exist_ok=True)
            if p.suffix.lower() == ".svg":
                fig.savefig(p, bbox_inches=box, facecolor="white", metadata={"Date": None})
            else:
                fig.savefig(p, dpi=dpi, bbox_inches=box, facecolor="white")
            out.append(p)
    return out
