"""A study's reference plan: the plan `allocator solve` gives the study's scenario with its
options, and the assumed input rows it relies on, recorded in the study's run.json
(`relied_on`) so its report.html (and `allocator report`'s rebuild of it) says what solve's page
of that plan says. A study's own tables (frontier.csv, sweep_summary.csv, ranges.csv, core.csv)
hold no one plan's shadow prices or allocation by phase, which `report.assumed.relied_on` reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from allocator.data.overrides import Override
from allocator.data.schema import Inputs
from allocator.model.measures import Measure

REFERENCE = "allocator solve's plan of this scenario with the same options"
"""Which plan a study's page counts the assumed rows of (run.json `relied_on.plan`)."""


def reference_relied(
    inp: Inputs,
    objective: str,
    weights: dict[str, float] | None,
    targets: str,
    solver: dict[str, Any] | None,
    measure: Measure,
    overrides: Sequence[Override] = (),
) -> dict[str, Any] | None:
    """run.json's `relied_on`: the reference plan's words and the input rows it relies on
    (limits that bind with a price, programs it funds: `relied_on`, the rule of solve's page),
    by file as positions in each table's canonical order (`relied_positions`: no row number,
    so shuffled rows give the same run.json) of the dataset with the scenario's `overrides`
    (those `inp` was loaded with), recorded beside them so the positions are read back in the
    same tables (`report.assumed.run_assumptions`); None where that plan cannot be solved (the
    page then says the count is not known, never 0)."""
    from allocator.errors import AllocatorError
    from allocator.pipeline import solve_inputs
    from allocator.report import tables as reports
    from allocator.report.assumed import relied_on, relied_positions

    try:
        sol, _ = solve_inputs(inp, objective, weights, targets, solver, None, None, measure)
    except AllocatorError:
        return None
    alloc = reports.allocation(inp, sol)
    tables = {
        "shadow_prices": reports.shadow_prices(sol),
        "allocation_by_phase": reports.allocation_by_phase(inp, alloc),
    }
    return _block(REFERENCE, relied_positions(inp, relied_on(inp, tables)), overrides)


def _block(plan: str, rows: dict[str, list[int]], overrides: Sequence[Override]) -> dict[str, Any]:
    """The `relied_on` record: which plan, its rows by position, and the overrides (if any) of
    the tables those positions are in."""
    block: dict[str, Any] = {"plan": plan, "rows": rows}
    if overrides:
        block["overrides"] = [o.model_dump(mode="json") for o in overrides]
    return block


def spec_relied(inp: Inputs, spec: Any) -> dict[str, Any] | None:
    """`reference_relied` with a run spec's options (`runs.spec.RunSpec`: frontier,
    alternatives and sweep)."""
    options = (spec.objective, dict(spec.weights), spec.targets, dict(spec.solver))
    return reference_relied(inp, *options, spec.measured(), spec.overrides)


def run_relied(inp: Inputs, run: Path, overrides: Sequence[Override] = ()) -> dict[str, Any] | None:
    """`relied_on` of a study of the plan of run folder `run` (`sweep --plan RUN`): the rows
    that plan relies on, from its own tables (None: the folder has none of them), in `inp`
    loaded with `overrides` (`reference_relied`)."""
    from allocator.report.assumed import has_prices, relied_on, relied_positions

    tables = relied_tables(run)
    if not tables:
        return None
    block = _block(f"the plan of {run}", relied_positions(inp, relied_on(inp, tables)), overrides)
    if not has_prices(tables.get("shadow_prices")):  # a near-optimal or two-stage plan's
        block["priced"] = False  # which limits bind with a price is not known (`relied_basis`)
    return block


RELIED_TABLES = ("shadow_prices", "allocation_by_phase")
"""The tables of a run folder `run_relied` reads (`sweep --plan RUN`)."""


def relied_tables(run: Path) -> dict[str, Any]:
    """The tables of `RELIED_TABLES` that run folder `run` holds, each read as allocator wrote
    it (`readback.read_table`), by name.

    Raises:
        UsageError: a table that cannot be read, or a cell no writer of allocator's writes,
            naming the file, row and column.
    """
    from allocator.report.readback import read_table

    fix = "Fix: give --plan a run folder whose tables are as `allocator solve` wrote them"
    names = [n for n in RELIED_TABLES if (run / f"{n}.csv").is_file()]
    return {n: read_table(run / f"{n}.csv", fix) for n in names}


def record_relied(folder: Path, block: dict[str, Any] | None) -> None:
    """`block` as `relied_on` of the run.json in `folder` (a sweep's, written before its
    samples), so its page, and `allocator report`'s rebuild of it, counts the rows."""
    from allocator.report.placing import write_text_atomic
    from allocator.report.readback import read_run_json
    from allocator.report.write import json_text
    from allocator.studies.sweepfolder import AGAIN

    info = read_run_json(folder, AGAIN)
    if block is None or info.get("relied_on") == block:
        return
    info["relied_on"] = block
    write_text_atomic(folder / "run.json", json_text(info) + "\n")
