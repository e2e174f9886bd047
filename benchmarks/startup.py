"""Start-up, as whole processes against their yardsticks, interleaved in rounds, medians:

    python benchmarks/startup.py [--rounds 10] [--cold-rounds 3]

  `tipdb query tier_members -p year=2020`  vs  `python -c "import psycopg"`       goal <= 1.25x
      on a running embedded server in a throwaway TIPDB_HOME (no DATABASE_URL: the default path);
      plus `python -c pass`, to give tipdb's own share: (tipdb query - import psycopg) against
      (import psycopg - python alone), goal under 0.25; and where tipdb's import time goes
      (PYTHONPROFILEIMPORTTIME, self time summed per top-level package, median of the rounds).
  warm `tipdb up`  vs  `tipdb query`                                               goal <= 1.5x
  cold `tipdb up` in an empty TIPDB_HOME  vs  initdb alone                         goal <= 2x
      initdb alone: the wheel's initdb (tipdb.embedded.bin_dir()) with the arguments tipdb's cluster needs
      (tipdb.embedded.initdb_arguments: user postgres, UTF-8, peer for local logins, TCP refused) and
      initdb's default way of making its files durable (an fsync per file), run as tipdb runs it (as the
      system user `embedded_postgres` when we are root: initdb refuses root), into an empty directory.
      Also timed, not a yardstick: initdb exactly as tipdb runs it (plus tipdb.embedded.INITDB_SPEED,
      one syncfs instead of the fsyncs). The three run in shuffled order in each cold round; cold rounds
      stop the server with `tipdb down` (not timed).
      Every process runs in a user's environment: no DATABASE_URL, PG* or TIPDB_* variables, and
      tipdb's modules byte-compiled first, as an installed tipdb's are (these machines set
      PYTHONDONTWRITEBYTECODE, which made every process compile tipdb from source; see user_env).
      Phases, for the breakdown: `pg_ctl -w start` on the fresh cluster initdb made (as the same user),
      and, on the running server, every migration applied to a new database and every seed file loaded
      into it, in this process (3 times).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TIPDB, fresh_home, goal, load_average, recorded, run, summary, user_env  # noqa: E402

QUERY = [TIPDB, "query", "tier_members", "-p", "year=2020"]


def initdb_args(directory: Path, *extra: str) -> tuple[list[str], dict]:
    """initdb with the arguments tipdb's cluster needs, run as tipdb runs it (embedded._run)."""
    from tipdb import embedded

    directory.mkdir()
    args = [str(embedded.bin_dir() / "initdb"), *embedded.initdb_arguments(directory), *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        import pwd

        user = pwd.getpwnam(embedded.SERVER_USER)
        directory.parent.chmod(0o755)  # mkdtemp's 0700 would keep that user out
        os.chown(directory, user.pw_uid, user.pw_gid)
        return args, {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "cwd": "/"}
    return args, {"cwd": "/"}


def import_shares(env: dict) -> dict[str, float]:
    """Seconds of import time in one `tipdb query` process, per package that asked for it.

    Each module's self time counts for the outermost third-party package on its import chain below
    tipdb (`import psycopg` pulling in `asyncio` and `typing_extensions` counts for psycopg), else for
    tipdb if tipdb asked for it, else for Python's own start-up (site, encodings).
    """
    done = run(QUERY, env=dict(env, PYTHONPROFILEIMPORTTIME="1"))
    lines = [line[len("import time:"):].split("|") for line in done.stderr.splitlines()
             if line.startswith("import time:") and "self [us]" not in line]
    shares: dict[str, float] = {}
    chain: list[str] = []  # top-level package at each depth, outermost first
    for self_us, _, raw in reversed(lines):  # importtime prints children before their parent
        name = raw.rstrip()
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        del chain[depth:]
        chain.append(name.strip().split(".")[0])
        third_party = [top for top in chain if top not in sys.stdlib_module_names and not top.startswith("_")
                       and top not in ("tipdb", "sitecustomize", "usercustomize")]
        group = ({"psycopg_binary": "psycopg", "psycopg_c": "psycopg"}.get(third_party[0], third_party[0])
                 if third_party else "tipdb" if "tipdb" in chain else "python start-up")
        shares[group] = shares.get(group, 0) + int(self_us) / 1e6
    return shares


def start_alone(pgdata: Path, how: dict) -> float:
    """Seconds to start a server on a fresh cluster with pg_ctl -w (socket only), as tipdb's server starts;
    stopped again untimed. A phase of a cold `tipdb up`, for the breakdown."""
    from tipdb import embedded

    pg_ctl = str(embedded.bin_dir() / "pg_ctl")
    seconds = run([pg_ctl, "-D", str(pgdata), "-w", "-l", str(pgdata / "log"),
                   "-o", f"-c listen_addresses='' -c unix_socket_directories={pgdata}", "start"],
                  env=user_env(), **how).seconds
    run([pg_ctl, "-D", str(pgdata), "-w", "-m", "fast", "stop"], env=user_env(), check=False, **how)
    return seconds


def migrate_and_seed(env: dict, repeat: int = 3) -> tuple[list[float], list[float]]:
    """Seconds to apply every migration to a new database, and to load every seed file into it, in-process
    on the running server (phases of a cold `tipdb up`, without its process start and imports)."""
    import time

    import psycopg

    from tipdb import load, migrations

    url = run([TIPDB, "url"], env=env).stdout.strip().splitlines()[-1]
    maintenance = url.replace("@/tipdb?", "@/postgres?")
    migrate, seed = [], []
    for _ in range(repeat):
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_phases WITH (FORCE)")
            conn.execute("CREATE DATABASE bench_phases")
        target = url.replace("@/tipdb?", "@/bench_phases?")
        start = time.perf_counter()
        migrations.apply(target)
        migrate.append(time.perf_counter() - start)
        start = time.perf_counter()
        load.load_seeds(target)
        seed.append(time.perf_counter() - start)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_phases WITH (FORCE)")
    return migrate, seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--cold-rounds", type=int, default=3)
    args = parser.parse_args()
    with recorded("startup", rounds=args.rounds, cold_rounds=args.cold_rounds) as report:
        from tipdb import embedded

        cold, initdb, initdb_as_tipdb, server_start = [], [], [], []
        for i in range(args.cold_rounds):
            scratch = Path(tempfile.mkdtemp(prefix="tipdb-initdb-"))
            with fresh_home() as variables:
                env = user_env(**variables)
                try:
                    order = ["up", "initdb", "initdb as tipdb runs it"]
                    random.Random(i).shuffle(order)
                    for which in order:
                        if which == "up":
                            cold.append(run([TIPDB, "up"], env=env).seconds)
                        elif which == "initdb":
                            command, how = initdb_args(scratch / "pgdata")  # an empty directory, as tipdb's is
                            initdb.append(run(command, env=user_env(HOME="/"), **how).seconds)
                            server_start.append(start_alone(scratch / "pgdata", how))
                        else:
                            command, how = initdb_args(scratch / "speed", *getattr(embedded, "INITDB_SPEED", []))
                            initdb_as_tipdb.append(run(command, env=user_env(HOME="/"), **how).seconds)
                finally:
                    run([TIPDB, "down"], env=env, check=False)
                    shutil.rmtree(scratch, ignore_errors=True)
            print(f"  cold round {i + 1}: tipdb up {cold[-1]:.2f} s, initdb {initdb[-1]:.2f} s, "
                  f"initdb as tipdb runs it {initdb_as_tipdb[-1]:.2f} s; load {load_average()}", flush=True)

        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import psycopg'": [sys.executable, "-c", "import psycopg"],
            "tipdb query": QUERY,
            "warm tipdb up": [TIPDB, "up"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        shares: list[dict[str, float]] = []
        with fresh_home() as variables:
            env = user_env(**variables)
            try:
                run([TIPDB, "up"], env=env)
                run(QUERY, env=env)  # the first query after up: caches warm
                for i in range(args.rounds):
                    names = list(commands)
                    random.Random(i).shuffle(names)
                    for name in names:
                        times[name].append(run(commands[name], env=env).seconds)
                    shares.append(import_shares(env))
                migrate, seed = migrate_and_seed(env)
            finally:
                run([TIPDB, "down"], env=env, check=False)

        stats = {name: summary(t) for name, t in times.items()}
        stats["cold tipdb up"] = summary(cold)
        stats["initdb alone"] = summary(initdb)
        stats["initdb as tipdb runs it"] = summary(initdb_as_tipdb)
        stats["server start alone"] = summary(server_start)
        stats["migrations (in-process)"] = summary(migrate)
        stats["seed files (in-process)"] = summary(seed)
        report["figures"] = {"seconds": stats}
        groups = sorted({g for s in shares for g in s})
        imports = {g: statistics.median(s.get(g, 0) for s in shares) for g in groups}
        report["figures"]["import_self_time_s"] = imports
        print(f"\n{'command':30} {'median s':>9} {'min':>7} {'max':>7} {'runs':>5}")
        for name, s in stats.items():
            print(f"{name:30} {s['median']:9.3f} {s['min']:7.3f} {s['max']:7.3f} {s['runs']:5d}")
        print("\nimport time in one `tipdb query` process, by the package that asked for it (median of the rounds):")
        for group, seconds in sorted(imports.items(), key=lambda kv: -kv[1]):
            print(f"  {seconds * 1000:7.1f} ms  {group}")
        own = sum(v for k, v in imports.items() if k not in ("psycopg", "python start-up"))
        report["figures"]["tipdb_own_imports_s"] = own
        print(f"  tipdb's own share (everything but psycopg and Python's start-up): {own * 1000:.1f} ms, "
              f"psycopg {imports.get('psycopg', 0) * 1000:.1f} ms")

        m = {name: s["median"] for name, s in stats.items()}
        rest = m["cold tipdb up"] - m["initdb as tipdb runs it"] - m["server start alone"] \
            - m["migrations (in-process)"] - m["seed files (in-process)"]
        print(f"\ncold `tipdb up` {m['cold tipdb up']:.2f} s ~ initdb as tipdb runs it {m['initdb as tipdb runs it']:.2f}"
              f" + server start "
              f"{m['server start alone']:.2f} + migrations {m['migrations (in-process)']:.2f} + seeds "
              f"{m['seed files (in-process)']:.2f} + the rest (process, imports, database creation, locks) {rest:.2f}")
        goal(report, "`tipdb query` / `python -c 'import psycopg'`", m["tipdb query"],
             m["python -c 'import psycopg'"], 1.25, yardstick_name="import psycopg")
        goal(report, "tipdb's own start-up / psycopg's import", m["tipdb query"] - m["python -c 'import psycopg'"],
             m["python -c 'import psycopg'"] - m["python -c pass"], 0.25, yardstick_name="psycopg import",
             note="tipdb query - import psycopg, against import psycopg - python alone")
        goal(report, "cold `tipdb up` / initdb alone", m["cold tipdb up"], m["initdb alone"], 2.0,
             yardstick_name="initdb")
        ratio = m["cold tipdb up"] / m["initdb as tipdb runs it"]
        report["figures"]["cold_up_over_initdb_as_tipdb_runs_it"] = round(ratio, 3)
        speed = " ".join(getattr(embedded, "INITDB_SPEED", [])) or "nothing more"
        print(f"  (against initdb as tipdb runs it, with {speed}: "
              f"{ratio:.3f})")
        goal(report, "warm `tipdb up` / `tipdb query`", m["warm tipdb up"], m["tipdb query"], 1.5,
             yardstick_name="tipdb query")


if __name__ == "__main__":
    main()
