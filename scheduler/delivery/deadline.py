"""Wall-clock deadlines for sending: a socket timeout bounds ONE read, so a server that drips a
byte every 5 s never trips it and would hold a send forever. A `Deadline` gives each message a
total budget: every socket it opens gets a timeout no longer than what is left, and a watchdog
timer shuts those sockets down when the budget is spent (the blocked read then fails at once).
`abort_all()` does the same for every send in flight (`dispatch serve` on SIGTERM), so a
shutdown never waits on a blocked delivery."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

_active: set[Deadline] = set()
_lock = threading.Lock()
_stopping = threading.Event()


class DeadlineExceeded(OSError):
    """The message's deadline passed (or the process is shutting down) before the server answered."""


class Deadline:
    """A budget of `seconds` for one message; use as a context manager around the send."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._socks: list[socket.socket] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        if _stopping.is_set():
            raise DeadlineExceeded("shutting down: not sent")
        with _lock:
            _active.add(self)
        self._timer.start()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._timer.cancel()
        with _lock:
            _active.discard(self)
        late = self.expired or time.monotonic() >= self.end - 0.05  # a socket timeout set from left()
        if late and et is not None and issubclass(et, Exception) and not isinstance(e, DeadlineExceeded):
            raise DeadlineExceeded(self.reason()) from e

    def reason(self) -> str:
        """Why the send was cut off."""
        if _stopping.is_set():
            return "shutting down: the send was interrupted"
        return f"no complete answer within the deadline of {self.seconds:g} s"

    def left(self) -> float:
        """Seconds left (at least a millisecond: a socket timeout of 0 would mean non-blocking)."""
        return max(self.end - time.monotonic(), 0.001)

    def timeout(self, limit: float | None = None) -> float:
        """A socket timeout: what is left, no more than `limit`."""
        return min(self.left(), limit) if limit is not None else self.left()

    def watch(self, sock: socket.socket) -> socket.socket:
        """Shut `sock` down when the deadline passes (or at once if it has)."""
        with _lock:
            self._socks.append(sock)
            late = self.expired
        if late:
            _shut(sock)
        return sock

    def connect(self, address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
        """socket.create_connection bounded by the deadline, the socket watched (a drop-in for
        http.client's and smtplib's own)."""
        if self.expired:
            raise DeadlineExceeded(self.reason())
        return self.watch(socket.create_connection(address, self.left(), source_address))

    def _expire(self) -> None:
        with _lock:
            self.expired = True
            socks = list(self._socks)
        for s in socks:
            _shut(s)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def abort_all() -> None:
    """Stop sending in this process: every send in flight is cut off now, none starts after."""
    _stopping.set()
    with _lock:
        active = list(_active)
    for d in active:
        d._expire()


def resume() -> None:
    """Allow sending again after abort_all() (tests; a stopped service exits instead)."""
    _stopping.clear()


def stopping() -> bool:
    """Whether abort_all() was called."""
    return _stopping.is_set()
