"""What reading an outside file may cost (config.toml [ingest]): the bounds a unit's report
workbook is held to BEFORE any of it is parsed (io/reports.py), so a zip bomb, a device file or a
FIFO is refused at once and `dispatch ingest` stays within ~200 MB of memory whatever it is given."""

from __future__ import annotations

import math
from dataclasses import dataclass

MB = 2**20


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Bounds on one report file (bytes, a ratio, a count)."""

    max_file_bytes: int = 20 * MB
    """The .xlsx file itself (a unit's weekly report is tens of kilobytes)."""
    max_unpacked_bytes: int = 100 * MB
    """The archive's members together, as its zip directory declares them (zipfile holds every
    member to its declared size while reading: one inflating past it fails its CRC)."""
    max_ratio: float = 200.0
    """Unpacked / packed size of any member of 1 MiB or more (sheet XML packs ~10-20x)."""
    max_members: int = 1_000
    """Parts of the archive (a workbook has a few dozen)."""


def read_limits(*, max_file_mb: float = 20, max_unpacked_mb: float = 100, max_ratio: float = 200,
                max_members: int = 1_000) -> ReadLimits:
    """ReadLimits from config.toml's [ingest] keys (sizes in MiB); ValueError when one is not a
    positive finite number."""
    for key, v in (("max_file_mb", max_file_mb), ("max_unpacked_mb", max_unpacked_mb),
                   ("max_ratio", max_ratio), ("max_members", max_members)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"[ingest] {key} = {v!r} must be a positive number")
    return ReadLimits(int(max_file_mb * MB), int(max_unpacked_mb * MB), float(max_ratio), int(max_members))
