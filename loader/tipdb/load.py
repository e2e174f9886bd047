"""Loading CSV files: stage every file of a kind with COPY, check them together, upsert them.

One call is one transaction under a PostgreSQL advisory lock: a refused load leaves the
database as it was, and two loaders never interleave. Each file is hashed under the lock, and
the checksum recorded is that of the bytes loaded; a file whose checksum was loaded before is
skipped, so loading the same file twice changes nothing. The staging table, the checks and the
upsert are all generated from the kind's declaration in kinds.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import psycopg
from psycopg import sql

from tipdb import database, kinds, validate
from tipdb.errors import InputProblem, Problem

# pg_advisory_xact_lock key shared by every tipdb loader ("tipdb" in ASCII).
LOAD_LOCK_KEY = 0x7469706462
COPY_BLOCK_ROWS = 10_000
# From this many staged rows on, a superuser's load skips PostgreSQL's per-row foreign-key triggers
# (see _bulk_merge): below it they cost too little to matter.
BULK_ROWS = 10_000
# Measured at 100x (benchmarks/load_throughput.py): refreshing 10,000 countries one by one took 15 s,
# every row at once 3.8 s. Past this many countries the loader has the history recomputed whole.
HISTORY_BY_COUNTRY_LIMIT = 500
STDIN_NAME = "<stdin>"
MAX_STDIN_BYTES = 1 << 30


@dataclass(frozen=True)
class FileResult:
    path: Path
    kind: str
    rows: int
    inserted: int
    updated: int
    skipped: bool  # already loaded: same checksum
    same_as: str | None = None  # skipped because this other file of the same load has the same bytes


@dataclass(frozen=True)
class _Input:
    path: Path  # what is read: the file itself, or a spooled copy of standard input
    name: str  # as messages show it
    kind: kinds.Kind


Progress = Callable[[Path, int], None]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@contextmanager
def _spooled_stdin(paths: list[Path]) -> Iterator[Path | None]:
    """Standard input copied to a private temporary file, so it is read like any file; None if not asked for.

    Copying stops at a line no CSV file has (longer than validate.MAX_LINE_BYTES) or past MAX_STDIN_BYTES,
    so endless input cannot fill the disk.
    """
    if not any(str(p) == validate.STDIN for p in paths):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="tipdb-stdin-") as directory:
        target = Path(directory) / "stdin.csv"
        copied = 0
        with target.open("wb") as handle:
            while line := sys.stdin.buffer.readline(validate.MAX_LINE_BYTES):
                copied += len(line)
                if copied > MAX_STDIN_BYTES or (len(line) == validate.MAX_LINE_BYTES and not line.endswith(b"\n")):
                    raise InputProblem([Problem(STDIN_NAME, None, None, None,
                                                "is not a CSV file of a size tipdb reads from standard input",
                                                f"lines up to {validate.MAX_LINE_BYTES:,} bytes and at most "
                                                f"{MAX_STDIN_BYTES:,} bytes in all; save it to a file")])
                handle.write(line)
        yield target


def plan(paths: Iterable[Path], stdin_copy: Path | None = None) -> list[_Input]:
    """Recognise each file's kind; order the files so that what others refer to loads first."""
    problems, planned, seen = [], [], set()
    for path in paths:
        is_stdin = str(path) == validate.STDIN
        read = stdin_copy if is_stdin else path
        validate.check_readable(path)  # before anything else touches the path (a link loop, say)
        key = "-" if is_stdin else os.path.realpath(path)
        if key in seen:
            continue  # the same file named twice is loaded once
        seen.add(key)
        name = STDIN_NAME if is_stdin else validate.display_name(path)
        try:
            planned.append(_Input(read, name, validate.detect_kind(read, name)))
        except InputProblem as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputProblem(problems)
    return sorted(planned, key=lambda i: (kinds.load_order(i.kind), i.name))


def _stage(conn, kind: kinds.Kind) -> None:
    columns = [sql.SQL("file_no integer NOT NULL"), sql.SQL("line_no integer NOT NULL")] + [
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.sql_type)) for c in kind.columns
    ]
    # One round trip: a load of every seed file stages a dozen kinds.
    conn.execute(sql.SQL(
        "DROP TABLE IF EXISTS pg_temp.stage, pg_temp.stage_file; "
        "CREATE TEMPORARY TABLE stage ({}) ON COMMIT DROP; "
        "CREATE TEMPORARY TABLE stage_file (file_no integer PRIMARY KEY, load_run_id bigint NOT NULL) ON COMMIT DROP"
    ).format(sql.SQL(", ").join(columns)))


def _copy(conn, kind: kinds.Kind, file_no: int, item: _Input, collector, digest, progress) -> int:
    # Rows go to COPY as CSV text in blocks: C's csv writer is several times faster than a call per row.
    # A value is never an empty string (empty fields are NULL), so CSV's unquoted empty field means NULL.
    # CRLF line ends make the writer quote a value that holds a lone carriage return.
    names = sql.SQL(", ").join(sql.Identifier(n) for n in ("file_no", "line_no", *kind.header))
    count = 0
    block = io.StringIO()
    writer = csv.writer(block, lineterminator="\r\n")
    with conn.cursor().copy(sql.SQL("COPY pg_temp.stage ({}) FROM STDIN (FORMAT csv)").format(names)) as copy:
        for row in validate.read_rows(item.path, kind, collector, digest):
            writer.writerow((file_no, *row))
            count += 1
            if count % COPY_BLOCK_ROWS == 0:
                copy.write(block.getvalue())
                block.seek(0)
                block.truncate()
                if progress:
                    progress(Path(item.name), count)
        copy.write(block.getvalue())
    if progress:
        progress(Path(item.name), count)
    return count


def _staged_values(kind: kinds.Kind) -> list[tuple[str, sql.Composable, sql.Composable | None]]:
    """Per stored column: its name, the expression giving it from a staged row `s`, and the join that needs."""
    stored = []
    for column in kind.columns:
        col = sql.Identifier(column.name)
        if column.stored_as is None:
            continue
        if column.type.is_country:
            alias = sql.Identifier(f"name_{column.name}")
            join = "LEFT JOIN" if column.type == kinds.COUNTRY_OR_ALL else "JOIN"
            stored.append((column.stored_as, sql.SQL("{}.iso3").format(alias), validate.spelling_join(join, alias, col)))
        elif column.type == kinds.SOURCE:
            stored.append((column.stored_as, sql.SQL("src.source_id"),
                           sql.SQL("JOIN tip.source src ON src.citation_md5 = md5(s.{})").format(col)))
        else:
            stored.append((column.stored_as, sql.SQL("s.{}").format(col), None))
    return stored


def upsert_sql(kind: kinds.Kind, append: bool = False) -> sql.Composed:
    """The INSERT ... ON CONFLICT moving staged rows into the kind's table, returning per row its
    load run, whether it was inserted (rather than updated), and its country if it has one.
    Unchanged rows are not touched. With `append` (no staged key is in the table) a plain INSERT."""
    stored = _staged_values(kind)
    targets, values = [t for t, _, _ in stored], [v for _, v, _ in stored]
    joins = sql.SQL(" ").join(j for _, _, j in stored if j is not None)
    key = [kind.column(name).stored_as for name in kind.key]
    conflict = (sql.SQL(kind.conflict) if kind.conflict
                else sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Identifier, key))))
    changing = targets if kind.conflict else [t for t in targets if t not in key]
    if append:
        on_conflict = sql.SQL("")
    elif changing:
        new = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(t)) for t in changing)
        old = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(t)) for t in changing)
        on_conflict = sql.SQL("ON CONFLICT {conflict} DO UPDATE SET {sets}, load_run_id = EXCLUDED.load_run_id "
                              "WHERE ({old}) IS DISTINCT FROM ({new}) ").format(
            conflict=conflict,
            sets=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(t)) for t in changing),
            old=sql.SQL("ROW({})").format(old), new=sql.SQL("ROW({})").format(new))
    else:
        on_conflict = sql.SQL("ON CONFLICT {} DO NOTHING ").format(conflict)
    return sql.SQL(
        "INSERT INTO {table} AS t ({targets}, load_run_id) "
        "SELECT {values}, f.load_run_id FROM pg_temp.stage s JOIN pg_temp.stage_file f USING (file_no) {joins} "
        "{on_conflict}RETURNING t.load_run_id, (t.xmax = 0) AS inserted, {iso3} AS iso3"
    ).format(iso3=sql.SQL("t.iso3" if "iso3" in targets else "NULL::text"), table=sql.SQL(kind.table),
             targets=sql.SQL(", ").join(map(sql.Identifier, targets)), values=sql.SQL(", ").join(values),
             joins=joins, on_conflict=on_conflict)


def _lock_referenced(conn, kind: kinds.Kind) -> None:
    """Keep every table the kind's table or its lookups refer to unchanged until commit (readers are
    not blocked), so that what the staged checks find present stays present while the rows are merged."""
    lookups = [c.type.references[0] for c in kind.columns if c.type.references]
    tables = [table for (table,) in conn.execute(
        "SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
        "UNION SELECT unnest(%s::text[]) ORDER BY 1", [kind.table, lookups]).fetchall()]
    if tables:
        conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.SQL(", ").join(map(sql.SQL, tables))))


def _is_superuser(conn) -> bool:
    return conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]


def _counted(merge: sql.Composed) -> sql.Composed:
    """Per load run, the rows a merge inserted and updated and the countries it wrote: counted in SQL,
    since fetching one flag per row would make memory grow with the file."""
    return sql.SQL(
        "WITH merged AS ({}) SELECT load_run_id, count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), "
        "coalesce(array_agg(DISTINCT iso3) FILTER (WHERE iso3 IS NOT NULL), '{{}}') FROM merged GROUP BY load_run_id"
    ).format(merge)


def _merge(conn, kind: kinds.Kind, bulk: bool) -> tuple[dict[int, tuple[int, int]], set[str]]:
    """Upsert the staged rows; return (inserted, updated) per load run, and the countries of the rows written.

    In a bulk merge the per-row foreign-key triggers are skipped (session_replication_role, which
    only a superuser may set): every reference was already checked on the staged rows as a whole,
    under locks that keep the referenced tables unchanged, and the rest (sources, load runs, regions)
    is written by this transaction. CHECK, NOT NULL and unique constraints still apply.
    """
    if any(c.type == kinds.SOURCE for c in kind.columns):
        conn.execute("INSERT INTO tip.source (citation) SELECT DISTINCT source FROM pg_temp.stage "
                     "ON CONFLICT (citation_md5) DO NOTHING")
    if kind.prepare:
        conn.execute(kind.prepare)
    if bulk:
        conn.execute("SET LOCAL session_replication_role = replica")
    counted = None
    if bulk:
        # A bulk load is tried as a plain INSERT first, as if it only added keys (a new report, a first load):
        # ON CONFLICT's speculative insertion, row by row, costs a quarter of a million-row merge. A key
        # already in the table (the only unique violation the staged checks leave possible) undoes the try.
        try:
            with conn.transaction():
                counted = conn.execute(_counted(upsert_sql(kind, append=True))).fetchall()
        except psycopg.errors.UniqueViolation:
            pass
    if counted is None:
        counted = conn.execute(_counted(upsert_sql(kind))).fetchall()
    if bulk:
        conn.execute("SET LOCAL session_replication_role = DEFAULT")
    return ({run: (inserted, updated) for run, inserted, updated, _ in counted},
            {code for *_, codes in counted for code in codes})


def _new_run(conn, item: _Input, checksum: str, rows: int) -> int:
    return conn.execute(
        "INSERT INTO tip.load_run (file_name, file_sha256, file_kind, row_count, inserted, updated) "
        "VALUES (%s, %s, %s, %s, 0, 0) RETURNING load_run_id",
        [Path(item.name).name or item.name, checksum, item.kind.name, rows],
    ).fetchone()[0]


def _load_kind(conn, kind: kinds.Kind, items: list[_Input], checksums: dict[_Input, str], known: dict[str, int],
               progress: Progress | None, refused_tables: set[str], touched: set[str]
               ) -> tuple[list[FileResult], list[Problem]]:
    """Stage, check and merge every file of one kind together; add the countries whose rows changed to `touched`."""
    _stage(conn, kind)
    _lock_referenced(conn, kind)
    names, problems, staged = {}, [], []
    for file_no, item in enumerate(items, start=1):
        collector = validate.Collector(item.name)
        digest = hashlib.sha256()
        rows = _copy(conn, kind, file_no, item, collector, digest, progress)
        problems.extend(collector.problems)
        if not collector.problems and digest.hexdigest() != checksums[item]:
            problems.append(Problem(item.name, None, None, None, "the file changed while it was being loaded",
                                    "load it again once nothing writes to it"))
        names[file_no] = item.name
        staged.append((file_no, item, rows))
    problems.extend(validate.staged_problems(conn, kind, names, refused_tables))
    if problems or any(c.type.references and c.type.references[0] in refused_tables for c in kind.columns):
        return [], problems  # nothing is merged after a refusal: the whole load is refused anyway
    runs = {}
    for file_no, item, rows in staged:
        checksum = checksums[item]
        run = known.get(checksum) or _new_run(conn, item, checksum, rows)  # a forced reload keeps its record
        conn.execute("INSERT INTO pg_temp.stage_file VALUES (%s, %s)", [file_no, run])
        runs[file_no] = run
    bulk = sum(rows for _, _, rows in staged) >= BULK_ROWS and _is_superuser(conn)
    try:
        with conn.transaction():  # a savepoint: the database's refusal becomes a problem, not an abort
            counts, countries = _merge(conn, kind, bulk)
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded) as exc:
        # The checks above mirror the constraints a person's file can break; this catches any other.
        return [], [Problem(", ".join(names.values()), None, exc.diag.column_name, None,
                            f"refused by the database: {exc.diag.message_primary}", exc.diag.message_detail)]
    touched |= countries
    results = []
    for file_no, item, rows in staged:
        run = runs[file_no]
        inserted, updated = counts.get(run, (0, 0))
        if checksums[item] not in known:
            conn.execute("UPDATE tip.load_run SET inserted = %s, updated = %s WHERE load_run_id = %s",
                         [inserted, updated, run])
        results.append(FileResult(Path(item.name), kind.name, rows, inserted, updated, skipped=False))
    return results, problems


def load_files(url: str, paths: Iterable[Path], *, force: bool = False, progress: Progress | None = None,
               dry_run: bool = False) -> list[FileResult]:
    """Validate and load `paths` in one transaction; raise InputProblem (loading nothing) on bad input.

    With `dry_run` every check runs and the transaction is then rolled back.
    """
    paths = list(paths)
    with _spooled_stdin(paths) as stdin_copy:
        planned = plan(paths, stdin_copy)
        with database.connect(url) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOAD_LOCK_KEY])
            # The checks group and join every staged row: in memory, not in sorted files on disk.
            conn.execute("SET LOCAL work_mem = '64MB'")
            # Hashed under the lock, and read after it, so a loader that waited sees what the other one committed.
            checksums = {item: _sha256(item.path) for item in planned}
            known = dict(conn.execute("SELECT file_sha256, load_run_id FROM tip.load_run WHERE file_sha256 = ANY(%s)",
                                      [list(checksums.values())]).fetchall())
            results, problems, seen, refused_tables, touched = [], [], {}, set(), set()
            for kind, group in groupby(planned, key=lambda i: i.kind):
                to_load = []
                for item in group:
                    checksum = checksums[item]
                    if checksum in seen:
                        results.append(FileResult(Path(item.name), kind.name, 0, 0, 0, skipped=True,
                                                  same_as=seen[checksum]))
                    elif checksum in known and not force:
                        results.append(FileResult(Path(item.name), kind.name, 0, 0, 0, skipped=True))
                    else:
                        to_load.append(item)
                    seen.setdefault(checksum, item.name)
                if to_load:
                    loaded, refused = _load_kind(conn, kind, to_load, checksums, known if force else {}, progress,
                                                 refused_tables, touched)
                    results.extend(loaded)
                    problems.extend(refused)
                    if not loaded:
                        refused_tables.add(kind.table)
            if problems:
                raise InputProblem(sorted(problems, key=lambda p: (p.file, p.line or 0)))
            if dry_run:
                raise psycopg.Rollback()
            if any((r.inserted or r.updated) and kinds.BY_NAME[r.kind].feeds_history for r in results):
                # Recomputed inside the load's transaction, so readers never see stale changes: the countries
                # whose rows changed (the function adds those a new report or a year's completeness affects).
                # Past a few hundred countries recomputing every row is faster than going country by country.
                countries = None if len(touched) > HISTORY_BY_COUNTRY_LIMIT else sorted(touched)
                conn.execute("SELECT tip.refresh_ranking_history(%s)", [countries])
    return results


def seed_files() -> list[Path]:
    """Every CSV file in seeds/."""
    from tipdb.paths import seeds_dir

    return sorted(seeds_dir().glob("*.csv"))


def load_seeds(url: str, *, force: bool = False, progress: Progress | None = None) -> list[FileResult]:
    return load_files(url, seed_files(), force=force, progress=progress)
