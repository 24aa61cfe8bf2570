"""Two-stage plans: the deterministic equivalent against as many independent scenario solves.

    python bench/two_stage.py [--scenarios 10 50 200] [--timeout 900] [--no-generated]

On the bundled baseline and on a generated dataset of about 1e5 nonzeros (bench/generate.py,
with an uncertainty.csv written here: jobs per US$ million of the job-creating programs
+-20%, every pool's budget -30%..+10%), for each number of scenarios N (the sweep's Latin
hypercube, seed 0), two fresh processes:

- equivalent: the here-and-now plan deciding the first phase now (`twostage.here_and_now`:
  the N scenario LPs as diagonal blocks, the non-anticipativity rows, one LP solved as a plan);
- independent: the N scenarios solved one by one on the sweep's persistent LP
  (`SampleModel.solve`, as `allocator sweep` solves a sample).

Each reports its wall time and its peak resident memory (ru_maxrss) past the model built before
it; the table prints both and their ratios (equivalent / independent), all from one run. A
measurement that passes --timeout or the memory limit (--max-gb, an address-space rlimit) is
reported as such: that is where the equivalent stops fitting.

    python bench/two_stage.py --hedging [--scenarios 10 50] [--iterations 100]

instead compares the equivalent with progressive hedging (`hedging.progressive_hedging`, in one
process: every scenario's sub-problem in this process's memory, the worst case for memory), both
with --targets off (hedging refuses soft targets): time, added peak memory, the equivalent's
optimum, hedging's lower bound (its plan's value) and upper bound, the printed gap and the true
gap (optimum - lower bound).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "inputs" / "peru2040"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(mode: str, dataset: str, scenarios: int, iterations: int = 100) -> None:
    """One measurement in this process; prints one JSON line. Modes: equivalent, independent
    (soft targets), equivalent-off and hedging (targets off)."""
    import numpy as np

    from allocator.data.uncertainty import latin_hypercube
    from allocator.studies import hedging
    from allocator.studies.sweep import SampleModel, load_uncertain
    from allocator.studies.twostage import here_and_now

    hedging.PH_ITERATIONS = iterations
    inp, params = load_uncertain(dataset, None)
    model = SampleModel(
        inp, params, "jobs", "off" if mode in ("equivalent-off", "hedging") else "soft"
    )
    values = latin_hypercube(params, scenarios, 0)
    before, t0 = _peak_mb(), time.perf_counter()
    extra: dict = {}
    if mode.startswith("equivalent"):
        got = here_and_now(model, values, [inp.phases[0].phase])
        objective, size = got.objective, got.extensive.lp.matrix.nnz if got.extensive else 0
    elif mode == "hedging":
        got = hedging.progressive_hedging(model, values, [inp.phases[0].phase])
        objective, size, extra = got.objective, model.lp.matrix.nnz, dict(got.hedging or {})
    else:
        found = [model.solve(v) for v in values]
        objective = float(np.mean([f.get("objective", np.nan) for f in found]))
        size = model.lp.matrix.nnz
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": _peak_mb(),
                "added_mb": _peak_mb() - before,
                "model_mb": before,
                "objective": objective,
                "nnz": int(size),
                **extra,
            }
        )
    )


def measure(
    mode: str, dataset: Path, scenarios: int, timeout: float, max_gb: float, iterations: int = 100
) -> dict:
    """Run `child` in a fresh process under the time and memory limits."""

    def limit() -> None:
        cap = int(max_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    cmd = [sys.executable, __file__, "--child", mode, str(dataset), str(scenarios)]
    cmd += ["--iterations", str(iterations)]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=limit, check=False
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"failed": f"exit {done.returncode}: {last[:80]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def generated(folder: Path) -> Path:
    """A ~1e5-nonzero dataset from bench/generate.py, with an uncertainty.csv."""
    out = folder / "gen1e5"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(out), "--nnz", "1e5"],
        check=True,
        capture_output=True,
    )
    rows = []
    with (out / "programs.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if float(r["jobs_per_musd"] or 0) > 0:
                ref = f"programs:{r['program']}:jobs_per_musd"
                rows.append([ref, "-20%", "+20%", "triangular", "synthetic benchmark"])
    with (out / "pools.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            ref = f"pools:{r['pool']}/{r['phase']}:budget_musd"
            rows.append([ref, "-30%", "+10%", "uniform", "synthetic benchmark"])
    with (out / "uncertainty.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ref", "low", "high", "distribution", "source"])
        w.writerows(rows)
    return out


def _cell(got: dict, key: str, fmt: str) -> str:
    return got["failed"] if "failed" in got else format(got[key], fmt)


def _ratio(a: dict, b: dict, key: str) -> str:
    if "failed" in a or "failed" in b or not b[key]:
        return "-"
    return f"{a[key] / b[key]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--max-gb", type=float, default=8.0)
    parser.add_argument("--no-generated", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DATASET", "N"))
    parser.add_argument("--hedging", action="store_true", help="equivalent against hedging")
    parser.add_argument("--iterations", type=int, default=100, help="hedging's iteration limit")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.iterations)
        return
    with tempfile.TemporaryDirectory() as tmp:
        sets = [("baseline", BASELINE)]
        if not args.no_generated:
            sets.append(("generated 1e5", generated(Path(tmp))))
        if args.hedging:
            compare_hedging(sets, args)
            return
        print(
            "dataset | N | equivalent s | independent s | time ratio | equivalent MB (+peak) | "
            "independent MB (+peak) | memory ratio (added) | equivalent nnz"
        )
        for name, folder in sets:
            for n in args.scenarios:
                eq = measure("equivalent", folder, n, args.timeout, args.max_gb)
                ind = measure("independent", folder, n, args.timeout, args.max_gb)
                print(
                    f"{name} | {n} | {_cell(eq, 'seconds', '.2f')} | "
                    f"{_cell(ind, 'seconds', '.2f')} | {_ratio(eq, ind, 'seconds')} | "
                    f"{_cell(eq, 'added_mb', '.0f')} | {_cell(ind, 'added_mb', '.0f')} | "
                    f"{_ratio(eq, ind, 'added_mb')} | {_cell(eq, 'nnz', ',d')}",
                    flush=True,
                )


def compare_hedging(sets: list[tuple[str, Path]], args: argparse.Namespace) -> None:
    """The equivalent against progressive hedging (targets off), one row per dataset and N."""
    print(
        "dataset | N | equivalent s | hedging s | equivalent MB (+peak) | hedging MB (+peak) | "
        "optimum | hedging lower | hedging upper | printed gap | true gap | iterations"
    )
    for name, folder in sets:
        for n in args.scenarios:
            eq = measure("equivalent-off", folder, n, args.timeout, args.max_gb)
            ph = measure("hedging", folder, n, args.timeout, args.max_gb, args.iterations)
            true = (
                "-" if "failed" in eq or "failed" in ph else f"{eq['objective'] - ph['lower']:.1f}"
            )
            print(
                f"{name} | {n} | {_cell(eq, 'seconds', '.2f')} | {_cell(ph, 'seconds', '.2f')} | "
                f"{_cell(eq, 'added_mb', '.0f')} | {_cell(ph, 'added_mb', '.0f')} | "
                f"{_cell(eq, 'objective', ',.1f')} | {_cell(ph, 'lower', ',.1f')} | "
                f"{_cell(ph, 'upper', ',.1f')} | {_cell(ph, 'gap', ',.1f')} | {true} | "
                f"{_cell(ph, 'iterations', 'd')}",
                flush=True,
            )


if __name__ == "__main__":
    main()
