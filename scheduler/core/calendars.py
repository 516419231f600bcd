"""Working-day calendars: which days are worked, and fast date <-> working-day-index arithmetic.

Calendars are data (`calendar/NAME.toml`, read by `calendarfiles`); this module is the thin pure
engine that turns a CalendarSpec into a Calendar: the sorted ordinals of all working days over its
range, so that a date maps to an index with one binary search (vectorized with numpy for whole
portfolios). China's official arrangements come from the `holidays` package for the years it
knows; later years use the provisional rule and are listed in `Calendar.provisional_years`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import holidays
import numpy as np
import numpy.typing as npt

from scheduler.errors import CalendarError
from scheduler.strings import Said

WEEKDAYS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
SPRING_FESTIVAL = "Chinese New Year (Spring Festival)"

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class YearOverride:
    """Days of one year the calendar file states itself: weekdays off and weekend days worked."""

    off: frozenset[dt.date] = frozenset()
    work: frozenset[dt.date] = frozenset()


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """What a calendar file says, validated: the rule, the official source and per-year days."""

    name: str
    title: str = ""
    weekend: tuple[int, ...] = (5, 6)
    official: str | None = None
    closed: str | None = None
    base: str | None = None
    first_year: int = 2015
    last_year: int = 2035
    years: Mapping[int, YearOverride] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        if not self.first_year <= self.last_year:
            raise CalendarError("bad-calendar", f"first_year {self.first_year} after last_year "
                                f"{self.last_year}", file=self.source,
                                params={"case": "years-order", "first": self.first_year, "last": self.last_year})
        if self.official not in (None, "CN"):
            raise CalendarError("bad-calendar", f"official = {self.official!r}: only \"CN\" is known",
                                file=self.source, params={"case": "official", "value": repr(self.official)})
        if self.closed not in (None, "spring-festival"):
            raise CalendarError("bad-calendar", f"closed = {self.closed!r}: only \"spring-festival\" is "
                                "known", file=self.source, params={"case": "closed", "value": repr(self.closed)})
        if self.closed and not self.base:
            raise CalendarError("bad-calendar", "closed = \"spring-festival\" needs a `base` calendar",
                                file=self.source, params={"case": "closed-base"})
        for y, ov in self.years.items():
            for d in ov.off | ov.work:
                if d.year != y:
                    raise CalendarError("bad-calendar", f"[years.{y}] lists {d}, a day of another year",
                                        file=self.source, params={"case": "other-year", "year": y, "value": d})


@cache
def _official_years() -> frozenset[int]:
    """Years whose official arrangement (days off and make-up days) the `holidays` package knows."""
    cn = holidays.country_holidays("CN")
    known = [int(y) for y in cn.special_public_holidays]
    last = max(known) if known else 0
    return frozenset(range(2001, last + 1))


@cache
def _cn_year(year: int, official: bool) -> tuple[frozenset[dt.date], frozenset[dt.date], dt.date]:
    """(days off, weekend days worked, Lunar New Year's day) of one year in China.

    Official years: the arrangement as announced. Other years: only the statutory holidays that
    can be computed (observed=False: no estimated substitutions) and no make-up days."""
    cn = holidays.country_holidays("CN", years=year, observed=official)
    off = frozenset(cn.keys())
    work = frozenset(d for d in getattr(cn, "weekend_workdays", ()) if d.year == year) if official else \
        frozenset()
    cny = min(d for d, name in cn.items() if name.startswith(SPRING_FESTIVAL))
    return off, work, cny


class Calendar:
    """A working-day calendar over whole years first_year..last_year.

    Working day i (an index, 0 = the first working day of the range) has date `day(i)`; a date maps
    to indexes by binary search over the sorted ordinals in `ordinals`."""

    def __init__(self, name: str, title: str, worked: npt.NDArray[np.bool_], first: dt.date,
                 provisional_years: Iterable[int], cny: Mapping[int, dt.date]) -> None:
        self.name = name
        self.title = title
        self.first = first
        self.last = first + dt.timedelta(days=len(worked) - 1)
        self._first_ord = first.toordinal()
        self.ordinals: IntArray = (np.flatnonzero(worked) + self._first_ord).astype(np.int64)
        self.ordinals.setflags(write=False)
        self._worked = worked
        self.provisional_years = frozenset(provisional_years)
        self.lunar_new_year = dict(cny)
        if len(self.ordinals) == 0:
            raise CalendarError("bad-calendar", f"calendar {name} has no working day", ids=(name,),
                                params={"case": "no-work", "calendar": name})

    def __repr__(self) -> str:
        return f"Calendar({self.name!r}, {self.first}..{self.last})"

    # -- single dates -------------------------------------------------------------------------
    def _check(self, d: dt.date) -> int:
        if not self.first <= d <= self.last:
            raise CalendarError("date-out-of-range", f"{d} is outside calendar {self.name} "
                                f"({self.first}..{self.last})", ids=(self.name,),
                                params={"case": "date", "value": d, "calendar": self.name, "first": self.first,
                                        "last": self.last})
        return d.toordinal()

    def is_working(self, d: dt.date) -> bool:
        """Whether `d` is a working day."""
        return bool(self._worked[self._check(d) - self._first_ord])

    def works_daily(self, d: dt.date) -> bool:
        """Whether the calendar works (nearly) every day around `d`: 26 or more of the 28 days from
        it (a construction calendar), so its days late are said in days (天), not working days; a
        date outside the calendar's years: no."""
        if not (self.first <= d and d + dt.timedelta(days=27) <= self.last):
            return False
        start = d.toordinal() - self._first_ord
        return int(self._worked[start:start + 28].sum()) >= 26

    def index_on_or_after(self, d: dt.date) -> int:
        """Index of the first working day on or after `d` (start-type dates)."""
        i = int(np.searchsorted(self.ordinals, self._check(d), "left"))
        if i >= len(self.ordinals):
            raise CalendarError("date-out-of-range", f"no working day on or after {d} in calendar "
                                f"{self.name}", ids=(self.name,),
                                params={"case": "after", "value": d, "calendar": self.name})
        return i

    def index_on_or_before(self, d: dt.date) -> int:
        """Index of the last working day on or before `d` (deadlines, actual finish)."""
        i = int(np.searchsorted(self.ordinals, self._check(d), "right")) - 1
        if i < 0:
            raise CalendarError("date-out-of-range", f"no working day on or before {d} in calendar "
                                f"{self.name}", ids=(self.name,),
                                params={"case": "before", "value": d, "calendar": self.name})
        return i

    def day(self, i: int) -> dt.date:
        """Date of working day `i`."""
        if not 0 <= i < len(self.ordinals):
            raise CalendarError("date-out-of-range", f"working day {i} is outside calendar {self.name} "
                                f"({self.first}..{self.last})", ids=(self.name,),
                                params={"case": "index", "value": i, "calendar": self.name, "first": self.first,
                                        "last": self.last})
        return dt.date.fromordinal(int(self.ordinals[i]))

    # -- vectors ------------------------------------------------------------------------------
    def _check_vec(self, ords: IntArray) -> None:
        if ords.size and (ords.min() < self._first_ord or ords.max() > self.last.toordinal()):
            bad = ords[(ords < self._first_ord) | (ords > self.last.toordinal())][0]
            raise CalendarError("date-out-of-range", f"{dt.date.fromordinal(int(bad))} is outside "
                                f"calendar {self.name} ({self.first}..{self.last})", ids=(self.name,),
                                params={"case": "date", "value": dt.date.fromordinal(int(bad)), "calendar": self.name,
                                        "first": self.first, "last": self.last})

    def indexes_on_or_after(self, ords: IntArray) -> IntArray:
        """Vectorized `index_on_or_after` over date ordinals."""
        self._check_vec(ords)
        return np.searchsorted(self.ordinals, ords, "left").astype(np.int64)

    def indexes_on_or_before(self, ords: IntArray) -> IntArray:
        """Vectorized `index_on_or_before` over date ordinals."""
        self._check_vec(ords)
        return np.searchsorted(self.ordinals, ords, "right").astype(np.int64) - 1

    def indexes_after(self, ords: IntArray) -> IntArray:
        """Index of the first working day strictly after each date (ordinals): an approval expected
        on that date allows its milestone to start the next working day."""
        self._check_vec(ords)
        return np.searchsorted(self.ordinals, ords, "right").astype(np.int64)

    def days(self, idx: IntArray) -> IntArray:
        """Date ordinals of working-day indexes (clipped into range)."""
        return self.ordinals[np.clip(idx, 0, len(self.ordinals) - 1)]

    def provisional_between(self, a: dt.date, b: dt.date) -> list[int]:
        """Years in [a, b] scheduled on the provisional rule."""
        return sorted(y for y in self.provisional_years if a.year <= y <= b.year)

    def off_days(self, year: int) -> list[dt.date]:
        """The non-working days of `year` that fall on Monday..Friday, plus all days if weekends are
        worked (for drawing holiday weeks)."""
        out = []
        d = dt.date(year, 1, 1)
        while d.year == year:
            if self.first <= d <= self.last and not self.is_working(d):
                out.append(d)
            d += dt.timedelta(days=1)
        return out


def build_calendar(spec: CalendarSpec, resolve: Callable[[str], Calendar] | None = None) -> Calendar:
    """Build the Calendar a spec describes; `resolve` looks up a `base` calendar by name."""
    first = dt.date(spec.first_year, 1, 1)
    last = dt.date(spec.last_year, 12, 31)
    n = last.toordinal() - first.toordinal() + 1
    ords = np.arange(first.toordinal(), last.toordinal() + 1)
    weekday = (ords - 1) % 7  # date.fromordinal(1) is a Monday: weekday 0
    worked = ~np.isin(weekday, np.array(spec.weekend, dtype=np.int64))
    provisional: set[int] = set()
    cny: dict[int, dt.date] = {}

    def pos(d: dt.date) -> int:
        return d.toordinal() - first.toordinal()

    official_years = _official_years()
    base: Calendar | None = None
    if spec.closed:
        if resolve is None or spec.base is None:
            raise CalendarError("bad-calendar", f"calendar {spec.name} needs base calendar {spec.base}",
                                file=spec.source, params={"case": "needs-base", "calendar": spec.name})
        base = resolve(spec.base)
        if base.first > first or base.last < last:
            raise CalendarError("bad-calendar", f"base calendar {base.name} does not cover "
                                f"{first.year}..{last.year}", file=spec.source,
                                params={"case": "base-years", "base": base.name, "first": first.year,
                                        "last": last.year})
    for year in range(spec.first_year, spec.last_year + 1):
        announced = year in spec.years
        if spec.official == "CN" and not announced:
            is_official = year in official_years
            off, work, ny = _cn_year(year, is_official)
            cny[year] = ny
            if not is_official:
                provisional.add(year)
            for d in off:
                if first <= d <= last:
                    worked[pos(d)] = False
            for d in work:
                worked[pos(d)] = True
        if base is not None:
            ny = base.lunar_new_year.get(year) or _cn_year(year, False)[2]
            cny[year] = ny
            if year in base.provisional_years and not announced:
                provisional.add(year)
            # The break: the run of base-calendar days off around Lunar New Year's day.
            d = ny
            while d >= base.first and not base.is_working(d):
                worked[pos(d)] = False
                d -= dt.timedelta(days=1)
            d = ny + dt.timedelta(days=1)
            while d <= base.last and not base.is_working(d):
                worked[pos(d)] = False
                d += dt.timedelta(days=1)
        if announced:
            ov = spec.years[year]
            if spec.official == "CN":
                cny.setdefault(year, _cn_year(year, False)[2])
            for d in ov.off:
                worked[pos(d)] = False
            for d in ov.work:
                worked[pos(d)] = True
    assert len(worked) == n
    return Calendar(spec.name, spec.title, worked, first, provisional, cny)


def provisional_warning(cal: Calendar, years: Iterable[int]) -> str:
    """The sentence every output carries when dates reach into a provisional year (in English; the
    CLI says it in the configured language from its label)."""
    ys = sorted(set(years))
    text = (f"calendar {cal.name}: {', '.join(map(str, ys))} scheduled on the provisional rule: the State "
            f"Council has not announced that year's holiday arrangement yet, so its statutory holidays are "
            f"computed (lunar ones included) without make-up working days; add the announced days to "
            f"calendar/{cal.name}.toml when they are published")
    return Said(text, "out.note.provisional", name=cal.name, title=cal.title or cal.name,
                years="、".join(map(str, ys)))
