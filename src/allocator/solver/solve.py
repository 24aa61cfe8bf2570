"""The only module that knows HiGHS: compile the model, solve, and return a plain `Solution`.

The model's records (`linear.LinearModel`) are concatenated once into a sparse matrix with an
explicit row and column order and handed to `highspy.Highs` in one call (`compile_lp`); a Pyomo
model goes through Pyomo's standard-form compiler instead (`compile_pyomo`). Both objectives are
rows of the cost matrix, so `jobs`, `exports`, `weighted` and the lexicographic tie-break are cost
changes on the same HiGHS instance, not rebuilds. Duals are HiGHS's own: d(objective)/d(right-hand
side), the sign convention of Excel Solver's "Shadow Price".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from itertools import chain, groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
import pandas as pd

from allocator.errors import (
    AllocatorError,
    InfeasibleError,
    NotOptimalError,
    UnboundedError,
    UsageError,
)
from allocator.model.families import FAMILIES, VARIABLES, name_of, relaxable
from allocator.model.linear import Blocks, LinearModel, index_tuple, paused_gc
from allocator.model.solution import LABEL_ORDER, Solution
from allocator.model.sparse import CscMatrix
from allocator.solver.highs import highs_version, new_highs

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.model.constraints import Robust

INF = highspy.kHighsInf
OBJECTIVE_UNITS = {"jobs": "jobs", "exports": "musd", "weighted": "index"}


@dataclass
class CompiledLP:
    """The LP as matrices, its names, and the HiGHS instance that holds it."""

    highs: highspy.Highs
    col_family: list[str]
    col_index: list[tuple[Any, ...]]
    row_family: list[str]
    row_index: list[tuple[Any, ...]]
    col_names: list[str]
    row_names: list[str]
    costs: dict[str, np.ndarray]
    matrix: CscMatrix  # rows x columns
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    hold_initial: float | None = None


@dataclass
class StandardForm:
    """Columns and rows with their labels and bounds, the sparse matrix, and one cost vector per
    objective: what is handed to HiGHS."""

    col_family: list[str]
    col_index: list[tuple[Any, ...]]
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_family: list[str]
    row_index: list[tuple[Any, ...]]
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: CscMatrix
    costs: dict[str, np.ndarray]


def compile_lp(model: LinearModel) -> CompiledLP:
    """Concatenate the families' blocks of `model` into one sparse matrix and pass it to a fresh
    HiGHS instance. Rows, columns and objectives keep `build_model`'s order."""
    with paused_gc():  # many small objects, none of them garbage: the collector only costs time
        form = _record_form(model)
    return _handed_off(form)


def compile_pyomo(m: Any) -> CompiledLP:
    """A Pyomo model (`linear.to_pyomo`'s, edited by hand, or written from scratch) through Pyomo's
    `LinearStandardFormCompiler`, then to HiGHS like `compile_lp`.

    Columns are the model's variables in declaration order; rows its active constraints; each
    objective named `obj_<name>` gives the cost vector `<name>`. For the model `build_model`
    makes it gives the same matrix as `compile_lp` (tested); the solve path never uses it.
    """
    import pyomo.environ as pyo

    with paused_gc():
        var_comps = list(m.component_objects(pyo.Var, descend_into=False))
        order = [v for comp in var_comps for v in comp.values()]
        form = _compiler_form(m, order, _labels_of(var_comps))
    return _handed_off(form)


def _handed_off(form: StandardForm) -> CompiledLP:
    lp = CompiledLP(
        highs=new_highs(),
        col_family=form.col_family,
        col_index=form.col_index,
        row_family=form.row_family,
        row_index=form.row_index,
        col_names=_names(form.col_family, form.col_index),
        row_names=_names(form.row_family, form.row_index),
        costs=form.costs,
        matrix=form.matrix,
        col_lower=form.col_lower,
        col_upper=form.col_upper,
        row_lower=form.row_lower,
        row_upper=form.row_upper,
    )
    _pass_model(lp)
    return lp


def build_lp(
    inp: Inputs, targets: str = "soft", robust: Robust | None = None
) -> tuple[CompiledLP, dict[str, float]]:
    """Build the model of `inp` and hand it to HiGHS; returns the LP and the build and hand-off
    times (s).

    The garbage collector stays paused across both, so it does not scan the model's million
    objects (none of them garbage yet) between the two steps. The records are not kept: the
    HiGHS instance and the names in `CompiledLP` are all the solve and the reports need.
    """
    from allocator.model.build import build_model

    with paused_gc():
        t0 = time.perf_counter()
        model, _ = build_model(inp, targets, robust)
        t1 = time.perf_counter()
        lp = compile_lp(model)
    return lp, {"build": t1 - t0, "handoff": time.perf_counter() - t1}


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0)


def _record_form(model: LinearModel) -> StandardForm:
    """The standard form of `model`: its records concatenated in order."""
    cols, rows = model.columns, model.rows
    n = model.num_cols
    bodies = [b for r in rows for b in r.bodies]
    counts, col_pos, data = _flatten(bodies)
    matrix = CscMatrix.from_triplets(
        np.repeat(np.arange(len(bodies)), counts), col_pos, data, (len(bodies), n)
    )
    costs = {}
    for obj in model.objectives:
        _, at, coefs = _flatten([obj.blocks])
        vec = np.zeros(n)
        np.add.at(vec, at, coefs)
        costs[obj.name] = vec
    return StandardForm(
        col_family=[c.family for c in cols for _ in c.keys],
        col_index=[k for c in cols for k in c.keys],
        col_lower=_concat([c.lower for c in cols]),
        col_upper=_concat([c.upper for c in cols]),
        row_family=[r.family for r in rows for _ in r.keys],
        row_index=[k for r in rows for k in r.keys],
        row_lower=_concat([r.lower for r in rows]),
        row_upper=_concat([r.upper for r in rows]),
        matrix=matrix,
        costs=costs,
    )


def _labels_of(components: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Family and index tuple of every member of Pyomo `components`, in their order."""
    family: list[str] = []
    index: list[tuple[Any, ...]] = []
    for comp in components:
        keys = list(comp.keys())
        family += [comp.name] * len(keys)
        index += map(index_tuple, keys)
    return family, index


def _names(families: list[str], indices: list[tuple[Any, ...]]) -> list[str]:
    return list(map(name_of, families, indices))


def _compiler_form(
    m: Any, order: list[Any], col_labels: tuple[list[str], list[tuple[Any, ...]]]
) -> StandardForm:
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(
        m, mixed_form=True, set_sense=None, column_order=order
    )
    rows = [r.constraint for r in repn.rows]
    if len({id(r) for r in rows}) != len(rows):
        raise AllocatorError("internal: a ranged constraint was split in two rows")
    sense = np.array([r.bound_type for r in repn.rows], dtype=float)
    rhs = np.asarray(repn.rhs, dtype=float)
    c = repn.c.toarray()
    bounds = [v.bounds for v in repn.columns]
    return StandardForm(
        col_family=col_labels[0],
        col_index=col_labels[1],
        col_lower=np.array([-INF if lo is None else lo for lo, _ in bounds], dtype=float),
        col_upper=np.array([INF if up is None else up for _, up in bounds], dtype=float),
        row_family=[r.parent_component().name for r in rows],
        row_index=[index_tuple(r.index()) for r in rows],
        row_lower=np.where(sense >= 0, np.where(sense == 0, rhs, -INF), rhs),
        row_upper=np.where(sense <= 0, np.where(sense == 0, rhs, INF), rhs),
        matrix=CscMatrix.from_scipy(repn.A),
        costs={o.name.removeprefix("obj_"): c[i] for i, o in enumerate(repn.objectives)},
    )


def _flatten(rows: list[Blocks]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries per row, and the column positions and coefficients of all rows' blocks."""
    blocks = [b for row in rows for b in row]
    per_row = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    sizes = np.fromiter((len(c) for _, c in blocks), dtype=np.int64, count=len(blocks))
    coefs = np.fromiter((a for a, _ in blocks), dtype=float, count=len(blocks))
    nnz = int(sizes.sum())
    cols = np.fromiter(chain.from_iterable(c for _, c in blocks), dtype=np.int64, count=nnz)
    block_row = np.repeat(np.arange(len(rows)), per_row)
    counts = np.bincount(block_row, weights=sizes, minlength=len(rows)).astype(np.int64)
    return counts, cols, np.repeat(coefs, sizes)


def _pass_model(lp: CompiledLP) -> None:
    h = lp.highs
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = len(lp.col_names), len(lp.row_names)
    model.col_cost_ = np.zeros(model.num_col_)
    model.col_lower_, model.col_upper_ = lp.col_lower, lp.col_upper
    model.row_lower_, model.row_upper_ = lp.row_lower, lp.row_upper
    a = lp.matrix
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = a.indptr.astype(np.int32)
    model.a_matrix_.index_ = a.indices.astype(np.int32)
    model.a_matrix_.value_ = a.data.astype(float)
    model.sense_ = highspy.ObjSense.kMaximize
    model.col_names_, model.row_names_ = lp.col_names, lp.row_names
    if h.passModel(model) != highspy.HighsStatus.kOk:
        raise AllocatorError("internal: HiGHS refused the model")


def objective_costs(lp: CompiledLP, objective: str, weights: dict[str, float]) -> np.ndarray:
    """The cost vector of `objective`; `weighted` is normalised by each single objective's best."""
    return _held_costs(lp, objective, weights, None)[0]


def _held_costs(
    lp: CompiledLP, objective: str, weights: dict[str, float], hold: Hold | None
) -> tuple[np.ndarray, Hold | None]:
    """`objective_costs`, its passes given `hold`; returns the costs and the hold still unused."""
    if objective in lp.costs:
        return lp.costs[objective], hold
    total = np.zeros(len(lp.col_names))
    for name, w in weights.items():
        found, hold = _run(lp, lp.costs[name], hold)
        if w and found.objective > 0:
            total += (w / found.objective) * lp.costs[name]
    return total, hold


def _set_costs(lp: CompiledLP, cost: np.ndarray) -> None:
    n = len(cost)
    lp.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))


class Status(Enum):
    """How a pass ended, normalised once from HiGHS's model status."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    OTHER = "other"


_STATUS = {
    highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: Status.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: Status.INFEASIBLE_OR_UNBOUNDED,
    highspy.HighsModelStatus.kTimeLimit: Status.TIME_LIMIT,
}


def status_of(h: highspy.Highs) -> Status:
    """The typed status of the last run of `h`: the one place HiGHS's enum is read."""
    return _STATUS.get(h.getModelStatus(), Status.OTHER)


@dataclass(frozen=True)
class PassResult:
    """One solve pass, as plain values (x, duals and activity are empty unless optimal)."""

    status: Status
    objective: float
    x: np.ndarray
    duals: np.ndarray
    reduced_costs: np.ndarray
    activity: np.ndarray
    iterations: int
    detail: str = ""
    """HiGHS's own words for the status."""


@dataclass(frozen=True)
class Hold:
    """The least-shortfall hold on row `row`, and the slack one tolerance retry may add to it."""

    row: int
    slack: float


def _result(h: highspy.Highs) -> PassResult:
    status = status_of(h)
    info = h.getInfo()
    iterations = int(info.simplex_iteration_count)
    detail = h.modelStatusToString(h.getModelStatus())
    if status is not Status.OPTIMAL:
        empty = np.empty(0)
        return PassResult(status, float("nan"), empty, empty, empty, empty, iterations, detail)
    sol = h.getSolution()
    return PassResult(
        status,
        float(info.objective_function_value),
        np.array(sol.col_value),
        np.array(sol.row_dual),
        np.array(sol.col_dual),
        np.array(sol.row_value),
        iterations,
        detail,
    )


def solve_pass(lp: CompiledLP, cost: np.ndarray) -> PassResult:
    """Solve with `cost` and return how it ended; never raises on a non-optimal status."""
    h = lp.highs
    _set_costs(lp, cost)
    h.run()
    if status_of(h) is Status.INFEASIBLE_OR_UNBOUNDED:
        h.setOptionValue("presolve", "off")  # presolve cannot tell which; the simplex can
        h.run()
        h.setOptionValue("presolve", "choose")
    return _result(h)


def _run(
    lp: CompiledLP, cost: np.ndarray, hold: Hold | None = None
) -> tuple[PassResult, Hold | None]:
    """Solve with `cost`; raise on anything but an optimum.

    `hold` is the least-shortfall hold of an earlier pass: if this pass is infeasible, the hold
    failed on tolerances, so it is loosened by its slack once and the pass repeated. Returns the
    optimum and the hold still unused (None once spent).
    """
    found = solve_pass(lp, cost)
    if found.status is Status.INFEASIBLE and hold is not None:
        lp.row_upper[hold.row] += hold.slack
        lp.highs.changeRowBounds(hold.row, -INF, lp.row_upper[hold.row])
        return _run(lp, cost)
    _raise_unless_optimal(lp, found)
    return found, hold


def _raise_unless_optimal(lp: CompiledLP, found: PassResult) -> None:
    """Raise the error of a pass that is not optimal; an infeasible one comes diagnosed."""
    if found.status is Status.INFEASIBLE:
        raise InfeasibleError(
            "the plan is infeasible: no allocation meets every floor, budget and cap at once. "
            "Fix: lower a floor or a minimum, or raise a budget (allocator check lists the floors)",
            diagnosis=diagnose(lp),
            lp=lp,
        )
    if found.status is Status.UNBOUNDED:
        raise UnboundedError(
            "the plan is unbounded: the objective can grow without limit. "
            "Fix: give every program a cap_musd and every pool a budget"
        )
    if found.status is not Status.OPTIMAL:
        raise NotOptimalError(
            f"HiGHS stopped without an optimum ({found.detail}). "
            "Fix: raise solver.time_limit_s in the model file, or check the data"
        )


def apply_options(lp: CompiledLP, options: dict[str, Any] | None) -> None:
    """Set a model file's HiGHS options (`solver:`) on the instance of `lp`.

    Raises:
        UsageError: HiGHS refused an option or its value.
    """
    for option, value in (options or {}).items():
        if lp.highs.setOptionValue(option, value) != highspy.HighsStatus.kOk:
            raise UsageError(
                f"HiGHS refused the solver option {option}={value!r}. "
                "Fix: check its name and value in the model file's solver section"
            )


def _ranging(lp: CompiledLP, cost: np.ndarray, activity: np.ndarray) -> dict[str, dict[str, Any]]:
    """Excel-style allowable increase / decrease from the first pass's basis (inf = no limit).

    Objective coefficients and binding (non-basic) rows come from HiGHS's ranging. A non-basic
    row's range is how far its right-hand side may move with the same basis. A basic row is not
    binding: its range is its slack on one side and unlimited on the other.
    """
    h = lp.highs
    n, m = len(lp.col_names), len(lp.row_names)
    status, rg = h.getRanging()
    if status != highspy.HighsStatus.kOk:
        nan_n, nan_m = np.full(n, np.nan), np.full(m, np.nan)
        return {
            "columns": {"allowable_increase": nan_n, "allowable_decrease": nan_n},
            "rows": {
                "allowable_increase": nan_m,
                "allowable_decrease": nan_m,
                "basic": np.zeros(m, dtype=bool),
            },
        }
    cost_up = np.array(rg.col_cost_up.value_[:n], dtype=float)
    cost_dn = np.array(rg.col_cost_dn.value_[:n], dtype=float)
    status = h.getBasis().row_status[:m]  # each read of row_status copies it all
    basic = np.array([s == highspy.HighsBasisStatus.kBasic for s in status], dtype=bool)
    at_upper = np.array([s == highspy.HighsBasisStatus.kUpper for s in status], dtype=bool)
    upper_row = lp.row_upper < INF
    rhs = np.where(
        at_upper | (~basic & upper_row & (lp.row_lower <= -INF)),
        lp.row_upper,
        np.where(upper_row & basic, lp.row_upper, lp.row_lower),
    )
    up = np.array(rg.row_bound_up.value_[:m], dtype=float)
    dn = np.array(rg.row_bound_dn.value_[:m], dtype=float)
    slack = np.where(upper_row, lp.row_upper - activity, activity - lp.row_lower)
    inc = np.where(basic, np.where(upper_row, np.inf, slack), up - rhs)
    dec = np.where(basic, np.where(upper_row, slack, np.inf), rhs - dn)
    return {
        "columns": {
            "allowable_increase": _nonneg(cost_up - cost),
            "allowable_decrease": _nonneg(cost - cost_dn),
        },
        "rows": {
            "allowable_increase": _nonneg(inc),
            "allowable_decrease": _nonneg(dec),
            "basic": basic,
        },
    }


def _nonneg(values: np.ndarray) -> np.ndarray:
    """Ranges as non-negative numbers, HiGHS's infinity as inf, solver noise as 0."""
    out = np.where(np.abs(values) >= INF, np.inf, values)
    return np.where(out < 1e-9, 0.0, out)


def _hold_least_shortfall(
    lp: CompiledLP, hold: Hold | None = None
) -> tuple[float | None, Hold | None]:
    """Soft targets, first pass: the least weighted shortfall, then held by `shortfall_total`.

    The hold is a real row, so its shadow price is what one more unit of tolerated shortfall is
    worth in the objective: the price of the targets. `hold` is an earlier pass's hold, given to
    this pass's solve. Returns the least shortfall (None without soft targets) and the new hold,
    which the next pass takes (or `hold` itself, without soft targets).
    """
    if "shortfall" not in lp.costs:
        return None, hold
    i = lp.row_family.index("shortfall_total")
    if lp.hold_initial is None:
        lp.hold_initial = float(lp.row_upper[i])
    lp.row_upper[i] = lp.hold_initial  # a re-solve after the data changed starts unheld
    lp.highs.changeRowBounds(i, -INF, lp.hold_initial)
    found, _ = _run(lp, lp.costs["shortfall"], hold)
    least = max(0.0, -found.objective)
    lp.highs.changeRowBounds(i, -INF, least)
    lp.row_upper[i] = least
    return least, Hold(i, 1e-7 * max(1.0, least))


@dataclass
class Diagnosis:
    """Why an LP is infeasible, by row and column index: an irreducible infeasible subset, and
    the least total change of right-hand sides that makes it feasible."""

    rows: list[tuple[int, str]]
    cols: list[tuple[int, str]]
    relaxation: list[tuple[int, str, float]]
    total: float | None


_SIDES = {2: "lower", 3: "upper", 4: "both"}


def diagnose(lp: CompiledLP) -> Diagnosis:
    """IIS (irreducible, from the LP) and a feasibility relaxation of row bounds only."""
    h = lp.highs
    strategy = int(highspy.IisStrategy.kIisStrategyFromLp) | int(
        highspy.IisStrategy.kIisStrategyIrreducible
    )
    h.setOptionValue("iis_strategy", strategy)
    status, iis = h.getIis()
    rows, cols = [], []
    if status == highspy.HighsStatus.kOk:
        rows = [
            (int(i), _SIDES[int(b)])
            for i, b in zip(iis.row_index_, iis.row_bound_, strict=True)
            if int(b) in _SIDES
        ]
        cols = [
            (int(j), _SIDES[int(b)])
            for j, b in zip(iis.col_index_, iis.col_bound_, strict=True)
            if int(b) in _SIDES
        ]
    relaxation, total = _relax(lp)
    return Diagnosis(rows, cols, relaxation, total)


def _relax(lp: CompiledLP) -> tuple[list[tuple[int, str, float]], float | None]:
    """Least total change of right-hand sides that are numbers in the data (budgets, caps,
    floors, markets, targets), each in its own unit, that makes the plan feasible.

    An elastic copy of the LP: every relaxable row side gets a slack column costing 1 per unit,
    and their sum is minimised. Variable bounds and structural rows (export capacity, risk cover,
    share caps: right-hand side 0 by construction) stay as they are. Built here rather than with
    `Highs.feasibilityRelaxation`, whose per-row "not relaxable" penalties returned non-minimal
    relaxations in our tests (70 where 10 was possible).
    """
    copy = new_highs()
    copy.passModel(lp.highs.getLp())
    n = len(lp.col_names)
    copy.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
    copy.changeObjectiveSense(highspy.ObjSense.kMinimize)
    sides = [
        (i, side, sign)
        for i, fam in enumerate(lp.row_family)
        if relaxable(fam)
        for side, sign, bound in (("upper", -1.0, lp.row_upper[i]), ("lower", 1.0, lp.row_lower[i]))
        if abs(bound) < INF
    ]
    if not sides:
        return [], None
    k = len(sides)
    copy.addCols(
        k,
        np.ones(k),
        np.zeros(k),
        np.full(k, INF),
        k,
        np.arange(k, dtype=np.int32),
        np.array([i for i, _, _ in sides], dtype=np.int32),
        np.array([sign for _, _, sign in sides]),
    )
    copy.run()
    if status_of(copy) is not Status.OPTIMAL:
        return [], None
    slack = np.array(copy.getSolution().col_value)[n:]
    changes = [
        (i, side, float(v)) for (i, side, _), v in zip(sides, slack, strict=True) if v > 1e-7
    ]
    return changes, float(copy.getInfo().objective_function_value)


def _tie_break(
    lp: CompiledLP, x: np.ndarray, col_dual: np.ndarray, row_dual: np.ndarray, secondary: np.ndarray
) -> np.ndarray | None:
    """Among the optima of the first pass, the one best for `secondary` (primal values), or None.

    The optimal face is held exactly, without an objective tolerance: every column with a
    non-zero reduced cost stays at its bound and every row with a non-zero dual stays tight, so
    any point found satisfies complementary slackness with the first pass's duals. It is solved
    as its own small LP (`_restricted`), so the HiGHS instance of the plan keeps its optimal
    basis and factorisation for the next warm re-solve.
    """
    tol = 1e-9
    moving = np.flatnonzero(np.abs(col_dual) <= tol)
    fixed = np.flatnonzero(np.abs(col_dual) > tol)
    held = x.copy()
    held[fixed] = np.where(col_dual[fixed] < 0, lp.col_lower[fixed], lp.col_upper[fixed])
    rows = np.flatnonzero(np.abs(row_dual) > tol)
    tight = np.where(row_dual[rows] > 0, lp.row_upper[rows], lp.row_lower[rows])
    lower, upper = lp.row_lower.copy(), lp.row_upper.copy()
    lower[rows], upper[rows] = tight, tight
    basis = lp.highs.getBasis()
    return _restricted(lp, moving, held, lower, upper, secondary, basis if basis.valid else None)


def _restricted(
    lp: CompiledLP,
    cols: np.ndarray,
    held: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    cost: np.ndarray,
    basis: highspy.HighsBasis | None = None,
) -> np.ndarray | None:
    """Maximise `cost` over the columns `cols` with every other column held at `held`.

    Only those columns and the rows they appear in take part: the held columns' share of each
    row moves into its bounds, so this LP is small next to the plan's. Given the plan's optimal
    `basis` (every basic column among `cols`), the primal simplex starts from its restriction,
    which is feasible. Returns `held` with the columns' new values, or None if not optimal.
    """
    if not cols.size:
        return held
    a = lp.matrix
    starts, ends = a.indptr[cols], a.indptr[cols + 1]
    counts = ends - starts
    entry = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(
        int(counts.sum())
    )
    rows = np.unique(a.indices[entry])
    others = held.copy()
    others[cols] = 0.0
    fixed = (a @ others)[rows]
    sub = new_highs()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = len(cols), len(rows)
    model.col_cost_ = np.asarray(cost, dtype=float)[cols]
    model.col_lower_, model.col_upper_ = lp.col_lower[cols], lp.col_upper[cols]
    model.row_lower_ = np.where(row_lower[rows] <= -INF, -INF, row_lower[rows] - fixed)
    model.row_upper_ = np.where(row_upper[rows] >= INF, INF, row_upper[rows] - fixed)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    model.a_matrix_.index_ = np.searchsorted(rows, a.indices[entry]).astype(np.int32)
    model.a_matrix_.value_ = a.data[entry].astype(float)
    model.sense_ = highspy.ObjSense.kMaximize
    sub.passModel(model)
    if basis is not None:
        start = highspy.HighsBasis()
        col_status, row_status = basis.col_status, basis.row_status  # each read copies it all
        start.col_status = [col_status[j] for j in cols]
        start.row_status = [row_status[i] for i in rows]
        start.valid = True
        sub.setBasis(start)
        sub.setOptionValue("simplex_strategy", 4)  # primal: the restricted basis is feasible
    sub.run()
    if status_of(sub) is not Status.OPTIMAL:
        return None
    out = held.copy()
    out[cols] = np.array(sub.getSolution().col_value)
    return out


def _reachable_exports(lp: CompiledLP, x: np.ndarray) -> np.ndarray:
    """Exports at every milestone that the allocation `x` can reach.

    Exports before the objective's year appear in no objective, so the solver may leave them at
    zero; they constrain nothing else, so maximising them with every other column held at `x`
    reports what the plan reaches without changing it.
    """
    exp = np.flatnonzero(np.array([f == "exports" for f in lp.col_family]))
    ones = np.zeros(len(x))
    ones[exp] = 1.0
    found = _restricted(lp, exp, x, lp.row_lower, lp.row_upper, ones)
    return x if found is None else found


@dataclass
class Optimum:
    """The plan of one solve, before any tables: what sweeps and reports both start from."""

    objective: float
    x: np.ndarray
    row_dual: np.ndarray
    col_dual: np.ndarray
    cost: np.ndarray
    least_shortfall: float | None
    ranges: dict[str, dict[str, Any]] | None
    iterations: int
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds: solve (the passes and reading x and duals), ranging, tie_break, exports."""
    hold: Hold | None = None
    """The least-shortfall hold, if no pass needed its tolerance retry: for the next pass."""


def optimum(
    lp: CompiledLP,
    objective: str,
    weights: dict[str, float] | None = None,
    ranging: bool = True,
    hold: Hold | None = None,
) -> Optimum:
    """Soft targets held, the objective solved, ties broken towards the other outcome, and
    exports at every milestone filled in. Duals (and ranges) are the objective's own.

    `hold` is an earlier pass's least-shortfall hold (see `_run`), given to the first solve.
    """
    weights = weights or {"jobs": 0.5, "exports": 0.5}
    laps = [time.perf_counter()]

    def lap() -> float:
        laps.append(time.perf_counter())
        return laps[-1] - laps[-2]

    least, hold = _hold_least_shortfall(lp, hold)
    cost, hold = _held_costs(lp, objective, weights, hold)
    found, hold = _run(lp, cost, hold)
    row_dual, col_dual, x = found.duals, found.reduced_costs, found.x
    timings = {"solve": lap()}
    ranges = _ranging(lp, cost, found.activity) if ranging else None
    timings["ranging"] = lap()
    other = {"jobs": "exports", "exports": "jobs"}.get(objective)
    if other is not None and lp.costs[other].any():
        better = _tie_break(lp, x, col_dual, row_dual, lp.costs[other])
        x = x if better is None else better
    timings["tie_break"] = lap()
    x = _reachable_exports(lp, x)
    timings["exports"] = lap()
    return Optimum(
        found.objective, x, row_dual, col_dual, cost, least, ranges, found.iterations, timings, hold
    )


def solve_lp(lp: CompiledLP, objective: str, weights: dict[str, float] | None = None) -> Solution:
    """Solve for `objective` (jobs, exports or weighted) and return tables of the optimum.

    For `jobs` and `exports` a second pass picks, among the optimal plans, the one with the most
    of the other outcome (lexicographic), so the reported exports of a jobs plan are what that
    allocation can really reach. Duals come from the first pass: they belong to the objective.
    """
    weights = weights or {"jobs": 0.5, "exports": 0.5}
    opt = optimum(lp, objective, weights)
    t_tables = time.perf_counter()
    x, ranges = opt.x, opt.ranges or {}
    activity = lp.matrix @ x
    return Solution(
        status="optimal",
        objective=objective,
        objective_value=opt.objective,
        objective_unit=OBJECTIVE_UNITS[objective],
        columns=_column_table(lp, x, opt.col_dual, opt.cost).assign(**ranges["columns"]),
        rows=_row_table(lp, activity, opt.row_dual).assign(**ranges["rows"]),
        totals={name: float(c @ x) for name, c in lp.costs.items() if name != "shortfall"}
        | ({} if opt.least_shortfall is None else {"weighted_shortfall": opt.least_shortfall}),
        solver={
            "name": "HiGHS",
            "version": highs_version(),
            "simplex_iterations": opt.iterations,
            "rows": len(lp.row_names),
            "columns": len(lp.col_names),
            "nonzeros": int(lp.matrix.nnz),
        },
        timings=opt.timings | {"tables": time.perf_counter() - t_tables},
        weights=weights if objective == "weighted" else {},
    )


def _labels(
    families: list[str], indices: list[tuple[Any, ...]], dims: dict[str, Any]
) -> pd.DataFrame:
    """One column per label name (program, pool, phase, year, ...), empty where not applicable."""
    names = sorted({d for f in set(families) for d in dims[f].dims}, key=LABEL_ORDER.index)
    data = {n: np.full(len(families), None, dtype=object) for n in names}
    start = 0
    for fam, block in groupby(families):  # a family's entries are contiguous
        end = start + len(list(block))
        fam_dims = dims[fam].dims
        if fam_dims:
            for n, values in zip(fam_dims, zip(*indices[start:end], strict=True), strict=True):
                data[n][start:end] = values
        start = end
    frame = pd.DataFrame(data, dtype=object)
    if "year" in frame:
        frame["year"] = pd.array(frame["year"].tolist(), dtype="Int64")
    return frame


def _column_table(lp: CompiledLP, x: np.ndarray, rc: np.ndarray, cost: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"variable": lp.col_names, "family": lp.col_family})
    frame = pd.concat([frame, _labels(lp.col_family, lp.col_index, VARIABLES)], axis=1)
    frame["value"] = _clean(x)
    frame["reduced_cost"] = _clean(rc)
    frame["objective_coefficient"] = cost
    frame["lower"] = lp.col_lower
    frame["upper"] = np.where(lp.col_upper >= INF, np.inf, lp.col_upper)
    return frame


def _row_table(lp: CompiledLP, activity: np.ndarray, dual: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"constraint": lp.row_names, "family": lp.row_family})
    frame = pd.concat([frame, _labels(lp.row_family, lp.row_index, FAMILIES)], axis=1)
    frame["body"] = _clean(activity)
    frame["lower"] = np.where(lp.row_lower <= -INF, -np.inf, lp.row_lower)
    frame["upper"] = np.where(lp.row_upper >= INF, np.inf, lp.row_upper)
    frame["shadow_price"] = _clean(dual)
    return frame


def _clean(values: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Zero out solver noise so tables show 0, not 1e-13 or -0."""
    out = np.asarray(values, dtype=float).copy()
    out[np.abs(out) < tol] = 0.0
    return out + 0.0


def write_model(lp: CompiledLP, cost: np.ndarray, folder: Path) -> list[Path]:
    """Write model.lp and model.mps with the run's objective and readable names."""
    _set_costs(lp, cost)
    paths = [folder / "model.lp", folder / "model.mps"]
    for path in paths:
        if lp.highs.writeModel(str(path)) != highspy.HighsStatus.kOk:
            raise AllocatorError(f"HiGHS could not write {path.name}")
    return paths


@dataclass
class FrontierPoint:
    """One plan on the jobs-versus-exports frontier."""

    epsilon: float
    jobs: float
    exports: float
    rate: float  # dual of the epsilon row: jobs per US$ million of exports asked for
    x: np.ndarray


def trace_frontier(lp: CompiledLP, points: int) -> list[FrontierPoint]:
    """Epsilon-constraint frontier: the most jobs subject to exports >= epsilon.

    Epsilon runs from the exports the jobs-best plan reaches to the exports optimum. One row,
    `exports >= epsilon`, is added to the same HiGHS instance and only its bound changes between
    points, so each re-solve starts from the previous basis. Soft targets stay held throughout.
    """
    _, hold = _hold_least_shortfall(lp)
    jobs, exports = lp.costs["jobs"], lp.costs["exports"]
    first = optimum(lp, "jobs", ranging=False, hold=hold)
    low = float(lp.costs["exports"] @ first.x)
    best = optimum(lp, "exports", ranging=False, hold=first.hold)
    high, hold = best.objective, best.hold
    h = lp.highs
    nz = np.flatnonzero(exports).astype(np.int32)
    h.addRow(low, INF, len(nz), nz, exports[nz])
    row = h.getNumRow() - 1
    found = []
    try:
        steps = np.linspace(low, high, points) if high - low > 1e-9 * max(1.0, high) else [low]
        for eps in steps:
            h.changeRowBounds(row, float(eps), INF)
            got, hold = _run(lp, jobs, hold)
            found.append(
                FrontierPoint(
                    float(eps), got.objective, float(exports @ got.x), float(got.duals[row]), got.x
                )
            )
    finally:
        h.deleteRows(1, np.array([row], dtype=np.int32))
    return found


RANGE_WARNING = 1e8  # HiGHS scales well within this; beyond it tolerances start to bite


def numerics_warnings(lp: CompiledLP) -> list[str]:
    """Coefficients or right-hand sides spanning more than 1e8, with the rows that hold them."""
    found = []
    a = lp.matrix
    size = np.abs(a.data)
    if size.size and size.max() > RANGE_WARNING * size.min():
        lo, hi = int(np.argmin(size)), int(np.argmax(size))
        found.append(
            f"matrix coefficients span {size.min():.3g} to {size.max():.3g} "
            f"(ratio {size.max() / size.min():.1e}): smallest in row "
            f"{lp.row_names[a.indices[lo]]} at {lp.col_names[a.col_of_entry[lo]]}, largest in row "
            f"{lp.row_names[a.indices[hi]]} at {lp.col_names[a.col_of_entry[hi]]}. "
            "Fix: check those numbers and their units"
        )
    for name, cost in lp.costs.items():
        nz = np.flatnonzero(cost)
        c = np.abs(cost[nz])
        if c.size and c.max() > RANGE_WARNING * c.min():
            lo, hi = nz[np.argmin(c)], nz[np.argmax(c)]
            found.append(
                f"{name} objective coefficients span {c.min():.3g} ({lp.col_names[lo]}) to "
                f"{c.max():.3g} ({lp.col_names[hi]}). Fix: check those programs' coefficients "
                "and their units (per US$ million)"
            )
    bounds = np.abs(np.concatenate([lp.row_lower, lp.row_upper]))
    rows = np.concatenate([np.arange(len(lp.row_names))] * 2)
    keep = (bounds > 0) & (bounds < INF)
    if keep.any() and bounds[keep].max() > RANGE_WARNING * bounds[keep].min():
        lo = rows[keep][np.argmin(bounds[keep])]
        hi = rows[keep][np.argmax(bounds[keep])]
        found.append(
            f"right-hand sides span {bounds[keep].min():.3g} to {bounds[keep].max():.3g}: "
            f"smallest in row {lp.row_names[lo]}, largest in row {lp.row_names[hi]}. "
            "Fix: check those numbers and their units (money is in US$ million)"
        )
    return found
