"""The weekly brief (周调度通报): the few pages the task force reads before its Monday meeting, laid
out from a `WeeklyView` as a plain document (headings, paragraphs, tables) that the PDF (fpdf2)
and the Word file (python-docx, edited in WPS or Word before it goes out) both render, so the two
hold the same text. Sections appear when the view holds their data: 总体情况 with the lights,
问题清单 (red items folded per milestone or approval), 项目进展 (本周进展 / 下周计划),
以旬保月, 提请县政府专题研究, 未按时报送单位, 本周办结. Dates are written the Chinese way
(2026年11月23日), never as ISO week labels."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.core.dates import by_text, cn_date, cn_dates, fmt_cn_date, zone_text
from scheduler.core.findings import FindingKind, Light
from scheduler.core.phrases import days_text
from scheduler.core.text import file_stem
from scheduler.outputs.view import (
    Blocker,
    Escalation,
    FindingRow,
    GanttRow,
    ProjectView,
    WeeklyView,
    fmt_pct,
    fmt_wan,
)
from scheduler.strings import t

NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True, slots=True)
class LightCell:
    """A table cell coloured with a light."""

    light: Light
    text: str


Cell = str | LightCell


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading (level 1: 一、…)."""

    text: str
    level: int = 1


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph; `note` ones are printed small and muted."""

    text: str
    note: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table: heading row, rows, column widths in mm of an A4 page's text width (186 mm)."""

    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...]
    align: tuple[str, ...] = ()
    size: float = 8.5


Block = Heading | Para | Table


@dataclass(frozen=True, slots=True)
class Brief:
    """The brief as a document: title lines, then blocks in reading order."""

    title: str
    issue: str
    byline: str
    running_head: str
    lang: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    covered: frozenset[str] = frozenset()
    """Keys of the red findings the problem list shows (folded ones included)."""

    def text(self) -> str:
        """Every word of the brief in reading order, one line per paragraph or table row."""
        out = [self.title, self.issue, self.byline]
        for b in self.blocks:
            if isinstance(b, Table):
                out.append(" ".join(b.head))
                out += [" ".join(c.text if isinstance(c, LightCell) else c for c in r) for r in b.rows]
            else:
                out.append(b.text)
        return "\n".join(x for x in out if x)


# -- content ---------------------------------------------------------------------------------------

def _days(n: int, p: ProjectView, lang: str) -> str:
    return days_text(n, p.seven_day, lang)


@dataclass(slots=True)
class _Item:
    """Red findings folded per project item (a milestone or an approval)."""

    project: ProjectView
    milestone: str
    factor: str
    rows: list[FindingRow]
    more: int = 0
    """Further slipping milestones folded under this one."""
    lead: list[FindingRow] | None = None
    """The findings of the milestone that stands for the folded ones (None: `rows`)."""


def _fold(view: WeeklyView, rows: Iterable[FindingRow]) -> list[_Item]:
    pmap = {p.id: p for p in view.projects}
    items: dict[tuple[str, str, str], _Item] = {}
    for r in rows:
        if r.kind is FindingKind.ESCALATION or r.project_id not in pmap:
            continue
        key = (r.project_id, "" if r.factor_id else r.milestone_id, r.factor_id or (
            "" if r.milestone_id else r.kind.value))
        items.setdefault(key, _Item(pmap[r.project_id], key[1], r.factor_id, [])).rows.append(r)
    return list(items.values())


def _root(it: _Item, D: dt.date) -> bool:
    """Whether a milestone item is a cause, not a consequence: it is under way and late, or could
    start now and has not (its forecast start is the data date: nothing before it holds it up), or
    it missed a deadline by its actual date (a fact of its own)."""
    if any(r.by_actual for r in it.rows):
        return True
    if not {r.kind for r in it.rows} & {FindingKind.FINISH_OVERDUE, FindingKind.START_OVERDUE}:
        return False
    row = _row(it.project, it.milestone)
    return row is None or row.forecast_start <= D


def _fold_slips(items: list[_Item], D: dt.date) -> list[_Item]:
    """A project's milestones that are late only because something before them is (they slip, or
    cannot start yet) are folded into one item led by the worst of them (a missed deadline first,
    then the most days late), when there are two or more, or when a cause is listed beside them."""
    out: list[_Item] = []
    follow: dict[str, list[_Item]] = {}
    causes: set[str] = set()
    for it in items:
        if it.milestone and not _root(it, D):
            follow.setdefault(it.project.id, []).append(it)
        elif it.milestone or it.factor:
            causes.add(it.project.id)
    for it in items:
        group = follow.get(it.project.id, [])
        if it not in group or (len(group) < 2 and it.project.id not in causes):
            out.append(it)
        elif it is group[0]:
            lead = max(group, key=lambda i: (any(r.kind is FindingKind.DEADLINE for r in i.rows),
                                             max((r.days or 0) for r in i.rows)))
            out.append(_Item(lead.project, lead.milestone, "", [r for g in group for r in g.rows],
                             len(group) - 1, lead.rows))
    return out


def _blocker(view: WeeklyView, pid: str, fid: str) -> Blocker | None:
    for g in view.blockers:
        for b in g.items:
            if b.project_id == pid and b.factor_id == fid:
                return b
    return None


def _row(p: ProjectView, mid: str) -> GanttRow | None:
    return next((r for r in p.gantt.rows if r.key == mid), None)


def problem_text(view: WeeklyView, item: _Item) -> tuple[str, str, str]:
    """(problem, 完成时限, 需协调事项) of a folded item, written from the dates, not the ISO ones
    of the findings' messages."""
    lang, D, p = view.lang, view.data_date, item.project
    own = item.lead if item.lead is not None else item.rows
    kinds = {r.kind for r in own}
    days = max((r.days or 0) for r in own)
    escalated = any(e.project_id == p.id for e in view.escalations)
    coord = t("brief.coord.escalated", lang) if escalated else "—"
    meeting = t("brief.due.report", lang, date=cn_date(D + dt.timedelta(days=7), D))
    if item.factor:
        b = _blocker(view, p.id, item.factor)
        if b is None:
            return item.rows[0].message, meeting, coord
        text = t("brief.problem.factor", lang, req=b.requirement, kind=b.kind, milestone=b.milestone_name,
                 needed=cn_date(b.needed_by, D), status=b.status,
                 expected=cn_date(b.expected, D) if b.expected else t("brief.expected.unknown", lang))
        if b.needed_by is not None and b.needed_by < D and days:
            text += t("brief.problem.overdue", lang, days=_days(days, p, lang))
        due = cn_date(b.expected, D) if b.expected and b.expected >= D else meeting
        return text, due, (b.blocker or coord) if not escalated else f"{b.blocker}；{coord}" if b.blocker else coord
    if item.milestone:
        r = _row(p, item.milestone)
        name = own[0].milestone_name or item.milestone
        if r is None:
            return "；".join(x.message for x in own), meeting, coord
        start = FindingKind.START_OVERDUE in kinds and not r.event
        planned = (r.baseline_start if start else r.baseline_finish) or r.deadline
        fc = r.forecast_start if start else r.forecast_finish
        if r.event and len(name) <= 6:
            when = by_text(r.deadline, D, lang) if r.deadline else cn_date(planned, D)
            text = t("brief.problem.event", lang, name=name, planned=when, forecast=cn_date(fc, D))
        else:
            verb = "" if r.event else t("brief.verb.start" if start else "brief.verb.finish", lang)
            state = ""
            if FindingKind.START_OVERDUE in kinds:
                state = t("brief.state.not_started", lang)
            elif FindingKind.FINISH_OVERDUE in kinds:
                state = t("brief.state.not_finished", lang)
            text = t("brief.problem.milestone", lang, name=name, planned=cn_date(planned, D), verb=verb, state=state,
                     forecast=cn_date(fc, D))
        if r.event and r.deadline and fc is not None:  # late against the deadline, not the baseline
            days = (fc - r.deadline).days if p.seven_day else 0
        if days > 0:
            text += t("brief.problem.late", lang, days=_days(days, p, lang))
        missed = [x for x in own if x.kind is FindingKind.DEADLINE and x.by_actual]
        if missed and kinds == {FindingKind.DEADLINE}:  # its date has happened: the fact, no forecast
            text = missed[0].message
        elif missed:
            text += "；" + missed[0].message
        elif FindingKind.DEADLINE in kinds and r.deadline:
            text += t("brief.problem.deadline", lang, date=cn_date(r.deadline, D))
        if item.more:
            text = t("brief.problem.more", lang, n=item.more + 1) + text
        due = cn_date(r.deadline, D) if r.deadline and r.deadline >= D else meeting
        return text, due, coord
    if FindingKind.INVESTMENT in kinds and p.investment is not None:
        inv = p.investment
        return (t("brief.problem.investment", lang, done=fmt_wan(inv.completed), plan=fmt_wan(inv.plan_to_date),
                  pct=fmt_pct(inv.percent_of_plan)),
                cn_date(dt.date(D.year, 12, 31), D), coord)
    return "；".join(x.message for x in item.rows), meeting, coord


def progress_text(p: ProjectView, D: dt.date, lang: str) -> tuple[str, str]:
    """(本周进展, 下周计划) of a project: what the units reported when the view carries it, else what
    the schedule says (milestones finished in the last seven days or under way; those due to start
    or finish in the next seven, else the next one)."""
    reported = getattr(p, "progress", None)
    if isinstance(reported, tuple) and len(reported) == 2 and all(isinstance(x, str) for x in reported):
        return reported[0], reported[1]
    last, nxt = D - dt.timedelta(days=7), D + dt.timedelta(days=7)
    done = [r for r in p.milestones if r.finished and last <= r.forecast_finish < D]
    going = [r for r in p.milestones if not r.finished and 0 < r.percent < 100]
    now = [t("brief.progress.event" if r.event else "brief.progress.done", lang, name=_name(r)) for r in done[:2]]
    now += [t("brief.progress.going", lang, name=_name(r), pct=f"{r.percent:.0f}") for r in going[:2 - len(now)]]
    if not now:
        now = [t("brief.progress.none", lang)]
    todo = []
    for r in p.milestones:
        if r.finished:
            continue
        # an event (开工, 建成通车) happens on a day: "预计12月19日开工", not "推进开工（预计…完成）"
        if r.event and D <= r.forecast_finish < nxt:
            todo.append(t("brief.plan.event", lang, name=_name(r), date=cn_date(r.forecast_finish, D)))
        elif D <= r.forecast_start < nxt and r.percent == 0:
            todo.append(t("brief.plan.start", lang, name=_name(r), date=cn_date(r.forecast_start, D)))
        elif D <= r.forecast_finish < nxt:
            todo.append(t("brief.plan.finish", lang, name=_name(r), date=cn_date(r.forecast_finish, D)))
    if not todo:
        upcoming = sorted((r for r in p.milestones if not r.finished), key=lambda r: r.forecast_finish)
        if upcoming:
            r = upcoming[0]
            todo.append(t("brief.plan.event" if r.event else "brief.plan.next", lang, name=_name(r),
                          date=cn_date(r.forecast_finish, D)))
        else:
            todo.append(t("brief.plan.complete", lang))
    return "；".join(now), "；".join(todo[:2])


def _name(r: GanttRow) -> str:
    return r.label.split(" ", 1)[1] if " " in r.label else r.label


def _light_word(light: Light, lang: str) -> str:
    return t(f"out.light.{light.value}", lang)


def _section(n: int, key: str, lang: str) -> Heading:
    num = NUMERALS[n] if n < len(NUMERALS) else str(n + 1)
    return Heading(t("brief.section", lang, n=num, title=t(key, lang)))


def build_brief(view: WeeklyView, *, leader: str | None = None) -> Brief:
    """The brief of the week's view (narrow the view with `view.for_leader` first for a leader's)."""
    lang, D, g = view.lang, view.data_date, view.glance
    blocks: list[Block] = []
    sec = 0

    def head(key: str) -> None:
        nonlocal sec
        blocks.append(_section(sec, key, lang))
        sec += 1

    red_items = _fold_slips(_fold(view, (r for r in view.findings if r.light is Light.RED)), D)
    yellow_items = _fold(view, (r for r in view.findings if r.light is Light.YELLOW))
    red_keys = {(i.project.id, i.milestone, i.factor) for i in red_items}
    yellow_items = [i for i in yellow_items if (i.project.id, i.milestone, i.factor) not in red_keys]
    all_items = red_items + yellow_items
    new = sum(all(r.new for r in i.rows) for i in all_items)

    # 一、总体情况
    head("brief.overview")
    inv = g.investment
    text = t("brief.overview.projects", lang, n=g.projects, red=g.red, yellow=g.yellow, green=g.green)
    if inv.annual_plan > 0:
        text += t("brief.overview.investment", lang, annual=fmt_wan(inv.annual_plan), date=cn_date(D, D),
                  plan=fmt_wan(inv.plan_to_date), done=fmt_wan(inv.completed), pct=fmt_pct(inv.percent_of_plan),
                  pa=fmt_pct(inv.percent_of_annual))
    if view.problems:
        open_probs = [pr for pr in view.problems if pr.problem.listed]
        reds = [pr for pr in open_probs if pr.problem.light is Light.RED]
        text += t("brief.overview.items", lang, n=len(open_probs), red=len(reds), yellow=len(open_probs) - len(reds),
                  projects=len({pr.problem.project for pr in reds}))
    else:
        text += t("brief.overview.items", lang, n=len(all_items), red=len(red_items), yellow=len(yellow_items),
                  projects=len({i.project.id for i in red_items}))
    if g.resolved is not None or view.closed:
        text += t("brief.overview.changes", lang, new=new, closed=len(view.closed),
                  persisting=len(all_items) - new)
    text += t("brief.overview.tail", lang, blockers=g.blockers, esc=len(view.escalations))
    missing = _non_reporting(view)
    if missing:
        text += t("brief.overview.missing", lang, n=len(missing))
    blocks.append(Para(text))
    by = {lt: [p for p in view.projects if p.light is lt] for lt in (Light.RED, Light.YELLOW, Light.GREEN)}
    blocks.append(Table(
        (t("out.col.light", lang), t("brief.col.count", lang), t("brief.col.projects", lang)),
        tuple((LightCell(lt, _light_word(lt, lang)), str(len(ps)), "、".join(p.name for p in ps) or "—")
              for lt, ps in by.items()),
        (16, 14, 156), ("C", "C", "L")))

    # 二、问题清单: the run's problem list (root causes, symptoms folded under them) when it has one
    head("brief.problems")
    numbers: dict[str, list[int]] = {}
    row_of: dict[str, int] = {}  # a problem's row in the list, for the escalations' references
    listed_yellow: list[int] = []  # rows of yellow problems listed for a red symptom under them
    covered: set[str] = set()
    red_probs = [pr for pr in view.problems if pr.problem.listed
                 and (pr.problem.light is Light.RED or any(x.light is Light.RED for x in pr.problem.symptoms))]
    if view.problems:
        qrows: list[tuple[Cell, ...]] = []
        for k, pr in enumerate(red_probs, start=1):
            pb = pr.problem
            numbers.setdefault(pb.project, []).append(k)
            row_of[pb.id] = k
            if pb.light is not Light.RED:
                listed_yellow.append(k)
            covered.update(x.key for x in pb.symptoms if x.key)
            text = cn_dates("；".join(x for x in (pr.what, pr.drags) if x), D, lang)
            due = (cn_date(pb.due, D) if pb.due else
                   t("brief.due.report", lang, date=cn_date(D + dt.timedelta(days=7), D)))
            coord = pr.matters or pb.county_matters or (
                t("brief.coord.escalated", lang) if pb.needs_county else "—")
            qrows.append((str(k), pr.project_name, text, pb.unit or pr.lead_unit, due, cn_dates(coord, D, lang)))
        if qrows:
            blocks.append(Table(
                (t("brief.col.no", lang), t("col.project", lang), t("brief.col.problem", lang),
                 t("brief.col.unit", lang), t("brief.col.due", lang), t("brief.col.coord", lang)),
                tuple(qrows), (8, 26, 82, 22, 19, 29), ("C", "L", "L", "L", "C", "L"), size=7.5))
        else:
            blocks.append(Para(t("brief.none.red", lang)))
        others = [pr for pr in view.problems if pr.problem.listed and pr not in red_probs]
        if listed_yellow:  # so that the table's rows add up to the overview's red and yellow counts
            blocks.append(Para(t("brief.yellow.listed", lang, rows=_numbers(listed_yellow, lang)), note=True))
        if others:
            blocks.append(Para(t("brief.yellow", lang, n=len(others),
                                 projects=len({pr.problem.project for pr in others})), note=True))
    elif red_items:
        rows = []
        for k, it in enumerate(red_items, start=1):
            numbers.setdefault(it.project.id, []).append(k)
            text, due, coord = problem_text(view, it)
            units = "、".join(dict.fromkeys(r.unit for r in it.rows if r.unit)) or it.project.lead_unit
            rows.append((str(k), it.project.name, text, units, due, coord))
        blocks.append(Table(
            (t("brief.col.no", lang), t("col.project", lang), t("brief.col.problem", lang),
             t("brief.col.unit", lang), t("brief.col.due", lang), t("brief.col.coord", lang)),
            tuple(rows), (8, 26, 82, 22, 19, 29), ("C", "L", "L", "L", "C", "L"), size=7.5))
    else:
        blocks.append(Para(t("brief.none.red", lang)))
    if any(i.project.seven_day for i in red_items):
        blocks.append(Para(t("brief.days.note", lang), note=True))
    if yellow_items and not view.problems:
        blocks.append(Para(t("brief.yellow", lang, n=len(yellow_items),
                             projects=len({i.project.id for i in yellow_items})), note=True))

    # 三、项目进展
    head("brief.progress")
    order = sorted(view.projects, key=lambda p: -p.light.rank)
    prows: list[tuple[Cell, ...]] = []
    for k, p in enumerate(order, start=1):
        now, nxt = progress_text(p, D, lang)
        prows.append((str(k), f"{p.name}\n（{p.lead_unit}）" if p.lead_unit else p.name,
                     LightCell(p.light, _light_word(p.light, lang)), fmt_pct(p.percent), now, nxt))
    blocks.append(Table(
        (t("brief.col.no", lang), t("col.project", lang), t("out.col.light", lang), t("brief.col.percent", lang),
         t("brief.col.this_week", lang), t("brief.col.next_week", lang)),
        tuple(prows), (8, 38, 10, 14, 58, 58), ("C", "L", "C", "R", "L", "L"), size=7.5))

    # 以旬保月 (when the view carries it)
    ten_day = getattr(view, "ten_day", None)
    if ten_day is not None and getattr(ten_day, "rows", None):
        head("brief.ten_day")
        blocks.append(Table(tuple(ten_day.head), tuple(tuple(str(c) for c in r) for r in ten_day.rows),
                            tuple(getattr(ten_day, "widths", ()) or _even(len(ten_day.head))), size=8))

    # 提请县政府专题研究
    if view.escalations:
        head("brief.escalations")
        blocks.append(Para(t("brief.escalations.intro", lang)))
        by_project: dict[str, list[Escalation]] = {}  # one paragraph per project, its longest red first
        for e in view.escalations:
            by_project.setdefault(e.project_id, []).append(e)
        for k, group in enumerate(by_project.values(), start=1):
            e = group[0]
            # the rows of the problems going up (else the project's rows): 第1—6、13项, never 第1—13项 for 7
            nums = sorted({row_of[x.problem_id] for x in group if x.problem_id in row_of}) or numbers.get(
                e.project_id, [])
            refs = t("brief.escalation.refs" if len(nums) > 1 else "brief.escalation.ref", lang,
                     a=_numbers(nums, lang)) if nums else ""

            def joined(parts: Iterable[str]) -> str:
                return cn_dates(_short("；".join(dict.fromkeys(x.rstrip("。.") for x in parts if x)), 80), D, lang)

            blocks.append(Para(t("brief.escalation", lang, k=k, project=e.project_name, unit=e.lead_unit,
                                 leader=e.leader or "—", n=len(group), refs=refs,
                                 reason=cn_dates(_short(e.message, 80), D, lang).rstrip("。."),
                                 matters=joined(x.matters for x in group),
                                 proposal=joined(x.proposal for x in group))))

    # 未按时报送单位
    if missing:
        head("brief.missing")
        blocks.append(Para("、".join(missing) + t("brief.missing.tail", lang)))

    # 本周办结
    if view.closed:
        head("brief.closed")
        blocks.append(Para("；".join(t("brief.closed.item", lang, project=c.project_name, item=c.item)
                                    for c in view.closed) + "。"))
    if view.notes:
        blocks.append(Para(t("out.pdf.notes", lang) + "：" + " ".join(view.notes), note=True))
    gen = view.generated_at
    blocks.append(Para(t("brief.footer", lang, generated=f"{fmt_cn_date(gen.date())} {gen:%H:%M}",
                         tz=zone_text(view.timezone, lang)), note=True))
    title = t("brief.title", lang)
    if leader:
        title += t("brief.title.leader", lang, leader=leader)
    issue = t("brief.issue", lang, year=D.year, n=view.issue) if view.issue else ""
    byline = t("brief.byline", lang, office=view.office or t("brief.office", lang), date=fmt_cn_date(D))
    return Brief(title=title, issue=issue, byline=byline, lang=lang, blocks=tuple(blocks),
                 covered=frozenset(covered) if view.problems else frozenset(r.key for i in red_items for r in i.rows),
                 running_head=t("brief.running_head", lang, title=title, date=fmt_cn_date(D)))


def _numbers(nums: Sequence[int], lang: str) -> str:
    """Row numbers as runs: 1—6、13 (zh) or 1-6, 13 (en)."""
    runs: list[list[int]] = []
    for n in sorted(set(nums)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    dash, sep = ("—", "、") if lang == "zh" else ("-", ", ")
    return sep.join(f"{r[0]}{dash}{r[-1]}" if len(r) > 2 else sep.join(map(str, r)) for r in runs)


def _even(n: int) -> tuple[float, ...]:
    return tuple(186.0 / n for _ in range(n))


def _short(msg: str, limit: int = 60) -> str:
    return msg if len(msg) <= limit else msg[:limit - 1] + "…"


def _non_reporting(view: WeeklyView) -> list[str]:
    """The units that did not report this week (未按时报送单位)."""
    return [x if isinstance(x, str) else str(getattr(x, "unit", x)) for x in view.non_reporting]


# -- PDF -----------------------------------------------------------------------------------------------

def render_brief_pdf(brief: Brief, view: WeeklyView, path: Path) -> Path:
    """Write the brief as an A4 PDF (title in red as a 通报 is printed, tables with repeating heads)."""
    from fpdf.enums import XPos, YPos

    from scheduler.outputs.printout import LIGHT_FILL, LIGHT_TEXT, _check_glyphs, _Doc

    class _BriefDoc(_Doc):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font("cjk", size=7.5)
            self.set_text_color(110, 110, 110)
            self.set_y(7)
            self.cell(0, 5, brief.running_head, align="L")
            self.set_draw_color(200, 200, 200)
            self.line(self.l_margin, 12.5, self.w - self.r_margin, 12.5)
            self.set_text_color(0, 0, 0)
            self.set_y(16)

    from fpdf import FontFace

    with _BriefDoc(view) as pdf:  # its font files closed however the rendering ends
        pdf.set_title(brief.title)
        pdf.add_page()
        pdf.set_y(16)
        pdf.set_font("cjk", size=20)
        pdf.set_text_color(200, 20, 20)
        width = pdf.epw - 2 * pdf.c_margin - 0.5
        pdf.multi_cell(0, 10, pdf.fit(brief.title, width), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("cjk", size=11)
        if brief.issue:
            pdf.multi_cell(0, 7, brief.issue, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.multi_cell(0, 7, brief.byline, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(200, 20, 20)
        pdf.set_line_width(0.6)
        y = pdf.get_y() + 1.5
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_line_width(0.2)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_y(y + 2)
        for k, b in enumerate(brief.blocks):
            if isinstance(b, Heading):
                nxt = brief.blocks[k + 1] if k + 1 < len(brief.blocks) else None
                # keep a heading with the start of what follows it (no heading alone at a page foot)
                need = 30.0 if isinstance(nxt, Table) else 20.0
                if pdf.get_y() > pdf.h - 16 - need:
                    pdf.add_page()
                pdf.ln(2)
                pdf.set_font("cjk", size=12)
                pdf.set_text_color(20, 45, 95)
                pdf.multi_cell(0, 6.5, pdf.fit(b.text, width), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.set_text_color(0, 0, 0)
                pdf.ln(1)
            elif isinstance(b, Para):
                if b.note:
                    pdf.note(b.text, size=7.5)
                else:
                    pdf.set_font("cjk", size=10)
                    pdf.multi_cell(0, 5.6, pdf.fit("\u3000\u3000" + b.text, width), align="L",
                                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1.5)
            else:
                rows: list[list[Any]] = []
                for r in b.rows:
                    cells: list[Any] = []
                    for c in r:
                        if isinstance(c, LightCell):
                            cells.append((c.text, FontFace(family="cjk", emphasis="", size_pt=b.size,
                                                           color=LIGHT_TEXT[c.light], fill_color=LIGHT_FILL[c.light])))
                        else:
                            cells.append(c)
                    rows.append(cells)
                pdf.grid(list(b.head), rows, b.widths, size=b.size, align=b.align or None)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pdf.output(str(path))
    _check_glyphs(pdf)
    return path


# -- Word ------------------------------------------------------------------------------------------------

_DOCX_FILL = {Light.RED: "DE423C", Light.YELLOW: "F6C430", Light.GREEN: "4CA04C"}


def render_brief_docx(brief: Brief, path: Path) -> Path:
    """Write the brief as a .docx with the same text (headings, paragraphs, tables), fonts set for
    Chinese (宋体 body, 黑体 headings) so WPS and Word show it as printed."""
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    doc = docx.Document()
    sect = doc.sections[0]
    sect.page_width, sect.page_height = Mm(210), Mm(297)
    sect.left_margin = sect.right_margin = Mm(12)
    sect.top_margin = sect.bottom_margin = Mm(16)

    def font(run: Any, size: float, east: str = "宋体", color: tuple[int, int, int] | None = None) -> None:
        run.font.size = Pt(size)
        run.font.name = east
        rpr = run._element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east)
        if color is not None:
            run.font.color.rgb = RGBColor(*color)

    def para(text: str, size: float, *, center: bool = False, east: str = "宋体",
             color: tuple[int, int, int] | None = None, indent: bool = False) -> None:
        p = doc.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        font(p.add_run(text), size, east, color)

    para(brief.title, 20, center=True, east="黑体", color=(200, 20, 20))
    if brief.issue:
        para(brief.issue, 12, center=True)
    para(brief.byline, 12, center=True)
    for b in brief.blocks:
        if isinstance(b, Heading):
            para(b.text, 14, east="黑体", color=(20, 45, 95))
        elif isinstance(b, Para):
            para(b.text, 9 if b.note else 11, indent=not b.note, color=(110, 110, 110) if b.note else None)
        else:
            tab = doc.add_table(rows=1 + len(b.rows), cols=len(b.head))
            tab.style = "Table Grid"
            tab.alignment = WD_TABLE_ALIGNMENT.CENTER
            trs = tab.rows
            for j, cell in enumerate(trs[0].cells):
                cell.width = Mm(b.widths[j])
                font(cell.paragraphs[0].add_run(b.head[j]), b.size + 1, "黑体")
            for i, r in enumerate(b.rows, start=1):
                for j, (c, cell) in enumerate(zip(r, trs[i].cells, strict=True)):
                    cell.width = Mm(b.widths[j])
                    text = c.text if isinstance(c, LightCell) else c
                    lines = text.split("\n")
                    font(cell.paragraphs[0].add_run(lines[0]), b.size + 1)
                    for extra in lines[1:]:
                        font(cell.add_paragraph().add_run(extra), b.size + 1)
                    if isinstance(c, LightCell):
                        shd = OxmlElement("w:shd")
                        shd.set(qn("w:val"), "clear")
                        shd.set(qn("w:color"), "auto")
                        shd.set(qn("w:fill"), _DOCX_FILL[c.light])
                        cell._tc.get_or_add_tcPr().append(shd)
            doc.add_paragraph()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        doc.save(str(path))
    return path


def docx_text(path: Path) -> str:
    """The text of a .docx in reading order (paragraphs, and table rows cell by cell): for tests and
    for comparing the Word file with the PDF."""
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    doc = docx.Document(str(path))
    out: list[str] = []
    for el in doc.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            txt = Paragraph(el, doc).text
            if txt:
                out.append(txt)
        elif tag == "tbl":
            for row in DocxTable(el, doc).rows:
                out.append(" ".join(c.text for c in row.cells))
    return "\n".join(out)


def brief_names(week: str, leader: str | None = None) -> tuple[str, str]:
    """File names of the week's brief (PDF, docx); a leader's brief carries the leader's name."""
    import re

    stem = f"周调度通报_{week}"
    if leader:  # brackets dropped for reading, then made a safe file name (core.text.file_stem)
        stem += "_" + file_stem(re.sub(r"[\\/:*?\"<>|\s（）()]+", "", leader) or leader)
    return f"{stem}.pdf", f"{stem}.docx"


__all__ = ["Brief", "Heading", "LightCell", "Para", "Table", "brief_names", "build_brief", "docx_text",
           "problem_text", "progress_text", "render_brief_docx", "render_brief_pdf"]


def write_brief(view: WeeklyView, out_dir: Path, *, leader: str | None = None) -> list[Path]:
    """Write the brief (PDF and .docx) of the view into `out_dir`; with `leader`, the brief of the
    projects that leader 包联."""
    from scheduler.outputs.view import for_leader

    v = for_leader(view, leader) if leader else view
    brief = build_brief(v, leader=leader)
    pdf_n, docx_n = brief_names(view.week, leader)
    return [render_brief_pdf(brief, v, Path(out_dir) / pdf_n), render_brief_docx(brief, Path(out_dir) / docx_n)]
