"""Importable module-level job functions for tests/test_service.py: the SQLAlchemy job store pickles
jobs by reference, so a test job must live in a module, not in a test function. They record their
calls in files under the configuration's data_dir."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from scheduler.errors import RunLocked
from scheduler.io.config import Config, load_config


def record_weekly_run(config_path: str | None) -> None:
    """Stands in for scheduler.app.jobs.weekly_run_job: one line per call."""
    config = load_config(config_path)
    with (config.data_dir / "weekly-calls.txt").open("a", encoding="utf-8") as fh:
        fh.write(dt.datetime.now(dt.UTC).isoformat() + "\n")


def run_weekly(engine: Any, config: Config, data_date: dt.date, out_dir: Any = None) -> dict[str, Any]:
    """Stands in for scheduler.app.weekly.run_weekly: records its arguments; refuses when a `locked`
    file exists in data_dir, as a held run lock would."""
    if (config.data_dir / "locked").exists():
        raise RunLocked("run-locked", "another weekly run holds the lock (holder test)")
    with (config.data_dir / "runner-calls.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"data_date": data_date.isoformat(), "url": str(engine.url)}) + "\n")
    return {"run_id": 1}
