"""Applying, rolling back and checking the SQL migrations in `schema/` with yoyo.

yoyo's own tables live in schema `yoyo`, out of the way of users. yoyo identifies a
migration only by its file name, so tipdb also records each applied file's SHA-256 and
refuses to go on when an applied migration file has been edited since, or is gone.

yoyo's `apply_migrations` runs a migration on one connection and records it on another, so a
process killed in between leaves it applied but unrecorded (and every later run fails on
"already exists"). tipdb instead runs each migration's steps, yoyo's record and log rows and the
file's checksum in ONE transaction on one connection: an interrupted run leaves all or nothing.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
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
    return "postgresql+psycopg:///?" + urlencode(params)


def _file_sha256(migration) -> str:
    digest = hashlib.sha256(Path(migration.path).read_bytes())
    rollback = Path(migration.path).with_suffix(".rollback.sql")
    if rollback.exists():
        digest.update(rollback.read_bytes())
    return digest.hexdigest()


@contextmanager
def _open(url: str):
    """yoyo's backend and the migrations of schema/, while holding tipdb's migration lock."""
    from yoyo import get_backend, read_migrations

    with database.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        try:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {BOOKKEEPING_SCHEMA}")
            conn.execute(
                f"""CREATE TABLE IF NOT EXISTS {BOOKKEEPING_SCHEMA}.migration_file (
                        migration_id text PRIMARY KEY,
                        file_sha256  text NOT NULL
                    )"""
            )
            backend = get_backend(_yoyo_uri(url))
            # Fail rather than wait forever behind a BI tool's long query (squawk's timeout rules).
            backend.execute("SET lock_timeout = '10s'")
            backend.execute("SET statement_timeout = '5min'")
            # A killed client's half-done transaction is rolled back within a second, even while it
            # waits for a lock, instead of holding its locks until the wait ends.
            backend.execute("SET client_connection_check_interval = '1s'")
            try:
                yield backend, read_migrations(str(schema_dir()))
            finally:
                backend.connection.close()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])


def _refuse_edited(migrations, applied: set[str], recorded: dict[str, str]) -> None:
    edited = [m.id for m in migrations if m.id in applied and m.id in recorded and recorded[m.id] != _file_sha256(m)]
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
    return {row[0] for row in backend.execute("SELECT migration_id FROM _yoyo_migration").fetchall()}


def _record_checksum(backend, migration) -> None:
    backend.execute(
        f"""INSERT INTO {BOOKKEEPING_SCHEMA}.migration_file (migration_id, file_sha256)
            VALUES (:id, :sha)
            ON CONFLICT (migration_id) DO UPDATE SET file_sha256 = EXCLUDED.file_sha256""",
        {"id": migration.id, "sha": _file_sha256(migration)},
    )


def _apply_one(backend, migration) -> None:
    """The migration's steps, yoyo's record and log, and the checksum, in one transaction."""
    with backend.transaction():
        migration.process_steps(backend, "apply")
        backend.log_migration(migration, "apply")
        backend.mark_one(migration, log=False)
        _record_checksum(backend, migration)


def _rollback_one(backend, migration) -> None:
    with backend.transaction():
        migration.process_steps(backend, "rollback")
        backend.log_migration(migration, "rollback")
        backend.unmark_one(migration, log=False)
        backend.execute(f"DELETE FROM {BOOKKEEPING_SCHEMA}.migration_file WHERE migration_id = :id",
                        {"id": migration.id})


def apply(url: str, count: int | None = None) -> list[str]:
    """Apply the next `count` pending migrations (all when None); return the ids applied."""
    with _open(url) as (backend, migrations):
        _verify_unchanged(backend, migrations)
        pending = backend.to_apply(migrations)
        if count is not None:
            pending = pending[:count]
        for m in pending:
            try:
                _apply_one(backend, m)
            except backend.DatabaseError as exc:
                raise MigrationProblem(f"applying migration {m.id} failed: {exc}") from exc
    return [m.id for m in pending]


def rollback(url: str, count: int | None = 1) -> list[str]:
    """Roll back the last `count` applied migrations (all when count is None); return their ids."""
    with _open(url) as (backend, migrations):
        _verify_unchanged(backend, migrations)
        applied = backend.to_rollback(migrations)
        chosen = applied if count is None else applied[:count]
        for m in chosen:
            try:
                _rollback_one(backend, m)
            except backend.DatabaseError as exc:
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
