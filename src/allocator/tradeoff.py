"""The frontier of two measures as a run: `run_frontier` traces it and writes its folder
(frontier.csv, frontier.png, run.json). The tracing is `allocator.studies.frontier`; this
module adds what a run needs from the pipeline (options, sources, package versions) and what a
planner must be told beside it (a frontier of one plan, and whether the targets pin it).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.data.modelfile import load_dataset
from allocator.data.schema import Inputs
from allocator.errors import UsageError
from allocator.model.measures import SHORTFALL, Axis, axis
from allocator.pipeline import SolveOptions, packages, sources_of
from allocator.report.write import atomic_run_dir, check_target, default_run_dir, write_run
from allocator.solver.compile import CompiledLP, build_lp
from allocator.solver.passes import apply_options, optimum


def axes_of(inp: Inputs, opts: SolveOptions, x: str, y: str) -> tuple[Axis, Axis]:
    """The two axes of a frontier, checked against the dataset and the options."""
    if x == y:
        raise UsageError(f"--x and --y are both '{x}'. Fix: give two different measures")
    soft = opts.targets == "soft" and any(t.value > 0 for t in inp.targets)
    years, milestones = inp.years, [m.year for m in inp.milestones]
    return tuple(axis(a, opts.measured(), years, milestones, soft) for a in (x, y))  # type: ignore[return-value]


def run_frontier(
    opts: SolveOptions, points: int, x: str = "exports", y: str = "jobs"
) -> tuple[Path, pd.DataFrame, list[str]]:
    """Trace the frontier of `y` against `x` and write frontier.csv, frontier.png and run.json
    atomically. Returns the folder, the table and the lines to show beside it."""
    from allocator.report.plots import frontier_plot  # matplotlib only here
    from allocator.studies.frontier import distinct, frontier_table

    if opts.out is not None:
        check_target(opts.out, opts.force, sources_of(opts))
    inp = load_dataset(opts.inputs, opts.overrides, str(opts.model_file))
    x_axis, y_axis = axes_of(inp, opts, x, y)
    lp, _ = build_lp(inp, opts.targets, measure=opts.measured())
    apply_options(lp, opts.solver)
    table = frontier_table(inp, lp, x_axis, y_axis, points)
    notes = []
    if distinct(list(table[["x_value", "y_value"]].itertuples(name="Point", index=False))) == 1:
        notes = _one_plan(lp, x_axis, y_axis)
    label = opts.name or Path(opts.inputs).name
    folder = opts.out or default_run_dir(opts.results, label, "frontier")
    info = {
        "command": "frontier",
        "points": points,
        "x": {"measure": x_axis.name, "words": x_axis.words, "unit": x_axis.unit},
        "y": {"measure": y_axis.name, "words": y_axis.words, "unit": y_axis.unit},
        "targets": opts.targets,
        "measure": opts.measured().as_dict(),
        "notes": notes,
        "inputs": {"folder": str(opts.inputs), "sha256": dict(sorted(inp.file_hashes.items()))},
        "packages": packages(),
    }
    title = f"{y_axis.words[0].upper()}{y_axis.words[1:]} against {x_axis.words}"
    with atomic_run_dir(folder, opts.force, sources_of(opts)) as tmp:
        write_run(tmp, {"frontier": table}, info, frontier_plot(table, title), command="frontier")
    return folder, table, notes


def _one_plan(lp: CompiledLP, x: Axis, y: Axis) -> list[str]:
    """Why there is one plan: it is best for both, or the soft targets pin it (and what holding
    them costs in each measure)."""
    lines = [f"One plan is best for both {x.name} and {y.name}: there is no trade-off to trace."]
    if "shortfall" not in lp.costs or SHORTFALL in (x.name, y.name):
        return lines
    costs = []
    for a in (y, x):
        held = optimum(lp, a.name, ranging=False).objective
        free = optimum(lp, a.name, ranging=False, hold_targets=False).objective
        if free - held > 1e-9 * max(1.0, abs(free)):
            costs.append(f"{free - held:,.0f} {a.unit} ({a.words})")
    if costs:
        lines.append(
            "The soft targets decide this plan: holding their least shortfall gives up "
            + " and ".join(costs)
            + f". Fix: allocator frontier --x shortfall --y {y.name} shows what each unit of "
            "shortfall buys, or --targets off traces the trade-off without the targets."
        )
    return lines
