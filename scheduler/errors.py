"""The project's own exceptions: each carries where (file, line, sheet, cell), which ids, and a
stable `kind`, and knows how to show itself as one readable line (as click's ClickException)."""

from __future__ import annotations

import errno
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self


class DispatchError(Exception):
    """Base of every error the tool reports to a person; never shown as a traceback."""

    exit_code = 1

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        project: str | None = None,
        milestone: str | None = None,
        factor: str | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        ids: Sequence[str] = (),
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.kind = kind
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.project = project
        self.milestone = milestone
        self.factor = factor
        self.sheet = sheet
        self.cell = cell
        self.ids = tuple(ids)
        self.params: dict[str, object] = dict(params or {})
        """The values the rule names (the unknown id, the bad value, the limit), for the message in
        another language: strings.error_text fills the template `err.<kind>` (or `err.<kind>.<case>`
        when params has a `case`) with them; `message` stays the English detail."""
        super().__init__(self.format())

    def where(self) -> str:
        """`file:line` or `file[sheet!cell]`, whichever is known."""
        if self.file is None:
            return ""
        place = self.file
        if self.sheet is not None:
            place += f"[{self.sheet}" + (f"!{self.cell}" if self.cell else "") + "]"
        if self.line is not None:
            place += f":{self.line}"
        return place

    def format(self) -> str:
        """One line: where, which project/milestone/factor, the stable kind and the rule broken."""
        parts = []
        where = self.where()
        if where:
            parts.append(where)
        ids = []
        if self.project:
            ids.append(f"project {self.project}")
        if self.milestone:
            ids.append(f"milestone {self.milestone}")
        if self.factor:
            ids.append(f"factor {self.factor}")
        if ids:
            parts.append(", ".join(ids))
        head = ": ".join(parts)
        body = f"[{self.kind}] {self.message}"
        return f"{head}: {body}" if head else body

    def show(self) -> str:
        """The line the CLI prints on stderr."""
        return f"error: {self.format()}"

    def detached(self) -> Self:
        """This error without its traceback and the exceptions it was raised from or during: what a
        result may keep to show it later (a traceback holds every frame's locals alive)."""
        self.__context__ = self.__cause__ = None
        return self.with_traceback(None)


def shown(value: object) -> str:
    """A value as the person wrote it in the file, for an error's params: dates and times in ISO,
    true/false, text quoted (repr), anything else as Python shows it; cut at 60 characters."""
    import datetime as dt

    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def os_params(e: OSError) -> dict[str, object]:
    """The params naming why the system refused a file (its errno's name and English reason), for
    the error line in another language (strings.error_detail says the errno in Chinese)."""
    return {"errno": errno.errorcode.get(e.errno or 0, ""), "reason": e.strerror or str(e)}


class ProjectFileError(DispatchError):
    """A project file breaks a rule of the spec (shared/spec/project-files.md)."""

    exit_code = 2


class CycleError(ProjectFileError):
    """The milestone graph has a cycle; `cycle` lists the milestones on it, first repeated last."""

    def __init__(self, message: str, *, cycle: Sequence[str], **kw: object) -> None:
        self.cycle = tuple(cycle)
        super().__init__("cycle", message, ids=self.cycle, **kw)  # type: ignore[arg-type]


class CalendarError(DispatchError):
    """A calendar file is malformed, unknown, or a date lies outside its range."""

    exit_code = 2


class ConfigError(DispatchError):
    """config.toml is malformed or names something that does not exist."""

    exit_code = 2


class ReportError(DispatchError):
    """A weekly report sheet from a department is refused (sheet, cell, ids named)."""

    exit_code = 2


class PermissionRefused(ReportError):
    """A unit reported on a milestone or factor it is not responsible for."""


class StorageError(DispatchError):
    """The database is unreachable or refused the write; nothing was stored."""

    exit_code = 3


class OutputError(DispatchError):
    """An output file (printout, sheet, chart, outbox) could not be written (a full or read-only
    disk); what is stored in the database is complete and unchanged."""

    exit_code = 5


class RunLocked(DispatchError):
    """Another weekly run holds the lock; this one refuses rather than write twice."""

    exit_code = 4


class NotFound(DispatchError):
    """A project, week or run named on the command line does not exist."""

    exit_code = 2


class ProblemError(DispatchError):
    """A decision on a problem is refused (closing without a reason, an unknown problem to merge into)."""

    exit_code = 2


class AccountError(DispatchError):
    """An account cannot be created or changed (a name taken, a weak password, an unknown role)."""

    exit_code = 2
