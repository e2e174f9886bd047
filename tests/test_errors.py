"""Failures as a user meets them: each runs the installed `tipdb` entry point as a whole process and asserts
the documented exit code, that no traceback was printed, and that the database is unchanged where it failed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tipdb import errors, load
from tipdb.errors import EXIT_CODES

from helpers import table_checksums, write_csv

TIPDB = str(Path(sys.executable).with_name("tipdb"))
TOP = Path(__file__).resolve().parents[1]
NEW_ROW = "report_year,country,tier,source\n2025,Namibia,2,a test source\n"


def _env(url: str | None = None, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PG")
           and k not in ("TIPDB_DEBUG", "NO_COLOR")}
    if url is not None:
        env["DATABASE_URL"] = url
    env.update(extra)
    return env


def tipdb(url, *args, **kwargs) -> subprocess.CompletedProcess:
    env = kwargs.pop("env", None) or _env(url)
    return subprocess.run([TIPDB, *args], env=env, capture_output=True, timeout=120, **kwargs)


def clean(result, code: int) -> str:
    """Assert the exit code and that no traceback escaped; return standard error as text."""
    stderr = result.stderr.decode("utf-8", "replace") if isinstance(result.stderr, bytes) else result.stderr
    stdout = result.stdout.decode("utf-8", "replace") if isinstance(result.stdout, bytes) else (result.stdout or "")
    assert result.returncode == code, stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    return stderr


def test_the_readme_lists_every_exit_code():
    section = (TOP / "README.md").read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    listed = {int(code): text.strip() for code, text in re.findall(r"^\| (\d+) \| (.+?) \|$", section, re.M)}
    assert listed == EXIT_CODES


def test_unsupported_chart_extension_is_a_usage_error(reader_url, tmp_path):
    stderr = clean(tipdb(reader_url, "chart", "mix", "-o", str(tmp_path / "x.jpg")), errors.EXIT_USAGE)
    assert "charts are written as .png or .svg" in stderr
    assert list(tmp_path.iterdir()) == []


def _waiting_loader(db, db_url, tmp_path):
    """A `tipdb load` process blocked on the load lock, which this test holds; and its backend's pid."""
    db.execute("SELECT pg_advisory_xact_lock(%s)", [load.LOAD_LOCK_KEY])
    path = write_csv(tmp_path / "new.csv", NEW_ROW)
    process = subprocess.Popen([TIPDB, "load", str(path)], env=_env(db_url), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    with psycopg.connect(db_url, autocommit=True) as watcher:
        for _ in range(600):
            row = watcher.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND wait_event = 'advisory' AND pid <> %s", [db.info.backend_pid]).fetchone()
            if row:
                return process, row[0]
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the loader never waited for the lock")


def _finish(process) -> subprocess.CompletedProcess:
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_server_shutdown_mid_command(db, db_url, tmp_path):
    before = table_checksums(db)
    process, backend = _waiting_loader(db, db_url, tmp_path)
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend])
    stderr = clean(_finish(process), errors.EXIT_UNAVAILABLE)
    assert "lost the connection to the database" in stderr and "run the command again" in stderr
    db.rollback()
    assert table_checksums(db) == before


def test_ctrl_c_exits_130_and_keeps_nothing(db, db_url, tmp_path):
    before = table_checksums(db)
    process, _ = _waiting_loader(db, db_url, tmp_path)
    process.send_signal(signal.SIGINT)
    stderr = clean(_finish(process), errors.EXIT_INTERRUPTED)
    assert "interrupted" in stderr
    db.rollback()
    assert table_checksums(db) == before


@pytest.mark.parametrize("condition, code, said", [
    ("disk_full", errors.EXIT_IOERR, "disk is full"),
    ("data_corrupted", errors.EXIT_IOERR, "corrupted data"),
])
def test_server_side_failures_during_a_load(db, db_url, tmp_path, condition, code, said):
    """The server raises what a full disk or a corrupted page raises, while the load records its run."""
    db.execute("CREATE FUNCTION public.fail() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION "
               f"'simulated {condition}' USING ERRCODE = '{condition}'; END$$")
    db.execute("CREATE TRIGGER fail BEFORE INSERT ON tip.load_run FOR EACH ROW EXECUTE FUNCTION public.fail()")
    db.commit()
    before = table_checksums(db)
    db.rollback()
    stderr = clean(tipdb(db_url, "load", str(write_csv(tmp_path / "new.csv", NEW_ROW))), code)
    assert said in stderr and f"simulated {condition}" in stderr
    assert table_checksums(db) == before


def test_queries_after_rollback_all_say_to_run_up(db, db_url):
    db.rollback()
    clean(tipdb(db_url, "rollback", "--all", "--yes"), 0)
    stderr = clean(tipdb(db_url, "query", "tier_members"), errors.EXIT_UNAVAILABLE)
    assert "run `tipdb up`" in stderr
    stderr = clean(tipdb(db_url, "search", "labor"), errors.EXIT_UNAVAILABLE)
    assert "run `tipdb up`" in stderr


def test_file_names_that_are_not_utf8(db, db_url, tmp_path):
    before = table_checksums(db)
    db.rollback()
    bad = os.fsencode(tmp_path) + b"/bad\xff.csv"
    Path(os.fsdecode(bad)).write_text("report_year,country,tier,source\n2025,Namibiaa,1,x\n")
    stderr = clean(tipdb(db_url, "load", bad), errors.EXIT_DATAERR)
    assert re.search(r"bad\\(xff|udcff)\.csv:2, column 'country'", stderr), stderr
    good = os.fsencode(tmp_path) + b"/good\xff.csv"
    Path(os.fsdecode(good)).write_text(NEW_ROW)
    result = tipdb(db_url, "load", good)
    assert result.returncode in (0, errors.EXIT_DATAERR)
    clean(result, result.returncode)
    if result.returncode:
        assert table_checksums(db) == before


def _broken(exception: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    """The real entry point with one core function made to raise `exception`: faults no input can cause."""
    script = ("import sys, tipdb.queries as q\n"
              f"def broken(*a, **k): raise {exception}\n"
              "q.get = broken\n"
              "from tipdb.cli import main\n"
              "sys.argv[0] = 'tipdb'\n"
              "main()\n")
    return subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_out_of_memory(reader_url, tmp_path):
    result = _broken("MemoryError()", "query", "tier_members", env=_env(reader_url))
    assert "out of memory" in clean(result, errors.EXIT_OSERR)
    # The loader refuses what once exhausted memory (/dev/zero, a line of gigabytes) before reading it.
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # 3 GB of NUL bytes and no line end, stored sparse
        handle.truncate(3 << 30)
    for path in ("/dev/zero", str(huge)):
        result = tipdb(reader_url, "load", path)
        clean(result, result.returncode)
        assert result.returncode in (errors.EXIT_DATAERR, errors.EXIT_NOINPUT)


def test_broken_pipe_is_silent(reader_url):
    process = subprocess.Popen([TIPDB, "export", "view", "rankings", "-f", "csv"], env=_env(reader_url),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"report_year,")
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read()
    process.wait(timeout=60)
    assert process.returncode == errors.EXIT_BROKEN_PIPE and stderr == b""


def test_a_full_disk_on_standard_output(reader_url):
    env = {k: v for k, v in _env(reader_url).items() if k != "PYTHONUNBUFFERED"}  # buffered, as users run it
    with open("/dev/full", "wb") as full:
        result = subprocess.run([TIPDB, "query", "tier_members"], env=env, stdout=full, stderr=subprocess.PIPE,
                                timeout=60)
    assert "No space left on device" in clean(result, errors.EXIT_IOERR)


def test_unexpected_exceptions_are_internal_errors_with_a_traceback_only_on_request(reader_url):
    """Any exception nobody foresaw: a short message asking for a report, the traceback with --debug."""
    result = _broken("RuntimeError('generator raised StopIteration')", "query", "x", env=_env(reader_url))
    stderr = clean(result, errors.EXIT_SOFTWARE)
    assert "internal error (RuntimeError: generator raised StopIteration); please report it" in stderr
    assert "--debug" in stderr
    for args, env in ((["--debug", "query", "x"], _env(reader_url)),
                      (["query", "x"], _env(reader_url, TIPDB_DEBUG="1"))):
        shown = _broken("RuntimeError('boom')", *args, env=env)
        assert shown.returncode == errors.EXIT_SOFTWARE and "Traceback" in shown.stderr


def _as_reader(url: str) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(url, options="-c role=tip_reader")


def test_read_only_role_gets_messages_and_no_partial_files(db, db_url, tmp_path):
    before = table_checksums(db)
    db.rollback()
    reader = _as_reader(db_url)
    stderr = clean(tipdb(reader, "export", "datapackage", str(tmp_path / "package")), errors.EXIT_NOPERM)
    assert "read-only" in stderr
    stderr = clean(tipdb(reader, "load", str(write_csv(tmp_path / "new.csv", NEW_ROW))), errors.EXIT_NOPERM)
    assert "read-only" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.csv"]  # no package, no temporary directory
    result = tipdb(reader, "status", "-f", "json")
    clean(result, 0)
    assert json.loads(result.stdout)["coverage per report year"][0]["report_year"] == 2001
    clean(tipdb(reader, "export", "view", "rankings", "-o", str(tmp_path / "r.parquet")), 0)
    assert table_checksums(db) == before


def test_problem_output_is_bounded(db_url, tmp_path):
    bad = "".join(f"2025,Nowhere{i},1,x\n" for i in range(30))
    stderr = clean(tipdb(db_url, "load", str(write_csv(tmp_path / "bad.csv", "report_year,country,tier,source\n"
                                                       + bad))), errors.EXIT_DATAERR)
    assert "30 problems; nothing was loaded" in stderr and "... and 10 more problems" in stderr
    assert stderr.count("Nowhere") == errors.MAX_PROBLEMS_SHOWN
    repeated = "report_year,country,tier,source\n" + "2025,Namibia,1,x\n" * 5000
    stderr = clean(tipdb(db_url, "load", str(write_csv(tmp_path / "repeated.csv", repeated))), errors.EXIT_DATAERR)
    assert len(stderr) < 2000 and re.search(r"and [\d,]+ more", stderr), stderr[:500]


def test_shortening_keeps_the_first_line_numbers():
    text = "x.csv:3: repeats the key of line 2 (and lines " + ", ".join(map(str, range(4, 40004))) + ")"
    short = errors.shorten(text)
    assert short.startswith("x.csv:3: repeats the key of line 2 (and lines 4, 5, 6, 7, 8 and 39,995 more)")


def test_a_malformed_database_url_is_a_configuration_error():
    done = subprocess.run([TIPDB, "status"], env={**os.environ, "DATABASE_URL": "%%%"}, capture_output=True, text=True)
    assert done.returncode == errors.EXIT_UNAVAILABLE and "Traceback" not in done.stderr
    assert "DATABASE_URL is not a connection string" in done.stderr and "bug" not in done.stderr


def test_a_parameter_given_twice_is_refused(reader_url):
    stderr = clean(tipdb(reader_url, "query", "tier_members", "-p", "year=2019", "-p", "year=2020"), errors.EXIT_USAGE)
    assert "'year' is given twice" in stderr
