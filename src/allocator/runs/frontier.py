"""`allocator frontier` as a run: `frontier` traces the frontier of two measures and writes its
folder (frontier.csv, frontier.png, run.json) through the shared wrapper. The tracing is
`allocator.studies.frontier`; this module adds what a planner must be told beside it (a
frontier of one plan, and whether the targets pin it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.data.schema import Inputs
from allocator.errors import UsageError
from allocator.model.measures import SHORTFALL, Axis, axis
from allocator.pipeline import built_lp, tell_notes
from allocator.report.assumed import recorded_inputs
from allocator.report.write import write_run
from allocator.runs.arguments import refuse_ignored, spec_given, whole
from allocator.runs.common import Study, run_study
from allocator.runs.notes import told
from allocator.runs.spec import RunSpec
from allocator.solver.compile import CompiledLP
from allocator.solver.passes import apply_options, optimum
from allocator.studies.reference import spec_relied

MIN_POINTS, MAX_POINTS = 2, 200
"""The points a frontier takes (`--points`): two ends at least; 200 is plenty for a chart."""

PLANS = (
    "the end points: allocator solve's passes and tie rule (for jobs against exports, its plan "
    "for each objective); the points between: the vertex their efficiency passes end at"
)
"""Which rule picked each point's plan among tied ones (run.json `plans`)."""


def axes_of(inp: Inputs, spec: RunSpec, x: str, y: str) -> tuple[Axis, Axis]:
    """The two axes of a frontier, checked against the dataset and the options."""
    soft = spec.targets == "soft" and any(t.value > 0 for t in inp.targets)
    years, milestones = inp.years, [m.year for m in inp.milestones]
    measured = spec.measured()
    ax, ay = axis(x, measured, years, milestones, soft), axis(y, measured, years, milestones, soft)
    if ax.words == ay.words:  # the same name, or `jobs` and `jobs@2040` under the final measure
        raise UsageError(
            f"--x '{x}' and --y '{y}' are one measure ({ax.words}). Fix: give two different "
            "measures"
        )
    return ax, ay


def frontier(
    spec: RunSpec | Path | str | None = None,
    /,
    points: int = 11,
    x: str = "exports",
    y: str = "jobs",
    warn: Callable[[str], None] | None = None,
    **options: Any,
) -> FrontierRun:
    """Trace the frontier of `y` against `x` in `points` points and write frontier.csv,
    frontier.png and run.json atomically (`allocator frontier`). `spec` and `options` as for
    `runs.solve.solve`; `warn` is told the dataset's notes (a broken fact) and the numerics
    warnings, as solve's (None: as `AllocatorWarning`s)."""
    points = whole("points", points, MIN_POINTS, MAX_POINTS, 11)
    spec = spec_given(spec, options)
    warn = told(warn)  # a Python caller's default: AllocatorWarning
    refuse_ignored("frontier", spec, options)

    def study(inp: Inputs) -> Study[FrontierRun]:
        from allocator.report.studyplots import frontier_plot  # matplotlib only here

        tell_notes(inp, warn, uncertainty=False)

        table, notes, x_axis, y_axis = trace(inp, spec, points, x, y, warn)
        info = {
            "command": "frontier",
            "points": points,
            "x": {"measure": x_axis.name, "words": x_axis.words, "unit": x_axis.unit},
            "y": {"measure": y_axis.name, "words": y_axis.words, "unit": y_axis.unit},
            "plans": PLANS,
            "targets": spec.targets,
            "measure": spec.measured().as_dict(),
            "notes": notes,
            "inputs": recorded_inputs(spec.inputs, inp.file_hashes),
            "relied_on": spec_relied(inp, spec),  # the assumed rows its page counts
            **({"cells_set": [dict(c) for c in inp.cells_set]} if inp.cells_set else {}),
        }
        title = f"{y_axis.words[0].upper()}{y_axis.words[1:]} against {x_axis.words}"
        plot = frontier_plot(table, title)
        return Study(
            FrontierRun(table, notes, info),
            info,
            lambda tmp, info: write_run(tmp, {"frontier": table}, info, plot, command="frontier"),
        )

    folder, done = run_study(spec, "frontier", study)
    done.result.folder = folder
    return done.result


@dataclass
class FrontierRun:
    """A traced frontier: its table, the lines to show beside it, run.json and the folder."""

    table: pd.DataFrame
    notes: list[str]
    info: dict[str, Any]
    folder: Path | None = None


def trace(
    inp: Inputs,
    spec: RunSpec,
    points: int,
    x: str,
    y: str,
    warn: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, list[str], Axis, Axis]:
    """The frontier table of the loaded scenario, the notes beside it and its two axes; `warn`
    is told the numerics warnings of its LP, as solve's (None: say nothing)."""
    from allocator.solver.numerics import told_numerics
    from allocator.studies.frontier import distinct, frontier_table

    x_axis, y_axis = axes_of(inp, spec, x, y)
    lp, _ = built_lp(inp, spec.targets, measure=spec.measured())
    told_numerics(lp, warn)
    apply_options(lp, spec.solver)
    table = frontier_table(inp, lp, x_axis, y_axis, points)
    notes = []
    if distinct(list(table[["x_value", "y_value"]].itertuples(name="Point", index=False))) == 1:
        notes = _one_plan(lp, x_axis, y_axis)
    return table, notes, x_axis, y_axis


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
