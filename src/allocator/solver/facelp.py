"""The face's LP as arrays (`heldface.Face`): its matrix column-wise, the one the face keeps
or cut from the plan's (`face_matrix`), handed to new HiGHS instances without HiGHS's element-by-
element copies (`pass_lp`, `lp_parts`), and the part over its free columns that the tie rule's QP
stands on (`free_parts`). Split from `ties.py`, which uses them (`renew`, `split_by_caps`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import highspy
import numpy as np
import numpy.typing as npt

from allocator.solver.columns import Columns
from allocator.solver.compile import CompiledLP
from allocator.solver.restrict import rows_of

Floats = npt.NDArray[np.float64]
Indices = npt.NDArray[np.int32] | npt.NDArray[np.int64]

if TYPE_CHECKING:
    from allocator.solver.heldface import Face


def face_entries(face: Face, lp: CompiledLP) -> tuple[np.ndarray, np.ndarray] | None:
    """Where the face's matrix entries sit in the plan's (`lp.matrix`), column by column as
    `subproblems._restricted` cut them, and the plan's rows they lie in (the face's, in order).
    None where the face holds what the plan's matrix does not (a row beside the plan's, an
    entry HiGHS dropped): then only HiGHS's copy is the face's."""
    a = lp.matrix
    starts, ends = a.indptr[face.cols], a.indptr[face.cols + 1]
    counts = ends - starts
    entry = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    entry += np.arange(len(entry), dtype=entry.dtype)
    seen = np.zeros(a.shape[0], dtype=bool)
    seen[a.indices[entry]] = True
    rows = np.flatnonzero(seen)  # np.unique's rows, without its sort
    same = (len(rows), len(entry)) == (face.highs.getNumRow(), face.highs.getNumNz())
    return (entry, rows) if same else None


def cut(
    lp: CompiledLP, cols: np.ndarray, entry: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plan's matrix at `entry` (`face_entries`) as the face's, column-wise: start, index
    (its `rows` numbered as on the face) and value."""
    a = lp.matrix
    local = np.zeros(a.shape[0], dtype=np.int32)
    local[rows] = np.arange(len(rows), dtype=np.int32)
    start = np.concatenate([[0], np.cumsum(a.indptr[cols + 1] - a.indptr[cols])])
    value = a.data[entry].astype(float, copy=False)
    return start.astype(np.int32), local[a.indices[entry]], value


def kept_matrix(face: Face) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The matrix the face handed HiGHS (`Face.kept`) as start, index, value; else None."""
    kept = face.kept()
    if kept is None:
        return None
    return kept.start.astype(np.int32, copy=False), kept.index, kept.value


def face_matrix(face: Face, lp: CompiledLP) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The face's matrix column-wise (start, index, value): the one it keeps (`kept_matrix`), else
    cut from the plan's; None where neither is the face's (`face_entries`)."""
    kept = kept_matrix(face)
    if kept is not None:
        return kept
    found = face_entries(face, lp)
    return None if found is None else cut(lp, face.cols, *found)


def face_columns(
    face: Face, lp: CompiledLP | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The face's matrix column-wise (start, index, value) and its row bounds: the face's own
    or the plan's (`face_matrix`) where `lp` is given and it is the face's, else HiGHS's copy
    (`getLp`: every entry as Python lists, 0.57 M at 1e6 nonzeros, +34 MB at its peak)."""
    h = face.highs
    cut = None if lp is None else face_matrix(face, lp)
    if cut is None:
        held = Columns.of(h)
        cut = (held.start, held.index, held.value)
    num_row = h.getNumRow()
    _, _, row_lower, row_upper, _ = h.getRows(num_row, np.arange(num_row, dtype=np.int32))
    return (*cut, np.asarray(row_lower), np.asarray(row_upper))


def pass_lp(
    h: highspy.Highs,
    n: int,
    m: int,
    sense: int,
    offset: float,
    cost: Floats,
    col_lower: Floats,
    col_upper: Floats,
    row_lower: Floats,
    row_upper: Floats,
    start: Indices,
    index: Indices,
    value: Floats,
) -> None:
    """An LP handed to `h` as arrays (costs, column and row bounds, then the matrix column-wise:
    start, index, value), all columns continuous."""
    continuous = np.zeros(n, dtype=np.int32)  # HiGHS reads n values, even from none
    h.passModel(
        n,
        m,
        len(value),
        1,
        sense,
        offset,
        cost,
        col_lower,
        col_upper,
        row_lower,
        row_upper,
        start,
        index,
        value,
        continuous,
    )


LpParts = tuple[int, int, int, float, Floats, Floats, Floats, Floats, Floats]


def lp_parts(h: highspy.Highs) -> LpParts:
    """The LP held by `h` but its matrix, as `Highs.passModel`'s arguments take it: columns,
    rows, sense (1 minimise, -1 maximise), offset, costs, column and row bounds (read column by
    column and row by row: no matrix copied)."""
    n, m = h.getNumCol(), h.getNumRow()
    _, _, cost, col_lower, col_upper, _ = h.getCols(n, np.arange(n, dtype=np.int32))
    _, _, row_lower, row_upper, _ = h.getRows(m, np.arange(m, dtype=np.int32))
    sense = int(h.getObjectiveSense()[1])
    return n, m, sense, h.getObjectiveOffset()[1], cost, col_lower, col_upper, row_lower, row_upper


class FreeLp(NamedTuple):
    """The face's LP over its free columns (`free_parts`), as `pass_lp` takes it: column and
    row bounds, the matrix column-wise (start, row_index, value); `free`: the columns' positions on
    the face."""

    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    row_index: np.ndarray
    value: np.ndarray
    free: np.ndarray


def free_parts(face: Face, lp: CompiledLP | None = None) -> FreeLp:
    """The face's LP over its free columns (lower < upper) and the rows they appear in, the
    fixed columns' share of each row moved into its bounds. The face's matrix is its own or
    cut from `lp`'s where given (`face_columns`)."""
    lower, upper = face.bounds["col"]
    moves = lower < upper
    free = np.flatnonzero(moves)
    start, index, value, row_lower, row_upper = face_columns(face, lp)
    counts = np.diff(start)
    col_of = np.repeat(np.arange(len(counts)), counts)
    held = np.where(moves, 0.0, lower)[col_of]
    fixed = np.bincount(index, value * held, minlength=len(row_lower))
    entry = np.flatnonzero(moves[col_of])
    rows, at = rows_of(index[entry], len(row_lower))  # np.unique's rows, np.searchsorted's at
    inf = highspy.kHighsInf
    row_lower, row_upper, fixed = row_lower[rows], row_upper[rows], fixed[rows]
    return FreeLp(
        lower[free],
        upper[free],
        np.where(row_lower <= -inf, -inf, row_lower - fixed),
        np.where(row_upper >= inf, inf, row_upper - fixed),
        np.concatenate([[0], np.cumsum(counts[free])]).astype(np.int32),
        at,
        value[entry].astype(float),
        free,
    )


def free_lp(face: Face, lp: CompiledLP | None = None) -> tuple[highspy.HighsLp, np.ndarray]:
    """`free_parts` as a `HighsLp` (no cost, minimised), and the free columns' positions."""
    part = free_parts(face, lp)
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = len(part.free), len(part.row_lower)
    model.col_cost_ = np.zeros(len(part.free))
    model.col_lower_, model.col_upper_ = part.col_lower, part.col_upper
    model.row_lower_, model.row_upper_ = part.row_lower, part.row_upper
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_, model.a_matrix_.index_ = part.start, part.row_index
    model.a_matrix_.value_ = part.value
    return model, part.free
