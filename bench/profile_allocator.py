"""cProfile of allocator's pipeline on one synthetic size: where allocator spends its time.

    python bench/profile_allocator.py --nnz 1e6                 # generate, then profile
    python bench/profile_allocator.py --inputs DIR --top 25 --save allocator.pstats
    python bench/profile_allocator.py --nnz 1e6 --no-write      # leave out tables_of + write_run

Runs load -> build_model(inp, "off") -> compile_lp -> solve_lp(lp, "jobs") -> tables_of ->
write_run (temporary folder) once under cProfile, prints each phase's wall time (with the
profiler's overhead), then the top functions by cumulative and by own time. cProfile slows
pure-Python code (Pyomo expression building, pandas loops) more than HiGHS's C++; use
bench/scale.py for timings.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def pipeline(folder: Path, write: bool) -> dict[str, float]:
    from allocator.data.inputs import load_inputs
    from allocator.model.build import build_model
    from allocator.pipeline import tables_of
    from allocator.report.write import write_run
    from allocator.solver.compile import compile_lp
    from allocator.solver.results import solve_lp

    laps = {}
    t = time.perf_counter()
    inp = load_inputs(folder)
    laps["load"], t = time.perf_counter() - t, time.perf_counter()
    m, _ = build_model(inp, "off")
    laps["build"], t = time.perf_counter() - t, time.perf_counter()
    lp = compile_lp(m)
    laps["handoff"], t = time.perf_counter() - t, time.perf_counter()
    sol = solve_lp(lp, "jobs")
    laps["solve"], t = time.perf_counter() - t, time.perf_counter()
    if write:
        tables = tables_of(inp, sol)
        laps["tables"], t = time.perf_counter() - t, time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
            write_run(Path(tmp), tables, {"status": sol.status, "solver": sol.solver})
            laps["write"] = time.perf_counter() - t
    return laps


def allocator_table(prof: cProfile.Profile, top: int) -> str:
    """Functions defined in allocator's package: calls, own and cumulative seconds."""
    import allocator

    root = str(Path(allocator.__file__).parent)
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    mine = [
        (ct, tt, nc, f"{Path(file).name}:{func}")
        for (file, _line, func), (_cc, nc, tt, ct, _callers) in stats.items()
        if file.startswith(root)
    ]
    mine.sort(reverse=True)
    lines = [f"{'cumulative s':>12} {'own s':>8} {'calls':>9}  function"]
    lines += [f"{ct:12.3f} {tt:8.3f} {nc:9d}  {name}" for ct, tt, nc, name in mine[:top]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nnz", type=float, default=1e6, help="size to generate (default 1e6)")
    ap.add_argument("--inputs", type=Path, help="profile this dataset instead of generating")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--save", type=Path, help="write the pstats file here")
    ap.add_argument("--no-write", action="store_true", help="stop after solve_lp")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    import allocator.pipeline  # noqa: F401 - imports outside the profile

    sys.path.insert(0, str(HERE))
    from scale import src_fingerprint

    print(f"allocator src sha256 {src_fingerprint()}")

    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        folder = a.inputs
        if folder is None:
            from generate import generate_nnz

            folder = Path(tmp) / "inputs"
            sizes = generate_nnz(folder, a.nnz, a.seed)
            print(", ".join(f"{k} {v}" for k, v in sizes.items()))
        prof = cProfile.Profile()
        prof.enable()
        laps = pipeline(folder, not a.no_write)
        prof.disable()
    print("phases under the profiler (s): " + ", ".join(f"{k} {v:.2f}" for k, v in laps.items()))
    if a.save:
        prof.dump_stats(a.save)
    print(f"\n=== allocator's own functions by cumulative time (top {a.top}) ===")
    print(allocator_table(prof, a.top))
    for order in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(order).print_stats(a.top)
        text = buf.getvalue()
        print(f"\n=== top {a.top} by {order} ===")
        print(text[text.find("   ncalls") :].rstrip())


if __name__ == "__main__":
    main()
