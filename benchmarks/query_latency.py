"""Every canned query: server time (p95) on the real data and at 100x, and `tipdb query` as a whole process.

    python benchmarks/query_latency.py [--runs 30] [--process-runs 5]

Real: a throwaway database migrated and seeded like `tipdb up`. 100x: the same, then every
country copied 24 times under synthetic codes ("Synthetic XYZ") and every report year's data
copied into 75 synthetic later years (2026-2100), multiplying placements, findings and list
memberships by 100 (see common.SCALE_UP).

Server time: `EXPLAIN (ANALYZE, SERIALIZE, TIMING OFF, FORMAT JSON)` of the query's SQL with its
default parameters (a country or words where one is required), planning + execution time as the
server reports them (SERIALIZE includes turning the rows into text; sending them is not included),
--runs times after one warm-up; median and 95th percentile. Goals: p95 <= 50 ms at 100x, <= 20 ms real.
Whole process: `tipdb query NAME -p ... --format csv` with DATABASE_URL naming the database,
--process-runs times, queries interleaved; what a user waits for (start-up included).
Each plan (EXPLAIN ANALYZE, BUFFERS) is saved under benchmarks/results/plans/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (RESULTS, TIPDB, build_real, build_scaled, counts, goal, recorded, run,  # noqa: E402
                    summary, throwaway_server, user_env)

BY_NAME = {"country": "Burma", "words": "forced labor"}
BY_TYPE = {"country": "Burma", "tier": "3", "integer": "2020", "text": "forced labor", "region": "Africa",
           "category": "forced_labor"}
GOALS_MS = {"real": 20, "scale_100x": 50}


def given(query) -> dict[str, str]:
    return {p.name: BY_NAME.get(p.name, BY_TYPE.get(p.type, "")) for p in query.parameters if p.required}


def server_times(url: str, label: str, runs: int) -> dict:
    from tipdb import queries

    plans = RESULTS / "plans" / label
    plans.mkdir(parents=True, exist_ok=True)
    results = {}
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute("EXPLAIN (ANALYZE, SERIALIZE, TIMING OFF, FORMAT JSON) SELECT 1")
            options = "ANALYZE, SERIALIZE, TIMING OFF, FORMAT JSON"
        except psycopg.errors.SyntaxError:  # before PostgreSQL 17
            options = "ANALYZE, TIMING OFF, FORMAT JSON"
        for query in queries.catalog().values():
            values = query.bind(given(query))
            conn.execute(query.sql, values).fetchall()  # warm the cache
            ms = []
            for _ in range(runs):
                plan = conn.execute(f"EXPLAIN ({options}) {query.sql}", values).fetchone()[0][0]
                ms.append(plan["Planning Time"] + plan["Execution Time"])
            text = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + query.sql, values).fetchall()
            (plans / f"{query.name}.txt").write_text("\n".join(r[0] for r in text) + "\n")
            results[query.name] = summary(ms)
    return results


def process_times(url: str, runs: int) -> dict:
    from tipdb import queries

    catalog = list(queries.catalog().values())
    seconds: dict[str, list[float]] = {q.name: [] for q in catalog}
    env = user_env(DATABASE_URL=url)
    for _ in range(runs):
        for query in catalog:
            args = [TIPDB, "query", query.name, "--format", "csv"]
            for name, value in given(query).items():
                args += ["-p", f"{name}={value}"]
            seconds[query.name].append(run(args, env=env).seconds)
    return {name: summary(s) for name, s in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="server-time runs per query")
    parser.add_argument("--process-runs", type=int, default=5, help="whole `tipdb query` processes per query")
    args = parser.parse_args()
    with recorded("query_latency", runs=args.runs, process_runs=args.process_runs) as report, \
            throwaway_server() as server:
        for label, build in (("real", build_real), ("scale_100x", build_scaled)):
            url = server.create(f"bench_queries_{label}")
            build(url)
            size = counts(url)
            server_ms = server_times(url, label, args.runs)
            process_s = process_times(url, args.process_runs)
            server.drop(f"bench_queries_{label}")
            report["figures"][label] = {**size, "server_ms": server_ms, "process_s": process_s}
            print(f"\n{label}: {size['placements']:,} placements, {size['findings']:,} findings")
            print(f"{'query':24} {'server median ms':>17} {'server p95 ms':>14} {'tipdb query median s':>21}")
            for name, stats in sorted(server_ms.items(), key=lambda item: -item[1]["p95"]):
                print(f"{name:24} {stats['median']:17.2f} {stats['p95']:14.2f} {process_s[name]['median']:21.3f}")
            slowest = max(server_ms, key=lambda n: server_ms[n]["p95"])
            goal(report, f"slowest canned query, server time p95, {label}", server_ms[slowest]["p95"],
                 GOALS_MS[label], 1.0, unit="ms", yardstick_name="goal", note=slowest)
            over = sorted(n for n, s in server_ms.items() if s["p95"] > GOALS_MS[label])
            print(f"  over {GOALS_MS[label]} ms: {', '.join(over) or 'none'}")


if __name__ == "__main__":
    main()
