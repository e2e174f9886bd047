"""Migrations apply, roll back and re-apply to the same schema; edited migrations are refused."""

import shutil
import subprocess

import pytest

from tipdb import load, migrations, paths, snapshot
from tipdb.errors import MigrationProblem


def schema_dump(url: str) -> str:
    return snapshot.dump(url)


def test_every_migration_has_a_rollback():
    forward = sorted(p for p in paths.schema_dir().glob("*.sql") if not p.name.endswith(".rollback.sql"))
    assert forward, "no migrations found"
    for path in forward:
        assert path.with_suffix(".rollback.sql").exists(), path.name


def test_apply_rollback_apply_gives_the_same_schema(empty_db_url, empty_db):
    applied = migrations.apply(empty_db_url)
    assert applied[0] == "0001_schemas"
    first = schema_dump(empty_db_url)
    assert "COMMENT ON TABLE tip.ranking" in first
    assert migrations.rollback(empty_db_url, None) == list(reversed(applied))
    left = empty_db.execute(
        "SELECT count(*) FROM pg_namespace WHERE nspname IN ('tip', 'analytics')").fetchone()
    assert left == (0,)
    assert migrations.apply(empty_db_url) == applied
    assert schema_dump(empty_db_url) == first


def _rankings(conn):
    return conn.execute("SELECT * FROM analytics.rankings ORDER BY report_year, iso3").fetchall()


def test_each_migration_rolls_back_and_reapplies_on_seeded_data(db, db_url):
    """Undo the migrations one at a time down to nothing, re-apply them one at a time, reload: same data."""
    original = _rankings(db)
    db.rollback()
    total = len(migrations.status(db_url))
    undone = [migrations.rollback(db_url, 1) for _ in range(total)]
    assert [len(step) for step in undone] == [1] * total
    assert migrations.rollback(db_url, 1) == []
    redone = [migrations.apply(db_url, 1) for _ in range(total)]
    assert [step[0] for step in redone] == [step[0] for step in reversed(undone)]
    load.load_seeds(db_url)
    assert _rankings(db) == original


def test_a_rolled_back_table_is_reloaded_by_the_next_up(db, db_url):
    """Rolling back past tip.ranking forgets the loads that filled it, so the seeds load again."""
    original = _rankings(db)
    db.rollback()
    statuses = [m.migration_id for m in migrations.status(db_url)]
    undone = migrations.rollback(db_url, len(statuses) - statuses.index("0007_rankings"))
    assert undone[-1] == "0007_rankings"
    migrations.apply(db_url)
    results = {r.kind: r for r in load.load_seeds(db_url)}
    assert results["rankings"].inserted == 4224 and results["countries"].skipped
    assert _rankings(db) == original


def test_edited_migration_is_refused(empty_db_url, tmp_path, monkeypatch):
    copy = tmp_path / "schema"
    shutil.copytree(paths.schema_dir(), copy)
    monkeypatch.setattr(migrations, "schema_dir", lambda: copy)
    migrations.apply(empty_db_url)
    target = copy / "0005_tiers.sql"
    target.write_text(target.read_text().replace("'Tier 1'", "'Tier One'"))
    with pytest.raises(MigrationProblem, match="0005_tiers"):
        migrations.apply(empty_db_url)


def test_migrations_pass_squawk():
    """Lint with squawk; .squawk.toml names each excluded rule and why."""
    import shutil
    import sys
    from pathlib import Path

    top = Path(__file__).resolve().parents[1]
    squawk = shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which("squawk")
    assert squawk, "squawk-cli is a test dependency"
    files = sorted(paths.schema_dir().glob("*.sql"))
    forward = [str(p) for p in files if not p.name.endswith(".rollback.sql")]
    rollbacks = [str(p) for p in files if p.name.endswith(".rollback.sql")]
    config = ["--config", str(top / ".squawk.toml")]
    result = subprocess.run([squawk, *config, *forward], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # A rollback exists to drop what its migration made. (--exclude replaces the file's list, so join them.)
    import tomllib

    excluded = tomllib.loads((top / ".squawk.toml").read_text())["excluded_rules"]
    drops = ["ban-drop-table", "ban-drop-view", "ban-drop-schema", "ban-drop-function"]
    result = subprocess.run([squawk, *config, "--exclude=" + ",".join(excluded + drops), *rollbacks],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _tipdb(*args: str, url: str) -> subprocess.Popen:
    import os
    import sys

    return subprocess.Popen([sys.executable, "-m", "tipdb", *args], env={**os.environ, "DATABASE_URL": url},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lock_wait(conn, pid_of_blocker: int) -> None:
    """Until some session of this database waits for a lock the blocker holds (bounded, no fixed sleep)."""
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND %s = ANY (pg_blocking_pids(pid))",
            [pid_of_blocker]).fetchone()[0]
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("tipdb migrate never reached yoyo's bookkeeping table")


def test_a_migrate_killed_while_recording_leaves_nothing_half_done(db, db_url, empty_db_url):
    """Issue 11's reproduction: kill -9 `tipdb migrate` while it waits to record a migration."""
    import psycopg

    db.rollback()
    undone = migrations.rollback(db_url, 3)
    with psycopg.connect(db_url) as blocker, psycopg.connect(db_url, autocommit=True) as watcher:
        blocker.execute("LOCK yoyo._yoyo_migration IN EXCLUSIVE MODE")
        migrate = _tipdb("migrate", url=db_url)
        try:
            _wait_for_lock_wait(watcher, blocker.info.backend_pid)
        finally:
            migrate.kill()  # SIGKILL: no cleanup in the client
            migrate.communicate()
        blocker.rollback()
    up = _tipdb("up", url=db_url)
    out, err = up.communicate(timeout=120)
    assert up.returncode == 0, err
    assert [m.migration_id for m in migrations.status(db_url) if m.applied_at is None] == []
    assert db.execute("SELECT count(*) FROM yoyo.migration_file WHERE migration_id = ANY (%s)",
                      [undone]).fetchone() == (3,)
    migrations.apply(empty_db_url)
    assert schema_dump(db_url) == schema_dump(empty_db_url)


def test_an_applied_migration_without_its_file_is_reported(empty_db_url, tmp_path, monkeypatch):
    copy = tmp_path / "schema"
    shutil.copytree(paths.schema_dir(), copy)
    monkeypatch.setattr(migrations, "schema_dir", lambda: copy)
    migrations.apply(empty_db_url)
    last = sorted(p for p in copy.glob("*.sql") if not p.name.endswith(".rollback.sql"))[-1]
    last.unlink()
    last.with_suffix(".rollback.sql").unlink()
    with pytest.raises(MigrationProblem, match=f"applied migrations have no file.*{last.stem}"):
        migrations.apply(empty_db_url)
    with pytest.raises(MigrationProblem, match=last.stem):
        migrations.rollback(empty_db_url, 1)
    assert [s.migration_id for s in migrations.status(empty_db_url) if s.file_missing] == [last.stem]


def test_committed_schema_snapshot_is_current(empty_db_url):
    """schema/current/schema.sql is what `tipdb schema` writes: the dump of a freshly migrated database."""
    from pathlib import Path

    committed = Path(__file__).resolve().parents[1] / snapshot.DEFAULT_PATH
    migrations.apply(empty_db_url)
    assert committed.read_text(encoding="utf-8") == snapshot.dump(empty_db_url), \
        "schema/current/schema.sql is stale: run `tipdb schema`"


def _yoyo_view(url: str) -> tuple[list[str], list[str]]:
    """What yoyo itself makes of the database: migrations it would apply, and those it would roll back."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(migrations._yoyo_uri(url))
    try:
        found = read_migrations(str(paths.schema_dir()))
        return [m.id for m in backend.to_apply(found)], [m.id for m in backend.to_rollback(found)]
    finally:
        backend.connection.close()


def test_applied_and_rolled_back_as_yoyo_records_them(empty_db_url, empty_db, monkeypatch):
    """Each file is sent whole (sqlparse never splits it), and yoyo's own tables say what yoyo would have said."""
    import sqlparse

    def no_splitting(*args, **kwargs):
        raise AssertionError("a migration was split into statements")

    monkeypatch.setattr(sqlparse, "split", no_splitting)
    applied = migrations.apply(empty_db_url)
    monkeypatch.undo()
    assert _yoyo_view(empty_db_url) == ([], list(reversed(applied)))
    log = empty_db.execute("SELECT migration_id, operation FROM yoyo._yoyo_log ORDER BY created_at_utc").fetchall()
    assert log == [(m, "apply") for m in applied]
    undone = migrations.rollback(empty_db_url, 2)
    assert undone == list(reversed(applied[-2:]))
    assert _yoyo_view(empty_db_url)[0] == applied[-2:]
    empty_db.commit()
    assert empty_db.execute("SELECT migration_id FROM yoyo.migration_file WHERE migration_id = ANY (%s)",
                            [undone]).fetchall() == []


def _schema_copy(tmp_path, monkeypatch):
    copy = tmp_path / "schema"
    shutil.copytree(paths.schema_dir(), copy)
    monkeypatch.setattr(migrations, "schema_dir", lambda: copy)
    return copy


def test_a_failing_statement_leaves_nothing_of_its_migration(empty_db_url, empty_db, tmp_path, monkeypatch):
    """Several statements in one round trip: the first ones are undone when a later one fails."""
    copy = _schema_copy(tmp_path, monkeypatch)
    (copy / "0099_broken.sql").write_text("-- depends: 0043_bounded_function_inputs\n"
                                          "CREATE TABLE tip.made_first (x int);\nSELECT 1 / 0;\n")
    (copy / "0099_broken.rollback.sql").write_text("DROP TABLE tip.made_first;\n")
    with pytest.raises(MigrationProblem, match="0099_broken.*division by zero"):
        migrations.apply(empty_db_url)
    assert empty_db.execute("SELECT to_regclass('tip.made_first')").fetchone() == (None,)
    assert "0099_broken" not in {r[0] for r in empty_db.execute("SELECT migration_id FROM yoyo._yoyo_migration")}
    assert "0043_bounded_function_inputs" in {r[0] for r in empty_db.execute("SELECT migration_id FROM yoyo._yoyo_migration")}


def test_dependencies_order_the_migrations(empty_db_url, empty_db, tmp_path, monkeypatch):
    """`-- depends:` orders a migration after the one it names, even when its file name sorts first."""
    copy = _schema_copy(tmp_path, monkeypatch)
    (copy / "0098_needs_the_table.sql").write_text("-- depends: 0099_makes_the_table\nINSERT INTO tip.made (x) VALUES (1);\n")
    (copy / "0098_needs_the_table.rollback.sql").write_text("DELETE FROM tip.made;\n")
    (copy / "0099_makes_the_table.sql").write_text("-- depends: 0043_bounded_function_inputs\nCREATE TABLE tip.made (x int);\n")
    (copy / "0099_makes_the_table.rollback.sql").write_text("DROP TABLE tip.made;\n")
    assert migrations.apply(empty_db_url)[-2:] == ["0099_makes_the_table", "0098_needs_the_table"]
    assert migrations.rollback(empty_db_url, 2) == ["0098_needs_the_table", "0099_makes_the_table"]


def test_nothing_to_apply_is_found_without_yoyo(db_url, monkeypatch):
    """A migrated database answers `apply` from one query: neither the lock nor yoyo's backend is taken."""
    def no_yoyo(*args, **kwargs):
        raise AssertionError("the migration lock and yoyo's backend were taken")

    monkeypatch.setattr(migrations, "_open", no_yoyo)
    assert migrations.apply(db_url) == []


def test_yoyo_writes_the_bookkeeping_version_tipdb_expects():
    """The up-to-date check reads yoyo's tables directly; a yoyo that changes them must go through its upgrade."""
    from yoyo import internalmigrations

    assert max(internalmigrations.schema_versions) == migrations._YOYO_TABLES_VERSION
