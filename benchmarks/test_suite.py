"""The test suite's wall time with the configured workers, as the README runs it, several runs.

    python benchmarks/test_suite.py [--runs 3] [--durations 25] [--slow] [--baseline DIR]

Runs `python -m pytest` (the README's test command; workers from pyproject's addopts) --runs times and
reports the median wall time against the goal of 20 s; --durations passes `--durations=N` to the
last run and prints the slowest phases; --slow also times the marked full run (`pytest -m slow`)
that .ci/run adds after it.

--baseline DIR: another checkout (say, of an earlier commit: `git worktree add DIR COMMIT`), whose
suite runs in turn with this one, importing tipdb from DIR/loader; the ratio of their medians,
measured under the same load, says what changed even on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TOP, goal, recorded, run, summary  # noqa: E402

GOAL_S = 20.0


def pytest(*extra: str, top: Path = TOP):
    env = dict(os.environ)
    if top != TOP:
        env["PYTHONPATH"] = str(top / "loader")
    done = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra], cwd=top, env=env,
               check=False)
    if done.returncode != 0:  # timed all the same; the summary line printed says what failed
        print("\n".join(line for line in done.stdout.splitlines() if line.startswith("FAILED")), flush=True)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--durations", type=int, default=0)
    parser.add_argument("--slow", action="store_true")
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    with recorded("test_suite", runs=args.runs, durations=args.durations, slow=args.slow,
                  baseline=str(args.baseline or "")) as report:
        seconds, baseline = [], []
        for i in range(args.runs):
            if args.baseline:
                done = pytest(top=args.baseline.resolve())
                baseline.append(done.seconds)
                print(f"  baseline run {i + 1}: {done.stdout.strip().splitlines()[-1]} ({done.seconds:.1f} s wall)",
                      flush=True)
            last = i == args.runs - 1
            done = pytest(*([f"--durations={args.durations}"] if last and args.durations else []))
            seconds.append(done.seconds)
            tail = done.stdout.strip().splitlines()
            print(f"  run {i + 1}: {tail[-1]} ({done.seconds:.1f} s wall)", flush=True)
            if last and args.durations:
                start = next(n for n, line in enumerate(tail) if "slowest" in line)
                print("\n".join(tail[start:start + args.durations + 1]))
        stats = summary(seconds)
        report["figures"]["suite_s"] = stats
        goal(report, "test suite wall time (README command, configured workers)", stats["median"], GOAL_S, 1.0,
             yardstick_name="goal", note=f"min {stats['min']:.1f} s, max {stats['max']:.1f} s, {stats['runs']} runs")
        if baseline:
            report["figures"]["baseline_s"] = summary(baseline)
            goal(report, "test suite wall time against the baseline's, same run", stats["median"],
                 summary(baseline)["median"], 1.0, yardstick_name=f"baseline {args.baseline}")
        if args.slow:
            done = pytest("-m", "slow")
            report["figures"]["slow_run_s"] = done.seconds
            print(f"  marked run (-m slow): {done.stdout.strip().splitlines()[-1]} ({done.seconds:.1f} s wall)")


if __name__ == "__main__":
    main()
