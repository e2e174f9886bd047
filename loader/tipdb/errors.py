"""Exceptions that carry the facts a message needs, and the one table that turns any exception into a
message and an exit code (`explain`), which only the CLI calls.

Exit codes follow sysexits(3); README.md ("Exit codes") lists the same table, and tests/test_errors.py
drives each row as a whole process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


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


class OutputProblem(TipdbError):
    """The output cannot be written as asked (unknown format, binary data to a terminal)."""


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


# --- Exit codes: the one table (README.md "Exit codes" repeats it) ---------------------------------

EXIT_OK = 0
EXIT_FAILED = 1        # a tipdb refusal that fits no row below; the message says why
EXIT_USAGE = 2         # bad command line: unknown command, query, parameter or value, unsupported file type
EXIT_DATAERR = 65      # input data refused (nothing was loaded), or an error rule of tipdb check failed
EXIT_NOINPUT = 66      # an input file is missing or unreadable
EXIT_UNAVAILABLE = 69  # database unreachable, connection lost, schema missing, optional extra missing
EXIT_SOFTWARE = 70     # migration problem, or an internal error (a bug: please report it)
EXIT_OSERR = 71        # out of memory
EXIT_IOERR = 74        # disk full, or the database reports corrupted data
EXIT_TEMPFAIL = 75     # a lock or statement timeout, a deadlock or serialization failure: retry
EXIT_NOPERM = 77       # permission denied: a read-only role (tip_reader) or an unwritable file
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_BROKEN_PIPE = 141  # the reader of standard output went away (e.g. `| head`); nothing is printed

EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_FAILED: "refused for a reason the message states",
    EXIT_USAGE: "bad command line: unknown command, query, parameter or value; unsupported file type",
    EXIT_DATAERR: "input data refused (nothing was loaded), or an error rule of `tipdb check` failed",
    EXIT_NOINPUT: "an input file is missing or unreadable",
    EXIT_UNAVAILABLE: "database unreachable, connection lost, schema missing (run tipdb up), or an optional extra "
                      "missing",
    EXIT_SOFTWARE: "migration problem, or an internal error (please report it; rerun with --debug)",
    EXIT_OSERR: "out of memory",
    EXIT_IOERR: "disk full, or the database reports corrupted data",
    EXIT_TEMPFAIL: "a lock or statement timeout, deadlock or serialization failure: retry",
    EXIT_NOPERM: "permission denied: read-only role or unwritable file",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
    EXIT_BROKEN_PIPE: "standard output was closed by its reader (e.g. head); nothing is printed",
}

_TIPDB_CODES = (
    (InputProblem, EXIT_DATAERR),
    (MissingInput, EXIT_NOINPUT),
    (ConnectionProblem, EXIT_UNAVAILABLE),
    (MissingExtra, EXIT_UNAVAILABLE),
    (MigrationProblem, EXIT_SOFTWARE),
    (QueryProblem, EXIT_USAGE),
    (OutputProblem, EXIT_USAGE),
)

# At most this many problems are listed, and a list of line numbers inside one is cut to a few.
MAX_PROBLEMS_SHOWN = 20
MAX_LINES_LISTED = 5
MAX_PROBLEM_CHARS = 500


class Explanation(NamedTuple):
    code: int
    message: str
    details: tuple[str, ...] = ()


def safe_text(text: str) -> str:
    """Text that any terminal encoding can print: undecodable bytes of file names become \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def shorten(text: str) -> str:
    """One problem's text, bounded: long runs of line numbers become the first few and 'and N more'."""
    import re

    def cut(match):
        numbers = match.group(0).split(", ")
        return ", ".join(numbers[:MAX_LINES_LISTED]) + f" and {len(numbers) - MAX_LINES_LISTED:,} more"

    text = re.sub(r"\d+(?:, \d+){%d,}" % MAX_LINES_LISTED, cut, safe_text(text))
    if len(text) > MAX_PROBLEM_CHARS:
        text = text[:MAX_PROBLEM_CHARS] + f"… ({len(text) - MAX_PROBLEM_CHARS:,} more characters)"
    return text


def _problems(exc: InputProblem) -> Explanation:
    shown = [f"  {shorten(str(p))}" for p in exc.problems[:MAX_PROBLEMS_SHOWN]]
    hidden = len(exc.problems) - len(shown)
    if hidden:
        shown.append(f"  ... and {hidden:,} more problem{'s' if hidden != 1 else ''}")
    count = len(exc.problems)
    return Explanation(EXIT_DATAERR, f"{count:,} problem{'s' if count != 1 else ''}; nothing was loaded:",
                       tuple(shown))


def _database(exc, psycopg) -> Explanation | None:
    """psycopg's errors, by what the user can do about them."""
    errors = psycopg.errors
    diag = getattr(exc, "diag", None)
    said = (diag.message_primary if diag is not None and diag.message_primary else str(exc)).strip()
    said = safe_text(said.splitlines()[0] if said else type(exc).__name__)
    if isinstance(exc, (errors.UndefinedTable, errors.UndefinedFunction, errors.InvalidSchemaName,
                        errors.UndefinedColumn)):
        return Explanation(EXIT_UNAVAILABLE, f"the database has no tipdb schema, or an older one ({said}): "
                                             "run `tipdb up` (or `tipdb migrate`) first")
    if isinstance(exc, (errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction)):
        return Explanation(EXIT_NOPERM, f"the database refused: {said}. This connection's role may not do "
                                        "this (it is read-only, e.g. tip_reader); use the owner's URL")
    if isinstance(exc, errors.DiskFull):
        return Explanation(EXIT_IOERR, f"the database server's disk is full ({said}); nothing was changed. "
                                       "Free some space and run the command again")
    if isinstance(exc, (errors.DataCorrupted, errors.IndexCorrupted)):
        return Explanation(EXIT_IOERR, f"the database reports corrupted data ({said}). Restore it from a backup, "
                                       "or rebuild it: tipdb down, move $TIPDB_HOME/pgdata away, tipdb up")
    if isinstance(exc, (errors.LockNotAvailable, errors.QueryCanceled, errors.DeadlockDetected,
                        errors.SerializationFailure)):
        return Explanation(EXIT_TEMPFAIL, f"the database gave up waiting ({said}); nothing was changed. "
                                          "Run the command again, or when other work on the database is done")
    if isinstance(exc, (errors.AdminShutdown, errors.CrashShutdown, errors.CannotConnectNow)) or \
            isinstance(exc, psycopg.OperationalError):
        return Explanation(EXIT_UNAVAILABLE, f"lost the connection to the database ({said}); an unfinished change "
                                             "was not kept. Check that the server runs (tipdb up) and run the "
                                             "command again")
    if isinstance(exc, psycopg.Error):
        return Explanation(EXIT_SOFTWARE, f"the database refused a statement ({said}). "
                                          "This is probably a tipdb bug: please report it; rerun with --debug")
    return None


def explain(exc: BaseException) -> Explanation:
    """The message and exit code for any exception: the one place where failures become words."""
    import errno
    import sys

    if isinstance(exc, InputProblem):
        return _problems(exc)
    if isinstance(exc, TipdbError):
        code = next((c for kind, c in _TIPDB_CODES if isinstance(exc, kind)), EXIT_FAILED)
        text = safe_text(str(exc))
        first, *rest = text.splitlines() or [""]
        return Explanation(code, first, tuple(f"  {shorten(line)}" for line in rest[:MAX_PROBLEMS_SHOWN]))
    if isinstance(exc, KeyboardInterrupt):
        return Explanation(EXIT_INTERRUPTED, "interrupted; an unfinished load or migration was not kept")
    if isinstance(exc, BrokenPipeError):
        return Explanation(EXIT_BROKEN_PIPE, "")
    if isinstance(exc, MemoryError):
        return Explanation(EXIT_OSERR, "out of memory; nothing was changed. Is the input a regular file of "
                                       "sensible size?")
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.Error):
        found = _database(exc, psycopg)
        if found:
            return found
    if isinstance(exc, UnicodeError):
        return Explanation(EXIT_DATAERR, f"a name or value is not valid text ({safe_text(str(exc))}); rename the "
                                         "file or fix its encoding (UTF-8)")
    if isinstance(exc, OSError):
        said = exc.strerror or str(exc)
        said = f"{safe_text(os_filename(exc))}: {said}" if exc.filename is not None else f"cannot write or read: {said}"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return Explanation(EXIT_IOERR, f"{said}; free some space and run the command again")
        if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
            return Explanation(EXIT_NOPERM, said)
        if isinstance(exc, FileNotFoundError):
            return Explanation(EXIT_NOINPUT, said)
        return Explanation(EXIT_IOERR, said)
    name = type(exc).__name__
    return Explanation(EXIT_SOFTWARE, f"internal error ({name}: {shorten(str(exc))}); please report it with the "
                                      "output of the same command rerun with --debug")


def os_filename(exc: OSError) -> str:
    import os

    name = exc.filename
    return os.fsdecode(name) if isinstance(name, (str, bytes)) else str(name)
