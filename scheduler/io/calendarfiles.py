"""Reads calendar data files (`calendar/NAME.toml`) into Calendars; the adapter around the pure
`calendars` engine. Calendars are cached per folder, name and file modification time."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from scheduler.core.calendars import WEEKDAYS, Calendar, CalendarSpec, YearOverride, build_calendar
from scheduler.errors import CalendarError, shown

_CACHE: dict[tuple[str, str, float], Calendar] = {}


def _dates(value: Any, where: str, source: str) -> frozenset[dt.date]:
    if not isinstance(value, list) or not all(
        isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in value
    ):
        raise CalendarError("bad-calendar", f"{where} must be a list of dates", file=source,
                            params={"case": "dates", "key": where})
    return frozenset(value)


def parse_calendar(text: str, source: str) -> CalendarSpec:
    """Parse and validate the text of one calendar file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CalendarError("toml-syntax", str(e), file=source,
                            line=getattr(e, "lineno", None), params={"reason": str(e)}) from None
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise CalendarError("bad-calendar", "calendar file needs a `name`", file=source, params={"case": "name"})
    weekend = data.get("weekend", ["Sat", "Sun"])
    if not isinstance(weekend, list) or any(w not in WEEKDAYS for w in weekend):
        raise CalendarError("bad-calendar", f"weekend {weekend!r} must list day names Mon..Sun", file=source,
                            params={"case": "weekend", "value": shown(weekend)})
    years: dict[int, YearOverride] = {}
    raw_years = data.get("years", {})
    if not isinstance(raw_years, dict):
        raise CalendarError("bad-calendar", "[years] must be a table of [years.YYYY]", file=source,
                            params={"case": "years"})
    for key, val in raw_years.items():
        if not str(key).isdigit() or not isinstance(val, dict):
            raise CalendarError("bad-calendar", f"[years.{key}] is not a year table", file=source,
                                params={"case": "year", "key": key})
        years[int(key)] = YearOverride(
            off=_dates(val.get("off", []), f"years.{key}.off", source),
            work=_dates(val.get("work", []), f"years.{key}.work", source),
        )
    for key in ("first_year", "last_year"):
        if key in data and (not isinstance(data[key], int) or isinstance(data[key], bool)):
            raise CalendarError("bad-calendar", f"{key} must be an integer year", file=source,
                                params={"case": "int", "key": key})
    return CalendarSpec(
        name=name,
        title=str(data.get("title", "")),
        weekend=tuple(WEEKDAYS[w] for w in weekend),
        official=data.get("official"),
        closed=data.get("closed"),
        base=data.get("base"),
        first_year=int(data.get("first_year", 2015)),
        last_year=int(data.get("last_year", 2035)),
        years=years,
        source=source,
    )


def available_calendars(folder: Path) -> list[str]:
    """Names of the calendars defined in `folder`."""
    return sorted(p.stem for p in folder.glob("*.toml"))


def load_calendar(folder: Path, name: str, _stack: tuple[str, ...] = ()) -> Calendar:
    """The calendar `name` defined by `folder/name.toml` (cached until the file changes)."""
    path = folder / f"{name}.toml"
    if not path.is_file():
        raise CalendarError("unknown-calendar", f"unknown calendar {name!r} (known: "
                            f"{', '.join(available_calendars(folder)) or 'none'})", ids=(name,),
                            params={"value": shown(name), "known": "、".join(available_calendars(folder)) or "无"})
    if name in _stack:
        raise CalendarError("bad-calendar", f"calendar base chain loops: {' -> '.join((*_stack, name))}",
                            file=path, params={"case": "loop", "path": " → ".join((*_stack, name))})
    key = (str(folder.resolve()), name, path.stat().st_mtime)
    cal = _CACHE.get(key)
    if cal is None:
        spec = parse_calendar(path.read_text(encoding="utf-8"), str(path))
        if spec.name != name:
            raise CalendarError("bad-calendar", f"file {path.name} names calendar {spec.name!r}", file=path,
                                params={"case": "named", "file": path.name, "name": repr(spec.name)})
        cal = build_calendar(spec, lambda base: load_calendar(folder, base, (*_stack, name)))
        _CACHE[key] = cal
    return cal


class CalendarSet:
    """The calendars of one folder, loaded on first use by name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __getitem__(self, name: str) -> Calendar:
        return load_calendar(self.folder, name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (self.folder / f"{name}.toml").is_file()

    def names(self) -> list[str]:
        """Names of the calendars defined here."""
        return available_calendars(self.folder)
