"""Writes a Project as a project file in the spec's TOML format (shared/spec/project-files.md),
so an imported schedule becomes a file the loader reads back to the same Project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from scheduler.core.model import Link, LinkType, Milestone, Project

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(s: str) -> str:
    """A TOML basic string holding `s` exactly (quotes, backslashes and control characters escaped)."""
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _link(link: Link) -> str:
    if link.type is LinkType.FS and link.lag == 0:
        return toml_string(link.pred)
    return f"{{ id = {toml_string(link.pred)}, type = \"{link.type.value}\", lag = {link.lag} }}"


def _date(d: dt.date) -> str:
    return d.isoformat()


def _milestone(m: Milestone) -> list[str]:
    lines = ["[[milestone]]", f"id = {toml_string(m.id)}", f"name = {toml_string(m.name)}",
             f"duration = {m.duration}"]
    if m.after:
        lines.append("after = [" + ", ".join(_link(x) for x in m.after) + "]")
    for key in ("finish_by", "start_by", "not_before"):
        v = getattr(m, key)
        if v is not None:
            lines.append(f"{key} = {_date(v)}")
    if m.unit is not None:
        lines.append(f"unit = {toml_string(m.unit)}")
    for key in ("actual_start", "actual_finish"):
        v = getattr(m, key)
        if v is not None:
            lines.append(f"{key} = {_date(v)}")
    if m.percent is not None:
        lines.append(f"percent = {_number(m.percent)}")
    if m.weight is not None:
        lines.append(f"weight = {_number(m.weight)}")
    if m.note is not None:
        lines.append(f"note = {toml_string(m.note)}")
    return lines


def project_toml(project: Project, comments: Iterable[str] = ()) -> str:
    """The project file text of `project` (schedule keys, units and notes; factors and the
    investment plan are not part of a schedule exchange and are not written), `comments` on top."""
    lines = [f"# {c}" if c else "#" for c in comments]
    lines += ["[project]", f"id = {toml_string(project.id)}", f"name = {toml_string(project.name)}"]
    if project.lead_unit:
        lines.append(f"lead_unit = {toml_string(project.lead_unit)}")
    if project.units:
        lines.append("units = [" + ", ".join(toml_string(u) for u in project.units) + "]")
    lines.append(f"calendar = {toml_string(project.calendar)}")
    lines.append(f"start = {_date(project.start)}")
    for m in project.milestones:
        lines.append("")
        lines += _milestone(m)
    return "\n".join(lines) + "\n"
