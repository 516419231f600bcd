"""core/memory.py: the cyclic collector paused for a block and resumed as it was."""

from __future__ import annotations

import gc
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from scheduler.core import memory
from scheduler.core.memory import gc_paused


def test_paused_inside_resumed_after_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves the outer pause alone
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(memory._libc() is None or not os.path.exists("/proc/self/statm"), reason="glibc on Linux only")
def test_trim_heap_gives_back_what_a_worker_thread_freed() -> None:
    """64 MB made in a worker thread (the portfolio read's texts are) and freed in the main one: below
    a block still in use, so the heap cannot shrink by itself; trim_heap hands the pages back."""
    def make() -> tuple[list[bytearray], bytearray]:
        return [bytearray(b"x" * 100_000) for _ in range(640)], bytearray(b"x" * 100_000)

    with ThreadPoolExecutor(1) as pool:
        big, pin = pool.submit(make).result()
    del big
    before = _rss_mb()
    memory.trim_heap()
    assert before - _rss_mb() > 32
    assert len(pin) == 100_000
