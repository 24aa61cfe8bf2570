"""Start-up cost, measured in one run (median of N fresh processes, interleaved):
`allocator --help`; the bare `import highspy, pandas`; and `allocator solve` on the bundled
baseline (load, build, solve and write included). It prints the two budgets of issue 30:
`--help` in seconds (goal <= 0.15 s) and solve / bare import (goal <= 2.0), each by wall time
and by CPU time (user + system of the process: what a loaded machine disturbs least).

    python bench/startup.py [--repeat 11] [--against OTHER/src] [--stages]

`--against` times a second source tree (e.g. an older checkout's `src`) in the same rounds,
before and after alternately, and prints its figures beside this tree's. Bytecode is cached
in a temporary folder (PYTHONPYCACHEPREFIX), as an installed package has it, after one warm-up
round that is not counted: PYTHONDONTWRITEBYTECODE would have every run compile allocator.

`--stages` says where a solve's CPU goes instead, in one fresh process a round: the bare import,
the libraries a solve imports on top of it (typer, rich, pydantic, xlsxwriter, importlib's
metadata), allocator's own modules, then the command run twice in that process (`main`, the
console script's entry point): the first run is what is left of start-up (first calls, what
the modules above did not load) plus the work, the second is the work alone (the floor no
import change can go below). CPU seconds of the process and of its forked children (the
workbook), medians over the rounds.
"""

from __future__ import annotations

import argparse
import json
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


STAGES = """
import contextlib, io, json, os, resource, sys
out = sys.argv[1]  # the run folder (sys.argv is the command's below)
def cpu():
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime
marks = [("start", cpu())]
import highspy, pandas
marks.append(("bare import", cpu()))
import importlib.metadata, pydantic, rich.console, rich.table, typer, typer.main, xlsxwriter
marks.append(("libraries", cpu()))
import allocator.cli.commands as commands
if hasattr(commands, "PLUGINS_ENV"):  # what `main` does first (an older tree: nothing)
    os.environ.setdefault(commands.PLUGINS_ENV, "__all__")
import allocator.report.book, allocator.report.html, allocator.runs.solve
marks.append(("allocator's modules", cpu()))
from allocator.cli.commands import main
for run in ("first solve", "second solve"):
    sys.argv = ["allocator", "solve", "--out", out, "--force"]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main()
    marks.append((run, cpu()))
print(json.dumps([(n, b[0] - a[0], b[1] - a[1]) for (_, a), (n, b) in zip(marks, marks[1:])]))
"""
"""One process's stages: CPU seconds of each (this process, its children), as JSON."""


def stages(trees: list[str], n: int) -> dict[str, list[list[tuple[str, float, float]]]]:
    """Each tree's `STAGES`, `n` rounds after a warm-up, interleaved."""
    got: dict[str, list[list[tuple[str, float, float]]]] = {t: [] for t in trees}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "pycache"
        for round_ in range(n + 1):
            for tree in trees:
                out = str(Path(tmp) / f"stages-{abs(hash(tree))}")
                cmd = [sys.executable, "-c", STAGES, out]
                env = environment(tree, cache)
                done = subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env=env)
                if round_:
                    got[tree].append(json.loads(done.stdout.decode().splitlines()[-1]))
    return got


def report_stages(tree: str, rounds: list[list[tuple[str, float, float]]]) -> None:
    """Median CPU of each stage of one tree (own, forked children), and their sum."""
    print(f"{tree}:")
    total = 0.0
    for i, (name, *_rest) in enumerate(rounds[0]):
        own = statistics.median(r[i][1] for r in rounds)
        kids = statistics.median(r[i][2] for r in rounds)
        total += own + kids if i < len(rounds[0]) - 1 else 0.0  # the second solve: a repeat
        print(f"  {name:22} cpu {own:6.3f} s + forked children {kids:6.3f} s")
    print(f"  {'one command':22} cpu {total:6.3f} s (every stage but the second solve)")


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
    parser.add_argument("--stages", action="store_true", help="where a solve's CPU goes")
    args = parser.parse_args()
    trees = [str(ROOT / "src"), *([str(Path(args.against).resolve())] if args.against else [])]
    before = load()
    if args.stages:
        got = stages(trees, args.repeat)
        print(
            f"median of {args.repeat} processes, interleaved; load {before} before, {load()} after"
        )
        for tree in reversed(trees):
            report_stages(tree, got[tree])
        return
    times = measure(trees, args.repeat)
    print(
        f"median of {args.repeat}, fresh processes, interleaved, bytecode cached; "
        f"load average {before} before, {load()} after"
    )
    for tree in reversed(trees):  # the older tree first: before, then after
        report(tree, times[tree])


if __name__ == "__main__":
    main()
