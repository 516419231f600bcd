"""Everything people read after a weekly run, written from one `WeeklyView`: the printout PDF,
a Gantt chart per project and one for the portfolio (PNG + SVG), the findings workbook. The
weekly runner calls `write_outputs` at the end of every run; `dispatch printout` calls it too."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .calendars import Calendar
from .charts import render_gantt
from .printout import GANTT_ROWS_PER_PAGE, render_printout
from .sheets import write_findings_sheet
from .views import GanttModel, WeeklyView

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def pdf_name(week: str) -> str:
    """File name of the week's printout."""
    return f"周调度_{week}.pdf"


def sheet_name(week: str) -> str:
    """File name of the week's findings workbook."""
    return f"问题清单_{week}.xlsx"


def gantt_stem(project_id: str) -> str:
    """File stem of a project's Gantt chart ('portfolio' is the whole portfolio's)."""
    return f"gantt_{_SAFE.sub('_', project_id)}"


def write_outputs(view: WeeklyView, out_dir: Path, calendars: Mapping[str, Calendar]) -> list[Path]:
    """Write into `out_dir`: `周调度_{week}.pdf`, `gantt_{project}.png/.svg` per project,
    `gantt_portfolio.png/.svg`, `问题清单_{week}.xlsx`; returns their paths (PDF first).

    `calendars` by name shade each chart's holiday breaks (a missing calendar: no shading)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lang = view.lang
    written: list[Path] = []
    charts: dict[str, list[Path]] = {}
    with tempfile.TemporaryDirectory(prefix="dispatch-gantt-") as tmp:
        pg = view.portfolio_gantt
        port = render_gantt(pg, calendars.get(pg.calendar), lang,
                            [out_dir / "gantt_portfolio.png", out_dir / "gantt_portfolio.svg"])
        written += port
        port_pages = _pages(pg, calendars, lang, Path(tmp), "portfolio") or [port[0]]
        for p in view.projects:
            stem = gantt_stem(p.id)
            files = render_gantt(p.gantt, calendars.get(p.calendar), lang,
                                 [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"])
            written += files
            charts[p.id] = _pages(p.gantt, calendars, lang, Path(tmp), stem) or [files[0]]
        pdf = render_printout(view, out_dir / pdf_name(view.week), charts, port_pages)
    xlsx = write_findings_sheet(view, out_dir / sheet_name(view.week))
    return [pdf, *written, xlsx]


def _pages(model: GanttModel, calendars: Mapping[str, Calendar], lang: str, tmp: Path, stem: str) -> list[Path]:
    """PNG pages of a chart too long for one PDF page (empty when it fits on one)."""
    pages = model.pages(GANTT_ROWS_PER_PAGE)
    if len(pages) == 1:
        return []
    out = []
    for k, pm in enumerate(pages, start=1):
        out += render_gantt(pm, calendars.get(pm.calendar), lang, [tmp / f"{stem}_p{k}.png"])
    return out
