"""What `tipdb status` reports: the migrations, the rows per core table and the coverage per report year.

Only reads, so that it works for the read-only role and never waits for a loader or migration.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from tipdb import catalog, migrations
from tipdb.output import Column, Result

_TABLES = ("SELECT format('%I.%I', schemaname, relname), schemaname, relname FROM pg_stat_user_tables WHERE schemaname = 'tip' "
           "AND has_table_privilege(relid, 'SELECT') ORDER BY relname")


@dataclass
class Section:
    title: str
    result: Result


_BOOKKEEPING_VISIBLE = "SELECT to_regnamespace('yoyo') IS NULL OR has_schema_privilege('yoyo', 'USAGE')"


def sections(conn, url: str) -> tuple[list[Section], bool]:
    """The report's sections, and whether every migration is applied (if not, only the first section).

    A role that cannot see the migration records (the read-only tip_reader) gets the rest of the report.
    """
    columns = [Column("migration"), Column("applied_at")]
    if conn.execute(_BOOKKEEPING_VISIBLE).fetchone()[0]:
        states = migrations.status(url)
        listed = Section("migrations", Result(
            columns, [(s.migration_id, s.applied_at.isoformat(sep=" ") if s.applied_at else "pending")
                      for s in states]))
        if not all(s.applied_at for s in states):
            return [listed], False
    else:
        listed = Section("migrations", Result(columns, [("(not visible to this role)", "")]))
    counts = []
    for shown, schema, table in conn.execute(_TABLES).fetchall():
        rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))).fetchone()[0]
        counts.append((shown, rows))
    tables = Section("rows per table", Result([Column("table"), Column("rows", "int8")], counts))
    cursor = conn.execute("SELECT * FROM analytics.coverage ORDER BY report_year")
    coverage = Section("coverage per report year", catalog.result_of(conn, cursor, ["report_year"]))
    return [listed, tables, coverage], True

