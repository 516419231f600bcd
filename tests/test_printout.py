"""The weekly printout (scheduler/printout.py, through scheduler/outputs.write_outputs): rendered
from a hand-made WeeklyView, its pages rasterised with pdftoppm and its text read back with
pdftotext (poppler-utils, installed by scripts/test.sh). Every glyph must be in the embedded fonts."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
import sample_view as sv

from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.core.phrases import finding_text, names_of_projects
from scheduler.outputs.printout import MissingGlyphWarning, render_printout
from scheduler.outputs.render import pdf_name, sheet_name, write_annex

POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("pdfinfo")


def _need_poppler() -> None:
    assert POPPLER, "poppler-utils (pdftoppm, pdftotext) missing: run scripts/test.sh"


def text_of(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    """The PDF's text in content-stream order (-raw keeps a wrapped cell's lines together)."""
    _need_poppler()
    args = ["pdftotext", "-raw", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    return text_of(pdf).split("\f")[:-1]


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def pages(pdf: Path) -> int:
    _need_poppler()
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    out = tmp_path_factory.mktemp("week")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (matplotlib or fpdf2) fails here
        files = write_annex(sv.build(problems=sv.PROBLEMS), out, sv.calendars(), workers=2,
                            sheet=True)  # charts in worker processes
    return files, out


def test_write_outputs_writes_the_pdf_charts_and_sheet(written: tuple[list[Path], Path]) -> None:
    files, out = written
    names = [f.name for f in files]
    assert names[0] == pdf_name(sv.WEEK) == "周调度附件_2026-W48.pdf" and names[-1] == sheet_name(sv.WEEK)
    for stem in ("gantt_portfolio", "gantt_YGG-RAIL", "gantt_WBF-110KV", "gantt_HY-HOSPITAL"):
        assert f"{stem}.png" in names and f"{stem}.svg" in names
    assert all(f.is_file() and f.parent == out for f in files)


def test_pdf_text_holds_every_project_and_every_red_finding(written: tuple[list[Path], Path]) -> None:
    pdf = written[0][0]
    text = squash(text_of(pdf))
    for p in sv.PROJECTS:
        assert p.name in text
    reds = [f for f in sv.FINDINGS if f.light is Light.RED]
    assert len(reds) == 3
    for f in reds:
        msg = finding_text(f, names_of_projects(sv.PROJECTS), ref=sv.D)  # dates as of the data date: 7月9日
        assert squash(msg) in text, msg
    for word in ("红灯清单", "要素保障堵点", "提请县政府专题研究", "林地指标不足，需省厅调剂", "数据日期2026年11月23日",
                 "二期用地预审连续4周红灯，林地指标不足", "请县政府协调省林业局调剂林地指标"):  # F1 goes up
        assert word in text


def test_every_page_is_numbered_of_the_total(written: tuple[list[Path], Path]) -> None:
    pdf = written[0][0]
    n = pages(pdf)
    texts = page_texts(pdf)
    assert n >= 5 and len(texts) == n  # cover, lists, a page per project
    for k, text in enumerate(texts, start=1):
        assert f"第{k}页/共{n}页" in squash(text)


def test_pages_rasterise_and_embed_the_cjk_font(written: tuple[list[Path], Path], tmp_path: Path) -> None:
    pdf = written[0][0]
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "pg")], check=True)
    assert len(list(tmp_path.glob("pg-*.png"))) == pages(pdf)
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "NotoSansCJKSC" in fonts and " yes yes yes " in fonts  # embedded, subset, unicode map


def test_a_character_no_font_has_warns(tmp_path: Path) -> None:
    bad = dataclasses.replace(sv.FINDINGS[1],
                              details={**sv.FINDINGS[1].details, "blocker": "施工围挡 \U0001F6A7 未拆除"})
    view = sv.build(findings=(bad,))
    with pytest.warns(MissingGlyphWarning, match="U\\+1F6A7"):
        render_printout(view, tmp_path / "bad.pdf", {})


def test_long_tables_repeat_their_headings_and_long_cells_wrap(tmp_path: Path) -> None:
    big = sv.big_project(60)
    long_msg = "征地拆迁涉及" + "、".join(f"第{i}组农户" for i in range(1, 40)) + "，需县政府协调补偿标准"
    finding = Finding("BIG", FindingKind.FACTOR, Light.RED, "县自然资源局", milestone="S05", factor="F9",
                      factor_kind="用地", days=3, first_seen="2026-W48", weeks_red=1,
                      details={"status": "办理中", "needed": "2026-11-18", "blocker": long_msg})
    view = sv.build(projects=(*sv.PROJECTS, big), findings=(*sv.FINDINGS, finding))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        files = write_annex(view, tmp_path, sv.calendars(), workers=1)  # in-process
    texts = [squash(x) for x in page_texts(files[0])]
    # the 60-row milestone table runs over several pages, each starting with the heading row
    s01_page = next(k for k, x in enumerate(texts) if "S01第1标段" in x)
    s60_page = next(k for k, x in enumerate(texts) if "S60第60节点完成" in x)
    assert s60_page > s01_page
    assert all("基线开始" in texts[k] for k in range(s01_page, s60_page + 1))
    assert squash(long_msg) in "".join(texts)  # wrapped over lines, nothing lost


def test_english_is_one_switch_away(tmp_path: Path) -> None:
    view = sv.build(lang="en")
    pdf = render_printout(view, tmp_path / "en.pdf", {})
    text = text_of(pdf)
    assert "Page 1 of" in text and "Red list by lead unit" in text and "Milestones" in text


def test_a_missing_glyph_in_a_worker_process_chart_reaches_the_caller(tmp_path: Path) -> None:
    odd = dataclasses.replace(sv.HOSPITAL, milestones=(
        dataclasses.replace(sv.HOSPITAL.milestones[0], name="施工围挡 \U0001F6A7"), *sv.HOSPITAL.milestones[1:]))
    view = sv.build(projects=(odd,), findings=())
    with pytest.warns(MissingGlyphWarning, match="U\\+1F6A7"), \
            pytest.warns(UserWarning, match=r"Glyph 128679 .* missing from font"):  # from the chart worker
        write_annex(view, tmp_path, sv.calendars(), workers=2)


def test_cli_printout_of_a_stored_run(config_file: Path, portfolio_dir: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import scheduler.app.weekly as runmod
    import scheduler.outputs.render as outmod
    from scheduler.cli import cli

    runner = CliRunner()
    base = ["--config", str(config_file)]
    assert runner.invoke(cli, [*base, "load", str(portfolio_dir)]).exit_code == 0
    with monkeypatch.context() as m:  # the run itself writes nothing
        m.setattr(outmod, "write_outputs", lambda *a, **k: [])
        m.setattr(runmod.loop, "deliver_pending", lambda *a, **k: None)
        res = runner.invoke(cli, [*base, "run", "--data-date", "2026-11-23"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "meeting" / "print.pdf"
    res = runner.invoke(cli, [*base, "printout", "--week", "2026-W48", "--out", str(out), "--annex"])
    assert res.exit_code == 0, res.output
    listed = res.output.split()
    assert listed[0] == str(out) and out.is_file()
    assert str(out.parent / "gantt_ALPHA.png") in listed and str(out.parent / "问题清单_2026-W48.xlsx") in listed
    annex = out.parent / pdf_name("2026-W48")
    assert str(annex) in listed
    text = squash(text_of(annex))
    for name in ("虞公港铁路专用线（测试）", "县人民医院综合楼", "沿江大道"):
        assert name in text
    assert "Page1of" in text and "2026-W48" in text  # the test config says language = "en"
    red = json.loads(runner.invoke(cli, [*base, "findings", "--week", "2026-W48", "--format", "json",
                                         "--light", "red"]).output)["findings"]
    assert red and all(squash(f["message"]) in text for f in red)
    res = runner.invoke(cli, [*base, "printout", "--week", "2026-W40"])
    assert res.exit_code == 2 and "no weekly run of 2026-W40" in res.output and "Traceback" not in res.output


def test_line_breaking_of_mixed_chinese_and_latin_text() -> None:
    from scheduler.outputs.printout import break_lines

    def one(ch: str) -> float:
        return 1.0

    # between CJK characters or at spaces; a date stays whole; the space at a break is dropped
    assert break_lines("基线计划 2026-10-13 完成，至今未完成，已滞后 41 个工作日", 14, one) == [
        "基线计划", "2026-10-13 完成，", "至今未完成，已滞后 41 个", "工作日"]
    # no line starts with a comma: the character before it comes along
    assert break_lines("一二三四五六七八九十，十一", 10, one) == ["一二三四五六七八九", "十，十一"]
    # no line ends with an opening bracket
    assert break_lines("一二三四五六七八（九十）", 9, one) == ["一二三四五六七八", "（九十）"]
    # a Latin run wider than a line is split; newlines are kept; English breaks at spaces
    assert break_lines("abcdefghijklmnopqrstuvwxyz", 10, one) == ["abcdefghij", "klmnopqrst", "uvwxyz"]
    assert break_lines("a\nb", 12, one) == ["a", "b"]
    assert break_lines("red for 3 weeks running", 12, one) == ["red for 3", "weeks", "running"]
    # a Chinese date stays whole too (12月 / 19日 read as two things)
    assert break_lines("原定10月底前开工，预计12月19日开工", 10, one) == ["原定10月底前开工，", "预计12月19日开工"]
    assert break_lines("预计批复：2027年1月15日", 10, one) == ["预计批复：", "2027年1月15日"]


def test_the_cover_and_running_head_say_the_week_as_the_brief_does(written: tuple[list[Path], Path]) -> None:
    """The annex's cover and every page's head name the week in Chinese (2026年第48周（11月23日至29日）)
    and write the data date as the brief does (2026年11月23日); only the file names keep 2026-W48."""
    pdf = written[0][0]
    texts = [squash(x) for x in page_texts(pdf)]
    assert "2026年第48周（11月23日至29日）工作专班调度材料" in texts[0]
    assert "数据日期2026年11月23日" in texts[0]
    for text in texts[1:]:
        assert "2026年第48周（11月23日至29日）重大项目要素保障周调度·数据日期2026年11月23日" in text
    assert not any("W48" in x for x in texts)
    assert pdf.name == "周调度附件_2026-W48.pdf"


def test_english_cover_keeps_the_iso_week_with_its_dates(tmp_path: Path) -> None:
    text = squash(text_of(render_printout(sv.build(lang="en"), tmp_path / "en.pdf", {}), 1))
    assert "Taskforcemeeting,2026-W48(2026-11-23to2026-11-29)" in text and "Datadate2026-11-23" in text
