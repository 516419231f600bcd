"""Where the fonts of the printed outputs come from: Noto Sans CJK SC as shipped inside the
`mplfonts` package (found on disk, never installed or `mplfonts init`-ed), DejaVu Sans (shipped
with matplotlib) as the fallback for glyphs the CJK font lacks. Used by the charts and the PDF."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from scheduler.errors import DispatchError

CJK_PREFERRED = ("NotoSansCJKsc-Regular.otf", "SourceHanSansSC-Regular.otf", "SimHei.ttf")
"""File names tried in order inside mplfonts' font folder (the first is the one we ship with)."""


class FontError(DispatchError):
    """No CJK font could be found: the printout would show empty boxes instead of Chinese."""

    exit_code = 2


def _mplfonts_dir() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        d = Path(loc) / "fonts"
        if d.is_dir():
            return d
    return None


@cache
def cjk_font_path() -> Path:
    """The Noto Sans CJK SC file inside site-packages/mplfonts/fonts (another CJK sans if absent)."""
    d = _mplfonts_dir()
    if d is not None:
        for name in CJK_PREFERRED:
            if (d / name).is_file():
                return d / name
        found = sorted(p for p in d.iterdir() if p.suffix.lower() in (".otf", ".ttf") and "Sans" in p.name)
        if found:
            return found[0]
    raise FontError("no-cjk-font", "no CJK font found: install the `mplfonts` package (scripts/setup.sh)")


@cache
def fallback_font_path() -> Path:
    """DejaVu Sans as shipped with matplotlib: Latin, Greek, arrows and symbols."""
    import matplotlib

    p = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if not p.is_file():
        raise FontError("no-fallback-font", f"matplotlib's DejaVuSans.ttf is missing at {p}")
    return p


@cache
def cjk_family() -> str:
    """Family name of the CJK font, registered with matplotlib's font manager (in-process only)."""
    from matplotlib import font_manager

    path = str(cjk_font_path())
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def matplotlib_rc() -> dict[Any, Any]:
    """rcParams for charts: the CJK family first, DejaVu Sans as per-glyph fallback; the minus
    sign is the real U+2212 (both fonts have it, so no 'Glyph missing' warning)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_family(), "DejaVu Sans"],
        "axes.unicode_minus": True,
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
    }
