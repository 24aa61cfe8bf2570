"""`results.snap_plan` computes each matrix product once (issue 30: at 1e6 nonzeros a product
is ~12 ms): the plan's rows once, the snapped plan's once per round of undoing, and the
activities it returns are the snapped plan's own (within the snapping's noise), recomputed here
by independent code."""

from __future__ import annotations

import numpy as np

from allocator.data.inputs import load_inputs
from allocator.model.sparse import CscMatrix
from allocator.solver import results
from allocator.solver.compile import build_lp
from allocator.solver.passes import optimum
from allocator.solver.results import snap_plan
from conftest import BASELINE


def test_two_products_and_the_snapped_activities(monkeypatch) -> None:
    lp, _ = build_lp(load_inputs(BASELINE), "soft")
    x = optimum(lp, "jobs", ranging=False).x
    noisy = x * (1 + 1e-13)  # solver noise on every column: snapping has work to do
    products = []
    real = CscMatrix.__matmul__

    def counted(self, v):
        products.append(len(v))
        return real(self, v)

    rounds = []
    real_rows = results._in_rows

    def counted_rounds(*args):
        rounds.append(1)
        return real_rows(*args)

    monkeypatch.setattr(CscMatrix, "__matmul__", counted)
    monkeypatch.setattr(results, "_in_rows", counted_rounds)
    snapped, activity = snap_plan(lp, noisy)
    monkeypatch.undo()
    assert len(rounds) >= 1
    assert products == [len(x)] * (1 + len(rounds))  # the plan's rows, then one a round
    dense = np.zeros(lp.matrix.shape)
    a = lp.matrix
    for j in range(a.shape[1]):
        dense[a.indices[a.indptr[j] : a.indptr[j + 1]], j] = a.data[a.indptr[j] : a.indptr[j + 1]]
    exact, terms = dense @ snapped, np.abs(dense) @ np.abs(snapped)
    assert (np.abs(activity - exact) <= 1e-6 * np.maximum(terms, 1.0)).all()  # row noise only
    moved = (snapped != noisy)[x != 0]
    assert moved.sum() > moved.size // 2  # most non-zero columns were snapped back
    assert np.array_equal(snapped[x == 0], np.zeros((x == 0).sum()))


def _alone_over_every_entry(lp, x, activity):
    """`results._alone` as it was: every entry of the matrix, not only the funded columns'."""
    a = lp.matrix
    cols, rows = a.col_of_entry, a.indices
    term = a.data * x[cols]
    rest = activity[rows] - term
    noise = np.maximum(results.NOISE * np.abs(term), results.NOISE_FLOOR)
    k = np.flatnonzero((term != 0) & (np.abs(rest) <= noise))
    col = np.concatenate([cols[k], cols[k]])
    value = np.concatenate(
        [results._finite(s)[rows[k]] / a.data[k] for s in (lp.row_lower, lp.row_upper)]
    )
    gap = np.abs(value - x[col])
    keep = np.isfinite(gap)
    col, value, gap = col[keep], value[keep], gap[keep]
    first = np.lexsort((gap, col))
    col, value = col[first], value[first]
    head = np.concatenate([[True], col[1:] != col[:-1]]) if col.size else col.astype(bool)
    best = np.full(len(x), np.nan)
    best[col[head]] = value[head]
    return best


def test_alone_reads_only_the_funded_columns_and_finds_the_same_values() -> None:
    """`_alone` skips the entries of columns at 0 (their term is 0, so they never make up a
    row alone): the same values, bit for bit, as over every entry, on the baseline's plan with
    noise, with -0 and with every column funded."""
    lp, _ = build_lp(load_inputs(BASELINE), "soft")
    x = optimum(lp, "jobs", ranging=False).x
    rng = np.random.default_rng(7)
    cases = [x, x * (1 + 1e-13), np.where(x == 0, -0.0, x), rng.uniform(0, 10, len(x))]
    for plan in cases:
        activity = lp.matrix @ plan
        got = results._alone(lp, plan, activity)
        want = _alone_over_every_entry(lp, plan, activity)
        assert np.array_equal(got, want, equal_nan=True)
    assert np.isfinite(results._alone(lp, x, lp.matrix @ x)).sum() > 10  # caps met alone
