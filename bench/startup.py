"""Start-up cost, measured in one run (median of N fresh processes, interleaved):
`allocator --help`; the bare `import highspy, pandas`; and `allocator solve` on the bundled
baseline (load, build, solve and write included). It prints the two budgets of issue 30:
`--help` in seconds (goal <= 0.15 s) and solve / bare import (goal <= 2.0), each by wall time
and by CPU time (user + system of the process: what a loaded machine disturbs least).

    python bench/startup.py [--repeat 11] [--against OTHER/src]

`--against` times a second source tree (e.g. an older checkout's `src`) in the same rounds,
before and after alternately, and prints its figures beside this tree's. Bytecode is cached
in a temporary folder (PYTHONPYCACHEPREFIX), as an installed package has it, after one warm-up
round that is not counted: PYTHONDONTWRITEBYTECODE would have every run compile allocator.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = "import highspy, pandas"
HELP_GOAL_S = 0.15
RATIO_GOAL = 2.0


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `cmd`, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def commands(tmp: Path, tree: str) -> dict[str, list[str]]:
    """The timed commands of one source tree (its run folder under `tmp`)."""
    py = sys.executable
    out = tmp / f"run-{abs(hash(tree))}"
    return {
        "allocator --help": [py, "-m", "allocator.cli", "--help"],
        "allocator solve (baseline)": [
            *(py, "-m", "allocator.cli", "solve", "--out", str(out), "--force"),
        ],
    }


def environment(tree: str, cache: Path) -> dict[str, str]:
    """The environment of a run from source tree `tree`, bytecode cached under `cache`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": tree, "PYTHONPYCACHEPREFIX": str(cache)}


def measure(trees: list[str], n: int) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Each tree's commands and the bare import, `n` rounds after a warm-up, interleaved."""
    times: dict[str, dict[str, list[tuple[float, float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "pycache"
        runs = {t: commands(Path(tmp), t) for t in trees}
        for round_ in range(n + 1):  # round 0 writes the bytecode caches: not counted
            for tree in trees:
                env = environment(tree, cache)
                for name, cmd in [*runs[tree].items(), (BARE, [sys.executable, "-c", BARE])]:
                    got = timed(cmd, env)
                    if round_:
                        times.setdefault(tree, {}).setdefault(name, []).append(got)
    return times


def spread(values: list[float]) -> str:
    """The first and third quartiles of `values` (s): how noisy the runs were."""
    if len(values) < 2:
        return "-"
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"{q1:.3f}-{q3:.3f} s"


def load() -> str:
    """The 1-minute load average (the machine is shared: wall times follow it)."""
    return f"{os.getloadavg()[0]:.2f}"


def report(tree: str, times: dict[str, list[tuple[float, float]]]) -> None:
    """Median wall and CPU of each command of one tree, and the two budgets."""
    med = {
        name: tuple(statistics.median(x[i] for x in v) for i in (0, 1)) for name, v in times.items()
    }
    bare = med[BARE]
    print(f"{tree}:")
    for name, (wall, cpu) in med.items():
        print(
            f"  {name:30} wall {wall:6.3f} s  cpu {cpu:6.3f} s   "
            f"{wall / bare[0]:5.2f} x / {cpu / bare[1]:5.2f} x the bare import (wall / cpu)"
            f"   cpu quartiles {spread([x[1] for x in times[name]])}"
        )
    help_wall, help_cpu = med["allocator --help"]
    solve = med["allocator solve (baseline)"]
    print(
        f"  budget --help <= {HELP_GOAL_S} s: wall {help_wall:.3f} s, cpu {help_cpu:.3f} s\n"
        f"  budget solve / `{BARE}` <= {RATIO_GOAL}: "
        f"wall {solve[0] / bare[0]:.2f}, cpu {solve[1] / bare[1]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--against", help="another source tree (its src) to time alternately")
    args = parser.parse_args()
    trees = [str(ROOT / "src"), *([str(Path(args.against).resolve())] if args.against else [])]
    before = load()
    times = measure(trees, args.repeat)
    print(
        f"median of {args.repeat}, fresh processes, interleaved, bytecode cached; "
        f"load average {before} before, {load()} after"
    )
    for tree in reversed(trees):  # the older tree first: before, then after
        report(tree, times[tree])


if __name__ == "__main__":
    main()
