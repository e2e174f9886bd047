"""Every goal of the last runs as one Markdown table: figure, yardstick, ratio, target, met, load.

    python benchmarks/report.py [RESULTS_DIR]          (default: benchmarks/results)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ORDER = ["load_throughput", "small_load", "query_latency", "startup", "test_suite"]


def main(directory: Path) -> None:
    print("| benchmark | goal | figure | yardstick | ratio | target | met | load before → after | when (UTC) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ORDER:
        path = directory / f"{name}.json"
        if not path.exists():
            continue
        report = json.loads(path.read_text())
        load = f"{report['load_before'][0]} → {report.get('load_after', ['?'])[0]}"
        for g in report["goals"]:
            if "ratio" in g:
                unit = g["unit"]
                print(f"| {name} | {g['goal']} | {g['figure']:.4g} {unit} | {g['yardstick']:.4g} {unit} "
                      f"({g['yardstick_name']}) | {g['ratio']:.3f} | ≤ {g['target']:.3g} | "
                      f"{'yes' if g['met'] else '**no**'} | {load} | {report['started'][11:16]} |")
            else:
                print(f"| {name} | {g['goal']} | longest lock wait {g.get('longest_lock_wait_s', 0):.2f} s | | | | "
                      f"{'yes' if g['met'] else '**no**'} | {load} | {report['started'][11:16]} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results")
