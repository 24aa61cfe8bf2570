"""Wall time of one whole `allocator solve` command outside HiGHS's `run()` calls (issue 30).

    python bench/generate.py /tmp/g6x --nnz 1e6           # once
    python bench/outside.py /tmp/g6x                      # the command as a planner runs it
    python bench/outside.py /tmp/g6x --repeats 3 -- --targets off

Each repetition is a fresh Python process that runs the command in-process (imports, load,
build, every pass, tables, CSV, workbook, report, run.json into a temporary folder) with
`highspy.Highs.run` wrapped by a timer; it prints the whole command's wall time, the time inside
`run()` (and how many calls) and the rest: what allocator spends around HiGHS. The median of
the repetitions is printed last. Bytecode is cached in a temporary folder after one uncounted
run, as an installed package has it. Arguments after `--` go to `allocator solve`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import highspy
spent = [0.0, 0]
run = highspy.Highs.run
def timed(self, *a, **k):
    t = time.perf_counter()
    try:
        return run(self, *a, **k)
    finally:
        spent[0] += time.perf_counter() - t
        spent[1] += 1
highspy.Highs.run = timed
sys.argv = ["allocator", "solve", *json.loads(sys.argv[1])]
from allocator.cli.commands import main
try:
    main()
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
whole = time.perf_counter() - t0
print(json.dumps({"whole": whole, "highs": spent[0], "calls": spent[1]}), file=sys.stderr)
"""


def once(dataset: str, extra: list[str], cache: str) -> dict[str, float]:
    """One fresh process: the command's wall time, inside `run()`, and the number of calls.
    Bytecode is read from (and written to) `cache`, as an installed package has it: with
    PYTHONDONTWRITEBYTECODE set (as on this machine) every run compiled allocator's modules
    from source, ~0.15 s of "outside" that no installed copy pays (`bench/startup.py` does
    the same)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    with tempfile.TemporaryDirectory(prefix="bench-outside-") as tmp:
        args = ["--inputs", dataset, "--out", f"{tmp}/run", *extra]
        done = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(args)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            env=env,
        )
    if done.returncode != 0:
        raise SystemExit(f"allocator solve failed:\n{done.stderr}")
    return json.loads(done.stderr.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", help="a dataset folder (bench/generate.py writes one)")
    ap.add_argument("--repeats", type=int, default=3)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    args.solve_args = argv[cut + 1 :]  # after --: more `allocator solve` options
    rows = []
    cache = tempfile.mkdtemp(prefix="bench-outside-pycache-")
    once(args.dataset, args.solve_args, cache)  # writes the bytecode cache: not counted
    for k in range(args.repeats):
        start = time.perf_counter()
        r = once(args.dataset, args.solve_args, cache)
        rows.append(r)
        print(
            f"run {k + 1}: whole command {r['whole']:.2f} s, HiGHS run() {r['highs']:.2f} s in "
            f"{r['calls']} calls, outside {r['whole'] - r['highs']:.2f} s "
            f"(process {time.perf_counter() - start:.2f} s)"
        )
    shutil.rmtree(cache, ignore_errors=True)
    whole = statistics.median(r["whole"] for r in rows)
    inside = statistics.median(r["highs"] for r in rows)
    outside = statistics.median(r["whole"] - r["highs"] for r in rows)
    print(
        f"median of {args.repeats}: whole {whole:.2f} s, HiGHS run() {inside:.2f} s, "
        f"outside {outside:.2f} s (issue 30's budget: <= 1.2 s at 1e6 nonzeros)"
    )


if __name__ == "__main__":
    main()
