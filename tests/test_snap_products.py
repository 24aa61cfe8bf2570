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
