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
    return rows["body"].to_numpy(dtype=float) - tail - eta


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
