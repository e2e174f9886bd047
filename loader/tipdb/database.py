"""Resolving which database to use and opening connections to it.

Order: `DATABASE_URL`; else the standard libpq `PG*` variables; else the embedded server.
Everything outside this module and `embedded.py` just receives a URL or a connection.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tipdb.errors import ConnectionProblem

if TYPE_CHECKING:
    import psycopg

# Any of these means the user has pointed libpq at a server of their own.
_LIBPQ_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE", "PGUSER")


def configured_url() -> str | None:
    """The connection the user named, or None when tipdb should use its embedded server.

    With only `PG*` variables set the URL is empty: libpq fills every field from them.
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    if any(os.environ.get(name) for name in _LIBPQ_VARIABLES):
        return ""
    return None


def is_embedded() -> bool:
    return configured_url() is None


def url(meanwhile=None, setup: bool = False) -> str:
    """The URL to connect to, starting the embedded server first if it is the one in use.

    `meanwhile`: the caller's own work, run while the embedded server is created or started, if it is
    (see `embedded.start`); the caller still does that work itself afterwards when nothing was started.
    `setup`: the caller sets the database up (`tipdb up`): the embedded tipdb database is made if missing.
    """
    configured = configured_url()
    if configured is not None:
        return configured
    from tipdb import embedded

    return embedded.start(meanwhile, setup)


def connect(target: str | None = None, **kwargs) -> "psycopg.Connection":
    """Open a connection to `target`, or to the resolved database when no target is given."""
    import psycopg  # imported here: reaching the embedded server's URL needs no driver

    conninfo = url() if target is None else target
    try:
        return psycopg.connect(conninfo, **kwargs)
    except psycopg.OperationalError as exc:
        shown = conninfo or "the server named by the PG* environment variables"
        raise ConnectionProblem(f"cannot connect to {shown}: {exc}".strip()) from exc
    except psycopg.ProgrammingError as exc:  # the string itself cannot be parsed
        raise ConnectionProblem(f"DATABASE_URL is not a connection string libpq understands ({exc}); "
                                "write it as postgresql://user@host:port/dbname") from exc
