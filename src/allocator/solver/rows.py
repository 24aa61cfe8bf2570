"""The rows of the LP a HiGHS instance holds, read once (`Rows`): what the one-sided rates
(`solver/marginal.py`, `solver/units.py`) ask of a row many times over.

HiGHS holds its matrix column-wise, so each `getRows` or `getRowsEntries` of a single row scans
the whole matrix (0.75 and 2.2 ms at 1e6 nonzeros): the rates read a row's bounds for every
side they probe and every basis range, and a row's entries for every cut. Here the bounds of
every row are read in one `getRows` (1.2 ms there), and a row's entries come from the LP's own
matrix (`CompiledLP.matrix`, the one handed to HiGHS) while HiGHS holds as many rows, columns
and entries as it: a scan of its row indices (0.14 ms), in column order as HiGHS gives them. A
row added or an entry deleted in HiGHS since (the counts differ) reads HiGHS's row instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
import numpy.typing as npt

from allocator.solver.highs import held_counts

if TYPE_CHECKING:
    from collections.abc import Sequence

    from allocator.model.sparse import CscMatrix
    from allocator.solver.compile import CompiledLP


@dataclass
class Rows:
    """Every row's bounds as `highs` held them when read (`of`), kept up to date by whoever
    moves a bound for good (`set_bounds`), and each row's entries on demand (`entries`)."""

    highs: highspy.Highs
    lower: np.ndarray
    upper: np.ndarray
    matrix: CscMatrix | None = None
    """The LP's own matrix, where HiGHS holds as many rows, columns and entries (None: read
    each row from HiGHS)."""

    @classmethod
    def of(cls, h: highspy.Highs, lp: CompiledLP | None = None) -> Rows:
        """The rows `h` holds now; their entries from `lp`'s matrix if it is HiGHS's."""
        m = h.getNumRow()
        got = h.getRows(m, np.arange(m, dtype=np.int32))
        lower, upper = np.array(got[2][:m], dtype=float), np.array(got[3][:m], dtype=float)
        matrix = lp.matrix if lp is not None and _same_counts(h, lp.matrix) else None
        return cls(h, lower, upper, matrix)

    def bounds(self, row: int) -> tuple[float, float]:
        """Row `row`'s lower and upper bound."""
        return float(self.lower[row]), float(self.upper[row])

    def set_bounds(self, row: int, lower: float, upper: float) -> None:
        """Row `row`'s bounds, as just put into HiGHS and left there."""
        self.lower[row], self.upper[row] = lower, upper

    def entries(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Row `row`'s columns (int32, increasing) and values, as HiGHS's `getRowsEntries`
        gives them for a column-wise matrix; none for an empty row (where HiGHS pads its
        arrays with one zero entry: HiGHS holds no zero entry)."""
        a = self.matrix
        index: npt.NDArray[np.signedinteger[Any]]
        if a is not None and _same_counts(self.highs, a):
            at = np.flatnonzero(a.indices == row)
            index = np.searchsorted(a.indptr, at, side="right") - 1
            value = a.data[at]
        else:
            got = self.highs.getRowsEntries(1, np.array([row], dtype=np.int32))
            index, value = got[2], got[3]
        held = value != 0
        return index[held].astype(np.int32, copy=False), value[held]


def _same_counts(h: highspy.Highs, a: CscMatrix) -> bool:
    """Whether `h` holds as many rows, columns and entries as `a` (as `Face.columns` tests):
    then it holds `a`, the rows added since (`addRow`) or entries deleted (`changeCoeff` to 0)
    changing a count."""
    return held_counts(h) == (*a.shape, a.nnz)


def row_codes(status: Sequence[highspy.HighsBasisStatus]) -> np.ndarray:
    """Basis statuses as their numbers (`int(HighsBasisStatus.kBasic)` ...), in one pass: a
    comparison per element and status costs 1 ms a pass over 6,700 rows."""
    return np.fromiter(map(int, status), dtype=np.int8, count=len(status))
