"""The loader against the real floor: a whole `tipdb load FILE` process vs COPY into the keys-only table
followed by adding the foreign keys in bulk, into the same final schema, same server, same run.

    python benchmarks/load_throughput.py [--rows 1000000 ...] [--repeat 3]

For each size, synthetic placements (synthetic countries "Synthetic AAA"... and report years
2001-2100, in throwaway databases on a throwaway server) are written to a CSV file in the seed
format. Two databases are cloned from one template (migrated; synthetic countries and spellings
loaded by tipdb; the synthetic reports written directly) for every repeat:

  tipdb  `tipdb load FILE` as its own process (DATABASE_URL names the clone): the time from fork to
         exit, and that process's own peak RSS (wait4's ru_maxrss; the server's memory is not in it).
  floor  the same rows, keys already resolved to what tipdb stores, loaded by one `psql` process:
         BEGIN; \\copy into tip.ranking with its five foreign keys dropped beforehand (primary key,
         NOT NULLs and index kept: the keys-only table); ALTER TABLE ... ADD CONSTRAINT for each
         foreign key with its original definition (validated by PostgreSQL); COMMIT.
         The floor does not refresh tip.ranking_history; tipdb does (its share is printed).
  floor + history  context, not the yardstick: the floor's script also recomputing tip.ranking_history
         whole (`tip.refresh_ranking_history(NULL)`) before COMMIT, what the derived history costs in bulk.

Both end with the same rows and the same constraints on tip.ranking (checked). The goal is
floor / tipdb >= 0.3, printed as tipdb / floor <= 3.33. With log_min_duration_statement on the tipdb
clone, the statements of the load that took 100 ms or more are read back from the server log:
the phases of tipdb's time.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (RESULTS, TIPDB, goal, recorded, run, summary, synthetic_codes,  # noqa: E402
                    throwaway_server, user_env)

YEARS = list(range(2001, 2101))
TIERS = ["1", "2", "2WL", "3", "special_case"]
SOURCE = "Synthetic benchmark row, not data"
FOREIGN_KEYS = ("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'tip.ranking'::regclass AND contype = 'f' ORDER BY conname")
SHAPE = ("SELECT array_agg(conname || ' ' || pg_get_constraintdef(oid) ORDER BY conname) FROM pg_constraint "
         "WHERE conrelid = 'tip.ranking'::regclass")
_DURATION = re.compile(r"duration: ([\d.]+) ms\s+(?:statement|execute [^:]*|bind [^:]*|parse [^:]*): (.*)")


def _header(name: str) -> list[str]:
    """The header of a seed file of this name, so synthetic files follow the current seed formats."""
    from tipdb import paths

    with (paths.seeds_dir() / name).open(newline="") as f:
        return next(csv.reader(f))


def _synthetic(path: Path, rows) -> Path:
    """Write `rows` (dicts by column) under the header of the seed file of the same name; other columns empty."""
    header = _header(path.name)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows([row.get(column, "") for column in header] for row in rows)
    return path


def reference_files(directory: Path, countries: int) -> list[Path]:
    codes = synthetic_codes(countries)
    return [
        _synthetic(directory / "countries.csv", ({"iso3": c, "name": f"Synthetic {c}", "region": "Africa",
                                                   "subregion": "Synthetic", "source": SOURCE} for c in codes)),
        _synthetic(directory / "country_names.csv", ({"name_in_report": f"Synthetic {c}",
                                                       "canonical_name": f"Synthetic {c}", "iso3": c} for c in codes)),
    ]


SYNTHETIC_REPORTS = """
WITH source AS (INSERT INTO tip.source (citation) VALUES (%(source)s)
                ON CONFLICT (citation_md5) DO UPDATE SET citation = EXCLUDED.citation RETURNING source_id)
INSERT INTO tip.report (report_year, release_date, source_id, load_run_id)
SELECT y, make_date(y, 6, 30), (SELECT source_id FROM source), (SELECT max(load_run_id) FROM tip.load_run)
FROM generate_series(%(first)s::int, %(last)s::int) AS y
"""


def synthetic_reports(url: str) -> None:
    """Reports 2001-2100, written directly: the loader takes report years up to next year only, and reports
    are not what is measured here (a million placements need more years than the 17,576 three-letter codes)."""
    with psycopg.connect(url) as conn:
        conn.execute(SYNTHETIC_REPORTS, {"source": SOURCE, "first": YEARS[0], "last": YEARS[-1]})


def write_files(directory: Path, rows: int, countries: int) -> tuple[Path, Path]:
    """The seed-format file tipdb loads, and the same rows as tipdb stores them, for the floor."""
    codes = synthetic_codes(countries)
    path = directory / f"tier_placements_{rows}.csv"
    resolved = directory / f"resolved_{rows}.csv"
    with path.open("w", newline="") as f, resolved.open("w", newline="") as g:
        w, v = csv.writer(f, lineterminator="\n"), csv.writer(g, lineterminator="\n")
        w.writerow(["report_year", "country", "tier", "source"])
        for n in range(rows):
            year, code, tier = YEARS[n // countries], codes[n % countries], TIERS[n % 5]
            w.writerow([year, f"Synthetic {code}", tier, SOURCE])
            v.writerow([year, code, tier])
    return path, resolved


def run_tipdb(server, template: str, path: Path, rows: int, explain: bool = False) -> dict:
    url = server.create("bench_load_tipdb", template)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER DATABASE bench_load_tipdb SET log_min_duration_statement = 100")
        if explain:  # plans of the statements of 250 ms or more, with row counts (slows the load: not timed)
            conn.execute("LOAD 'auto_explain'")
            for setting, value in (("session_preload_libraries", "auto_explain"),
                                   ("auto_explain.log_min_duration", "250ms"), ("auto_explain.log_analyze", "on"),
                                   ("auto_explain.log_timing", "off"), ("auto_explain.log_buffers", "on")):
                conn.execute(f"ALTER DATABASE bench_load_tipdb SET {setting} = '{value}'")
    offset = server.log.stat().st_size
    done = run([TIPDB, "load", str(path)], env=user_env(DATABASE_URL=url))
    with psycopg.connect(url) as conn:
        loaded = conn.execute("SELECT count(*) FROM tip.ranking").fetchone()[0]
        shape = conn.execute(SHAPE).fetchone()[0]
    server.drop("bench_load_tipdb")
    assert loaded == rows, f"tipdb loaded {loaded} rows, expected {rows}"
    with server.log.open(errors="replace") as log:
        log.seek(offset)
        logged = log.read()
    phases = [(float(m.group(1)) / 1000, " ".join(m.group(2).split())[:80])
              for m in map(_DURATION.search, logged.splitlines()) if m]
    if explain:
        plans = RESULTS / "load" / f"plans_{rows}.txt"
        plans.write_text(logged)
        print(f"  plans of tipdb's statements of 250 ms or more (auto_explain, untimed run): {plans}")
    return {"seconds": done.seconds, "peak_rss_mb": done.peak_rss_mb, "shape": shape, "phases": phases,
            "said": done.stderr.strip()}


def run_floor(server, template: str, resolved: Path, rows: int, work: Path, history: bool = False) -> dict:
    """The floor; with `history`, the same script then recomputes tip.ranking_history whole before COMMIT:
    not the goal's yardstick, but what the derived history that tipdb keeps up to date costs in bulk."""
    from tipdb import embedded

    url = server.create("bench_load_floor", template)
    with psycopg.connect(url, autocommit=True) as conn:
        source_id = conn.execute("INSERT INTO tip.source (citation) VALUES (%s) ON CONFLICT (citation_md5) "
                                 "DO UPDATE SET citation = EXCLUDED.citation RETURNING source_id", [SOURCE]).fetchone()[0]
        run_id = conn.execute(
            "INSERT INTO tip.load_run (file_name, file_sha256, file_kind, row_count, inserted, updated) "
            "VALUES ('floor.csv', repeat('0', 64), 'tier_placements', %s, %s, 0) RETURNING load_run_id",
            [rows, rows]).fetchone()[0]
        keys = conn.execute(FOREIGN_KEYS).fetchall()
        for name, _ in keys:  # the keys-only table: primary key, NOT NULLs and index stay
            conn.execute(f"ALTER TABLE tip.ranking DROP CONSTRAINT {name}")
    script = work / "floor.sql"
    script.write_text(
        "\\set ON_ERROR_STOP on\nBEGIN;\n"
        f"\\copy tip.ranking (report_year, iso3, tier_code) FROM '{resolved}' WITH (FORMAT csv)\n"
        # source and load run are the same for every row, as in tipdb's load: column defaults, set for the COPY only
        + "".join(f"ALTER TABLE tip.ranking ADD CONSTRAINT {name} {definition};\n" for name, definition in keys)
        + ("SELECT tip.refresh_ranking_history(NULL) \\g /dev/null\n" if history else "")
        + "COMMIT;\n"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE tip.ranking ALTER source_id SET DEFAULT {int(source_id)}, "
                     f"ALTER load_run_id SET DEFAULT {int(run_id)}")
    done = run([str(embedded.bin_dir() / "psql"), "-X", "-q", "-d", url, "-f", str(script)], env=user_env())
    with psycopg.connect(url) as conn:
        conn.execute("ALTER TABLE tip.ranking ALTER source_id DROP DEFAULT, ALTER load_run_id DROP DEFAULT")
        loaded = conn.execute("SELECT count(*) FROM tip.ranking").fetchone()[0]
        shape = conn.execute(SHAPE).fetchone()[0]
    server.drop("bench_load_floor")
    assert loaded == rows, f"floor loaded {loaded} rows, expected {rows}"
    return {"seconds": done.seconds, "shape": shape}


def phases_of(runs: list[dict]) -> list[tuple[str, float]]:
    """Median seconds per logged statement (first 80 characters), over the runs, largest first."""
    by_statement: dict[str, list[float]] = {}
    for r in runs:
        seen: dict[str, float] = {}
        for seconds, statement in r["phases"]:
            key = re.sub(r"\$\d+|\d+", "N", statement)
            seen[key] = seen.get(key, 0) + seconds
        for key, seconds in seen.items():
            by_statement.setdefault(key, []).append(seconds)
    return sorted(((k, statistics.median(v)) for k, v in by_statement.items()), key=lambda kv: -kv[1])


def main() -> None:
    from tipdb import load, migrations

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved; medians are reported")
    parser.add_argument("--explain", action="store_true",
                        help="one more, untimed tipdb load with auto_explain, its plans saved in results/load/")
    args = parser.parse_args()
    work = RESULTS / "load"
    work.mkdir(parents=True, exist_ok=True)
    with recorded("load_throughput", rows=args.rows, repeat=args.repeat) as report, throwaway_server() as server:
        for rows in args.rows:
            countries = max(100, -(-rows // len(YEARS)))
            server.create("bench_load_template")
            migrations.apply(server.database_url("bench_load_template"))
            load.load_files(server.database_url("bench_load_template"), reference_files(work, countries))
            synthetic_reports(server.database_url("bench_load_template"))
            path, resolved = write_files(work, rows, countries)
            tipdb_runs, floor_runs, history_runs = [], [], []
            for i in range(args.repeat):
                order = [("tipdb", "floor", "floor+history"), ("floor", "floor+history", "tipdb"),
                         ("floor+history", "tipdb", "floor")][i % 3]
                for which in order:
                    if which == "tipdb":
                        tipdb_runs.append(run_tipdb(server, "bench_load_template", path, rows))
                    elif which == "floor":
                        floor_runs.append(run_floor(server, "bench_load_template", resolved, rows, work))
                    else:
                        history_runs.append(run_floor(server, "bench_load_template", resolved, rows, work, history=True))
                print(f"  {rows:,} rows, run {i + 1}: tipdb {tipdb_runs[-1]['seconds']:.2f} s "
                      f"(peak RSS {tipdb_runs[-1]['peak_rss_mb']:.1f} MB), floor {floor_runs[-1]['seconds']:.2f} s, "
                      f"floor + history {history_runs[-1]['seconds']:.2f} s", flush=True)
            if args.explain:
                run_tipdb(server, "bench_load_template", path, rows, explain=True)
            server.drop("bench_load_template")
            assert tipdb_runs[0]["shape"] == floor_runs[0]["shape"], "the floor must end with the same constraints"
            t = summary([r["seconds"] for r in tipdb_runs])
            f = summary([r["seconds"] for r in floor_runs])
            h = summary([r["seconds"] for r in history_runs])
            rss = max(r["peak_rss_mb"] for r in tipdb_runs)
            phases = phases_of(tipdb_runs)
            report["figures"][str(rows)] = {
                "file_mb": round(path.stat().st_size / 1e6, 1), "tipdb_s": t, "floor_s": f, "floor_with_history_s": h,
                "tipdb_rows_per_s": round(rows / t["median"]), "floor_rows_per_s": round(rows / f["median"]),
                "peak_rss_mb": round(rss, 1), "tipdb_said": tipdb_runs[-1]["said"],
                "phases_s": [(k, round(v, 3)) for k, v in phases],
            }
            print(f"\n{rows:,} placements ({path.stat().st_size / 1e6:.1f} MB): tipdb median {t['median']:.2f} s "
                  f"({rows / t['median']:,.0f} rows/s), floor median {f['median']:.2f} s ({rows / f['median']:,.0f} "
                  f"rows/s); peak RSS of `tipdb load` {rss:.1f} MB")
            print(f"  context, not the goal: the floor that also recomputes tip.ranking_history whole takes "
                  f"{h['median']:.2f} s; floor+history / tipdb = {h['median'] / t['median']:.3f}")
            print("  tipdb's statements of 100 ms or more (median s, share of its time):")
            for statement, seconds in phases[:8]:
                print(f"    {seconds:8.2f} s {seconds / t['median']:5.0%}  {statement}")
            goal(report, f"loader at {rows:,} placements: tipdb load / (COPY keys-only + ADD FOREIGN KEY)",
                 t["median"], f["median"], 1 / 0.3, yardstick_name="floor",
                 note=f"floor/tipdb = {f['median'] / t['median']:.3f} (goal >= 0.3)")


if __name__ == "__main__":
    main()
