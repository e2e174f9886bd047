"""Test databases: one PostgreSQL server and one migrated, seeded template per run, a clone per test.

Without DATABASE_URL the server is tipdb's own embedded one in a throwaway TIPDB_HOME (pytest-postgresql's
`postgresql_proc` cannot work here: initdb refuses root). The process that starts the run (xdist's
controller, or pytest itself without workers) starts the server and builds the template in a background
thread, while the workers start and collect; a worker waits for it the first time one of its tests needs a
database (a shared lock on a file that the builder holds exclusively until it is done).

Where it can, the run keeps its servers' data in memory (a folder in /dev/shm, a tmpfs): each clone
creates and each drop removes some 400 files, and on this machine's disk (ext4 mounted with `discard`)
that made a clone cost about ten times the CPU time it costs in memory (0.3 s against 0.03 s). The servers
that tests start themselves (`tipdb up` in a fresh TIPDB_HOME) keep theirs there too, under root, where
data directories live in the server root (TIPDB_SERVER_ROOT) rather than in TIPDB_HOME.

Every test that may change data gets its own clone of the template (CREATE DATABASE ... TEMPLATE). Each
worker makes its next clone ahead, in a background thread, while a test runs, and drops used ones there
too, so a test waits for neither. Tests that only read share one read-only clone (`reader_db`,
`reader_url`); a module whose tests must change nothing may share one clone (helpers.module_clone).
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import shutil
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

SERVER: dict = {}
_READY = "TIPDB_TEST_READY"  # the file the builder writes the server's address into, and locks until then
_BUILDER: dict = {}


def _starts_run(config) -> bool:
    """The process that owns the run's server: xdist's controller, or pytest without workers."""
    return not hasattr(config, "workerinput")


# A run's servers and files need some hundreds of MB; a container's /dev/shm is often 64 MB.
MEMORY_NEEDED_BYTES = 2 << 30


def _in_memory() -> str | None:
    """A folder on a tmpfs for throwaway servers' data, if this machine has one we may write with room
    for the run (else the disk, as with TIPDB_TEST_ON_DISK=1)."""
    shm = "/dev/shm"
    if os.environ.get("TIPDB_TEST_ON_DISK") or not (os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK)):
        return None
    space = os.statvfs(shm)
    if space.f_bavail * space.f_frsize < MEMORY_NEEDED_BYTES:
        return None
    return shm


def _temporary_files_in_memory() -> None:
    """Temporary files and folders of the run (tmp_path, the homes and servers tests make, the
    processes they start) in a folder of the run's own on the tmpfs, removed at the end."""
    shm = _in_memory()
    if shm is None or os.environ.get("TIPDB_TEST_TMPDIR"):
        return
    folder = tempfile.mkdtemp(prefix="tipdb-tests-tmp-", dir=shm)
    os.chmod(folder, 0o711)  # as /tmp lets the server user reach what tests make for it
    os.environ["TMPDIR"] = os.environ["TIPDB_TEST_TMPDIR"] = folder
    tempfile.tempdir = folder
    _BUILDER["tmpdir"] = folder


def _private_server_root() -> str | None:
    """Under root, data directories live outside TIPDB_HOME (see embedded.py): a server root of this
    process's own for the servers it and its tests start, removed at the end."""
    if os.geteuid() != 0:
        return None
    from tipdb import embedded

    parent = os.environ.get("TIPDB_TEST_SERVER_ROOT") or _in_memory()
    if parent is None:
        embedded.server_root().mkdir(mode=0o711, parents=True, exist_ok=True)
        parent = str(embedded.server_root())
    servers = tempfile.mkdtemp(prefix="tests-", dir=parent)
    os.chmod(servers, 0o711)
    os.environ["TIPDB_SERVER_ROOT"] = os.environ["TIPDB_TEST_SERVER_ROOT"] = servers
    return servers


def pytest_configure(config):
    _cache_migration_parsing()
    if _starts_run(config):
        os.environ["TIPDB_TEST_DIST"] = str(getattr(config.option, "dist", ""))  # for the workers' ordering
        _temporary_files_in_memory()
        if os.environ.get("TIPDB_SERVER_ROOT") and not os.environ.get("TIPDB_TEST_SERVER_ROOT"):
            pass  # the caller chose a server root: use it as it is
        else:
            _BUILDER["servers"] = _private_server_root()
        if not config.option.collectonly:
            _start_building()
    elif os.environ.get("TIPDB_TEST_SERVER_ROOT"):
        # Each worker's tests start servers of their own below a folder of this worker's, which it stops
        # and removes when it finishes (while the other worker may still be running its own).
        _BUILDER["servers"] = _private_server_root()


def _start_building() -> None:
    home = tempfile.mkdtemp(prefix="tipdb-test-")  # not under root, the data directory is in TIPDB_HOME
    ready = Path(home) / "test-server.json"
    os.environ["TIPDB_TEST_HOME"] = home
    os.environ[_READY] = str(ready)
    url = os.environ.get("DATABASE_URL")
    if not url:
        os.environ["TIPDB_HOME"] = home
    lock = open(ready.with_suffix(".lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # before any worker starts: they wait on it
    prefix = f"tipdb_test_{os.getpid()}"

    def build():
        result: dict = {"prefix": prefix}
        try:
            server_url = url
            if not server_url:
                from tipdb import embedded

                server_url = embedded.start()
            result["conninfo"] = {k: v for k, v in conninfo_to_dict(server_url).items() if k != "dbname"}
            _build_template(server_url, prefix)
        except BaseException as exc:  # every test that needs the server reports it
            import traceback

            result["error"] = "".join(traceback.format_exception(exc))
        finally:
            ready.write_text(json.dumps(result))
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()

    _BUILDER["thread"] = threading.Thread(target=build, name="test-template", daemon=True)
    _BUILDER["thread"].start()


def _admin(server_url: str):
    import psycopg

    return psycopg.connect(make_conninfo(server_url, dbname="postgres"), autocommit=True)


def _build_template(server_url: str, prefix: str) -> None:
    """Migrate and seed the template every test database is cloned from; the shared read-only clone."""
    from psycopg import sql

    from tipdb import load, migrations

    template, shared = f"{prefix}_tmpl", f"{prefix}_shared"
    with _admin(server_url) as admin:
        for name in (shared, template):
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
        url = make_conninfo(server_url, dbname=template)
        migrations.apply(url)
        load.load_seeds(url)
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(shared), sql.Identifier(template)))


def _server() -> dict:
    """The run's server and template, once the builder is done (waiting for it the first time)."""
    if not SERVER:
        ready = Path(os.environ[_READY])
        with open(ready.with_suffix(".lock")) as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)
        result = json.loads(ready.read_text())
        if "error" in result:
            raise RuntimeError("the test server or its template could not be set up:\n" + result["error"])
        SERVER.update(result["conninfo"], prefix=result["prefix"])
    return SERVER


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    # Before xdist tells the controller this worker finished: the controller may then end the worker
    # process, and a clean-up in pytest_unconfigure would be cut short (leaving servers and data behind).
    if _CLONES:
        _CLONES[0].close(drop_all=bool(os.environ.get("DATABASE_URL")))
    if _starts_run(session.config):
        thread = _BUILDER.get("thread")
        if thread is not None:
            thread.join()
            home = os.environ.get("TIPDB_TEST_HOME")
            if os.environ.get("DATABASE_URL"):
                _drop_own_databases()
            elif home:
                from tipdb import embedded

                embedded.destroy()
            if home:
                shutil.rmtree(home, ignore_errors=True)
    servers = _BUILDER.get("servers")
    if servers:
        from tipdb import embedded

        embedded.stop_all_under(servers)  # servers that tests started and left running
        shutil.rmtree(servers, ignore_errors=True)
    if _BUILDER.get("tmpdir"):
        shutil.rmtree(_BUILDER["tmpdir"], ignore_errors=True)


def _drop_own_databases() -> None:
    """On a server of the user's own (DATABASE_URL), every database this run made."""
    from psycopg import sql

    try:
        server = _server()
    except RuntimeError:
        return
    with _admin(conninfo("postgres")) as admin:
        names = [r[0] for r in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                             [server["prefix"] + "%"]).fetchall()]
        for name in names:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def conninfo(dbname: str) -> str:
    server = _server()
    return make_conninfo(dbname=dbname, **{k: v for k, v in server.items() if k != "prefix" and v not in (None, "")})


# -- yoyo's parsing of the migration files, once per process --------------------------------------


def _cache_migration_parsing() -> None:
    """yoyo splits every migration file with sqlparse each time migrations are read (about 0.2 s for all
    of them), and tests read them hundreds of times. Keep each file's result, keyed by its path and
    content, so that an edited file (as tests make in copies) is parsed again."""
    from yoyo import migrations as yoyo_migrations

    original = yoyo_migrations.read_sql_migration
    if getattr(original, "cached", False):
        return
    parsed: dict = {}

    def read_sql_migration(path):
        try:
            key = (path, Path(path).read_bytes())
        except OSError:
            return original(path)
        if key not in parsed:
            parsed[key] = original(path)
        directives, leading_comment, statements = parsed[key]
        return dict(directives), leading_comment, list(statements)

    read_sql_migration.cached = True
    yoyo_migrations.read_sql_migration = read_sql_migration


# -- clones ---------------------------------------------------------------------------------------


class _Clones:
    """This worker's clones: the next one of the template made ahead, used ones dropped, in a thread."""

    def __init__(self):
        self.worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.count = 0
        self.made: set[str] = set()
        self.ahead: dict[str | None, Future] = {}
        self.work = ThreadPoolExecutor(1, thread_name_prefix="test-clones")
        self.admin = None

    def _name(self, label: str) -> str:
        self.count += 1
        return f"{_server()['prefix']}_{self.worker}_{label}{self.count}"

    def _create(self, name: str, template: str | None) -> str:
        from psycopg import sql

        if self.admin is None:
            self.admin = _admin(conninfo("postgres"))
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self.admin.execute(query)
        return name

    def _drop(self, name: str) -> None:
        from psycopg import sql

        self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def take(self, template: str | None, label: str = "") -> str:
        """A fresh clone of template (None: an empty database); the next one is started at once."""
        future = self.ahead.pop(template, None) or self.work.submit(self._create, self._name(label), template)
        name = future.result()
        self.made.add(name)
        self.ahead[template] = self.work.submit(self._create, self._name(label), template)
        return name

    def give_back(self, name: str) -> None:
        self.made.discard(name)
        self.work.submit(self._drop, name)

    def close(self, drop_all: bool) -> None:
        for future in self.ahead.values():
            self.made.add(future.result())
        if drop_all:
            for name in sorted(self.made):
                self.work.submit(self._drop, name)
        self.work.shutdown(wait=True)
        if self.admin is not None:
            self.admin.close()


_CLONES: list[_Clones] = []


def _clones() -> _Clones:
    if not _CLONES:
        _CLONES.append(_Clones())
    return _CLONES[0]


@dataclass(frozen=True)
class TestServer:
    """The run's server and its seeded template (what pytest-postgresql's noproc fixture gave before)."""

    template_dbname: str
    shared_dbname: str

    def clone(self, label: str = "db", template: str | None = "") -> str:
        return _clones().take(self.template_dbname if template == "" else template, label)

    def drop(self, name: str) -> None:
        _clones().give_back(name)


@pytest.fixture(scope="session")
def tipdb_server() -> TestServer:
    prefix = _server()["prefix"]
    return TestServer(f"{prefix}_tmpl", f"{prefix}_shared")


def _connected_clone(server: TestServer, template: str | None = ""):
    import psycopg

    name = server.clone(template=template)
    try:
        with psycopg.connect(conninfo(name)) as conn:
            yield conn
    finally:
        server.drop(name)


@pytest.fixture
def db(tipdb_server):
    """The test's own clone of the seeded template."""
    yield from _connected_clone(tipdb_server)


@pytest.fixture
def other_db(tipdb_server):
    """A second seeded clone in the same test, to compare one process's result with another's."""
    yield from _connected_clone(tipdb_server)


@pytest.fixture
def empty_db(tipdb_server):
    """A fresh database with no schema at all."""
    yield from _connected_clone(tipdb_server, template=None)


@pytest.fixture(scope="session")
def seeded(tipdb_server):
    """One seeded clone shared by the tests that only read (made with the template), opened read-only
    so that none can write. A test that changes data takes `db`, its own clone."""
    import psycopg

    with psycopg.connect(conninfo(tipdb_server.shared_dbname), options="-c default_transaction_read_only=on") as conn:
        yield conn


@pytest.fixture
def reader_db(seeded):
    """The shared read-only clone, its transaction rolled back after each test."""
    yield seeded
    seeded.rollback()


@pytest.fixture
def reader_url(seeded) -> str:
    """Connection string of the shared clone, read-only for every session that uses it."""
    return conninfo(seeded.info.dbname) + " options='-c default_transaction_read_only=on'"


@pytest.fixture
def db_url(db) -> str:
    """Connection string of the test's own seeded database."""
    return conninfo(db.info.dbname)


@pytest.fixture
def other_db_url(other_db) -> str:
    return conninfo(other_db.info.dbname)


@pytest.fixture
def empty_db_url(empty_db) -> str:
    """Connection string of a fresh database with no schema at all."""
    return conninfo(empty_db.info.dbname)


# -- process-wide state a library may change --------------------------------------------------------

_CSV_FIELD_SIZE_LIMIT = csv.field_size_limit()


@pytest.fixture(autouse=True)
def _csv_field_size_limit():
    """frictionless raises the csv module's process-wide field size limit when it is imported (by the
    data-package tests); tipdb's loader refuses over-long fields with the default one. Put it back after
    each test, so that no test depends on which tests ran before it in the same worker."""
    yield
    if csv.field_size_limit() != _CSV_FIELD_SIZE_LIMIT:
        csv.field_size_limit(_CSV_FIELD_SIZE_LIMIT)


# -- the order tests are handed out in -------------------------------------------------------------

# Tests that take seconds (measured with --durations), so that they start first, each worker with its
# share, and the short ones fill in at the end. Only the order depends on this list: a test missing
# from it just starts later. A parametrized test's ids all match its name.
_SLOW = {
    "test_migrations.py::test_each_migration_rolls_back_and_reapplies_on_seeded_data": 6.0,
    "test_security.py::test_programs_the_server_user_cannot_reach_are_copied_not_opened": 4.0,
    "test_cli.py::test_up_on_the_embedded_default_as_a_user_would": 4.5,
    "test_concurrency.py::test_two_ups_at_once_share_one_server": 4.0,
    "test_fuzz_loader.py::test_corrupted_seed_files_are_refused_and_change_nothing": 3.0,
    "test_concurrency.py::test_two_loaders_at_once_end_like_one": 3.0,
    "test_errors.py::test_queries_after_rollback_all_say_to_run_up": 2.8,
    "test_errors.py::test_read_only_role_gets_messages_and_no_partial_files": 2.3,
    "test_refresh.py::": 2.0,
    "test_migrations.py::": 1.5,
    "test_errors.py::test_unexpected_exceptions_are_internal_errors_with_a_traceback_only_on_request": 1.6,
    "test_charts_exports.py::test_history_chart_labels_countries_tiers_years_and_source": 1.4,
    "test_errors.py::test_out_of_memory": 1.4,
    "test_concurrency.py::test_a_loader_killed_mid_load_leaves_nothing": 1.3,
    "test_charts_exports.py::test_exported_data_package_is_valid": 1.2,
}


def _estimate(item) -> float:
    name = item.nodeid.split("/")[-1].split("[")[0]
    return max((s for prefix, s in _SLOW.items() if name.startswith(prefix)), default=0.0)


@pytest.hookimpl(trylast=True)  # after pytest's own grouping by fixture parameters
def pytest_collection_modifyitems(session, config, items):
    """Under --dist worksteal, worker k first gets the k-th contiguous share of the collection and later
    steals from the end of another's. Arrange the collection so that each share starts with its part of
    the slow tests (longest first, spread evenly), and each of test_security's served homes (a cold
    `tipdb up` in its module-scoped fixture) is one block at the start of one share, set up once."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 0) or 0)
    if workers < 2 or os.environ.get("TIPDB_TEST_DIST") != "worksteal":  # the controller's --dist
        return
    blocks: dict[str, list] = {}
    for item in items:
        callspec = getattr(item, "callspec", None)
        home = callspec.id.split("-home")[0] if callspec and item.nodeid.split("/")[-1].startswith("test_security.py") \
            and "-home" in callspec.id else None
        key = f"served:{home}" if home else item.nodeid
        blocks.setdefault(key, []).append(item)
    cost = {key: (sum(_estimate(i) for i in block) + (8.0 if key.startswith("served:") else 0.0)) for key, block in
            blocks.items()}
    heavy = sorted((k for k in blocks if cost[k] > 0), key=lambda k: -cost[k])
    light = [k for k in blocks if cost[k] == 0]
    shares: list[list] = [[] for _ in range(workers)]
    load = [0.0] * workers
    for key in heavy:  # longest first, each to the share with the least so far
        k = min(range(workers), key=load.__getitem__)
        shares[k].extend(blocks[key])
        load[k] += cost[key]
    # Sizes of the shares worksteal hands out: what is left, divided by the workers left.
    sizes, left = [], len(items)
    for k in range(workers):
        sizes.append(left // (workers - k))
        left -= sizes[-1]
    rest = [item for key in light for item in blocks[key]]
    if any(len(share) > size for share, size in zip(shares, sizes)):
        return  # heavy tests alone overfill a share: keep pytest's order
    for share, size in zip(shares, sizes):
        take = size - len(share)
        share.extend(rest[:take])
        del rest[:take]
    items[:] = [item for share in shares for item in share]
