"""Exporting an analytics view or a canned query's result as CSV, JSON Lines or Parquet.

Parquet needs the optional extra `tipdb[export]` (pyarrow).
"""

from __future__ import annotations

import json
from pathlib import Path

from psycopg import sql

from tipdb import output, queries
from tipdb.errors import MissingExtra, QueryProblem

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}


def analytics_views(conn) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY 1")]


def view_rows(conn, name: str) -> tuple[list[str], list[tuple]]:
    views = analytics_views(conn)
    if name not in views:
        raise QueryProblem(f"no analytics view named {name!r}; views: {', '.join(views)}")
    columns = [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = %s "
        "AND data_type <> 'tsvector' ORDER BY ordinal_position", [name])]
    cursor = conn.execute(sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier("analytics", name)))
    return columns, cursor.fetchall()


def query_rows(conn, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple]]:
    return queries.run(conn, queries.get(name), params)


def format_for(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    if path.suffix.lower() not in FORMATS:
        raise QueryProblem(f"{path}: name the format with --format, or end the file name with "
                           + ", ".join(FORMATS))
    return FORMATS[path.suffix.lower()]


def write(columns: list[str], rows: list[tuple], path: Path, fmt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            output.render(columns, rows, "csv", handle)
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps({c: output.plain(v) for c, v in zip(columns, row)}, ensure_ascii=False) + "\n")
    elif fmt == "parquet":
        try:
            import pyarrow
            import pyarrow.parquet
        except ImportError as exc:
            raise MissingExtra("Parquet files", "export") from exc
        table = pyarrow.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})
        pyarrow.parquet.write_table(table, path)
    else:
        raise QueryProblem(f"unknown format {fmt!r}; choose csv, jsonl or parquet")
    return path



