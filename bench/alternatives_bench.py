"""Near-optimal ranges (`allocator alternatives`, issue 18): their time on the baseline and on a
generated dataset of about 1e5 nonzeros, warm re-solves (from the optimum's basis, on the one
held instance) against cold solves (the solver cleared before every range LP), and Dask
LocalClusters of 1 and 2 workers against the serial loop. Ratios come from the same run;
cluster start-up (and the workers' imports) is timed apart.

    python bench/alternatives_bench.py [--nnz 1e5] [--slack 0.02] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from allocator.data.inputs import load_inputs
from allocator.model.measures import FINAL
from allocator.runs.alternatives import ranges_serial
from allocator.solver.alternatives import RangeInstance
from allocator.studies.alternatives import batches, held_model, solve_batch, tasks_of
from allocator.studies.sweeprun import dask_client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def ranges_once(folder: Path, slack: float, warm: bool) -> tuple[float, float, int, int]:
    """(seconds to build and hold, seconds of the 2N range LPs, iterations, LPs)."""
    t0 = time.perf_counter()
    model = held_model(load_inputs(folder), "jobs", "soft", FINAL, slack, "program")
    model.instance = RangeInstance(model.state, warm=warm)
    t1 = time.perf_counter()
    rows = ranges_serial(model, list(model.members))
    t2 = time.perf_counter()
    lps = 2 * sum(1 for cols in model.members.values() if cols.size)
    return t1 - t0, t2 - t1, sum(r["iterations"] for r in rows), lps


def serial_total(folder: Path, slack: float) -> tuple[float, float, float]:
    """What `allocator alternatives` does without Dask: (total s: load, build, solve, hold and
    the 2N range LPs; range LPs s; their CPU s)."""
    t0 = time.perf_counter()
    model = held_model(load_inputs(folder), "jobs", "soft", FINAL, slack, "program")
    t1, c1 = time.perf_counter(), time.process_time()
    ranges_serial(model, list(model.members))
    return time.perf_counter() - t0, time.perf_counter() - t1, time.process_time() - c1


def timed_batch(state, cost, tasks):  # noqa: ANN001, ANN201 - a Dask task of the bench
    """`solve_batch` with this worker's pid and the CPU seconds it took."""
    c = time.process_time()
    rows = solve_batch(state, cost, tasks)
    return os.getpid(), time.process_time() - c, rows


def on_cluster(folder: Path, slack: float, workers: int) -> tuple[float, float, float, float]:
    """(start-up s, total s, range LPs s, CPU s of the busiest worker): the plan is solved and
    held here, as by `allocator alternatives`; the batches as `freedom.ranges_on_dask` sends
    them, timed per task."""
    t0 = time.perf_counter()
    with dask_client(None, workers) as client:  # as `allocator alternatives` makes it
        client.wait_for_workers(workers)
        t1 = time.perf_counter()
        model = held_model(load_inputs(folder), "jobs", "soft", FINAL, slack, "program")
        t2 = time.perf_counter()
        state, cost = client.scatter([model.state, model.held.cost], broadcast=True)
        parts = [tasks_of(model, b) for b in batches(list(model.members), workers)]
        n = len(parts)
        found = client.gather(client.map(timed_batch, [state] * n, [cost] * n, parts, pure=False))
        t3 = time.perf_counter()
        cpu: dict[int, float] = {}
        for pid, secs, _ in found:
            cpu[pid] = cpu.get(pid, 0.0) + secs
        return t1 - t0, t3 - t1, t3 - t2, max(cpu.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nnz", type=float, default=1e5)
    ap.add_argument("--slack", type=float, default=0.02)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from generate import main as generate

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "generated"
        generate([str(big), "--nnz", str(args.nnz)])
        sets = {"baseline": ROOT / "inputs" / "peru2040", f"generated {args.nnz:.0e}": big}
        print(f"ranges per program within {args.slack:.0%} (median of {args.repeat})")
        print(
            f"{'dataset':18}{'solve':>6}{'LPs':>6}{'hold s':>8}{'ranges s':>10}"
            f"{'iterations':>12}{'s / LP':>9}"
        )
        for name, folder in sets.items():
            for warm in (True, False):
                runs = [ranges_once(folder, args.slack, warm) for _ in range(args.repeat)]
                hold = statistics.median(r[0] for r in runs)
                secs = statistics.median(r[1] for r in runs)
                its, lps = runs[0][2], runs[0][3]
                print(
                    f"{name:18}{'warm' if warm else 'cold':>6}{lps:6d}{hold:8.2f}{secs:10.2f}"
                    f"{its:12d}{secs / max(lps, 1):9.4f}"
                )
        print()
        print("Dask: total = hold here + range LPs on the workers; CPU = the busiest worker's")
        print(
            f"{'dataset':18}{'run':28}{'start-up s':>11}{'total s':>9}{'x serial':>9}"
            f"{'LPs s':>7}{'x serial':>9}{'CPU s':>7}{'x serial':>9}"
        )
        for name, folder in sets.items():
            loops = [serial_total(folder, args.slack) for _ in range(args.repeat)]
            loop, lps, cpu = (statistics.median(r[k] for r in loops) for k in range(3))
            print(
                f"{name:18}{'serial (1 process)':28}{0.0:11.2f}{loop:9.2f}{1.0:9.2f}"
                f"{lps:7.2f}{1.0:9.2f}{cpu:7.2f}{1.0:9.2f}"
            )
            for w in (1, 2):
                runs = [on_cluster(folder, args.slack, w) for _ in range(args.repeat)]
                start, secs, part, busy = (statistics.median(r[k] for r in runs) for k in range(4))
                print(
                    f"{name:18}{f'LocalCluster, {w} worker(s)':28}{start:11.2f}{secs:9.2f}"
                    f"{loop / secs:9.2f}{part:7.2f}{lps / part:9.2f}{busy:7.2f}{cpu / busy:9.2f}"
                )
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
