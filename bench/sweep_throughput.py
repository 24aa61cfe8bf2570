"""Sweep throughput: samples per second of the serial loop, and of Dask LocalClusters with 1
and 2 worker processes, on the bundled baseline and its uncertainty.csv. Ratios are measured in
the same run. Cluster start-up is timed apart from solving.

Each ratio is given twice: as wall time (what a user waits) and as the CPU time of the busiest
process (the serial loop's own; on a cluster the busiest worker, or the main process if it did
more). On an idle machine the two agree; on a loaded one the wall clock shows the contention and
the CPU seconds what the batches leave each core to do, whatever else runs. The load average is
printed before and after.

    python bench/sweep_throughput.py [--samples 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from allocator.studies.sweeprun import dask_client, run_sweep

ROOT = Path(__file__).resolve().parents[1]
SPEC = {
    "inputs": str(ROOT / "inputs" / "peru2040"),
    "objective": "jobs",
    "targets": "soft",
    "model_file": None,
}


def serial(samples: int) -> tuple[float, float]:
    """(sweep s, CPU s of this process)."""
    with tempfile.TemporaryDirectory() as tmp:
        t, c = time.perf_counter(), time.process_time()
        run_sweep(SPEC, samples, 0, Path(tmp) / "s", None, 1, False, serial=True)
        return time.perf_counter() - t, time.process_time() - c


def on_cluster(samples: int, workers: int) -> tuple[float, float, float]:
    """(cluster start-up s, sweep s on a running cluster, CPU s of the busiest process: a
    worker, or this one writing). On a machine shared with other work the wall clock shows the
    contention; the busiest process's CPU seconds show what the batches leave to each core."""
    t0 = time.perf_counter()
    with dask_client(None, workers) as client, tempfile.TemporaryDirectory() as tmp:
        client.wait_for_workers(workers)  # dask_client imports the solving modules on each
        t1, c1 = time.perf_counter(), time.process_time()
        before = client.run(time.process_time)
        run_sweep(SPEC, samples, 0, Path(tmp) / "s", client.scheduler.address, workers, False)
        after = client.run(time.process_time)
        busiest = max([after[w] - before[w] for w in after] + [time.process_time() - c1])
        return t1 - t0, time.perf_counter() - t1, busiest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    n = parser.parse_args().samples
    reps = parser.parse_args().repeat
    load_before = os.getloadavg()[0]
    loops = [serial(n) for _ in range(reps)]
    loop, cpu = (statistics.median(r[k] for r in loops) for k in range(2))
    rows = [("serial loop (1 process)", 0.0, loop, cpu)]
    for w in (1, 2):
        runs = [on_cluster(n, w) for _ in range(reps)]
        rows.append(
            (
                f"LocalCluster, {w} worker(s)",
                *(statistics.median(r[k] for r in runs) for k in range(3)),
            )
        )
    print(f"{n} samples of the bundled baseline (median of {reps}); start-up timed apart")
    print(
        f"{'':30}{'start-up s':>12}{'wall s':>10}{'samples/s':>12}{'wall ratio':>12}"
        f"{'busiest CPU s':>15}{'CPU ratio':>11}"
    )
    for name, start, secs, busy in rows:
        print(
            f"{name:30}{start:12.2f}{secs:10.2f}{n / secs:12.1f}{loop / secs:12.2f}"
            f"{busy:15.2f}{cpu / busy:11.2f}"
        )
    print(
        f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
        f"on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
