"""A matrix column-wise as HiGHS takes it (`Columns`): read from a HiGHS instance, grown by a
row where HiGHS's `addRow` puts it, or handed to SciPy. The optimal face keeps one
(`solver/subproblems.py`), the tie rule reads the face's through it (`solver/ties.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp


@dataclass(frozen=True)
class Columns:
    """A matrix column-wise as HiGHS takes it: column j's entries are start[j]:start[j+1]."""

    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    num_row: int

    @property
    def counts(self) -> tuple[int, int, int]:
        """Rows, columns and entries: what HiGHS reports of the LP it holds."""
        return self.num_row, len(self.start) - 1, len(self.index)

    @classmethod
    def of(cls, h: highspy.Highs) -> Columns:
        """The matrix of `h`'s LP (a copy of the whole LP: about 0.06 s at 1e6 nonzeros)."""
        lp = h.getLp()
        a = lp.a_matrix_
        start, index, value = np.array(a.start_), np.array(a.index_), np.array(a.value_)
        if a.format_ == highspy.MatrixFormat.kRowwise:  # to column-wise, rows kept in order
            row = np.repeat(np.arange(lp.num_row_), np.diff(start))
            order = np.argsort(index, kind="stable")
            count = np.bincount(index, minlength=lp.num_col_)
            start, index, value = np.concatenate([[0], np.cumsum(count)]), row[order], value[order]
        return cls(start, index, value, lp.num_row_)

    def with_row(self, at: np.ndarray, coefs: np.ndarray) -> Columns:
        """One more row, its entries `coefs` in the columns `at` (increasing): each goes last
        in its column, where HiGHS's `addRow` puts it."""
        counts = np.diff(self.start)
        grown = counts.copy()
        grown[at] += 1
        start = np.concatenate([[0], np.cumsum(grown)])
        old = np.arange(len(self.index)) + np.repeat(start[:-1] - self.start[:-1], counts)
        index = np.empty(start[-1], dtype=self.index.dtype)
        value = np.empty(start[-1], dtype=float)
        index[old], value[old] = self.index, self.value
        index[start[at + 1] - 1], value[start[at + 1] - 1] = self.num_row, coefs
        return Columns(start, index, value, self.num_row + 1)

    def rows(self, keep: np.ndarray) -> Columns:
        """The rows where `keep` (a mask over the rows) is True, numbered anew in their order;
        each column's entries in row order, explicit zeros kept: the arrays SciPy's
        `tocsr()[keep].tocsc()` gives, without its two copies of every entry (15 ms at 1e6)."""
        kept = keep[self.index]
        before = np.concatenate([[0], np.cumsum(kept)])  # kept entries before each entry
        start = before[self.start].astype(self.start.dtype)
        index = (np.cumsum(keep) - 1)[self.index[kept]].astype(self.index.dtype)
        value = self.value[kept]
        if _unsorted(start, index):  # rows out of order in a column: sorted as SciPy does
            order = np.lexsort((index, np.repeat(np.arange(len(start) - 1), np.diff(start))))
            index, value = index[order], value[order]
        return Columns(start, index, value, int(keep.sum()))

    def scipy(self) -> sp.csc_matrix:
        """As a SciPy matrix (imports SciPy)."""
        import scipy.sparse as sp

        shape = (self.num_row, len(self.start) - 1)
        return sp.csc_matrix((self.value, self.index, self.start), shape=shape)


def _unsorted(start: np.ndarray, index: np.ndarray) -> bool:
    """Whether some column's row numbers (`index[start[j]:start[j + 1]]`) decrease."""
    down = np.diff(index) < 0
    crossing = start[1:-1].astype(np.int64) - 1  # last entry of a column, first of the next
    down[crossing[(crossing >= 0) & (crossing < len(down))]] = False
    return bool(down.any())
