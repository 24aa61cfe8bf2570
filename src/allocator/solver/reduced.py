"""The reduced costs behind `Face.fixed_sums` (`solver/heldface.py`, whose docstring gives
the argument): a sum of columns is the same at every point of the face when its reduced costs
are 0 on every free nonbasic variable, decided per block of sums with one SciPy LU of B^T
(`Reduced`), and SciPy's LU imported beside the tie LP that comes before (`import_lu_beside`)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import scipy.sparse as sp

ZERO = 1e-9
"""A reduced cost of a 0/1 cost below this, with its possible error, is 0 (`Face.fixed_sums`):
the zero `Face.narrow` uses for reduced costs and duals."""
_IMPORTING: list[threading.Thread] = []
"""The thread that imports SciPy's LU beside a tie LP (`import_lu_beside`): one a process."""


@dataclass(frozen=True)
class Reduced:
    """What `Face.fixed_sums` reuses for every block of groups: the LU of B^T, B^T itself, the
    groups' 0/1 costs on the basic and on the free nonbasic columns, and those free columns of
    the rows pi lives on (with their absolute values, for the error bound)."""

    lu: Any
    bt: sp.csr_matrix
    c_basic: sp.csc_matrix
    c_free: sp.csc_matrix
    free_cols: sp.csc_matrix
    free_t: sp.csr_matrix = field(init=False)
    abs_free_t: sp.csr_matrix = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "free_t", self.free_cols.T.tocsr())
        object.__setattr__(self, "abs_free_t", abs(self.free_t))

    def zero_reduced_costs(self, block: slice, free_rows: np.ndarray) -> np.ndarray:
        """For the 0/1 costs of the groups in `block`, whether the reduced costs are 0 on the
        free nonbasic columns and rows (`free_rows`, a mask over B's rows): pi solves
        B^T pi = c_B, d = c - A^T pi on columns and pi itself on rows (logicals). Zero is
        `ZERO`, the zero `Face.narrow` uses, after one step of iterative refinement whose
        correction counts in full as a possible error of pi.

        Few right-hand sides a solve, column-major: SuperLU's triangular solves sweep every
        right-hand side at each supernode, so a narrow block stays in cache (measured at 1e6:
        740 groups in 0.011 s by 64, 0.05 s by 128 row-major; each column's pi is the same to
        the last bit whatever the block). pi is sparse (1 % of its entries at 1e6), so A^T pi
        is a sparse product: the same sums of the same non-zero terms in the same order as the
        dense one, which only adds zeros besides (0.06 s instead of 0.11 s at 1e6)."""
        import scipy.sparse as sp

        rhs = self.c_basic[:, block].toarray(order="F")
        pi = self.lu.solve(rhs)
        error = self.lu.solve(np.asfortranarray(rhs - self.bt @ pi))
        pi += error
        d = self.c_free[:, block] - self.free_t @ sp.csr_matrix(pi)
        bound = abs(d) + self.abs_free_t @ sp.csr_matrix(np.abs(error))
        coo = bound.tocoo()
        cols_zero = np.ones(pi.shape[1], dtype=bool)
        cols_zero[coo.col[~(coo.data <= ZERO)]] = False  # NaN is not zero either
        rows = np.abs(pi[free_rows]) + np.abs(error[free_rows])
        zero: npt.NDArray[np.bool_] = cols_zero & (rows <= ZERO).all(axis=0)
        return zero


def import_lu_beside() -> None:
    """Start importing SciPy's sparse LU in a daemon thread, once a process, so that the
    import (0.17 s of CPU, 0.5 s of wall time on a busy machine, the only SciPy import of a
    solve) overlaps the tie LP, whose `run()` releases the GIL, instead of following it.
    `fixed_sums`' own import then finds the module there or waits for the thread's."""
    if _IMPORTING:
        return
    thread = threading.Thread(target=_import_lu, name="allocator-scipy-import", daemon=True)
    _IMPORTING.append(thread)
    thread.start()


def _import_lu() -> None:
    """Import SciPy's sparse LU; a failure is left to `fixed_sums`' own import to raise."""
    with contextlib.suppress(ImportError):
        import scipy.sparse.linalg  # noqa: F401


def membership(groups: list[np.ndarray], n: int) -> sp.csr_matrix:
    """An n x len(groups) 0/1 matrix: column g marks the columns of group g."""
    import scipy.sparse as sp

    rows = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups])
    cols = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(groups)))
