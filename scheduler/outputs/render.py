"""Everything people read after a weekly run, written from one `WeeklyView`: the brief
(周调度通报, PDF and .docx), a brief per county leader, the findings workbook; and on demand the
annex (附件: a page per project with its Gantt chart, PNG + SVG per project and for the
portfolio). The weekly runner calls `write_outputs` at the end of every run; `dispatch printout`
calls it too.

Charts are independent of each other, so a sample-size week renders them in worker processes
(forked from a fork server, never from this process: the weekly service has threads) while this
process lays out the PDF."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.core.calendars import Calendar
from scheduler.core.text import file_stem
from scheduler.errors import OutputError, os_params
from scheduler.outputs.charts import render_gantt
from scheduler.outputs.printout import GANTT_ROWS_PER_PAGE, render_printout
from scheduler.outputs.sheets import write_findings_sheet
from scheduler.outputs.view import GanttModel, WeeklyView

if TYPE_CHECKING:

    pass

PARALLEL_FROM = 6
"""Charts below this many render in-process (starting workers costs about a second)."""
PARALLEL_BRIEFS_FROM = 60
"""Leader briefs render in worker processes beside the brief from this many projects (a smaller
week's briefs take less than starting the workers)."""


def pdf_name(week: str) -> str:
    """File name of the week's annex (the per-project pages with their charts)."""
    return f"周调度附件_{week}.pdf"


def sheet_name(week: str) -> str:
    """File name of the week's findings workbook."""
    return f"问题清单_{week}.xlsx"


def gantt_stem(project_id: str) -> str:
    """File stem of a project's Gantt chart ('gantt_portfolio' is the whole portfolio's): the id
    made a safe file name (core.text.file_stem: length, characters, a hash when changed)."""
    return f"gantt_{file_stem(project_id)}"


Rendered = tuple[list[Path], list[tuple[type[Warning], str]]]


def _render(model: GanttModel, cal: Calendar | None, lang: str, files: list[Path]) -> Rendered:
    """Render one chart and return its files with the warnings it raised (a worker process's
    warnings would otherwise be lost on its stderr): the caller warns them again."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = render_gantt(model, cal, lang, files)
    return out, [(w.category, str(w.message)) for w in caught]


def _brief(view: WeeklyView, out_dir: Path, leader: str) -> Rendered:
    """Write one leader's brief (its view already narrowed) and return its files with the warnings
    it raised (in a worker they would be lost): the caller warns them again."""
    from scheduler.outputs.brief import write_brief

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = write_brief(view, out_dir, leader=leader)
    return out, [(w.category, str(w.message)) for w in caught]


def _result(f: Future[Rendered], seen: set[str]) -> list[Path]:
    files, caught = f.result()
    for category, message in caught:
        if message not in seen:
            seen.add(message)
            warnings.warn(message, category, stacklevel=3)
    return files


def _context() -> multiprocessing.context.BaseContext:
    """Workers forked from a fork server that has already imported the charts (and stays up for
    the next run): never forked from this process, which may have threads (the weekly service)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["scheduler.outputs.charts"])
        return ctx
    return multiprocessing.get_context("spawn")


def die_with_parent(parent: int) -> None:
    """Chart worker initializer: the worker ends when the run that started it ends, kill -9
    included. Workers are children of the fork server, which exits when the run dies; Linux's
    PR_SET_PDEATHSIG then kills the worker, and a watchdog thread polling the run's pid covers the
    rest (another OS, or the run gone before prctl took effect). With the workers gone, the fork
    server and the resource tracker have nobody left and exit too."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(0.5)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


class _Inline(Executor):
    """Runs each job at once in this process (small weeks, or workers=1)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        f: Future[object] = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # handed to whoever asks for the result, as a pool would
            f.set_exception(e)
        return f


class _Charts(Mapping[str, Sequence[Path]]):
    """Chart PNGs per project id, waiting for each one's rendering only when the PDF needs it."""

    def __init__(self, jobs: dict[str, list[Future[Rendered]]], seen: set[str]) -> None:
        self._jobs = jobs
        self._seen = seen

    def __getitem__(self, key: str) -> Sequence[Path]:
        return [p for f in self._jobs[key] for p in _result(f, self._seen) if p.suffix == ".png"]

    def __iter__(self) -> Iterator[str]:
        return iter(self._jobs)

    def __len__(self) -> int:
        return len(self._jobs)


@contextlib.contextmanager
def _writing(out_dir: Path) -> Iterator[None]:
    """A file that cannot be written (a full or read-only disk) is one OutputError line naming the
    folder, not a traceback: the one rule for every output this module writes."""
    try:
        yield
    except OSError as e:
        raise OutputError("outputs-unwritten", f"cannot write the outputs into {out_dir}: "
                          f"{e.strerror or e} (the run itself is stored; free space, then `dispatch printout`)",
                          file=getattr(e, "filename", None) or out_dir,
                          params={**os_params(e), "folder": out_dir}) from None


def write_outputs(view: WeeklyView, out_dir: Path, calendars: Mapping[str, Calendar], *, annex: bool = False,
                  leaders: bool = True, leader: str | None = None, workers: int | None = None) -> list[Path]:
    """Write into `out_dir` the brief (`周调度通报_{week}.pdf` and `.docx`), with `leaders` one per
    county leader (`周调度通报_{week}_{leader}.pdf/.docx`), the findings workbook
    (`问题清单_{week}.xlsx`), and with `annex` the annex (`write_annex`); returns their paths, the
    brief's PDF first. With `leader` only that leader's brief (and annex) is written."""
    from scheduler.outputs.brief import write_brief
    from scheduler.outputs.view import for_leader
    from scheduler.outputs.view import leaders as leaders_of

    out_dir = Path(out_dir)
    names = leaders_of(view) if leaders and leader is None else []
    n = workers if workers is not None else (min(2, os.cpu_count() or 1) if len(names) >= 2
                                             and len(view.projects) >= PARALLEL_BRIEFS_FROM else 1)
    pool: Executor = (ProcessPoolExecutor(min(n, len(names)), mp_context=_context(), initializer=die_with_parent,
                                          initargs=(os.getpid(),)) if n > 1 and len(names) > 1 else _Inline())
    seen: set[str] = set()
    with _writing(out_dir), pool:
        # each leader's brief from its own (smaller) view, in the workers while this process writes
        # the county's brief and the sheet
        jobs = [pool.submit(_brief, for_leader(view, name), out_dir, name) for name in names]
        files = write_brief(view, out_dir, leader=leader)
        if leader is None:
            sheet = write_findings_sheet(view, out_dir / sheet_name(view.week))
            for f in jobs:
                files += _result(f, seen)
            files.append(sheet)
    if annex:
        files += write_annex(for_leader(view, leader) if leader else view, out_dir, calendars, workers=workers)
    return files


def write_annex(view: WeeklyView, out_dir: Path, calendars: Mapping[str, Calendar], *,
                workers: int | None = None, sheet: bool = False) -> list[Path]:
    """Write into `out_dir` the annex `周调度附件_{week}.pdf` (a page per project of the view: narrow
    it to one project to print that one on demand), `gantt_{project}.png/.svg` per project,
    `gantt_portfolio.png/.svg`, and with `sheet` the findings workbook; returns their paths (PDF
    first, sheet last).

    `calendars` by name shade each chart's holiday breaks (a missing calendar: no shading).
    `workers`: chart processes (default: up to 2 cores when there are 6 charts or more; 1 = none)."""
    with _writing(Path(out_dir)):
        return _write_annex(view, Path(out_dir), calendars, workers=workers, sheet=sheet)


def _write_annex(view: WeeklyView, out_dir: Path, calendars: Mapping[str, Calendar], *,
                 workers: int | None, sheet: bool) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lang = view.lang
    charts: list[tuple[str, GanttModel, list[Path], bool]] = []  # key, model, files, kept
    with tempfile.TemporaryDirectory(prefix="dispatch-gantt-") as tmp:
        models = [("portfolio", view.portfolio_gantt, "gantt_portfolio"),
                  *((p.id, p.gantt, gantt_stem(p.id)) for p in view.projects)]
        for key, model, stem in models:
            charts.append((key, model, [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"], True))
            pages = model.pages(GANTT_ROWS_PER_PAGE)
            if len(pages) > 1:  # too long for one PDF page: page-sized pieces, for the PDF only
                charts += [(key, pm, [Path(tmp) / f"{stem}_p{k}.png"], False) for k, pm in enumerate(pages, 1)]
        n = workers if workers is not None else (min(2, os.cpu_count() or 1) if len(charts) >= PARALLEL_FROM
                                                 else 1)
        pool: Executor = (ProcessPoolExecutor(n, mp_context=_context(), initializer=die_with_parent,
                                              initargs=(os.getpid(),)) if n > 1 else _Inline())
        seen: set[str] = set()
        with pool:
            jobs: dict[str, list[Future[Rendered]]] = {}
            kept: list[Future[Rendered]] = []
            for key, model, files, keep in charts:
                f = pool.submit(_render, model, calendars.get(model.calendar), lang, files)
                if keep:
                    kept.append(f)
                paged = any(not k for kk, _, _, k in charts if kk == key)
                if keep != paged:  # the PDF takes the page pieces when there are some, else the chart
                    jobs.setdefault(key, []).append(f)
            port = _Charts(jobs, seen).get("portfolio", [])
            pdf = render_printout(view, out_dir / pdf_name(view.week),
                                  _Charts({k: v for k, v in jobs.items() if k != "portfolio"}, seen), port)
            written = [p for f in kept for p in _result(f, seen)]
    if not sheet:
        return [pdf, *written]
    return [pdf, *written, write_findings_sheet(view, out_dir / sheet_name(view.week))]
