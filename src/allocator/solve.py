"""The only module that knows HiGHS: compile the Pyomo model, solve, and return a plain `Solution`.

The model is compiled once by Pyomo's standard-form compiler into a sparse matrix with an explicit
row and column order and handed to `highspy.Highs` in one call. Both objectives are rows of the
cost matrix, so `jobs`, `exports`, `weighted` and the lexicographic tie-break are cost changes on
the same HiGHS instance, not rebuilds. Duals are HiGHS's own: d(objective)/d(right-hand side),
the sign convention of Excel Solver's "Shadow Price".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import chain, groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import (
    LinearExpression,
    MonomialTermExpression,
    ProductExpression,
    SumExpression,
)

from allocator.errors import AllocatorError, InfeasibleError, NotOptimalError, UnboundedError
from allocator.families import FAMILIES, VARIABLES, name_of, relaxable
from allocator.highs import highs_version, new_highs
from allocator.linear import Blocks
from allocator.solution import LABEL_ORDER, Solution
from allocator.sparse import CscMatrix

if TYPE_CHECKING:
    from allocator.constraints import Robust
    from allocator.schema import Inputs

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
    hold_slack: tuple[int, float] | None = None
    hold_initial: float | None = None


def _key(idx: Any) -> tuple[Any, ...]:
    """A component index as a tuple: () for a scalar, (k,) for a one-dimensional index."""
    if idx is None:
        return ()
    return idx if type(idx) is tuple else (idx,)


@dataclass
class StandardForm:
    """Rows, columns, the sparse matrix, bounds and one cost vector per objective."""

    cols: list[Any]
    rows: list[Any]
    matrix: Any
    row_lower: np.ndarray
    row_upper: np.ndarray
    costs: dict[str, np.ndarray]
    row_labels: tuple[list[str], list[tuple[Any, ...]]] | None = None


def compile_lp(m: pyo.ConcreteModel, direct: bool = True) -> CompiledLP:
    """Compile the Pyomo model to standard form and pass it to a fresh HiGHS instance.

    `direct` reads each row's column positions as `build_model` recorded them beside the
    expression (`linear.Recorder`), or walks the row's `LinearExpression` where there is no
    recording for that very expression; any row or objective that is not such a plain linear
    expression sends the whole model through Pyomo's `LinearStandardFormCompiler` instead. All
    three give the same matrix (tested).
    """
    with PauseGC():  # many small objects, none of them garbage: the collector only costs time
        var_comps = list(m.component_objects(pyo.Var, descend_into=False))
        order = [v for comp in var_comps for v in comp.values()]
        form = (_direct_form(m, order) if direct else None) or _compiler_form(m, order)
        cols, rows = form.cols, form.rows
        bounds = [v.bounds for v in cols]
        col_family, col_index = _labels_of(var_comps)
        if form.row_labels is None:
            row_family = [r.parent_component().name for r in rows]
            row_index = [_key(r.index()) for r in rows]
        else:
            row_family, row_index = form.row_labels
    lp = CompiledLP(
        highs=new_highs(),
        col_family=col_family,
        col_index=col_index,
        row_family=row_family,
        row_index=row_index,
        col_names=_names(col_family, col_index),
        row_names=_names(row_family, row_index),
        costs=form.costs,
        matrix=form.matrix,
        col_lower=np.array([-INF if lo is None else lo for lo, _ in bounds], dtype=float),
        col_upper=np.array([INF if up is None else up for _, up in bounds], dtype=float),
        row_lower=form.row_lower,
        row_upper=form.row_upper,
    )
    _pass_model(lp)
    return lp


def build_lp(
    inp: Inputs, targets: str = "soft", robust: Robust | None = None
) -> tuple[CompiledLP, dict[str, float]]:
    """Build the Pyomo model of `inp` and hand it to HiGHS; returns the LP and the build and
    hand-off times (s).

    The garbage collector stays paused across both, so it does not scan the model's million
    objects (none of them garbage yet) between the two steps. The Pyomo model is not kept: the
    HiGHS instance and the names in `CompiledLP` are all the solve and the reports need.
    """
    from allocator.model import build_model

    with PauseGC():
        t0 = time.perf_counter()
        m, _ = build_model(inp, targets, robust)
        t1 = time.perf_counter()
        lp = compile_lp(m)
    return lp, {"build": t1 - t0, "handoff": time.perf_counter() - t1}


def _labels_of(components: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Family and index tuple of every member of `components`, in their order."""
    family: list[str] = []
    index: list[tuple[Any, ...]] = []
    for comp in components:
        keys = list(comp.keys())
        family += [comp.name] * len(keys)
        index += map(_key, keys)
    return family, index


def _names(families: list[str], indices: list[tuple[Any, ...]]) -> list[str]:
    return list(map(name_of, families, indices))


def _compiler_form(m: pyo.ConcreteModel, order: list[Any]) -> StandardForm:
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
    return StandardForm(
        cols=list(repn.columns),
        rows=rows,
        matrix=CscMatrix.from_scipy(repn.A),
        row_lower=np.where(sense >= 0, np.where(sense == 0, rhs, -INF), rhs),
        row_upper=np.where(sense <= 0, np.where(sense == 0, rhs, INF), rhs),
        costs={o.name.removeprefix("obj_"): c[i] for i, o in enumerate(repn.objectives)},
    )


def _terms(expr: Any, col_of: dict[int, int]) -> Blocks | None:
    """(coefficient, [column]) of every term of a plain linear expression, else None.

    Plain: a `LinearExpression` or `SumExpression` of variables, c * x monomials and
    c * (x1 + x2 + ...) products (what `linear.Recorder` builds), numeric coefficients only.
    """
    if type(expr) not in (LinearExpression, SumExpression):
        return None
    out: Blocks = []
    try:
        for t in expr.args:
            if type(t) is ProductExpression:
                c, inner = t.args
                if type(inner) is not LinearExpression or type(c) not in (int, float):
                    return None
                found = _terms(inner, col_of)
                if found is None:
                    return None
                out += [(c * a, cols) for a, cols in found]
            elif type(t) is MonomialTermExpression:
                c, v = t._args_
                out.append((float(c), [col_of[id(v)]]))
            elif type(t) is VarData:
                out.append((1.0, [col_of[id(t)]]))
            else:
                return None
    except (KeyError, TypeError):  # a variable outside the model, or a non-numeric coefficient
        return None
    return out


class _Reader:
    """Each row's blocks: as recorded at build time if `build_model` made the row
    (linear.Recorder), else read from its expression."""

    def __init__(self, m: pyo.ConcreteModel, order: list[Any]) -> None:
        rec = getattr(m, "_allocator_recorder", None)
        self.recorder = rec if rec is not None and rec.covers(order) else None
        self.order = order
        self._col_of: dict[int, int] | None = None

    def __call__(self, expr: Any) -> Blocks | None:
        found = None if self.recorder is None else self.recorder.blocks(expr)
        if found is not None:
            return found
        if self._col_of is None:
            self._col_of = {id(v): j for j, v in enumerate(self.order)}
        return _terms(expr, self._col_of)


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


def _direct_form(m: pyo.ConcreteModel, order: list[Any]) -> StandardForm | None:
    if any(v.fixed for v in order):
        return None
    read = _Reader(m, order)
    rows, families, indices = [], [], []
    for comp in m.component_objects(pyo.Constraint, active=True, descend_into=False):
        for idx, con in comp.items():
            if con.active:
                rows.append(con)
                families.append(comp.name)
                indices.append(_key(idx))
    bodies = []
    lower, upper = np.empty(len(rows)), np.empty(len(rows))
    for i, con in enumerate(rows):
        found = read(con.body)
        if found is None or con.equality:
            return None
        bodies.append(found)
        lower[i] = -INF if con.lower is None else float(pyo.value(con.lower))
        upper[i] = INF if con.upper is None else float(pyo.value(con.upper))
    costs = {}
    for obj in m.component_data_objects(pyo.Objective, active=True, descend_into=False):
        found = read(obj.expr)
        if found is None:
            return None
        _, cols, coefs = _flatten([found])
        vec = np.zeros(len(order))
        np.add.at(vec, cols, coefs)
        costs[obj.name.removeprefix("obj_")] = vec
    counts, cols, data = _flatten(bodies)
    matrix = CscMatrix.from_triplets(
        np.repeat(np.arange(len(rows)), counts), cols, data, (len(rows), len(order))
    )
    return StandardForm(order, rows, matrix, lower, upper, costs, (families, indices))


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
    if objective in lp.costs:
        return lp.costs[objective]
    total = np.zeros(len(lp.col_names))
    for name, w in weights.items():
        best = _run(lp, lp.costs[name])[0]
        if w and best > 0:
            total += (w / best) * lp.costs[name]
    return total


def _set_costs(lp: CompiledLP, cost: np.ndarray) -> None:
    n = len(cost)
    lp.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))


def _run(lp: CompiledLP, cost: np.ndarray) -> tuple[float, highspy.HighsSolution]:
    """Solve with `cost`; raise on anything but an optimum."""
    h = lp.highs
    _set_costs(lp, cost)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kUnboundedOrInfeasible:
        h.setOptionValue("presolve", "off")  # presolve cannot tell which; the simplex can
        h.run()
        h.setOptionValue("presolve", "choose")
        status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible and lp.hold_slack is not None:
        i, slack = lp.hold_slack  # the exact hold failed on tolerances: loosen it once
        lp.hold_slack = None
        lp.row_upper[i] += slack
        h.changeRowBounds(i, -INF, lp.row_upper[i])
        return _run(lp, cost)
    if status == highspy.HighsModelStatus.kInfeasible:
        raise InfeasibleError(
            "the plan is infeasible: no allocation meets every floor, budget and cap at once. "
            "Fix: lower a floor or a minimum, or raise a budget (allocator check lists the floors)"
        )
    if status == highspy.HighsModelStatus.kUnbounded:
        raise UnboundedError(
            "the plan is unbounded: the objective can grow without limit. "
            "Fix: give every program a cap_musd and every pool a budget"
        )
    if status != highspy.HighsModelStatus.kOptimal:
        raise NotOptimalError(
            f"HiGHS stopped without an optimum ({h.modelStatusToString(status)}). "
            "Fix: raise solver.time_limit_s in the model file, or check the data"
        )
    return float(h.getInfo().objective_function_value), h.getSolution()


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


def _hold_least_shortfall(lp: CompiledLP) -> float | None:
    """Soft targets, first pass: the least weighted shortfall, then held by `shortfall_total`.

    The hold is a real row, so its shadow price is what one more unit of tolerated shortfall is
    worth in the objective: the price of the targets.
    """
    if "shortfall" not in lp.costs:
        return None
    i = lp.row_family.index("shortfall_total")
    if lp.hold_initial is None:
        lp.hold_initial = float(lp.row_upper[i])
    lp.row_upper[i] = lp.hold_initial  # a re-solve after the data changed starts unheld
    lp.highs.changeRowBounds(i, -INF, lp.hold_initial)
    z, _ = _run(lp, lp.costs["shortfall"])
    least = max(0.0, -z)
    lp.highs.changeRowBounds(i, -INF, least)
    lp.row_upper[i] = least
    lp.hold_slack = (i, 1e-7 * max(1.0, least))
    return least


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
    if copy.getModelStatus() != highspy.HighsModelStatus.kOptimal:
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
    if sub.getModelStatus() != highspy.HighsModelStatus.kOptimal:
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


def optimum(
    lp: CompiledLP, objective: str, weights: dict[str, float] | None = None, ranging: bool = True
) -> Optimum:
    """Soft targets held, the objective solved, ties broken towards the other outcome, and
    exports at every milestone filled in. Duals (and ranges) are the objective's own."""
    weights = weights or {"jobs": 0.5, "exports": 0.5}
    laps = [time.perf_counter()]

    def lap() -> float:
        laps.append(time.perf_counter())
        return laps[-1] - laps[-2]

    try:
        least = _hold_least_shortfall(lp)
        cost = objective_costs(lp, objective, weights)
        z, sol = _run(lp, cost)
    except InfeasibleError as exc:
        exc.diagnosis = diagnose(lp)
        raise
    row_dual, col_dual = np.array(sol.row_dual), np.array(sol.col_dual)
    x, activity = np.array(sol.col_value), np.array(sol.row_value)
    iterations = int(lp.highs.getInfo().simplex_iteration_count)
    timings = {"solve": lap()}
    ranges = _ranging(lp, cost, activity) if ranging else None
    timings["ranging"] = lap()
    other = {"jobs": "exports", "exports": "jobs"}.get(objective)
    if other is not None and lp.costs[other].any():
        better = _tie_break(lp, x, col_dual, row_dual, lp.costs[other])
        x = x if better is None else better
    timings["tie_break"] = lap()
    x = _reachable_exports(lp, x)
    timings["exports"] = lap()
    return Optimum(z, x, row_dual, col_dual, cost, least, ranges, iterations, timings)


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
    _hold_least_shortfall(lp)
    jobs, exports = lp.costs["jobs"], lp.costs["exports"]
    low = float(lp.costs["exports"] @ optimum(lp, "jobs", ranging=False).x)
    high = optimum(lp, "exports", ranging=False).objective
    h = lp.highs
    nz = np.flatnonzero(exports).astype(np.int32)
    h.addRow(low, INF, len(nz), nz, exports[nz])
    row = h.getNumRow() - 1
    found = []
    try:
        steps = np.linspace(low, high, points) if high - low > 1e-9 * max(1.0, high) else [low]
        for eps in steps:
            h.changeRowBounds(row, float(eps), INF)
            z, sol = _run(lp, jobs)
            x = np.array(sol.col_value)
            found.append(
                FrontierPoint(float(eps), z, float(exports @ x), float(sol.row_dual[row]), x)
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
