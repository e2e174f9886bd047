"""Applying, rolling back and checking the SQL migrations in `schema/` with yoyo.

yoyo's own tables live in schema `yoyo`, out of the way of users. yoyo identifies a
migration only by its file name, so tipdb also records each applied file's SHA-256 and
refuses to go on when an applied migration file has been edited since.
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
    cursor = backend.execute(f"SELECT migration_id, file_sha256 FROM {BOOKKEEPING_SCHEMA}.migration_file")
    _refuse_edited(migrations, {m.id for m in migrations if backend.is_applied(m)}, dict(cursor.fetchall()))


def apply(url: str, count: int | None = None) -> list[str]:
    """Apply the next `count` pending migrations (all when None); return the ids applied."""
    with _open(url) as (backend, migrations):
        _verify_unchanged(backend, migrations)
        pending = backend.to_apply(migrations)
        if count is not None:
            pending = pending[:count]
        try:
            backend.apply_migrations(pending)
        except Exception as exc:
            raise MigrationProblem(f"applying migrations failed: {exc}") from exc
        with backend.transaction():
            for m in pending:
                backend.execute(
                    f"""INSERT INTO {BOOKKEEPING_SCHEMA}.migration_file (migration_id, file_sha256)
                        VALUES (:id, :sha)
                        ON CONFLICT (migration_id) DO UPDATE SET file_sha256 = EXCLUDED.file_sha256""",
                    {"id": m.id, "sha": _file_sha256(m)},
                )
    return [m.id for m in pending]


def rollback(url: str, count: int | None = 1) -> list[str]:
    """Roll back the last `count` applied migrations (all when count is None); return their ids."""
    with _open(url) as (backend, migrations):
        _verify_unchanged(backend, migrations)
        applied = backend.to_rollback(migrations)
        chosen = applied if count is None else applied[:count]
        try:
            backend.rollback_migrations(chosen)
        except Exception as exc:
            raise MigrationProblem(f"rolling back failed: {exc}") from exc
        with backend.transaction():
            for m in chosen:
                backend.execute(
                    f"DELETE FROM {BOOKKEEPING_SCHEMA}.migration_file WHERE migration_id = :id", {"id": m.id}
                )
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
    return [MigrationState(m.id, applied.get(m.id)) for m in migrations]
