"""What every run shares: the `Run` it returns, the provenance run.json records, and the one
wrapper a command's study is written through (`run_study`). What a caller gives a run is
checked in `runs/arguments.py`."""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd

from allocator.data.schema import Inputs
from allocator.model.solution import Solution
from allocator.pipeline import load_scenario
from allocator.report import tables as reports
from allocator.report.assumed import recorded_inputs
from allocator.report.faults import output_faults
from allocator.report.folders import DEFAULT_FOLDER, refuse_mount_point, refuse_overlap
from allocator.report.placing import (
    atomic_run_dir,
    check_results,
    check_target,
    default_run_dir,
    release_run_dir,
)
from allocator.runs.spec import RunSpec

PACKAGES = ("allocator", "pyomo", "highspy", "pandas", "numpy", "pydantic")
"""The packages run.json lists. pyomo stays although solve never imports it: it is a dependency
of allocator (the Pyomo view, `model.linear.to_pyomo`), reading its version imports nothing, and
`--check-against` compares each version an earlier run.json recorded."""

OUT_LABEL: ContextVar[str] = ContextVar("out_label", default="--out")
"""The option a run's `spec.out` came from, as its refusals and faults name it: `--out` on the
command line; serve's Save writes `<--results>/<name>` (`out_label`)."""


@contextmanager
def out_label(label: str) -> Iterator[None]:
    """Name `spec.out` as `label` in what the runs started in the block say (serve's Save:
    `--results`, the option its user has)."""
    token = OUT_LABEL.set(label)
    try:
        yield
    finally:
        OUT_LABEL.reset(token)


T = TypeVar("T")
Sources = list[tuple[str, Path | None]]
Writer = Callable[[Path, dict[str, Any]], object]
"""Writes a study's files into a (temporary) folder, given its run.json content."""


@dataclass
class Run:
    """A finished solve: the data, the solution, its tables, run.json's content and the folder
    written (None: solved in memory)."""

    inputs: Inputs
    solution: Solution
    tables: dict[str, pd.DataFrame]
    info: dict[str, Any]
    folder: Path | None = None


@dataclass
class Study(Generic[T]):
    """What a command's study gives the wrapper: its result, run.json's content and how to write
    its files."""

    result: T
    info: dict[str, Any]
    write: Writer


def packages() -> dict[str, str]:
    """Python's version and those of the packages a result depends on, as run.json records (a
    new dict each call; the versions are read once a process)."""
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str]:
    """`packages`, read from the installed metadata (a few ms: each name is looked up on
    sys.path) once: the versions do not change while a process runs."""
    return {"python": platform.python_version(), **{p: version_of(p) for p in PACKAGES}}


def version_of(package: str) -> str:
    """The installed version of `package`, or "not installed"."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def provenance(spec: RunSpec) -> dict[str, Any]:
    """What run.json records of every run: the package versions and the spec (`spec`)."""
    return {"packages": packages(), "spec": spec.stored()}


def refuse_unsafe(out: Path | None, force: bool, sources: Sources) -> None:
    """Refuse an output folder that may not be written, before any work: nothing changes."""
    if out is not None:
        check_target(out, force, sources, OUT_LABEL.get())
        refuse_mount_point(out, OUT_LABEL.get())


def write_folder(
    spec: RunSpec, kind: str, sources: Sources, write: Callable[[Path], object]
) -> Path:
    """Write a run folder atomically: `spec.out`, else a new folder under `spec.results` (which
    is removed again if the run fails)."""
    with output_faults(spec.results):
        named = "-".join([kind, *spec.differs()])  # e.g. jobs-cumulative-targets_hard
        folder = spec.out or default_run_dir(spec.results, spec.label(), named)
    try:
        label = OUT_LABEL.get() if spec.out is not None else DEFAULT_FOLDER
        with atomic_run_dir(folder, spec.force, sources, label) as tmp:
            write(tmp)
    except BaseException:
        if spec.out is None:  # the folder default_run_dir made: nothing of it is left behind
            release_run_dir(folder)
        raise
    return folder


def run_study(
    spec: RunSpec,
    kind: str,
    study: Callable[[Any], Study[T]],
    sources: Sources | None = None,
    load: Callable[[], Inputs | None] | None = None,
) -> tuple[Path, Study[T]]:
    """The one wrapper of a run: refuse an unsafe output early, load the scenario, run the
    study, add the provenance to its run.json and write its folder atomically.

    Args:
        spec: the run's spec (its scenario is loaded; its output options are obeyed).
        kind: the run's kind in a default folder name (the objective, frontier, ...).
        study: the study on the loaded dataset.
        sources: the inputs the folder must keep clear of (default: the spec's).
        load: how to load the dataset (default: the spec's scenario; compare's items load
            their own).
    """
    sources = spec.sources() if sources is None else sources
    refuse_unsafe(spec.out, spec.force, sources)
    if spec.out is None:  # the folder it would name under results/, refused before any work
        refuse_overlap(spec.results / "\u2026", sources, DEFAULT_FOLDER)
        check_results(spec.results)
    inp = load() if load is not None else scenario_of(spec)
    done = study(inp)
    done.info |= provenance(spec)
    folder = write_folder(spec, kind, sources, lambda tmp: done.write(tmp, done.info))
    return folder, done


def scenario_of(spec: RunSpec) -> Inputs:
    """The dataset of a spec's scenario, its overrides and sets applied in order."""
    return load_scenario(spec.inputs, spec.overrides, spec.model_file)


def run_info(
    inp: Inputs, sol: Solution, spec: RunSpec, timings: dict[str, float]
) -> dict[str, Any]:
    """Everything needed to trust and repeat a run (no timestamps: the folder name has one)."""
    last = inp.last_milestone
    measure = spec.measured()
    info: dict[str, Any] = {
        "status": sol.status,
        "objective": {
            "name": sol.objective,
            "value": sol.objective_value,
            "sense": "maximize",
            "unit": sol.objective_unit,
            "label": reports.objective_label(sol, last),
        },
        "measure": measure.as_dict()
        | {"jobs_unit": measure.units()[0], "exports_unit": measure.units()[1]},
        "outcomes": {
            **{
                f"{kind}_{m.year}{unit}": sol.totals.get(f"{kind}@{m.year}", 0.0)
                for m in inp.milestones
                for kind, unit in (("jobs", ""), ("exports", "_musd"))
            },
            "least_weighted_target_shortfall": sol.totals.get("weighted_shortfall"),
            "objective_without_targets": sol.totals.get("objective_without_targets"),
        },
        "solver": sol.solver,
        "packages": packages(),
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "inputs": recorded_inputs(spec.inputs, inp.file_hashes)
        | {"number_style": inp.number_style},  # as settings.csv declares it; null: undeclared
        "options": options_block(spec, sol),
        "spec": spec.stored(),
        "conventions": {
            "money": "US$ million (musd)",
            "shadow_price": "change of the objective per unit increase of the right-hand side",
            "reduced_cost": "change of the objective per unit increase of the variable's bound",
        },
    }
    if inp.cells_set:  # each cell a --set or set: changed, its value before and after
        info["cells_set"] = [dict(c) for c in inp.cells_set]
    return info


def options_block(spec: RunSpec, sol: Solution) -> dict[str, Any]:
    """run.json's `options`, as runs before the spec block wrote it (the terminal summary and
    report.html read it)."""
    model, read = spec.model_file, spec.scenario.model_read()  # the bytes solved: one read
    return {
        "objective": spec.objective,
        "targets": spec.targets,
        "measure": spec.measure,
        "discount_rate": spec.measured().as_dict()["discount_rate"],
        "model_file": None if model is None else str(model),
        "model_file_absolute": None if model is None else os.path.abspath(model),
        "model_file_sha256": None if read is None else read.sha256,
        "overrides": [o.model_dump(exclude_none=True) for o in spec.overrides],
        "solver": spec.solver,
        "weights": sol.weights,
        "write_model": spec.write_model,
        "force": spec.force,
    }
