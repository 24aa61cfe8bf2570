"""`allocator solve --decide-now PHASES`: the two-stage plan as a run (tables, run.json).

The run folder holds the decide-now plan as the allocation tables (allocation.csv and
allocation_by_phase.csv hold the decide-now phases only: later phases differ by scenario and
are left out), `later_plans.csv` (per program, pool and later phase: P50, P5 and P95 over
the scenarios), `decide_now_prices.csv` (per decide-now investment: the non-anticipativity
rows' duals summed over the scenarios, and their spread), and `two_stage_scenarios.csv` (per
scenario: the here-and-now plan's objective, the wait-and-see optimum and the result of the
nominal plan's decide-now part). run.json has a `two_stage` block with EVPI and VSS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.errors import UsageError
from allocator.exactsum import exact_dot
from allocator.report.studyhtml import PERCENTILE_METHOD, PERCENTILE_WORDS, percentiles
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
    "for (-1e30: no plan), and the least and most one more changes one scenario"
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


def tables_of(
    inp: Inputs, model: SampleModel, result: TwoStage, sol: Any
) -> dict[str, pd.DataFrame]:
    """allocation (decide-now phases), allocation_by_phase (their columns), later_plans,
    decide_now_prices and two_stage_scenarios, each in a fixed row order."""
    from allocator.report import tables as reports

    alloc = reports.allocation(inp, sol)
    by_phase = reports.allocation_by_phase(inp, alloc)
    later = [p.phase for p in inp.phases if p.phase not in result.phases]
    by_phase = by_phase.drop(columns=[f"{ph}_musd" for ph in later])
    return {
        "allocation": alloc,
        "allocation_by_phase": by_phase,
        "later_plans": later_plans(inp, model, result, later),
        "decide_now_prices": decide_now_prices(inp, model, result, sol),
        "two_stage_scenarios": scenario_table(result, sol.objective_unit),
    }


def later_plans(
    inp: Inputs, model: SampleModel, result: TwoStage, later: list[str]
) -> pd.DataFrame:
    """Per program, pool and later phase funded in some scenario: the money's P50, P5 and
    P95 over the scenarios (US$ million; the sweep's `percentiles`, each a scenario's value)
    and in how many scenarios it is funded. Each scenario's money is snapped as solve's tables
    are (`snap`: 3,000, not 2,999.999824)."""
    from allocator.solver.results import snap

    lp = model.lp
    phase_of = inp.phase_of_year
    keys: dict[tuple[str, str, str], list[int]] = {}
    for j, fam in enumerate(lp.col_family):
        if fam == "invest" and phase_of[int(lp.col_index[j][2])] in later:
            prog, pool, year = lp.col_index[j][:3]
            keys.setdefault((str(prog), str(pool), phase_of[int(year)]), []).append(j)
    order = {ph: k for k, ph in enumerate(later)}
    rows = []
    for key in sorted(keys, key=lambda k: (k[0], k[1], order[k[2]])):
        money = snap(result.plans[:, keys[key]].sum(axis=1))
        if money.max() <= 1e-9:
            continue
        spread = percentiles(money)  # the sweep's rule: each a value some scenario reached
        rows.append(
            dict(zip(("program", "pool", "phase"), key, strict=True))
            | {"p50_musd": spread["p50"], "p5_musd": spread["p5"], "p95_musd": spread["p95"]}
            | {"funded_in": int((money > 1e-9).sum()), "scenarios": len(money)}
        )
    columns = ["program", "pool", "phase", "p50_musd", "p5_musd", "p95_musd", "funded_in"]
    return pd.DataFrame(rows, columns=[*columns, "scenarios"])


def decide_now_prices(inp: Inputs, model: SampleModel, result: TwoStage, sol: Any) -> pd.DataFrame:
    """Per decide-now investment that may receive money: the money committed now (as the plan's
    `sol` holds it, solver noise snapped, so it reads as in allocation.csv), what one more and one
    less US$ million committed now change in the expected objective (re-solved, the other
    commitments held), each side's rate and the US$ million it holds for, the least and most
    one more changes one scenario's objective (empty where the scenarios are coupled), and the
    words (`twostageprices`). -1e30 (HiGHS's infinity, as in shadow_prices.csv): no plan."""
    prices = result.prices
    assert prices is not None
    committed = sol.columns["value"].to_numpy(dtype=float)[result.now]
    lp, unit = model.lp, f"{sol.objective_unit} per musd"
    rows = []
    for k, j in enumerate(result.now):
        if lp.col_upper[j] <= 0:
            continue  # outside the program's years or not eligible: fixed at 0
        prog, pool, year = lp.col_index[j][:3]
        rows.append(
            {"program": str(prog), "pool": str(pool), "year": int(year)}
            | {"phase": inp.phase_of_year[int(year)], "committed_musd": committed[k]}
            | {name: _sentinel(getattr(prices, attr)[k]) for name, attr in PRICE_COLUMNS.items()}
            | {
                "scenario_low": _per_scenario(prices.scenario_low, k),
                "scenario_high": _per_scenario(prices.scenario_high, k),
                "one_sided": price_words(prices, k, committed[k]),
                "unit": unit,
            }
        )
    columns = ["program", "pool", "year", "phase", "committed_musd", *PRICE_COLUMNS]
    frame = pd.DataFrame(rows, columns=[*columns, "scenario_low", "scenario_high", *TAIL])
    return frame.sort_values(["program", "pool", "year"], ignore_index=True)


PRICE_COLUMNS = {
    "one_more_per_musd": "more",
    "more_rate_per_musd": "more_rate",
    "more_holds_for_musd": "more_holds",
    "one_less_per_musd": "less",
    "less_rate_per_musd": "less_rate",
    "less_holds_for_musd": "less_holds",
}
"""decide_now_prices.csv's value columns and the `CommitmentPrices` arrays they come from."""
TAIL = ("one_sided", "unit")
NO_PLAN = 1e30
"""What the tables write for an infinite value (HiGHS's infinity, as shadow_prices.csv)."""


def _sentinel(value: float) -> float:
    return float(np.sign(value) * NO_PLAN) if np.isinf(value) else float(value)


def _per_scenario(values: np.ndarray | None, k: int) -> float:
    return np.nan if values is None else _sentinel(values[k])


def price_summary(prices: pd.DataFrame) -> dict[str, Any]:
    """run.json's summary of decide_now_prices.csv (what the terminal and the report say): the
    commitments, how many cannot grow or shrink by one US$ million, the one whose US$ million
    more changes the expected objective most and the one whose US$ million less costs most."""
    more = prices[prices["one_more_per_musd"] > -NO_PLAN]
    less = prices[prices["one_less_per_musd"] > -NO_PLAN]
    return {
        "commitments": len(prices),
        "one_more_no_plan": len(prices) - len(more),
        "one_less_no_plan": len(prices) - len(less),
        "best_one_more": _pick(more, "one_more_per_musd", "more", largest=True),
        "dearest_one_less": _pick(less, "one_less_per_musd", "less", largest=False),
    }


def _pick(frame: pd.DataFrame, column: str, side: str, largest: bool) -> dict[str, Any] | None:
    """The first row (table order) with the largest (smallest) `column`, as run.json keeps it."""
    if frame.empty:
        return None
    values = frame[column].to_numpy(dtype=float)
    row = frame.iloc[int(np.argmax(values) if largest else np.argmin(values))]
    return {
        "program": row["program"],
        "pool": row["pool"],
        "year": int(row["year"]),
        "change": float(row[column]),
        "rate": float(row[f"{side}_rate_per_musd"]),
        "holds_for_musd": float(row[f"{side}_holds_for_musd"]),
    }


def price_words(prices: Any, k: int, committed: float) -> str:
    """The row's words: re-solved, and per side whether no plan exists (and why, for one less
    of nothing) or, under soft targets, how much the least expected shortfall rises."""
    words = ["re-solved (the other commitments held)"]
    for name, side in (("more", "one more"), ("less", "one less")):
        if np.isinf(getattr(prices, name)[k]):
            why = " (nothing committed to take back)" if name == "less" and committed <= 0 else ""
            words.append(f"{side}: no plan fits every scenario{why}")
            continue
        rise = getattr(prices, f"shortfall_{name}")
        if rise is not None and rise[k] > 0:
            words.append(f"{side}: the least expected weighted shortfall rises by {rise[k]:.6g}")
        if np.isinf(getattr(prices, f"{name}_rate")[k]):  # soft targets: the rate holds it
            words.append(f"{side}, the rate: no plan at today's least expected shortfall")
    return "; ".join(words)


def scenario_table(result: TwoStage, unit: str) -> pd.DataFrame:
    """Per scenario (the sample number of the Latin hypercube): the objective of the
    here-and-now plan, of the scenario solved alone, and with the nominal plan's decide-now
    part fixed (empty where that part cannot be carried out), in the objective's `unit`."""
    fixed = result.nominal_now or [None] * len(result.plans)
    return pd.DataFrame(
        {
            "scenario": np.arange(len(result.plans)),
            "here_and_now": result.per_scenario,
            "wait_and_see": [o for o, _ in result.wait_and_see],
            "nominal_decide_now": [np.nan if f is None else f[0] for f in fixed],
            "unit": unit,
        }
    )


def _info(
    inp: Inputs, sol: Any, opts: RunSpec, result: TwoStage, timings: dict[str, float]
) -> dict[str, Any]:
    """run.json's content: `run_info`'s, with the expected objective and a `two_stage` block."""
    from allocator.runs.common import run_info

    info = run_info(inp, sol, opts, timings)
    info["options"] |= {"decide_now": list(result.phases), "scenarios": opts.scenarios}
    info["options"]["seed"] = opts.seed
    info["two_stage"] = two_stage_block(result, sol.objective_unit, opts)
    if result.shortfall is not None:  # soft targets: what the expected shortfalls count
        from allocator.model.targets import shortfall_unit

        info["two_stage"]["shortfall_unit"] = shortfall_unit(inp)
    return info


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
