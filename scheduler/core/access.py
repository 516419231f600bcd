"""Who may see and change what in the web workplace (pure rules, no I/O).

Roles: 办公室 office (everything of its portfolio: runs the week, decides on problems, manages
accounts), 单位 unit (its own milestones, factors, problems and reports; reads the projects it
works on), 县领导 leader (reads the projects they 包联: the project's leader field contains the
account's leader name, or the project is listed on the account), viewer (reads everything,
changes nothing). The server checks these on every route; links are never the protection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """An account's role (stored as these strings)."""

    OFFICE = "office"
    UNIT = "unit"
    LEADER = "leader"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in person or machine client, as authorization needs it."""

    id: int
    username: str
    display_name: str
    role: Role
    unit: str | None = None
    leader: str | None = None
    projects: tuple[str, ...] = ()
    disabled: bool = False
    portfolio: str = "default"
    """The portfolio (county) the account belongs to: it signs in only to that portfolio's workplace."""

    @property
    def office(self) -> bool:
        """The dispatch office (办公室): may change anything of its portfolio."""
        return self.role is Role.OFFICE

    @property
    def sees_all(self) -> bool:
        """Reads the whole portfolio (office and viewer)."""
        return self.role in (Role.OFFICE, Role.VIEWER)


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """What authorization needs to know of a project: its id, leader field and every unit it names."""

    id: str
    leader: str
    units: tuple[str, ...]


def can_read_project(a: Account, p: ProjectAccess) -> bool:
    """May `a` open project `p` (its Gantt, milestones, factors)?"""
    if a.sees_all:
        return True
    if a.role is Role.UNIT:
        return a.unit is not None and a.unit in p.units
    if a.role is Role.LEADER:
        return p.id in a.projects or bool(a.leader and a.leader in (p.leader or ""))
    return False


def readable(a: Account, projects: Sequence[ProjectAccess]) -> set[str]:
    """The ids of the projects `a` may read."""
    return {p.id for p in projects if can_read_project(a, p)}


def can_read_problem(a: Account, unit: str, project: ProjectAccess | None) -> bool:
    """A problem of 责任单位 `unit` on `project`: the office and viewers read all, a unit its own,
    a leader those of their projects."""
    if a.sees_all:
        return True
    if a.role is Role.UNIT:
        return a.unit == unit
    return project is not None and can_read_project(a, project)


def can_answer_problem(a: Account, unit: str) -> bool:
    """Only the responsible unit (or the office on its behalf) answers a problem."""
    return a.office or (a.role is Role.UNIT and a.unit == unit)


def can_report_for(a: Account, unit: str) -> bool:
    """Only the unit itself (or the office on its behalf) submits the unit's weekly report."""
    return a.office or (a.role is Role.UNIT and a.unit == unit)
