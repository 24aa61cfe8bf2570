"""Progressive hedging on a worker (`hedging.progressive_hedging` drives it): per run and worker
(`_PHRun`, in `RUNS`) the scenarios it owns, each solved in a fresh instance of its LP with its
cuts and its basis (one at a time), and the pool tasks run on them (`ph_start`, `ph_step`,
`ph_bound`): each scenario's plan with PH's multipliers, the proximal term linearised by cuts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from allocator.exactsum import exact_dot
from allocator.solver.compile import CompiledLP
from allocator.studies.scenariopool import ScenarioArrays
from allocator.studies.sweep import SampleModel

Position = int | np.integer[Any]
"""A column's position among the decide-now columns: numpy's (`np.flatnonzero`) or Python's."""


PROX_TOL = 0.1
"""The linearised proximal term: a cut where x^2 exceeds its outer approximation by more
(mpi-sppy's proximal_linearization_tolerance, default 0.1)."""
PROX_ROUNDS = 3
"""Cut rounds per PH iteration (each a warm re-solve of the scenario)."""


@dataclass
class _PHScenario:
    """A scenario's PH state on the worker that owns it: its numbers, its objective cost, the
    tangent points of its q_j >= x_j^2 cuts (by column, and as (column, point) in the order
    their rows were added) and its last optimal basis (its warm start)."""

    values: np.ndarray
    cost: np.ndarray
    cuts: list[list[float]]
    added: list[tuple[Position, float]]
    basis: Any = None


@dataclass
class _PHRun:
    """A worker's PH run: what every scenario's instance is made of (the arrays, the decide-now
    columns, the shared limits, the solver options) and the scenarios it owns. One HiGHS
    instance at a time (the loaded scenario's, `_load`): memory for one LP per worker, not
    one per scenario."""

    arrays: ScenarioArrays
    nonant: np.ndarray
    shared: Any
    solver: dict[str, Any]
    scenarios: dict[int, _PHScenario]


RUNS: dict[str, _PHRun] = {}
"""The PH runs this process takes part in, by run."""


def _new_run(model: SampleModel, nonant: np.ndarray, shared: Any) -> _PHRun:
    """This worker's PH run (no instance yet: `_load` makes each scenario's)."""
    return _PHRun(ScenarioArrays(model), nonant, shared, dict(model.solver), {})


def _instance(r: _PHRun, values: np.ndarray) -> CompiledLP:
    """A fresh HiGHS instance of the scenario LP at `values`, with the q columns and the
    shared limits: built the same way whatever this worker solved before."""
    from allocator.solver.compile import INF, StandardForm, compile_form
    from allocator.solver.passes import apply_options

    lp, k, shared, nonant = r.arrays.lp(values), len(r.nonant), r.shared, r.nonant
    form = StandardForm(
        col_family=lp.col_family, col_index=lp.col_index, col_lower=lp.col_lower,
        col_upper=lp.col_upper, row_family=lp.row_family, row_index=lp.row_index,
        row_lower=lp.row_lower, row_upper=lp.row_upper, matrix=lp.matrix, costs=lp.costs,
    )  # fmt: skip
    own = compile_form(form)
    apply_options(own, r.solver)
    h = own.highs
    h.addCols(k, np.zeros(k), np.zeros(k), np.full(k, INF), 0, [], [], [])
    if shared.shape[0]:
        h.addRows(shared.shape[0], shared.lower, shared.upper, shared.nnz, shared.indptr[:-1],
                  nonant[shared.indices].astype(np.int32), shared.data)  # fmt: skip
    return own


def _load(r: _PHRun, s: int) -> tuple[_PHScenario, CompiledLP]:
    """Scenario `s` in a fresh instance (`_instance`), its cuts in the order they were added,
    from its basis (a cold start the first time). Each solve of a scenario thus starts from
    the same state on one worker that holds every scenario and on many that hold a few: the
    same bytes with 1 or N workers (an instance rewritten in place kept traces of the scenario
    before it: other last digits, then another PH path)."""
    st = r.scenarios[s]
    lp = _instance(r, st.values)
    _cut_rows(lp, r.nonant, len(st.cost), st.added)
    if st.basis is not None:
        lp.highs.setBasis(st.basis)
    return st, lp


def ph_start(model: SampleModel, item: tuple[str, int, np.ndarray, np.ndarray, Any]) -> Any:
    """A pool task: scenario `item[1]` of run `item[0]` (numbers `item[2]`, decide-now
    columns `item[3]`, the other scenarios' limits on them `item[4]`, `shared_limits`) taken
    on and solved alone: its decide-now values and objective."""
    from allocator.solver.compile import INF

    run, s, values, nonant, shared = item
    if run not in RUNS:
        RUNS[run] = _new_run(model, nonant, shared)
    r = RUNS[run]
    cost = r.arrays.lp(values).costs[model.objective]
    upper = model.lp.col_upper[nonant]  # column bounds are no scenario's (`ScenarioArrays`)
    cuts = [[float(u)] if u < INF else [] for u in upper]
    added: list[tuple[Position, float]] = [(i, a) for i, pts in enumerate(cuts) for a in pts]
    r.scenarios[s] = _PHScenario(values, cost, cuts, added)
    k = len(nonant)
    return _ph_solve(r, s, np.zeros(k), np.zeros(k), None)


def ph_step(model: SampleModel, item: tuple[str, int, np.ndarray, np.ndarray, np.ndarray]) -> Any:
    """A pool task: one PH iteration of scenario `item[1]` with its multipliers `item[2]`,
    the consensus `item[3]` and the proximal weights `item[4]`."""
    run, s, w, xbar, rho = item
    return _ph_solve(RUNS[run], s, w, rho, xbar)


def ph_bound(model: SampleModel, item: tuple[str, int, np.ndarray]) -> float:
    """A pool task: max c x - W x_N of scenario `item[1]` (no proximal term), its part of the
    Lagrangian bound; the scenario is then forgotten (and the run with its last one)."""
    run, s, w = item
    r = RUNS[run]
    value = float(_ph_solve(r, s, w, np.zeros(len(r.nonant)), None)[1])
    del r.scenarios[s]
    if not r.scenarios:
        del RUNS[run]
    return value


def _ph_solve(
    r: _PHRun, s: int, w: np.ndarray, rho: np.ndarray, xbar: np.ndarray | None
) -> tuple[np.ndarray, float, float]:
    """max c x - W x_N - rho/2 |x_N - xbar|^2 of scenario `s` (x_N^2 by tangent cuts, refined
    up to PROX_ROUNDS times): the decide-now values, c x - W x_N, and c x."""
    from allocator.errors import NotOptimalError
    from allocator.solver.passes import solve_pass

    st, lp = _load(r, s)
    n, k = len(st.cost), len(r.nonant)
    cost = np.concatenate([st.cost, -0.5 * rho])
    cost[r.nonant] -= w
    if xbar is not None:
        cost[r.nonant] += rho * xbar
        _add_cuts(lp, r.nonant, st, list(enumerate(xbar)))
    for _ in range(PROX_ROUNDS):
        found = solve_pass(lp, cost)
        if found.status.name != "OPTIMAL":  # once more from scratch: cuts can stall a basis
            lp.highs.clearSolver()
            found = solve_pass(lp, cost)
        if found.status.name != "OPTIMAL":
            raise NotOptimalError(
                f"a progressive-hedging scenario ended {found.status.name.lower()} "
                f"({found.detail}). Fix: use --two-stage-method equivalent, or give every "
                "program a cap_musd"
            )
        x, q = found.x[r.nonant], found.x[n : n + k]
        loose = [(i, float(x[i])) for i in np.flatnonzero(x**2 - q > PROX_TOL) if rho[i] > 0]
        if xbar is None or not _add_cuts(lp, r.nonant, st, loose):
            break
    st.basis = lp.highs.getBasis()
    plain = exact_dot(st.cost, found.x[:n])
    return x, plain - exact_dot(w, x), plain


def _add_cuts(
    lp: CompiledLP, nonant: np.ndarray, st: _PHScenario, points: Sequence[tuple[Position, float]]
) -> int:
    """Tangent cuts q_i >= 2 a x_i - a^2 at the new points a of scenario `st`, loaded in `lp`;
    how many were added."""
    new: list[tuple[Position, float]] = []
    for i, a in points:  # a tangent at b is off by (a - b)^2 at a: new only if that is loose
        if all((a - b) ** 2 > PROX_TOL for b in st.cuts[i]):
            st.cuts[i].append(a)
            new.append((i, a))
    st.added += new
    _cut_rows(lp, nonant, len(st.cost), new)
    return len(new)


def _cut_rows(
    lp: CompiledLP, nonant: np.ndarray, n: int, points: Sequence[tuple[Position, float]]
) -> None:
    """The rows q_i - 2 a x_i >= -a^2 of `points` (i, a) into `lp`'s instance (`n`: the
    scenario LP's columns, q_i is column n + i)."""
    from allocator.solver.compile import INF

    if not points:
        return
    cols = [[n + i, int(nonant[i])] for i, _ in points]
    lp.highs.addRows(
        len(points),
        np.array([-a * a for _, a in points]),
        np.full(len(points), INF),
        2 * len(points),
        np.arange(0, 2 * len(points), 2, dtype=np.int32),
        np.array(cols, dtype=np.int32).ravel(),
        np.array([[1.0, -2.0 * a] for _, a in points]).ravel(),
    )
