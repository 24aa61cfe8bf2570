"""Issue 30, task rng: ranging reads the LP's rows from the compiled matrix, not from HiGHS.

HiGHS holds its matrix column-wise, so each `getRows` or `getRowsEntries` of one row scans the
whole matrix (0.75 and 2.2 ms at 1e6 nonzeros). The one-sided rates read a row's bounds for
every side they probe and a row's entries for every cut (`Side.blocked`): `solver.rows.Rows`
answers them from one read of every row's bounds and from the LP's own matrix while HiGHS holds
as many rows, columns and entries as it; else from HiGHS. These tests pin that both ways give
HiGHS's own rows, and that the rates come out the same either way."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.solver import passes
from allocator.solver.basisrange import basis_range
from allocator.solver.compile import build_lp
from allocator.solver.highs import new_highs
from allocator.solver.marginal import Base
from allocator.solver.probes import Side
from allocator.solver.ranging import allowable_ranges
from allocator.solver.rows import Rows, row_codes
from conftest import BASELINE

INF = highspy.kHighsInf


def _baseline_lp():
    """The baseline's compiled LP (soft targets), not solved."""
    return build_lp(load_inputs(BASELINE), "soft")[0]


def _highs_row(h: highspy.Highs, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Row `row`'s columns and values as HiGHS answers them, without the one-entry padding
    HiGHS puts in the arrays of an empty row (HiGHS holds no zero entry)."""
    got = h.getRowsEntries(1, np.array([row], dtype=np.int32))
    index, value = got[2], got[3]
    return index[value != 0], value[value != 0]


def _same_rows(h: highspy.Highs, rows: Rows, m: int) -> None:
    """Every row of `rows` has HiGHS's columns (in HiGHS's order), values and bounds."""
    for i in range(m):
        index, value = rows.entries(i)
        want_index, want_value = _highs_row(h, i)
        assert index.dtype == np.int32
        np.testing.assert_array_equal(index, want_index, err_msg=f"row {i}")
        np.testing.assert_array_equal(value, want_value, err_msg=f"row {i}")
        got = h.getRows(1, np.array([i], dtype=np.int32))
        assert rows.bounds(i) == (float(got[2][0]), float(got[3][0])), i


def test_rows_from_the_lp_matrix_are_highs_rows():
    lp = _baseline_lp()
    h, m = lp.highs, len(lp.row_names)
    rows = Rows.of(h, lp)
    assert rows.matrix is lp.matrix  # the LP's own, HiGHS holding the same counts
    _same_rows(h, rows, m)
    # and the entries come from that matrix, HiGHS's row reads never called
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(highspy.Highs, "getRowsEntries", lambda *a: pytest.fail("read from HiGHS"))
        for i in (0, m // 2, m - 1):
            assert rows.entries(i)[0].size > 0


def test_a_row_added_to_the_instance_is_read_from_highs():
    lp = _baseline_lp()
    h, m, n = lp.highs, len(lp.row_names), len(lp.col_names)
    made_before = Rows.of(h, lp)
    cols = np.array([n - 1, 3, 0], dtype=np.int32)  # not in column order: HiGHS sorts them
    h.addRow(-INF, 7.5, len(cols), cols, np.array([2.0, -1.0, 4.0]))
    rows = Rows.of(h, lp)
    assert rows.matrix is None  # one row more than the LP's matrix: HiGHS's rows
    _same_rows(h, rows, m + 1)
    assert rows.bounds(m) == (-INF, 7.5)
    np.testing.assert_array_equal(rows.entries(m)[0], [0, 3, n - 1])
    # a view made before the row was added reads HiGHS's rows from then on
    for i in (0, m // 2, m - 1):
        np.testing.assert_array_equal(made_before.entries(i)[1], _highs_row(h, i)[1])


def test_an_entry_deleted_in_the_instance_is_read_from_highs():
    lp = _baseline_lp()
    h = lp.highs
    a = lp.matrix
    row, col = int(a.indices[0]), 0  # the first entry of column 0
    rows = Rows.of(h, lp)
    before = rows.entries(row)
    h.changeCoeff(row, col, 0.0)  # HiGHS deletes the entry; the LP's matrix still has it
    after = rows.entries(row)
    assert col in before[0]
    assert col not in after[0]
    np.testing.assert_array_equal(after[0], _highs_row(h, row)[0])
    assert len(after[0]) == len(before[0]) - 1


def _with_an_empty_row() -> highspy.Highs:
    """max x + y s.t. x + 2y <= 4 (row 0), an empty row 0 <= 0 (row 1), 3y <= 3 (row 2)."""
    h = new_highs()
    h.addVars(2, np.zeros(2), np.full(2, INF))
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([1.0, 1.0]))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    for cols, coefs, upper in (([0, 1], [1.0, 2.0], 4.0), ([], [], 0.0), ([1], [3.0], 3.0)):
        h.addRow(-INF, upper, len(cols), np.array(cols, dtype=np.int32), np.array(coefs))
    h.run()
    return h


def test_an_empty_row_has_no_entries():
    h = _with_an_empty_row()
    rows = Rows.of(h)
    index, value = rows.entries(1)
    assert index.size == 0
    assert value.size == 0
    np.testing.assert_array_equal(rows.entries(0)[0], [0, 1])
    np.testing.assert_array_equal(rows.entries(2)[1], [3.0])
    assert rows.bounds(1) == (-INF, 0.0)
    # a cut of the empty row at 0 leaves no plan: blocked without a solve; a cut of row 2
    # (3y >= 0 with y >= 0 still allows 3y <= 3 - t) is not
    base = Base.of(h)
    assert Side(h, 1, -1, base.objective, 0.0, rows=rows).blocked()
    assert not Side(h, 2, -1, base.objective, 0.0, rows=rows).blocked()


def test_the_row_codes_are_highs_basis_statuses():
    h = _with_an_empty_row()
    status = h.getBasis().row_status
    codes = row_codes(status)
    assert codes.tolist() == [int(s) for s in status]
    kinds = highspy.HighsBasisStatus
    assert (codes == int(kinds.kBasic)).tolist() == [s == kinds.kBasic for s in status]
    assert (codes == int(kinds.kUpper)).tolist() == [s == kinds.kUpper for s in status]


def test_basis_range_from_the_view_is_highs_basis_range():
    h = _with_an_empty_row()
    rows = Rows.of(h)
    for row in range(3):
        for sigma in (+1, -1):
            assert basis_range(h, row, sigma, rows) == basis_range(h, row, sigma), (row, sigma)


def _counting(name: str, reads: list[str]):
    """HiGHS's method `name`, each call noted in `reads`."""
    orig = getattr(highspy.Highs, name)

    def noted(self, *args):
        reads.append(name)
        return orig(self, *args)

    return noted


def _ranging(monkeypatch, reads: list[str], highs_only: bool = False) -> dict:
    """The baseline's `allowable_ranges` as `allocator solve` calls it, with HiGHS's row reads
    made during it in `reads` (`highs_only`: its `Rows` without the LP's matrix)."""
    got: dict = {}

    def counted(lp, cost, activity):
        with pytest.MonkeyPatch.context() as mp:
            for name in ("getRows", "getRowsEntries"):
                mp.setattr(highspy.Highs, name, _counting(name, reads))
            if highs_only:
                of = Rows.of.__func__
                mp.setattr(Rows, "of", classmethod(lambda cls, h, lp=None: of(cls, h)))
            got.update(allowable_ranges(lp, cost, activity))
        return got

    monkeypatch.setattr(passes, "allowable_ranges", counted)
    passes.optimum(_baseline_lp(), "jobs")
    return got


def test_ranging_reads_every_row_once_and_gives_the_same_rates(monkeypatch):
    reads: list[str] = []
    got = _ranging(monkeypatch, reads)
    assert got["rows"]["re_solved"].sum() >= 10  # rates re-solved: rows read many times
    assert reads == ["getRows"]  # one read of every row's bounds, nothing more
    from_highs: list[str] = []
    want = _ranging(monkeypatch, from_highs, highs_only=True)
    assert "getRowsEntries" in from_highs
    for part in ("columns", "rows"):
        assert got[part].keys() == want[part].keys()
        for name, values in want[part].items():
            np.testing.assert_array_equal(got[part][name], values, err_msg=name)


def test_a_whole_unit_of_both_passes_sets_the_costs_twice(monkeypatch):
    """Under soft targets a whole unit re-solves both passes (`wholeunit._both_passes`): the first
    pass's costs, then the objective's, which stay in place: HiGHS sets each cost vector once
    (3.6 ms a call at 70,000 columns), and holds the objective's costs after the rates."""
    from allocator.solver import wholeunit

    made: list[str] = []
    after = {}
    real_passes = wholeunit._both_passes

    def both(*args):
        made.append("both passes")
        return real_passes(*args)

    def checked(lp, cost, activity):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(wholeunit, "_both_passes", both)
            mp.setattr(highspy.Highs, "changeColsCost", _counting("changeColsCost", made))
            got = allowable_ranges(lp, cost, activity)
        n = len(lp.col_names)
        after["costs"] = lp.highs.getCols(n, np.arange(n, dtype=np.int32))[2]
        after["want"] = np.asarray(cost, dtype=float)
        return got

    monkeypatch.setattr(passes, "allowable_ranges", checked)
    passes.optimum(_baseline_lp(), "jobs")
    assert made.count("both passes") >= 5
    assert made.count("changeColsCost") == 2 * made.count("both passes")
    np.testing.assert_array_equal(after["costs"], after["want"])
