"""Every `Highs.run` of one `allocator solve`, by the LP that made it (issue 30, budget c).

    python bench/lpcalls.py -- --inputs /tmp/g6x --targets off     # the 1e6 set
    python bench/lpcalls.py                                         # the baseline
    python bench/lpcalls.py --each -- --inputs tests/data/ties       # also one line a call
    python bench/lpcalls.py --repeat 3 --against OTHER/src -- --inputs /tmp/g6x --targets off

One fresh process runs the command in-process with `highspy.Highs.run` wrapped: for each call,
the allocator functions it came from, the LP's columns and rows, its simplex (and QP)
iterations, its wall seconds and the CPU seconds of the calling thread (HiGHS solves in it;
a thread of allocator's own, such as the imports beside the main solve, is not counted). The
calls are grouped by where they came from, in order of their first call; the last line is the
ratio of budget c: the extra LPs (every call but the objective's pass) against the main solve.

`--repeat N` runs the command in N fresh processes; `--against` runs a second source tree (an
older checkout's `src`) in the same rounds, before and after alternately (this tree from its own
`src`), as a shared machine's load moves between rounds. Each round prints one line a tree, then
each tree's table of its last round and the medians of its ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time, traceback
import highspy
rows = []
run = highspy.Highs.run
def timed(self, *a, **k):
    stack = traceback.extract_stack(limit=12)[:-1]
    where = [
        f"{f.filename.split('/')[-1]}:{f.name}"
        for f in stack
        if "allocator" in f.filename and not f.filename.endswith("solver/highs.py")
    ]  # the Highs subclass's run() (per-run time limit) is not a caller
    t, c = time.perf_counter(), time.thread_time()
    try:
        return run(self, *a, **k)
    finally:
        wall, cpu = time.perf_counter() - t, time.thread_time() - c
        info = self.getInfo()
        rows.append({"where": " < ".join(reversed(where[-4:])), "n": self.getNumCol(),
                     "m": self.getNumRow(), "it": int(info.simplex_iteration_count),
                     "qp": int(info.qp_iteration_count), "s": wall, "cpu": cpu})
highspy.Highs.run = timed
out, args = sys.argv[1], json.loads(sys.argv[2])
sys.argv = ["allocator", "solve", *args]
from allocator.cli.commands import main
try:
    main()
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
json.dump(rows, open(out, "w"))
"""

MAIN = "passes.py:solve_pass < passes.py:optimal_pass < passes.py:optimum <"
"""Where the objective's pass (the main solve) is called from."""


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """The calls of the main solve (the objective's pass) and the others (the extra LPs)."""
    main = [r for r in rows if r["where"].startswith(MAIN)]
    return main, [r for r in rows if not r["where"].startswith(MAIN)]


def ratios(rows: list[dict]) -> tuple[float, float] | None:
    """Budget c of one run: the extra LPs' seconds over the main solve's, by wall and by CPU;
    None where no main solve ran (or it took no CPU time to measure)."""
    main, rest = split(rows)
    main_s, main_cpu = sum(r["s"] for r in main), sum(r["cpu"] for r in main)
    if not main or main_s <= 0 or main_cpu <= 0:
        return None
    return sum(r["s"] for r in rest) / main_s, sum(r["cpu"] for r in rest) / main_cpu


def table(rows: list[dict]) -> list[str]:
    """The calls grouped by where they came from, and the budget's ratio."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["where"], []).append(r)
    lines = [
        f"{len(rows)} Highs.run calls, {sum(r['it'] for r in rows)} simplex iterations, "
        f"{sum(r['s'] for r in rows):.3f} s, {sum(r['cpu'] for r in rows):.3f} CPU s"
    ]
    for where, got in groups.items():
        lines.append(
            f"{len(got):4d} calls {sum(r['it'] for r in got):6d} it {sum(r['qp'] for r in got):3d} "
            f"qp {sum(r['s'] for r in got):7.3f} s {sum(r['cpu'] for r in got):7.3f} CPU s  "
            f"{got[0]['n']} x {got[0]['m']}  {where}"
        )
    got = ratios(rows)
    if got is not None:
        rest = split(rows)[1]
        lines.append(
            f"extra LPs / main solve: {got[0]:.2f} by wall, {got[1]:.2f} by CPU "
            f"({len(rest)} calls, {sum(r['it'] for r in rest)} iterations)"
        )
    return lines


def run_calls(solve: list[str], tmp: str, tree: str | None) -> list[dict]:
    """One fresh process running `allocator solve` with `solve`'s arguments: its calls. `tree`
    (a source tree's `src`) goes first on the path where given; else the path is inherited."""
    env = None if tree is None else os.environ | {"PYTHONPATH": tree}
    subprocess.run(
        [sys.executable, "-c", CHILD, f"{tmp}/calls.json", json.dumps(solve)],
        stdout=subprocess.DEVNULL,
        check=True,
        env=env,
    )
    with open(f"{tmp}/calls.json") as f:
        rows: list[dict] = json.load(f)
    return rows


def rounds(solve: list[str], trees: list[str | None], n: int) -> dict[str | None, list]:
    """Each tree's calls in `n` rounds, the trees alternately in each round (one line each)."""
    got: dict[str | None, list] = {tree: [] for tree in trees}
    with tempfile.TemporaryDirectory(prefix="bench-lpcalls-") as tmp:
        for k in range(n):
            for tree in trees:
                rows = run_calls([*solve, "--out", f"{tmp}/run", "--force"], tmp, tree)
                got[tree].append(rows)
                pair = ratios(rows)
                shown = "-" if pair is None else f"{pair[1]:.2f} by CPU, {pair[0]:.2f} by wall"
                if len(trees) > 1 or n > 1:
                    print(
                        f"round {k + 1} {tree or 'this tree'}: load {os.getloadavg()[0]:.2f}, "
                        f"extra LPs / main solve {shown}"
                    )
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--each", action="store_true", help="also one line a call, in order")
    ap.add_argument("--repeat", type=int, default=1, help="fresh processes a tree (default 1)")
    ap.add_argument("--against", help="another source tree (its src) to run alternately")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    if args.repeat < 1:
        ap.error("--repeat must be 1 or more")
    trees: list[str | None] = [None]
    if args.against:  # the older tree first: before, then after
        trees = [str(Path(args.against).resolve()), str(ROOT / "src")]
    got = rounds(argv[cut + 1 :], trees, args.repeat)
    for tree in trees:
        rows = got[tree][-1]
        if len(trees) > 1:
            print(f"\n{tree}, round {args.repeat}:")
        print("\n".join(table(rows)))
        pairs = [p for p in map(ratios, got[tree]) if p is not None]
        if len(pairs) > 1:
            print(
                f"median of {len(pairs)}: {statistics.median(p[1] for p in pairs):.2f} by CPU, "
                f"{statistics.median(p[0] for p in pairs):.2f} by wall"
            )
        if args.each:
            for r in rows:
                print(
                    f"{r['it']:6d} it {r['s']:.4f} s {r['cpu']:.4f} CPU s {r['n']} x {r['m']}  "
                    f"{r['where']}"
                )


if __name__ == "__main__":
    main()
