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

    python bench/outside.py /tmp/g6x --repeats 3 --phases -- --targets off

`--phases` also prints where the outside time goes: each phase's wall and CPU seconds (this
process's, all threads; the forked workbook writer's CPU as "child"), and the same less the
HiGHS `run()` calls inside it (median of the repetitions). On a machine shared with other work,
read the CPU columns: the wall clock shows the contention.
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
from typing import Any

CHILD = r"""
import importlib, importlib.abc, json, resource, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import highspy
spent = [0.0, 0, 0.0]
run = highspy.Highs.run
def timed(self, *a, **k):
    t, c = time.perf_counter(), time.process_time()
    try:
        return run(self, *a, **k)
    finally:
        spent[0] += time.perf_counter() - t
        spent[1] += 1
        spent[2] += time.process_time() - c
highspy.Highs.run = timed
wanted, imports = json.loads(sys.argv[2]), dict(json.loads(sys.argv[3]))
sys.argv = ["allocator", "solve", *json.loads(sys.argv[1])]
phases = {}
def add(label, t, c, h, hc):
    r = phases.setdefault(label, [0.0, 0.0, 0.0, 0.0])
    r[0] += time.perf_counter() - t
    r[1] += time.process_time() - c
    r[2] += spent[0] - h
    r[3] += spent[2] - hc
depth = {}
def wrapped(label, f):
    def w(*a, **k):  # a call inside a call of the same phase (recursion) is not counted twice
        t, c, h, hc = time.perf_counter(), time.process_time(), spent[0], spent[2]
        depth[label] = depth.get(label, 0) + 1
        try:
            return f(*a, **k)
        finally:
            depth[label] -= 1
            if not depth[label]:
                add(label, t, c, h, hc)
    return w
def patch(owner, name, label):
    f = getattr(owner, name)
    w = wrapped(label, f)
    setattr(owner, name, w)
    for m in list(sys.modules.values()):  # every module that holds the function by name
        d = getattr(m, "__dict__", None) or {}
        for key, v in list(d.items()):
            if v is f:
                d[key] = w
pending = {}  # module -> [(class or None, function, label)] patched once the module is run
for module, name, label in wanted:
    path, last = module.rsplit(".", 1)
    if last[:1].isupper():  # a method: module.Class (nothing imported to find out)
        pending.setdefault(path, []).append((last, name, label))
    else:
        pending.setdefault(module, []).append((None, name, label))
def patch_module(mod):
    for cls, name, label in pending.pop(mod.__name__, []):
        patch(getattr(mod, cls) if cls else mod, name, label)
class Hook(importlib.abc.MetaPathFinder):
    # Patches a module's timed functions (and times its import) when the command imports it,
    # so --phases imports nothing earlier or elsewhere (thread) than a plain run does.
    def find_spec(self, name, path, target=None):
        if name not in pending and name not in imports:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        run_module = spec.loader.exec_module
        def exec_module(mod):
            t, c, h, hc = time.perf_counter(), time.process_time(), spent[0], spent[2]
            try:
                run_module(mod)
            finally:
                if name in imports:
                    add(imports[name], t, c, h, hc)
            patch_module(mod)
        spec.loader.exec_module = exec_module
        return spec
if pending or imports:  # --phases only: a plain run imports as the command does
    sys.meta_path.insert(0, Hook())
from allocator.cli.commands import main
phases["imports before the command"] = [time.perf_counter() - t0, time.process_time() - c0, 0, 0]
t_patch, c_patch = time.perf_counter(), time.process_time()
for name in list(pending):
    if name in sys.modules:
        patch_module(sys.modules[name])
phases["the timers' own patching (bench)"] = [
    time.perf_counter() - t_patch, time.process_time() - c_patch, 0, 0]
try:
    main()
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
whole, cpu = time.perf_counter() - t0, time.process_time() - c0
child = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"whole": whole, "highs": spent[0], "calls": spent[1], "cpu": cpu,
                  "highs_cpu": spent[2], "child_cpu": child.ru_utime + child.ru_stime,
                  "phases": phases}), file=sys.stderr)
"""

IMPORTS = [
    ("allocator.runs.solve", "the command's modules (runs/solve.py's imports)"),
]
"""(module, label): imports timed on their own (the module's whole import, what it imports with
it), the first time the command imports them."""

PHASES = [
    ("typer._coercion", "build_runtime_param", "typer: each option's value adapter"),
    ("allocator.cli.options", "run_spec", "options -> RunSpec"),
    ("allocator.runs.common", "refuse_unsafe", "refuse an unsafe --out"),
    ("allocator.pipeline", "load_scenario", "load"),
    ("allocator.pipeline", "tell_notes", "the dataset's notes"),
    ("allocator.solver.compile", "build_lp", "build + hand-off"),
    ("allocator.solver.numerics", "told_numerics", "numerics checks"),
    ("allocator.solver.results", "solve_lp", "solve_lp (everything below)"),
    ("allocator.solver.passes", "optimal_pass", "  main pass"),
    ("allocator.solver.passes", "allowable_ranges", "  ranging (getRanging, listed rates)"),
    ("allocator.solver.subproblems", "efficient_face", "  efficiency passes"),
    ("allocator.solver.heldface.Face", "ties", "  tie count (face LP)"),
    ("allocator.solver.ties", "tie_classes", "  tie rule"),
    ("allocator.solver.passes", "reachable_exports", "  reachable exports"),
    ("allocator.solver.results", "snap_plan", "  snap_plan"),
    ("allocator.pipeline", "tables_of", "tables_of"),
    ("allocator.runs.common", "run_info", "run.json's info"),
    ("allocator.runs.common", "provenance", "provenance"),
    ("allocator.runs.common", "write_folder", "write_folder (everything below)"),
    ("allocator.pipeline", "sheets_of", "  sheets_of (the workbook's sheets)"),
    ("allocator.report.riskhtml", "risk_sheets", "  risk_sheets"),
    ("allocator.report.assumed", "assumptions_of", "  assumptions_of"),
    ("allocator.report.write", "write_run", "  write_run (parent)"),
    ("allocator.report.html", "write_report", "    report.html"),
    ("allocator.report.write", "write_run_json", "    run.json"),
    ("allocator.report.parallel", "_finish", "    waiting for the workbook child"),
    ("allocator.cli.render", "show_run", "show_run (terminal)"),
]
"""(module, function, label) of the phases `--phases` times; a method as module.Class. A label
without leading spaces is a top-level phase: these do not overlap, so what the whole command's
outside time holds beyond their sum is in no listed phase (printed last)."""


def once(dataset: str, extra: list[str], cache: str, phases: bool = False) -> dict[str, Any]:
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
            [
                sys.executable,
                "-c",
                CHILD,
                json.dumps(args),
                json.dumps(PHASES if phases else []),
                json.dumps(IMPORTS if phases else []),
            ],
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
    ap.add_argument(
        "--phases", action="store_true", help="also time each phase (wall and CPU seconds)"
    )
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    args.solve_args = argv[cut + 1 :]  # after --: more `allocator solve` options
    rows = []
    cache = tempfile.mkdtemp(prefix="bench-outside-pycache-")
    once(args.dataset, args.solve_args, cache)  # writes the bytecode cache: not counted
    for k in range(args.repeats):
        start = time.perf_counter()
        r = once(args.dataset, args.solve_args, cache, args.phases)
        rows.append(r)
        print(
            f"run {k + 1}: whole command {r['whole']:.2f} s, HiGHS run() {r['highs']:.2f} s in "
            f"{r['calls']} calls, outside {r['whole'] - r['highs']:.2f} s; CPU {r['cpu']:.2f} s, "
            f"in run() {r['highs_cpu']:.2f}, outside {r['cpu'] - r['highs_cpu']:.2f}, "
            f"workbook child {r['child_cpu']:.2f} (process {time.perf_counter() - start:.2f} s)"
        )
    shutil.rmtree(cache, ignore_errors=True)
    whole = statistics.median(r["whole"] for r in rows)
    inside = statistics.median(r["highs"] for r in rows)
    outside = statistics.median(r["whole"] - r["highs"] for r in rows)
    print(
        f"median of {args.repeats}: whole {whole:.2f} s, HiGHS run() {inside:.2f} s, "
        f"outside {outside:.2f} s (issue 30's budget: <= 1.2 s at 1e6 nonzeros); outside CPU "
        f"{statistics.median(r['cpu'] - r['highs_cpu'] for r in rows):.2f} s"
    )
    if args.phases:
        print(phase_table(rows))


def phase_table(rows: list[dict[str, Any]]) -> str:
    """Each phase's median wall and CPU seconds, whole and outside HiGHS's `run()` calls; last,
    what the whole command's outside time holds beyond the top-level phases' sum (in none)."""
    head = f"{'phase (median)':50s} {'wall':>7s} {'CPU':>7s}"
    lines = [f"{head} {'outside wall':>13s} {'outside CPU':>12s}"]
    labels = ["imports before the command", "the timers' own patching (bench)"]
    labels += [label for _, label in IMPORTS] + [label for _, _, label in PHASES]
    listed = [[0.0, 0.0] for _ in rows]  # per run: the top-level phases' outside wall, CPU
    for label in labels:
        got = [r["phases"].get(label, [0.0, 0.0, 0.0, 0.0]) for r in rows]
        wall, cpu = (statistics.median(g[i] for g in got) for i in range(2))
        outside_wall = statistics.median(g[0] - g[2] for g in got)
        outside_cpu = statistics.median(g[1] - g[3] for g in got)
        if not label.startswith(" "):
            for sums, g in zip(listed, got, strict=True):
                sums[0] += g[0] - g[2]
                sums[1] += g[1] - g[3]
        lines.append(f"{label:50s} {wall:7.3f} {cpu:7.3f} {outside_wall:13.3f} {outside_cpu:12.3f}")
    rest_wall = statistics.median(
        r["whole"] - r["highs"] - s[0] for r, s in zip(rows, listed, strict=True)
    )
    rest_cpu = statistics.median(
        r["cpu"] - r["highs_cpu"] - s[1] for r, s in zip(rows, listed, strict=True)
    )
    lines.append(
        f"{'in no listed phase (whole less the top-level rows)':50s} {'':7s} {'':7s} "
        f"{rest_wall:13.3f} {rest_cpu:12.3f}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
