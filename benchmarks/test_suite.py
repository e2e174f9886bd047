"""The full test suite's wall time, as CI runs it, several runs.

    python benchmarks/test_suite.py [RUNS]          (default: 3)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, summary  # noqa: E402

TOP = Path(__file__).resolve().parents[1]


def main(runs: int) -> None:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=TOP,
                                capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(result.stdout[-3000:])
        print(result.stdout.strip().splitlines()[-1], f"({seconds[-1]:.1f} s wall)", flush=True)
    stats = summary(seconds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "test_suite.json").write_text(json.dumps(stats, indent=2))
    print(f"test suite: median {stats['median']:.1f} s, min {stats['min']:.1f} s, max {stats['max']:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
