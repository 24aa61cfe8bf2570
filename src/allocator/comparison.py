"""Plans side by side as a run: each item (an objective, a model file or a run folder) becomes a
view, solved where it needs solving; `run_compare` writes compare.csv,
compare.xlsx and run.json. The views and the table are `allocator.studies.compare`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from allocator.errors import UsageError
from allocator.model.build import OBJECTIVES
from allocator.pipeline import (
    SolveOptions,
    options_of,
    packages,
    plan,
    sources_of,
)
from allocator.report.write import atomic_run_dir, check_target, default_run_dir


def _views(steps: list[tuple[str, SolveOptions | Path]]) -> list[Any]:
    from allocator.studies.compare import load_run, view_of

    views = []
    for item, what in steps:
        if isinstance(what, SolveOptions):
            run = plan(what)
            label = item if item in OBJECTIVES else Path(item).stem
            views.append(view_of(label, run.info, run.tables))
        else:
            views.append(load_run(what))
    return views


def _compare_plan(
    items: list[str],
    inputs: Path | None,
    targets: str | None,
    measure: tuple[str | None, float | None] = (None, None),
    model: Path | None = None,
    sets: list[Any] | None = None,
) -> list[tuple[str, SolveOptions | Path]]:
    """Each item with what it needs: the options to solve it, or the run folder to read. An
    objective is solved on `model`'s scenario (dataset, overrides, targets) if given."""
    steps: list[tuple[str, SolveOptions | Path]] = []
    for item in items:
        path = Path(item)
        if item in OBJECTIVES:
            steps.append((item, options_of(model, inputs, item, None, targets, *measure)))
        elif path.suffix in (".yaml", ".yml"):
            steps.append((item, options_of(path, inputs, None, None, targets, *measure)))
        elif path.is_dir():
            steps.append((item, path))
        else:
            raise UsageError(
                f"'{item}' is not an objective ({', '.join(OBJECTIVES)}), a model "
                "file (.yaml) or a run folder. Fix: name one of those"
            )
    for _, what in steps:  # the --set overrides, after each model file's (not on run folders)
        if isinstance(what, SolveOptions):
            what.overrides = [*what.overrides, *(sets or [])]
    return steps


def run_compare(
    items: list[str],
    inputs: Path | None,
    targets: str | None,
    out: Path | None,
    force: bool,
    measure: tuple[str | None, float | None] = (None, None),
    model: Path | None = None,
    sets: list[Any] | None = None,
) -> tuple[Path, pd.DataFrame]:
    """Compare the items and write compare.csv, compare.xlsx and run.json atomically; the folder
    is checked against every input (datasets, model files, run folders) before any solve.
    `measure` is `--measure` and `--discount-rate` (None: each item's own); objectives are
    solved on the scenario of the model file `model`, if given."""
    from allocator.report.html import write_report
    from allocator.report.write import write_run_json
    from allocator.studies.compare import compare, dominated, write_compare

    steps = _compare_plan(items, inputs, targets, measure, model, sets)
    sources: list[tuple[str, Path | None]] = []
    for _, what in steps:
        sources += sources_of(what) if isinstance(what, SolveOptions) else [("run folder", what)]
    folder = out or default_run_dir(
        Path("results"), "compare", "-".join(Path(i).stem for i in items)[:60]
    )
    if out is not None:
        check_target(out, force, sources)
    table = compare(_views(steps))
    info = {
        "command": "compare",
        "items": items,
        "model_file": None if model is None else str(model),
        "targets": targets,
        "measure": measure[0],
        "discount_rate": measure[1],
        "sets": [s.set_cell.text for s in sets or []],
        "dominated": dominated(table),
        "packages": packages(),
    }
    with atomic_run_dir(folder, force, sources) as tmp:
        write_compare(table, tmp)
        write_report(tmp, {"compare": table}, info)  # each plan has its own assumptions
        write_run_json(info, tmp, "compare")
    return folder, table
