"""Loading throughput: tipdb's loader against a raw COPY into an identical table, same run, same server.

    python benchmarks/load_throughput.py [ROWS ...]      (default: 10000 100000 1000000)

For each size, synthetic rankings (synthetic countries and report years, in a throwaway database)
are written to a CSV file in the seed format, then
  1. loaded by tipdb (validate while streaming, COPY into staging, reference checks, merge), and
  2. COPYed raw (the same rows with the keys already resolved) into a table with the same
     columns, constraints and indexes as tip.ranking.
It prints rows per second for both, their ratio, the loader's peak memory (it must stream), and how
long the refresh of the placement history (tip.ranking_history, part of every load that changes
rows) takes on its own.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, synthetic_codes, throwaway_database  # noqa: E402

YEARS = list(range(2001, 2101))
TIERS = ["1", "2", "2WL", "3", "special_case"]
SOURCE = "Synthetic benchmark row, not data"


def reference_files(directory: Path, countries: int) -> list[Path]:
    codes = synthetic_codes(countries)
    countries_csv = directory / "countries.csv"
    with countries_csv.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["iso3", "name", "region", "subregion"])
        w.writerows([code, f"Synthetic {code}", "Synthetic", "Synthetic"] for code in codes)
    names_csv = directory / "country_names.csv"
    with names_csv.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name_in_report", "canonical_name", "iso3"])
        w.writerows([f"Synthetic {code}", f"Synthetic {code}", code] for code in codes)
    reports_csv = directory / "reports.csv"
    with reports_csv.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["report_year", "release_date", "reporting_period_start", "reporting_period_end",
                    "countries_ranked", "source"])
        w.writerows([y, f"{y}-06-30", "", "", "", SOURCE] for y in YEARS)
    return [countries_csv, names_csv, reports_csv]


def rankings_file(path: Path, rows: int, countries: int) -> None:
    codes = synthetic_codes(countries)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["report_year", "country", "tier", "source"])
        for n in range(rows):
            w.writerow([YEARS[n // countries], f"Synthetic {codes[n % countries]}", TIERS[n % 5], SOURCE])


def raw_copy(url: str, path: Path, countries: int) -> float:
    """COPY the same rows, keys already resolved, into a twin of tip.ranking."""
    codes = synthetic_codes(countries)
    resolved = path.with_suffix(".resolved.csv")
    with psycopg.connect(url, autocommit=True) as conn:
        source_id = conn.execute("SELECT source_id FROM tip.source WHERE citation = %s", [SOURCE]).fetchone()[0]
        run_id = conn.execute("SELECT max(load_run_id) FROM tip.load_run").fetchone()[0]
        conn.execute("DROP TABLE IF EXISTS tip.ranking_raw")
        conn.execute("CREATE TABLE tip.ranking_raw (LIKE tip.ranking INCLUDING ALL)")
        for column, target in (("report_year", "tip.report"), ("iso3", "tip.country"), ("tier_code", "tip.tier"),
                               ("source_id", "tip.source"), ("load_run_id", "tip.load_run")):
            conn.execute(f"ALTER TABLE tip.ranking_raw ADD FOREIGN KEY ({column}) REFERENCES {target}")
    rows = sum(1 for _ in path.open()) - 1
    with resolved.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for n in range(rows):
            w.writerow([YEARS[n // countries], codes[n % countries], TIERS[n % 5], source_id, run_id])
    with psycopg.connect(url) as conn:
        start = time.perf_counter()
        with conn.cursor().copy("COPY tip.ranking_raw FROM STDIN (FORMAT csv)") as copy:
            with resolved.open("rb") as f:
                while block := f.read(1 << 20):
                    copy.write(block)
        conn.commit()
        return time.perf_counter() - start


def tipdb_load(url: str, path: Path) -> tuple[float, int]:
    """Time the loader in its own process, to measure its peak memory too."""
    code = (
        "import resource, sys, time; from pathlib import Path; from tipdb import load;"
        "t = time.perf_counter(); load.load_files(sys.argv[1], [Path(sys.argv[2])]);"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, url, str(path)], check=True, capture_output=True, text=True)
    seconds, peak_kib = out.stdout.split()
    return float(seconds), int(peak_kib)


def main(sizes: list[int]) -> None:
    from tipdb import migrations, load

    RESULTS.mkdir(parents=True, exist_ok=True)
    work = RESULTS / "load"
    work.mkdir(exist_ok=True)
    report = []
    for rows in sizes:
        countries = min(17_576, max(100, rows // len(YEARS) + 1))
        with throwaway_database("bench_load") as url:
            migrations.apply(url)
            load.load_files(url, reference_files(work, countries))
            path = work / f"rankings_{rows}.csv"
            rankings_file(path, rows, countries)
            tipdb_seconds, peak_kib = tipdb_load(url, path)
            with psycopg.connect(url, autocommit=True) as conn:  # part of every load that changes rows
                refresh_seconds = time.perf_counter()
                conn.execute("REFRESH MATERIALIZED VIEW tip.ranking_history")
                refresh_seconds = time.perf_counter() - refresh_seconds
            raw_seconds = raw_copy(url, path, countries)
            size_mb = path.stat().st_size / 1e6
        entry = {
            "rows": rows,
            "file_mb": round(size_mb, 1),
            "tipdb_rows_per_s": round(rows / tipdb_seconds),
            "raw_copy_rows_per_s": round(rows / raw_seconds),
            "ratio": round(raw_seconds / tipdb_seconds, 3),
            "tipdb_s": round(tipdb_seconds, 3),
            "raw_copy_s": round(raw_seconds, 3),
            "loader_peak_rss_mb": round(peak_kib / 1024, 1),
            "history_refresh_s": round(refresh_seconds, 3),
            "ratio_without_refresh": round(raw_seconds / (tipdb_seconds - refresh_seconds), 3),
        }
        report.append(entry)
        print(json.dumps(entry), flush=True)
    (RESULTS / "load_throughput.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
