"""Gantt charts (scheduler/charts.py): they render to PNG and SVG with every glyph found, shade the
calendars' holiday breaks, and stay readable at 60 milestones. Looked at by hand as well."""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
import sample_view as sv
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from scheduler.outputs.charts import CRITICAL, build_figure, figure_height, holiday_spans, render_gantt
from scheduler.outputs.fonts import cjk_family, cjk_font_path, matplotlib_rc
from scheduler.outputs.view import GanttModel


@pytest.fixture(scope="module")
def view():  # type: ignore[no-untyped-def]
    return sv.build()


def test_the_cjk_font_is_mplfonts_noto_sans_registered_in_process() -> None:
    p = cjk_font_path()
    assert p.name == "NotoSansCJKsc-Regular.otf" and "mplfonts" in p.parts
    assert cjk_family() == "Noto Sans CJK SC"


def test_project_and_portfolio_charts_render_without_missing_glyphs(view, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cals = sv.calendars()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = render_gantt(view.portfolio_gantt, cals["construction"], "zh",
                             [tmp_path / "p.png", tmp_path / "p.svg"])
        for pv in view.projects:
            files += render_gantt(pv.gantt, cals[pv.calendar], "zh", [tmp_path / f"{pv.id}.png"])
    assert not [w for w in caught if "missing from font" in str(w.message)], [str(w.message) for w in caught]
    for f in files:
        assert f.stat().st_size > 10_000
    with Image.open(tmp_path / "YGG-RAIL.png") as im:
        # cropped to content at 150 dpi: about the A4 text width (186 mm = 7.3 in), so the PDF prints it 1:1
        assert 6.0 * 150 < im.size[0] < 7.8 * 150
    svg = (tmp_path / "p.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "虞公港铁路专用线" in svg  # matplotlib keeps text as a comment


def test_a_glyph_no_font_has_is_reported() -> None:
    model = sv.build().projects[2].gantt
    rows = (replace(model.rows[0], label="施工围挡 \U0001F6A7"),)
    bad = GanttModel(model.title, rows, model.data_date, model.calendar, model.start, model.end)
    with pytest.warns(UserWarning, match="missing from font"), rc_context(matplotlib_rc()):
        fig = build_figure(bad, None, "zh")
        FigureCanvasAgg(fig).draw()


def test_holiday_breaks_of_the_calendars() -> None:
    cals = sv.calendars()
    # construction works every day but the Spring Festival break, 2026-02-15 .. 2026-02-23 (spec)
    assert holiday_spans(cals["construction"], dt.date(2026, 1, 1), dt.date(2027, 1, 1)) == [
        (dt.date(2026, 2, 15), dt.date(2026, 2, 23), "spring")]
    office = holiday_spans(cals["office"], dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    names = {name: (a, b) for a, b, name in office if name}
    assert set(names) == {"spring", "labour", "national"}
    a, b = names["national"]
    assert a <= dt.date(2026, 10, 1) <= b and (b - a).days >= 6
    assert all((b - a).days >= 2 for a, b, _ in office)  # ordinary weekends are not shaded


def test_sixty_milestones_stay_readable() -> None:
    big = sv.build(projects=(sv.big_project(60),), findings=())
    model = big.projects[0].gantt
    assert len(model.rows) == 60
    with rc_context(matplotlib_rc()):
        fig = build_figure(model, sv.calendars()["construction"], "zh")
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        ax = fig.axes[0]
        labels = ax.get_yticklabels()
        assert fig.get_size_inches()[1] == pytest.approx(figure_height(60)) and figure_height(60) > 60 * 0.3
        assert all(float(lab.get_fontsize()) >= 8 for lab in labels)
        boxes = [lab.get_window_extent(renderer) for lab in labels]
        for upper, lower in itertools.pairwise(boxes):  # rows run downwards: no two labels overlap
            assert upper.y0 >= lower.y1 - 0.5
        # the long names wrap onto two lines, ending in an ellipsis when even that is too short
        assert "\n" in labels[0].get_text()
        # critical bars are outlined in dark red
        crit = [p for p in ax.patches if p.get_edgecolor()[:3] == pytest.approx((0x9B / 255, 0, 0), abs=1e-3)]
        assert len(crit) >= 50 and CRITICAL == "#9b0000"


@pytest.mark.parametrize(("label", "lines"), [
    ("沿江大道改造工程一期（长14.1公里）道路及配套工程", ["沿江大道改造工程一期（长14.1公里）", "道路及配套工程"]),
    ("城北片区污水管网K0+000至K3+500段改造工程项目", ["城北片区污水管网K0+000至", "K3+500段改造工程项目"]),
    ("城北片区污水管网改造工K0+000至K3+500段改造工程项目", ["城北片区污水管网改造工K0+000至", "K3+500段改造工程项目"]),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG", ["ABCDEFGHIJKLMNOPQR…"]),
    ("老城区 雨污分流改造工程 K0+000 段 三期建设项目工程", ["老城区 雨污分流改造工程 K0+000", "段 三期建设项目工程"]),
    ("城北片区污水管网改造工程项目一期二期三期K0+000至K3+500段改造工程项目",
     ["城北片区污水管网改造工程项目一期二期三", "期K0+000至K3+500段改造工…"]),
    ("城北片区污水管网改造工程一期K0+000至K3+500段改造", ["城北片区污水管网改造工程一期", "K0+000至K3+500段改造"]),
])
def test_chart_labels_break_at_a_cjk_character_or_space_never_inside_a_number(label: str, lines: list[str]) -> None:
    from scheduler.outputs.charts import LABEL_CHARS, _wrap
    assert _wrap(label).split("\n") == lines
    assert all(len(line) <= LABEL_CHARS for line in lines)


def test_every_label_inside_a_chart_stays_within_its_frame(view) -> None:  # type: ignore[no-untyped-def]
    """The texts drawn in the plot (the data-date label, holiday names, percent done) lie within the
    axes' frame horizontally on every chart of the sample week, the portfolio's included, and on a
    project ending days after the data date (the data-date label and "70%" ran past the frame)."""
    cals = sv.calendars()
    models = [(view.portfolio_gantt, cals["construction"])] + [(p.gantt, cals[p.calendar]) for p in view.projects]
    # a project finishing soon: its last bar, half done, ends the frame's last day, and the data date
    # is days before the frame's end
    g = view.projects[0].gantt
    rows = (*g.rows[:-1], replace(g.rows[-1], event=False, finished=False, percent=50.0,
                                  forecast_start=g.end - dt.timedelta(days=40), forecast_finish=g.end))
    models.append((replace(g, rows=rows, data_date=g.end - dt.timedelta(days=3)), cals[view.projects[0].calendar]))
    outside = []
    with rc_context(matplotlib_rc()):
        for model, cal in models:
            fig = build_figure(model, cal, "zh")
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            renderer = canvas.get_renderer()
            for ax in fig.axes:
                frame = ax.get_window_extent(renderer)
                texts = [x for x in ax.texts if x.get_visible() and x.get_text().strip()]
                assert texts, model.title
                for x in texts:
                    box = x.get_window_extent(renderer)
                    if not (frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5):
                        outside.append((model.data_date, x.get_text()))
    assert outside == []
