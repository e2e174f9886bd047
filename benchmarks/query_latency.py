"""Query latency: every canned query on the real data and on a 100x synthetic scale-up.

    python benchmarks/query_latency.py [RUNS]          (default: 30)

Real: a throwaway database migrated and seeded like `tipdb up`. 100x: the same, then every
country copied 24 times under synthetic codes ("Synthetic XYZ") and every report year's data
copied into 75 synthetic later years (2026-2100), multiplying placements, findings and list
memberships by 100. Prints median and 95th percentile per query; saves each plan
(EXPLAIN ANALYZE, BUFFERS) under benchmarks/results/plans/.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, summary, synthetic_codes, throwaway_database  # noqa: E402

REQUIRED = {"country": "Burma", "words": "forced labor"}

SCALE_UP = """
CREATE TEMP TABLE copy_map AS
SELECT c.iso3 AS real_iso3, codes.code AS iso3, codes.n
FROM (SELECT iso3, row_number() OVER (ORDER BY iso3) AS i FROM tip.country) c
JOIN (SELECT code, row_number() OVER (ORDER BY ord) - 1 AS k, (row_number() OVER (ORDER BY ord) - 1) / 189 + 1 AS n
      FROM unnest(%(codes)s::text[]) WITH ORDINALITY AS t(code, ord)) codes
  ON codes.k %% 189 = c.i - 1;
INSERT INTO tip.country (iso3, name, region, subregion, load_run_id)
SELECT m.iso3, 'Synthetic ' || m.iso3, c.region, c.subregion, c.load_run_id
FROM copy_map m JOIN tip.country c ON c.iso3 = m.real_iso3;
INSERT INTO tip.country_name (name, iso3, load_run_id)
SELECT 'Synthetic ' || m.iso3, m.iso3, c.load_run_id FROM copy_map m JOIN tip.country c ON c.iso3 = m.real_iso3;
INSERT INTO copy_map SELECT iso3, iso3, 0 FROM tip.country WHERE name NOT LIKE 'Synthetic %%';
INSERT INTO tip.report (report_year, release_date, reporting_period_start, reporting_period_end, countries_ranked,
                        source_id, load_run_id)
SELECT r.report_year + 25 * shift, r.release_date + make_interval(years => 25 * shift),
       r.reporting_period_start + make_interval(years => 25 * shift),
       r.reporting_period_end + make_interval(years => 25 * shift), r.countries_ranked, r.source_id, r.load_run_id
FROM tip.report r CROSS JOIN generate_series(1, 3) AS shift;
INSERT INTO tip.ranking (report_year, iso3, tier_code, source_id, load_run_id)
SELECT r.report_year + 25 * shift, m.iso3, r.tier_code, r.source_id, r.load_run_id
FROM tip.ranking r JOIN copy_map m ON m.real_iso3 = r.iso3 CROSS JOIN generate_series(0, 3) AS shift
WHERE NOT (m.n = 0 AND shift = 0);
INSERT INTO tip.finding (report_year, iso3, category, summary, source_id, load_run_id)
SELECT f.report_year + 25 * shift, m.iso3, f.category, f.summary, f.source_id, f.load_run_id
FROM tip.finding f JOIN copy_map m ON m.real_iso3 = f.iso3 CROSS JOIN generate_series(0, 3) AS shift
WHERE NOT (m.n = 0 AND shift = 0);
INSERT INTO tip.list_membership (report_year, list_code, iso3, source_id, load_run_id)
SELECT l.report_year + 25 * shift, l.list_code, m.iso3, l.source_id, l.load_run_id
FROM tip.list_membership l JOIN copy_map m ON m.real_iso3 = l.iso3 CROSS JOIN generate_series(0, 3) AS shift
WHERE NOT (m.n = 0 AND shift = 0);
REFRESH MATERIALIZED VIEW tip.ranking_history;
"""


def prepare(url: str, scale_up: bool) -> None:
    from tipdb import load, migrations

    migrations.apply(url)
    load.load_seeds(url)
    if scale_up:
        with psycopg.connect(url) as conn:
            real = {r[0] for r in conn.execute("SELECT iso3 FROM tip.country")}
            codes = synthetic_codes(24 * len(real), exclude=real)
            for statement in SCALE_UP.split(";\n"):
                if statement.strip():
                    conn.execute(statement, {"codes": codes})
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")


def measure(url: str, label: str, runs: int) -> dict:
    from tipdb import queries

    plans = RESULTS / "plans" / label
    plans.mkdir(parents=True, exist_ok=True)
    results = {}
    with psycopg.connect(url) as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM analytics.rankings), (SELECT count(*) FROM tip.finding)"
                              ).fetchone()
        for query in queries.catalog().values():
            given = {p.name: REQUIRED[p.name] for p in query.parameters if p.required}
            queries.run(conn, query, given)  # warm the cache
            seconds = []
            for _ in range(runs):
                start = time.perf_counter()
                queries.run(conn, query, given)
                seconds.append(time.perf_counter() - start)
            values = query.bind(given)
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + query.sql, values).fetchall()
            (plans / f"{query.name}.txt").write_text("\n".join(r[0] for r in plan) + "\n")
            results[query.name] = summary(seconds)
            conn.rollback()
    print(f"\n{label}: {counts[0]} placements, {counts[1]} findings")
    print(f"{'query':24} {'median ms':>10} {'p95 ms':>10}")
    for name, stats in sorted(results.items(), key=lambda item: -item[1]["median"]):
        print(f"{name:24} {stats['median'] * 1000:10.2f} {stats['p95'] * 1000:10.2f}")
    return {"placements": counts[0], "findings": counts[1], "queries": results}


def main(runs: int) -> None:
    report = {}
    for label, scale_up in (("real", False), ("scale_100x", True)):
        with throwaway_database(f"bench_queries_{label}") as url:
            prepare(url, scale_up)
            report[label] = measure(url, label, runs)
    (RESULTS / "query_latency.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
