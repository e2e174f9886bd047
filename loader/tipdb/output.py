"""Every output format in one registry, for standard output and files alike.

A `Result` is a list of typed, described columns and an iterator of row tuples, usually a
psycopg cursor that is read as it is written (nothing is fetched whole, except by the table
format, which must measure its columns first). Each `Format` writes a `Result` to a stream:

    table    aligned columns for people; wraps to the terminal's width, never cuts when piped
    csv      RFC 4180 with a header line; booleans as `true`/`false`, NULL as an empty field
    json     one array of objects
    jsonl    JSON Lines: one object per line
    parquet  Apache Parquet with the database's types and column comments (needs tipdb[export])

Files are written to a temporary file beside the target and renamed into place only when
complete, so a failed or interrupted command never leaves a partial file.

Imports are deferred to the writers: this module sits on every command's start-up path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NamedTuple

from tipdb.errors import MissingExtra, OutputProblem

# How CSV spells what a CSV file cannot say by itself; repeated in --help and the README.
CSV_TRUE, CSV_FALSE, CSV_NULL = "true", "false", ""
CSV_CONVENTION = "CSV writes booleans as true/false and NULL as an empty field."


class Column(NamedTuple):
    name: str
    type: str = "text"  # PostgreSQL's type name: int2, int4, int8, text, bool, date, numeric, ...
    description: str | None = None


class Result:
    """Columns and rows on their way out; `rows` is consumed once.

    `sorted_by` names what the rows are sorted by, for readers of a file (Parquet's metadata).
    `describe`, if given, returns the columns with their descriptions: only Parquet asks, so other
    formats spare the query.
    """

    __slots__ = ("columns", "rows", "sorted_by", "describe")

    def __init__(self, columns: list[Column], rows: Iterable[tuple], sorted_by: list[str] | None = None,
                 describe: Callable[[], list[Column]] | None = None):
        self.columns = columns
        self.rows = rows
        self.sorted_by = sorted_by or []
        self.describe = describe

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def plain(value):
    """A value as JSON wants it: dates as ISO strings, whole decimals as integers."""
    import datetime as dt
    import decimal

    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _csv_value(value):
    if value is None:
        return CSV_NULL
    if value is True:
        return CSV_TRUE
    if value is False:
        return CSV_FALSE
    return plain(value)


def write_csv(result: Result, out: IO[str], options: dict) -> int:
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.names)
    count = 0
    for row in result.rows:
        writer.writerow([_csv_value(v) for v in row])
        count += 1
    return count


def write_json(result: Result, out: IO[str], options: dict) -> int:
    import json

    names = result.names
    count = 0
    out.write("[")
    for row in result.rows:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps({c: plain(v) for c, v in zip(names, row)}, ensure_ascii=False, default=str))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_jsonl(result: Result, out: IO[str], options: dict) -> int:
    import json

    names = result.names
    count = 0
    for row in result.rows:
        out.write(json.dumps({c: plain(v) for c, v in zip(names, row)}, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count


def _column_widths(header: list[str], rows: list[list[str]], width: int) -> list[int] | None:
    """Widths that make the table fit `width` characters, narrowing the widest columns first."""
    natural = [max([len(h)] + [max((len(line) for line in r[i].splitlines()), default=0) for r in rows])
               for i, h in enumerate(header)]
    room = width - 2 * (len(header) - 1)  # two spaces between columns
    if sum(natural) <= room:
        return None
    widths = list(natural)
    floor = 12
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= floor:
            break
        widths[widest] -= 1
    return widths


def write_table(result: Result, out: IO[str], options: dict) -> int:
    """Aligned columns; on a terminal, long text wraps within the terminal's width."""
    from tabulate import tabulate  # installed with yoyo-migrations

    header = result.names
    rows = [["" if v is None else str(plain(v)) for v in row] for row in result.rows]
    width = options.get("width")
    widths = _column_widths(header, rows, width) if width else None
    text = tabulate(rows, headers=header, tablefmt="simple", disable_numparse=True,
                    maxcolwidths=widths) if header else ""
    out.write(text + "\n" if text else "")
    out.write(f"({count_of(len(rows), 'row')})\n")
    return len(rows)


_PARQUET_TYPES = {
    "int2": "int16", "int4": "int32", "int8": "int64", "float4": "float32", "float8": "float64",
    "bool": "bool_", "text": "string", "varchar": "string", "bpchar": "string", "name": "string",
    "date": "date32", "numeric": "float64",
}


def arrow_schema(columns: list[Column], sorted_by: list[str]):
    import json

    import pyarrow as pa

    fields = []
    for column in columns:
        if column.type == "timestamptz":
            arrow_type = pa.timestamp("us", tz="UTC")
        elif column.type == "timestamp":
            arrow_type = pa.timestamp("us")
        else:
            arrow_type = getattr(pa, _PARQUET_TYPES.get(column.type, "string"))()
        metadata = {"pg_type": column.type}
        if column.description:
            metadata["description"] = column.description
        fields.append(pa.field(column.name, arrow_type, nullable=True, metadata=metadata))
    metadata = {"sorted_by": json.dumps(sorted_by)} if sorted_by else None
    return pa.schema(fields, metadata=metadata)


def write_parquet(result: Result, out: IO[bytes], options: dict) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtra("Parquet files", "export") from exc
    columns = result.describe() if result.describe else result.columns
    schema = arrow_schema(columns, result.sorted_by)
    convert = [(lambda v: v) if c.type in _PARQUET_TYPES or c.type.startswith("timestamp")
               else (lambda v: None if v is None else str(plain(v))) for c in columns]
    numeric = [c.type == "numeric" for c in result.columns]
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[tuple] = []

        def flush():
            values_by_column = list(zip(*batch)) if batch else [[] for _ in columns]
            arrays = [pa.array([None if v is None else (float(v) if is_numeric else fn(v)) for v in values],
                               type=f.type)
                      for values, f, fn, is_numeric in zip(values_by_column, schema, convert, numeric)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

        for row in result.rows:
            batch.append(row)
            count += 1
            if len(batch) == 50_000:
                flush()
                batch = []
        if batch or count == 0:
            flush()
    return count


class Format(NamedTuple):
    name: str
    extension: str
    binary: bool
    write: Callable[[Result, IO, dict], int]
    description: str


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("table", ".txt", False, write_table, "aligned columns for people"),
    Format("csv", ".csv", False, write_csv, "comma-separated values with a header line"),
    Format("json", ".json", False, write_json, "one JSON array of objects"),
    Format("jsonl", ".jsonl", False, write_jsonl, "JSON Lines: one object per line"),
    Format("parquet", ".parquet", True, write_parquet, "Apache Parquet with the database's types"),
)}
BY_EXTENSION = {f.extension: f.name for f in FORMATS.values() if f.name != "table"}


def count_of(number: int, noun: str) -> str:
    """'1 row', '2 rows', '0 rows'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def is_stdout(path) -> bool:
    return path is None or str(path) == "-"


def choose_format(path, fmt: str | None, default: str = "table") -> str:
    """The format named, else the one the file's extension names, else `default` for standard output."""
    if fmt:
        return fmt
    if is_stdout(path):
        return default
    suffix = Path(path).suffix.lower()
    if suffix not in BY_EXTENSION:
        raise OutputProblem(f"cannot tell the format of {display_path(path)}: name it with --format "
                            f"({', '.join(FORMATS)}) or end the file name with {', '.join(BY_EXTENSION)}")
    return BY_EXTENSION[suffix]


def display_path(path) -> str:
    """A path for messages: bytes that are not UTF-8 are shown as \\xNN rather than crashing the message."""
    return os.fsdecode(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@contextmanager
def atomic_file(path: Path, binary: bool) -> Iterator[IO]:
    """A temporary file beside `path`, renamed to `path` only if the block completes.

    A path that exists but is not a regular file (a link, a device such as /dev/null, a pipe) is
    written through, as a shell redirection would, never replaced. A regular file keeps its mode.
    """
    import stat
    import tempfile

    path = Path(path)
    try:
        existing = path.lstat()
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with path.open("wb") if binary else path.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with (os.fdopen(handle, "wb") if binary else
              os.fdopen(handle, "w", encoding="utf-8", newline="")) as stream:
            yield stream
        os.chmod(temporary, stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def emit(result: Result, fmt: str, path=None, **options) -> int:
    """Write `result` in format `fmt` to `path` (standard output if None or '-'); return the row count."""
    chosen = FORMATS[fmt]
    if is_stdout(path):
        if chosen.binary:
            if sys.stdout.isatty():
                raise OutputProblem(f"{fmt} is a binary format: write it to a file with -o FILE, or redirect "
                                    "standard output")
            sys.stdout.flush()
            count = chosen.write(result, sys.stdout.buffer, options)
            sys.stdout.buffer.flush()
            return count
        return chosen.write(result, sys.stdout, options)
    with atomic_file(Path(path), chosen.binary) as stream:
        return chosen.write(result, stream, options)
