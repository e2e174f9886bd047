"""Loading CSV files: stream each into a staging table with COPY, check it, merge it into the core tables.

All files of one call load in one transaction, under a PostgreSQL advisory lock, so a
failed load leaves the database as it was and two loaders never interleave. A file whose
checksum has been loaded before is skipped: loading the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlparse
from psycopg import sql

from tipdb import database, seeds, validate
from tipdb.errors import InputProblem, Problem

# pg_advisory_xact_lock key shared by every tipdb loader ("tipdb" in ASCII).
LOAD_LOCK_KEY = 0x7469706462


@dataclass(frozen=True)
class FileResult:
    path: Path
    kind: str
    rows: int
    inserted: int
    updated: int
    skipped: bool  # already loaded: same checksum


Progress = Callable[[Path, int], None]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stage(conn, kind: seeds.Kind) -> None:
    columns = [sql.SQL("line_no integer NOT NULL")] + [
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.sql_type)) for c in kind.columns
    ]
    conn.execute("DROP TABLE IF EXISTS pg_temp.stage")
    conn.execute(sql.SQL("CREATE TEMPORARY TABLE stage ({}) ON COMMIT DROP").format(sql.SQL(", ").join(columns)))


def _copy(conn, kind: seeds.Kind, path: Path, collector, progress: Progress | None) -> int:
    names = sql.SQL(", ").join(sql.Identifier(n) for n in ("line_no", *kind.header))
    count = 0
    with conn.cursor().copy(sql.SQL("COPY stage ({}) FROM STDIN").format(names)) as copy:
        for row in validate.read_rows(path, kind, collector):
            copy.write_row(row)
            count += 1
            if progress and count % 10_000 == 0:
                progress(path, count)
    if progress:
        progress(path, count)
    return count


def _merge(conn, kind: seeds.Kind, load_run_id: int) -> tuple[int, int]:
    if any(c.type == seeds.SOURCE for c in kind.columns):
        conn.execute(
            "INSERT INTO tip.source (citation) SELECT DISTINCT source FROM stage "
            "ON CONFLICT (citation_md5) DO NOTHING"
        )
    *setup, final = [s for s in sqlparse.split(kind.merge_sql) if s.strip()]
    for statement in setup:
        conn.execute(statement, {"load_run_id": load_run_id})
    # Count in SQL: fetching one flag per row would make memory grow with the file.
    inserted, updated = conn.execute(
        f"WITH merged AS ({final.rstrip().rstrip(';')}) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged",
        {"load_run_id": load_run_id},
    ).fetchone()
    return inserted, updated


def _record_and_merge(conn, kind: seeds.Kind, path: Path, checksum: str, rows: int,
                      known_run: int | None) -> tuple[int, int]:
    if known_run is not None:  # forced reload of a file loaded before: keep its original record
        return _merge(conn, kind, known_run)
    load_run_id = conn.execute(
        "INSERT INTO tip.load_run (file_name, file_sha256, file_kind, row_count, inserted, updated) "
        "VALUES (%s, %s, %s, %s, 0, 0) RETURNING load_run_id",
        [path.name, checksum, kind.name, rows],
    ).fetchone()[0]
    inserted, updated = _merge(conn, kind, load_run_id)
    conn.execute("UPDATE tip.load_run SET inserted = %s, updated = %s WHERE load_run_id = %s",
                 [inserted, updated, load_run_id])
    return inserted, updated


def _loaded_checksums(conn, checksums: Iterable[str]) -> dict[str, int]:
    rows = conn.execute(
        "SELECT file_sha256, load_run_id FROM tip.load_run WHERE file_sha256 = ANY(%s)", [list(checksums)]
    )
    return dict(rows.fetchall())


def plan(paths: Iterable[Path]) -> list[tuple[Path, seeds.Kind]]:
    """Recognise each file's kind and order the files so that referenced data loads first."""
    problems = []
    planned = []
    for path in paths:
        try:
            planned.append((path, validate.detect_kind(path)))
        except InputProblem as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputProblem(problems)
    return sorted(planned, key=lambda item: (seeds.kind_order(item[1]), str(item[0])))


def load_files(url: str, paths: Iterable[Path], *, force: bool = False,
               progress: Progress | None = None) -> list[FileResult]:
    """Validate and load `paths` in one transaction; raise InputProblem (loading nothing) on bad input."""
    planned = plan(paths)
    checksums = {path: file_sha256(path) for path, _ in planned}
    results: list[FileResult] = []
    problems = []
    with database.connect(url) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOAD_LOCK_KEY])
            # Read after taking the lock, so a loader that waited sees what the other one committed.
            known = _loaded_checksums(conn, checksums.values())
            for path, kind in planned:
                checksum = checksums[path]
                if checksum in known and not force:
                    results.append(FileResult(path, kind.name, 0, 0, 0, skipped=True))
                    continue
                collector = validate.Collector(str(path))
                _stage(conn, kind)
                rows = _copy(conn, kind, path, collector, progress)
                file_problems = collector.problems or validate.check_references(conn, kind, collector.file)
                if file_problems:
                    problems.extend(file_problems)
                    continue
                try:
                    with conn.transaction():  # a savepoint: a refused file must not hide the others' problems
                        inserted, updated = _record_and_merge(conn, kind, path, checksum, rows, known.get(checksum))
                except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
                    # The checks above mirror every constraint; this catches any they miss.
                    problems.append(Problem(collector.file, None, exc.diag.column_name, None,
                                            f"refused by the database: {exc.diag.message_primary}",
                                            exc.diag.message_detail))
                    continue
                results.append(FileResult(path, kind.name, rows, inserted, updated, skipped=False))
            if problems:
                raise InputProblem(problems)
            if any((r.inserted or r.updated) and seeds.KINDS_BY_NAME[r.kind].feeds_history for r in results):
                # Recomputed inside the load's transaction, so readers never see stale changes.
                conn.execute("SELECT tip.refresh_ranking_history(%s)", [None])
    return results


def load_seeds(url: str, *, force: bool = False, progress: Progress | None = None) -> list[FileResult]:
    return load_files(url, seeds.seed_files(), force=force, progress=progress)
