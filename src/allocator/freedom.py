"""`allocator alternatives` as a run: near-optimal ranges (`allocator.studies.alternatives`),
in this process or spread over Dask workers, and maximally different plans written as run
folders that `allocator compare` reads. This module adds what a run needs from the pipeline
(options, sources, tables, package versions) beside the study.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.data.modelfile import load_dataset
from allocator.pipeline import (
    SolveOptions,
    objective_unit,
    objective_words,
    packages,
    sheets_of,
    sources_of,
    tables_of,
)
from allocator.report.write import atomic_run_dir, check_target, default_run_dir, write_run
from allocator.solver.alternatives import End, release
from allocator.solver.results import plan_solution
from allocator.studies.alternatives import (
    CLASS_WORDS,
    NARROW,
    ZERO_MUSD,
    HeldModel,
    batches,
    different_plans,
    held_model,
    ranges_table,
    solve_batch,
    solve_members,
    tasks_of,
)

Progress = Callable[[int, int], None]


def ranges_on_dask(
    model: HeldModel,
    names: list[str],
    scheduler: str | None,
    workers: int,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """The ranges of `names` in batches on Dask workers: the held LP is sent to every worker
    once, and each builds its own instance of it and keeps it for all its batches."""
    from distributed import as_completed

    from allocator.studies.sweeprun import dask_client

    parts = batches(names, workers)
    rows: list[dict[str, Any]] = []
    with dask_client(scheduler, workers) as client:
        state, cost = client.scatter([model.state, model.held.cost], broadcast=True)
        tasks = [tasks_of(model, b) for b in parts]
        futures = client.map(
            solve_batch, [state] * len(tasks), [cost] * len(tasks), tasks, pure=False
        )
        for future in as_completed(futures):
            rows += future.result()
            if progress:
                progress(len(rows), len(names))
    return rows


def ranges_serial(
    model: HeldModel, names: list[str], progress: Progress | None = None
) -> list[dict[str, Any]]:
    """The ranges of `names` on `model`'s instance, one member after another."""
    rows: list[dict[str, Any]] = []
    for name in names:
        rows += solve_members(model, [name])
        if progress:
            progress(len(rows), len(names))
    return rows


def run_alternatives(
    opts: SolveOptions,
    slack: float = 0.02,
    by: str = "program",
    count: int = 0,
    scheduler: str | None = None,
    workers: int = 2,
    serial: bool = True,
    progress: Progress | None = None,
) -> tuple[Path, pd.DataFrame, dict[str, Any]]:
    """Ranges (and `count` maximally different plans) within `slack` of the optimum, written
    atomically: ranges.csv, ranges.png, workbook.xlsx, run.json and alternative-<k>/ run
    folders. Returns the folder, the ranges table and run.json's content."""
    from allocator.report.rangeplot import plot_ranges  # matplotlib only here

    if opts.out is not None:
        check_target(opts.out, opts.force, sources_of(opts))
    inp = load_dataset(opts.inputs, opts.overrides, str(opts.model_file))
    measure = opts.measured()
    model = held_model(inp, opts.objective, opts.targets, measure, slack, by, opts.solver)
    names = list(model.members)
    if serial:
        rows = ranges_serial(model, names, progress)
    else:
        rows = ranges_on_dask(model, names, scheduler, workers, progress)
    unit = objective_unit(opts.objective, measure)
    table = ranges_table(by, rows, unit)
    plans = different_plans(model, count, opts.objective) if count else []
    model.solver.restore()
    release(model.lp, model.held)
    info = _info(opts, model, slack, by, unit, plans, inp)
    label = opts.name or Path(opts.inputs).name
    folder = opts.out or default_run_dir(opts.results, label, "alternatives")
    words = objective_words(inp, opts.objective, measure)
    title = f"Funding by {by} within {slack:.1%} of the best {words}"

    def extra(f: Path) -> object:
        plot_ranges(table, f / "ranges.png", title)
        for k, end in enumerate(plans, start=1):
            _write_plan(f / f"alternative-{k}", model, end, opts, info, k)
        return None

    with atomic_run_dir(folder, opts.force, sources_of(opts)) as tmp:
        write_run(tmp, {"ranges": table}, info, extra, command="alternatives")
    return folder, table, info


def _info(
    opts: SolveOptions,
    model: HeldModel,
    slack: float,
    by: str,
    unit: str,
    plans: list[End],
    inp: Any,
) -> dict[str, Any]:
    held = model.held
    return {
        "command": "alternatives",
        "slack": slack,
        "by": by,
        "objective": {
            "name": opts.objective,
            "optimum": held.optimum,
            "bound": held.bound,
            "unit": unit,
            "rule": "every plan counted keeps objective >= optimum - slack * |optimum|",
        },
        "least_weighted_target_shortfall": model.opt.least_shortfall,
        "classification": {
            "zero_musd": ZERO_MUSD,
            "narrow_share": NARROW,
            "classes": CLASS_WORDS,
        },
        "alternatives": [
            {
                "folder": f"alternative-{k}",
                "objective": end.objective,
                "earlier_money_kept_musd": end.value,
                "method": "Hop-Skip-Jump: least money where the optimum and earlier plans put it",
            }
            for k, end in enumerate(plans, start=1)
        ],
        "targets": opts.targets,
        "measure": opts.measured().as_dict(),
        "inputs": {"folder": str(opts.inputs), "sha256": dict(sorted(inp.file_hashes.items()))},
        "model_file": None if opts.model_file is None else str(opts.model_file),
        "packages": packages(),
    }


def _write_plan(
    folder: Path, model: HeldModel, end: End, opts: SolveOptions, info: dict[str, Any], k: int
) -> None:
    """An alternative as a normal run folder (tables, workbook, run.json) for `compare`."""
    unit = info["objective"]["unit"]
    words = objective_words(model.inputs, opts.objective, opts.measured())
    sol = plan_solution(model.lp, end.x, model.held.cost, opts.objective, unit, words)
    tables = tables_of(model.inputs, sol)
    run = {
        "status": "near-optimal",
        "alternative": k,
        "slack": info["slack"],
        "objective": {
            "name": opts.objective,
            "value": sol.objective_value,
            "optimum": info["objective"]["optimum"],
            "bound": info["objective"]["bound"],
            "unit": unit,
            "label": sol.label,
        },
        "notes": [
            "A near-optimal alternative is not the optimum of its objective, so no shadow "
            "price, reduced cost or allowable range belongs to it: those cells are empty."
        ],
        "inputs": info["inputs"],
        "packages": info["packages"],
    }
    folder.mkdir()
    write_run(folder, tables, run, sheets=sheets_of(model.inputs, sol, tables))
