"""How far a row's activity can move with the optimal basis kept primal feasible (`basis_range`):
one solve with the basis's factors and a ratio test over the basic variables, the basis's own
reach, as Excel's allowable range; `marginal.Side` asks it before re-solving. Split from
`marginal.py`, whose parametric re-solves find where a rate really changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from allocator.solver.rows import Rows


def basis_range(h: highspy.Highs, row: int, sigma: int, view: Rows | None = None) -> float:
    """How far the activity of `row`, non-basic in the optimal basis `h` holds, moves on this
    way (`sigma` +1 up, -1 down) with that basis primal feasible: so optimal, with the same
    duals, the objective changing by the row's dual per unit. 0 where the row is basic; inf if
    no basic variable meets a bound.

    HiGHS's `getRanging` tells the same for every row and column at 2.5 times the cost of a
    re-solve (1.3 ms against 0.53 on the baseline); this is one solve with the basis's factors
    (`getBasisSolve`) and a ratio test over the basic variables, as in Excel's allowable
    increase. HiGHS's basis matrix holds a unit column per basic row whose variable is minus
    the row's activity, so the row's unit vector solved gives each basic variable's change per
    unit of the row's activity (columns' values; rows' activities with the sign turned).

    `view`: the rows' bounds as `h` holds them, but for `row`'s own (read from `h` if None).
    The ratio test is `direction_range`'s, of this one row moved alone."""
    held = Basic.of(h)
    if held is None or held.is_basic[row]:
        return 0.0
    view = Rows.of(h) if view is None else view
    rows = np.array([row])
    return direction_range(h, rows, np.ones(1), sigma, view, view.upper[rows], held)


@dataclass(frozen=True)
class Basic:
    """The optimal basis `h` holds, read once for many `direction_range`s at one point: its
    basic variables (HiGHS's order: a column's index, or -1 - a row's), their values and their
    bounds (the rows' from `view` and the given moved bounds, per call)."""

    basic: np.ndarray
    is_basic: np.ndarray
    cols: np.ndarray
    rows: np.ndarray
    value: np.ndarray
    col_bounds: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, h: highspy.Highs) -> Basic | None:
        """The basis `h` holds; None if HiGHS has none to give."""
        status, basic = h.getBasicVariables()  # type: ignore[attr-defined]  # stub gap (1.16)
        if status != highspy.HighsStatus.kOk:
            return None
        is_basic = np.zeros(h.getNumRow(), dtype=bool)
        cols, rows = basic[basic >= 0], -1 - basic[basic < 0]
        is_basic[rows] = True
        sol = h.getSolution()
        value = np.concatenate([np.asarray(sol.col_value)[cols], np.asarray(sol.row_value)[rows]])
        return cls(basic, is_basic, cols, rows, value, _bounds(h.getCols, cols, 3))


def direction_range(
    h: highspy.Highs,
    rows: np.ndarray,
    coef: np.ndarray,
    sigma: int,
    view: Rows,
    upper: np.ndarray,
    held: Basic | None = None,
) -> float:
    """`basis_range` of several rows' upper bounds moved together, each by its `coef` x t
    (`sigma` +1 up, -1 down; `upper`: their bounds as `h` holds them now, `view` every other
    row's, as for `basis_range`: no row read from HiGHS): how far t goes with the optimal basis
    `h` holds (`held`, if read already: `Basic.of`) primal feasible, so optimal, the objective
    changing by the duals times the moves per unit. A non-basic row's activity moves with its
    bound (its unit vector, times its coefficient, into the basis solve); a basic row's bound
    moves away from or towards its activity (the ratio test's bound moves too)."""
    b = Basic.of(h) if held is None else held
    if b is None:
        return 0.0
    step = np.zeros(len(b.is_basic))
    step[rows] = np.where(b.is_basic[rows], 0.0, coef)
    change = np.zeros(len(step))  # every row moved basic: no basic variable moves
    if step.any():
        status, change = h.getBasisSolve(step)  # type: ignore[attr-defined]  # stub gap (1.16)
        if status != highspy.HighsStatus.kOk:
            return 0.0
    now = view.upper[b.rows]
    drift = np.zeros(len(b.rows))
    at = np.flatnonzero(np.isin(b.rows, rows))  # the basic rows among those moved
    if at.size:
        where = {r: k for k, r in enumerate(np.asarray(rows).tolist())}
        k = np.array([where[r] for r in b.rows[at].tolist()])
        now[at], drift[at] = upper[k], sigma * coef[k]
    lower = np.concatenate([b.col_bounds[0], view.lower[b.rows]])
    high = np.concatenate([b.col_bounds[1], now])
    drift = np.concatenate([np.zeros(len(b.cols)), drift])
    rate = sigma * np.concatenate([change[b.basic >= 0], -change[b.basic < 0]])
    value = b.value
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(rate - drift > 0, (high - value) / (rate - drift), np.inf)
        down = np.where(rate < 0, (lower - value) / rate, np.inf)
    return float(max(0.0, min(up.min(initial=np.inf), down.min(initial=np.inf))))


def _bounds(
    get: Callable[..., tuple[Any, ...]], index: np.ndarray, at: int
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the columns or rows `index` (`get`: `getCols` or `getRows`,
    whose bounds are at `at` and `at` + 1), in that order: HiGHS answers a set in ascending
    order, and with arrays of one for an empty set."""
    order = np.argsort(index)
    got = get(len(index), index[order])
    lower, upper = np.empty(len(index)), np.empty(len(index))
    lower[order], upper[order] = got[at][: len(index)], got[at + 1][: len(index)]
    return lower, upper
