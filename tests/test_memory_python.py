"""Issue 30, task mem3: Python's share of the peak memory at 1e6 nonzeros. The peak is while
`ties.within_programs`' LP runs; the column and row tables' label columns (`results._column_head`,
`_row_head`) are not needed before the Solution is built, so they are built after the tie rule,
not in the overlap's thread during the main solve (measured at 1e6: about 9 MB off the peak;
notes/mem3.md). The overlap still imports what the caller needs after the solve."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.solver import overlap, results, ties
from allocator.solver.compile import build_lp
from conftest import BASELINE


def test_labels_are_built_after_within_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the overlap on (as on a large LP), no label table exists when `within_programs`
    runs; both are built once, for the Solution."""
    monkeypatch.setattr(overlap, "MIN_NONZEROS", 0)
    built: list[str] = []
    at_within: list[list[str]] = []
    for name in ("_column_head", "_row_head"):
        real = getattr(results, name)

        def spy(lp, _real=real, _name=name):
            built.append(_name)
            return _real(lp)

        monkeypatch.setattr(results, name, spy)
    real_within = ties.within_programs

    def within(*args, **kwargs):
        at_within.append(list(built))
        return real_within(*args, **kwargs)

    monkeypatch.setattr(ties, "within_programs", within)
    lp, _ = build_lp(load_inputs(BASELINE), "soft")
    assert overlap.worth(lp)
    sol = results.solve_lp(lp, "jobs")
    assert at_within == [[]]  # the baseline has ties: the rule ran, with no label built yet
    assert sorted(built) == ["_column_head", "_row_head"]
    assert len(sol.columns) == len(lp.col_names)
    assert list(sol.columns["variable"]) == list(lp.col_names)


def test_the_column_of_each_entry_is_int32() -> None:
    """`CscMatrix.col_of_entry` (cached on the plan's matrix, alive from the first product on)
    holds column numbers: int32 (4 bytes an entry, 4.3 MB at 1e6 nonzeros, not 8.6), the same
    numbers as the columns' pointers give."""
    lp, _ = build_lp(load_inputs(BASELINE), "soft")
    a = lp.matrix
    cols = a.col_of_entry
    assert cols.dtype == np.int32
    assert np.array_equal(cols, np.repeat(np.arange(a.shape[1]), np.diff(a.indptr)))
