"""The web workplace in a real browser: Debian's Chromium driven by Playwright (one browser for
the module, the server on loopback): a unit signs in on a phone-sized screen, reports, answers a
problem; the office closes it; a leader reads their projects and is refused another's. The main
pages are checked for missing glyphs: the page's web font (Noto Sans CJK, served by the app) has
loaded and holds every character the page shows, and the screenshots are kept."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import free_port, wait_until
from web_world import OTHER_UNIT, PASSWORD, UNIT, World, first_problem, module_world

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian's chromium is not installed (scripts/test.sh installs it)")


world = module_world("webb")


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[str]:
    import uvicorn

    from scheduler.web.app import create_app

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(world.config, world.engine), host="127.0.0.1", port=port,
                                        log_level="warning", lifespan="off"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    assert wait_until(lambda: srv.started, timeout=20)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        th.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _sign_in(browser: Any, base: str, username: str, phone: bool = False) -> Any:
    ctx = browser.new_context(viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
                              locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _font_chars() -> set[int]:
    from matplotlib.ft2font import FT2Font

    from scheduler.outputs.fonts import cjk_font_path

    return set(FT2Font(str(cjk_font_path())).get_charmap())


def _check_glyphs(page: Any, shot: Path, chars: set[int]) -> None:
    """The web font loaded and covers every character shown (no tofu); the page fits a phone's
    width (wide tables scroll inside their own box); a screenshot is kept."""
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate("[...document.fonts].filter(f => f.family.includes('DispatchCJK'))"
                           ".map(f => f.status)")
    assert loaded == ["loaded"], loaded
    text = page.evaluate("document.body.innerText")
    missing = sorted({ch for ch in text if ord(ch) > 0x7F and ord(ch) not in chars})
    assert not missing, f"characters the font lacks: {missing}"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), "the page shows Chinese"
    assert page.evaluate("document.fonts.check('16px DispatchCJK', document.body.innerText.slice(0, 200))")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_unit_reports_answers_office_closes_leader_reads(server: str, browser: Any, world: World,
                                                         tmp_path: Path) -> None:
    from web_world import LEADER

    chars = _font_chars()
    shots = Path(os.environ.get("DISPATCH_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    mine = first_problem(world, UNIT)
    problem, foreign = mine.id, first_problem(world, OTHER_UNIT).id

    # a unit's clerk on a phone: the week, its report, its problem
    page = _sign_in(browser, server, world.users["unit"], phone=True)
    assert UNIT in page.inner_text("header")
    _check_glyphs(page, shots / "week_unit_phone.png", chars)
    page.click("nav >> text=周报填报")
    page.wait_for_url("**/report")
    _check_glyphs(page, shots / "report_phone.png", chars)
    row = page.locator("tr", has=page.locator("input[name$='|actual_finish'][value='']")).first
    if not row.locator("input[name$='|actual_start']").input_value():
        row.locator("input[name$='|actual_start']").fill("2026-11-23")
    box = row.locator("input[name$='|percent']")
    box.fill(str(round((float(box.input_value() or 0) + 100) / 2, 1)))  # forward
    page.click("form.report button[type=submit]")
    page.wait_for_selector("text=已保存为第 1 版")
    page.goto(f"{server}/problem/{problem}")
    page.fill("textarea[name=situation]", "已与省厅对接，正在补充材料")
    page.fill("input[name=promised]", "2026-12-18")
    page.click("form[action^='/answer'] button")
    page.wait_for_selector("text=已提交情况反馈")
    assert "已与省厅对接" in page.inner_text("main")
    assert page.locator("form[action^='/decide']").count() == 0  # no office actions for a unit
    resp = page.goto(f"{server}/problem/{foreign}")  # another unit's problem: the URL edited
    assert resp is not None and resp.status == 404
    page.context.close()

    # the office closes it
    page = _sign_in(browser, server, world.users["office"])
    page.goto(f"{server}/problem/{problem}")
    assert "已与省厅对接" in page.inner_text("main")
    page.select_option("select[name=action]", "close")
    page.fill("textarea[name=reason]", "要素已批复，销号")
    page.click("form[action^='/decide'] button")
    page.wait_for_selector("text=已记录处理意见")
    assert "销号" in page.inner_text("p.muted")
    page.goto(f"{server}/")
    _check_glyphs(page, shots / "week_office.png", chars)
    page.goto(f"{server}/projects/XG-BRIDGE")
    page.wait_for_function("document.querySelector('img.gantt').complete")
    assert page.evaluate("document.querySelector('img.gantt').naturalWidth") > 100  # the SVG Gantt drew
    _check_glyphs(page, shots / "project_office.png", chars)
    page.context.close()

    # a leader reads their projects only, and changes nothing
    page = _sign_in(browser, server, world.users["leader"])
    names = page.locator("main table a[href^='/projects/']").all_inner_texts()
    assert names and page.locator("form[action='/week/run']").count() == 0
    week = page.inner_text("main")
    assert "铁路" not in " ".join(names) and LEADER in page.inner_text("main")
    _check_glyphs(page, shots / "week_leader.png", chars)
    resp = page.goto(f"{server}/projects/YGG-RAIL")
    assert resp is not None and resp.status == 404
    resp = page.goto(f"{server}/problem/{problem}")
    assert resp is not None and resp.status == (200 if mine.project == "XG-BRIDGE" else 404)
    assert page.locator("form[action^='/answer'], form[action^='/decide']").count() == 0
    assert week
    page.context.close()
