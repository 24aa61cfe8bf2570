"""Every `Highs.run` of one `allocator solve`, by the LP that made it (issue 30, budget c).

    python bench/lpcalls.py -- --inputs /tmp/g6x --targets off     # the 1e6 set
    python bench/lpcalls.py                                         # the baseline
    python bench/lpcalls.py --each -- --inputs tests/data/ties       # also one line a call

One fresh process runs the command in-process with `highspy.Highs.run` wrapped: for each call,
the allocator functions it came from, the LP's columns and rows, its simplex (and QP)
iterations, its wall seconds and the CPU seconds of the calling thread (HiGHS solves in it;
a thread of allocator's own, such as the imports beside the main solve, is not counted). The
calls are grouped by where they came from, in order of their first call; the last line is the
ratio of budget c: the extra LPs (every call but the objective's pass) against the main solve.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time, traceback
import highspy
rows = []
run = highspy.Highs.run
def timed(self, *a, **k):
    stack = traceback.extract_stack(limit=12)[:-1]
    where = [f"{f.filename.split('/')[-1]}:{f.name}" for f in stack if "allocator" in f.filename]
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
    main = [r for r in rows if r["where"].startswith(MAIN)]
    rest = [r for r in rows if not r["where"].startswith(MAIN)]
    if main and sum(r["cpu"] for r in main) > 0:
        lines.append(
            f"extra LPs / main solve: {sum(r['s'] for r in rest) / sum(r['s'] for r in main):.2f} "
            f"by wall, {sum(r['cpu'] for r in rest) / sum(r['cpu'] for r in main):.2f} by CPU "
            f"({len(rest)} calls, {sum(r['it'] for r in rest)} iterations)"
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--each", action="store_true", help="also one line a call, in order")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    with tempfile.TemporaryDirectory(prefix="bench-lpcalls-") as tmp:
        solve = [*argv[cut + 1 :], "--out", f"{tmp}/run"]
        subprocess.run(
            [sys.executable, "-c", CHILD, f"{tmp}/calls.json", json.dumps(solve)],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        with open(f"{tmp}/calls.json") as f:
            rows = json.load(f)
    print("\n".join(table(rows)))
    if args.each:
        for r in rows:
            print(f"{r['it']:6d} it {r['s']:.4f} s {r['n']} x {r['m']}  {r['where']}")


if __name__ == "__main__":
    main()
