"""Issue 30, task fsum: the face reads HiGHS's state without whole copies it does not need.

Which variables are basic comes from HiGHS's basic variables (one int array), not from the
basis's statuses (Python lists of enums: about 20 ms to read and free on the 1e6 face); the
last LP's solution is read once per LP and shared by `solve`, `narrow` and `ties`; the rows pi
lives on are cut from the kept matrix without SciPy's CSR round trip. Each is pinned here, with
the cases where a stale read would give a wrong answer: a basis set since the last LP, a second
LP, another HiGHS instance."""

from __future__ import annotations

import gc
import weakref

import highspy
import numpy as np
import pytest

from allocator.solver import heldface
from allocator.solver.columns import Columns
from allocator.solver.highs import new_highs
from conftest import hand_face

INF = highspy.kHighsInf
STATUS = highspy.HighsBasisStatus


class _NoStatuses:
    """A basis whose statuses must not be read (each read copies them into Python lists)."""

    def __init__(self, basis: highspy.HighsBasis) -> None:
        self.valid = basis.valid

    @property
    def col_status(self):
        raise AssertionError("col_status read")

    @property
    def row_status(self):
        raise AssertionError("row_status read")


@pytest.fixture
def no_statuses(monkeypatch):
    """`Highs.getBasis` as a basis whose statuses cannot be read."""
    real = highspy.Highs.getBasis
    monkeypatch.setattr(highspy.Highs, "getBasis", lambda self: _NoStatuses(real(self)))


def _pairs_face():
    """x1 + x2 = 5 fixes their sum though each moves; x3 + 1.00001 x4 = 2 lets x3 + x4 move by
    about 2e-5 (tests/test_exact_skip.py's face), solved with no cost."""
    face = hand_face([([1, 1, 0, 0], 5, 5), ([0, 0, 1, 1.00001], 2, 2)], [0] * 4, [5, 5, 2, 2])
    face.solve(np.zeros(4))
    return face


def test_the_basis_tests_read_no_status_list(no_statuses):
    """`fixed_sums` and `single_point` decide from which variables are basic, not from the
    statuses: the hand-computed answers, with every status read refused."""
    face = _pairs_face()
    groups = [np.array([0, 1]), np.array([0]), np.array([2, 3])]
    assert face.fixed_sums(groups).tolist() == [True, False, False]
    edge = hand_face([([1, 1], -INF, 4)], [0, 0], [3, 3])
    edge.solve(np.array([1.0, 1.0]))
    edge.narrow()
    assert not edge.single_point()
    assert edge.solve(np.array([1.0, 0.0])) == pytest.approx([3, 1])
    edge.narrow()
    assert edge.single_point()


def _one_row_face():
    """x1 in [0, 3] and the row x1 = 2: x1 basic (the LP's basis), the row's logical fixed."""
    face = hand_face([([1], 2, 2)], [0], [3])
    assert face.solve(np.array([1.0])) == pytest.approx([2])
    return face


def test_a_basis_set_since_the_last_lp_is_the_one_the_test_reads():
    """After the LP, x1 is basic and the row's logical (fixed) is not: the face is one point.
    With the basis set by hand to the row's logical basic and x1 nonbasic at 0 (no LP run, so
    HiGHS holds no factor of it), x1 is a free nonbasic variable: not decided, as a read of the
    new basis says and a read kept from before the change would not."""
    face = _one_row_face()
    assert face.single_point()
    basis = face.highs.getBasis()
    basis.col_status, basis.row_status = [STATUS.kLower], [STATUS.kBasic]
    assert face.highs.setBasis(basis) == highspy.HighsStatus.kOk
    assert not face.single_point()
    face.solve(np.array([1.0]))  # back to x1 basic, by an LP
    assert face.single_point()


def test_an_invalid_basis_decides_nothing():
    """No LP ran: HiGHS holds no valid basis, so neither test decides (no LP is skipped)."""
    face = hand_face([([1, 1, 0, 0], 5, 5), ([0, 0, 1, 1.00001], 2, 2)], [0] * 4, [5, 5, 2, 2])
    assert not face.single_point()
    assert face.fixed_sums([np.array([0, 1])]).tolist() == [False]


@pytest.fixture
def solutions(monkeypatch):
    """A list that grows by one at each `Highs.getSolution` call."""
    calls = []
    real = highspy.Highs.getSolution
    monkeypatch.setattr(highspy.Highs, "getSolution", lambda self: calls.append(1) or real(self))
    return calls


def test_each_lp_s_solution_is_read_once(solutions):
    """A pass, its narrowing, the tie test's read of the pass's point and the tie LP: two LPs,
    two reads of HiGHS's solution (four before: `solve`, `narrow`, `ties`, `solve`). The answer
    is the hand-computed one: x1 and x2 trade on the face x1 + x2 = 4."""
    face = hand_face([([1, 1], -INF, 4)], [0, 0], [3, 3])
    face.solve(np.array([1.0, 1.0]))
    face.narrow()
    assert face.ties(np.array([True, True])) == 2
    assert face.solves == 2
    assert len(solutions) == 2


def _two_optima_face():
    """x1 + x2 <= 4, each in [0, 3]."""
    return hand_face([([1, 1], -INF, 4)], [0, 0], [3, 3])


def test_narrow_holds_the_face_of_the_last_lp_not_of_an_earlier_one():
    """max 2 x1 + x2 ends at (3, 1), max x1 + 2 x2 at (1, 3): narrowing after the second holds
    x2 at 3 (its reduced cost) and leaves x1 free; the first LP's point would hold x1 at 3."""
    face = _two_optima_face()
    assert face.solve(np.array([2.0, 1.0])) == pytest.approx([3, 1])
    assert face.solve(np.array([1.0, 2.0])) == pytest.approx([1, 3])
    face.narrow()
    lower, upper = face.bounds["col"]
    assert (lower.tolist(), upper.tolist()) == ([0, 3], [3, 3])
    assert face.bounds["row"][0].tolist() == [4]  # the row held tight by its dual


def _solved_copy(h: highspy.Highs, cost: list[float]) -> highspy.Highs:
    """A new instance holding `h`'s LP, maximising `cost`, solved."""
    other = new_highs()
    other.passModel(h.getLp())
    other.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), np.array(cost))
    other.run()
    return other


def test_another_instance_is_read_anew_and_the_old_one_is_not_kept_alive():
    """The face's instance replaced after an LP (as `ties.renew` does): `narrow` reads the new
    instance's solution, and nothing the face keeps holds the old instance (its memory is what
    the replacement frees)."""
    face = _two_optima_face()
    face.solve(np.array([2.0, 1.0]))
    old = weakref.ref(face.highs)
    face.highs = _solved_copy(face.highs, [1.0, 2.0])
    gc.collect()
    assert old() is None
    face.narrow()
    lower, upper = face.bounds["col"]
    assert (lower.tolist(), upper.tolist()) == ([0, 3], [3, 3])


def test_the_shared_point_cannot_be_changed_by_its_readers():
    """The arrays read once are shared: writing into one raises, it never changes what the next
    reader gets."""
    face = _two_optima_face()
    face.solve(np.array([2.0, 1.0]))
    value = face.solution("col_value")
    assert value.tolist() == pytest.approx([3, 1])
    with pytest.raises(ValueError, match="read-only"):
        value[0] = 0.0


def _random_columns(rng: np.random.Generator, m: int, n: int, density: float) -> Columns:
    """A matrix column-wise, rows increasing in each column, explicit zeros among its values."""
    a = np.where(rng.random((m, n)) < density, rng.standard_normal((m, n)), 0.0)
    a[rng.random((m, n)) < 0.02] = 0.0
    where = (a != 0) | (rng.random((m, n)) < 0.01)  # a few entries stored as 0
    index = np.concatenate([np.flatnonzero(where[:, j]) for j in range(n)]).astype(np.int32)
    value = np.concatenate([a[where[:, j], j] for j in range(n)])
    start = np.concatenate([[0], np.cumsum(where.sum(axis=0))]).astype(np.int32)
    return Columns(start, index, value, m)


@pytest.mark.parametrize("seed", range(6))
def test_the_rows_kept_are_scipy_s_row_slice_to_the_last_bit(seed):
    """`Columns.scipy_rows` (the rows pi lives on, for `fixed_sums`) gives the arrays SciPy's
    `tocsr()[mask].tocsc()` gave, entry for entry, index type included."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 40)), int(rng.integers(1, 60))
    cols = _random_columns(rng, m, n, float(rng.uniform(0.02, 0.5)))
    keep = rng.random(m) < 0.6
    want = cols.scipy().tocsr()[keep].tocsc()
    got = cols.scipy_rows(keep)
    assert got.shape == want.shape
    for name in ("indptr", "indices", "data"):
        mine, theirs = getattr(got, name), getattr(want, name)
        assert mine.dtype == theirs.dtype, name
        assert np.array_equal(mine, theirs), name
    assert np.array_equal(np.signbit(got.data), np.signbit(want.data))


def test_rows_of_an_unsorted_column_come_out_in_row_order():
    """A column whose entries are not in row order (as a matrix read from HiGHS may hold them)
    comes out in row order, as SciPy's round trip put them."""
    cols = Columns(
        np.array([0, 3, 4], np.int32), np.array([2, 0, 1, 1], np.int32), np.arange(1.0, 5.0), 3
    )
    keep = np.array([True, False, True])
    want = cols.scipy().tocsr()[keep].tocsc()
    got = cols.scipy_rows(keep)
    assert got.indices.tolist() == want.indices.tolist() == [0, 1]
    assert got.data.tolist() == want.data.tolist() == [2.0, 1.0]


def test_fixed_sums_reads_the_kept_matrix_without_a_csr_copy(monkeypatch):
    """The face's matrix goes to SciPy once, by column, never through a row-wise copy of it."""
    import scipy.sparse as sp

    face = _pairs_face()
    face.matrix = Columns.of(face.highs)  # kept, as `_restricted` keeps it
    real = sp.csc_matrix.tocsr
    big = []

    def tocsr(self, *a, **kw):
        big.append(self.shape)
        return real(self, *a, **kw)

    monkeypatch.setattr(sp.csc_matrix, "tocsr", tocsr)
    groups = [np.array([0, 1]), np.array([0]), np.array([2, 3])]
    assert face.fixed_sums(groups).tolist() == [True, False, False]
    assert (2, 4) not in big


def test_a_singular_basis_set_by_hand_decides_nothing():
    """x1 + x2 = 2 and 2 x1 + 2 x2 <= 10 with both columns basic: B is singular, so which
    variables are basic is not read (None) and the face is not called a single point."""
    face = hand_face([([1, 1], 2, 2), ([2, 2], -INF, 10)], [0, 0], [3, 3])
    face.solve(np.array([1.0, 0.0]))
    got = heldface.basic_masks(face.highs)
    assert got is not None
    assert (got[0].tolist(), got[1].tolist()) == ([True, False], [False, True])
    basis = face.highs.getBasis()
    basis.col_status, basis.row_status = [STATUS.kBasic] * 2, [STATUS.kLower, STATUS.kUpper]
    assert face.highs.setBasis(basis) == highspy.HighsStatus.kOk
    assert heldface.basic_masks(face.highs) is None
