"""Small helpers shared by the tests: bounded polling, a free loopback port, frame equality."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import numpy as np

from scheduler.core.schedule import PortfolioFrame


def wait_until(cond: Callable[[], bool], timeout: float = 30.0, step: float = 0.02) -> bool:
    """Poll `cond` until it is true or `timeout` seconds have passed (bounded, no long sleeps)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_same_frame(a: PortfolioFrame, b: PortfolioFrame) -> None:
    """Every column of two frames equal (dtype and values), model Projects aside."""
    for name in a.__slots__:
        if name == "projects":
            continue
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), name
        else:
            assert x == y, name
