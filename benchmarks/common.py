"""Helpers shared by the benchmark scripts: a throwaway database, timing statistics, synthetic data.

Synthetic rows are clearly separate from the real data: they live only in throwaway databases
(named bench_*) on the embedded server of a throwaway TIPDB_HOME, and their names say "Synthetic".
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import statistics
import string
import tempfile
from pathlib import Path

import psycopg

RESULTS = Path(__file__).resolve().parent / "results"


@contextlib.contextmanager
def throwaway_database(name: str):
    """A new empty database on an embedded server of the benchmarks' own (a temporary TIPDB_HOME,
    so they never touch a user's database); the database is dropped and the server stopped afterwards."""
    from tipdb import embedded

    home = tempfile.mkdtemp(prefix="tipdb-bench-")
    previous = os.environ.get("TIPDB_HOME")
    os.environ["TIPDB_HOME"] = home
    try:
        with _database(embedded.start(), name) as url:
            yield url
    finally:
        embedded.destroy()  # stops it and, under root, removes the data kept outside TIPDB_HOME
        shutil.rmtree(home, ignore_errors=True)
        if previous is None:
            del os.environ["TIPDB_HOME"]
        else:
            os.environ["TIPDB_HOME"] = previous


@contextlib.contextmanager
def _database(server: str, name: str):
    maintenance = server.replace("@/tipdb?", "@/postgres?")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield server.replace("@/tipdb?", f"@/{name}?")
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "runs": len(seconds),
        "median": statistics.median(seconds),
        "p95": p95,
        "min": ordered[0],
        "max": ordered[-1],
    }


def synthetic_codes(count: int, exclude: set[str] = frozenset()) -> list[str]:
    """Distinct three-letter codes, for synthetic countries in throwaway databases."""
    codes = ("".join(c) for c in itertools.product(string.ascii_uppercase, repeat=3))
    return list(itertools.islice((c for c in codes if c not in exclude), count))
