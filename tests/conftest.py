"""Test databases: pytest-postgresql's `noproc` fixtures on a real PostgreSQL server.

Without DATABASE_URL the server is tipdb's own embedded one, started in a throwaway
TIPDB_HOME by each process that runs tests (pytest-postgresql's `postgresql_proc` cannot work
here: initdb refuses root). A template database is migrated and seeded once per process; every
test gets a fresh clone of it.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pytest_postgresql import factories
from pytest_postgresql.janitor import DatabaseJanitor

SERVER: dict = {}


def _runs_tests(config) -> bool:
    # The xdist controller only hands tests to its workers; it needs no server of its own.
    return hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None)


def pytest_configure(config):
    if not _runs_tests(config):
        return
    url = os.environ.get("DATABASE_URL")
    if os.geteuid() == 0 and not os.environ.get("TIPDB_SERVER_ROOT"):
        # Under root, data directories live outside TIPDB_HOME (see embedded.py): give this process's
        # tests, and the tipdb processes they start, a server root of their own, removed at the end.
        from tipdb import embedded

        embedded.server_root().mkdir(mode=0o711, parents=True, exist_ok=True)
        servers = tempfile.mkdtemp(prefix="tests-", dir=embedded.server_root())
        os.chmod(servers, 0o711)
        os.environ["TIPDB_SERVER_ROOT"] = os.environ["TIPDB_TEST_SERVER_ROOT"] = servers
    if not url:
        home = tempfile.mkdtemp(prefix="tipdb-test-")
        os.environ["TIPDB_HOME"] = home
        os.environ["TIPDB_TEST_HOME"] = home
        from tipdb import embedded

        url = embedded.start()
    params = conninfo_to_dict(url)
    SERVER.update(host=params.get("host"), port=int(params.get("port") or 5432),
                  user=params.get("user") or "postgres", password=params.get("password") or "")
    # The noproc fixtures read these options when they run.
    config.option.postgresql_host = SERVER["host"]
    config.option.postgresql_port = SERVER["port"]
    config.option.postgresql_user = SERVER["user"]
    config.option.postgresql_password = SERVER["password"]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    # Before xdist tells the controller this worker finished: the controller may then end the worker
    # process, and a clean-up in pytest_unconfigure would be cut short (leaving servers and data behind).
    if not _runs_tests(session.config):
        return
    from tipdb import embedded

    home = os.environ.get("TIPDB_TEST_HOME")
    if home:
        embedded.destroy()
        shutil.rmtree(home, ignore_errors=True)
    servers = os.environ.get("TIPDB_TEST_SERVER_ROOT")
    if servers:
        embedded.stop_all_under(servers)  # servers that tests started and left running
        shutil.rmtree(servers, ignore_errors=True)


def conninfo(dbname: str) -> str:
    return make_conninfo(dbname=dbname, **{k: v for k, v in SERVER.items() if v not in (None, "")})


def build_seeded_template(host, port, user, dbname, password=None, **_):
    """Migrate and seed the template that every test database is cloned from."""
    from tipdb import load, migrations

    url = conninfo(dbname)
    migrations.apply(url)
    load.load_seeds(url)


tipdb_server = factories.postgresql_noproc(dbname="tipdb_test", load=[build_seeded_template])
db = factories.postgresql("tipdb_server")
# A second seeded clone in the same test, to compare one process's result with another's.
other_db = factories.postgresql("tipdb_server", dbname="tipdb_test_other")

empty_server = factories.postgresql_noproc(dbname="tipdb_empty")
empty_db = factories.postgresql("empty_server")


@pytest.fixture(scope="session")
def seeded(tipdb_server):
    """One seeded clone shared by the tests that only read, opened read-only so that none can write.

    Cloning costs tens of milliseconds; a test that changes data takes `db`, its own clone.
    """
    import psycopg

    name = f"{tipdb_server.template_dbname}_shared"
    janitor = DatabaseJanitor(user=tipdb_server.user, host=tipdb_server.host, port=tipdb_server.port,
                              password=tipdb_server.password, dbname=name,
                              template_dbname=tipdb_server.template_dbname)
    with janitor:
        with psycopg.connect(conninfo(name), options="-c default_transaction_read_only=on") as conn:
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
