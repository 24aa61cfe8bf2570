"""`allocator sweep`: Latin hypercube samples solved on Dask, streamed to disk, resumable."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.uncertainty import latin_hypercube
from allocator.errors import AllocatorError, UsageError
from allocator.model.measures import Measure
from allocator.report.folders import (
    MARKER,
    is_empty_dir,
    marker,
    refuse_file_ancestor,
    refuse_overlap,
    why_not_replaceable,
)
from allocator.report.write import write_csv, write_json
from allocator.studies.sweep import load_uncertain, solve_chunk

OUTCOMES = ["sample", "status", "objective", "jobs", "exports_musd", "message"]
# every file a sweep writes into its folder: run.json names them, so --force may replace it
SWEEP_FILES = (
    "report.html",
    "run.json",
    "sweep.csv",
    "sweep.json",
    "sweep.png",
    "sweep_programs.csv",
    "sweep_summary.csv",
)


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client on `scheduler`, or on a LocalCluster of `workers` processes (1 thread each).

    Every worker imports the solving modules before the first task (`warm_workers`), with the
    cluster's start-up, so the first batch of each worker does not pay half a second of imports
    that the serial loop paid before it started.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            warm_workers(client)
            yield client
        return
    import dask

    with (
        dask.config.set(LOCAL_WORKER_CONFIG),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        warm_workers(client)
        yield client


LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}
"""A LocalCluster that leaves the two cores to the solves. Dask's defaults keep every process
busy with periodic work meant for its dashboard and for long task graphs: each worker samples
its own stacks (the statistical profiler, about a tenth of a worker's CPU seconds in a
200-sample sweep of the baseline), every process checks its event loop every 20 ms and reads
its CPU and memory every 500 ms, workers check their memory every 100 ms, and the scheduler
looks for work to steal every second. allocator sends few large batches (two per worker),
so none of it pays: measured on the baseline's 400-sample sweep (2 workers, 2 cores), an idle
worker spent 0.6 s of CPU in 16 s on it, and this process 3.0-3.7 s against 1.0 s with these
settings (`bench/sweep_throughput.py`). Memory is still checked every second, so a worker over
its limit is still stopped."""


WARM_MODULES = ("allocator.studies.sweep", "allocator.studies.alternatives")


def warm_workers(client: Any) -> None:
    """Import the modules tasks run (Pyomo, highspy, pandas with them) on every worker."""
    client.run(import_modules, WARM_MODULES)


def import_modules(names: tuple[str, ...]) -> None:
    """Import `names` in this process (run on each worker; returns nothing to send back)."""
    import importlib

    for name in names:
        importlib.import_module(name)


def done_samples(folder: Path) -> set[int]:
    """Samples already in sweep.csv (for --resume)."""
    path = folder / "sweep.csv"
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8") as f:
        return {int(r["sample"]) for r in csv.DictReader(f)}


def run_sweep(
    spec: dict[str, Any],
    samples: int,
    seed: int,
    folder: Path,
    scheduler: str | None,
    workers: int,
    resume: bool,
    progress: Callable[[int, int], None] | None = None,
    serial: bool = False,
) -> pd.DataFrame:
    """Draw, solve (on Dask, or in this process with `serial`), stream to folder/sweep.csv."""
    inp, params = load_uncertain(spec["inputs"], spec["model_file"])
    values = latin_hypercube(params, samples, seed)
    prepare_folder(folder, spec, resume)
    skip = done_samples(folder) if resume else set()
    pending = [(k, values[k].tolist()) for k in range(samples) if k not in skip]
    labels = [p.label for p in params]
    writer = StreamWriter(folder, labels, values)
    # few, large batches (two per worker, at most 200 samples: progress and --resume keep step)
    size = max(1, min(200, -(-len(pending) // max(1, workers * 2))))
    chunks = [dict(spec, samples=pending[i : i + size]) for i in range(0, len(pending), size)]
    finished = len(skip)
    if serial:
        for chunk in chunks:
            finished += writer.write(solve_chunk(chunk))
            if progress:
                progress(finished, samples)
    else:
        from distributed import as_completed

        with dask_client(scheduler, workers) as client:
            futures = client.map(solve_chunk, chunks, pure=False)
            chunk_of = {f.key: c for f, c in zip(futures, chunks, strict=True)}
            for future in as_completed(futures):
                try:
                    rows = future.result()
                except Exception as exc:  # noqa: BLE001 - a failed task is recorded, not fatal
                    reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
                    rows = [
                        {"sample": k, "status": "error", "message": reason}
                        for k, _ in chunk_of[future.key]["samples"]
                    ]
                finished += writer.write(rows)
                if progress:
                    progress(finished, samples)
    writer.close()
    nominal = nominal_plan(spec, [p.nominal for p in params])
    record = {
        "samples": samples,
        "seed": seed,
        "objective": spec["objective"],
        "targets": spec["targets"],
        "measure": spec.get("measure", "final"),
        "discount_rate": spec.get("discount_rate") if spec.get("measure") == "discounted" else None,
        "inputs": spec["inputs"],
        "model_file": spec["model_file"],
        "parameters": labels,
        "nominal": nominal,
    }
    write_json(record, folder / "sweep.json")
    table = pd.read_csv(folder / "sweep.csv").sort_values("sample", ignore_index=True)
    write_csv(table, folder / "sweep.csv")
    progs = pd.read_csv(folder / "sweep_programs.csv").sort_values(["sample", "program"])
    write_csv(progs, folder / "sweep_programs.csv")
    table.attrs["nominal"] = nominal  # for the chart (`plot_sweep`) and the terminal
    table.attrs["units"] = sweep_units(record["measure"], record["discount_rate"])
    return table


def nominal_plan(spec: dict[str, Any], values: list[float]) -> dict[str, Any]:
    """The plan of the data as given (every uncertain number at its value), solved once the way
    each sample is (same objective, targets and measure), so it can be placed among them."""
    try:
        (got,) = solve_chunk(dict(spec, samples=[(-1, values)]))
    except AllocatorError as exc:  # the sample model is built on the nominal plan's basis
        got = {"status": type(exc).__name__.removesuffix("Error").lower() or "error"}
    ok = got["status"] == "optimal"
    return {
        "status": got["status"],
        "objective": got.get("objective"),
        "jobs": got.get("jobs") if ok else None,
        "exports_musd": got.get("exports") if ok else None,
    }


def prepare_folder(folder: Path, spec: dict[str, Any], resume: bool) -> None:
    """Make the sweep folder, or check the one there, and mark it as a sweep's (run.json): it is
    written into only if a sweep made it, and `--force` of another command may replace it.

    Raises:
        UsageError: the folder overlaps the dataset or model file, lies below a file, holds
            something that is not a sweep's, or holds a sweep and `resume` is not set.
    """
    sources = [("dataset", Path(spec["inputs"]))]
    sources += [("model file", Path(spec["model_file"]))] if spec.get("model_file") else []
    refuse_overlap(folder, sources)
    refuse_file_ancestor(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(f"--out {folder} is not a folder. Fix: choose another --out")
    if folder.exists() and not is_empty_dir(folder):
        why = why_not_replaceable(folder, "sweep")
        if why is not None:
            raise UsageError(
                f"--out {folder} will not be written into: {why}. Fix: choose another --out"
            )
    if not resume and (folder / "sweep.csv").exists():
        raise UsageError(
            f"{folder} already holds a sweep. Fix: pass --resume to continue it, "
            "or choose another --out"
        )
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "command": "sweep",
        "inputs": {"folder": spec["inputs"]},
        "model_file": spec.get("model_file"),
        MARKER: marker("sweep", SWEEP_FILES),
    }
    write_json(info, folder / "run.json")


class StreamWriter:
    """Appends finished samples to sweep.csv and sweep_programs.csv, flushed at once, so a
    killed sweep keeps what it finished."""

    def __init__(self, folder: Path, labels: list[str], values: np.ndarray) -> None:
        self.values, self.labels = values, labels
        # a file left empty (stopped before its first flush) gets its header, like a new one
        new_main, new_prog = (_empty(folder / n) for n in ("sweep.csv", "sweep_programs.csv"))
        self.main = (folder / "sweep.csv").open("a", encoding="utf-8", newline="")
        self.prog = (folder / "sweep_programs.csv").open("a", encoding="utf-8", newline="")
        self.w_main = csv.writer(self.main, lineterminator="\n")
        self.w_prog = csv.writer(self.prog, lineterminator="\n")
        if new_main:
            self.w_main.writerow(OUTCOMES + labels)
        if new_prog:
            self.w_prog.writerow(["sample", "program", "invest_musd"])
        self.main.flush()
        self.prog.flush()

    def write(self, rows: list[dict[str, Any]]) -> int:
        try:
            return self._write(rows)
        except OSError:  # a full disk: close what was written, so --resume can continue it
            self.close()
            raise

    def _write(self, rows: list[dict[str, Any]]) -> int:
        for r in rows:
            k = int(r["sample"])
            self.w_main.writerow(
                [
                    k,
                    r["status"],
                    _g(r.get("objective")),
                    _g(r.get("jobs")),
                    _g(r.get("exports")),
                    r.get("message", ""),
                ]
                + [_g(v) for v in self.values[k]]
            )
            for prog, musd in sorted(r.get("programs", {}).items()):
                self.w_prog.writerow([k, prog, _g(musd)])
        self.main.flush()
        self.prog.flush()
        return len(rows)

    def close(self) -> None:
        self.main.close()
        self.prog.close()


def _empty(path: Path) -> bool:
    return not path.exists() or path.stat().st_size == 0


def _g(v: Any) -> str:
    return "" if v is None else f"{v:.12g}"


def sweep_units(measure: str | None, rate: float | None) -> tuple[str, str]:
    """The units of a sweep's jobs and exports under its measure (final: a year's exports)."""
    kind = Measure(measure or "final", rate or 0.0)
    jobs_unit, exports_unit = kind.units()
    return jobs_unit, "US$ million per year" if kind.kind == "final" else exports_unit


def _placed(value: float | None, samples: np.ndarray) -> dict[str, float]:
    """The nominal value and its percentile among the samples (ties count half)."""
    if value is None:
        return {}
    from scipy.stats import percentileofscore

    where = float(percentileofscore(samples, value, kind="mean")) if len(samples) else None
    return {"nominal": float(value)} | ({} if where is None else {"nominal_percentile": where})


def summarise(folder: Path) -> pd.DataFrame:
    """P5/P50/P95 of jobs and exports, with the nominal plan's value and its percentile among
    the samples; per program how often funded and its funding range."""
    sweep = pd.read_csv(folder / "sweep.csv")
    ok = sweep[sweep["status"] == "optimal"]
    rows = []
    try:
        record = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    jobs_unit, exports_unit = sweep_units(record.get("measure"), record.get("discount_rate"))
    nominal = record.get("nominal") or {}
    for column, unit in (("jobs", jobs_unit), ("exports_musd", exports_unit)):
        v = ok[column].to_numpy()
        spread = {f"p{q}": float(np.percentile(v, q)) for q in (5, 50, 95)} if len(v) else {}
        rows.append(
            {"item": column, "unit": unit, "samples": len(v), **spread}
            | _placed(nominal.get(column), v)
        )
    progs = pd.read_csv(folder / "sweep_programs.csv")
    progs = progs[progs["sample"].isin(ok["sample"])]
    for prog, g in progs.groupby("program", sort=True):
        v = g["invest_musd"].to_numpy()
        rows.append(
            {
                "item": f"program {prog}",
                "unit": "US$ million",
                "samples": len(v),
                "p5": float(np.percentile(v, 5)),
                "p50": float(np.percentile(v, 50)),
                "p95": float(np.percentile(v, 95)),
                "funded_share": float((v > 1e-6).mean()),
                "min": float(v.min()),
                "max": float(v.max()),
            }
        )
    failed = sweep[sweep["status"] != "optimal"]
    rows.append({"item": "failed samples", "unit": "samples", "samples": len(failed)})
    table = pd.DataFrame(rows)
    table.to_csv(
        folder / "sweep_summary.csv", index=False, float_format="%.12g", lineterminator="\n"
    )
    return table
