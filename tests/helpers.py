"""Small helpers shared by tests."""

from __future__ import annotations

from pathlib import Path


def table_checksums(conn, schemas=("tip",)) -> dict[str, str]:
    """An md5 of every table's full contents, to prove a database did not change."""
    tables = conn.execute(
        "SELECT format('%%I.%%I', schemaname, relname) FROM pg_stat_user_tables "
        "WHERE schemaname = ANY(%s) ORDER BY 1", [list(schemas)]
    ).fetchall()
    return {
        t: conn.execute(f"SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM {t} x").fetchone()[0]
        for (t,) in tables
    }


def write_csv(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def query_rows(conn, name: str, **params) -> list[dict]:
    """Run a canned query with parameters given as keywords; rows as dicts."""
    from tipdb import queries

    columns, rows = queries.run(conn, queries.get(name), {k: str(v) for k, v in params.items()})
    return [dict(zip(columns, row)) for row in rows]


def module_clone(tipdb_server, suffix: str):
    """A seeded clone shared by one module's tests (on each worker), for tests that must change nothing.

    Each test still checks that it changed nothing, so one that did fails; a clone per test costs more
    than such tests themselves. Use as a module-scoped fixture: `yield from module_clone(tipdb_server, "x")`.
    """
    import psycopg

    from conftest import conninfo

    name = tipdb_server.clone(suffix)
    try:
        with psycopg.connect(conninfo(name)) as conn:
            yield conn
    finally:
        tipdb_server.drop(name)
