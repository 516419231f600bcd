"""Weeks as people read them (scheduler/core/dates.week_text): the one wording of every page, sheet
and message that names a week; worked by hand from the calendar (ISO weeks start on Monday)."""

from __future__ import annotations

import pytest

from scheduler.core.dates import week_text


@pytest.mark.parametrize(("week", "zh", "en"), [
    ("2026-W48", "2026年第48周（11月23日至29日）", "2026-W48 (2026-11-23 to 2026-11-29)"),
    ("2026-W49", "2026年第49周（11月30日至12月6日）", "2026-W49 (2026-11-30 to 2026-12-06)"),  # across a month
    ("2026-W53", "2026年第53周（2026年12月28日至2027年1月3日）",  # across the new year: both years said
     "2026-W53 (2026-12-28 to 2027-01-03)"),
    ("2026-W01", "2026年第1周（2025年12月29日至2026年1月4日）", "2026-W01 (2025-12-29 to 2026-01-04)"),
    ("2027-W01", "2027年第1周（1月4日至10日）", "2027-W01 (2027-01-04 to 2027-01-10)"),
])
def test_a_week_with_its_days(week: str, zh: str, en: str) -> None:
    assert week_text(week, "zh") == zh
    assert week_text(week, "en") == en


def test_a_week_in_a_table_column() -> None:
    assert week_text("2026-W05", "zh", dates=False) == "2026年第5周"
    assert week_text("2026-W05", "en", dates=False) == "2026-W05"


def test_not_a_week() -> None:
    with pytest.raises(ValueError, match="not an ISO week"):
        week_text("2026-48", "zh")
