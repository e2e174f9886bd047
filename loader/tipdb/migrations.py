"""Applying, rolling back and checking the SQL migrations in `schema/` with yoyo.

yoyo's own tables live in schema `yoyo`, out of the way of users. yoyo identifies a
migration only by its file name, so tipdb also records each applied file's SHA-256 and
refuses to go on when an applied migration file has been edited since, or is gone.

yoyo's `apply_migrations` runs a migration on one connection and records it on another, so a
process killed in between leaves it applied but unrecorded (and every later run fails on
"already exists"). tipdb instead runs each migration's steps, yoyo's record and log rows and the
file's checksum in ONE transaction on one connection: an interrupted run leaves all or nothing.

How a migration runs. yoyo splits a .sql file into statements with sqlparse and runs each in a
savepoint of its own; on a new database that was most of the migrations' time (sqlparse alone about
0.3 s for 31 files, and some 1,300 more round trips). Inside the migration's transaction the
savepoints change nothing (the first failing statement fails the migration and all of it is rolled
back either way), so tipdb sends each file whole, in one round trip (the simple query protocol runs
its statements in order inside the transaction), and a rollback file whole. The order (the
`-- depends:` directives, read with yoyo's own parser and sorted with yoyo's own sort) and the
records (yoyo's `_yoyo_migration` and `_yoyo_log` rows, written by yoyo's backend) are yoyo's, so
`yoyo` itself and `tipdb migrate`/`rollback` keep working on any database. A file yoyo would run
outside a transaction (`-- transactional: false`) or a Python migration still goes through yoyo's steps.

Durability. yoyo's connection commits with synchronous_commit off, and before the lock is released
one synchronous commit flushes the write-ahead log up to it: each migration is still all or nothing,
every one is durable when `apply` or `rollback` returns, and a run of 31 migrations waits for one
flush instead of about 35 (a crash in between loses only whole migrations at the end, as if it had
come earlier).

Nothing to do. When every file in schema/ is applied with its recorded checksum, `apply` finds
that out in one query on one connection, without yoyo or the lock (a warm `tipdb up`).
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from psycopg.conninfo import conninfo_to_dict

from tipdb import database
from tipdb.errors import MigrationProblem
from tipdb.paths import schema_dir

BOOKKEEPING_SCHEMA = "yoyo"
# Session advisory lock that serialises tipdb migration runs, including yoyo's own set-up, which
# races when two processes create its schema and tables at once ("tipdbmig" in ASCII).
MIGRATION_LOCK_KEY = 0x746970646D6967


@dataclass(frozen=True)
class MigrationState:
    migration_id: str
    applied_at: datetime | None
    # Applied, but its file is no longer in schema/ (apply and rollback refuse to go on).
    file_missing: bool = False


def _yoyo_uri(url: str) -> str:
    # yoyo passes query arguments straight to psycopg.connect, so every libpq field can travel there;
    # this also covers key=value conninfo strings and the empty conninfo of PG* variables.
    params = {k: v for k, v in conninfo_to_dict(url).items() if v is not None}
    params["schema"] = BOOKKEEPING_SCHEMA
    params["options"] = " ".join(filter(None, [params.get("options"), "-c synchronous_commit=off"]))
    return "postgresql+psycopg:///?" + urlencode(params)


def _sha256_of(path: Path) -> str:
    """A migration file's checksum: the file, then its rollback file if it has one."""
    digest = hashlib.sha256(path.read_bytes())
    rollback = path.with_suffix(".rollback.sql")
    if rollback.exists():
        digest.update(rollback.read_bytes())
    return digest.hexdigest()


def _yoyo_backend(url: str):
    """yoyo's backend for `url`, made as yoyo's get_backend makes it for postgresql+psycopg, without
    looking the class up among the installed packages' entry points (10-20 ms each time)."""
    from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
    from yoyo.connections import parse_uri
    from yoyo.migrations import default_migration_table

    backend = PostgresqlPsycopgBackend(parse_uri(_yoyo_uri(url)), default_migration_table)
    backend.init_database()
    return backend


@contextmanager
def _open(url: str, conn=None):
    """yoyo's backend and the migrations of schema/, while holding tipdb's migration lock (taken on
    `conn`, an autocommit connection to `url`, if given)."""
    from yoyo import read_migrations

    with database.connect(url, autocommit=True) if conn is None else nullcontext(conn) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        try:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {BOOKKEEPING_SCHEMA}")
            conn.execute(
                f"""CREATE TABLE IF NOT EXISTS {BOOKKEEPING_SCHEMA}.migration_file (
                        migration_id text PRIMARY KEY,
                        file_sha256  text NOT NULL
                    )"""
            )
            backend = _yoyo_backend(url)
            # Fail rather than wait forever behind a BI tool's long query (squawk's timeout rules).
            backend.execute("SET lock_timeout = '10s'")
            backend.execute("SET statement_timeout = '5min'")
            # A killed client's half-done transaction is rolled back within a second, even while it
            # waits for a lock, instead of holding its locks until the wait ends.
            backend.execute("SET client_connection_check_interval = '1s'")
            try:
                yield backend, read_migrations(str(schema_dir()))
            except BaseException:
                with suppress(Exception):
                    _flush(backend)  # what committed before the failure
                raise
            else:
                _flush(backend)
            finally:
                backend.connection.close()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])


def _flush(backend) -> None:
    """Make every asynchronous commit of this connection durable: a synchronous commit that writes
    a commit record flushes the write-ahead log up to it."""
    if backend.connection.closed or backend.connection.broken:
        return
    with backend.transaction():
        backend.execute("SET LOCAL synchronous_commit = on")
        backend.execute("SELECT txid_current()")


def _migration_ids() -> list[str] | None:
    """The ids of the migrations in schema/ as yoyo reads them, or None when any is not a .sql file."""
    ids = []
    for path in schema_dir().iterdir():
        if path.suffix == ".py":
            return None
        if path.suffix == ".sql" and not path.name.endswith(".rollback.sql") and path.is_file():
            ids.append(path.stem)
    return ids


# The version of yoyo's own tables that this yoyo writes (yoyo.internalmigrations.schema_versions);
# tests/test_migrations.py checks it, so that a yoyo that changes them goes through yoyo's upgrade.
_YOYO_TABLES_VERSION = 2


def _up_to_date(conn) -> bool:
    """Whether every migration in schema/ is applied, with the checksum recorded for its file, and no
    other is: one query, without yoyo or the lock (`conn` is in autocommit). Anything else (a pending,
    edited or missing migration, no bookkeeping yet) is for the full path to handle and explain."""
    import psycopg

    ids = _migration_ids()
    if not ids:
        return False
    try:
        version, recorded = conn.execute(
            f"""SELECT (SELECT max(version) FROM {BOOKKEEPING_SCHEMA}._yoyo_version),
                       (SELECT array_agg(ARRAY[m.migration_id, f.file_sha256])
                        FROM {BOOKKEEPING_SCHEMA}._yoyo_migration m
                        LEFT JOIN {BOOKKEEPING_SCHEMA}.migration_file f USING (migration_id))""").fetchone()
    except psycopg.Error:
        return False  # no bookkeeping tables yet, or not allowed to read them
    if version != _YOYO_TABLES_VERSION or not recorded:
        return False
    recorded = dict(recorded)
    if set(recorded) != set(ids):
        return False
    directory = schema_dir()
    return all(recorded[i] == _sha256_of(directory / f"{i}.sql") for i in ids)


def _refuse_edited(migrations, applied: set[str], recorded: dict[str, str]) -> None:
    edited = [m.id for m in migrations if m.id in applied and m.id in recorded and recorded[m.id] != _sha256_of(Path(m.path))]
    if edited:
        raise MigrationProblem(
            "applied migration files were changed since they were applied: "
            + ", ".join(edited)
            + ". Restore them and add a new migration for the change instead."
        )


def _verify_unchanged(backend, migrations) -> None:
    applied = _applied_ids(backend)
    missing = sorted(applied - {m.id for m in migrations})
    if missing:
        raise MigrationProblem(
            "applied migrations have no file in " + str(schema_dir()) + ": " + ", ".join(missing)
            + ". Restore them (git checkout) before migrating; the database holds what they made."
        )
    recorded = dict(backend.execute(f"SELECT migration_id, file_sha256 FROM {BOOKKEEPING_SCHEMA}.migration_file"
                                    ).fetchall())
    _refuse_edited(migrations, applied, recorded)
    # Databases migrated before apply and record were one transaction may hold a migration recorded
    # by yoyo without its checksum: take the file as it is now, so that later edits are caught.
    unrecorded = [m for m in migrations if m.id in applied and m.id not in recorded]
    if unrecorded:
        with backend.transaction():
            for m in unrecorded:
                _record_checksum(backend, m)


def _applied_ids(backend) -> set[str]:
    backend.ensure_internal_schema_updated()
    # yoyo checks its tables' version again before every record it writes (two queries each time) and
    # remembers the answer only after upgrading them; they are current now, and the lock is held.
    backend._internal_schema_updated = True
    return {row[0] for row in backend.execute("SELECT migration_id FROM _yoyo_migration").fetchall()}


def _record_checksum(backend, migration) -> None:
    backend.execute(
        f"""INSERT INTO {BOOKKEEPING_SCHEMA}.migration_file (migration_id, file_sha256)
            VALUES (:id, :sha)
            ON CONFLICT (migration_id) DO UPDATE SET file_sha256 = EXCLUDED.file_sha256""",
        {"id": migration.id, "sha": _sha256_of(Path(migration.path))},
    )


class _SqlFile:
    """A .sql migration as yoyo reads it, but not split into statements: the directives of its leading
    comments (yoyo's own parser), the SQL after them, and its rollback file's SQL."""

    __slots__ = ("depends", "transactional", "sql", "rollback_sql")

    def __init__(self, path: Path):
        from yoyo.migrations import parse_metadata_from_sql_comments

        directives, _, self.sql = parse_metadata_from_sql_comments(path.read_text(encoding="utf-8"))
        self.depends = set(directives.get("depends", "").split())
        self.transactional = {"true": True, "false": False}.get(directives.get("transactional", "true").lower())
        if self.transactional is None:
            raise MigrationProblem(f"{path.name}: '-- transactional:' must be true or false")
        rollback = path.with_suffix(".rollback.sql")
        self.rollback_sql = (parse_metadata_from_sql_comments(rollback.read_text(encoding="utf-8"))[2]
                             if rollback.exists() else "")


def _whole_file(migration) -> _SqlFile | None:
    """The file of a .sql migration that runs in a transaction; None when yoyo must run it step by step."""
    if not migration.path.endswith(".sql"):
        return None
    parsed = _SqlFile(Path(migration.path))
    return parsed if parsed.transactional else None


def _ordered(migrations, chosen) -> list:
    """`chosen` in yoyo's order (yoyo's own sort): file order, each after the migrations it depends on."""
    from yoyo.topologicalsort import CycleError, topological_sort

    by_id = {m.id: m for m in migrations}
    chosen = list(chosen)
    members = set(chosen)
    graph = {}
    for m in chosen:
        depends = _SqlFile(Path(m.path)).depends if m.path.endswith(".sql") else {d.id for d in m.depends}
        unknown = sorted(d for d in depends if d not in by_id)
        if unknown:
            raise MigrationProblem(f"migration {m.id} depends on {', '.join(unknown)}, which is not in {schema_dir()}")
        graph[m] = {by_id[d] for d in depends} & members
    try:
        return list(topological_sort(chosen, graph))
    except CycleError as exc:
        raise MigrationProblem("circular dependencies among the migrations "
                               + ", ".join(m.id for m in exc.args[1])) from exc


def _run_whole(backend, sql: str) -> None:
    """A file's SQL in one round trip: without parameters psycopg uses the simple query protocol, which
    runs every statement of the string in order (inside the transaction yoyo's backend opened)."""
    if sql.strip():
        backend.connection.execute(sql)


def _apply_one(backend, migration) -> None:
    """The migration's steps, yoyo's record and log, and the checksum, in one transaction."""
    whole = _whole_file(migration)
    with backend.transaction():
        if whole is None:
            migration.process_steps(backend, "apply")
        else:
            _run_whole(backend, whole.sql)
        backend.log_migration(migration, "apply")
        backend.mark_one(migration, log=False)
        _record_checksum(backend, migration)


def _rollback_one(backend, migration) -> None:
    whole = _whole_file(migration)
    with backend.transaction():
        if whole is None:
            migration.process_steps(backend, "rollback")
        else:
            _run_whole(backend, whole.rollback_sql)
        backend.log_migration(migration, "rollback")
        backend.unmark_one(migration, log=False)
        backend.execute(f"DELETE FROM {BOOKKEEPING_SCHEMA}.migration_file WHERE migration_id = :id",
                        {"id": migration.id})


def _raise_interrupt_behind(exc: BaseException) -> None:
    """Ctrl-C during a migration's statement leaves the connection busy, so the rollback that follows
    fails ("another command is already in progress") and hides the interrupt: raise the interrupt."""
    seen = exc.__context__
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            raise KeyboardInterrupt from exc
        seen = seen.__context__


def apply(url: str, count: int | None = None) -> list[str]:
    """Apply the next `count` pending migrations (all when None); return the ids applied."""
    with database.connect(url, autocommit=True) as conn:
        if _up_to_date(conn):
            return []
        return _apply(url, conn, count)


def _apply(url: str, conn, count: int | None) -> list[str]:
    with _open(url, conn) as (backend, migrations):
        _verify_unchanged(backend, migrations)
        applied = _applied_ids(backend)
        pending = _ordered(migrations, (m for m in migrations if m.id not in applied))
        if count is not None:
            pending = pending[:count]
        for m in pending:
            try:
                _apply_one(backend, m)
            except backend.DatabaseError as exc:
                _raise_interrupt_behind(exc)
                raise MigrationProblem(f"applying migration {m.id} failed: {exc}") from exc
    return [m.id for m in pending]


def rollback(url: str, count: int | None = 1) -> list[str]:
    """Roll back the last `count` applied migrations (all when count is None); return their ids."""
    with _open(url) as (backend, migrations):
        _verify_unchanged(backend, migrations)
        applied_ids = _applied_ids(backend)
        applied = _ordered(migrations, (m for m in migrations if m.id in applied_ids))[::-1]
        chosen = applied if count is None else applied[:count]
        for m in chosen:
            try:
                _rollback_one(backend, m)
            except backend.DatabaseError as exc:
                _raise_interrupt_behind(exc)
                raise MigrationProblem(f"rolling back migration {m.id} failed: {exc}") from exc
    return [m.id for m in chosen]


def status(url: str) -> list[MigrationState]:
    """Every migration in schema/ with the time it was applied, or None if pending.

    Only reads, so that it works for a read-only user and never waits for the migration lock.
    """
    from yoyo import read_migrations

    migrations = read_migrations(str(schema_dir()))
    with database.connect(url) as conn:
        def rows(table: str, columns: str) -> dict:
            if conn.execute("SELECT to_regclass(%s)", [f"{BOOKKEEPING_SCHEMA}.{table}"]).fetchone()[0] is None:
                return {}
            return dict(conn.execute(f"SELECT {columns} FROM {BOOKKEEPING_SCHEMA}.{table}").fetchall())

        applied = rows("_yoyo_migration", "migration_id, applied_at_utc")
        recorded = rows("migration_file", "migration_id, file_sha256")
    _refuse_edited(migrations, set(applied), recorded)
    known = {m.id for m in migrations}
    return [MigrationState(m.id, applied.get(m.id)) for m in migrations] + [
        MigrationState(mid, at, file_missing=True) for mid, at in sorted(applied.items()) if mid not in known]
