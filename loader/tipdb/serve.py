"""Opening the embedded database to BI tools: a TCP listener and a password login for `tip_reader`.

Only loopback addresses are served unless the caller explicitly allows a public one. The
password is generated once, kept in $TIPDB_HOME with owner-only permissions, and reaches the
server only as a SCRAM verifier computed on the client, so it never appears in a server log.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from urllib.parse import quote

from psycopg import sql

from tipdb import database, embedded
from tipdb.errors import ConnectionProblem, TipdbError

READER = "tip_reader"
LOOPBACK_NAMES = {"localhost"}


class ServeRefused(TipdbError):
    """`tipdb serve` was asked for something unsafe or impossible."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def reader_password() -> str:
    path = embedded.home() / "tip_reader.password"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def serve(host: str, port: int, allow_public: bool = False) -> str:
    """Listen on host:port for `tip_reader`; return the connection URL that a BI tool should use."""
    if not database.is_embedded():
        raise ServeRefused("DATABASE_URL or PG* variables name another server; configure its listeners there")
    if not is_loopback(host) and not allow_public:
        raise ServeRefused(f"{host} is not a loopback address; pass --allow-public to serve it on purpose")
    password = reader_password()
    with database.connect() as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER]).fetchone() is None:
            raise ConnectionProblem("role tip_reader does not exist yet; run `tipdb up` first")
        verifier = conn.pgconn.encrypt_password(password.encode(), READER.encode(), b"scram-sha-256").decode()
        conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(sql.Identifier(READER),
                                                                            sql.Literal(verifier)))
        conn.commit()
    network = "samenet" if host in LOOPBACK_NAMES else None
    if network is None:
        address = ipaddress.ip_address(host)
        network = f"{address}/{address.max_prefixlen}"
    rules = [f"host {embedded.DATABASE} {READER} {network} scram-sha-256"]
    if host == "localhost":
        rules = [f"host {embedded.DATABASE} {READER} 127.0.0.1/32 scram-sha-256",
                 f"host {embedded.DATABASE} {READER} ::1/128 scram-sha-256"]
    if allow_public and not is_loopback(host):
        rules = [f"host {embedded.DATABASE} {READER} all scram-sha-256"]
    embedded.listen(host, port, rules)
    shown = f"[{host}]" if ":" in host else host
    return f"postgresql://{READER}:{quote(password, safe='')}@{shown}:{port}/{embedded.DATABASE}"
