"""Errors of the schedule importers and exporters (MS Project XML, Primavera P6 XER): one line
naming the file, the line when known, the task ids and the rule, shown by the CLI with exit 2."""

from __future__ import annotations

from scheduler.errors import DispatchError


class InteropError(DispatchError):
    """A schedule file from MS Project or P6 cannot be read or mapped (malformed, truncated, an
    unknown version, a relation to a missing task, a lead refused), or an export cannot be written."""

    exit_code = 2
