"""Issue 30, task face2: the optimal face's exact tests with less work outside HiGHS and the same
answers. The face keeps the matrix it was built with (no copy of the whole LP out of HiGHS),
`Face.fixed_sums` hands SuperLU narrow column-major blocks of right-hand sides, and
`spending_order` reads each name once; the answers are checked against hand-computed ones."""

from __future__ import annotations

import math
from types import SimpleNamespace

import highspy
import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.model.sparse import CscMatrix
from allocator.solver import heldface, reduced, restrict, spending, subproblems
from allocator.solver.compile import build_lp
from allocator.solver.spending import spending_order
from allocator.solver.subproblems import Extra
from conftest import BASELINE

INF = highspy.kHighsInf


def _lp(rows, lower, upper):
    """A `CompiledLP` as far as `_restricted` reads it: rows (coefficients, lower, upper)."""
    a = np.array([coefs for coefs, _, _ in rows], dtype=float)
    r, c = np.nonzero(a)
    return SimpleNamespace(
        matrix=CscMatrix.from_triplets(r, c, a[r, c], a.shape),
        col_lower=np.array(lower, dtype=float),
        col_upper=np.array(upper, dtype=float),
        row_lower=np.array([lo for _, lo, _ in rows], dtype=float),
        row_upper=np.array([up for _, _, up in rows], dtype=float),
        row_names=[f"r{i}" for i in range(len(rows))],
    )


# x1 + x2 + x5 = 6 with x5 held at 1 fixes x1 + x2 = 5 though each moves; x3 + 1.00001 x4 = 2
# lets x3 + x4 move by about 2e-5 only (an almost-tie, not zero); x6 is held and in no row
# with a moving column.
SUMS = _lp(
    [
        ([1, 1, 0, 0, 1, 0], 6, 6),
        ([0, 0, 1, 1.00001, 0, 0], 2, 2),
        ([0, 0, 0, 0, 0, 1], -INF, 9),
    ],
    [0, 0, 0, 0, 0, 0],
    [5, 5, 2, 2, 1, 3],
)
HELD = np.array([0, 0, 0, 0, 1, 3], dtype=float)


def _face(extra=None):
    face = subproblems._restricted(
        SUMS, np.arange(4), HELD, SUMS.row_lower, SUMS.row_upper, extra=extra
    )
    face.solve(np.zeros(6))
    return face


def _highs_matrix(h):
    a = h.getLp().a_matrix_
    assert a.format_ == highspy.MatrixFormat.kColwise
    return np.array(a.start_), np.array(a.index_), np.array(a.value_)


@pytest.mark.parametrize("extra", [None, Extra(np.array([0, 2.0, 0, 3.0, 1, 1]), -INF, 20)])
def test_the_face_keeps_the_matrix_highs_holds(extra):
    """The matrix kept at the face's build is HiGHS's own, entry for entry (with a row added
    beside the LP's own, its entries last in their columns), and only the rows the moving
    columns meet: the held x6's row is not there."""
    face = _face(extra)
    kept = face.columns()
    start, index, value = _highs_matrix(face.highs)
    assert np.array_equal(kept.start, start)
    assert np.array_equal(kept.index, index)
    assert np.array_equal(kept.value, value)
    assert kept.num_row == face.highs.getNumRow() == (2 if extra is None else 3)
    assert face.matrix is kept


def test_rows_added_and_deleted_again_keep_the_matrix_and_others_read_highs():
    """`ties.within_programs` adds rows and deletes them: the kept matrix holds again once they
    are gone; while they are there, HiGHS's matrix is read (with the added entries)."""
    face = _face()
    h = face.highs
    h.addRows(
        1,
        np.array([1.0]),
        np.array([1.0]),
        2,
        np.array([0], np.int32),
        np.array([0, 2], np.int32),
        np.array([1.0, 1.0]),
    )
    grown = face.columns()
    assert grown is not face.matrix
    assert grown.num_row == 3
    assert np.array_equal(grown.index, _highs_matrix(h)[1])
    h.deleteRows(1, np.array([2], np.int32))
    assert face.columns() is face.matrix


def test_fixed_sums_and_ties_copy_no_lp_out_of_highs(monkeypatch):
    """The face built by `_restricted` answers from its kept matrix: `getLp` (a copy of the
    whole LP, 0.06 s at 1e6 nonzeros each) is never called. The answers are the hand-computed
    ones: x1 + x2 cannot move, x1 alone can, x3 + x4 can (by 2e-5)."""
    face = _face()
    calls = []
    real = highspy.Highs.getLp
    monkeypatch.setattr(highspy.Highs, "getLp", lambda self: calls.append(1) or real(self))
    groups = [np.array([0, 1]), np.array([0]), np.array([2, 3])]
    assert face.fixed_sums(groups).tolist() == [True, False, False]
    face.narrow()
    money = np.array([True, True, True, True, False, False])
    assert face.ties(money) == 4  # x1 and x2 trade on the face, and so do x3 and x4
    assert calls == []


class _Recorder:
    """A SuperLU factor that records the right-hand sides it is given."""

    def __init__(self, lu, seen):
        self.lu, self.seen = lu, seen

    def solve(self, rhs):
        self.seen.append(rhs)
        return self.lu.solve(rhs)


def test_fixed_sums_solves_narrow_column_major_blocks_with_one_factor(monkeypatch):
    """150 groups on 150 pairs x_2k + x_2k+1 = 1 (each pair's sum fixed, each column free):
    one LU for all, right-hand sides in column-major blocks of at most `_BLOCK` (SuperLU sweeps
    all of them at each supernode: a narrow block stays in cache), and the hand-computed
    answer: a pair's sum cannot move, one column of it can."""
    import scipy.sparse.linalg as spla

    pairs = 75
    n = 2 * pairs
    rows = [([1.0 if j // 2 == k else 0.0 for j in range(n)], 1, 1) for k in range(pairs)]
    lp = _lp(rows, [0] * n, [1] * n)
    face = subproblems._restricted(lp, np.arange(n), np.zeros(n), lp.row_lower, lp.row_upper)
    face.solve(np.arange(n) % 3 - 1.0)
    factors, seen = [], []
    real = spla.splu

    def splu(*args, **kw):
        factors.append(1)
        return _Recorder(real(*args, **kw), seen)

    monkeypatch.setattr(spla, "splu", splu)
    groups = [
        np.array([2 * k, 2 * k + 1]) if g % 2 == 0 else np.array([2 * k])
        for k in range(pairs)
        for g in range(2)
    ]
    got = face.fixed_sums(groups)
    assert got.tolist() == [g % 2 == 0 for g in range(len(groups))]
    assert factors == [1]
    assert len(seen) == 2 * 3  # pi and its refinement, in blocks of 64, 64 and 22 groups
    assert all(r.flags.f_contiguous and r.shape[1] <= heldface._BLOCK for r in seen)
    assert sum(r.shape[1] for r in seen) == 2 * len(groups)  # pi and its refinement


class _Names(list):
    """A list of column labels that counts reads of single items (`lp.col_index[j]`)."""

    reads = 0

    def __getitem__(self, k):
        type(self).reads += 1
        return super().__getitem__(k)


def test_spending_order_reads_each_column_once_and_gives_the_hand_computed_weights():
    """Programs b and a, pool p, years 2031 and 2030; ranks in sorted order, primes 2, 3, 5,
    7, 11, 13 by rank and dimension: a weighs sqrt(2), b sqrt(7), p sqrt(3), 2030 sqrt(5),
    2031 sqrt(13), a column's own part the root of its three primes' product (fractional
    parts). No label is read item by item (one pass over them)."""
    labels = _Names([("b", "p", 2031), ("x",), ("a", "p", 2030), ("b", "p", 2030)])
    lp = SimpleNamespace(
        col_family=["invest", "exports", "invest", "invest"],
        col_index=labels,
        col_names=["c0", "c1", "c2", "c3"],
    )
    _Names.reads = 0
    got = spending_order(lp)

    def weight(program, year):
        frac = [math.sqrt(p) % 1 for p in (program, 3, year, program * 3 * year)]
        return 1.0 + 1e-2 * frac[0] + 1e-3 * frac[1] + 1e-4 * frac[2] + 1e-5 * frac[3]

    assert got.tolist() == [weight(7, 13), 0.0, weight(2, 5), weight(7, 5)]
    assert _Names.reads == 0


def test_spending_order_on_the_baseline_is_the_per_column_formula_to_the_last_bit():
    """The numpy weights are the per-column formula's (the one `Face.pick` used before)."""
    lp, _ = build_lp(load_inputs(BASELINE), "soft")
    invest = [j for j, f in enumerate(lp.col_family) if f == "invest"]
    keys = [lp.col_index[j] for j in invest]
    rank = [{v: k for k, v in enumerate(sorted({key[d] for key in keys}))} for d in range(3)]
    primes = spending._primes(max(len(r) for r in rank) * 3 + 3)
    want = np.zeros(len(lp.col_names))
    for j, key in zip(invest, keys, strict=True):
        own = math.prod(primes[3 * rank[d][key[d]] + d] for d in range(3))
        parts = [primes[3 * rank[d][key[d]] + d] ** 0.5 % 1 for d in range(3)]
        parts.append(math.sqrt(own) % 1)
        want[j] = 1.0 + 1e-2 * parts[0] + 1e-3 * parts[1] + 1e-4 * parts[2] + 1e-5 * parts[3]
    assert np.array_equal(spending_order(lp), want)
    assert len(invest) > 100


def test_the_rows_of_a_face_are_those_np_unique_finds():
    """`_rows_of` (a mask, no sort) gives np.unique's rows and np.searchsorted's positions."""
    rng = np.random.default_rng(3)
    index = rng.integers(0, 500, size=2000)
    rows, position = restrict.rows_of(index, 600)
    assert np.array_equal(rows, np.unique(index))
    assert np.array_equal(position, np.searchsorted(rows, index))
    assert position.dtype == np.int32


def test_a_tie_lp_on_a_large_face_imports_scipy_beside_it(monkeypatch):
    """On a face where `ties._ranges` will ask `fixed_sums` (at least `FIXED_SUMS_FROM`
    columns), SciPy's LU starts importing in a thread of its own while the tie LP runs (HiGHS's
    run() releases the GIL), once a process; a smaller face starts nothing. The tie count is
    the same."""
    started = []
    monkeypatch.setattr(reduced, "_IMPORTING", [])
    monkeypatch.setattr(reduced, "_import_lu", lambda: started.append(_current_thread()))
    money = np.array([True, True, True, True, False, False])
    monkeypatch.setattr(heldface, "FIXED_SUMS_FROM", 5)
    small = _face()
    small.narrow()
    assert small.ties(money) == 4
    monkeypatch.setattr(heldface, "FIXED_SUMS_FROM", 4)
    for _ in range(2):
        face = _face()
        face.narrow()
        assert face.ties(money) == 4
    for thread in reduced._IMPORTING:
        thread.join(timeout=60)
    assert len(started) == 1
    assert started[0] is not _main_thread()


def _current_thread():
    import threading

    return threading.current_thread()


def _main_thread():
    import threading

    return threading.main_thread()
