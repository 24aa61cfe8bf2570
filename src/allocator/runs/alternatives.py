"""`allocator alternatives` as a run: near-optimal ranges (`allocator.studies.alternatives`),
in this process or spread over Dask workers, and maximally different plans written as run
folders that `allocator compare` reads, all written through the shared wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.schema import Inputs
from allocator.model.solution import NOTHING_WEIGHED
from allocator.pipeline import objective_unit, objective_words, sheets_of, tables_of
from allocator.report.assumed import recorded_inputs
from allocator.report.nearoptimal import held_words as held_text
from allocator.report.nearoptimal import objective_existing, slack_percent
from allocator.report.write import write_run
from allocator.runs.arguments import (
    check_weights_given,
    refuse_ignored,
    slack_given,
    spec_given,
    whole,
)
from allocator.runs.common import Study, run_study
from allocator.runs.notes import told
from allocator.runs.spec import RunSpec
from allocator.solver.alternatives import End, Held, release
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
from allocator.studies.daskclient import check_workers
from allocator.studies.reference import spec_relied

Progress = Callable[[int, int], None]

MAX_COUNT = 50
"""The most maximally different plans asked for (`--alternatives`)."""


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

    from allocator.studies.daskclient import dask_client

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


def alternatives(
    spec: RunSpec | Path | str | None = None,
    /,
    slack: float = 0.02,
    by: str = "program",
    count: int = 0,
    where: tuple[str | None, int, bool] = (None, 2, True),
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
    **options: Any,
) -> AlternativesRun:
    """Ranges (and `count` maximally different plans) within `slack` of the optimum, written
    atomically (`allocator alternatives`): ranges.csv, ranges.png, workbook.xlsx, run.json and
    alternative-<k>/ run folders. `where` is (scheduler, workers, serial): in this process, or
    on Dask. `spec` and `options` as for `runs.solve.solve`; `warn` is told the dataset's notes
    (a broken fact) and the numerics warnings, as solve's (None: as `AllocatorWarning`s)."""
    from allocator.pipeline import tell_notes

    slack, count = slack_given(slack), whole("count", count, 0, MAX_COUNT, 3, "--alternatives")
    where = (where[0], whole("workers", where[1], 1), where[2])
    check_workers(where[1], where[0], where[2])  # before the data is read
    spec = spec_given(spec, options)
    warn = told(warn)  # a Python caller's default: AllocatorWarning
    refuse_ignored("alternatives", spec, options)
    check_weights_given(spec)

    def study(inp: Inputs) -> Study[AlternativesRun]:
        tell_notes(inp, warn, uncertainty=False)
        table, info, model, plans = ranges_of(inp, spec, slack, by, count, where, progress, warn)
        words = objective_words(inp, spec.objective, spec.measured())
        title = f"Funding by {by} within {slack_percent(slack)} of the best {words}"

        def write(folder: Path, info: dict[str, Any]) -> None:
            from allocator.report.rangeplot import plot_ranges  # matplotlib only here

            def extra(f: Path) -> object:
                plot_ranges(table, f / "ranges.png", title)
                for k, end in enumerate(plans, start=1):
                    _write_plan(f / f"alternative-{k}", model, end, spec, info, k)
                return None

            write_run(folder, {"ranges": table}, info, extra, command="alternatives")

        return Study(AlternativesRun(table, info), info, write)

    folder, done = run_study(spec, "alternatives", study)
    done.result.folder = folder
    return done.result


@dataclass
class AlternativesRun:
    """Near-optimal ranges: the ranges table, run.json's content and the folder written."""

    table: pd.DataFrame
    info: dict[str, Any]
    folder: Path | None = None


def ranges_of(
    inp: Inputs,
    spec: RunSpec,
    slack: float,
    by: str,
    count: int,
    where: tuple[str | None, int, bool],
    progress: Progress | None,
    warn: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any], HeldModel, list[End]]:
    """The ranges table, run.json's content, the held model and the different plans; `warn` is
    told the numerics warnings of the LP, as solve's."""
    scheduler, workers, serial = where
    measure = spec.measured()
    model = held_model(
        inp, spec.objective, spec.targets, measure, slack, by, spec.solver, spec.weights, warn
    )
    names = list(model.members)
    if serial:
        rows = ranges_serial(model, names, progress)
    else:
        rows = ranges_on_dask(model, names, scheduler, workers, progress)
    unit = objective_unit(spec.objective, measure)
    table = ranges_table(by, rows, unit)
    plans = different_plans(model, count, spec.objective) if count else []
    model.solver.restore()
    release(model.lp, model.held)
    return table, _info(spec, model, slack, by, unit, plans, inp, count), model, plans


def _info(
    spec: RunSpec,
    model: HeldModel,
    slack: float,
    by: str,
    unit: str,
    plans: list[End],
    inp: Any,
    count: int = 0,
) -> dict[str, Any]:
    held = model.held
    existing = objective_existing(inp, spec.objective, spec.measured().kind)
    objective: dict[str, Any] = {"name": spec.objective, "optimum": held.optimum, "unit": unit}
    if existing is not None:  # the part of the optimum and the floor that exists whatever is spent
        objective["existing"] = existing
    return {
        "command": "alternatives",
        "slack": slack,
        "by": by,
        "objective": {
            **objective,
            "bound": held.bound,
            "holds": held_words(objective, held),
            "rule": "every plan counted keeps objective >= optimum - slack * |optimum|",
            "plan": "the optimum is allocator solve's plan (its tie rule: docs/outputs.md, Ties)",
        },
        "least_weighted_target_shortfall": model.opt.least_shortfall,
        "classification": {
            "zero_musd": ZERO_MUSD,
            "narrow_share": NARROW,
            "classes": CLASS_WORDS,
        },
        "alternatives_asked": count,
        "alternatives": [
            {
                "folder": f"alternative-{k}",
                "objective": end.objective,
                "earlier_money_kept_musd": end.value,
                "method": "Hop-Skip-Jump: least money where the optimum and earlier plans put it",
            }
            for k, end in enumerate(plans, start=1)
        ],
        "targets": spec.targets,
        "measure": spec.measured().as_dict(),
        "inputs": recorded_inputs(spec.inputs, inp.file_hashes),
        "model_file": None if spec.model_file is None else str(spec.model_file),
        "relied_on": spec_relied(inp, spec),  # the assumed rows its page counts
        **({"cells_set": [dict(c) for c in inp.cells_set]} if inp.cells_set else {}),
    }


def held_words(objective: dict[str, Any], held: Held) -> str:
    """What the objective row holds, as the terminal says it: `jobs >= 534,427 jobs` (the
    optimum less the slack; the row's own bound is lower by `HOLD_TOLERANCE`, a solver's margin
    no planner reads), with the part that exists before the plan, the optimum and what the
    slack gives up of the new part where the objective has one (`nearoptimal.held_words`); a
    weighted index that weighs nothing (every cost 0: `NOTHING_WEIGHED`) holds every plan, and
    says so."""
    name = objective["name"]
    if name == "weighted" and not np.any(held.cost):
        return f"every plan, the {name} index having {NOTHING_WEIGHED}"
    floor = held.optimum - held.slack * abs(held.optimum) + 0.0  # never -0
    return held_text(objective, held.slack, floor)


def _write_plan(
    folder: Path, model: HeldModel, end: End, spec: RunSpec, info: dict[str, Any], k: int
) -> None:
    """An alternative as a normal run folder (tables, workbook, run.json) for `compare`."""
    unit = info["objective"]["unit"]
    words = objective_words(model.inputs, spec.objective, spec.measured())
    sol = plan_solution(model.lp, end.x, model.held.cost, spec.objective, unit, words)
    tables = tables_of(model.inputs, sol)
    run = {
        "status": "near-optimal",
        "alternative": k,
        "slack": info["slack"],
        "objective": {
            "name": spec.objective,
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
