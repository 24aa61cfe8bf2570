"""The limits every scenario of a two-stage plan implies for its decide-now columns alone
(`shared_limits`), added to each scenario's sub-problem in progressive hedging
(`studies/hedging.py`) so that the scenarios' plans, and their average, stay within what all
scenarios allow."""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.solver.compile import CompiledLP
from allocator.studies.scenariopool import ScenarioArrays
from allocator.studies.sweep import SampleModel


def shared_limits(model: SampleModel, values: np.ndarray, free: np.ndarray) -> Any:
    """What every scenario's limits imply for the decide-now columns `free` alone, for rows
    whose decide-now coefficients are the same in every scenario but whose implied bound is
    not (a budget uncertain in a decide-now phase): the row over `free` with the tightest
    bound over the scenarios (the rest of the row at its most helpful bounds). Added to each
    scenario's sub-problem, it keeps every scenario plan, and so their average, within what
    all scenarios allow; the here-and-now optimum meets them, so nothing better is cut off.
    A csr matrix over `free` with `lower` and `upper` arrays."""
    from scipy import sparse

    arrays, rest = ScenarioArrays(model), np.ones(len(model.lp.col_family), dtype=bool)
    rest[free] = False
    parts = [_implied(arrays.lp(v), free, rest) for v in values]
    first = parts[0][0]
    same = np.ones(first.shape[0], dtype=bool)
    for a, _, _ in parts[1:]:
        differs = a.data != first.data
        same &= np.bincount(_row_of(first)[differs], minlength=first.shape[0]) == 0
    lower = np.max([lo for _, lo, _ in parts], axis=0)
    upper = np.min([up for _, _, up in parts], axis=0)
    loose_lo = np.min([lo for _, lo, _ in parts], axis=0)
    loose_up = np.max([up for _, _, up in parts], axis=0)
    has = np.diff(first.indptr) > 0
    keep = same & has & ((lower > loose_lo) | (upper < loose_up))
    out = sparse.csr_matrix(first[keep])
    out.lower, out.upper = lower[keep], upper[keep]
    return out


def _implied(lp: CompiledLP, free: np.ndarray, rest: np.ndarray) -> tuple[Any, Any, Any]:
    """The rows over `free` and their bounds once the other columns take their most helpful
    bounds (-inf/+inf where a column is unbounded that way)."""
    from scipy import sparse

    m = lp.matrix
    a = sparse.csc_matrix((m.data, m.indices, m.indptr), m.shape)
    other = a[:, np.flatnonzero(rest)].tocoo()
    lo, hi = lp.col_lower[rest][other.col], lp.col_upper[rest][other.col]
    with np.errstate(invalid="ignore"):
        least = np.where(other.data > 0, other.data * lo, other.data * hi)
        most = np.where(other.data > 0, other.data * hi, other.data * lo)
        rows = m.shape[0]
        least_sum = np.bincount(other.row, least, minlength=rows)
        most_sum = np.bincount(other.row, most, minlength=rows)
        upper = np.nan_to_num(lp.row_upper - least_sum, nan=np.inf)
        lower = np.nan_to_num(lp.row_lower - most_sum, nan=-np.inf)
    return sparse.csr_matrix(a[:, free]), lower, upper


def _row_of(a: Any) -> np.ndarray:
    """The row of each stored entry of csr `a`."""
    return np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
