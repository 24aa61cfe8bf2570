"""`allocator sweep`: Latin hypercube samples solved on Dask, streamed to disk, resumable.

`LOCAL_WORKER_CONFIG` and `dask_client` (`daskclient`) are also importable from here, where
README and bench name them. The summary a finished sweep writes (sweep_summary.csv) is
`sweepsummary`."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack, closing, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.uncertainty import check_seed, latin_hypercube
from allocator.errors import AllocatorError, UsageError
from allocator.report.assumed import recorded_inputs
from allocator.report.folders import (
    MARKER,
    is_empty_dir,
    marker,
    refuse_file_ancestor,
    refuse_overlap,
    why_not_replaceable,
    writing_lock,
)
from allocator.report.studyhtml import PERCENTILE_METHOD
from allocator.report.write import write_json
from allocator.studies.daskclient import LOCAL_WORKER_CONFIG, dask_client  # noqa: F401
from allocator.studies.fixedplan import plan_id
from allocator.studies.plantable import plan_columns
from allocator.studies.sweep import fixed_plan, load_uncertain, solve_chunk
from allocator.studies.sweepfolder import (
    done_samples,
    fingerprint,
    finish_tables,
    refuse_other_experiment,
)
from allocator.studies.sweepstream import AppendFile, csv_text
from allocator.studies.sweepsummary import sweep_units

OUTCOMES = ["sample", "status", "objective", "jobs", "exports_musd", "targets_missed", "message"]
# every file a sweep writes into its folder: run.json names them, so --force may replace it
SWEEP_FILES = (
    "report.html",
    "run.json",
    "sweep.csv",
    "sweep.json",
    "sweep.png",
    "sweep_plan.csv",
    "sweep_programs.csv",
    "sweep_summary.csv",
)


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
    inp, params = load_uncertain(spec["inputs"], spec["model_file"], spec.get("sets"))
    labels = [p.label for p in params]
    record = sweep_record(spec, samples, seed, labels)
    record["fingerprint"] = fingerprint(spec, samples, seed, dict(inp.file_hashes), labels)
    check_folder(folder, spec, resume, record["fingerprint"], OUTCOMES + labels)
    plan = fixed_plan(spec)  # a --plan that cannot be read is refused before anything is written
    values = latin_hypercube(params, samples, seed)
    skip = done_samples(folder) if resume else set()
    pending = [(k, values[k].tolist()) for k in range(samples) if k not in skip]
    # few, large batches (two per worker, at most 200 samples: progress and --resume keep step)
    size = max(1, min(200, -(-len(pending) // max(1, workers * 2))))
    chunks = [
        dict(spec, plan=plan, samples=pending[i : i + size]) for i in range(0, len(pending), size)
    ]
    tell = Progress(progress, len(skip), samples)
    with ExitStack() as stack:  # Dask first: a scheduler that does not answer leaves no folder
        client = None if serial else stack.enter_context(dask_client(scheduler, workers, dashboard))
        stack.enter_context(writing_lock(folder))  # one sweep at a time writes a folder
        check_folder(folder, spec, resume, record["fingerprint"], OUTCOMES + labels)  # again
        if spec.get("force"):
            clear_for_force(folder)
        mark_folder(folder, spec, record)
        writer = stack.enter_context(
            closing(
                StreamWriter(
                    folder, labels, values, plan_columns(sorted(m.year for m in inp.milestones))
                )
            )
        )
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
    record["nominal"] = nominal_plan(spec, [p.nominal for p in params])
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
    """HiGHS options of the sweep: the spec's, else its model file's (`solver:`), as solve."""
    if spec.get("solver") is not None:
        return dict(spec["solver"])
    if not spec.get("model_file"):
        return {}
    from allocator.data.modelfile import load_model_file

    return load_model_file(Path(spec["model_file"]))[0].solver.highs()


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


def prepare_folder(folder: Path, spec: dict[str, Any], resume: bool) -> None:
    """Check the sweep folder (`check_folder`), then make and mark it (`mark_folder`)."""
    check_folder(folder, spec, resume)
    mark_folder(folder, spec)


def check_folder(
    folder: Path,
    spec: dict[str, Any],
    resume: bool,
    now: dict[str, Any] | None = None,
    header: list[str] | None = None,
) -> None:
    """Refuse a folder a sweep must not write into; writes nothing. A sweep there is continued
    only with `resume`, and only if its fingerprint equals `now` (when given); with
    `spec["force"]`, an earlier output of allocator there is replaced (`clear_for_force`), by
    the rule of every command's --force.

    Raises:
        UsageError: the folder overlaps the dataset or model file, lies below a file, holds
            something that is not a sweep's (with force: not allocator's), holds a sweep and
            neither `resume` nor force is set, or holds a sweep of another experiment.
    """
    force = bool(spec.get("force"))
    if force and resume:
        raise UsageError(
            "--force starts the sweep afresh and --resume continues the one in --out. "
            "Fix: give one of them"
        )
    sources = [("dataset", Path(spec["inputs"]))]
    sources += [("model file", Path(spec["model_file"]))] if spec.get("model_file") else []
    refuse_overlap(folder, sources)
    refuse_file_ancestor(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(f"--out {folder} is not a folder. Fix: choose another --out")
    if folder.exists() and not is_empty_dir(folder):
        _refuse_foreign(folder, force)
    if not force and not resume and (folder / "sweep.csv").exists():
        raise UsageError(
            f"{folder} already holds a sweep. Fix: pass --resume to continue it, --force to "
            "replace it, or choose another --out"
        )
    if resume and now is not None:
        refuse_other_experiment(folder, now, header or [])


def _refuse_foreign(folder: Path, force: bool) -> None:
    """Refuse a folder a sweep may not write into: without `force`, one that is not a sweep's
    (--force is offered only where it would work); with it, one that is not allocator's alone.

    Raises:
        UsageError: why, and the fix that works.
    """
    why = why_not_replaceable(folder, None if force else "sweep")
    if why is None:
        return
    if force:
        raise UsageError(
            f"--out {folder} will not be replaced: {why}, and --force replaces only "
            "allocator's own output folders. Fix: choose another --out"
        )
    replaceable = why_not_replaceable(folder) is None  # another command's run folder
    fix = "pass --force to replace it, or choose another --out" if replaceable else None
    raise UsageError(
        f"--out {folder} will not be written into: {why}. Fix: {fix or 'choose another --out'}"
    )


def clear_for_force(folder: Path) -> None:
    """Remove what an earlier run of allocator left in `folder` (checked by `check_folder`
    under the sweep's lock: allocator's files alone), so the sweep starts afresh in it."""
    import shutil

    for entry in list(os.scandir(folder)):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def mark_folder(folder: Path, spec: dict[str, Any], record: dict[str, Any] | None = None) -> None:
    """Make the folder and mark it as a sweep's (run.json): it is written into only if a sweep
    made it, and `--force` of another command may replace it. `record` (sweep.json, with the
    fingerprint) is written before the first sample."""
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "command": "sweep",
        "inputs": recorded_inputs(spec["inputs"]),
        "model_file": spec.get("model_file"),
        MARKER: marker("sweep", SWEEP_FILES),
    }
    write_json(info, folder / "run.json")
    if record is not None:
        write_json(record, folder / "sweep.json")


class StreamWriter:
    """Appends finished samples to sweep.csv, sweep_programs.csv and sweep_plan.csv, so a killed
    or stopped sweep keeps what it finished and `--resume` continues it (`sweepstream`): each
    batch is on disk whole or not at all, its sweep.csv rows (the samples' commit) last."""

    def __init__(
        self, folder: Path, labels: list[str], values: np.ndarray, plan: list[str] | None = None
    ) -> None:
        from allocator.studies.plantable import PlanTable

        self.values, self.labels = values, labels
        with ExitStack() as opened:  # a file that cannot be opened closes those before it
            self.plan = PlanTable(folder / "sweep_plan.csv", plan or [])
            opened.callback(self.plan.close)
            self.prog = AppendFile(folder / "sweep_programs.csv")
            opened.callback(self.prog.close)
            self.main = AppendFile(folder / "sweep.csv")
            opened.callback(self.main.close)
            # a file left empty (stopped before its first row) gets its header, like a new one
            if self.prog.size() == 0:
                self.prog.append(csv_text([["sample", "program", "invest_musd"]]))
            if self.main.size() == 0:
                self.main.append(csv_text([OUTCOMES + labels]))
            opened.pop_all()

    def write(self, rows: list[dict[str, Any]]) -> int:
        """Append the rows of finished samples; a fault (a full disk, Ctrl-C) cuts the batch off
        again and closes the files, so --resume solves its samples again."""
        sizes = [f.size() for f in self._files()]
        try:
            return self._write(rows)
        except BaseException:
            for f, size in zip(self._files(), sizes, strict=True):
                with suppress(OSError):  # cutting a file shorter frees space: it works
                    f.rollback(size)
            self.close()
            raise

    def _files(self) -> list[AppendFile]:
        return [self.plan.file, self.prog, self.main]

    def _write(self, rows: list[dict[str, Any]]) -> int:
        main, prog = [], []
        for r in rows:
            k = int(r["sample"])
            main.append(
                [
                    k,
                    r["status"],
                    _g(r.get("objective")),
                    _g(r.get("jobs")),
                    _g(r.get("exports")),
                    _g(r.get("targets_missed")),
                    r.get("message", ""),
                ]
                + [_g(v) for v in self.values[k]]
            )
            prog += [[k, p, _g(musd)] for p, musd in sorted(r.get("programs", {}).items())]
            self.plan.write(k, r.get("plan"))
        self.plan.flush()
        self.prog.append(csv_text(prog))
        self.main.append(csv_text(main))  # last: a sample is done once its row is here
        return len(rows)

    def close(self) -> None:
        """Close the tables (a second close does nothing)."""
        self.plan.close()
        self.prog.close()
        self.main.close()


def _g(v: Any) -> str:
    return "" if v is None else f"{v:.12g}"
