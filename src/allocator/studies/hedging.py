"""Progressive hedging over the scenario sub-problems of a two-stage plan
(`studies/scenariopool.py` runs them, in this process or on Dask workers): PH's iterations,
bounds and the plan every scenario can carry out. What runs on a worker is `phworker.py`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from allocator.errors import InfeasibleError, NotOptimalError
from allocator.exactsum import exact_dot
from allocator.studies.phworker import RUNS, ph_bound, ph_start, ph_step
from allocator.studies.scenariopool import ScenarioArrays, ScenarioPool
from allocator.studies.sharedlimits import shared_limits
from allocator.studies.sweep import SampleModel
from allocator.studies.twostageplan import TwoStage, now_columns

PH_ITERATIONS = 100
"""The most PH iterations (mpi-sppy's PHIterLimit; it has no default)."""
PH_CONVTHRESH = 1e-4
"""Stop when the mean |x_s - xbar| over scenarios (probability-weighted) and decide-now
columns is below this, US$ million (mpi-sppy's convthresh on its convergence metric)."""


def progressive_hedging(
    model: SampleModel, values: np.ndarray, phases: list[str], pool: ScenarioPool | None = None
) -> TwoStage:
    """The here-and-now plan by progressive hedging (Rockafellar and Wets; mpi-sppy's PH):
    each scenario a warm HiGHS LP on the worker that owns it, the decide-now columns held
    together by PH's consensus and multipliers W, the proximal term linearised by cuts. PH
    reaches the optimum of an LP only in the limit, so it ends with bounds: the consensus fixed
    and every scenario re-optimised exactly (a feasible plan: the lower bound and the plan
    reported), and the least of the wait-and-see value and PH's Lagrangian bound (upper).

    Raises:
        UsageError: soft targets with a shortfall (their expected-shortfall rule couples the
            scenarios: use the equivalent).
        InfeasibleError: a scenario has no plan even alone (each such one named with its
            draws, as the equivalent names them), or the consensus cannot be carried out in
            some scenario.
    """
    import uuid

    _refuse_soft_targets(model)
    pool = pool or ScenarioPool(model)
    years = {y for y, ph in model.inp.phase_of_year.items() if ph in phases}
    now = now_columns(model.lp, years)
    free = now[model.lp.col_upper[now] > 0]
    run = uuid.uuid4().hex
    try:
        x, bounds = _hedge(model, pool, values, free, run)
    except NotOptimalError as exc:  # a scenario's sub-problem has no plan (or ran out)
        raise _no_plan_alone(model, values) or exc from None
    finally:
        RUNS.pop(run, None)  # this process's, if PH stopped early (workers: the cluster's)
    at = np.isin(now, free)
    committed, found, bounds["plan"] = _feasible_plan(pool, values, now, at, x.mean(axis=0))
    if committed is None:
        raise _no_plan_alone(model, values) or _consensus_infeasible(
            len(values), bounds["iterations"]
        )
    per = np.array([f["objective"] for f in found])
    lower = float(per.mean())
    gap = bounds["upper"] - lower
    bounds |= {"lower": lower, "gap": 0.0 if abs(gap) <= 1e-9 * max(1.0, abs(lower)) else gap}
    p, names = 1.0 / len(values), found[0]["expected"]
    expected = {name: float(np.mean([f["expected"][name] for f in found])) for name in names}
    return TwoStage(
        phases, lower, None, np.array([f["x"] for f in found]), now, committed,
        p * np.array([f["now_dual"] for f in found]), expected, per, hedging=bounds,
    )  # fmt: skip


def _hedge(
    model: SampleModel, pool: ScenarioPool, values: np.ndarray, free: np.ndarray, run: str
) -> tuple[np.ndarray, dict[str, Any]]:
    """PH's iterations: the consensus of the decide-now columns `free` and the upper bound."""
    count = len(values)
    shared = shared_limits(model, values, free)
    items = [(run, s, np.asarray(v, float), free, shared) for s, v in enumerate(values)]
    got = pool.map(ph_start, items, True)
    x = np.array([g[0] for g in got]).reshape(count, len(free))
    alone = float(np.mean([g[2] for g in got]))  # each scenario alone, within `shared`
    rho = _sep_rho(model, values, free, x)
    xbar = x.mean(axis=0)
    w = rho * (x - xbar)
    done, conv = 0, _conv(x, xbar)
    while conv >= PH_CONVTHRESH and done < PH_ITERATIONS:
        items = [(run, s, w[s], xbar, rho) for s in range(count)]
        x = np.array([g[0] for g in pool.map(ph_step, items, True)]).reshape(count, len(free))
        xbar = x.mean(axis=0)
        w += rho * (x - xbar)
        done, conv = done + 1, _conv(x, xbar)
    w -= w.mean(axis=0)  # sum of p W = 0 exactly: the Lagrangian bound is then valid
    lagrangian = float(np.mean(pool.map(ph_bound, [(run, s, w[s]) for s in range(count)], True)))
    return x, {
        "upper": min(alone, lagrangian),
        "alone": alone,
        "lagrangian": lagrangian,
        "iterations": done,
        "converged": bool(conv < PH_CONVTHRESH),
        "convergence": float(conv),
        "convthresh": PH_CONVTHRESH,
        "iteration_limit": PH_ITERATIONS,
    }


BISECTIONS = 7
"""Halvings of the step toward no commitment when PH's consensus does not fit every scenario
(`_feasible_plan`): the plan kept is within 1/128 of the consensus's scale of the best one."""


def _feasible_plan(
    pool: ScenarioPool, values: np.ndarray, now: np.ndarray, free: np.ndarray, xbar: np.ndarray
) -> tuple[np.ndarray | None, list[Any], str]:
    """A decide-now plan every scenario can carry out, each scenario then solved as a plan with
    it fixed. PH's consensus xbar if it fits (mpi-sppy's xhatxbar); else, when committing
    nothing fits every scenario, the largest t xbar that does (the plans that fit form a convex
    set, so the t that fit are an interval from 0: bisection). Returns the plan, the scenario
    solves and which plan it is; none fits: None."""
    rows = [np.asarray(v, dtype=float) for v in values]

    def attempt(scale: float) -> tuple[np.ndarray, list[Any]] | None:
        committed = np.zeros(len(now))
        committed[free] = scale * xbar
        found = pool.map(consensus_plan, [(v, now, committed) for v in rows])
        return (committed, found) if all(f is not None for f in found) else None

    best = attempt(1.0)
    if best is not None:
        return best[0], best[1], "the consensus"
    lo, hi = 0.0, 1.0
    best = attempt(lo)
    for _ in range(BISECTIONS if best is not None else 0):
        mid = (lo + hi) / 2
        got = attempt(mid)
        lo, hi, best = (mid, hi, got) if got is not None else (lo, mid, best)
    if best is None:
        return None, [], ""
    return best[0], best[1], f"the consensus times {lo:.4g}, the largest that fits every scenario"


def _conv(x: np.ndarray, xbar: np.ndarray) -> float:
    """mpi-sppy's convergence metric: the mean over scenarios (equally likely) and decide-now
    columns of |x_s - xbar|, US$ million."""
    return float(np.abs(x - xbar).mean()) if x.size else 0.0


def _sep_rho(model: SampleModel, values: np.ndarray, free: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Watson and Woodruff's SEP rho (mpi-sppy's sep_rho): per decide-now column, its mean
    |objective cost| over the scenarios over max(1, the spread of the scenarios' own plans);
    a column with no cost of its own (its value comes through rows) takes the columns' mean."""
    arrays = ScenarioArrays(model)
    cost = np.array([np.abs(arrays.lp(v).costs[model.objective][free]) for v in values])
    mean = cost.mean(axis=0) if len(cost) else np.zeros(len(free))
    fallback = float(mean[mean > 0].mean()) if (mean > 0).any() else 1.0
    spread = x.max(axis=0) - x.min(axis=0) if x.size else np.zeros(len(free))
    return np.where(mean > 0, mean, fallback) / np.maximum(1.0, spread)


def consensus_plan(model: SampleModel, item: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Any:
    """A pool task: scenario `item[0]` solved as a plan (`optimum`, least spending on its last
    face) with the decide-now columns `item[1]` fixed at `item[2]`: its plan, objective, every
    cost's value and the fixed columns' reduced costs; None if infeasible."""
    from allocator.solver.fixes import discarded
    from allocator.solver.passes import optimum

    values, cols, at = item
    lp = model.sample_lp(values)
    lower, upper = lp.col_lower.copy(), lp.col_upper.copy()
    lower[cols], upper[cols] = at, at
    lp = replace(lp, col_lower=lower, col_upper=upper)
    h, idx = lp.highs, cols.astype(np.int32)
    h.clearSolver()  # from the basis alone: what this instance solved before leaves no last bit
    h.setBasis(model.basis)
    h.changeColsBounds(len(idx), idx, at, at)
    try:
        with discarded():  # no plan is None here: no diagnosis to pay for
            opt = optimum(lp, model.objective, ranging=False, pick=True)
    except InfeasibleError:
        return None
    finally:
        h.changeColsBounds(len(idx), idx, model.lp.col_lower[cols], model.lp.col_upper[cols])
        h.setBasis(model.basis)
    return {
        "x": opt.x,
        "objective": float(opt.objective),
        "now_dual": opt.col_dual[cols],
        "expected": {n: exact_dot(c, opt.x) for n, c in lp.costs.items() if n != "shortfall"},
    }


def _refuse_soft_targets(model: SampleModel) -> None:
    from allocator.errors import UsageError

    if "shortfall" in model.lp.costs:
        raise UsageError(
            "--two-stage-method hedging plans the objective alone; soft targets put the least "
            "expected shortfall first, which ties the scenarios together. Fix: --targets off or "
            "hard, or --two-stage-method equivalent"
        )


def _no_plan_alone(model: SampleModel, values: np.ndarray) -> InfeasibleError | None:
    """The scenarios with no plan even solved alone, named with their draws as the equivalent
    names them (`twostagefit.no_plan_alone`, each solved by `best_alone`); None if each has
    one."""
    from allocator.studies.twostagefit import best_alone, no_plan_alone

    return no_plan_alone(model, values, best_alone)


def _consensus_infeasible(count: int, iterations: int) -> InfeasibleError:
    """PH's own refusal, once every scenario has a plan alone: no plan it found fits them all
    (one may exist: the equivalent finds it or proves there is none)."""
    return InfeasibleError(
        f"progressive hedging found no decide-now plan after {iterations} iterations that all "
        f"{count} scenarios can carry out (neither its consensus nor committing nothing fits "
        "them all). Fix: --two-stage-method equivalent"
    )
