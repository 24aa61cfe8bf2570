"""A served edit made on the held HiGHS instance itself: where the LP of the new scenario has
the rows, columns and matrix entries of the one held, only the bounds, costs and matrix values
that differ are changed (`update_held`), and the instance re-solves from its last basis.
"""

from __future__ import annotations

import numpy as np

from allocator.solver.compile import CompiledLP, StandardForm
from allocator.solver.dropped import change_coefficients

HELD = "held: bounds and costs changed on the held HiGHS instance, re-solved from its last basis"


def update_held(lp: CompiledLP, form: StandardForm) -> str | None:
    """Change the held instance of `lp` to `form` where only bounds, costs or matrix values
    differ (the same rows, columns and sparsity); None where the structure differs."""
    same = (
        lp.col_family == form.col_family
        and lp.col_index == form.col_index
        and lp.row_family == form.row_family
        and lp.row_index == form.row_index
        and np.array_equal(lp.matrix.indptr, form.matrix.indptr)
        and np.array_equal(lp.matrix.indices, form.matrix.indices)
    )
    if not same or not _coefficients_changed(lp, form):
        return None
    h = lp.highs
    cols = np.flatnonzero((lp.col_lower != form.col_lower) | (lp.col_upper != form.col_upper))
    if cols.size:
        h.changeColsBounds(
            cols.size, cols.astype(np.int32), form.col_lower[cols], form.col_upper[cols]
        )
    rows = np.flatnonzero((lp.row_lower != form.row_lower) | (lp.row_upper != form.row_upper))
    if rows.size:
        h.changeRowsBounds(  # type: ignore[attr-defined]  # stub gap (highspy 1.16)
            rows.size, rows.astype(np.int32), form.row_lower[rows], form.row_upper[rows]
        )
    entries = np.flatnonzero(lp.matrix.data != form.matrix.data)
    lp.costs, lp.matrix = form.costs, form.matrix
    lp.col_lower, lp.col_upper = form.col_lower, form.col_upper
    lp.row_lower, lp.row_upper = form.row_lower, form.row_upper
    lp.hold_initial, lp.first_basis = None, None  # read again from the new bounds
    if entries.size:
        return f"{HELD}; {entries.size} matrix value(s) changed in place"
    return HELD


def _coefficients_changed(lp: CompiledLP, form: StandardForm) -> bool:
    """Change every matrix value of the held instance that `form` changes, before any bound:
    True when HiGHS took them all as given. HiGHS drops a value of `highs.SMALLEST_KEPT` or
    less in size (`changeCoeff` answers kWarning), and the plan shown would then not be the one
    `allocator solve` gives: False sends the edit to a fresh build instead, which keeps every
    value or refuses it as `solve` does (`compile.refuse_dropped`), with the held instance as it
    was (`dropped.change_coefficients` puts back the values changed so far)."""
    changed = np.flatnonzero(lp.matrix.data != form.matrix.data)
    rows, cols = form.matrix.indices[changed], form.matrix.col_of_entry[changed]
    return change_coefficients(
        lp.highs, rows, cols, form.matrix.data[changed], lp.matrix.data[changed]
    )
