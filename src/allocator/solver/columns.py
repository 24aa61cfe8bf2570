"""A matrix column-wise as HiGHS takes it (`Columns`): read from a HiGHS instance, grown by a
row where HiGHS's `addRow` puts it, or handed to SciPy. The optimal face keeps one
(`solver/heldface.py`), the tie rule reads the face's through it (`solver/ties.py`)."""

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

    def scipy(self) -> sp.csc_matrix:
        """As a SciPy matrix (imports SciPy)."""
        import scipy.sparse as sp

        shape = (self.num_row, len(self.start) - 1)
        return sp.csc_matrix((self.value, self.index, self.start), shape=shape)

    def scipy_rows(self, keep: np.ndarray) -> sp.csc_matrix:
        """The rows where `keep` (a mask over the rows) is True, numbered anew in their order,
        as a SciPy matrix: each column's entries in row order, explicit zeros kept, the arrays
        `scipy().tocsr()[keep].tocsc()` gives, without its row-wise copy of every entry (at
        1e6, first call: 2.6-3.0 ms against 8.4-8.9 ms)."""
        got = self.scipy()[np.flatnonzero(keep)]
        if not got.has_sorted_indices:  # rows out of order in a column: as the round trip did
            got.sort_indices()
        return got
