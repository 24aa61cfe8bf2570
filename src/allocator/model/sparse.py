"""A small compressed-column matrix on numpy alone.

scipy.sparse would do, but importing scipy in a process that has imported Pyomo also imports
scipy.stats, scipy.integrate and scipy.spatial (Pyomo's dependency hook), about 0.6 s of every
`allocator solve`. The LP needs only this: build from triplets, A @ x, A.T @ y, and the arrays
HiGHS takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class CscMatrix:
    """Column-compressed sparse matrix: column j's entries are indptr[j]:indptr[j+1]."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]
    _cols: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_triplets(cls, rows: Any, cols: Any, data: Any, shape: tuple[int, int]) -> CscMatrix:
        """Entries (row, col, value); duplicates are summed (`np.add.reduceat`: the order of a
        run's terms kept, but numpy may add them pairwise, so a run like 1e16, 1, -1e16 is not a
        left-to-right sum; the model's families give no duplicates), rows sorted within each
        column. Entries given row by row (rows never decreasing, as the model's
        families give them) take one stable sort by column (numpy's, `_argsort_columns`);
        others a sort by (column, row)."""
        r = np.asarray(rows, dtype=_index_type(shape[0]))
        c = np.asarray(cols, dtype=_index_type(shape[1]))
        v = np.asarray(data, dtype=float)
        del rows, cols, data  # arrays handed over unnamed are freed once sorted
        if r.size > 1 and (np.diff(r) < 0).any():
            order = _argsort_nonneg(c.astype(np.int64) * shape[0] + r)
        else:
            order = _argsort_columns(c)
        r = r[order]
        c = c[order]
        v = v[order]
        del order
        if r.size > 1 and (dup := (r[1:] == r[:-1]) & (c[1:] == c[:-1])).any():
            first = np.flatnonzero(np.concatenate([[True], ~dup]))
            r, c, v = r[first], c[first], np.add.reduceat(v, first)
        counts = np.bincount(c, minlength=shape[1])
        indptr = np.zeros(shape[1] + 1, dtype=_index_type(r.size))
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr, r, v, shape)

    @classmethod
    def from_scipy(cls, a: Any) -> CscMatrix:
        """From any scipy sparse matrix or array."""
        coo = a.tocoo()
        return cls.from_triplets(coo.row, coo.col, coo.data, a.shape)

    @property
    def nnz(self) -> int:
        """Stored entries."""
        return int(self.data.size)

    @property
    def col_of_entry(self) -> np.ndarray:
        """The column of every stored entry (int32: half the memory of int64, kept while the
        matrix lives)."""
        if self._cols is None:
            kind = np.int32 if self.shape[1] <= np.iinfo(np.int32).max else np.int64
            self._cols = np.repeat(np.arange(self.shape[1], dtype=kind), np.diff(self.indptr))
        return self._cols

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        """A @ x."""
        return np.bincount(
            self.indices,
            weights=self.data * np.asarray(x)[self.col_of_entry],
            minlength=self.shape[0],
        )

    def rmatvec(self, y: np.ndarray) -> np.ndarray:
        """A.T @ y."""
        return np.bincount(
            self.col_of_entry,
            weights=self.data * np.asarray(y)[self.indices],
            minlength=self.shape[1],
        )

    @property
    def T(self) -> _Transposed:  # noqa: N802 - the usual name for a transpose
        """A view whose @ multiplies by the transpose."""
        return _Transposed(self)

    def same_as(self, other: CscMatrix) -> bool:
        """Same shape and the same entries."""
        return (
            self.shape == other.shape
            and np.array_equal(self.indptr, other.indptr)
            and np.array_equal(self.indices, other.indices)
            and np.array_equal(self.data, other.data)
        )


def _index_type(largest: int) -> type[np.signedinteger[Any]]:
    """int32 where every index fits (what HiGHS takes without a copy), else int64."""
    return np.int32 if largest < 2**31 - 1 else np.int64


def _argsort_columns(cols: np.ndarray) -> np.ndarray:
    """A stable argsort of the columns of entries given row by row: numpy's stable sort
    (timsort for 32-bit integers), which merges the ascending runs that the families' rows
    make. On the model's entries it takes 0.4-0.8 of the radix sort's time (1.1 M entries:
    ~10 against ~12-24 ms; 6.8 M: 108 against 215 ms); on keys in random order it would take
    3.5 times as long, which no family makes."""
    return np.argsort(cols, kind="stable")


def _argsort_nonneg(keys: np.ndarray) -> np.ndarray:
    """A stable argsort of non-negative integer keys: least significant digit radix sort on
    16-bit digits, each pass a numpy stable sort of uint16 (itself a radix sort). One pass per
    16 bits of the largest key (a column index of a million-nonzero LP: 2), about 3 times faster
    than a comparison sort."""
    order: np.ndarray | None = None
    top = int(keys.max()) if keys.size else 0
    shift = 0
    while shift == 0 or top >> shift:
        digits = keys if order is None else keys[order]
        step = np.argsort(((digits >> shift) & 0xFFFF).astype(np.uint16), kind="stable")
        order = step if order is None else order[step]
        shift += 16
    assert order is not None
    return order


@dataclass
class _Transposed:
    a: CscMatrix

    def __matmul__(self, y: np.ndarray) -> np.ndarray:
        return self.a.rmatvec(y)
