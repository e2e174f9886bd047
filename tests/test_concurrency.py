"""Loaders and start-ups running at once, and a loader killed in the middle."""

import os
import signal
import subprocess
import sys
import time

import psutil
import psycopg

from tipdb import load, paths

from helpers import table_checksums

TIPDB = [sys.executable, "-m", "tipdb"]


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PG")}
    env.update(extra)
    return env


def _synthetic_findings(path, rows):
    """Valid findings rows for a throwaway database: exercises the loader, is not data."""
    with path.open("w") as handle:
        handle.write("report_year,country,category,finding,source\n")
        for n in range(rows):
            handle.write(f"2020,China,other,synthetic finding {n},test fixture\n")
    return path


def _state(conn):
    """Table contents, with load bookkeeping reduced to what does not depend on the clock."""
    sums = table_checksums(conn)
    del sums["tip.load_run"]
    sums["runs"] = conn.execute(
        "SELECT array_agg((file_sha256, row_count, inserted, updated) ORDER BY file_sha256) FROM tip.load_run"
    ).fetchone()[0]
    conn.rollback()
    return sums


def test_two_loaders_at_once_end_like_one(db, db_url, other_db, other_db_url, tmp_path):
    path = _synthetic_findings(tmp_path / "findings_extra.csv", 5_000)
    single = subprocess.run(TIPDB + ["load", str(path)], env=_env(DATABASE_URL=other_db_url),
                            capture_output=True, text=True, timeout=120)
    assert single.returncode == 0, single.stderr
    both = [subprocess.Popen(TIPDB + ["load", str(path)], env=_env(DATABASE_URL=db_url),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in both]
    assert [p.returncode for p in both] == [0, 0], outputs
    messages = sorted(err for _, err in outputs)
    # The advisory lock made one wait; it then found the file loaded and skipped it.
    assert "5000 inserted" in messages[0] and "already loaded" in messages[1]
    assert _state(db) == _state(other_db)
    assert db.execute("SELECT count(*) FROM tip.finding WHERE summary LIKE 'synthetic finding %%'").fetchone() == (5_000,)


def test_a_loader_killed_mid_load_leaves_nothing(db, db_url, tmp_path):
    path = _synthetic_findings(tmp_path / "findings_big.csv", 400_000)
    before = _state(db)
    loader = subprocess.Popen(TIPDB + ["load", str(path)], env=_env(DATABASE_URL=db_url),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dbname = db.info.dbname
    deadline = time.monotonic() + 60
    busy = None
    while time.monotonic() < deadline and loader.poll() is None:
        busy = db.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND query LIKE 'COPY pg_temp.stage%%' "
                          "AND state = 'active'", [dbname]).fetchone()
        db.rollback()
        if busy:
            break
        time.sleep(0.02)
    assert busy, "the loader never reached its COPY"
    loader.send_signal(signal.SIGKILL)
    loader.wait(timeout=10)
    # The server notices the dead client and rolls its transaction back.
    while db.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [busy[0]]).fetchone()[0]:
        db.rollback()
        time.sleep(0.05)
    db.rollback()
    assert _state(db) == before


def _postmasters(data_dir):
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "ppid"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(data_dir) in cmdline:
            found.append(proc.pid)
    return found


def test_two_ups_at_once_share_one_server(tmp_path):
    home = tmp_path / "home"
    env = _env(TIPDB_HOME=str(home))
    ups = [subprocess.Popen(TIPDB + ["up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
           for _ in range(2)]
    try:
        outputs = [p.communicate(timeout=180) for p in ups]
        assert [p.returncode for p in ups] == [0, 0], outputs
        assert len(_postmasters(os.path.realpath(home / "pgdata"))) == 1  # a link to the data under root
        url = subprocess.run(TIPDB + ["url"], env=env, capture_output=True, text=True).stdout.strip()
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM tip.load_run").fetchone() == (len(load.seed_files()),)
            assert conn.execute("SELECT count(*) FROM tip.ranking").fetchone() == (4224,)
            migrations = [p for p in paths.schema_dir().glob("*.sql") if not p.name.endswith(".rollback.sql")]
            assert conn.execute("SELECT count(*) FROM yoyo._yoyo_migration").fetchone() == (len(migrations),)
    finally:
        subprocess.run(TIPDB + ["down"], env=env, capture_output=True, timeout=60)
