"""`allocator sweep`: Latin hypercube samples solved on Dask, streamed to disk, resumable.

`LOCAL_WORKER_CONFIG` and `dask_client` (`daskclient`) are also importable from here, where
README and bench name them; so are `SWEEP_FILES` and the folder checks (`sweepguard`) and the
`StreamWriter` (`sweepwriter`) that `run_sweep` calls. The summary a finished sweep writes
(sweep_summary.csv) is `sweepsummary`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.uncertainty import check_seed, latin_hypercube
from allocator.errors import AllocatorError
from allocator.report.folders import writing_lock
from allocator.report.studyhtml import PERCENTILE_METHOD
from allocator.report.write import write_json
from allocator.studies.daskclient import LOCAL_WORKER_CONFIG, dask_client  # noqa: F401
from allocator.studies.fixedplan import plan_id
from allocator.studies.plantable import plan_columns
from allocator.studies.sweep import fixed_plan, load_uncertain, solve_chunk
from allocator.studies.sweepfolder import done_samples, fingerprint, finish_tables
from allocator.studies.sweepguard import SWEEP_FILES as SWEEP_FILES  # runs.sweep imports it here
from allocator.studies.sweepguard import check_folder, clear_for_force, mark_folder
from allocator.studies.sweepsummary import base_levels, sweep_units
from allocator.studies.sweepwriter import OUTCOMES, StreamWriter


class IncompleteSweepError(AllocatorError):
    """Samples without an answer: a failed task, or the scheduler lost. What was solved is kept;
    --resume solves the rest. Exit 1, as a plan without an optimum: nothing the user typed is
    wrong (2), but the results are not whole."""

    exit_code = 1


class _SchedulerLost(Exception):
    """The Dask scheduler went away mid-sweep (its futures were cancelled)."""


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
    dashboard: str | None = None,
) -> pd.DataFrame:
    """Draw, solve (on Dask, or in this process with `serial`), stream to folder/sweep.csv.

    Raises:
        UsageError: a bad seed or folder, or a --resume of another experiment (nothing written).
        IncompleteSweepError: the scheduler was lost (the samples solved are kept).
    """
    check_seed(seed)
    spec = dict(spec, solver=solver_of(spec), plan_id=plan_id(spec.get("plan_run")))
    inp, params = load_uncertain(
        spec["inputs"], spec["model_file"], spec.get("sets"), spec.get("model_text")
    )
    labels = [p.label for p in params]
    record = sweep_record(spec, samples, seed, labels)
    record["base"] = base_levels(inp, record["measure"], record["discount_rate"])
    record["fingerprint"] = fingerprint(spec, samples, seed, dict(inp.file_hashes), labels)
    check_folder(folder, spec, resume, record["fingerprint"], OUTCOMES + labels)
    plan = fixed_plan(spec)  # a --plan that cannot be read is refused before anything is written
    values = latin_hypercube(params, samples, seed)
    skip = done_samples(folder) if resume else set()
    chunks = batches(dict(spec, plan=plan), values, skip, workers)
    tell = Progress(progress, len(skip), samples)
    with ExitStack() as stack:  # Dask first: a scheduler that does not answer leaves no folder
        client = None if serial else stack.enter_context(dask_client(scheduler, workers, dashboard))
        stack.enter_context(writing_lock(folder))  # one sweep at a time writes a folder
        _claim(folder, spec, resume, record, OUTCOMES + labels)
        writer = stack.enter_context(closing(_writer(folder, labels, values, inp)))
        _solve_all(client, chunks, writer, tell, (scheduler, samples, folder))
    return _finished(folder, spec, record, [p.nominal for p in params])


def batches(
    spec: dict[str, Any], values: np.ndarray, skip: set[int], workers: int
) -> list[dict[str, Any]]:
    """The samples not in `skip` (done already), as tasks of `spec`: few, large batches (two
    per worker, at most 200 samples: progress and --resume keep step)."""
    pending = [(k, values[k].tolist()) for k in range(len(values)) if k not in skip]
    size = max(1, min(200, -(-len(pending) // max(1, workers * 2))))
    return [dict(spec, samples=pending[i : i + size]) for i in range(0, len(pending), size)]


def _claim(
    folder: Path, spec: dict[str, Any], resume: bool, record: dict[str, Any], header: list[str]
) -> None:
    """Under the folder's lock: the folder checked again (another sweep may have come first),
    cleared for --force, and marked as this sweep's (run.json, sweep.json)."""
    check_folder(folder, spec, resume, record["fingerprint"], header)
    if spec.get("force"):
        clear_for_force(folder)
    mark_folder(folder, spec, record)


def _writer(folder: Path, labels: list[str], values: np.ndarray, inp: Any) -> StreamWriter:
    """The writer of the sweep's tables, sweep_plan.csv with a column a milestone year."""
    years = sorted(m.year for m in inp.milestones)
    return StreamWriter(folder, labels, values, plan_columns(years))


def _solve_all(
    client: Any,
    chunks: list[dict[str, Any]],
    writer: StreamWriter,
    tell: Progress,
    where: tuple[str | None, int, Path],
) -> None:
    """Every chunk solved (on Dask when `client` is given, else here), its rows written as it
    finishes; `where`: the scheduler, the samples and the folder, for the words of a loss.

    Raises:
        IncompleteSweepError: the scheduler was lost (the samples solved are kept).
    """
    scheduler, samples, folder = where
    try:
        if client is None:
            for chunk in chunks:
                tell(writer.write(solve_chunk(chunk)))
        else:
            solve_on_dask(client, chunks, writer, tell)
    except _SchedulerLost as exc:
        raise IncompleteSweepError(
            f"the Dask scheduler at {scheduler} was lost ({exc}) after {tell.done:,} of "
            f"{samples:,} samples, kept in {folder}. Fix: start it again (or leave out "
            f"--scheduler) and run the same sweep with --out {folder} --resume"
        ) from None


def _finished(
    folder: Path, spec: dict[str, Any], record: dict[str, Any], nominal: list[float]
) -> pd.DataFrame:
    """sweep.json with the nominal plan (`nominal`: every uncertain number's value as given)
    solved, and sweep.csv as the finished tables give it, with what the chart and the terminal
    read of it (`attrs`: the nominal plan and the units)."""
    record["nominal"] = nominal_plan(spec, nominal)
    write_json(record, folder / "sweep.json")
    table = finish_tables(folder)
    table.attrs["nominal"] = record["nominal"]  # for the chart (`plot_sweep`) and the terminal
    table.attrs["units"] = sweep_units(record["measure"], record["discount_rate"])
    return table


class Progress:
    """Samples finished so far (those already in the folder first), passed to `report`."""

    def __init__(self, report: Callable[[int, int], None] | None, done: int, total: int):
        self.report, self.done, self.total = report, done, total

    def __call__(self, more: int) -> None:
        self.done += more
        if self.report:
            self.report(self.done, self.total)


def solve_on_dask(
    client: Any, chunks: list[dict[str, Any]], writer: StreamWriter, tell: Progress
) -> None:
    """Each chunk as a task; rows written as tasks finish. A failed task's samples are written
    with status `error` (--resume solves them again); a lost scheduler stops the sweep.

    Raises:
        _SchedulerLost: the scheduler's futures were cancelled (it is gone).
    """
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    futures = client.map(solve_chunk, chunks, pure=False)
    chunk_of = {f.key: c for f, c in zip(futures, chunks, strict=True)}
    for future in as_completed(futures):
        try:
            rows = future.result()
        except FutureCancelledError as exc:
            raise _SchedulerLost(getattr(exc, "reason", "cancelled")) from None
        except Exception as exc:  # noqa: BLE001 - a failed task is recorded, not fatal
            if client.status != "running":
                raise _SchedulerLost(f"client {client.status}") from None
            reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
            rows = [
                {"sample": k, "status": "error", "message": reason or type(exc).__name__}
                for k, _ in chunk_of[future.key]["samples"]
            ]
        tell(writer.write(rows))


def solver_of(spec: dict[str, Any]) -> dict[str, float]:
    """HiGHS options of the sweep: the spec's, else its model file's (`solver:`), as solve
    (from the file's text as the run read it, `model_text`, if sent)."""
    if spec.get("solver") is not None:
        return dict(spec["solver"])
    if not spec.get("model_file"):
        return {}
    from allocator.data.modelfile import model_file_of

    return model_file_of(Path(spec["model_file"]), spec.get("model_text")).solver.highs()


def sweep_record(
    spec: dict[str, Any], samples: int, seed: int, labels: list[str]
) -> dict[str, Any]:
    """sweep.json: the options, the parameters (the nominal plan is added when solved)."""
    return {
        "samples": samples,
        "seed": seed,
        "objective": spec["objective"],
        "targets": spec["targets"],
        "measure": spec.get("measure", "final"),
        "discount_rate": spec.get("discount_rate") if spec.get("measure") == "discounted" else None,
        "inputs": spec["inputs"],
        "model_file": spec["model_file"],
        "sets": spec.get("sets") or [],
        "solver": spec.get("solver") or {},
        "parameters": labels,
        "plan": "nominal plan" if spec.get("plan_run") is None else f"plan of {spec['plan_run']}",
        "nominal": None,
        "nominal_plan": nominal_words(spec),
        "percentiles": PERCENTILE_METHOD,  # sweep_summary.csv's p5, p50, p95: sampled values
    }


NOMINAL_PLAN = (
    "allocator solve's plan of the data as given, with the sweep's objective, targets, measure "
    "and solver options (solve's LP, at the lags as given, and its tie rule)"
)
"""What the sweep's nominal plan is, as sweep.json says it (`nominal_plan`)."""


def nominal_words(spec: dict[str, Any]) -> str | None:
    """sweep.json's `nominal_plan`: what the nominal plan is (None with `--plan RUN`), and how
    it differs from what `allocator solve` gives for the same options, if it does
    (`spec["nominal_differs"]`, e.g. a model file's decide_now)."""
    if spec.get("plan_run") is not None:
        return None
    differs = spec.get("nominal_differs")
    if not differs:
        return NOMINAL_PLAN
    return f"the plan of the data as given (solve's LP and tie rule), {differs}"


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
        "targets_missed": got.get("targets_missed") if ok else None,
    }
