"""The pipeline: load -> build -> solve -> tables, the one place the steps are chained. The runs
(`allocator.runs`, one module a command) call it and write what it gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from allocator.data.excludes import Exclude, exclude_named, files_own
from allocator.data.inputs import load_inputs
from allocator.data.overrides import Override, told_by
from allocator.data.schema import Inputs
from allocator.errors import InfeasibleError, UsageError
from allocator.model.build import check_choices
from allocator.model.constraints import Robust
from allocator.model.measures import FINAL, Measure
from allocator.model.solution import Solution, weighted_words
from allocator.report import solverreports
from allocator.report import tables as reports
from allocator.report.budgets import budgets
from allocator.report.limits import limits
from allocator.report.outcomes import processing_shares
from allocator.solver.compile import CompiledLP, build_lp
from allocator.solver.numerics import told_numerics
from allocator.solver.passes import apply_options
from allocator.solver.results import solve_lp


def built_lp(
    inp: Inputs,
    targets: str = "soft",
    robust: Robust | None = None,
    measure: Measure | None = None,
    every_link_year: bool = False,
) -> tuple[CompiledLP, dict[str, float]]:
    """`solver.compile.build_lp`, with a plan refused before solving (a hard target no program
    serves) cited in the words of the dataset the user has (`report.explain.explained`: a
    workbook's sheets, not CSV files), for every command that builds an LP.

    Raises:
        InfeasibleError: refused before solving.
    """
    try:
        return build_lp(inp, targets, robust, measure, every_link_year)
    except InfeasibleError as exc:
        from allocator.report.explain import explained

        raise explained(inp, exc) from None


def solve_inputs(
    inp: Inputs,
    objective: str = "jobs",
    weights: dict[str, float] | None = None,
    targets: str = "soft",
    solver: dict[str, float] | None = None,
    warn: Callable[[str], None] | None = None,
    robust: Robust | None = None,
    measure: Measure = FINAL,
) -> tuple[Solution, dict[str, float]]:
    """Build and solve `inp` with the objective measured by `measure`; returns the solution and
    the build/hand-off/solve timings (s).

    Raises:
        InfeasibleError: with `details`, the conflicting constraints and the least relaxation,
            each named with the input file and row it comes from.
    """
    check_choices(objective, targets)
    from allocator.model.solution import Objective

    lp, timings = built_lp(inp, targets, robust, measure)  # robust: "jobs" is the robust cost
    t1 = time.perf_counter()
    apply_options(lp, solver)
    numerics = told_numerics(lp, warn)
    goal = Objective.measured(objective, measure, inp.years[0], inp.years[-1], inp.last_milestone)
    t2 = time.perf_counter()
    try:
        sol = solve_lp(lp, goal, weights, numerics=numerics, keep_solver=False)
    except InfeasibleError as exc:
        from allocator.report.explain import explained  # only an infeasible plan is explained
        from allocator.solver.diagnosis import infeasibility

        raise explained(inp, exc, infeasibility(inp, exc)) from None
    timings["handoff"] += t2 - t1  # numerics checks and solver options
    return sol, timings | {"solve": time.perf_counter() - t2}


def objective_unit(objective: str, measure: Measure) -> str:
    """The unit of `objective` under `measure`: jobs, job-years, pv job-years, musd of exports,
    pv musd of exports or index."""
    if objective == "weighted":
        return "index"
    return measure.units()[objective == "exports"]


def objective_words(inp: Inputs, objective: str, measure: Measure) -> str:
    """The objective in words with its measure."""
    if objective == "weighted":
        return weighted_words(measure.kind)
    jobs, exports = measure.words(inp.years[0], inp.years[-1], inp.last_milestone)
    return jobs if objective == "jobs" else exports


def tables_of(inp: Inputs, sol: Solution) -> dict[str, pd.DataFrame]:
    """Every output table of a run, by file name (without .csv). The allocation is computed once
    here; the tables built on it are given it."""
    alloc = reports.allocation(inp, sol)
    prices = reports.shadow_prices(sol)
    tables = {
        "allocation": alloc,
        "allocation_by_phase": reports.allocation_by_phase(inp, alloc),
        "outcomes": reports.outcomes(inp, sol, alloc),
        "shadow_prices": prices,
        "reduced_costs": reports.reduced_costs(sol),
        "sensitivity": solverreports.sensitivity(sol, prices),
        "limits": limits(sol),
    }
    if inp.shares:  # processing shares per mineral (shares.csv)
        tables["shares"] = processing_shares(inp, alloc)
    if sol.lp is not None:  # which rows hold each column: the LP's matrix
        tables["budgets"] = budgets(inp, sol, sol.lp.matrix)
    return tables


def sheets_of(
    inp: Inputs, sol: Solution, tables: dict[str, pd.DataFrame], label: str | None = None
) -> dict[str, pd.DataFrame]:
    """Workbook sheets: every table, with Excel Solver's Answer, Sensitivity and Limits reports
    by name; the Answer names the objective `label` (run.json's: under --risk, what the value
    is over the scenarios), by default the solution's `objective_label`."""
    sheets = {
        name: frame for name, frame in tables.items() if name not in ("sensitivity", "limits")
    }
    from allocator.report.bookunits import with_value_unit

    label = label or reports.objective_label(sol, inp.last_milestone)
    sheets["Answer"] = solverreports.answer(
        sol, label, tables.get("shadow_prices"), tables.get("reduced_costs")
    )
    sheets["Sensitivity"] = with_value_unit(tables["sensitivity"], tables.get("reduced_costs"))
    sheets["Limits"] = tables["limits"]
    return sheets


def notes_of(inp: Inputs, uncertainty: bool) -> list[str]:
    """What loading set aside (`Inputs.notes`); those on uncertainty.csv only for a command that
    reads it (sweep, --risk)."""
    return [n for n in inp.notes if uncertainty or not n.startswith("uncertainty.csv")]


def tell_notes(
    inp: Inputs,
    warn: Callable[[str], None] | None,
    uncertainty: bool,
    refused: bool = True,
) -> None:
    """Warn each note of `notes_of(inp, uncertainty)` through `warn` (None: say nothing): the
    one way every command that loads a dataset tells a broken fact, a range an override left
    out or a broken uncertainty.csv row. Without `refused`, not the notes on the broken
    uncertainty.csv rows that the command itself refuses in a line (sweep, core's samples)."""
    from allocator.data.uncertainty import REFUSED

    if warn is None:
        return
    for note in notes_of(inp, uncertainty):
        if refused or not note.startswith(REFUSED):
            warn(note)


def load_scenario(
    inputs: Path | str, overrides: Sequence[Override] = (), model_file: Path | None = None
) -> Inputs:
    """The dataset `inputs` with a model file's overrides (and sets) applied in order, refused
    when the overrides leave nothing to allocate (`refuse_empty`)."""
    inp = load_inputs(inputs)
    if not overrides:
        return inp
    from allocator.data.applyoverrides import apply_overrides

    source = str(model_file)
    refuse_empty(inp, list(overrides), source)
    return apply_overrides(inp, list(overrides), source)


def refuse_empty(inp: Inputs, overrides: list[Override], source: str) -> None:
    """Refuse overrides that exclude every program or every pool: no LP is left to solve.

    Raises:
        UsageError: naming each override that removes one, in the order applied, each by its
            own giver's place (`excludes.exclude_named`: the model file's `overrides[0]`, `the
            caller's overrides[1]`), as a refusal of an exclude names it.
    """
    for kind, rows, field_name in (
        ("program", inp.programs, "exclude_program"),
        ("pool", inp.pools, "exclude_pool"),
    ):
        hits = [
            (
                exclude_named(
                    Exclude(o.place or f"overrides[{i}]", files_own(o, source)), source, True
                ),
                getattr(o, field_name),
            )
            for i, o in enumerate(overrides)
        ]
        hits = [(place, name) for place, name in hits if name is not None]
        if {getattr(r, kind) for r in rows} <= {name for _, name in hits}:
            said = ", ".join(f"{place} {field_name} {name}" for place, name in hits[:5])
            said += f" and {len(hits) - 5} more" if len(hits) > 5 else ""
            raise UsageError(
                f"{told_by(source)}nothing is left to allocate: the overrides remove every "
                f"{kind} of the dataset ({said}). Fix: delete one of these overrides"
            )
