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
    a, rows, ptr = matrix.data, matrix.indices, matrix.indptr
    # four arrays of one number per entry, reused in place: at 1e6 nonzeros each new one is 8
    # MB of fresh pages, which cost as much as the arithmetic
    term = np.repeat(x, np.diff(ptr))  # x of each entry's column: a copy, not a gather
    np.multiply(a, term, out=term)  # `matrix @ x`: the same products, summed in the same order
    activity = np.bincount(rows, weights=term, minlength=matrix.shape[0])
    room_up = np.maximum(np.asarray(row_upper, dtype=float) - activity, 0.0)  # inf stays inf
    room_dn = np.maximum(activity - np.asarray(row_lower, dtype=float), 0.0)
    # each entry's room read once per side from [up, down, up] (an entry with a < 0 rises by
    # its row's room down, and falls by its room up) and divided by |a| (-a exactly where
    # a < 0): the quotients of dividing each side by a and -a
    m = len(room_up)
    room = np.concatenate([room_up, room_dn, room_up])
    at = rows.astype(np.intp)
    np.add(at, m, out=at, where=a < 0)
    size = np.abs(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = room.take(at)
        np.divide(rise, size, out=rise)
        at += m
        fall = room.take(at, out=term, mode="clip")  # in range (rows < m): not buffered
        np.divide(fall, size, out=fall)
    if not (live := a != 0).all():  # an explicit zero limits nothing
        rise[~live] = fall[~live] = np.inf
    most_rise, most_fall = _least(rise, ptr), _least(fall, ptr)
    upper = np.minimum(x + most_rise, np.maximum(np.asarray(col_upper, dtype=float), x))
    lower = np.maximum(x - most_fall, np.minimum(np.asarray(col_lower, dtype=float), x))
    return Limits(lower, upper)


def _least(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per column, the least of its entries' `values` (a column's entries are contiguous,
    `indptr[j]:indptr[j + 1]`); inf for a column with none."""
    out = np.full(len(indptr) - 1, np.inf)
    filled = indptr[1:] > indptr[:-1]
    if filled.any():  # reduceat gives an empty column its next entry: empty ones are skipped
        out[filled] = np.minimum.reduceat(values, indptr[:-1][filled])
    return out


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
    frame = cols[["variable", "family", *labels, "value"]]  # a new frame: `cols` is untouched
    frame["lower_limit"] = _clean(found.lower)
    frame["objective_at_lower"] = _at(sol.objective_value, cost, found.lower - x)
    frame["upper_limit"] = _clean(found.upper)
    frame["objective_at_upper"] = _at(sol.objective_value, cost, found.upper - x)
    frame["unit"] = variable_units(cols)
    frame["objective_unit"] = sol.objective_unit
    return frame


def variable_units(cols: pd.DataFrame) -> np.ndarray:
    """The unit of each variable's value and limits (a shortfall's follows its target kind)."""
    # a unit looked up once per run of equal family names (a family's columns are contiguous in
    # the LP's order; any order gives the same units, in more runs), not once per variable
    family = cols["family"].to_numpy(dtype=object)
    if family.size == 0:
        return family.copy()
    starts = np.flatnonzero(np.concatenate([[True], family[1:] != family[:-1]]))
    units = {f: v.unit for f, v in VARIABLES.items()}
    names = family[starts].tolist()
    run_units = np.array([units.get(f, "") for f in names], dtype=object)
    unit = np.repeat(run_units, np.diff(np.append(starts, len(family))))
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
