"""Issue 30, task rex: the Python around the face LPs (`solver/subproblems.py`) does less work
and gives the same answers. The held columns' share of a face's rows is summed over the held
columns that are not 0 and over the face's rows only; the tie LP's cost is summed over the
entries of the rows it moves; the face's basis is set as the plan's restriction without a
second factorisation. Each is pinned here on small hand-solved LPs, and against the formula it
replaced, to the last bit, on random matrices."""

from __future__ import annotations

from types import SimpleNamespace

import highspy
import numpy as np
import pytest

from allocator.model.sparse import CscMatrix
from allocator.solver import heldface, restrict, subproblems
from allocator.solver.columns import Columns
from allocator.solver.highs import new_highs

INF = highspy.kHighsInf


def _lp(columns, rows, solve=True):
    """A `CompiledLP` as far as the face reads it: `columns` (family, lower, upper, cost),
    `rows` (coefficients, lower, upper); if `solve`, a HiGHS instance holding it, maximised
    and solved."""
    a = np.array([coefs for coefs, _, _ in rows], dtype=float)
    r, c = np.nonzero(a)
    lp = SimpleNamespace(
        col_family=[family for family, _, _, _ in columns],
        matrix=CscMatrix.from_triplets(r, c, a[r, c], a.shape),
        col_lower=np.array([lo for _, lo, _, _ in columns], dtype=float),
        col_upper=np.array([up for _, _, up, _ in columns], dtype=float),
        row_lower=np.array([lo for _, lo, _ in rows], dtype=float),
        row_upper=np.array([up for _, _, up in rows], dtype=float),
        row_names=[f"r{i}" for i in range(len(rows))],
        cost=np.array([cost for _, _, _, cost in columns], dtype=float),
    )
    if solve:
        lp.highs = _solved(lp)
    return lp


def _solved(lp):
    """A HiGHS instance holding `lp`, maximising its cost, solved."""
    h = new_highs()
    n = len(lp.col_lower)
    a = lp.matrix
    m = len(lp.row_lower)
    empty = np.zeros(0, np.int32)
    h.addRows(m, lp.row_lower, lp.row_upper, 0, np.zeros(m, np.int32), empty, np.zeros(0))
    h.addCols(n, lp.cost, lp.col_lower, lp.col_upper, a.nnz, a.indptr[:-1], a.indices, a.data)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h


# Investment i1, i2 (held by the plan at 2 and 3), exports e1, e2, e3 (left at 0):
# e1 <= 2 i1 (capacity: 4), e1 + i2 <= 5 (a market shared with the held i2: e1 <= 2),
# e2 <= i2 (3), -e2 - i1 >= -4.5 (a lower bound less i1's share: e2 <= 2.5), e3 in no row but
# its bound 7, i1 + i2 <= 100 a row no export meets.
EXPORTS = _lp(
    [
        ("invest", 0, 10, 0),
        ("invest", 0, 10, 0),
        ("exports", 0, INF, 0),
        ("exports", 0, INF, 0),
        ("exports", 0, 7, 0),
    ],
    [
        ([-2, 0, 1, 0, 0], -INF, 0),
        ([0, 1, 1, 0, 0], -INF, 5),
        ([0, -1, 0, 1, 0], -INF, 0),
        ([-1, 0, 0, -1, 0], -4.5, INF),
        ([1, 1, 0, 0, 0], -INF, 100),
    ],
    solve=False,
)


def test_reachable_exports_raises_each_export_to_what_its_rows_allow_less_the_held_share():
    """The exports left at 0 are raised to the hand-solved 2 (the market less the held i2's 3),
    2.5 (a lower bound less i1's 2) and 7 (its own bound); the plan's investments stay."""
    x = np.array([2.0, 3.0, 0.0, 0.0, 0.0])
    got = subproblems.reachable_exports(EXPORTS, x)
    assert got[:2].tolist() == [2.0, 3.0]
    assert got[2:] == pytest.approx([2.0, 2.5, 7.0], abs=1e-12)


def test_reachable_exports_builds_only_the_rows_the_exports_meet():
    """The face of the exports holds the four rows they meet, bounds less the held columns'
    activity (hand-computed), not the row only investments meet."""
    x = np.array([2.0, 3.0, 0.0, 0.0, 0.0])
    face = subproblems._restricted(EXPORTS, np.array([2, 3, 4]), x, *_row_bounds(EXPORTS))
    lower, upper = face.bounds["row"]
    assert face.highs.getNumRow() == 4
    assert lower.tolist() == [-INF, -INF, -INF, -2.5]
    assert upper.tolist() == [4.0, 2.0, 3.0, INF]


def test_reachable_exports_with_no_export_column_returns_the_plan():
    """A dataset without exports: the plan as it is."""
    lp = SimpleNamespace(**vars(EXPORTS))
    lp.col_family = ["invest"] * 5
    x = np.array([2.0, 3.0, 1.0, 0.0, 0.0])
    assert subproblems.reachable_exports(lp, x) is x


def _row_bounds(lp):
    return lp.row_lower, lp.row_upper


def _random_matrix(seed, m=40, n=60, density=0.2):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(m, n)) * (rng.random((m, n)) < density)
    a[rng.random((m, n)) < 0.02] = 0.0  # explicit zeros are dropped: rows of held columns only
    r, c = np.nonzero(a)
    return CscMatrix.from_triplets(r, c, a[r, c], a.shape), rng


@pytest.mark.parametrize("seed", range(6))
def test_the_held_share_is_the_whole_product_to_the_last_bit(seed):
    """The held columns' activity in the face's rows is `(A @ others)[rows]` bit for bit,
    `others` the plan with the moving columns at 0 (the formula it replaced); held columns at
    0, negative values and rows no held column meets included."""
    a, rng = _random_matrix(seed)
    n = a.shape[1]
    cols = np.flatnonzero(rng.random(n) < 0.4)
    held = rng.normal(size=n) * 1e3 * (rng.random(n) < 0.6)
    others = held.copy()
    others[cols] = 0.0
    entry = np.concatenate([np.arange(a.indptr[j], a.indptr[j + 1]) for j in cols]).astype(int)
    rows = np.unique(a.indices[entry])
    got = restrict.held_share(a, cols, held, rows)
    assert got.tobytes() == (a @ others)[rows].tobytes()


def test_the_held_share_is_zero_when_every_held_column_is_at_zero():
    a, rng = _random_matrix(9)
    cols = np.arange(0, a.shape[1], 2)
    held = np.zeros(a.shape[1])
    held[cols] = 5.0  # the moving columns' own values do not count
    got = restrict.held_share(a, cols, held, np.arange(a.shape[0]))
    assert got.tobytes() == np.zeros(a.shape[0]).tobytes()


@pytest.mark.parametrize("seed", range(6))
def test_the_tie_cost_is_the_entry_by_entry_sum_to_the_last_bit(seed):
    """The tie LP's cost: each column's own sign plus its entries times their rows' signs,
    added entry by entry in column order (`np.add.at`, the formula it replaced), bit for bit;
    rows of sign 0 (free or fixed) add nothing."""
    a, rng = _random_matrix(seed)
    m, n = a.shape
    matrix = Columns(a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data, m)
    cost = rng.choice([-1.0, 0.0, 1.0], size=n)
    row_sign = rng.choice([-1.0, 0.0, 0.0, 1.0], size=m)
    want = cost.copy()
    np.add.at(want, np.repeat(np.arange(n), np.diff(a.indptr)), a.data * row_sign[a.indices])
    got = heldface._with_rows(cost.copy(), row_sign, matrix)
    assert got.tobytes() == want.tobytes()


def test_the_tie_cost_on_a_hand_made_face():
    """x1 at its upper bound (-1), x2 at its lower (+1), x3 inside (0); row 0 at its upper
    bound (-1: x1 + 2 x3 down), row 1 inside (0): -1 - 1, 1 + 0, 0 - 2."""
    values = np.array([1.0, 3.0, 4.0, 2.0, 5.0])  # row 0: x1 + 2 x3, row 1: 3 x1 + 4 x2 + 5 x3
    matrix = Columns(np.array([0, 2, 3, 5]), np.array([0, 1, 1, 0, 1]), values, 2)
    got = heldface._with_rows(np.array([-1.0, 1.0, 0.0]), np.array([-1.0, 0.0]), matrix)
    assert got.tolist() == [-2.0, 1.0, -2.0]


# max x1 + x2 + 0 x3 with x1 + x2 <= 1, x1 + x3 <= 2, all in [0, 1]: the optimum x1 + x2 = 1
# is a segment; the pass after it (max x3) holds x3 = 1 and leaves the segment, so the money
# x1 and x2 trade on the last face, x3 does not.
TIE = _lp(
    [("invest", 0, 1, 1), ("invest", 0, 1, 1), ("invest", 0, 1, 0)],
    [([1, 1, 0], -INF, 1), ([1, 0, 1], -INF, 2)],
)


def _optimum(lp):
    sol = lp.highs.getSolution()
    return (
        np.array(sol.col_value),
        np.array(sol.col_dual),
        np.array(sol.row_dual),
    )


def test_the_passes_and_the_tie_count_on_a_hand_solved_face():
    """After max x1 + x2 (= 1) and max x3 on its face (= 1), the face is the segment
    x1 + x2 = 1, x3 = 1: x1 and x2 move on it (2 tied), x3 does not."""
    x, col_dual, row_dual = _optimum(TIE)
    got, face = subproblems.efficient_face(TIE, x, col_dual, row_dual, [np.array([0, 0, 1.0])])
    assert got[2] == 1.0
    assert got[0] + got[1] == 1.0
    assert face.settle()
    assert face.ties(np.array([True, True, True])) == 2
    assert face.ties(np.array([True, False, True])) == 1


def test_a_unique_face_has_no_tie():
    """max 2 x1 + x2 with x1 + x2 <= 1: x1 = 1 alone; no other plan, no tie LP."""
    lp = _lp([("invest", 0, 1, 2), ("invest", 0, 1, 1)], [([1, 1], -INF, 1)])
    x, col_dual, row_dual = _optimum(lp)
    got, face = subproblems.efficient_face(lp, x, col_dual, row_dual, [np.array([0, 1.0])])
    assert got.tolist() == [1.0, 0.0]
    assert face is None or (face.settle() and face.ties(np.array([True, True])) == 0)


def test_the_restricted_basis_is_the_plans_own_and_starts_where_it_ends():
    """The face's starting basis is the plan's optimal basis restricted to the moving columns
    and their rows, set without a second factorisation (not alien); the first pass on it,
    with the plan's own cost, ends where it starts: 0 iterations."""
    lp = _lp(
        [("invest", 0, 1, 1), ("invest", 0, 1, 1), ("invest", 0, 2, 0), ("invest", 0, 1, -1)],
        [([1, 1, 0, 0], -INF, 1), ([1, 0, 1, 0], -INF, 2), ([0, 0, 0, 1], -INF, 1)],
    )
    x, col_dual, row_dual = _optimum(lp)
    got, face = subproblems.efficient_face(lp, x, col_dual, row_dual, [lp.cost])
    assert face.cols.tolist() == [0, 1, 2]  # x4's reduced cost is -1: held at 0
    assert face.highs.getNumRow() == 2  # x4's row is no row of the face
    plan = lp.highs.getBasis()
    start = face.highs.getBasis()
    assert face.trace == ["pass 1 of 1: 0 iterations"]
    assert [int(s) for s in start.col_status] == [int(plan.col_status[j]) for j in (0, 1, 2)]
    assert [int(s) for s in start.row_status] == [int(plan.row_status[i]) for i in (0, 1)]
    assert got[3] == 0.0


def test_the_restricted_basis_is_set_without_a_check_when_it_is_square(monkeypatch):
    """On the face above, the restriction has as many basic variables as rows: it is set as not
    alien (HiGHS does not factorise it on `setBasis`); the passes' answers are as above."""
    seen = []
    real = highspy.Highs.setBasis
    monkeypatch.setattr(
        highspy.Highs, "setBasis", lambda self, *b: seen.append(b[0].alien) or real(self, *b)
    )
    x, col_dual, row_dual = _optimum(TIE)
    got, _ = subproblems.efficient_face(TIE, x, col_dual, row_dual, [np.array([0, 0, 1.0])])
    assert seen == [False]
    assert got[2] == 1.0


def test_a_restricted_basis_a_row_short_is_left_for_highs_to_mend():
    """Leave a basic column of the plan's basis out (its reduced cost read from another solve,
    as under soft targets): one basic variable fewer than rows, so the basis is alien and HiGHS
    checks and mends it on `setBasis`; with every column and row it is square, not alien."""
    basis = TIE.highs.getBasis()
    basic = [j for j, s in enumerate(basis.col_status) if s == highspy.HighsBasisStatus.kBasic]
    rows = np.arange(2)
    whole = restrict.restricted_basis(basis, np.arange(3), rows, (2, 3))
    short = restrict.restricted_basis(basis, np.setdiff1d(np.arange(3), basic[:1]), rows, (2, 3))
    assert (whole.alien, short.alien) == (False, True)
    assert [int(s) for s in whole.col_status] == [int(s) for s in basis.col_status]
    assert len(short.col_status) == 2


def test_a_restricted_basis_of_an_instance_with_rows_the_matrix_lacks_is_alien():
    """Rows added to the plan's instance beside its matrix (not the frontier's one `Extra`):
    the columns may meet them, so the square count proves nothing and HiGHS checks the basis."""
    basis = TIE.highs.getBasis()
    rows = np.arange(2)
    assert restrict.restricted_basis(basis, np.arange(3), rows, (1, 3)).alien
    assert restrict.restricted_basis(basis, np.arange(3), rows, (2, 2)).alien
    assert restrict.restricted_basis(basis, np.arange(3), rows).alien


@pytest.mark.parametrize(
    ("families", "want"),
    [
        (["invest", "exports", "exports", "carry"], [1, 2]),
        (["exports", "invest", "exports"], [0, 2]),  # not one range: every label read
        (["invest", "exports", "invest", "exports", "exports"], [1, 3, 4]),
        (["invest", "carry"], []),
    ],
)
def test_the_export_columns_are_found_whether_or_not_they_lie_together(families, want):
    assert subproblems._family_columns(families, "exports").tolist() == want
