"""Migrations apply, roll back and re-apply to the same schema; edited migrations are refused."""

import shutil
import subprocess

import pytest

from tipdb import embedded, load, migrations, paths
from tipdb.errors import MigrationProblem


def schema_dump(url: str) -> str:
    dump = subprocess.run(
        [str(embedded.bin_dir() / "pg_dump"), "--schema-only", "--no-owner", "--schema=tip",
         "--schema=analytics", url],
        check=True, capture_output=True, text=True,
    ).stdout
    # pg_dump 17+ prints a random \restrict key per run.
    return "\n".join(line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


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
