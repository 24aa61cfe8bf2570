"""Sweep throughput: samples per second of the serial loop, and of Dask LocalClusters with 1
and 2 worker processes, on the bundled baseline and its uncertainty.csv. Ratios are measured in
the same run. Cluster start-up is timed apart from solving.

    python bench/sweep_throughput.py [--samples 400]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from allocator.studies.sweeprun import run_sweep, warm_workers

ROOT = Path(__file__).resolve().parents[1]
SPEC = {"inputs": str(ROOT / "inputs" / "peru2040"), "objective": "jobs", "targets": "soft",
        "model_file": None}


def serial(samples: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        run_sweep(SPEC, samples, 0, Path(tmp) / "s", None, 1, False, serial=True)
        return time.perf_counter() - t


def on_cluster(samples: int, workers: int) -> tuple[float, float]:
    """(cluster start-up s, sweep s on a running cluster)."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client, tempfile.TemporaryDirectory() as tmp:
        client.wait_for_workers(workers)
        warm_workers(client)  # the imports, as allocator sweep does with its cluster's start-up
        t1 = time.perf_counter()
        run_sweep(SPEC, samples, 0, Path(tmp) / "s", cluster.scheduler_address, workers, False)
        return t1 - t0, time.perf_counter() - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    n = parser.parse_args().samples
    reps = parser.parse_args().repeat
    loop = statistics.median(serial(n) for _ in range(reps))
    rows = [("serial loop (1 process)", 0.0, loop)]
    for w in (1, 2):
        runs = [on_cluster(n, w) for _ in range(reps)]
        rows.append((f"LocalCluster, {w} worker(s)", statistics.median(r[0] for r in runs),
                     statistics.median(r[1] for r in runs)))
    print(f"{n} samples of the bundled baseline (median of {reps}); start-up timed apart")
    print(f"{'':30}{'start-up s':>12}{'sweep s':>10}{'samples/s':>12}{'vs serial':>11}")
    for name, start, secs in rows:
        print(f"{name:30}{start:12.2f}{secs:10.2f}{n / secs:12.1f}{loop / secs:11.2f}")


if __name__ == "__main__":
    main()
