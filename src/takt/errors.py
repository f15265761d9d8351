"""Error classes. Each refines the built-in it specialises so callers can catch either."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class TaktError(Exception):
    """Base of every error Takt raises on purpose; the CLI prints it as one line."""


class ConfigurationError(TaktError, ValueError):
    """A setting (environment variable, option) is missing or invalid."""


class InvalidInputError(TaktError, ValueError):
    """A value given to Takt is invalid (a domain rule is broken)."""


class NotFoundError(TaktError, LookupError):
    """A referenced record does not exist."""


class StoreError(TaktError, RuntimeError):
    """The database could not be reached or is not at the expected schema version."""


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One problem found in an input file: where it is and what is wrong.

    ``row`` is the 1-based row as a person sees it in the file (for CSV and Excel
    the header is row 1, so the first data row is row 2); ``None`` when the
    problem concerns the whole file or a whole column.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class ImportValidationError(InvalidInputError):
    """An import file was rejected; nothing of it was written.

    Carries every problem found (up to a cap) so one run reports them all.
    """

    def __init__(self, problems: Sequence[InputProblem], *, total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        first = str(self.problems[0]) if self.problems else "invalid input"
        more = self.total - 1
        summary = first if more <= 0 else f"{first} (and {more} more problem(s))"
        super().__init__(summary)

    def report(self) -> str:
        """All problems, one per line, and how many were not shown."""
        lines = [str(p) for p in self.problems]
        hidden = self.total - len(self.problems)
        if hidden > 0:
            lines.append(f"... and {hidden} more problem(s) not shown")
        lines.append("Nothing from this file was written.")
        return "\n".join(lines)
