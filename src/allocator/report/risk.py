"""What a robust plan reached: each scenario's jobs, the tail shortfall beside the CVaR cap.

Read from the solved rows and columns (`Solution`), so it holds for every measure: row
`cvar_tail(s)` is jobs_s + tail_s + eta >= reference, so jobs_s = body - tail_s - eta.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.model.solution import Solution


def scenario_jobs(sol: Solution) -> np.ndarray:
    """Each scenario's jobs (under the run's measure) for the plan's allocation, scenario 1..S."""
    rows = sol.rows[sol.rows["family"] == "cvar_tail"]
    cols = sol.columns.set_index("variable")["value"]
    eta = float(cols["eta"])
    order = rows["scenario"].astype(int)
    tail = np.array([float(cols[f"tail({k})"]) for k in order])
    jobs: np.ndarray = rows["body"].to_numpy(dtype=float) - tail - eta
    return jobs


def tail_shortfall(shortfalls: np.ndarray, beta: float) -> float:
    """CVaR of the shortfalls at `beta`: the expected shortfall in the worst (1 - beta) share of
    equally likely scenarios, min over eta of eta + sum(max(0, L_s - eta)) / ((1 - beta) S)
    (Rockafellar-Uryasev). The function is convex and piecewise linear with its kinks at the L_s,
    so its minimum is at one of them. Negative when even the tail beats the reference."""
    losses = np.asarray(shortfalls, dtype=float)
    weight = 1.0 / ((1.0 - beta) * len(losses))
    excess = np.maximum(losses[None, :] - losses[:, None], 0.0).sum(axis=1)
    return float((losses + weight * excess).min())


def cvar_info(sol: Solution, reference: float, beta: float, cap: float | None) -> dict[str, Any]:
    """The tail shortfall the plan reaches, and whether the cap binds, is slack or is absent.

    Returns:
        `tail_shortfall_jobs` (in the objective's jobs unit), `tail_scenarios` (how many
        scenarios the worst (1 - beta) share is), `scenarios_below_reference`, `worst_jobs`
        and `cap_state`: "none" (no cap given), "binding" (the tail shortfall is at the cap) or
        "slack" (below it: the cap does not shape the plan).
    """
    jobs = scenario_jobs(sol)
    tail = tail_shortfall(reference - jobs, beta)
    if cap is None:
        state = "none"
    else:
        state = "binding" if tail >= cap - 1e-6 * max(1.0, abs(reference)) else "slack"
    return {
        "tail_shortfall_jobs": tail,
        "tail_scenarios": round((1.0 - beta) * len(jobs), 9),  # 5, not 4.999999999999999
        "scenarios_below_reference": int((jobs < reference - 1e-6 * max(1.0, reference)).sum()),
        "worst_jobs": float(jobs.min()),
        "cap_state": state,
    }


def nominal_in_scenarios(sol: Solution, nominal: Solution) -> dict[str, Any]:
    """What the nominal plan delivers, fixed (not re-optimised), in the robust plan's scenarios,
    and what the robust plan itself delivers there (`plan_jobs_in_scenarios`), averaged and at
    the worst: the pair says what planning for the scenarios changes.

    Returns:
        `nominal_plan_expected_jobs`, `nominal_plan_worst_jobs`, `plan_expected_jobs` and
        `plan_worst_jobs` (the run's jobs unit).
    """
    jobs, own = plan_jobs_in_scenarios(sol, nominal), plan_jobs_in_scenarios(sol, sol)
    return {
        "nominal_plan_expected_jobs": float(jobs.mean()),
        "nominal_plan_worst_jobs": float(jobs.min()),
        "plan_expected_jobs": float(own.mean()),
        "plan_worst_jobs": float(own.min()),
    }


def plan_jobs_in_scenarios(sol: Solution, plan: Solution) -> np.ndarray:
    """Each scenario's jobs of `plan`'s investments, fixed, in `sol`'s scenarios: the
    investments times each scenario's jobs row (`cvar_tail` or `worst_case`, whose other terms,
    eta, tail and worst, are left at 0). Jobs are levels: the base columns at their values,
    each scenario's tranche excess from its own jobs."""
    lp = sol.view
    if lp is None:
        raise ValueError("the nominal plan's scenarios need the solution's LP view")
    planned = plan.columns.set_index("variable")["value"]
    x = np.array(
        [
            float(planned.get(name, 0.0)) if fam == "invest" else 0.0
            for name, fam in zip(lp.col_names, lp.col_family, strict=True)
        ]
    )
    base = np.array([f == "base" for f in lp.col_family], dtype=np.bool_)
    x[base] = lp.col_lower[base]  # levels: what exists before the plan, fixed
    _fill_excess(lp, x)
    act = _activity(lp.matrix, x)
    rows = [i for i, f in enumerate(lp.row_family) if f in ("cvar_tail", "worst_case")]
    jobs: np.ndarray = act[rows]
    return jobs


def _activity(a: Any, x: np.ndarray) -> np.ndarray:
    """Row activities of `x` under a column-wise (CSC) matrix."""
    act = np.zeros(a.shape[0])
    for j in np.flatnonzero(x):
        lo, hi = a.indptr[j], a.indptr[j + 1]
        act[a.indices[lo:hi]] += a.data[lo:hi] * x[j]
    return act


def _fill_excess(lp: Any, x: np.ndarray) -> None:
    """Each `scenario_excess` column: its scenario's jobs past the tranche's level (its
    `scenario_tranche` row's activity over the row's limit), at least 0, as the LP defines it."""
    a, act = lp.matrix, _activity(lp.matrix, x)
    for j, fam in enumerate(lp.col_family):
        if fam == "scenario_excess":
            for i in a.indices[a.indptr[j] : a.indptr[j + 1]]:
                if lp.row_family[i] == "scenario_tranche":
                    x[j] = max(0.0, float(act[i]) - float(lp.row_upper[i]))
