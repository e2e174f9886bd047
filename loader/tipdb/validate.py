"""Checking input files: value checks while streaming rows, reference checks against the database.

Streaming (`read_rows`) catches what a single line shows: encoding, field counts, empty
required values, numbers, dates, codes. Reference checks (`check_references`) run in SQL on
the staged rows and catch what needs the database: unknown countries, tiers or report years,
and keys duplicated within a file once spellings are resolved (Burma and Myanmar are one
country). Every problem names file, line, column and value, with a suggestion where one exists.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from tipdb import seeds
from tipdb.errors import InputProblem, MissingInput, Problem
from tipdb.suggest import did_you_mean

MAX_PROBLEMS_PER_FILE = 50
ALL = object()  # the converted form of "All countries": a row about no single country
_LARGEST = {"smallint": 32_767, "integer": 2_147_483_647}
_ISO3 = re.compile(r"^[A-Z]{3}$")
_THOUSANDS = re.compile(r"^\d{1,3}([,.\s]\d{3})+$")
# The reports' own wording for tiers, mapped to the codes the files use.
_TIER_WORDS = {
    "tier 1": "1", "tier1": "1", "tier 2": "2", "tier2": "2", "tier 3": "3", "tier3": "3",
    "2 wl": "2WL", "2wl": "2WL", "tier 2 watch list": "2WL", "tier 2 watchlist": "2WL",
    "watch list": "2WL", "special case": "special_case", "special": "special_case",
}


class Collector:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line, column, value, message, hint=None) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(self.file, line, column, value, message, hint))

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS_PER_FILE


def _decoded_lines(path: Path, collector: Collector) -> Iterator[str]:
    """Yield the file's lines as text, reporting bytes that are not UTF-8 with their line number."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte-order mark is harmless: accept it
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.start + 4]
                collector.add(
                    number, None, bad.hex(" "),
                    f"bytes at position {exc.start + 1} of the line are not valid UTF-8",
                    "save the file as UTF-8 (for example from a spreadsheet: CSV UTF-8)",
                )
                yield raw.decode("utf-8", errors="replace")


def detect_kind(path: Path) -> seeds.Kind:
    """Recognise a file's kind from its header row."""
    if not path.exists():
        raise MissingInput(f"{path}: no such file")
    if path.is_dir():
        raise MissingInput(f"{path}: is a directory, not a CSV file")
    collector = Collector(str(path))
    header = None
    try:
        for row in csv.reader(_decoded_lines(path, collector)):
            header = row
            break
    except csv.Error as exc:
        raise InputProblem([Problem(collector.file, 1, None, None, f"not a readable CSV file: {exc}")]) from exc
    if collector.problems:
        raise InputProblem(collector.problems)
    if not header:
        raise InputProblem([Problem(collector.file, 1, None, None, "the file is empty",
                                    "a seed file starts with a header row naming its columns")])
    names = tuple(h.strip() for h in header)
    kind = seeds.kind_for(names, path.name)
    if kind is not None:
        return kind
    raise InputProblem([_header_problem(collector.file, names)])


def _header_problem(file: str, names: tuple[str, ...]) -> Problem:
    shown = ",".join(names)
    if len(names) == 1:
        for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if delimiter in names[0]:
                return Problem(file, 1, None, shown, f"the columns seem to be separated by {label}",
                               "tipdb reads comma-separated files; export the file as CSV with commas")
    best = max(seeds.KINDS, key=lambda k: len(set(k.header) & set(names)))
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
    return Problem(file, 1, None, shown, message, f"a {best.name} file has the header: {','.join(best.header)}")


def _convert(column: seeds.Column, value: str, line: int, collector: Collector):
    """Return the typed value, or None after recording a problem."""
    kind = column.type
    if kind in (seeds.YEAR, seeds.NEW_YEAR, seeds.INTEGER):
        if value.isdigit() or (value.startswith("-") and value[1:].isdigit()):
            number = int(value)
            if number < 0:
                collector.add(line, column.name, value, "must not be negative")
                return None
            if kind in (seeds.YEAR, seeds.NEW_YEAR) and not 2001 <= number <= 2100:
                collector.add(line, column.name, value, "is not a report year",
                              "the first TIP Report was published in 2001")
                return None
            if number > _LARGEST[column.sql_type]:
                collector.add(line, column.name, value, f"is too large (at most {_LARGEST[column.sql_type]:,})")
                return None
            return number
        hint = None
        if _THOUSANDS.match(value):
            digits = re.sub(r"\D", "", value)
            hint = f"write numbers without thousands separators: {digits}"
        collector.add(line, column.name, value, "is not a whole number", hint)
        return None
    if kind == seeds.DATE:
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        collector.add(line, column.name, value, "is not a date in the form YYYY-MM-DD")
        return None
    if kind in (seeds.ISO3, seeds.NEW_ISO3):
        if not _ISO3.match(value):
            hint = f"use upper case: {value.upper()}" if _ISO3.match(value.upper()) else None
            collector.add(line, column.name, value, "is not an ISO 3166-1 alpha-3 code (three capital letters)", hint)
            return None
        return value
    if kind == seeds.COUNTRY_OR_ALL and value.lower() == seeds.ALL_COUNTRIES.lower():
        return ALL
    if kind == seeds.TIER:
        known = {"1", "2", "2WL", "3", "special_case"}
        if value not in known:
            suggestion = _TIER_WORDS.get(value.lower()) or (value.upper() if value.upper() in known else None)
            if suggestion is None:
                # Leave unknown codes to the database's tier table, which has the final word.
                return value
            collector.add(line, column.name, value, "is not a tier code", f"did you mean {suggestion!r}?")
            return None
        return value
    return value


def read_rows(path: Path, kind: seeds.Kind, collector: Collector | None = None) -> Iterator[tuple]:
    """Yield (line_number, value, ...) for each data row of a file whose header matched `kind`.

    Problems are gathered in `collector`; rows with problems are not yielded.
    """
    collector = collector or Collector(str(path))
    reader = csv.reader(_decoded_lines(path, collector), strict=True)
    rows = 0
    try:
        next(reader)  # header, already checked by detect_kind
        line = reader.line_num + 1
        for record in reader:
            if collector.full:
                break
            if not record or (len(record) == 1 and not record[0].strip()):
                line = reader.line_num + 1
                continue  # blank lines carry nothing
            rows += 1
            if len(record) != len(kind.columns):
                collector.add(line, None, ",".join(record)[:80],
                              f"has {len(record)} fields, expected {len(kind.columns)} ({','.join(kind.header)})",
                              "quote values that contain commas" if len(record) > len(kind.columns) else None)
                line = reader.line_num + 1
                continue
            values = []
            ok = True
            for column, raw in zip(kind.columns, record):
                if "\x00" in raw:
                    collector.add(line, column.name, raw.replace("\x00", "\\0"), "contains a NUL byte",
                                  "the file may not be text; check how it was exported")
                    ok = False
                    values.append(None)
                    continue
                value = raw.strip()
                if not value:
                    if column.required:
                        collector.add(line, column.name, raw, "is empty but required")
                        ok = False
                    values.append(None)
                    continue
                converted = _convert(column, value, line, collector)
                if converted is None:
                    ok = False
                values.append(None if converted is ALL else converted)
            if ok:
                yield (line, *values)
            line = reader.line_num + 1
    except csv.Error as exc:
        collector.add(reader.line_num, None, None, f"is not valid CSV: {exc}",
                      "check for an unclosed quote or a binary file")
    if rows == 0 and not collector.problems:
        collector.add(1, None, ",".join(kind.header), "has a header but no data rows")


# Reference checks, per column type: SQL that lists staged values the database does not know.
_UNKNOWN = {
    seeds.COUNTRY: (
        "SELECT line_no, {col} FROM stage s WHERE {col} IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM tip.country_name n WHERE lower(n.name) = lower(s.{col}))",
        "unknown country name",
        # Suggest the canonical name, whichever spelling is closest.
        "SELECT n.name, c.name FROM tip.country_name n JOIN tip.country c USING (iso3)",
    ),
    seeds.CATEGORY: (
        "SELECT line_no, {col} FROM stage s WHERE NOT EXISTS "
        "(SELECT 1 FROM tip.finding_category f WHERE f.category = s.{col})",
        "unknown finding category",
        "SELECT category, category FROM tip.finding_category UNION ALL SELECT label, category FROM tip.finding_category",
    ),
    seeds.LIST: (
        "SELECT line_no, {col} FROM stage s WHERE NOT EXISTS "
        "(SELECT 1 FROM tip.official_list l WHERE l.list_code = s.{col})",
        "unknown official list",
        "SELECT list_code, list_code FROM tip.official_list UNION ALL SELECT name, list_code FROM tip.official_list",
    ),
    seeds.ISO3: (
        "SELECT line_no, {col} FROM stage s WHERE NOT EXISTS (SELECT 1 FROM tip.country c WHERE c.iso3 = s.{col})",
        "unknown country code",
        "SELECT iso3, iso3 FROM tip.country",
    ),
    seeds.TIER: (
        "SELECT line_no, {col} FROM stage s WHERE NOT EXISTS (SELECT 1 FROM tip.tier t WHERE t.tier_code = s.{col})",
        "unknown tier",
        "SELECT tier_code, tier_code FROM tip.tier UNION ALL SELECT label, tier_code FROM tip.tier",
    ),
    seeds.YEAR: (
        "SELECT line_no, {col}::text FROM stage s WHERE NOT EXISTS "
        "(SELECT 1 FROM tip.report r WHERE r.report_year = s.{col})",
        "is not the year of a report in the database",
        "SELECT report_year::text, report_year::text FROM tip.report",
    ),
}

# "All countries" is already NULL in the staging table, so it is the country check with a fuller message.
_UNKNOWN[seeds.COUNTRY_OR_ALL] = (
    _UNKNOWN[seeds.COUNTRY][0],
    "unknown country name (write 'All countries' for a report-wide finding)",
    _UNKNOWN[seeds.COUNTRY][2],
)

# Checks that concern one kind only, mirroring the CHECK constraints of its table so that a
# violation is reported with its line: (SQL giving line_no, column, value, expected; message).
_KIND_CHECKS = {
    "country_names": [
        ("SELECT s.line_no, 'canonical_name', s.canonical_name, c.name FROM stage s "
         "JOIN tip.country c ON c.iso3 = s.iso3 WHERE c.name <> s.canonical_name",
         "does not match the country's name for this ISO3 code"),
        ("SELECT max(line_no), 'name_in_report', min(name_in_report), 'one row per spelling' FROM stage "
         "GROUP BY lower(name_in_report) HAVING count(*) > 1",
         "repeats a spelling that differs only in letter case"),
    ],
    "reports": [
        ("SELECT line_no, 'reporting_period_end', reporting_period_end::text, 'a date after reporting_period_start' "
         "FROM stage WHERE reporting_period_end <= reporting_period_start",
         "is not after the start of the reporting period"),
        ("SELECT line_no, CASE WHEN reporting_period_start IS NULL THEN 'reporting_period_start' "
         "ELSE 'reporting_period_end' END, NULL, 'both dates or neither' FROM stage "
         "WHERE (reporting_period_start IS NULL) <> (reporting_period_end IS NULL)",
         "is empty while the other end of the reporting period is given"),
        ("SELECT line_no, 'release_date', release_date::text, 'a date in ' || report_year || ' or the year after' "
         "FROM stage WHERE extract(year FROM release_date) NOT BETWEEN report_year AND report_year + 1",
         "is not in the report year"),
    ],
    "enforcement": [
        *(
            (f"SELECT line_no, '{part}', {part}::text, 'at most {whole} (' || {whole} || ')' FROM stage "
             f"WHERE {part} > {whole}",
             "is larger than the total it is part of")
            for part, whole in (("prosecutions_labor", "prosecutions"), ("convictions_labor", "convictions"),
                                ("victims_identified_labor", "victims_identified"))
        ),
        ("SELECT line_no, 'data_year', data_year::text, 'a year before ' || report_year FROM stage "
         "WHERE data_year >= report_year",
         "is not before the report year"),
    ],
    "watch_list_rules": [
        ("SELECT line_no, 'effective_to_report_year', effective_to_report_year::text, "
         "'a year from ' || effective_from_report_year FROM stage "
         "WHERE effective_to_report_year < effective_from_report_year",
         "is before effective_from_report_year"),
    ],
}


def _duplicates_sql(kind: seeds.Kind) -> str:
    """SQL listing the lines of staged rows that share a key; spellings of one country are one key."""
    joins, key = [], []
    for number, name in enumerate(kind.key):
        column = next(c for c in kind.columns if c.name == name)
        if column.type in (seeds.COUNTRY, seeds.COUNTRY_OR_ALL):
            joins.append(f"LEFT JOIN tip.country_name n{number} ON lower(n{number}.name) = lower(s.{name})")
            key.append(f"coalesce(n{number}.iso3, s.{name})")
        else:
            key.append(f"s.{name}")
    return (f"SELECT array_agg(s.line_no ORDER BY s.line_no), min(s.{kind.key[-1]}::text) FROM stage s "
            f"{' '.join(joins)} GROUP BY {', '.join(key)} HAVING count(*) > 1 ORDER BY 1 LIMIT %s")


def check_references(conn, kind: seeds.Kind, file: str) -> list[Problem]:
    """Problems that only the database can see, for the rows staged in temporary table `stage`."""
    problems: list[Problem] = []
    if kind.name != "countries":  # the countries file defines codes, it does not refer to them
        for column in kind.columns:
            check = _UNKNOWN.get(column.type)
            if check is None:
                continue
            sql, message, known_sql = check
            bad = conn.execute(sql.format(col=column.name) + " ORDER BY line_no LIMIT %s",
                               [MAX_PROBLEMS_PER_FILE]).fetchall()
            if bad:
                known = dict(conn.execute(known_sql).fetchall())
                for line, value in bad:
                    problems.append(Problem(file, line, column.name, value, message, did_you_mean(value, known)))
    for sql, message in _KIND_CHECKS.get(kind.name, []):
        for line, column, value, expected in conn.execute(sql):
            problems.append(Problem(file, line, column, value, message, f"expected {expected}"))
    duplicates = conn.execute(_duplicates_sql(kind), [MAX_PROBLEMS_PER_FILE]).fetchall()
    for lines, value in duplicates:
        problems.append(Problem(
            file, lines[1], ",".join(kind.key), value,
            f"repeats the key of line {lines[0]}" + (f" (and lines {', '.join(map(str, lines[2:]))})" if lines[2:] else ""),
            "keep one row per " + " and ".join(kind.key) + "; names of one country count as the same country",
        ))
    return problems
