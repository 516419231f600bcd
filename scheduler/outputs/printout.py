"""The weekly meeting printout (周调度材料): an A4 portrait PDF laid out from a `WeeklyView` with
fpdf2 — cover with the portfolio at a glance, the red list by lead unit, factor-guarantee blockers
by kind, the special-meeting list, the portfolio Gantt chart, then a page per project (key facts,
its Gantt chart, its milestones). Noto Sans CJK SC embedded, DejaVu Sans as glyph fallback."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode, XPos, YPos

from scheduler.core.dates import date_text, moment_text
from scheduler.core.findings import Light
from scheduler.core.text import ELLIPSIS, break_lines, clip, one_line
from scheduler.outputs.fonts import cjk_font_path, fallback_font_path
from scheduler.outputs.view import (
    Escalation,
    FindingRow,
    GanttRow,
    ProjectView,
    WeeklyView,
    fmt_date,
    fmt_int,
    fmt_pct,
    fmt_wan,
    glance_rows,
    kind_label,
    project_facts,
    stale_text,
)
from scheduler.strings import t

RGB = tuple[int, int, int]
LIGHT_FILL: dict[Light, RGB] = {Light.RED: (222, 66, 60), Light.YELLOW: (246, 196, 48), Light.GREEN: (76, 160, 76)}
LIGHT_TEXT: dict[Light, RGB] = {Light.RED: (255, 255, 255), Light.YELLOW: (40, 30, 0), Light.GREEN: (255, 255, 255)}
HEAD_FILL: RGB = (222, 228, 238)
MUTED: RGB = (110, 110, 110)
MARGIN = 12.0
BODY_PT = 8.5
PAD = 1.2
"""Left and right padding of a table cell, mm."""
HEADING_LINES = 3
"""A heading or a project's title longer than this many lines is cut with "…"."""
GANTT_ROWS_PER_PAGE = 40
"""A project chart with more milestones is printed over several images of this many rows."""


class MissingGlyphWarning(UserWarning):
    """A character of the printout is in neither the CJK font nor the fallback: it shows as a box."""


class _Doc(FPDF):
    """A4 portrait with the week in the running header and '第 X 页 / 共 Y 页' in the footer."""

    def __init__(self, view: WeeklyView) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.view = view
        self.ui_lang = view.lang  # not `lang`: FPDF.set_lang() owns that attribute
        self.current_project = ""
        """Named in the running head of a project's pages (its tables run over several)."""
        self._widths: dict[tuple[str, float], dict[str, float]] = {}
        self.set_margins(MARGIN, 16, MARGIN)
        self.set_auto_page_break(True, margin=16)
        self.add_font("cjk", "", str(cjk_font_path()))
        self.add_font("dejavu", "", str(fallback_font_path()))
        self.set_fallback_fonts(["dejavu"], exact_match=False)
        self.alias_nb_pages("{nb}")
        self.set_title(view.title)
        self.set_creator("dispatch")
        self.set_lang("zh-CN" if view.lang == "zh" else "en")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the font files: fpdf2 (fontTools, lazily) keeps them open until `output` closes
        them. A rendering an error interrupts (a folder that cannot be written) never gets there,
        and fpdf2's class-wide glyph caches keep its fonts alive until a later PDF clears them: two
        files open per failed PDF, then a ResourceWarning in whichever run frees them."""
        for font in self.fonts.values():
            close = getattr(font, "close", None)  # TTF fonts; closing again after `output` is harmless
            if close is not None:
                close()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("cjk", size=7.5)
        self.set_text_color(*MUTED)
        self.set_y(7)
        head = t("out.pdf.running_head", self.ui_lang, title=self.view.title,
                 date=date_text(self.view.data_date, None, self.ui_lang))
        if self.current_project:
            head += " · " + self.current_project
        self.cell(0, 5, self.fit(one_line(head), self.epw - 1, 1), align="L")
        self.set_draw_color(200, 200, 200)
        self.line(MARGIN, 12.5, self.w - MARGIN, 12.5)
        self.set_text_color(0, 0, 0)
        self.set_y(16)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("cjk", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, t("out.pdf.page", self.ui_lang, n=self.page_no(), total="{nb}"), align="C")
        self.set_text_color(0, 0, 0)

    # -- building blocks -----------------------------------------------------------------------
    def fit(self, text: str, width: float, max_lines: int | None = None) -> str:
        """`text` broken into lines of at most `width` mm in the current font (see `break_lines`),
        and cut with "…" after `max_lines` lines: no text a project file or a unit typed (a 堵点 of
        thousands of characters, a 10,000-character name) can make a table row or a heading taller
        than a page."""
        key = (self.font_family, self.font_size_pt)
        widths = self._widths.setdefault(key, {})

        def w(ch: str) -> float:
            if ch not in widths:
                widths[ch] = self.get_string_width(ch)
            return widths[ch]

        if max_lines is not None:
            text = clip(text, max_lines * max(int(width / max(w("i"), 0.1)), 1) + 1)  # never break a novel
        lines = break_lines(text, width, w)
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            last = lines[-1]
            while last and sum(w(ch) for ch in last) + w(ELLIPSIS) > width:
                last = last[:-1]
            lines[-1] = last + ELLIPSIS
        return "\n".join(lines)

    def lines_per_page(self, line_height: float, reserve: float = 30.0) -> int:
        """How many lines of `line_height` mm fit on a page below a repeated table heading."""
        return max(1, int((self.h - 16 - 16 - reserve) / line_height))

    def heading(self, text: str, size: float = 13, space: float = 3) -> None:
        """A section heading; starts a new page when fewer than 45 mm are left (no orphan heading)."""
        if self.get_y() > self.h - 16 - 45:
            self.add_page()
        self.ln(space)
        self.set_font("cjk", size=size)
        self.set_text_color(20, 45, 95)
        width = self.epw - 2 * self.c_margin - 0.5
        self.multi_cell(0, size * 0.5, self.fit(text, width, HEADING_LINES), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1.5)

    def note(self, text: str, size: float = 8) -> None:
        """A line of muted text."""
        self.set_font("cjk", size=size)
        self.set_text_color(*MUTED)
        width = self.epw - 2 * self.c_margin - 0.5
        self.multi_cell(0, size * 0.48, self.fit(text, width, self.lines_per_page(size * 0.48)), align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def grid(self, head: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float],
              size: float = BODY_PT, align: Sequence[str] | None = None) -> None:
        """A table whose heading row repeats on every page it runs over; long cells wrap.

        A cell is a string or a (string, FontFace) pair (a coloured light cell)."""
        self.set_font("cjk", size=size)
        self.set_fill_color(255, 255, 255)  # a table starts from the current style: no leaked fill
        self.set_text_color(0, 0, 0)
        style = FontFace(family="cjk", emphasis="", size_pt=size, fill_color=HEAD_FILL)
        aligns = list(align) if align else ["L"] * len(head)
        most = self.lines_per_page(size * 0.48)  # a row never taller than a page (fpdf2 refuses it)
        with self.table(col_widths=tuple(widths), width=sum(widths), align="L", text_align=tuple(aligns),
                           headings_style=style, repeat_headings=1, line_height=size * 0.48,
                           wrapmode=WrapMode.WORD, padding=(0.9, PAD), v_align="M") as tab:
            hr = tab.row()
            for h, wd in zip(head, widths, strict=True):
                hr.cell(self.fit(h, wd - 2 * PAD - 0.6, 3), align="C")
            for r in rows:
                row = tab.row()
                for c, wd in zip(r, widths, strict=True):
                    if isinstance(c, tuple):
                        row.cell(self.fit(c[0], wd - 2 * PAD - 0.6, 2), style=c[1], align="C")
                    else:
                        row.cell(self.fit(str(c), wd - 2 * PAD - 0.6, most))
        self.ln(2)


def by_light(projects: Sequence[ProjectView]) -> list[ProjectView]:
    """Red projects first, then yellow, then green; the view's order within each light."""
    return sorted(projects, key=lambda p: -p.light.rank)


def light_cell(light: Light, lang: str, size: float = BODY_PT) -> tuple[str, FontFace]:
    """A table cell filled with the light's colour and its word (● 红)."""
    return (f"● {t(f'out.light.{light.value}', lang)}",
            FontFace(family="cjk", emphasis="", size_pt=size, color=LIGHT_TEXT[light], fill_color=LIGHT_FILL[light]))


def render_printout(view: WeeklyView, path: Path, gantt_images: Mapping[str, Sequence[Path]],
                    portfolio_images: Sequence[Path] = ()) -> Path:
    """Write the printout PDF to `path`. `gantt_images`: per project id, its Gantt chart PNG(s) in
    page order (missing: no chart on its page); `portfolio_images`: the portfolio chart PNG(s).

    Warns MissingGlyphWarning when a character is in neither embedded font."""
    lang = view.lang
    with _Doc(view) as pdf:  # its font files closed however the rendering ends
        _cover(pdf, view)
        if portfolio_images:
            pdf.heading(t("out.pdf.portfolio", lang), space=4)
            for img in portfolio_images:
                _image(pdf, img)
        _problems(pdf, view)
        _red_list(pdf, view)
        _blockers(pdf, view)
        _escalations(pdf, view)
        money_sections(pdf, view)
        for p in by_light(view.projects):
            _project(pdf, view, p, gantt_images.get(p.id, ()))
        pdf.current_project = ""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pdf.output(str(path))
    _check_glyphs(pdf)
    return path


def _check_glyphs(pdf: FPDF) -> None:
    missing: set[int] = set()
    for font in pdf.fonts.values():
        missing.update(getattr(font, "missing_glyphs", ()))
    if missing:
        chars = ", ".join(f"U+{c:04X} {chr(c)!r}" for c in sorted(missing)[:12])
        warnings.warn(MissingGlyphWarning(f"printout: glyphs missing from every embedded font: {chars}"),
                      stacklevel=3)


def _image_size(pdf: _Doc, img: Path) -> tuple[float, float, int, int]:
    """(width, height) in mm an image prints at (its own dpi, at most the text width), and pixels."""
    from PIL import Image

    with Image.open(img) as im:
        wpx, hpx = im.size
        dpi = im.info.get("dpi", (150, 150))[0] or 150
    w = min(pdf.epw, wpx / float(dpi) * 25.4)
    return w, w * hpx / wpx, wpx, hpx


def _image_height(pdf: _Doc, img: Path) -> float:
    return _image_size(pdf, img)[1]


def _image(pdf: _Doc, img: Path) -> None:
    w, h, wpx, hpx = _image_size(pdf, img)
    room = pdf.h - 16 - pdf.get_y()
    page_room = pdf.h - 16 - 16
    if h > room:
        if h <= page_room or room < page_room * 0.6:
            pdf.add_page()
            room = page_room
        if h > room:
            h = room
            w = h * wpx / hpx
    pdf.image(str(img), x=pdf.l_margin + (pdf.epw - w) / 2, y=pdf.get_y(), w=w, h=h)
    pdf.set_y(pdf.get_y() + h + 2)


def _cover(pdf: _Doc, v: WeeklyView) -> None:
    lang = v.lang
    g = v.glance
    pdf.add_page()
    pdf.set_y(28)
    pdf.set_font("cjk", size=22)
    pdf.multi_cell(0, 11, t("out.pdf.cover_title", lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=15)
    pdf.multi_cell(0, 9, t("out.pdf.cover_week", lang, week=v.week_label), align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 6, t("out.pdf.cover_dates", lang, date=date_text(v.data_date, None, lang),
                           generated=moment_text(v.generated_at, lang)),
                   align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(6)
    pdf.heading(t("out.pdf.glance", lang), size=13, space=0)
    # the three lights as big coloured boxes
    w = pdf.epw / 3
    y = pdf.get_y()
    for i, (light, n) in enumerate(((Light.RED, g.red), (Light.YELLOW, g.yellow), (Light.GREEN, g.green))):
        pdf.set_fill_color(*LIGHT_FILL[light])
        pdf.set_text_color(*LIGHT_TEXT[light])
        pdf.set_xy(pdf.l_margin + i * w, y)
        pdf.set_font("cjk", size=14)
        pdf.cell(w - 2, 14, t("out.pdf.light_count", lang, light=t(f"light.{light.value}", lang), n=n),
                 align="C", fill=True)
    pdf.set_text_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, y + 17)
    rows = glance_rows(v)
    pdf.grid([t("out.col.item", lang), t("out.col.value", lang)], rows, (60, pdf.epw - 60), size=10)
    if v.notes:
        pdf.note(t("out.pdf.notes", lang) + "\n" + "\n".join(v.notes))
    _missing(pdf, v)
    pdf.heading(t("out.pdf.overview", lang), size=12)
    head = [t("col.project", lang), t("col.lead_unit", lang), t("out.col.leader", lang),
            t("out.col.fc_finish", lang), t("out.col.variance", lang), t("out.col.percent", lang),
            t("out.col.light", lang)]
    body = [[p.name, p.lead_unit, p.leader or "—", fmt_date(p.forecast_finish), fmt_int(p.variance, signed=True),
             fmt_pct(p.percent), light_cell(p.light, lang, 8)] for p in by_light(v.projects)]
    pdf.grid(head, body, (54, 30, 44, 19, 12, 14, 13), size=8, align=("L", "L", "L", "C", "R", "R", "C"))
    pdf.note(t("out.pdf.overview_legend", lang), size=7)


def _missing(pdf: _Doc, v: WeeklyView) -> None:
    """未按时报送: the units that did not send this week's sheet; their items keep last week's light."""
    if not v.non_reporting:
        return
    lang = v.lang
    pdf.heading(t("out.pdf.missing", lang, n=len(v.non_reporting)), size=12)
    pdf.note(t("out.pdf.missing_note", lang) + "\n" + "、".join(v.non_reporting), size=9)


def _none(pdf: _Doc) -> None:
    pdf.note(t("out.pdf.none", pdf.ui_lang), size=9)
    pdf.ln(2)


def _problems(pdf: _Doc, v: WeeklyView) -> None:
    """问题清单: the week's open problems (root causes), each with what it drags and how many
    findings are counted under it; exempt ones with their 正当理由. Nothing when the run has none."""
    rows_in = [r for r in v.problems if r.problem.is_open and r.problem.light is not Light.GREEN]
    if not rows_in:
        return
    lang = v.lang
    pdf.heading(t("out.pdf.problems", lang), space=4)
    head = [t("out.col.light", lang), t("col.project", lang), t("problems.col.what", lang), t("col.unit", lang),
            t("problems.col.symptoms", lang), t("problems.col.weeks_red", lang)]
    rows = []
    for r in rows_in:
        p = r.problem
        what = r.what + (f"\n{r.drags}" if r.drags else "")
        if r.stale is not None:
            what = stale_text(r.stale.carried_from, lang) + what
        if p.exemption is not None:
            what += "\n" + t("problem.exempt", lang, by=p.exemption.by, reason=p.exemption.reason)
        rows.append([light_cell(p.light, lang), r.project_name, what, p.unit or "—",
                     t("problem.symptoms", lang, n=r.symptoms), str(p.weeks_red) if p.weeks_red else "—"])
    pdf.grid(head, rows, (13, 30, 90, 26, 14, 13), align=("C", "L", "L", "L", "C", "C"))


def _red_list(pdf: _Doc, v: WeeklyView) -> None:
    lang = v.lang
    pdf.heading(t("out.pdf.red_list", lang), space=4)
    if not v.red_list:
        _none(pdf)
    head = [t("col.project", lang), t("out.col.leader", lang), t("out.col.issue", lang), t("col.unit", lang),
            t("out.col.weeks_red", lang)]
    for grp in v.red_list:
        pdf.heading(t("out.pdf.red_group", lang, unit=grp.lead_unit or "—", n=len(grp.items),
                      leaders="、".join(grp.leaders) or "—"), size=10, space=1)
        rows = [[r.project_name, r.leader or "—", _issue(r, lang), r.unit or "—", _weeks(r)] for r in grp.items]
        pdf.grid(head, rows, (34, 26, 84, 26, 16), align=("L", "L", "L", "L", "C"))


def _issue(r: FindingRow, lang: str) -> str:
    new = t("out.pdf.new_mark", lang) if r.new else ""
    stale = stale_text(r.stale_from, lang) if r.stale_from else ""
    return f"{stale}{new}【{kind_label(r.kind, lang)}】{r.message}"


def _weeks(r: FindingRow) -> str:
    return str(r.weeks_red) if r.weeks_red else "—"


def _blockers(pdf: _Doc, v: WeeklyView) -> None:
    lang = v.lang
    pdf.heading(t("out.pdf.blockers", lang), space=6)
    if not v.blockers:
        _none(pdf)
    head = [t("out.col.requirement", lang), t("out.col.project_milestone", lang), t("out.col.needed_by", lang),
            t("out.col.expected", lang), t("col.status", lang), t("out.col.blocker", lang), t("col.unit", lang),
            t("out.col.weeks_open", lang), t("out.col.light", lang)]
    for grp in v.blockers:
        pdf.heading(t("out.pdf.blocker_group", lang, kind=grp.kind, n=len(grp.items)), size=10, space=1)
        rows = [[b.requirement, f"{b.project_name}\n{b.milestone_id} {b.milestone_name}", fmt_date(b.needed_by),
                 fmt_date(b.expected) if b.expected else t("out.pdf.expected_unknown", lang), b.status,
                 b.blocker or "—", b.unit, fmt_int(b.weeks_open),
                 light_cell(b.light, lang) if b.light is not None else "—"]
                for b in grp.items]
        pdf.grid(head, rows, (28, 33, 19, 19, 13, 31, 18, 12, 13),
                 align=("L", "L", "C", "C", "C", "L", "L", "C", "C"))


def _escalations(pdf: _Doc, v: WeeklyView) -> None:
    lang = v.lang
    pdf.heading(t("out.pdf.escalations", lang), space=6)
    if not v.escalations:
        _none(pdf)
        return
    head = [t("col.project", lang), t("col.lead_unit", lang), t("out.col.leader", lang), t("out.col.matter", lang),
            t("out.col.weeks_red", lang)]
    rows = [[e.project_name, e.lead_unit, e.leader or "—", _matter(e, lang), str(e.weeks_red) if e.weeks_red else "—"]
            for e in v.escalations]
    pdf.grid(head, rows, (34, 26, 28, 82, 16), align=("L", "L", "L", "L", "C"))


def money_sections(pdf: _Doc, v: WeeklyView) -> None:
    """以旬保月/以月保季/以季保年 with each lead unit's 旬 target, 三类资金项目资金支付, 入库纳统 and
    实物量: the WeeklyView's money tables (outputs/money_view.py)."""
    m = v.money
    if m.empty:
        return
    lang = pdf.ui_lang
    w = pdf.epw
    if m.levels:
        pdf.heading(t("out.pdf.levels", lang), space=6)
        head = [t("out.col.what", lang), t("out.col.level", lang), t("out.col.period", lang), t("out.col.plan", lang),
                t("out.col.plan_to_date", lang), t("out.col.done", lang), t("out.col.gap", lang),
                t("out.col.rate", lang)]
        rows: list[list[Any]] = [[t(f"out.what.{r.what}", lang), t(f"out.level.{r.level}", lang),
                 f"{r.start.month}.{r.start.day}–{r.end.month}.{r.end.day}", fmt_wan(r.plan),
                 "—" if r.level == "xun" else fmt_wan(r.plan_to_date), fmt_wan(r.done), fmt_wan(r.gap),
                 fmt_pct(r.percent)] for r in m.levels]
        pdf.grid(head, rows, (w * 0.1, w * 0.18, w * 0.12, w * 0.14, w * 0.12, w * 0.11, w * 0.11, w * 0.12),
                 align=("L", "L", "C", "R", "R", "R", "R", "R"))
        if m.unit_targets:
            pdf.heading(t("out.pdf.unit_targets", lang, end=fmt_date(m.unit_targets[0].xun_end)), size=10, space=1)
            pdf.note("\n".join(t("out.pdf.unit_target_line", lang, unit=u.unit, inv=fmt_wan(u.investment),
                                  pay=fmt_wan(u.payment), projects="、".join(u.projects))
                               for u in m.unit_targets), size=9)
    if m.funds:
        pdf.heading(t("out.pdf.funds", lang), space=6)
        head = [t("col.project", lang), t("out.col.fund_kind", lang), t("out.col.issued", lang),
                t("out.col.received", lang), t("out.col.paid", lang), t("out.col.pay_rate", lang),
                t("out.col.pay_plan", lang), t("out.col.light", lang)]
        rows = [[r.project_name if not r.kind or i == 0 or m.funds[i - 1].project_id != r.project_id else "",
                 r.kind or t("out.col.all_funds", lang), fmt_wan(r.issued), fmt_wan(r.received), fmt_wan(r.paid),
                 fmt_pct(r.rate), fmt_pct(r.planned_rate), light_cell(r.light, lang)]
                for i, r in enumerate(m.funds)]
        pdf.grid(head, rows, (w * 0.26, w * 0.17, w * 0.1, w * 0.1, w * 0.1, w * 0.09, w * 0.09, w * 0.09),
                 align=("L", "L", "R", "R", "R", "R", "R", "C"))
        pdf.note(t("out.pdf.funds_note", lang), size=7)
    if m.statistics:
        pdf.heading(t("out.pdf.statistics", lang), space=6)
        head = [t("col.project", lang), t("col.lead_unit", lang), t("out.col.stage", lang),
                t("out.col.commenced", lang), t("out.col.stats_status", lang), t("out.col.stats_date", lang),
                t("out.col.months", lang), t("out.col.light", lang)]
        rows = [[r.project_name, r.lead_unit, r.stage or "—", fmt_date(r.commenced), r.status or "—",
                 fmt_date(r.date), str(r.months) if r.commenced else "—", light_cell(r.light, lang)]
                for r in m.statistics]
        pdf.grid(head, rows, (w * 0.27, w * 0.17, w * 0.08, w * 0.12, w * 0.09, w * 0.12, w * 0.06, w * 0.09),
                 align=("L", "L", "C", "C", "C", "C", "R", "C"))
        pdf.note(t("out.pdf.statistics_note", lang), size=7)
    if m.quantities:
        pdf.heading(t("out.pdf.quantities", lang), space=6)
        head = [t("col.project", lang), t("out.col.quantity", lang), t("out.col.progress", lang),
                t("out.col.quantity_plan", lang), t("out.col.gap", lang), t("out.col.light", lang)]
        rows = [[r.project_name, r.name, r.progress, "—" if r.planned is None else f"{r.planned:.1f} {r.measure}",
                 "—" if r.gap is None else f"{r.gap:+.1f}", light_cell(r.light, lang)] for r in m.quantities]
        pdf.grid(head, rows, (w * 0.3, w * 0.22, w * 0.15, w * 0.14, w * 0.1, w * 0.09),
                 align=("L", "L", "R", "R", "R", "C"))
    if m.cumulative:
        pdf.heading(t("out.pdf.cumulative", lang), size=10, space=1)
        pdf.grid([t("col.project", lang), t("out.col.done", lang), t("out.col.rate", lang)],
                 [[c.project_name, fmt_wan(c.cumulative) + " / " + fmt_wan(c.total), fmt_pct(c.share)]
                  for c in m.cumulative], (w * 0.5, w * 0.3, w * 0.2), align=("L", "R", "R"))


def _matter(e: Escalation, lang: str) -> str:
    """What goes to the county government: the problem, its 事由, 需协调事项 and 建议."""
    return t("out.pdf.escalation_matter", lang, id=e.problem_id, reason=e.message, matters=e.matters,
             proposal=e.proposal)


def _project(pdf: _Doc, v: WeeklyView, p: ProjectView, images: Sequence[Path]) -> None:
    lang = v.lang
    pdf.current_project = f"{p.name}（{p.id}）" if lang == "zh" else f"{p.name} ({p.id})"
    pdf.add_page()
    # title with the light as a coloured box at the right
    y = pdf.get_y()
    pdf.set_font("cjk", size=14)
    pdf.set_text_color(20, 45, 95)
    pdf.multi_cell(pdf.epw - 24, 7, pdf.fit(pdf.current_project, pdf.epw - 25, HEADING_LINES),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    after = pdf.get_y()
    pdf.set_text_color(*LIGHT_TEXT[p.light])
    pdf.set_fill_color(*LIGHT_FILL[p.light])
    pdf.set_font("cjk", size=11)
    pdf.set_xy(pdf.w - MARGIN - 22, y)
    pdf.cell(22, 7, f"● {t(f'light.{p.light.value}', lang)}", align="C", fill=True)
    pdf.set_text_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, max(after, y + 7) + 2)
    facts = project_facts(p, lang)
    half = (len(facts) + 1) // 2
    rows = []
    for i in range(half):
        a = facts[i]
        b = facts[half + i] if half + i < len(facts) else ("", "")
        rows.append([a[0], a[1], b[0], b[1]])
    pdf.grid([t("out.col.item", lang), t("out.col.value", lang), t("out.col.item", lang), t("out.col.value", lang)],
              rows, (24, 69, 24, 69), size=8)
    if p.stale_units:
        pdf.note(t("out.pdf.project_stale", lang, units="、".join(p.stale_units)), size=8)
    # the chart right under the facts when it fits there, else the findings first: a table flows
    # over a page break, an image cannot, so the page is not left half empty
    first = list(images[:1])
    if first and _image_height(pdf, first[0]) > pdf.h - 16 - pdf.get_y():
        first = []
    for img in first:
        _image(pdf, img)
    if p.findings:
        pdf.heading(t("out.pdf.project_findings", lang, n=len(p.findings)), size=10, space=1)
        pdf.grid([t("out.col.light", lang), t("out.col.issue", lang), t("col.unit", lang)],
                  [[light_cell(r.light, lang), _issue(r, lang), r.unit or "—"] for r in p.findings],
                  (14, 142, 30), align=("C", "L", "L"))
    for img in images[len(first):]:
        _image(pdf, img)
    pdf.heading(t("out.pdf.milestones", lang), size=10, space=1)
    head = [t("out.col.milestone", lang), t("out.col.bl_start", lang), t("out.col.bl_finish", lang),
            t("out.col.fc_start", lang), t("out.col.fc_finish", lang), t("out.col.variance", lang),
            t("out.col.total_float", lang), t("out.col.percent", lang), t("out.col.light", lang)]
    pdf.grid(head, [_milestone_row(r, lang) for r in p.milestones], (58, 19, 19, 19, 19, 12, 13, 14, 13),
              size=7.5, align=("L", "C", "C", "C", "C", "R", "R", "R", "C"))
    pdf.note(t("out.pdf.milestone_legend", lang), size=7)


def _milestone_row(r: GanttRow, lang: str) -> list[Any]:
    marks = (t("out.pdf.critical_mark", lang) if r.critical else "") \
        + (t("out.pdf.event_mark", lang) if r.event else "")
    return [f"{marks}{r.label}", fmt_date(r.baseline_start), fmt_date(r.baseline_finish),
            fmt_date(r.forecast_start), fmt_date(r.forecast_finish), fmt_int(r.variance, signed=True),
            t("out.pdf.finished", lang) if r.finished else fmt_int(r.total_float), fmt_pct(r.percent),
            light_cell(r.light, lang, 7.5)]
