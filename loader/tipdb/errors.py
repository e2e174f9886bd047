"""Exceptions that carry the facts a message needs; only the CLI turns them into text and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class TipdbError(Exception):
    """Base of every error tipdb raises on purpose."""


class ConnectionProblem(TipdbError):
    """The database could not be reached or started."""


class MigrationProblem(TipdbError):
    """A migration could not be applied, rolled back or verified."""


class MissingExtra(TipdbError):
    """A feature needs an optional extra that is not installed."""

    def __init__(self, feature: str, extra: str):
        super().__init__(f"{feature} need the optional extra: pip install 'tipdb[{extra}]'")


class QueryProblem(TipdbError):
    """A canned query or one of its parameters is unknown or invalid."""


@dataclass(frozen=True)
class Problem:
    """One bad value in an input file, located precisely enough to fix it."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.value is not None:
            parts.append(f"value {self.value!r}")
        text = ": ".join([", ".join(parts), self.message])
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputProblem(TipdbError):
    """One or more input files were refused; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class MissingInput(TipdbError):
    """An input path does not exist or cannot be read."""
