"""Start-up: cold and warm `tipdb up` as whole processes, several runs, median and spread.

    python benchmarks/startup.py [RUNS]          (default: 5)

Cold: an empty TIPDB_HOME (server init, migrations, seeds). Warm: everything already in place.
Also times `python -c "import tipdb.cli"` to show what imports cost.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, summary  # noqa: E402


def run(args, env) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main(runs: int) -> None:
    tipdb = [sys.executable, "-m", "tipdb"]
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PG")}
    cold, warm = [], []
    for _ in range(runs):
        home = Path(tempfile.mkdtemp(prefix="tipdb-startup-"))
        env = dict(base, TIPDB_HOME=str(home))
        try:
            cold.append(run(tipdb + ["up"], env))
            warm.extend(run(tipdb + ["up"], env) for _ in range(3))
        finally:
            subprocess.run(tipdb + ["down"], env=env, capture_output=True)
            shutil.rmtree(home, ignore_errors=True)
    imports = [run([sys.executable, "-c", "import tipdb.cli"], base) for _ in range(runs)]
    report = {"cold_up_s": summary(cold), "warm_up_s": summary(warm), "import_cli_s": summary(imports)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(report, indent=2))
    for name, stats in report.items():
        print(f"{name:14} median {stats['median']:.3f}  min {stats['min']:.3f}  max {stats['max']:.3f}  "
              f"p95 {stats['p95']:.3f}  runs {stats['runs']}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
