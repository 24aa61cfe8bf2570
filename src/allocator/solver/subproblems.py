"""The small LPs solved beside the plan, so its HiGHS instance keeps its optimal basis: the
tie-break on the optimal face and the exports reachable at earlier milestones."""

from __future__ import annotations

import highspy
import numpy as np

from allocator.solver.compile import INF, CompiledLP
from allocator.solver.highs import new_highs
from allocator.solver.status import Status, status_of


def tie_break(
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


def reachable_exports(lp: CompiledLP, x: np.ndarray) -> np.ndarray:
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
