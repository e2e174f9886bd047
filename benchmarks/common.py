"""Helpers shared by the benchmark scripts: a throwaway server, whole-process timing, the 100x database,
statistics, and the one way every script prints a goal (figure, yardstick, ratio).

Synthetic rows are clearly separate from the real data: they live only in throwaway databases
(named bench_*) on the embedded server of a throwaway TIPDB_HOME, and their names say "Synthetic".
The machines these run on are shared: every script records the load average before and after, and
compares figures measured in the same run (ratios), each the median of several interleaved runs.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
import os
import platform
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

RESULTS = Path(__file__).resolve().parent / "results"
TOP = Path(__file__).resolve().parents[1]
# The console script a user runs, installed next to this interpreter by `pip install`.
TIPDB = str(Path(sys.executable).with_name("tipdb"))


# --- the machine and its load ---------------------------------------------------------------------------------

def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 ** 2:.0f} GiB"
    return {"cpus": os.cpu_count(), "cpu": model, "memory": memory, "python": platform.python_version(),
            "system": platform.platform(terse=True)}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@contextlib.contextmanager
def recorded(name: str, **options):
    """Collects a script's figures; writes them with machine, load before/after and time to results/NAME.json.
    tipdb is byte-compiled first, so that the tipdb processes timed start as a user's do."""
    compile_tipdb()
    report = {"benchmark": name, "options": options, "machine": machine(),
              "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "load_before": load_average(), "goals": [], "figures": {}}
    print(f"# {name} on {report['machine']['cpus']} CPUs ({report['machine']['cpu']}), "
          f"load average {report['load_before']} (1, 5, 15 min)", flush=True)
    yield report
    report["load_after"] = load_average()
    report["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    print(f"# load average after: {report['load_after']}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2, default=str))


def goal(report: dict, name: str, figure: float, yardstick: float, target: float, unit: str = "s",
         yardstick_name: str = "", note: str = "") -> float:
    """Print and record one goal: figure, yardstick, their ratio and whether it is within target."""
    ratio = figure / yardstick if yardstick else float("inf")
    met = ratio <= target
    report["goals"].append({"goal": name, "figure": figure, "yardstick": yardstick, "yardstick_name": yardstick_name,
                            "unit": unit, "ratio": round(ratio, 3), "target": target, "met": met, "note": note})
    print(f"GOAL {name}: {figure:.4g} {unit} / {yardstick_name or 'yardstick'} {yardstick:.4g} {unit} "
          f"= {ratio:.3f} (goal <= {target:.3g}) {'met' if met else 'NOT MET'}{'; ' + note if note else ''}", flush=True)
    return ratio


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"runs": len(values), "median": statistics.median(values), "p95": p95,
            "min": ordered[0], "max": ordered[-1]}


# --- whole processes --------------------------------------------------------------------------------------------

@dataclass
class Finished:
    seconds: float
    peak_rss_mb: float  # of this process alone (wait4), not of its server
    returncode: int
    stdout: str
    stderr: str


def run(args: list[str], env: dict | None = None, check: bool = True, **kwargs) -> Finished:
    """Run one process to its end; its wall time from fork to exit and its own peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, **kwargs)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = Finished(seconds, usage.ru_maxrss / 1024, proc.returncode, out.read(), err.read())
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done


def user_env(**extra) -> dict:
    """The environment of a user who has set nothing: no DATABASE_URL, no PG* variables, and Python's
    byte-code cache as a user has it: the machines these run on set PYTHONDONTWRITEBYTECODE, with which
    every tipdb process compiled tipdb's modules from source again (some 20 ms of a `tipdb query`, more
    for `tipdb up`), which no user of an installed tipdb pays (see compile_tipdb)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "TIPDB_HOME", "TIPDB_SERVER_ROOT", "PYTHONPROFILEIMPORTTIME",
                        "PYTHONDONTWRITEBYTECODE")
           and not k.startswith("PG")}
    env.update(extra)
    return env


def compile_tipdb() -> None:
    """Byte-compile tipdb's modules as `pip install` does (an editable install's first run would)."""
    import tipdb

    run([sys.executable, "-m", "compileall", "-q", str(Path(tipdb.__file__).parent)], env=user_env())


# --- a throwaway server with throwaway databases ---------------------------------------------------------------

class Server:
    """The embedded server of a temporary TIPDB_HOME (never a user's database); databases named bench_*."""

    def __init__(self, url: str, home: Path):
        self.url = url
        self.home = home

    def database_url(self, name: str) -> str:
        return self.url.replace("@/tipdb?", f"@/{name}?")

    def create(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(self.database_url("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.database_url(name)

    def drop(self, name: str) -> None:
        with psycopg.connect(self.database_url("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    @property
    def log(self) -> Path:
        return self.home / "pgdata" / "log"


@contextlib.contextmanager
def fresh_home():
    """Environment variables for a tipdb of its own: an empty TIPDB_HOME and, for tipdb run as root (whose
    server's data lives outside TIPDB_HOME), an empty TIPDB_SERVER_ROOT; both removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix="tipdb-bench-"))
    root = Path(tempfile.mkdtemp(prefix="tipdb-bench-root-"))
    root.chmod(0o711)  # the server's OS user must be able to enter it
    try:
        yield {"TIPDB_HOME": str(home), "TIPDB_SERVER_ROOT": str(root)}
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_server():
    from tipdb import embedded

    with fresh_home() as variables:
        previous = {k: os.environ.get(k) for k in variables}
        os.environ.update(variables)
        try:
            yield Server(embedded.start(), Path(variables["TIPDB_HOME"]))
        finally:
            getattr(embedded, "destroy", embedded.stop)()  # destroy: stop and delete data kept outside TIPDB_HOME
            for k, v in previous.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def refresh_history(conn) -> None:
    """Recompute tip.ranking_history however this version of the schema keeps it."""
    kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = 'tip.ranking_history'::regclass").fetchone()[0]
    if kind == "m":
        conn.execute("REFRESH MATERIALIZED VIEW tip.ranking_history")
    else:
        conn.execute("SELECT tip.refresh_ranking_history(NULL)")


def synthetic_codes(count: int, exclude: set[str] = frozenset()) -> list[str]:
    """Distinct three-letter codes, for synthetic countries in throwaway databases."""
    codes = ("".join(c) for c in itertools.product(string.ascii_uppercase, repeat=3))
    return list(itertools.islice((c for c in codes if c not in exclude), count))


# --- the real database and its 100x scale-up ------------------------------------------------------------------

# Every country copied 24 times under synthetic codes ("Synthetic XYZ") and every report's data copied into 75
# synthetic later years (2026-2100): placements, findings and list memberships multiplied by 100.
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
WHERE NOT (m.n = 0 AND shift = 0)
"""


def build_real(url: str) -> None:
    """Migrate and seed, as `tipdb up` does."""
    from tipdb import load, migrations

    migrations.apply(url)
    load.load_seeds(url)


def build_scaled(url: str) -> None:
    """The real database, then scaled up 100x (see SCALE_UP), history recomputed, vacuumed and analysed."""
    build_real(url)
    with psycopg.connect(url) as conn:
        real = {r[0] for r in conn.execute("SELECT iso3 FROM tip.country")}
        codes = synthetic_codes(24 * len(real), exclude=real)
        for statement in SCALE_UP.split(";\n"):
            if statement.strip():
                conn.execute(statement, {"codes": codes})
        refresh_history(conn)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        placements, findings = conn.execute(
            "SELECT (SELECT count(*) FROM tip.ranking), (SELECT count(*) FROM tip.finding)").fetchone()
    return {"placements": placements, "findings": findings}
