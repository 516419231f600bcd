"""Dates as people read them: Chinese official documents write 2026年11月23日, 11月23日 within the
year being reported, and a month-end deadline as 10月底前; English text keeps ISO dates. One place
for the brief, the annex and the sentences of findings (core/phrases.py)."""

from __future__ import annotations

import datetime as dt
import re

from scheduler.core.findings import week_monday
from scheduler.strings import STRINGS, t

_ISO_SPACED = re.compile(r"( ?)(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])( ?)")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
"""Chinese characters and full-width punctuation: no space between them and a date."""


def fmt_cn_date(d: dt.date | None, year: bool = True) -> str:
    """A date as Chinese official documents write it: 2026年11月23日 (without the year: 11月23日)."""
    if d is None:
        return "—"
    return f"{d.year}年{d.month}月{d.day}日" if year else f"{d.month}月{d.day}日"


def cn_date(d: dt.date | None, ref: dt.date | None) -> str:
    """A date in Chinese, without the year when it is the reference date's year (no reference:
    with the year)."""
    return fmt_cn_date(d, year=d is None or ref is None or d.year != ref.year)


def cn_dates(text: str, ref: dt.date, lang: str = "zh") -> str:
    """ISO dates inside a sentence written the Chinese way (2026年12月22日; without the year in the
    reference date's year), as a 通报 writes them; English text unchanged."""
    if lang != "zh":
        return text

    def one(m: re.Match[str]) -> str:
        try:
            said = cn_date(dt.date(int(m.group(2)), int(m.group(3)), int(m.group(4))), ref)
        except ValueError:
            return m.group(0)
        # the spaces an ISO date stands between go with it beside Chinese: 12月31日前完成, not 12月31日 前完成
        before = m.group(1) if m.start() == 0 or not _CJK.match(text[m.start() - 1]) else ""
        after = m.group(5) if m.end() == len(text) or not _CJK.match(text[m.end()]) else ""
        return before + said + after

    return _ISO_SPACED.sub(one, text)


def date_text(d: dt.date | None, ref: dt.date | None, lang: str) -> str:
    """A date inside a sentence: Chinese (cn_date) under zh, ISO otherwise."""
    if lang == "zh":
        return cn_date(d, ref)
    return d.isoformat() if d is not None else "—"


def moment_text(when: dt.datetime, lang: str) -> str:
    """A date and time as a notice writes it: 2026年11月27日 17:00 (English 2026-11-27 17:00), in
    `when`'s own timezone."""
    return f"{date_text(when.date(), None, lang)} {when:%H:%M}"


def by_text(d: dt.date, ref: dt.date | None, lang: str) -> str:
    """A deadline date as a deadline reads: 10月底前 (the last day of a month), 12月15日前;
    English: by 2026-10-31."""
    if lang != "zh":
        return t("brief.before", lang, date=d.isoformat())
    if (d + dt.timedelta(days=1)).day == 1:
        month = f"{d.year}年{d.month}月底" if ref is None or d.year != ref.year else f"{d.month}月底"
        return t("brief.before", lang, date=month)
    return t("brief.before", lang, date=cn_date(d, ref))


def zone_text(zone: str, lang: str) -> str:
    """A timezone as its readers name it: Asia/Shanghai is 北京时间 in Chinese; a zone with no label
    keeps its IANA name."""
    return t(f"tz.{zone}", lang) if f"tz.{zone}" in STRINGS else zone


def week_text(week: str, lang: str, *, dates: bool = True) -> str:
    """An ISO week (2026-W48) as people read it: 2026年第48周（11月23日至29日）; English keeps the
    code with its ISO dates. The one way every page, sheet and message names a week; without
    `dates` (a table's column): 2026年第48周, English 2026-W48."""
    monday = week_monday(week)
    sunday = monday + dt.timedelta(days=6)
    year = int(week[:4])
    if not dates:
        return t("week.label.short", lang, week=week, year=year, n=int(week[6:]))
    if lang != "zh":
        return t("week.label", lang, week=week, year=year, n=int(week[6:]), monday=monday.isoformat(),
                 sunday=sunday.isoformat())
    if monday.year != sunday.year:  # across the new year: both days with their year
        start, end = fmt_cn_date(monday), fmt_cn_date(sunday)
    else:  # 11月23日至29日, 11月30日至12月6日
        start = fmt_cn_date(monday, year=False)
        end = f"{sunday.day}日" if sunday.month == monday.month else fmt_cn_date(sunday, year=False)
    return t("week.label", lang, week=week, year=year, n=int(week[6:]), monday=start, sunday=end)
