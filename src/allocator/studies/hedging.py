"""Progressive hedging over the scenario sub-problems of a two-stage plan
(`studies/scenariopool.py` runs them, in this process or on Dask workers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import numpy as np

from allocator.exactsum import exact_dot
from allocator.solver.compile import CompiledLP
from allocator.studies.scenariopool import ScenarioArrays, ScenarioPool
from allocator.studies.sharedlimits import shared_limits
from allocator.studies.sweep import SampleModel
from allocator.studies.twostageplan import TwoStage, now_columns

Position = int | np.integer[Any]
"""A column's position among the decide-now columns: numpy's (`np.flatnonzero`) or Python's."""

# --- progressive hedging -------------------------------------------------------------------

PH_ITERATIONS = 100
"""The most PH iterations (mpi-sppy's PHIterLimit; it has no default)."""
PH_CONVTHRESH = 1e-4
"""Stop when the mean |x_s - xbar| over scenarios (probability-weighted) and decide-now
columns is below this, US$ million (mpi-sppy's convthresh on its convergence metric)."""
PROX_TOL = 0.1
"""The linearised proximal term: a cut where x^2 exceeds its outer approximation by more
(mpi-sppy's proximal_linearization_tolerance, default 0.1)."""
PROX_ROUNDS = 3
"""Cut rounds per PH iteration (each a warm re-solve of the scenario)."""


@dataclass
class _PHScenario:
    """A scenario's PH state on the worker that owns it: its numbers, its objective cost, the
    tangent points of its q_j >= x_j^2 cuts and its last optimal basis (its warm start)."""

    values: np.ndarray
    cost: np.ndarray
    cuts: list[list[float]]
    basis: Any = None


@dataclass
class _PHRun:
    """A worker's PH instance for one run: one scenario LP (plus a column q_j per decide-now
    column and the shared limits) into which each scenario is written in turn, with its cuts
    and its basis: memory for one LP per worker, not one per scenario."""

    lp: CompiledLP
    arrays: ScenarioArrays
    nonant: np.ndarray
    rows: int  # rows before any cut
    entries: tuple[np.ndarray, np.ndarray, np.ndarray]  # uncertain slots: pos, row, column
    scenarios: dict[int, _PHScenario]
    loaded: int | None = None
    cut_rows: int = 0


_RUNS: dict[str, _PHRun] = {}
"""The PH runs this process takes part in, by run."""


def _new_run(model: SampleModel, values: np.ndarray, nonant: np.ndarray, shared: Any) -> _PHRun:
    """This worker's PH instance: the LP at `values`, the q columns, the shared limits."""
    from allocator.solver.compile import INF, StandardForm, compile_form
    from allocator.solver.passes import apply_options

    arrays = ScenarioArrays(model)
    lp, k = arrays.lp(values), len(nonant)
    form = StandardForm(
        col_family=lp.col_family, col_index=lp.col_index, col_lower=lp.col_lower,
        col_upper=lp.col_upper, row_family=lp.row_family, row_index=lp.row_index,
        row_lower=lp.row_lower, row_upper=lp.row_upper, matrix=lp.matrix, costs=lp.costs,
    )  # fmt: skip
    own = compile_form(form)
    apply_options(own, model.solver)
    h = own.highs
    h.addCols(k, np.zeros(k), np.zeros(k), np.full(k, INF), 0, [], [], [])
    if shared.shape[0]:
        h.addRows(shared.shape[0], shared.lower, shared.upper, shared.nnz, shared.indptr[:-1],
                  nonant[shared.indices].astype(np.int32), shared.data)  # fmt: skip
    pos = np.unique(np.concatenate([f.pos for f in arrays.feeds.values()] or [np.zeros(0)]))
    pos = pos.astype(np.int64)
    cols = np.searchsorted(lp.matrix.indptr, pos, side="right") - 1
    entries = (pos, lp.matrix.indices[pos], cols)
    return _PHRun(own, arrays, nonant, h.getNumRow(), entries, {})


def _load(r: _PHRun, s: int) -> _PHScenario:
    """Scenario `s` written into the instance (numbers, its cuts, its basis, or a cold start
    the first time), so a solve does not depend on what the instance held before."""
    st, h = r.scenarios[s], r.lp.highs
    if r.loaded != s:
        _write(r, s, st)
    if st.basis is None:
        h.clearSolver()
    else:  # even if loaded: the same start as after a switch
        h.setBasis(st.basis)
    return st


def _write(r: _PHRun, s: int, st: _PHScenario) -> None:
    """Scenario `s`'s numbers and cuts into the instance, in place of the loaded one's."""
    h, lp = r.lp.highs, r.arrays.lp(st.values)
    m = len(lp.row_family)
    # highspy 1.16's stubs lack changeRowsBounds (a stub gap: HiGHS has it)
    h.changeRowsBounds(m, np.arange(m, dtype=np.int32), lp.row_lower, lp.row_upper)  # type: ignore[attr-defined]
    pos, rows, cols = r.entries
    for i, j, v in zip(rows.tolist(), cols.tolist(), lp.matrix.data[pos].tolist(), strict=True):
        h.changeCoeff(i, j, v)
    if r.cut_rows:
        h.deleteRows(r.cut_rows, np.arange(r.rows, r.rows + r.cut_rows, dtype=np.int32))
    n = len(lp.col_family)
    points = [(i, a) for i, pts in enumerate(st.cuts) for a in pts]
    _cut_rows(r, n, points)
    r.loaded, r.cut_rows = s, len(points)


def ph_start(model: SampleModel, item: tuple[str, int, np.ndarray, np.ndarray, Any]) -> Any:
    """A pool task: scenario `item[1]` of run `item[0]` (numbers `item[2]`, decide-now
    columns `item[3]`, the other scenarios' limits on them `item[4]`, `shared_limits`) taken
    on and solved alone: its decide-now values and objective."""
    from allocator.solver.compile import INF

    run, s, values, nonant, shared = item
    if run not in _RUNS:
        _RUNS[run] = _new_run(model, values, nonant, shared)
    r = _RUNS[run]
    cost = r.arrays.lp(values).costs[model.objective]
    upper = r.lp.col_upper[nonant]
    cuts = [[float(u)] if u < INF else [] for u in upper]
    r.scenarios[s] = _PHScenario(values, cost, cuts)
    k = len(nonant)
    return _ph_solve(r, s, np.zeros(k), np.zeros(k), None)


def ph_step(model: SampleModel, item: tuple[str, int, np.ndarray, np.ndarray, np.ndarray]) -> Any:
    """A pool task: one PH iteration of scenario `item[1]` with its multipliers `item[2]`,
    the consensus `item[3]` and the proximal weights `item[4]`."""
    run, s, w, xbar, rho = item
    return _ph_solve(_RUNS[run], s, w, rho, xbar)


def ph_bound(model: SampleModel, item: tuple[str, int, np.ndarray]) -> float:
    """A pool task: max c x - W x_N of scenario `item[1]` (no proximal term), its part of the
    Lagrangian bound; the scenario is then forgotten (and the run with its last one)."""
    run, s, w = item
    r = _RUNS[run]
    value = float(_ph_solve(r, s, w, np.zeros(len(r.nonant)), None)[1])
    del r.scenarios[s]
    if not r.scenarios:
        del _RUNS[run]
    return value


def _ph_solve(
    r: _PHRun, s: int, w: np.ndarray, rho: np.ndarray, xbar: np.ndarray | None
) -> tuple[np.ndarray, float, float]:
    """max c x - W x_N - rho/2 |x_N - xbar|^2 of scenario `s` (x_N^2 by tangent cuts, refined
    up to PROX_ROUNDS times): the decide-now values, c x - W x_N, and c x."""
    from allocator.errors import NotOptimalError
    from allocator.solver.passes import solve_pass

    st = _load(r, s)
    n, k = len(st.cost), len(r.nonant)
    cost = np.concatenate([st.cost, -0.5 * rho])
    cost[r.nonant] -= w
    if xbar is not None:
        cost[r.nonant] += rho * xbar
        _add_cuts(r, st, n, list(enumerate(xbar)))
    for _ in range(PROX_ROUNDS):
        found = solve_pass(r.lp, cost)
        if found.status.name != "OPTIMAL":  # once more from scratch: cuts can stall a basis
            r.lp.highs.clearSolver()
            found = solve_pass(r.lp, cost)
        if found.status.name != "OPTIMAL":
            raise NotOptimalError(
                f"a progressive-hedging scenario ended {found.status.name.lower()} "
                f"({found.detail}). Fix: use --two-stage-method equivalent, or give every "
                "program a cap_musd"
            )
        x, q = found.x[r.nonant], found.x[n : n + k]
        loose = [(i, float(x[i])) for i in np.flatnonzero(x**2 - q > PROX_TOL) if rho[i] > 0]
        if xbar is None or not _add_cuts(r, st, n, loose):
            break
    st.basis = r.lp.highs.getBasis()
    plain = exact_dot(st.cost, found.x[:n])
    return x, plain - exact_dot(w, x), plain


def _add_cuts(r: _PHRun, st: _PHScenario, n: int, points: Sequence[tuple[Position, float]]) -> int:
    """Tangent cuts q_i >= 2 a x_i - a^2 at the new points a of the loaded scenario `st`; how
    many were added."""
    new: list[tuple[Position, float]] = []
    for i, a in points:  # a tangent at b is off by (a - b)^2 at a: new only if that is loose
        if all((a - b) ** 2 > PROX_TOL for b in st.cuts[i]):
            st.cuts[i].append(a)
            new.append((i, a))
    _cut_rows(r, n, new)
    r.cut_rows += len(new)
    return len(new)


def _cut_rows(r: _PHRun, n: int, points: Sequence[tuple[Position, float]]) -> None:
    """The rows q_i - 2 a x_i >= -a^2 of `points` (i, a) into the instance."""
    from allocator.solver.compile import INF

    if not points:
        return
    cols = [[n + i, int(r.nonant[i])] for i, _ in points]
    r.lp.highs.addRows(
        len(points),
        np.array([-a * a for _, a in points]),
        np.full(len(points), INF),
        2 * len(points),
        np.arange(0, 2 * len(points), 2, dtype=np.int32),
        np.array(cols, dtype=np.int32).ravel(),
        np.array([[1.0, -2.0 * a] for _, a in points]).ravel(),
    )


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
        InfeasibleError: the consensus cannot be carried out in some scenario.
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
    finally:
        _RUNS.pop(run, None)  # this process's, if PH stopped early (workers: the cluster's)
    at = np.isin(now, free)
    committed, found, bounds["plan"] = _feasible_plan(pool, values, now, at, x.mean(axis=0))
    if committed is None:
        _consensus_infeasible(len(values), bounds["iterations"])
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
    from allocator.errors import InfeasibleError
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


def _consensus_infeasible(count: int, iterations: int) -> NoReturn:
    from allocator.errors import InfeasibleError

    raise InfeasibleError(
        f"progressive hedging found no decide-now plan after {iterations} iterations that all "
        f"{count} scenarios can carry out (neither its consensus nor committing nothing fits "
        "them all). Fix: --two-stage-method equivalent"
    )
