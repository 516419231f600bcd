"""Where the fonts of the printed outputs come from: Noto Sans CJK SC as shipped inside the
`mplfonts` package (found on disk, never installed or `mplfonts init`-ed), DejaVu Sans (shipped
with matplotlib) as the fallback for glyphs the CJK font lacks. Used by the charts and the PDF."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from scheduler.errors import DispatchError, os_params

CJK_PREFERRED = ("NotoSansCJKsc-Regular.otf", "SourceHanSansSC-Regular.otf", "SimHei.ttf")
"""File names tried in order inside mplfonts' font folder (the first is the one we ship with)."""
FONT_MAGIC = (b"OTTO", b"\x00\x01\x00\x00", b"true", b"ttcf")
"""The first four bytes of an OpenType (CFF), TrueType, Apple TrueType and font collection file."""


class FontError(DispatchError):
    """No CJK font could be found or read: the printout would show empty boxes instead of Chinese."""

    exit_code = 2


def _readable(path: Path) -> Path:
    """`path` when it can be read and begins as a font file does; else FontError saying why (the
    system's reason, or a file that is not a font: damaged or cut short)."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError as e:
        raise FontError("unreadable-font", f"the font file {path} cannot be read: {e.strerror}",
                        params={"path": str(path), **os_params(e)}) from None
    if head not in FONT_MAGIC:
        raise FontError("unreadable-font", f"the font file {path} is not a font (damaged or cut short)",
                        params={"case": "format", "path": str(path)})
    return path


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
                return _readable(d / name)
        found = sorted(p for p in d.iterdir() if p.suffix.lower() in (".otf", ".ttf") and "Sans" in p.name)
        if found:
            return _readable(found[0])
    raise FontError("no-cjk-font", "no CJK font found: install the `mplfonts` package (scripts/setup.sh)")


@cache
def fallback_font_path() -> Path:
    """DejaVu Sans as shipped with matplotlib: Latin, Greek, arrows and symbols."""
    import matplotlib

    p = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if not p.is_file():
        raise FontError("no-fallback-font", f"matplotlib's DejaVuSans.ttf is missing at {p}", params={"path": str(p)})
    return _readable(p)


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
