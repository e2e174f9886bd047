"""Opening the embedded database to BI tools: a TCP listener and a password login for `tip_reader`.

Only loopback addresses are served unless the caller explicitly allows a public one. The
password is generated once and kept in $TIPDB_HOME/tip_reader.password (mode 0600; a symbolic
link or an empty file is refused). It reaches the server only as a SCRAM verifier computed on the
client, so it never appears in a server log. PostgreSQL lets every role change its own password,
so each `tipdb serve` checks the stored verifier against the file and restores it if a reader
changed it. Serving again on the same address and port restarts nothing: open connections stay.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tipdb import database, embedded
from tipdb.errors import ConnectionProblem, TipdbError

READER = "tip_reader"
LOOPBACK_NAMES = {"localhost"}
PASSWORD_FILE = "tip_reader.password"


class ServeRefused(TipdbError):
    """`tipdb serve` was asked for something unsafe or impossible."""


@dataclass
class Served:
    url: str
    restarted: bool
    notes: list[str] = field(default_factory=list)


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The IP addresses `host` stands for; ServeRefused if it names none."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    import socket

    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ServeRefused(f"cannot resolve the host {host!r} ({reason}); give an IP address "
                           "or a name this machine resolves") from None
    return sorted({ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos}, key=str)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def password_path() -> Path:
    return embedded.home() / PASSWORD_FILE


def reader_password(notes: list[str] | None = None) -> str:
    """The reader's password from its file, created (0600) on first use.

    A symbolic link, a non-regular file or an empty file is refused; a file others may read is
    tightened to 0600 and reported in `notes`.
    """
    path = password_path()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        if notes is not None:
            notes.append(f"generated a new password for tip_reader in {path}")
        return _new_password(path)
    except OSError as exc:
        if path.is_symlink():
            raise ConnectionProblem(f"{path} is a symbolic link; tipdb refuses to follow it. Delete it "
                                    "and run `tipdb serve` again to create a new password") from None
        raise ConnectionProblem(f"cannot read {path}: {exc.strerror}") from exc
    with os.fdopen(fd) as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ConnectionProblem(f"{path} is not a regular file; delete it and run `tipdb serve` again")
        if st.st_uid != os.geteuid():
            raise ConnectionProblem(f"{path} belongs to another user; delete it and run `tipdb serve` again")
        if st.st_mode & 0o077:
            os.fchmod(handle.fileno(), 0o600)
            if notes is not None:
                notes.append(f"{path} was readable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
                             "made it 0600. Consider the password known and delete the file to get a new one")
        password = handle.read(4096).strip()
    if not password or any(c.isspace() for c in password):
        raise ConnectionProblem(f"{path} holds no usable password; delete it and run `tipdb serve` "
                                "again to create a new one")
    return password


def _new_password(path: Path) -> str:
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    password = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def _scram_matches(verifier: str | None, password: str) -> bool:
    """Whether a stored SCRAM-SHA-256 verifier belongs to `password` (RFC 5802; ASCII passwords)."""
    import base64
    import hashlib
    import hmac

    try:
        method, rest = verifier.split("$", 1)
        iterations_salt, keys = rest.split("$", 1)
        iterations, salt = iterations_salt.split(":", 1)
        stored_key = keys.split(":", 1)[0]
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except (AttributeError, ValueError):
        return False
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and hmac.compare_digest(
        base64.b64encode(hashlib.sha256(client_key).digest()).decode(), stored_key)


def _set_reader_password(conn, password: str, notes: list[str]) -> None:
    """Give tip_reader the file's password, unless it has it already (then nothing changes)."""
    from psycopg import sql

    row = conn.execute("SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = %s", [READER]).fetchone()
    if row is None:
        raise ConnectionProblem("role tip_reader does not exist yet; run `tipdb up` first")
    verifier, can_login = row
    if can_login and _scram_matches(verifier, password):
        return
    if verifier is not None and not any(note.startswith("generated a new password") for note in notes):
        notes.append("tip_reader's password had been changed inside the database (any role may change its "
                     f"own); restored the one in {password_path()}")
    new = conn.pgconn.encrypt_password(password.encode(), READER.encode(), b"scram-sha-256").decode()
    conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(sql.Identifier(READER), sql.Literal(new)))
    conn.commit()


# tip_reader's session defaults in the tipdb database as migration 0017 sets them (README: Security).
READER_DEFAULTS = {"search_path": "analytics", "statement_timeout": "60s",
                   "idle_in_transaction_session_timeout": "60s", "default_transaction_read_only": "on"}


def _report_changed_limits(conn, notes: list[str]) -> None:
    """Note tip_reader's session defaults that differ from the documented ones.

    Any role may change its own defaults (ALTER ROLE ... SET), so a reader may have lifted them;
    so may you, on purpose. tipdb cannot tell which, so it says so rather than undoing it.
    """
    rows = conn.execute(
        "SELECT s.setdatabase = 0, unnest(s.setconfig) FROM pg_db_role_setting s "
        "JOIN pg_roles r ON r.oid = s.setrole AND r.rolname = %s "
        "WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))",
        [READER]).fetchall()
    conn.rollback()
    effective: dict[str, str] = {}
    for _, item in sorted(rows, key=lambda r: not r[0]):  # role-wide first: the database's own settings win
        name, _, value = item.partition("=")
        effective[name] = value
    changed = {k: effective.get(k) for k, v in READER_DEFAULTS.items() if effective.get(k) != v}
    if changed:
        shown = ", ".join(f"{k} = {v if v is not None else '(unset)'} (documented: {READER_DEFAULTS[k]})"
                          for k, v in changed.items())
        notes.append(f"tip_reader's session defaults differ from the documented ones: {shown}. If you did not "
                     "change them, a reader did (any role may); restore one with: psql \"$(tipdb url)\" -c "
                     "\"ALTER ROLE tip_reader IN DATABASE tipdb SET statement_timeout = '60s'\"")


def _rules(host: str, allow_public: bool) -> list[str]:
    target = f"host {embedded.DATABASE} {READER} {{}} scram-sha-256"
    if allow_public and not is_loopback(host):
        return [target.format("all")]
    # Clients of a loopback listener connect from a loopback address.
    return [target.format("127.0.0.0/8"), target.format("::1/128")]


def serve(host: str, port: int, allow_public: bool = False) -> Served:
    """Listen on host:port for `tip_reader`; return the URL that a BI tool should use.

    When the server listens there already, it is not restarted (open connections stay); the
    access rules are reloaded and the reader's password checked.
    """
    if not database.is_embedded():
        raise ServeRefused("DATABASE_URL or PG* variables name another server; configure its listeners there")
    addresses = _addresses(host)
    loopback = is_loopback(host) or all(a.is_loopback for a in addresses)
    if not loopback and not allow_public:
        raise ServeRefused(f"{host} is not a loopback address; pass --allow-public to serve it on purpose")
    if not 0 < port < 65536:
        raise ServeRefused(f"--port {port} is not a TCP port (1-65535)")
    notes: list[str] = []
    password = reader_password(notes)
    with database.connect(embedded.start()) as conn:
        _set_reader_password(conn, password, notes)
        _report_changed_limits(conn, notes)
    _, restarted = embedded.listen(host, port, _rules(host, allow_public and not loopback))
    return Served(_reader_url(host, port, password), restarted, notes)


def _reader_url(host: str, port: int, password: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"postgresql://{READER}:{quote(password, safe='')}@{shown}:{port}/{embedded.DATABASE}"


def reader_url() -> str:
    """The URL for tip_reader of the server `tipdb serve` opened; ConnectionProblem if it is not serving."""
    if not database.is_embedded():
        raise ServeRefused("DATABASE_URL or PG* variables name another server; tipdb knows no reader URL for it")
    listening = embedded.listening()
    if listening is None or not password_path().exists():
        raise ConnectionProblem("the embedded server does not listen on TCP; run `tipdb serve` first")
    host, port = listening
    return _reader_url(host, port, reader_password())
