"""Results as the output formats want them: typed, described columns over rows streamed from the server.

Types are the database's own (from the cursor's description) and descriptions are the comments on
the columns the result comes from (from the result's origin table and column, which for a view's
column is the view), so an export says what the database says.
"""

from __future__ import annotations

from psycopg import sql

from tipdb.errors import QueryProblem
from tipdb.output import Column, Result

# Rows travel from the server in batches of this many: memory stays flat however large a view is.
BATCH_ROWS = 2000
# Types every output format can carry; other columns of a view (e.g. a tsvector) are left out of exports.
EXPORTABLE_TYPES = ("int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar", "bpchar", "bool",
                    "date", "timestamp", "timestamptz")
_DESCRIPTIONS = """
SELECT CASE WHEN t = 0 THEN NULL ELSE col_description(t, c) END
FROM unnest(%s::oid[], %s::int[]) WITH ORDINALITY AS u(t, c, n) ORDER BY n
"""


def streaming_cursor(conn):
    """A server-side cursor: rows are fetched BATCH_ROWS at a time while they are written."""
    cursor = conn.cursor(name="tipdb_output")
    cursor.itersize = BATCH_ROWS
    return cursor


def result_of(conn, cursor, sorted_by: list[str] | None = None) -> Result:
    """The executed `cursor` as a Result; its rows are read as the Result is written."""
    if cursor.description is None:
        return Result([], iter(()))
    types = conn.adapters.types
    columns = []
    for column in cursor.description:
        info = types.get(column.type_code)
        columns.append(Column(column.name, info.name if info else "text"))
    pgresult = cursor.pgresult
    origins = ([pgresult.ftable(i) for i in range(pgresult.nfields)],
               [pgresult.ftablecol(i) for i in range(pgresult.nfields)])

    def describe() -> list[Column]:
        """The columns with the comments on the columns they come from (for a view's column: the view's)."""
        if not any(origins[0]):
            return columns
        comments = [r[0] for r in conn.execute(_DESCRIPTIONS, origins)]
        return [column._replace(description=comment) for column, comment in zip(columns, comments)]

    return Result(columns, cursor, sorted_by or [], describe)


def analytics_views(conn) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY 1")]


def view_result(conn, name: str) -> Result:
    """Every row of the analytics view NAME, sorted by its columns in order (which begin with its key)."""
    views = analytics_views(conn)
    if name not in views:
        raise QueryProblem(f"no analytics view named {name!r}; views: {', '.join(views)}")
    columns = [r[0] for r in conn.execute(
        "SELECT a.attname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped AND t.typname = ANY(%s) "
        "ORDER BY a.attnum",
        [sql.Identifier("analytics", name).as_string(conn), list(EXPORTABLE_TYPES)])]
    identifiers = [sql.Identifier(c) for c in columns]
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(identifiers), sql.Identifier("analytics", name), sql.SQL(", ").join(identifiers))
    cursor = streaming_cursor(conn)
    cursor.execute(query)
    return result_of(conn, cursor, columns)
