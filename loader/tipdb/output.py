"""Rendering result rows as a table for people, or CSV / JSON for pipes."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
from typing import TextIO

FORMATS = ("table", "csv", "json")
# Long citations would make a table unreadable; CSV and JSON keep every character.
TABLE_CELL_WIDTH = 60


def plain(value):
    """A value as JSON and CSV want it: dates as ISO strings, whole decimals as integers."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _cell(value) -> str:
    text = "" if value is None else str(plain(value))
    return text if len(text) <= TABLE_CELL_WIDTH else text[: TABLE_CELL_WIDTH - 1] + "…"


def render(columns: list[str], rows: list[tuple], fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[plain(v) for v in row] for row in rows])
    elif fmt == "json":
        json.dump([{c: plain(v) for c, v in zip(columns, row)} for row in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "table":
        from tabulate import tabulate  # installed with yoyo-migrations

        shown = [[_cell(v) for v in row] for row in rows]
        out.write(tabulate(shown, headers=columns, tablefmt="simple", disable_numparse=True) + "\n")
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
