"""Checking input files against their kind's declaration (kinds.py).

Two passes, both reporting every problem with file, line, column and value:
- while streaming (`read_rows`): what one line shows: encoding, field counts, empty required
  values, numbers, dates, codes, lengths;
- in SQL on the staged rows of every file of a kind together (`staged_problems`): unknown
  countries, tiers, report years..., rules across columns, and keys repeated within or across the
  files of one load (Burma and Myanmar are one country).
Only regular files are read, and standard input when the path is `-`.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from psycopg import sql

from tipdb import kinds
from tipdb.errors import InputProblem, MissingInput, Problem
from tipdb.suggest import did_you_mean

MAX_PROBLEMS_PER_FILE = 50
MAX_LINE_BYTES = 1 << 20  # a longer line is not CSV a person wrote: refuse it rather than read it all
SHOWN_VALUE = 100  # characters of a value quoted back in a message
SHOWN_LINES = 5  # other lines named when a key repeats
FIRST_REPORT_YEAR = 2001
_LARGEST = {"smallint": 32_767, "integer": 2_147_483_647}
_ISO3 = re.compile(r"[A-Z]{3}")
_ASCII_WHOLE = re.compile(r"-?[0-9]+")
_THOUSANDS = re.compile(r"\d{1,3}([,.\s]\d{3})+")
_HEADER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,40}")
# The reports' own wording for tiers, mapped to the codes the files use.
_TIER_WORDS = {
    "tier 1": "1", "tier1": "1", "tier 2": "2", "tier2": "2", "tier 3": "3", "tier3": "3",
    "2 wl": "2WL", "2wl": "2WL", "tier 2 watch list": "2WL", "tier 2 watchlist": "2WL",
    "watch list": "2WL", "special case": "special_case", "special": "special_case",
}
STDIN = "-"
ALL = object()  # the converted form of "All countries": a row about no single country


def latest_possible_year() -> int:
    """A report year after this is a typo: reports are published once a year."""
    return dt.date.today().year + 1


class Collector:
    """The problems of one file, at most MAX_PROBLEMS_PER_FILE of them."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line, column, value, message, hint=None) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(self.file, line, column, shown(value), message, hint))
        if len(self.problems) == MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(self.file, None, None, None,
                                         f"stopped reading after {MAX_PROBLEMS_PER_FILE} problems",
                                         "fix these and load it again to see the rest"))

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS_PER_FILE


def shown(value):
    """A value as a message quotes it: bounded, so one bad field cannot flood the terminal."""
    if isinstance(value, str) and len(value) > SHOWN_VALUE:
        return value[:SHOWN_VALUE] + f"… ({len(value):,} characters)"
    return value


def display_name(path: Path) -> str:
    """The path as messages show it; bytes that are not valid in the file system's encoding escaped."""
    return os.fsdecode(path).encode("utf-8", "backslashreplace").decode("utf-8")


def check_readable(path: Path) -> None:
    """Refuse anything but an existing regular file (or `-`), before any byte is read."""
    if str(path) == STDIN:
        return
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise MissingInput(f"{display_name(path)}: no such file") from None
    except OSError as exc:
        raise MissingInput(f"{display_name(path)}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise MissingInput(f"{display_name(path)}: is a directory, not a CSV file")
    if not stat.S_ISREG(mode):
        raise MissingInput(f"{display_name(path)}: is not a regular file (a pipe or device); "
                           "save the data to a file, or give - to read standard input")
    if not os.access(path, os.R_OK):
        raise MissingInput(f"{display_name(path)}: permission denied")


def _raw_lines(handle, digest, collector: Collector) -> Iterator[bytes]:
    while raw := handle.readline(MAX_LINE_BYTES):
        if digest is not None:
            digest.update(raw)
        if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
            collector.add(None, None, None, f"has a line longer than {MAX_LINE_BYTES:,} bytes",
                          "this does not look like a CSV file")
            return
        yield raw


def _decoded_lines(path: Path, collector: Collector, digest=None) -> Iterator[str]:
    """Yield the file's lines as text, reporting bytes that are not UTF-8 with their line number."""
    with path.open("rb") as handle:
        for number, raw in enumerate(_raw_lines(handle, digest, collector), start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte-order mark is harmless: accept it
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                collector.add(
                    number, None, raw[exc.start : exc.start + 4].hex(" "),
                    f"bytes at position {exc.start + 1} of the line are not valid UTF-8",
                    "save the file as UTF-8 (for example from a spreadsheet: CSV UTF-8)",
                )
                if number == 1:
                    return  # a first line that is not text: the file is not a CSV file at all
                yield raw.decode("utf-8", errors="replace")


def detect_kind(path: Path, name: str | None = None) -> kinds.Kind:
    """Recognise a file's kind from its header row alone."""
    check_readable(path)
    collector = Collector(name or display_name(path))
    header = None
    try:
        header = next(csv.reader(_decoded_lines(path, collector)), None)
    except csv.Error as exc:
        _csv_problem(collector, 1, exc)
    if collector.problems:
        raise InputProblem(collector.problems)
    if not header or not any(h.strip() for h in header):
        raise InputProblem([Problem(collector.file, 1, None, None, "the file is empty",
                                    "a seed file starts with a header row naming its columns")])
    names = tuple(h.strip() for h in header)
    kind = kinds.for_header(names)
    if kind is not None:
        return kind
    raise InputProblem([_header_problem(collector.file, names)])


def _csv_problem(collector: Collector, line: int, exc: csv.Error) -> None:
    if "new-line character seen in unquoted field" in str(exc):  # Python's wording for a bare CR
        collector.add(line, None, None, "ends its lines with a bare carriage return (CR)",
                      "save the file with LF or CRLF line ends")
    else:
        collector.add(line, None, None, f"is not valid CSV: {exc}", "check for an unclosed quote or a binary file")


def _header_problem(file: str, names: tuple[str, ...]) -> Problem:
    # Quote the header only if it looks like one: an arbitrary file's first line is not echoed.
    looks_like_header = all(_HEADER_NAME.fullmatch(n) for n in names) and len(names) <= 20
    shown_header = ",".join(names) if looks_like_header else None
    if len(names) == 1:
        for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if delimiter in names[0] and all(_HEADER_NAME.fullmatch(n.strip()) for n in names[0].split(delimiter)):
                return Problem(file, 1, None, names[0], f"the columns seem to be separated by {label}",
                               "tipdb reads comma-separated files; export the file as CSV with commas")
    if not looks_like_header:
        return Problem(file, 1, None, None, "the first line is not the header of any tipdb file kind (not shown)",
                       "see `tipdb load --help` for the headers tipdb reads")
    best = max(kinds.KINDS, key=lambda k: len(set(k.header) & set(names)))
    missing = [c for c in best.header if c not in names]
    extra = [c for c in names if c not in best.header]
    if not missing and not extra:
        message = f"the columns are in the wrong order for a {best.name} file"
    else:
        details = []
        if missing:
            details.append("missing " + ", ".join(missing))
        if extra:
            details.append("unexpected " + ", ".join(extra))
        message = f"unknown header ({'; '.join(details)})"
    return Problem(file, 1, None, shown_header, message, f"a {best.name} file has the header: {','.join(best.header)}")


def _whole_number(column: kinds.Column, value: str, line: int, collector: Collector):
    if not _ASCII_WHOLE.fullmatch(value):
        hint = None
        if _THOUSANDS.fullmatch(value):
            hint = f"write numbers without thousands separators: {re.sub(r'[^0-9]', '', value)}"
        elif any(ch.isdigit() for ch in value):
            hint = "write the digits 0-9 only"  # superscripts or other scripts' digits are not taken as numbers
        collector.add(line, column.name, value, "is not a whole number", hint)
        return None
    if len(value) > 12:  # longer than any column's range; int() of thousands of digits is refused anyway
        collector.add(line, column.name, value, "is too large")
        return None
    number = int(value)
    if number < 0:
        collector.add(line, column.name, value, "must not be negative")
        return None
    if column.type is not kinds.WHOLE_NUMBER:
        # A year that must name a loaded report is checked against tip.report; a new one is bounded here.
        last = latest_possible_year() if column.type is kinds.NEW_YEAR else _LARGEST["smallint"]
        if not FIRST_REPORT_YEAR <= number <= last:
            collector.add(line, column.name, value, "is not a report year",
                          f"report years run from {FIRST_REPORT_YEAR} (the first TIP Report) to {last}")
            return None
    elif number > _LARGEST[column.sql_type]:
        collector.add(line, column.name, value, f"is too large (at most {_LARGEST[column.sql_type]:,})")
        return None
    return number


def _date(column, value, line, collector):
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    collector.add(line, column.name, value, "is not a date in the form YYYY-MM-DD")
    return None


def _iso3(column, value, line, collector):
    if _ISO3.fullmatch(value):
        return value
    hint = f"use upper case: {value.upper()}" if _ISO3.fullmatch(value.upper()) else None
    collector.add(line, column.name, value, "is not an ISO 3166-1 alpha-3 code (three capital letters)", hint)
    return None


def _tier(column, value, line, collector):
    suggestion = _TIER_WORDS.get(value.lower())
    if suggestion and suggestion != value:
        collector.add(line, column.name, value, "is not a tier code", f"did you mean {suggestion!r}?")
        return None
    return value  # tip.tier has the final word, in the reference check


def _text(column, value, line, collector):
    if column.max_length and len(value) > column.max_length:
        collector.add(line, column.name, value, f"is longer than {column.max_length} characters")
        return None
    if column.type is kinds.COUNTRY_OR_ALL and value.lower() == kinds.ALL_COUNTRIES.lower():
        return ALL
    return value


_CONVERTERS = {kinds.YEAR: _whole_number, kinds.NEW_YEAR: _whole_number, kinds.WHOLE_NUMBER: _whole_number,
               kinds.DATE: _date, kinds.ISO3: _iso3, kinds.NEW_ISO3: _iso3, kinds.TIER: _tier}


def _converter(column: kinds.Column):
    """The function that checks one non-empty value of this column: the typed value, or None after a problem."""
    return _CONVERTERS.get(column.type, _text)



def read_rows(path: Path, kind: kinds.Kind, collector: Collector, digest=None) -> Iterator[tuple]:
    """Yield (line_number, value, ...) for each valid data row of a file whose header matched `kind`.

    Problems are gathered in `collector`; rows with problems are not yielded. `digest`, if
    given, is fed every byte read, so the checksum recorded is that of what was loaded.
    """
    reader = csv.reader(_decoded_lines(path, collector, digest), strict=True)
    converters = [_converter(c) for c in kind.columns]
    rows = 0
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != kind.header:
            collector.add(1, None, None, "the header changed while the file was being loaded", "load it again")
            return
        line = reader.line_num + 1
        for record in reader:
            if collector.full:
                break
            if not record or (len(record) == 1 and not record[0].strip()):
                line = reader.line_num + 1
                continue  # blank lines carry nothing
            rows += 1
            if len(record) != len(kind.columns):
                collector.add(line, None, None,
                              f"has {len(record)} fields, expected {len(kind.columns)} ({','.join(kind.header)})",
                              "quote values that contain commas" if len(record) > len(kind.columns) else None)
                line = reader.line_num + 1
                continue
            values = []
            ok = True
            for column, convert, raw in zip(kind.columns, converters, record):
                if "\x00" in raw:
                    collector.add(line, column.name, raw.replace("\x00", "\\0"), "contains a NUL byte",
                                  "the file may not be text; check how it was exported")
                    ok = False
                    continue
                value = raw.strip()
                if not value:
                    if column.required:
                        collector.add(line, column.name, raw, "is empty but required")
                        ok = False
                    values.append(None)
                    continue
                converted = convert(column, value, line, collector)
                if converted is None:
                    ok = False
                values.append(None if converted is ALL else converted)
            if ok:
                yield (line, *values)
            line = reader.line_num + 1
        if digest is not None:
            for _ in reader:  # the rest of the file still counts in its checksum
                pass
    except csv.Error as exc:
        _csv_problem(collector, reader.line_num, exc)
    if rows == 0 and not collector.problems:
        collector.add(1, None, None, "has a header but no data rows")


# SQL checks on the staged rows of one kind. Each gives (file_no, line_no, column, value, hint).

def _reference_checks(kind: kinds.Kind, skipped_tables: set[str]):
    for column in kind.columns:
        if column.type.references is None or column.type.references[0] in skipped_tables:
            continue
        table, key = column.type.references
        col = sql.Identifier(column.name)
        if column.type.is_country:
            match = sql.SQL("lower(r.{}) = lower(s.{})").format(sql.Identifier(key), col)
        else:
            match = sql.SQL("r.{} = s.{}").format(sql.Identifier(key), col)
        query = sql.SQL(
            "SELECT s.file_no, s.line_no, s.{col}::text FROM pg_temp.stage s "
            "WHERE s.{col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} r WHERE {match}) "
            "ORDER BY 1, 2 LIMIT {limit}"
        ).format(col=col, table=sql.SQL(table), match=match, limit=MAX_PROBLEMS_PER_FILE)
        yield column, query


def spelling_join(join: str, alias: sql.Identifier, column: sql.Identifier) -> sql.Composed:
    """The join from a staged country name to tip.country_name, whose ISO3 it stores (letter case aside)."""
    return sql.SQL(join + " tip.country_name {a} ON lower({a}.name) = lower(s.{c})").format(a=alias, c=column)


def _duplicate_sql(kind: kinds.Kind, names: tuple[str, ...]) -> sql.Composed:
    """Rows sharing the values of `names` within the load, with every (file_no, line_no) that holds them."""
    joins, key = [], []
    for number, name in enumerate(names):
        column = kind.column(name)
        col = sql.Identifier(name)
        if column.type.is_country:
            alias = sql.Identifier(f"n{number}")
            joins.append(spelling_join("LEFT JOIN", alias, col))
            key.append(sql.SQL("coalesce({a}.iso3, lower(s.{c}))").format(a=alias, c=col))
        elif column.case_insensitive:
            key.append(sql.SQL("lower(s.{})").format(col))
        else:
            key.append(sql.SQL("s.{}").format(col))
    return sql.SQL(
        "SELECT array_agg(s.file_no ORDER BY s.file_no, s.line_no), array_agg(s.line_no ORDER BY s.file_no, s.line_no), "
        "(array_agg(concat_ws(',', {values}) ORDER BY s.file_no, s.line_no))[2] "  # as the repeating line writes it
        "FROM pg_temp.stage s {joins} GROUP BY {key} HAVING count(*) > 1 ORDER BY 1, 2 LIMIT {limit}"
    ).format(values=sql.SQL(", ").join(sql.SQL("s.{}::text").format(sql.Identifier(n)) for n in names),
             joins=sql.SQL(" ").join(joins), key=sql.SQL(", ").join(key),
             limit=MAX_PROBLEMS_PER_FILE)


def _taken_sql(kind: kinds.Kind, name: str) -> sql.Composed:
    """Staged rows whose value of the unique column `name` the table already holds under another key."""
    key = [kind.column(k) for k in kind.key]
    return sql.SQL(
        "SELECT s.file_no, s.line_no, s.{col}::text FROM pg_temp.stage s JOIN {table} t ON t.{stored} = s.{col} "
        "WHERE ({table_key}) IS DISTINCT FROM ({stage_key}) ORDER BY 1, 2 LIMIT {limit}"
    ).format(col=sql.Identifier(name), table=sql.SQL(kind.table), stored=sql.Identifier(kind.column(name).stored_as),
             table_key=sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c.stored_as))
                                                                    for c in key)),
             stage_key=sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c.name))
                                                                    for c in key)),
             limit=MAX_PROBLEMS_PER_FILE)


def _recognised(conn, name: str) -> str | None:
    """A hint naming the one country whose country_converter pattern recognises `name`, if there is one."""
    found = conn.execute("SELECT c.name FROM tip.country_name_pattern p JOIN tip.country c USING (iso3) "
                         "WHERE %s ~* p.pattern", [name]).fetchall()
    if len(found) != 1:
        return None
    return (f"did you mean {found[0][0]!r}? country_converter recognises the name; "
            "to accept this spelling, add it to country_names.csv")


def staged_problems(conn, kind: kinds.Kind, files: dict[int, str], skipped_tables: set[str] = frozenset()
                    ) -> list[Problem]:
    """Problems that only the database can see, in the rows staged in pg_temp.stage.

    `files` maps each staged file_no to the name messages give it. References to `skipped_tables`
    are not checked: their own files were refused, so every reference would look unknown.
    """
    problems: list[Problem] = []
    for column, query in _reference_checks(kind, skipped_tables):
        bad = conn.execute(query).fetchall()
        if bad:
            known = dict(conn.execute(column.type.suggestions).fetchall())
            for file_no, line, value in bad:
                hint = _recognised(conn, value) if column.type.is_country else None
                problems.append(Problem(files[file_no], line, column.name, shown(value), column.type.unknown,
                                        hint or did_you_mean(value, known)))
    for check in kind.checks:
        query = sql.SQL("SELECT s.file_no, s.line_no, s.{col}::text, {expected} FROM pg_temp.stage s "
                        "WHERE {violated} ORDER BY 1, 2 LIMIT {limit}").format(
            col=sql.Identifier(check.column), expected=sql.SQL(check.expected), violated=sql.SQL(check.violated),
            limit=MAX_PROBLEMS_PER_FILE)
        for file_no, line, value, expected in conn.execute(query):
            problems.append(Problem(files[file_no], line, check.column, shown(value), check.message,
                                    f"expected {expected}"))
    for name in kind.unique:
        for file_no, line, value in conn.execute(_taken_sql(kind, name)):
            problems.append(Problem(files[file_no], line, name, shown(value), f"is already the {name} of another row",
                                    f"each {name} belongs to one {','.join(kind.key)}"))
    for names in (kind.key, *((name,) for name in kind.unique)):
        case_note = "; letter case does not count" if any(kind.column(n).case_insensitive for n in names) else ""
        for file_nos, lines, value in conn.execute(_duplicate_sql(kind, names)):
            places = [(files[f], line) for f, line in zip(file_nos, lines)]
            file, line = places[1]
            others = [f"line {n}" if f == file else f"{f}:{n}" for f, n in [places[0], *places[2:]]]
            more = len(others) - SHOWN_LINES
            listed = ", ".join(others[:SHOWN_LINES]) + (f" and {more} more" if more > 0 else "")
            what = "key" if names == kind.key else ",".join(names)
            problems.append(Problem(
                file, line, ",".join(names), shown(value), f"repeats the {what} of {listed}",
                "keep one row per " + " and ".join(names) + "; names of one country count as the same country"
                + case_note,
            ))
    return problems
