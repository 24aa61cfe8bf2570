"""allocator's pipeline against the same LP built as a numpy/scipy matrix and solved by highspy.

    python bench/scale.py                     # nonzero targets 1e4, 1e5, 1e6, 3e6
    python bench/scale.py --quick             # 1e4 and 1e5 only (under a minute)
    python bench/scale.py --sizes 1e5,1e6 --repeats 3 --resolves 20 --json out.json

For each size a dataset is generated once (bench/generate.py) into a temporary folder. Each
repetition runs each side in a fresh Python process (imports are not timed), alternating
allocator and raw, and reports the median of the repetitions:

allocator: load (`load_inputs`), then `solver.compile.build_lp(inp, "off")` as `allocator solve`
runs it:
  build (`build_model`) and hand-off (`compile_lp`) under one GC pause; solve+extract (the
  passes of `solve_lp(lp, "jobs")`, reading x and both duals); extras (the rest of `solve_lp`:
  ranging, the tie-break pass, the reachable-exports pass, column and row tables), tables
  (`pipeline.tables_of`), write (`report.write.write_run`: CSVs, workbook.xlsx, run.json into a
  temporary folder);
raw: load (the same `load_inputs`), build (bench/raw.py `assemble`: numpy + scipy.sparse),
  pass (one `Highs.passModel`, CSC), solve (`run`), extract (x, row and column duals).

core = build + hand-off/pass + solve + extract (the issue's ratio); "with extras" adds
allocator's extras; total adds load, and tables and write on allocator's side. Then
`--resolves` warm re-solves on the solved HiGHS instance of each side (allocator's solve, as
`allocator solve` does, lets its instance go after ranging, so its side solves the plan once
more, untimed, for them): all costs changed at once
(`changeColsCost`, as `solver.compile.set_costs`), `run`, objective, x and both duals; costs
alternate between jobs-heavy and exports-heavy convex blends of the two objectives (each scaled
by its largest coefficient), the same on both sides.
Peak memory is each worker's VmHWM after the core phases (allocator also after writing).
Both sides' objectives (first solve and every re-solve) must agree to 1e-6 relative.
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
from typing import Any

HERE = Path(__file__).resolve().parent
TOL = 1e-6
DEFAULT_SIZES = (1e4, 1e5, 1e6, 3e6)
QUICK_SIZES = (1e4, 1e5)


def src_fingerprint(package: Path | None = None) -> str:
    """sha256 (12 hex digits) of allocator's source files: which version was timed."""
    import hashlib

    if package is None:
        import allocator

        package = Path(allocator.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):  # every subpackage's too, not the top level only
        name = path.relative_to(package).as_posix()
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _rss_mb() -> float:
    """Peak resident memory of this process so far (MB).

    Linux: VmHWM of /proc/self/status, the high-water mark of this program's own address
    space. `ru_maxrss` would do too, but Linux carries the parent's high-water mark over
    fork + exec, so a worker started by a parent that once held a big dataset would report at
    least the parent's peak. Elsewhere: ru_maxrss.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    scale = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0  # bytes on macOS
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def blends(jobs: Any, exports: Any, count: int, seed: int) -> list[Any]:
    """`count` cost vectors alternating jobs-heavy (w in [0.5, 1]) and exports-heavy blends."""
    import numpy as np

    rng = np.random.default_rng(seed)
    j = jobs / max(float(np.abs(jobs).max()), 1e-300)
    e = exports / float(np.abs(exports).max()) if np.abs(exports).max() > 0 else exports
    costs = []
    for k in range(count):
        w = rng.uniform(0.0, 0.5) if k % 2 == 0 else rng.uniform(0.5, 1.0)
        costs.append(w * j + (1.0 - w) * e)
    return costs


def _resolve_loop(h: Any, costs: list[Any]) -> tuple[float, list[float], int]:
    """Warm re-solves: change every cost in one call, run, read objective, x and duals."""
    import highspy
    import numpy as np

    objectives, iterations = [], 0
    t0 = time.perf_counter()
    for cost in costs:
        n = len(cost)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"re-solve not optimal: {h.modelStatusToString(h.getModelStatus())}")
        info = h.getInfo()
        sol = h.getSolution()
        np.array(sol.col_value), np.array(sol.row_dual), np.array(sol.col_dual)
        objectives.append(float(info.objective_function_value))
        iterations += int(info.simplex_iteration_count)
    return time.perf_counter() - t0, objectives, iterations


def worker_allocator(folder: str, resolves: int, seed: int) -> dict[str, Any]:
    """One repetition of allocator's pipeline in this (fresh) process."""
    import allocator
    from allocator.data.inputs import load_inputs
    from allocator.pipeline import tables_of
    from allocator.report.write import write_run
    from allocator.solver.compile import build_lp
    from allocator.solver.passes import solve_pass
    from allocator.solver.results import solve_lp

    out: dict[str, Any] = {"rss_imports_mb": _rss_mb(), "src": src_fingerprint(),
                           "allocator_file": allocator.__file__}  # fmt: skip
    t = [time.perf_counter()]

    def lap() -> float:
        t.append(time.perf_counter())
        return t[-1] - t[-2]

    inp = load_inputs(folder)
    out["load"] = lap()
    runs = _time_highs_runs()
    lp, laps = build_lp(inp, "off")  # as allocator runs it: one GC pause, the model dropped
    lap()
    out["build"], out["handoff"] = laps["build"], laps["handoff"]
    sol = solve_lp(lp, "jobs", keep_solver=False)  # as `allocator solve` runs it
    out["solve_all"] = lap()
    out["highs_main"], out["highs_extras"] = runs[0], sum(runs[1:])  # run() of the main LP, rest
    out["highs_runs"] = len(runs)
    runs.clear()
    out["solve"] = sol.timings["solve"]  # the passes, x and the duals: what raw also does
    out["extras"] = out["solve_all"] - out["solve"]  # ranging, tie-break, exports, tables
    out["peak_core_mb"] = _rss_mb()
    tables = tables_of(inp, sol)
    out["tables"] = lap()
    with tempfile.TemporaryDirectory(prefix="bench-write-") as tmp:
        lap()
        write_run(Path(tmp), tables, {"status": sol.status, "solver": sol.solver})
        out["write"] = lap()
    out["peak_write_mb"] = _rss_mb()
    out["objective"] = sol.objective_value
    out["iterations"] = sol.solver["simplex_iterations"]
    out["shape"] = [int(lp.matrix.shape[0]), int(lp.matrix.shape[1]), int(lp.matrix.nnz)]
    del tables, sol
    costs = blends(lp.costs["jobs"], lp.costs["exports"], resolves, seed)
    del lp  # its instance was let go: the re-solves start from a fresh plan's optimal basis
    lp, _ = build_lp(inp, "off")
    solve_pass(lp, lp.costs["jobs"])
    out["resolve"], out["resolve_objectives"], out["resolve_iterations"] = _resolve_loop(
        lp.highs, costs
    )
    return out


def _time_highs_runs() -> list[float]:
    """Time every `Highs.run()` of this process from now on (seconds, in call order) into the
    list returned; read it right after the calls of interest (the re-solves append too)."""
    import highspy

    spent: list[float] = []
    run = highspy.Highs.run

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return run(self, *args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    highspy.Highs.run = timed
    return spent


def worker_raw(folder: str, resolves: int, seed: int) -> dict[str, Any]:
    """One repetition of the raw path in this (fresh) process."""
    sys.path.insert(0, str(HERE))
    from raw import assemble, pass_model, solve_raw

    from allocator.data.inputs import load_inputs

    out: dict[str, Any] = {"rss_imports_mb": _rss_mb(), "src": src_fingerprint()}
    t0 = time.perf_counter()
    inp = load_inputs(folder)
    t1 = time.perf_counter()
    lp = assemble(inp)
    t2 = time.perf_counter()
    h = pass_model(lp)
    t3 = time.perf_counter()
    res = solve_raw(h)
    out |= {"load": t1 - t0, "build": t2 - t1, "pass": t3 - t2, **res.timings}
    out["peak_core_mb"] = _rss_mb()
    out["objective"] = res.objective
    out["iterations"] = res.iterations
    out["shape"] = [int(lp.shape[0]), int(lp.shape[1]), lp.nnz]
    costs = blends(lp.costs["jobs"], lp.costs["exports"], resolves, seed)
    out["resolve"], out["resolve_objectives"], out["resolve_iterations"] = _resolve_loop(h, costs)
    return out


ENV: dict[str, str] | None = None  # the workers' environment (PYTHONPATH of the snapshot)


def snapshot_source() -> Path:
    """Copy allocator's package to a temporary folder that the workers import instead, so
    every repetition times the same code even if src/ is edited during the benchmark."""
    global ENV
    import shutil

    import allocator

    root = Path(tempfile.mkdtemp(prefix="bench-src-"))
    shutil.copytree(Path(allocator.__file__).parent, root / "allocator",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    path = os.environ.get("PYTHONPATH")
    ENV = dict(os.environ, PYTHONPATH=str(root) + (os.pathsep + path if path else ""))
    return root


def run_worker(side: str, folder: Path, resolves: int, seed: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", side, "--inputs",
           str(folder), "--resolves", str(resolves), "--seed", str(seed)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=ENV)
    if done.returncode != 0:
        raise RuntimeError(f"{side} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _agree(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(b))


def generate_in_subprocess(folder: Path, nnz: float, seed: int) -> dict[str, int]:
    """bench/generate.py --nnz in its own process, so this one never holds a big dataset."""
    cmd = [sys.executable, str(HERE / "generate.py"), str(folder), "--nnz", repr(nnz),
           "--seed", str(seed), "--json"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=ENV)
    if done.returncode != 0:
        raise RuntimeError(f"generate.py failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(nnz: float, repeats: int, resolves: int, seed: int, keep: Path | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        folder = keep / f"nnz{nnz:.0e}" if keep else Path(tmp) / "inputs"
        t0 = time.perf_counter()
        sizes = generate_in_subprocess(folder, nnz, seed)
        gen_s = time.perf_counter() - t0
        print(f"  dataset ({gen_s:.1f} s): " + ", ".join(f"{k} {v}" for k, v in sizes.items()),
              flush=True)  # fmt: skip
        runs: dict[str, list[dict[str, Any]]] = {"allocator": [], "raw": []}
        for rep in range(repeats):
            for side in ("allocator", "raw"):
                r = run_worker(side, folder, resolves, seed)
                runs[side].append(r)
            a, w = runs["allocator"][-1], runs["raw"][-1]
            dz = _agree(a["objective"], w["objective"])
            dr = max((_agree(x, y) for x, y in zip(a["resolve_objectives"],
                                                   w["resolve_objectives"], strict=True)),
                     default=0.0)  # fmt: skip
            print(f"  repetition {rep + 1}: allocator core {core(a):.2f} s, raw core "
                  f"{core(w):.2f} s; objectives {a['objective']:.10g} vs {w['objective']:.10g} "
                  f"(rel. diff {dz:.1e}), {resolves} re-solves max rel. diff {dr:.1e}",
                  flush=True)  # fmt: skip
            assert a["shape"] == w["shape"], f"LP shapes differ: {a['shape']} vs {w['shape']}"
            assert dz <= TOL, f"objectives differ: {a['objective']} vs {w['objective']}"
            assert dr <= TOL, "re-solve objectives differ"
    versions = sorted({r["src"] for side in runs.values() for r in side})
    if len(versions) > 1:
        print(f"  WARNING: allocator's source changed during this size: {', '.join(versions)}")
    return {"nnz_target": nnz, "sizes": sizes, "runs": runs, "src": versions}


def core(r: dict[str, Any]) -> float:
    """The issue's core: build + hand-off + solve + extraction of primal and duals."""
    if "handoff" in r:
        return r["build"] + r["handoff"] + r["solve"]
    return r["build"] + r["pass"] + r["solve"] + r["extract"]


def core_extras(r: dict[str, Any]) -> float:
    """The core plus what only allocator does: ranging, tie-break, reachable exports, tables
    of the solution (0 on the raw side)."""
    return core(r) + r.get("extras", 0.0)


def total(r: dict[str, Any]) -> float:
    return core_extras(r) + r["load"] + r.get("tables", 0.0) + r.get("write", 0.0)


def med(runs: list[dict[str, Any]], key: Any) -> float:
    return statistics.median(key(r) if callable(key) else r[key] for r in runs)


def report(results: list[dict[str, Any]], resolves: int) -> str:
    """The two tables: seconds per phase, then ratios, re-solves and peak memory."""
    lines = [
        "Seconds per phase (median of the repetitions)",
        "",
        "| nnz | rows | cols | A load | A build | A hand-off | A solve+extract | A extras "
        "| A tables | A write | R load | R build | R pass | R solve | R extract |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        a, w = res["runs"]["allocator"], res["runs"]["raw"]
        rows, cols, nnz = a[0]["shape"]
        cells = [f"{nnz:,}", f"{rows:,}", f"{cols:,}"]
        cells += [f"{med(a, k):.3f}" for k in ("load", "build", "handoff", "solve", "extras",
                                                "tables", "write")]  # fmt: skip
        cells += [f"{med(w, k):.3f}" for k in ("load", "build", "pass", "solve", "extract")]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Ratios allocator/raw (medians), {resolves} warm objective re-solves, peak memory",
        "",
        "| nnz | A core s | R core s | core ratio | A core+extras s | ratio with extras "
        "| A total s | R total s | total ratio "
        f"| A {resolves} re-solves s | R {resolves} re-solves s | re-solve ratio | A peak MB "
        "| R peak MB | peak ratio | A peak MB incl. write | A / R MB after imports "
        "| objective rel. diff |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        a, w = res["runs"]["allocator"], res["runs"]["raw"]
        nnz = a[0]["shape"][2]
        ac, wc, ae = med(a, core), med(w, core), med(a, core_extras)
        at, wt = med(a, total), med(w, total)
        ar, wr = med(a, "resolve"), med(w, "resolve")
        am, wm = med(a, "peak_core_mb"), med(w, "peak_core_mb")
        diff = max(_agree(x["objective"], y["objective"]) for x, y in zip(a, w, strict=True))
        cells = [f"{nnz:,}", f"{ac:.3f}", f"{wc:.3f}", f"{ac / wc:.2f}", f"{ae:.3f}",
                 f"{ae / wc:.2f}", f"{at:.3f}",
                 f"{wt:.3f}", f"{at / wt:.2f}", f"{ar:.3f}", f"{wr:.3f}",
                 f"{ar / wr:.2f}" if wr > 0 else "-", f"{am:.0f}", f"{wm:.0f}",
                 f"{am / wm:.2f}", f"{med(a, 'peak_write_mb'):.0f}",
                 f"{med(a, 'rss_imports_mb'):.0f} / {med(w, 'rss_imports_mb'):.0f}",
                 f"{diff:.1e}"]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    it = []
    for res in results:
        a, w = res["runs"]["allocator"][0], res["runs"]["raw"][0]
        it.append(
            f"{a['shape'][2]:,}: first solve {w['iterations']} (raw) / {a['iterations']} "
            f"(allocator), re-solves {w['resolve_iterations']} (raw) / "
            f"{a['resolve_iterations']} (allocator)"
        )
    lines += ["", "Simplex iterations: " + "; ".join(it)]
    extras = []
    for res in results:
        a = res["runs"]["allocator"]
        extras.append(
            f"{a[0]['shape'][2]:,}: main {med(a, 'highs_main'):.3f} s, extra LPs "
            f"{med(a, 'highs_extras'):.3f} s in {a[0]['highs_runs'] - 1} runs, ratio "
            f"{med(a, lambda r: r['highs_extras'] / r['highs_main']):.2f}"
        )
    lines += ["", "HiGHS run() time in allocator's solve_lp, extra LPs / main solve: "]
    lines[-1] += "; ".join(extras)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", help="comma-separated nonzero targets, e.g. 1e4,1e5,1e6,3e6")
    ap.add_argument("--quick", action="store_true", help="sizes 1e4 and 1e5 only")
    ap.add_argument("--repeats", type=int, default=3, help="repetitions (median), default 3")
    ap.add_argument("--resolves", type=int, default=20, help="warm re-solves, default 20")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, help="write the datasets here instead of a temp folder")
    ap.add_argument("--json", type=Path, help="also write every measurement to this file")
    ap.add_argument(
        "--no-snapshot",
        action="store_true",
        help="import allocator from where it is installed (default: a copy of it taken at the "
        "start, so edits to src/ during the run do not mix in)",
    )
    ap.add_argument("--worker", choices=("allocator", "raw"), help=argparse.SUPPRESS)
    ap.add_argument("--inputs", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        fn = worker_allocator if a.worker == "allocator" else worker_raw
        print(json.dumps(fn(a.inputs, a.resolves, a.seed)))
        return
    if a.sizes:
        sizes = [float(s) for s in a.sizes.split(",")]
    else:
        sizes = list(QUICK_SIZES if a.quick else DEFAULT_SIZES)
    import shutil
    from importlib.metadata import version

    snap = None if a.no_snapshot else snapshot_source()
    fingerprint = src_fingerprint(None if snap is None else snap / "allocator")
    stamp = time.strftime("%Y-%m-%d %H:%M")
    print(f"{stamp}: allocator src sha256 {fingerprint}"
          f"{'' if snap is None else ' (snapshot)'}, python {sys.version.split()[0]}, "
          f"highspy {version('highspy')}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}; {a.repeats} repetitions, {a.resolves} re-solves",
          flush=True)  # fmt: skip
    t0 = time.perf_counter()
    results = []
    try:
        for nnz in sizes:
            print(f"size {nnz:.0e} nonzeros", flush=True)
            results.append(measure(nnz, a.repeats, a.resolves, a.seed, a.keep))
    finally:
        if snap is not None:
            shutil.rmtree(snap, ignore_errors=True)
    print()
    print(report(results, a.resolves))
    print(f"\nobjectives agree to {TOL:g} relative on every size and re-solve; "
          f"benchmark took {time.perf_counter() - t0:.0f} s; load average now "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    if a.json:
        meta = {"date": stamp, "src_sha256": fingerprint, "repeats": a.repeats,
                "resolves": a.resolves, "seed": a.seed}  # fmt: skip
        a.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n",
                          encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    main()
