"""`allocator solve --decide-now PHASES`: the two-stage plan as a run (tables, run.json).

What `--decide-now` does not combine with is refused here before any work; then the dataset is
loaded, the scenarios drawn as the sweep draws them, the plan solved with its EVPI and VSS
(`studies/twostage.py`) and run.json's `two_stage` block made. The tables (the decide-now
plan's allocation, `later_plans.csv`, `decide_now_prices.csv`, `two_stage_scenarios.csv`)
are `runs/twostagetables.py`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from allocator.errors import UsageError
from allocator.exactsum import exact_dot
from allocator.report.studyhtml import PERCENTILE_METHOD, PERCENTILE_WORDS
from allocator.runs.twostagetables import price_summary, tables_of
from allocator.studies.twostage import Cvar, decide_now_phases, solve_two_stage
from allocator.studies.twostageplan import TwoStage

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.runs.common import Run
    from allocator.runs.spec import RunSpec
    from allocator.studies.sweep import SampleModel

SIGN = (
    "a maximisation: EVPI = wait-and-see - here-and-now >= 0 and VSS = here-and-now - "
    "nominal decide-now >= 0 (up to solver tolerance); larger is more"
)
METHODS = {
    "equivalent": "deterministic equivalent (one LP)",
    "hedging": "progressive hedging over the scenarios (each a warm HiGHS LP), ended by bounds: "
    "the plan reported is the consensus fixed and every scenario re-optimised (lower bound)",
}
PRICE_WORDS = (
    "per commitment, what one more and one less US$ million committed now change in the "
    "expected objective, each re-solved on the deterministic equivalent with the other "
    "commitments held, the rate of each side per US$ million and how many US$ million it holds "
    "for (empty, with one_sided's words: no plan, or a rate that holds for any amount), and the "
    "least and most one more changes one scenario"
)
LATER = (
    "allocation.csv and allocation_by_phase.csv hold the decide-now phases only; the later "
    "phases adapt per scenario: later_plans.csv gives their P50, P5 and P95 "
    f"({PERCENTILE_WORDS})"
)


MAX_SCENARIOS = 1_000
"""The most scenarios a two-stage plan takes (sweep and core take 1,000,000 samples, each
solved alone; here every scenario is a block of one LP, and each commitment's prices are its
re-solves)."""


def refuse_options(opts: RunSpec) -> None:
    """What `--decide-now` does not combine with, refused before any work.

    Raises:
        UsageError: --risk, the weighted objective, --plots.
    """
    _refuse_risk(opts)
    if opts.scenarios > MAX_SCENARIOS:
        raise UsageError(
            f"--scenarios {opts.scenarios} with --decide-now: at most {MAX_SCENARIOS:,} (the "
            "deterministic equivalent holds a copy of the LP per scenario). "
            f"Fix: --scenarios {MAX_SCENARIOS} or fewer, e.g. --scenarios 50"
        )
    if opts.two_stage_method not in METHODS:
        raise UsageError(
            f"--two-stage-method {opts.two_stage_method}: choose equivalent or hedging. "
            "Fix: --two-stage-method equivalent (one LP) or hedging (progressive hedging)"
        )
    if opts.two_stage_method == "hedging" and opts.write_model:
        raise UsageError(
            "--write-model writes the deterministic equivalent, which --two-stage-method "
            "hedging never builds. Fix: leave out --write-model, or use the equivalent"
        )
    if opts.objective not in ("jobs", "exports"):
        raise UsageError(
            f"--decide-now takes --objective jobs or exports, not {opts.objective}. "
            "Fix: choose one of the two"
        )
    if opts.plots:
        raise UsageError(
            "--plots draws a single plan's charts; a --decide-now run has none. "
            "Fix: leave out --plots (report.html has the two-stage section)"
        )


def _refuse_risk(opts: RunSpec) -> None:
    """--risk cvar takes --cvar-cap and the equivalent; --risk worst-case is refused."""
    if opts.risk == "none":
        return
    if opts.risk != "cvar":
        raise UsageError(
            f"--decide-now plans for the expected objective; --risk {opts.risk} with "
            "--decide-now is not implemented. Fix: leave out --risk, or use --risk cvar"
        )
    if opts.cvar_cap is None:
        raise UsageError(
            "--risk cvar with --decide-now caps the expected shortfall of the worst scenarios: "
            "without --cvar-cap it is the expectation (a CVaR objective alone is not "
            "implemented). Fix: give --cvar-cap, or leave out --risk"
        )
    if opts.two_stage_method != "equivalent":
        raise UsageError(
            "--risk cvar couples the scenarios in one cap, which progressive hedging does not "
            "split. Fix: --two-stage-method equivalent, or leave out --risk"
        )


def plan_two_stage(opts: RunSpec, warn: Callable[[str], None] | None = None) -> Run:
    """Load, sample the scenarios as the sweep does, solve the two-stage plan and its EVPI and
    VSS, and make its tables and run.json content; nothing is written."""
    from allocator.data.uncertainty import latin_hypercube, params_of
    from allocator.pipeline import tell_notes
    from allocator.runs.common import Run, scenario_of
    from allocator.studies.fixedplan import nominal_x
    from allocator.studies.scenariopool import ScenarioArrays
    from allocator.studies.sweep import SampleModel

    refuse_options(opts)
    t0 = time.perf_counter()
    inp = scenario_of(opts)
    phases = decide_now_phases([p.phase for p in inp.phases], opts.decide_now)
    params = params_of(inp)
    if not params:
        raise UsageError(
            f"{opts.inputs} has no uncertainty.csv ranges to draw scenarios from. Fix: add "
            "uncertainty.csv (see inputs/README.md), or leave out --decide-now"
        )
    tell_notes(inp, warn, uncertainty=True)
    model = SampleModel(inp, params, opts.objective, opts.targets, opts.measured(), opts.solver)
    values = latin_hypercube(params, opts.scenarios, opts.seed)
    t1 = time.perf_counter()
    nominal = nominal_x(model)
    cvar = None
    if opts.risk == "cvar" and opts.cvar_cap is not None:
        base = ScenarioArrays(model).lp(np.array([p.nominal for p in model.params]))
        reference = exact_dot(base.costs[opts.objective], nominal)  # the nominal plan's value
        cvar = Cvar(opts.beta, opts.cvar_cap, reference)
    result = solve_two_stage(
        model, values, phases, nominal, opts.workers, opts.two_stage_method, cvar, opts.scheduler
    )
    timings = {"load": t1 - t0, "solve": time.perf_counter() - t1}
    sol = _solution(model, result, opts)
    tables = tables_of(inp, model, result, sol)
    info = _info(inp, sol, opts, result, timings)
    info["two_stage"]["price_summary"] = price_summary(tables["decide_now_prices"])
    return Run(inp, sol, tables, info)


def _solution(model: SampleModel, result: TwoStage, opts: RunSpec) -> Any:
    """The decide-now plan as a `Solution` on the nominal LP (no duals belong to it), with
    the expected totals of the two-stage plan; its `lp` is the deterministic equivalent, so
    --write-model writes that."""
    import dataclasses

    from allocator.model.solution import LPView, Objective
    from allocator.solver.results import plan_solution

    lp = model.sample_lp(np.array([p.nominal for p in model.params]))
    x = np.zeros(len(lp.col_family))
    x[result.now] = result.committed
    inp, measure = model.inp, opts.measured()
    plain = Objective.measured(
        opts.objective, measure, inp.years[0], inp.years[-1], inp.last_milestone
    )
    goal = dataclasses.replace(
        plain,
        words=f"expected {plain.words} over {len(result.plans)} scenarios, {_phases(result)} now",
    )
    sol = plan_solution(lp, x, lp.costs[opts.objective], goal)
    totals = dict(result.expected)
    if result.shortfall is not None:
        totals["weighted_shortfall"] = result.shortfall
    changes: dict[str, Any] = {
        "status": "optimal",
        "objective_value": result.objective,
        "totals": totals,
    }
    ext = result.extensive
    if ext is not None:  # --write-model writes the deterministic equivalent
        changes["view"] = LPView.of(ext.lp)
        changes["solver"] = sol.solver | {
            "rows": len(ext.lp.row_names),
            "columns": len(ext.lp.col_names),
            "nonzeros": int(ext.lp.matrix.nnz),
        }
    return dataclasses.replace(sol, **changes)


def _phases(result: TwoStage) -> str:
    return ", ".join(result.phases)


def _info(
    inp: Inputs, sol: Any, opts: RunSpec, result: TwoStage, timings: dict[str, float]
) -> dict[str, Any]:
    """run.json's content: `run_info`'s, with the expected objective and a `two_stage` block."""
    from allocator.runs.common import run_info

    info = run_info(inp, sol, opts, timings)
    info["options"] |= {"decide_now": list(result.phases), "scenarios": opts.scenarios}
    info["options"]["seed"] = opts.seed
    info["two_stage"] = two_stage_block(result, sol.objective_unit, opts)
    parts = expected_levels(inp, info["outcomes"])
    if parts:  # what exists before the plan, and the new part on average (the headline's)
        info["two_stage"]["base_and_new"] = parts
    if result.shortfall is not None:  # soft targets: what the expected shortfalls count
        from allocator.model.targets import shortfall_unit

        info["two_stage"]["shortfall_unit"] = shortfall_unit(inp)
    return info


def expected_levels(inp: Inputs, levels: dict[str, Any]) -> dict[str, dict[str, float]]:
    """{run.json's outcome key: {"base": ..., "new": ...}} of each expected level whose kind
    has a base (base.csv): the base is the same in every scenario (uncertainty.csv ranges no
    base), so the expected base is the base, and the expected new part is the expected level
    minus it (`existing.level_parts`); empty without a base."""
    from allocator.data.levels import base_of
    from allocator.report.existing import PARTS, level_parts

    return level_parts(levels, {kind: base_of(inp, kind, "total", None) for kind in PARTS})


def two_stage_block(result: TwoStage, unit: str, opts: RunSpec) -> dict[str, Any]:
    """run.json's `two_stage`: the decide-now phases, the scenarios, EVPI, VSS and what they
    mean, in the objective's unit."""
    return {
        "decide_now": list(result.phases),
        "scenarios": len(result.plans),
        "seed": opts.seed,
        "sampling": "Latin hypercube over uncertainty.csv (as allocator sweep), equally likely",
        "method": METHODS[opts.two_stage_method],
        "unit": unit,
        **result.values(),
        **({} if result.hedging is None else {"bounds": result.hedging}),
        **({} if result.risk is None else {"risk": result.risk}),
        "sign_convention": SIGN,
        "later_phases": LATER,
        "percentiles": PERCENTILE_METHOD,  # later_plans.csv's: scenario values, as the sweep's
        "decide_now_prices": PRICE_WORDS,
    }
