"""One-sided marginal values (issue 25, point 2): what one more unit of a limit buys and what one
less costs, exact under degeneracy, each with the amount it holds for; checked by re-solving."""

from __future__ import annotations

import math

import highspy
import numpy as np
import pytest

from allocator.solver.highs import new_highs
from allocator.solver.marginal import Rates, one_sided

INF = highspy.kHighsInf


def _hand_lp() -> highspy.Highs:
    """max 3x + 2y s.t. x <= 1 (row 0), y <= 1 (row 1), x + y <= 2 (row 2); x, y >= 0.

    The optimum (1, 1), value 5, is degenerate: three rows bind at a vertex of two columns. The
    optimal duals are every (3 - c, 2 - c, c) with 0 <= c <= 2, so the simplex reports one of
    them. By hand: raising row 0 buys 1 per unit for 1 unit (x replaces y), then nothing; raising
    row 1 or 2 buys nothing (the other rows hold the vertex); cutting row 2 costs 2 per unit for
    1 unit (y gives way first), then 3; cutting row 0 costs 3 per unit for 1 unit (x down to 0);
    cutting row 1 costs 2 per unit for 1 unit.
    """
    h = new_highs()
    h.addVars(2, np.zeros(2), np.full(2, INF))
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([3.0, 2.0]))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    for cols, coefs, upper in (([0], [1.0], 1.0), ([1], [1.0], 1.0), ([0, 1], [1.0, 1.0], 2.0)):
        h.addRow(-INF, upper, len(cols), np.array(cols, dtype=np.int32), np.array(coefs))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(5.0)
    return h


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (0, Rates(1.0, 1.0, 3.0, 1.0)),
        (1, Rates(0.0, math.inf, 2.0, 1.0)),
        (2, Rates(0.0, math.inf, 2.0, 1.0)),
    ],
)
def test_hand_solved_degenerate_lp_gives_both_one_sided_rates(row, expected):
    h = _hand_lp()
    basis = h.getBasis()
    got = one_sided(h, row)
    assert got.gain_up == pytest.approx(expected.gain_up, abs=1e-9)
    assert got.up_holds_for == pytest.approx(expected.up_holds_for, rel=1e-9)
    assert got.loss_down == pytest.approx(expected.loss_down, rel=1e-9)
    assert got.down_holds_for == pytest.approx(expected.down_holds_for, rel=1e-9)
    # the instance is left as it was: same bounds, same optimal basis, same optimum
    assert h.getLp().row_upper_[row] == [1.0, 1.0, 2.0][row]
    assert list(h.getBasis().row_status) == list(basis.row_status)
    assert h.getInfo().objective_function_value == pytest.approx(5.0)


def test_hand_solved_rates_differ_from_the_simplex_dual_on_one_side():
    """Whatever dual the simplex picked, one side of row 2 differs from it or from the other."""
    h = _hand_lp()
    dual = h.getSolution().row_dual[2]
    got = one_sided(h, 2)
    assert got.gain_up <= dual <= got.loss_down
    assert got.gain_up != got.loss_down
