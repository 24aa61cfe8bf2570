"""The restricted LP of a face: the plan's LP over some of its columns, every other column held
(`restricted_lp`), in an instance of its own, warm-started from the plan's basis where one is
given. Only the columns that move and the rows they meet take part, so at 1e6 nonzeros the
face's LP is a fraction of the plan's; `heldface.Face` solves on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np

from allocator.exactsum import exact_dot
from allocator.solver.columns import Columns
from allocator.solver.compile import INF, CompiledLP
from allocator.solver.highs import new_highs

if TYPE_CHECKING:
    from allocator.model.sparse import CscMatrix


@dataclass(frozen=True)
class Extra:
    """A row beside the LP's own: lower <= coefs @ x <= upper."""

    coefs: np.ndarray
    lower: float
    upper: float


@dataclass(frozen=True)
class RestrictedLP:
    """A face's LP: its HiGHS instance, its column and row bounds (`"col"`, `"row"`: lower,
    upper) and its matrix as handed to HiGHS."""

    highs: highspy.Highs
    bounds: dict[str, tuple[np.ndarray, np.ndarray]]
    matrix: Columns


def restricted_lp(
    lp: CompiledLP,
    cols: np.ndarray,
    held: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    basis: highspy.HighsBasis | None = None,
    extra: Extra | None = None,
) -> RestrictedLP | None:
    """The LP over the columns `cols` with every other column held at `held` (no cost yet): its
    instance, bounds and matrix (`subproblems._restricted` makes the `Face` of it).

    Only those columns and the rows they appear in take part: the held columns' share of each
    row moves into its bounds, so this LP is small next to the plan's. Given the plan's optimal
    `basis` (every basic column among `cols`), the primal simplex starts from its restriction,
    which is feasible. `extra` is one more row (its status the last of `basis`'s). None if no
    column moves.
    """
    if not cols.size:
        return None
    a = lp.matrix
    entry, counts = entries(a.indptr, cols)
    rows, index = rows_of(a.indices[entry], a.shape[0])
    fixed = held_share(a, cols, held, rows)
    bounds = {
        "col": (lp.col_lower[cols].astype(float), lp.col_upper[cols].astype(float)),
        "row": (
            np.where(row_lower[rows] <= -INF, -INF, row_lower[rows] - fixed),
            np.where(row_upper[rows] >= INF, INF, row_upper[rows] - fixed),
        ),
    }
    matrix = Columns(
        np.concatenate([[0], np.cumsum(counts)]).astype(np.int32),
        index,
        np.asarray(a.data[entry], dtype=float),
        len(rows),
    )
    sub = face_highs(matrix, bounds)
    if extra is not None:
        coefs = extra.coefs[cols]
        at = np.flatnonzero(coefs)
        others = held.copy()
        others[cols] = 0.0
        moved = exact_dot(extra.coefs, others)
        lo = -INF if extra.lower <= -INF else extra.lower - moved
        up = INF if extra.upper >= INF else extra.upper - moved
        sub.addRow(lo, up, len(at), at.astype(np.int32), coefs[at])
        bounds["row"] = (np.append(bounds["row"][0], lo), np.append(bounds["row"][1], up))
        matrix = matrix.with_row(at, coefs[at])
    if basis is not None:
        last = [len(lp.row_names)] if extra is not None else []
        known = (a.shape[0] + len(last), a.shape[1])  # the rows and columns `rows` was read from
        face_rows = np.concatenate([rows, last]).astype(int)
        sub.setBasis(restricted_basis(basis, cols, face_rows, known))
        sub.setOptionValue("simplex_strategy", 4)  # primal: the restricted basis is feasible
    return RestrictedLP(sub, bounds, matrix)


def entries(indptr: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the entries of the columns `cols` of a column-wise matrix (column by
    column, in order) and each column's count."""
    starts = indptr[cols]
    counts = indptr[cols + 1] - starts
    shift = starts - np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.repeat(shift, counts) + np.arange(int(counts.sum())), counts


def held_share(a: CscMatrix, cols: np.ndarray, held: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The activity in the rows `rows` of the columns held at `held`, all but `cols`:
    `(a @ others)[rows]` with `others` the plan with `cols` at 0, bit for bit, summed over
    the held columns that are not 0 and over their entries in `rows` only. A term left out is
    +-0, which leaves a row's running sum as it is (from +0, no sum of the others is -0), and
    the terms kept are added in the same order (`np.bincount`, entry by entry)."""
    others = held.copy()
    others[cols] = 0.0
    at = np.flatnonzero(others)
    position = np.full(a.shape[0], -1, dtype=np.intp)
    position[rows] = np.arange(len(rows))
    entry, counts = entries(a.indptr, at)
    where = position[a.indices[entry]]
    keep = where >= 0
    terms = a.data[entry[keep]] * others[np.repeat(at, counts)[keep]]
    return np.bincount(where[keep], weights=terms, minlength=len(rows))


def rows_of(index: np.ndarray, num_row: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows that `index` (row numbers of some entries) meets, increasing, and each entry's
    position among them: `np.unique` and `np.searchsorted` by a mask instead of two sorts."""
    met = np.zeros(num_row, dtype=bool)
    met[index] = True
    position = np.cumsum(met, dtype=np.int32) - 1  # int32 as HiGHS takes it: no copy after
    return np.flatnonzero(met), position[index]


def face_highs(matrix: Columns, bounds: dict[str, tuple[np.ndarray, np.ndarray]]) -> highspy.Highs:
    """A fresh HiGHS instance holding the face's LP (no cost yet, maximised): the rows as a
    `HighsLp`, then the columns through `addCols`, whose numpy arguments HiGHS reads as buffers
    (`HighsLp`'s matrix setters convert element by element: 0.04 s at 1e6 nonzeros), as
    `compile._pass_model` does for the plan's LP."""
    sub = new_highs()
    model = highspy.HighsLp()
    model.num_row_ = matrix.num_row
    model.row_lower_, model.row_upper_ = bounds["row"]
    model.sense_ = highspy.ObjSense.kMaximize
    sub.passModel(model)
    lower, upper = bounds["col"]
    n = len(lower)
    sub.addCols(
        n,
        np.zeros(n),
        lower,
        upper,
        len(matrix.index),
        matrix.start[:-1],
        matrix.index,
        matrix.value,
    )
    return sub


def restricted_basis(
    basis: highspy.HighsBasis,
    cols: np.ndarray,
    rows: np.ndarray,
    known: tuple[int, int] | None = None,
) -> highspy.HighsBasis:
    """The statuses of `basis` for the columns `cols` and the rows `rows`, as a valid basis.

    Alien (HiGHS factorises it on `setBasis` to check it, 0.02 s at 1e6 nonzeros, and mends
    it) unless `basis` has the `known` rows and columns (those `rows`, the rows `cols` meet, was
    read from) and as many of its variables are basic as `rows` has rows. Then it is
    nonsingular: no column of `cols` meets another row, so the plan's basis matrix is block
    triangular, B = [[B_face, *], [0, B_other]], with B_face square, and det B = det B_face *
    det B_other is not 0. (A row short: where the plan's duals and basis come from different
    solves, a basic column held for its reduced cost, as in tests/data/targets.)"""
    start = highspy.HighsBasis()
    col_status, row_status = basis.col_status, basis.row_status  # each read copies it all
    col_part = [col_status[j] for j in cols.tolist()]
    row_part = [row_status[i] for i in rows.tolist()]
    start.col_status, start.row_status = col_part, row_part
    start.valid = True
    square = known == (len(row_status), len(col_status))
    start.alien = not square or _basic_count(col_part) + _basic_count(row_part) != len(rows)
    return start


def _basic_count(status: list[highspy.HighsBasisStatus]) -> int:
    """How many of `status` are basic (one comparison each: 3 ms for 40 k)."""
    return sum(map(highspy.HighsBasisStatus.kBasic.__eq__, status))
