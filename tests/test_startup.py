"""How the embedded server's programs run: the caller's own work runs while they do (a cold `tipdb up`
imports what it needs while initdb runs), and neither hides the other's failure."""

from __future__ import annotations

import subprocess

import pytest

from tipdb import embedded


def test_the_callers_work_runs_while_the_program_runs():
    account = embedded._server_account()
    seen: list = []

    def meanwhile():
        # The program (`sleep`) is the newest child of this process; it must still be running now.
        children = subprocess.run(["pgrep", "-n", "-P", str(__import__("os").getpid()), "sleep"],
                                  capture_output=True, text=True).stdout.split()
        seen.append(bool(children))

    embedded._run(["sleep", "0.5"], account, meanwhile=meanwhile)
    assert seen == [True]


def test_a_failure_of_the_callers_work_waits_for_the_program_and_then_is_raised():
    import time

    account = embedded._server_account()

    def meanwhile():
        raise KeyError("the caller's own failure")

    began = time.monotonic()
    with pytest.raises(KeyError, match="the caller's own failure"):
        embedded._run(["sleep", "0.4"], account, meanwhile=meanwhile)
    assert time.monotonic() - began >= 0.4  # the program was waited for, not cut short (initdb's cluster)


def test_the_programs_failure_comes_first():
    account = embedded._server_account()

    def meanwhile():
        raise KeyError("the caller's own failure")

    with pytest.raises(subprocess.CalledProcessError):
        embedded._run(["sh", "-c", "echo broken; exit 3"], account, meanwhile=meanwhile)


def test_a_first_up_interrupted_during_initdb_leaves_nothing_the_next_up_trips_on(tmp_path):
    """Ctrl-C while initdb runs: initdb works in a sibling folder, so no half-made cluster is left where
    the next `tipdb up` would take it for a whole one (it refused to start until the folder was deleted)."""
    import os
    import signal
    import sys
    import time
    from pathlib import Path

    up = [sys.executable, "-m", "tipdb", "up"]
    for attempt in range(5):  # the interrupt must land while initdb runs; a miss is tried again
        home = tmp_path / f"home{attempt}"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PG")}
        env["TIPDB_HOME"] = str(home)
        try:
            first = subprocess.Popen(up, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 60
            pgdata = Path(os.path.realpath(home / "pgdata"))
            while time.monotonic() < deadline and first.poll() is None:
                pgdata = Path(os.path.realpath(home / "pgdata"))
                if any((folder / "PG_VERSION").exists() for folder in (pgdata.with_name("pgdata.initdb"), pgdata)):
                    break  # initdb is writing the cluster
                time.sleep(0.002)
            first.send_signal(signal.SIGINT)  # as Ctrl-C: initdb is cut short
            _, err = first.communicate(timeout=60)
            if (pgdata / "postmaster.pid").exists():
                continue  # initdb had finished and the server started: initdb was not interrupted
            assert first.returncode == 130 and "Traceback" not in err, err
            second = subprocess.run(up, env=env, capture_output=True, text=True, timeout=180)
            assert second.returncode == 0 and "tipdb is up" in second.stdout + second.stderr, second.stderr
            return
        finally:
            subprocess.run([sys.executable, "-m", "tipdb", "down"], env=env, capture_output=True, timeout=60)
    pytest.fail("no interrupt landed while initdb ran in 5 attempts")


def test_up_makes_the_database_when_the_server_runs_without_it(tmp_path):
    """A first `tipdb up` interrupted between the server's start and the database's creation leaves a
    running server without the tipdb database: the next `tipdb up` makes it instead of failing."""
    import os
    import sys

    import psycopg

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PG")}
    env["TIPDB_HOME"] = str(tmp_path / "home")
    tipdb = [sys.executable, "-m", "tipdb"]
    try:
        subprocess.run(tipdb + ["up"], env=env, capture_output=True, check=True, timeout=180)
        url = subprocess.run(tipdb + ["url"], env=env, capture_output=True, text=True, check=True).stdout.strip()
        with psycopg.connect(url.replace("@/tipdb?", "@/postgres?"), autocommit=True) as conn:
            conn.execute("DROP DATABASE tipdb WITH (FORCE)")
        again = subprocess.run(tipdb + ["up"], env=env, capture_output=True, text=True, timeout=180)
        assert again.returncode == 0 and "applied" in again.stderr + again.stdout, again.stderr
    finally:
        subprocess.run(tipdb + ["down"], env=env, capture_output=True, timeout=60)
