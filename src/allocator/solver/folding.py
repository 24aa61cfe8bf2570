"""A face's LP without its fixed columns (`heldface.Face.fold`): the columns whose bounds are
equal after narrowing moved into the rows' bounds, so HiGHS neither prices nor scales them.

At 1e6 nonzeros 28,494 of the face's 35,007 columns are fixed when the tie LP runs; HiGHS's
simplex, started warm (no presolve), carries every one of them through its pricing. The folded
LP has the same feasible set over the columns that can move: a fixed column's share of each row
(its bound times its entries) is subtracted from the row's bounds. The face keeps its positions:
`Folded` maps them to the instance's, and back (`expand`, `expand_rows`, `full_basis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np

from allocator.solver.columns import Columns
from allocator.solver.facelp import LpParts
from allocator.solver.restrict import face_highs, rows_of

if TYPE_CHECKING:
    from allocator.solver.heldface import Face

INF = highspy.kHighsInf
BASIC = highspy.HighsBasisStatus.kBasic
LOWER = highspy.HighsBasisStatus.kLower


@dataclass(frozen=True)
class Folded:
    """Which of a face's columns and rows its HiGHS instance holds (positions on the face,
    increasing), and the folded columns' activity in every row of the face (`share`)."""

    live: np.ndarray
    rows: np.ndarray
    share: np.ndarray
    counts: tuple[int, int, int]
    """Rows, columns and entries of the folded LP: the test that HiGHS still holds it."""

    def expand(self, values: np.ndarray, size: int, fill: np.ndarray | float) -> np.ndarray:
        """A vector over the instance's columns as one over the face's `size` columns, `fill`
        (a face-sized array or a number) at the folded ones."""
        out = np.array(fill, dtype=float) if np.ndim(fill) else np.full(size, float(fill))
        out[self.live] = values
        return out

    def expand_rows(self, values: np.ndarray, activity: bool) -> np.ndarray:
        """A vector over the instance's rows as one over the face's: row activities (`activity`)
        get the folded columns' share back, duals are 0 at the rows no live column meets."""
        out = self.share.copy() if activity else np.zeros(len(self.share))
        out[self.rows] = values + self.share[self.rows] if activity else values
        return out

    def basic(
        self, masks: tuple[np.ndarray, np.ndarray], num_col: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The instance's basic columns and rows (`heldface.basic_masks`) as the face's: a
        folded column nonbasic, a row no live column meets basic (as `full_basis`)."""
        cols, rows = np.zeros(num_col, dtype=bool), np.ones(len(self.share), dtype=bool)
        cols[self.live], rows[self.rows] = masks
        return cols, rows

    def full_basis(self, h: highspy.Highs, num_col: int) -> highspy.HighsBasis:
        """The instance's basis as the face's: a folded column nonbasic at its (one) bound, a
        row no live column meets basic (its logical takes the constant activity), so the basis
        stays square and nonsingular (block triangular)."""
        got = h.getBasis()
        col = [LOWER] * num_col
        row = [BASIC] * len(self.share)
        for k, s in zip(self.live.tolist(), got.col_status, strict=True):
            col[k] = s
        for k, s in zip(self.rows.tolist(), got.row_status, strict=True):
            row[k] = s
        out = highspy.HighsBasis()
        out.col_status, out.row_status = col, row
        out.valid = got.valid
        return out


def fold(
    matrix: Columns,
    bounds: dict[str, tuple[np.ndarray, np.ndarray]],
    basis: highspy.HighsBasis,
    options: highspy.HighsOptions,
) -> tuple[highspy.Highs, Folded]:
    """The face's LP (`matrix`, `bounds`) without its fixed columns, in a new instance with
    `options`, started from `basis` (the face's, restricted: alien where a fixed column was
    basic, which HiGHS mends on `setBasis`), and how it maps to the face."""
    lower, upper = bounds["col"]
    fixed = lower == upper
    live = np.flatnonzero(~fixed)
    counts = np.diff(matrix.start)
    col_of = np.repeat(np.arange(len(counts)), counts)
    held = np.where(fixed, lower, 0.0)[col_of]
    share = np.bincount(matrix.index, matrix.value * held, minlength=matrix.num_row)
    entry = np.flatnonzero(~fixed[col_of])
    rows, at = rows_of(matrix.index[entry], matrix.num_row)
    row_lower, row_upper = bounds["row"][0][rows], bounds["row"][1][rows]
    part = Columns(
        np.concatenate([[0], np.cumsum(counts[live])]).astype(np.int32),
        at,
        matrix.value[entry].astype(float),
        len(rows),
    )
    sub_bounds = {
        "col": (lower[live], upper[live]),
        "row": (
            np.where(row_lower <= -INF, -INF, row_lower - share[rows]),
            np.where(row_upper >= INF, INF, row_upper - share[rows]),
        ),
    }
    h = face_highs(part, sub_bounds)
    h.passOptions(options)
    if basis.valid:
        start = highspy.HighsBasis()
        col_status, row_status = basis.col_status, basis.row_status
        start.col_status = [col_status[k] for k in live.tolist()]
        start.row_status = [row_status[k] for k in rows.tolist()]
        start.valid = True
        basic = sum(map(BASIC.__eq__, start.col_status)) + sum(map(BASIC.__eq__, start.row_status))
        start.alien = basic != len(rows)
        h.setBasis(start)
    return h, Folded(live, rows, share, part.counts)


def unfold(
    matrix: Columns,
    bounds: dict[str, tuple[np.ndarray, np.ndarray]],
    basis: highspy.HighsBasis | None,
    options: highspy.HighsOptions,
) -> highspy.Highs:
    """The face's whole LP again in a new instance with `options`, from `basis` (the folded
    one's as the face's, `Folded.full_basis`) where given."""
    h = face_highs(matrix, bounds)
    h.passOptions(options)
    if basis is not None and basis.valid:
        h.setBasis(basis)
    return h


def whole(face: Face) -> LpParts:
    """The face's whole LP as `facelp.pass_lp` takes it but its matrix (`Face.matrix`): costs 0,
    maximised, the face's bounds; the face is no longer folded (`renewal.renew`, which starts the
    next LP from no basis)."""
    n, (row_lower, row_upper) = len(face.cols), face.bounds["row"]
    face.folded, face.point = None, None
    lower, upper = face.bounds["col"]
    return n, len(row_lower), -1, 0.0, np.zeros(n), lower, upper, row_lower, row_upper
