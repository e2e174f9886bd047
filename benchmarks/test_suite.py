"""The test suite's wall time with the configured workers, as the README runs it, several runs.

    python benchmarks/test_suite.py [--runs 3] [--durations 25] [--slow] [--baseline DIR]

Runs `python -m pytest` (the README's test command; workers from pyproject's addopts) --runs times and
reports the median wall time against the goal of 20 s; --durations passes `--durations=N` to the
last run and prints the slowest phases; --slow also times the marked full run (`pytest -m slow`)
that .ci/run adds after it.

Each run's CPU time is also reported: of pytest, its workers and every process they start, the
PostgreSQL servers included (this script makes itself their subreaper on Linux, so servers that detach
from pg_ctl are reaped here and counted). On a machine shared with other work, wall times swing with the
load; CPU seconds move much less, and say whether a change did less work.

--baseline DIR: another checkout (say, of an earlier commit: `git worktree add DIR COMMIT`), whose
suite runs in turn with this one, importing tipdb from DIR/loader; the ratio of their medians,
measured under the same load, says what changed even on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TOP, goal, recorded, run, summary  # noqa: E402

GOAL_S = 20.0


def _become_subreaper() -> bool:
    """Orphaned descendants (servers started through pg_ctl) become our children, so their CPU time is counted."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap(seconds: float = 15.0) -> None:
    """Wait for the orphans a run left (servers shutting down), for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pytest(*extra: str, top: Path = TOP):
    env = dict(os.environ)
    if top != TOP:
        env["PYTHONPATH"] = str(top / "loader")
    before = _cpu_of_children()
    done = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra], cwd=top, env=env,
               check=False)
    _reap()
    cpu = _cpu_of_children() - before
    if done.returncode != 0:  # timed all the same; the summary line printed says what failed
        print("\n".join(line for line in done.stdout.splitlines() if line.startswith("FAILED")), flush=True)
    return done, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--durations", type=int, default=0)
    parser.add_argument("--slow", action="store_true")
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    with recorded("test_suite", runs=args.runs, durations=args.durations, slow=args.slow,
                  baseline=str(args.baseline or "")) as report:
        counted = _become_subreaper()
        seconds, baseline, cpu, baseline_cpu = [], [], [], []
        for i in range(args.runs):
            if args.baseline:
                done, used = pytest(top=args.baseline.resolve())
                baseline.append(done.seconds)
                baseline_cpu.append(used)
                print(f"  baseline run {i + 1}: {done.stdout.strip().splitlines()[-1]} ({done.seconds:.1f} s wall, "
                      f"{used:.1f} s CPU, load {os.getloadavg()[0]:.2f})", flush=True)
            last = i == args.runs - 1
            done, used = pytest(*([f"--durations={args.durations}"] if last and args.durations else []))
            seconds.append(done.seconds)
            cpu.append(used)
            tail = done.stdout.strip().splitlines()
            print(f"  run {i + 1}: {tail[-1]} ({done.seconds:.1f} s wall, {used:.1f} s CPU, "
                  f"load {os.getloadavg()[0]:.2f})", flush=True)
            if last and args.durations:
                start = next(n for n, line in enumerate(tail) if "slowest" in line)
                print("\n".join(tail[start:start + args.durations + 1]))
        stats = summary(seconds)
        report["figures"]["suite_s"] = stats
        goal(report, "test suite wall time (README command, configured workers)", stats["median"], GOAL_S, 1.0,
             yardstick_name="goal", note=f"min {stats['min']:.1f} s, max {stats['max']:.1f} s, {stats['runs']} runs")
        report["figures"]["suite_cpu_s"] = summary(cpu)
        print(f"  CPU time of the whole run{'' if counted else ' (servers not counted: no subreaper)'}: "
              f"median {summary(cpu)['median']:.1f} s", flush=True)
        if baseline:
            report["figures"]["baseline_s"] = summary(baseline)
            report["figures"]["baseline_cpu_s"] = summary(baseline_cpu)
            goal(report, "test suite wall time against the baseline's, same run", stats["median"],
                 summary(baseline)["median"], 1.0, yardstick_name=f"baseline {args.baseline}")
            goal(report, "test suite CPU time against the baseline's, same run", summary(cpu)["median"],
                 summary(baseline_cpu)["median"], 1.0, yardstick_name=f"baseline {args.baseline}")
        if args.slow:
            done, _ = pytest("-m", "slow")
            report["figures"]["slow_run_s"] = done.seconds
            print(f"  marked run (-m slow): {done.stdout.strip().splitlines()[-1]} ({done.seconds:.1f} s wall)")


if __name__ == "__main__":
    main()
