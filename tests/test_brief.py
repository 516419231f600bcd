"""The weekly brief (outputs/brief.py): the sample portfolio's W48 brief read back from the PDF
(pdftotext) and the .docx; page counts for the sample week and a 70-project county; every page of
the brief and the annex checked for missing glyphs and for text outside the page's frame."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
import warnings
from pathlib import Path

import portfolio_week as pw
import pytest
from test_printout import pages, squash, text_of

from scheduler.core.findings import Light
from scheduler.outputs.brief import LightCell, Table, build_brief, docx_text, render_brief_docx, render_brief_pdf
from scheduler.outputs.printout import MARGIN
from scheduler.outputs.render import write_annex, write_outputs
from scheduler.outputs.view import for_leader, leaders

ISO_WEEK = re.compile(r"\d{4}-W\d{1,2}")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    view, _ = pw.week()
    view = dataclasses.replace(view, non_reporting=("县林业局", "洋沙湖集团"))
    out = tmp_path_factory.mktemp("brief")
    brief = build_brief(view)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph fails here
        pdf = render_brief_pdf(brief, view, out / "brief.pdf")
        docx = render_brief_docx(brief, out / "brief.docx")
    return pdf, docx, brief


RUNNING = re.compile(r"第 \d+ 页 / 共 \d+ 页|重大项目周调度通报 · 截至\d{4}年\d{1,2}月\d{1,2}日")


def _body(text: str) -> str:
    """The PDF's text without the running header and footer lines (a paragraph may cross a page)."""
    return RUNNING.sub("", text)


def _cells(brief: object) -> list[str]:
    out = []
    for b in brief.blocks:  # type: ignore[attr-defined]
        if isinstance(b, Table):
            out += [c.text if isinstance(c, LightCell) else c for r in b.rows for c in r]
        else:
            out.append(b.text)
    return out


def test_the_sample_weeks_brief_fits_four_pages_and_reads_in_chinese_dates(sample: tuple) -> None:
    pdf, _, _ = sample
    assert pages(pdf) <= 4
    text = text_of(pdf)
    assert not ISO_WEEK.search(text), ISO_WEEK.search(text)
    flat = squash(text)
    assert "重大项目周调度通报" in flat and "2026年第2期" in flat and "截至2026年11月23日" in flat
    for head in ("一、总体情况", "二、问题清单", "三、项目进展", "提请县政府专题研究", "未按时报送单位"):
        assert head in flat
    assert "2026-11-23" not in text  # dates are written the Chinese way
    assert "生成时间：2026年11月23日08:30（北京时间）" in flat  # 00:30 UTC is 08:30 in the county


def test_every_red_problem_and_every_silent_unit_is_in_the_pdf(sample: tuple) -> None:
    pdf, _, brief = sample
    view, chk = pw.week()
    red = {f.key for f in chk.findings if f.light is Light.RED}
    # every red finding is listed: a red problem's row counts its symptoms (yellow ones too) under it
    assert red and red <= brief.covered
    assert not {k for k in brief.covered - red if not k.startswith("physical/")}
    flat = squash(_body(text_of(pdf)))
    for cell in _cells(brief):
        assert squash(cell) in flat, cell
    # read from the problem list itself, not from the brief's own bookkeeping: every open problem
    # that is red or has a red item under it is in the PDF in its own words
    from scheduler.outputs.brief import cn_dates

    listed = [pr for pr in view.problems if pr.problem.status.value == "open" and (
        pr.problem.light is Light.RED or any(x.light is Light.RED for x in pr.problem.symptoms))]
    assert listed and {x.key for pr in listed for x in pr.problem.symptoms if x.light is Light.RED} >= red
    for pr in listed:
        assert squash(cn_dates(pr.what, view.data_date)) in flat, pr.what
    for unit in ("县林业局", "洋沙湖集团"):
        assert unit in flat.split("未按时报送单位")[-1]
    for p in view.projects:
        if p.light is Light.RED:
            assert p.name in flat


def test_the_docx_holds_the_same_text(sample: tuple) -> None:
    _, docx, brief = sample
    got = squash(docx_text(docx))
    assert squash(brief.text()) == got


HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、\S")
FOOTER = re.compile(r"^\s*第\s*\d+\s*页\s*/\s*共\s*\d+\s*页\s*$")


def _orphan_headings(pdf: Path) -> list[str]:
    """Section headings (一、… 五、…) among the last two lines of text on their page: alone at its
    foot, or with only a one-line lead-in under it (提请县政府专题研究 with its items overleaf)."""
    layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                            capture_output=True, text=True).stdout
    out = []
    for k, page in enumerate(layout.split("\f"), start=1):
        body = [ln for ln in page.splitlines() if ln.strip() and not FOOTER.match(ln)]
        out += [f"page {k}: {ln.strip()}" for ln in body[-2:] if HEADING.match(ln)]
    return out


def test_a_70_project_county_fits_ten_pages(tmp_path: Path) -> None:
    view, _ = pw.week(70)
    assert len(view.projects) == 70
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdf = render_brief_pdf(build_brief(view), view, tmp_path / "brief70.pdf")
    assert pages(pdf) <= 10
    assert not ISO_WEEK.search(text_of(pdf))
    assert _orphan_headings(pdf) == []  # ten pages: many breaks, no heading alone at a page's foot


def test_a_leaders_brief_holds_only_the_projects_that_leader_keeps(tmp_path: Path) -> None:
    view, _ = pw.week()
    name = "临港开发"  # 县政府分管副县长（临港开发）: 湘阴's plan names roles, not people
    mine = for_leader(view, name)
    assert mine.projects and all(name in p.leader for p in mine.projects)
    others = [p for p in view.projects if name not in p.leader]
    files = write_outputs(view, tmp_path, {}, leaders=False, leader=name)
    flat = squash(text_of(files[0]))
    assert all(p.name in flat for p in mine.projects)
    assert not any(squash(p.name) in flat for p in others if all(p.name not in q.name for q in mine.projects))
    assert "临港开发包联项目" in flat
    assert any(name in x for x in leaders(view))


def test_the_weekly_outputs_are_the_brief_leader_briefs_and_the_sheet(tmp_path: Path) -> None:
    view, _ = pw.week()
    files = write_outputs(view, tmp_path, {})
    names = [f.name for f in files]
    assert names[0] == "周调度通报_2026-W48.pdf" and names[1] == "周调度通报_2026-W48.docx"
    assert "问题清单_2026-W48.xlsx" in names and not any(n.startswith("gantt_") for n in names)
    assert sum(n.endswith(".pdf") for n in names) == 1 + len(leaders(view))


def test_leader_briefs_written_in_worker_processes_are_the_same_files(tmp_path: Path) -> None:
    """A county-size week writes the leaders' briefs in two worker processes beside the county's
    brief: the same files in the same order with the same text as written in this process."""
    from scheduler.outputs.brief import brief_names
    from scheduler.outputs.view import narrow

    view, _ = pw.week()
    two = leaders(view)[:2]
    view = narrow(view, {p.id for p in view.projects if any(n in p.leader for n in two)})  # kept small: fast
    pooled = write_outputs(view, tmp_path / "pooled", {}, workers=2)
    assert len(leaders(view)) == 2 and [f.name for f in pooled] == [
        *brief_names("2026-W48"), *(x for n in leaders(view) for x in brief_names("2026-W48", n)),
        "问题清单_2026-W48.xlsx"]
    for name, pdf, docx in zip(leaders(view), pooled[2:6:2], pooled[3:6:2], strict=True):
        mine = for_leader(view, name)
        here = render_brief_docx(build_brief(mine, leader=name), tmp_path / "here.docx")
        assert docx_text(docx) == docx_text(here)
        flat = squash(text_of(pdf))
        assert all(squash(p.name) in flat for p in mine.projects) and f"{name}包联项目" in flat


def _words_outside_frame(pdf: Path) -> list[str]:
    """Words whose box crosses the page's left or right margin (pdftotext -bbox, in points)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    out = []
    width = 595.28
    m = MARGIN / 25.4 * 72 - 1.5
    for x0, x1, word in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                                   html):
        if float(x0) < m or float(x1) > width - m:
            out.append(f"{word} [{x0}-{x1}]")
    return out


def test_every_page_of_the_brief_and_the_annex_keeps_its_text_in_the_frame(sample: tuple, tmp_path: Path) -> None:
    pdf, _, _ = sample
    assert _words_outside_frame(pdf) == []
    view, _ = pw.week()
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.config import REPO_ROOT

    cs = CalendarSet(REPO_ROOT / "calendar")
    small = dataclasses.replace(view, projects=view.projects[:3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph in the PDF or a chart fails here
        files = write_annex(small, tmp_path, {p.calendar: cs[p.calendar] for p in small.projects}, workers=1)
    assert _words_outside_frame(files[0]) == []
    assert _orphan_headings(pdf) == [] and _orphan_headings(files[0]) == []


def test_the_weekly_runs_problem_list_is_the_briefs(tmp_path: Path) -> None:
    """W47 then W48 of projects/ through the weekly run (problems folded by the check): every red
    problem of the run is a row of the brief, read back from the PDF; no ISO week; at most 4 pages."""

    from scheduler.app.loading import load_files
    from scheduler.app.reprint import view_of_run
    from scheduler.app.weekly import run_weekly
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.config import REPO_ROOT, load_config
    from scheduler.outputs.brief import cn_dates
    from scheduler.store.db import open_database

    cfg = tmp_path / "config.toml"
    cfg.write_text((REPO_ROOT / "config.toml").read_text(encoding="utf-8").replace(
        'data_dir = "var"', f'data_dir = "{tmp_path.as_posix()}"').replace(
        'calendar_dir = "calendar"', f'calendar_dir = "{(REPO_ROOT / "calendar").as_posix()}"').replace(
        'projects_dir = "projects"', f'projects_dir = "{(REPO_ROOT / "projects").as_posix()}"').replace(
        'outbox_dir = "var/outbox"', f'outbox_dir = "{(tmp_path / "out").as_posix()}"'), encoding="utf-8")
    config = load_config(cfg)
    engine = open_database(config.database_url, create=True)
    try:
        got = load_files(engine, [REPO_ROOT / "projects"], calendars=CalendarSet(config.calendar_dir),
                         default_calendar=config.default_calendar, portfolio=config.portfolio)
        assert not got.errors
        for d in (pw.W47, pw.W48):
            run_weekly(engine, config, d, outputs=False, deliver=False)
        view, _ = view_of_run(engine, config, "2026-W48")
    finally:
        engine.dispose()
    assert view.problems
    brief = build_brief(view)
    pdf = render_brief_pdf(brief, view, tmp_path / "brief.pdf")
    assert pages(pdf) <= 4
    assert _orphan_headings(pdf) == []  # 五、提请县政府专题研究 and its lead-in were left at page 2's foot
    text = text_of(pdf)
    assert not ISO_WEEK.search(text)
    flat = squash(text)
    red = [pr for pr in view.problems if pr.problem.status.value == "open" and pr.problem.light is Light.RED]
    assert red
    for pr in red:
        assert squash(cn_dates(pr.what, dt.date(2026, 11, 23))) in flat, pr.what
    # the reprint reads each problem's finding back from the stored run: 天 on the construction
    # calendar (M06: baseline finish 07-02, 144 days before 11-23), 个工作日 on the office calendar
    what = {pr.problem.id: pr.what for pr in red}
    assert what["YJ-AVENUE/milestone/M06"] == "征地拆迁（摸底调查、预征收补偿协议签订及交地）（M06）滞后144天"
    assert "所需，已逾期63个工作日；" in what["JINLONG-PARK/factor/F3"]
    assert squash(brief.text()) == squash(docx_text(render_brief_docx(brief, tmp_path / "brief.docx")))


def _rows(spec: str) -> list[int]:
    """'1、3—6' -> [1, 3, 4, 5, 6]."""
    out: list[int] = []
    for part in spec.split("、"):
        a, _, b = part.partition("—")
        out += range(int(a), int(b or a) + 1)
    return out


def test_the_overviews_counts_add_up_to_the_problem_table_and_escalations_cite_their_rows(tmp_path: Path) -> None:
    """A reader checks the overview against the table: red rows + yellow rows listed for a red item
    under them + the other yellow items = the overview's red and yellow counts; each matter going
    up to the county cites exactly its problems' rows (问题清单第1、3—6项 for 5, never 第1—13项)."""
    view, _ = pw.week()
    brief = build_brief(view)
    paras = [b.text for b in brief.blocks if not isinstance(b, Table)]
    overview = next(p for p in paras if "本周需协调推进事项" in p)
    red, yellow = map(int, re.search(r"其中红灯(\d+)项.*?黄灯(\d+)项", overview).groups())  # type: ignore[union-attr]
    table = next(b for b in brief.blocks if isinstance(b, Table) and "需协调事项" in b.head)
    listed = next((_rows(m.group(1)) for p in paras if (m := re.search(r"上表第(\S+?)项为黄灯问题", p))), [])
    others = next(int(m.group(1)) for p in paras if (m := re.search(r"另有黄灯事项(\d+)项", p)))
    assert len(table.rows) - len(listed) == red and len(listed) + others == yellow
    project_of = {int(r[0]): r[1] for r in table.rows}  # type: ignore[arg-type]
    ups = [m for p in paras if (m := re.search(r"^\d+\. (.+?)（.*?(\d+)个问题提请研究（问题清单第(\S+?)项）", p))]
    assert ups and any(len(_rows(m.group(3))) > 1 for m in ups)
    for m in ups:
        rows = _rows(m.group(3))
        assert len(rows) <= int(m.group(2)) and {project_of[r] for r in rows} == {m.group(1)}, m.group(0)


def test_progress_ten_day_table_and_closed_items_are_in_the_brief(tmp_path: Path) -> None:
    """Each project's row says 本周进展 and 下周计划 from its milestones (an event as the day it
    happens: 沿江大道 "预计12月19日开工", not "推进开工（预计…完成）"); the 以旬保月 table is there;
    items closed this week are listed under 本周办结, in the PDF as in the .docx."""
    from scheduler.outputs.view import Closed

    view, _ = pw.week()
    done = Closed("YJ-AVENUE", "沿江大道", "防洪影响评价（湘江大堤）审查", ("overdue",), "县水利局")
    view = dataclasses.replace(view, closed=(done,))
    brief = build_brief(view)
    progress = next(b for b in brief.blocks if isinstance(b, Table) and "本周进展" in b.head)
    assert progress.head[-2:] == ("本周进展", "下周计划") and len(progress.rows) == len(view.projects)
    assert all(r[-1] and r[-2] for r in progress.rows)
    yj = next(r for r in progress.rows if str(r[1]).startswith("沿江大道"))
    assert yj[-1] == "预计12月19日开工", yj
    assert not any("推进开工" in str(r[-1]) or "完成开工" in str(r[-1]) for r in progress.rows)
    pdf = render_brief_pdf(brief, view, tmp_path / "b.pdf")
    flat = squash(_body(text_of(pdf)))
    assert "以旬保月、以月保季、以季保年" in flat and "本旬" in flat
    assert "本周办结" in flat and flat.index("本周办结") < flat.index("沿江大道防洪影响评价（湘江大堤）审查")
    assert "本周办结" in docx_text(render_brief_docx(brief, tmp_path / "b.docx"))


@pytest.mark.parametrize(("text", "said"), [
    ("基线计划 2026-10-13 完成，至今未完成", "基线计划10月13日完成，至今未完成"),
    ("影响时限：全面投运（M18，2026-12-31 前完成）", "影响时限：全面投运（M18，12月31日前完成）"),
    ("预计批复：2027-01-15；堵点", "预计批复：2027年1月15日；堵点"),
    ("路基 K0+000 2026-10-13 x", "路基 K0+000 10月13日 x"),  # beside Latin text the spaces stay
    ("2026-02-30 前", "2026-02-30 前"),  # not a date: as written
])
def test_a_date_inside_a_chinese_sentence_takes_no_spaces(text: str, said: str) -> None:
    """The brief writes ISO dates the Chinese way; the spaces around them go too (12月31日 前完成 read
    as a typo)."""
    from scheduler.core.dates import cn_dates

    assert cn_dates(text, dt.date(2026, 11, 23)) == said
