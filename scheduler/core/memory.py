"""The cyclic garbage collector paused around work that makes many objects and no cycles: a weekly
run at province scale holds half a million strings and tens of thousands of findings and problems,
and each full collection would walk all of them again (about 0.4 s of a 3 s run) to free nothing.
Objects are still freed by reference counting as usual; the collector resumes afterwards."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (nested pauses are fine: the outermost resumes it)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@cache
def _libc() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl, Windows): nothing to do
        return None


def trim_heap() -> None:
    """Hand the C heap's free memory back to the system (glibc's malloc_trim, every arena). The
    portfolio read's texts (tens of MB each) are made in its worker thread and freed in the main one:
    without this their pages sometimes stay with the worker's arena while the next stage's arrays
    take new ones (run to run, peak RSS 365 or 420 MB at 500,000 milestones)."""
    trim = _libc()
    if trim is not None:
        trim(0)
