"""Excel Solver's Limits report: how far each variable can move with every other one held.

For a variable j at its value x_j, with every other variable held and every constraint kept,
the variable can go down to its lower limit and up to its upper limit; the objective there is
the optimum plus c_j times the move. That is a ratio test of column j over the rows it appears
in: row i (activity r_i, bounds lo_i <= r_i <= up_i, coefficient a_ij) lets x_j rise by
(up_i - r_i) / a_ij if a_ij > 0, or by (r_i - lo_i) / -a_ij if a_ij < 0, and fall the other
way round; the column's own bounds limit it too. Done for every entry of the sparse matrix at
once (numpy over the compressed columns), so it needs no LP per variable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.model.families import BY_KIND, VARIABLES
from allocator.model.solution import LABEL_ORDER, Solution
from allocator.model.sparse import CscMatrix


@dataclass(frozen=True)
class Limits:
    """Per column: the least and the most value with every other column held."""

    lower: np.ndarray
    upper: np.ndarray


def column_limits(
    matrix: CscMatrix,
    x: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
) -> Limits:
    """Each column's limits at the point `x` (rows and columns may be infinite on a side).

    A row that `x` already violates by solver tolerance allows no move in that direction
    (its slack counts as 0), so a limit never lies beyond the value it starts from.
    """
    x = np.asarray(x, dtype=float)
    activity = matrix @ x
    room_up = np.maximum(np.asarray(row_upper, dtype=float) - activity, 0.0)  # inf stays inf
    room_dn = np.maximum(activity - np.asarray(row_lower, dtype=float), 0.0)
    a, rows, cols = matrix.data, matrix.indices, matrix.col_of_entry
    live = a != 0
    if not live.all():  # an explicit zero limits nothing
        a, rows, cols = a[live], rows[live], cols[live]
    # each row's room gathered once and divided by |a| (-a is |a| exactly where a < 0): the
    # same quotients as dividing each side by a and -a, with half the gathers and divisions
    up, down, size = room_up[rows], room_dn[rows], np.abs(a)
    rising = a > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(rising, up, down) / size
        fall = np.where(rising, down, up) / size
    n = matrix.shape[1]
    most_rise = np.full(n, np.inf)
    most_fall = np.full(n, np.inf)
    np.minimum.at(most_rise, cols, rise)
    np.minimum.at(most_fall, cols, fall)
    upper = np.minimum(x + most_rise, np.maximum(np.asarray(col_upper, dtype=float), x))
    lower = np.maximum(x - most_fall, np.minimum(np.asarray(col_lower, dtype=float), x))
    return Limits(lower, upper)


def limits(sol: Solution) -> pd.DataFrame:
    """The Limits report of a solve: one row per variable, its value, lower and upper limit and
    the objective at each (in the objective's unit); an unbounded limit is an empty cell."""
    if sol.view is None:
        raise ValueError("the Limits report needs the solution's LP view (solve_lp gives it)")
    cols, rows = sol.columns, sol.rows
    x = cols["value"].to_numpy(dtype=float)
    found = column_limits(
        sol.view.matrix,
        x,
        cols["lower"].to_numpy(dtype=float),
        cols["upper"].to_numpy(dtype=float),
        rows["lower"].to_numpy(dtype=float),
        rows["upper"].to_numpy(dtype=float),
    )
    cost = cols["objective_coefficient"].to_numpy(dtype=float)
    labels = [c for c in cols.columns if c in LABEL_ORDER]
    frame = cols[["variable", "family", *labels, "value"]].copy()
    frame["lower_limit"] = _clean(found.lower)
    frame["objective_at_lower"] = _at(sol.objective_value, cost, found.lower - x)
    frame["upper_limit"] = _clean(found.upper)
    frame["objective_at_upper"] = _at(sol.objective_value, cost, found.upper - x)
    frame["unit"] = _units(cols)
    frame["objective_unit"] = sol.objective_unit
    return frame


def _units(cols: pd.DataFrame) -> np.ndarray:
    """The unit of each variable's value and limits (a shortfall's follows its target kind)."""
    unit = cols["family"].map({f: v.unit for f, v in VARIABLES.items()}).fillna("").to_numpy()
    if "kind" in cols:
        by_kind = unit == BY_KIND
        unit[by_kind] = np.where(cols["kind"].to_numpy()[by_kind] == "jobs", "jobs", "musd")
    return unit


def _at(objective: float, cost: np.ndarray, move: np.ndarray) -> np.ndarray:
    """The objective after a move of one variable; a zero cost times an infinite move is 0."""
    with np.errstate(invalid="ignore"):
        change = np.where(cost == 0, 0.0, cost * move)
    return _clean(objective + change)


def _clean(values: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Solver noise below `tol` (relative to 1 or the value's size) written as the round value."""
    out = np.asarray(values, dtype=float).copy()
    out[np.abs(out) < tol] = 0.0
    return out + 0.0
