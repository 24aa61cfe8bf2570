"""Task p3 (issue 30, the extra LPs): the ties count (`Face.ties`, the summary's "one of them
funds N of the investments ... differently", run.json `ties`) is a property of the vertex the
tie LP returns, not of the optimal face. A strict xfail: it fails today for the reason given."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from conftest import hand_face

INF = highspy.kHighsInf
BASIC, LOWER, UPPER = (
    highspy.HighsBasisStatus.kBasic,
    highspy.HighsBasisStatus.kLower,
    highspy.HighsBasisStatus.kUpper,
)


def _count(order: list[int]) -> tuple[list[float], int]:
    """Investments x1..x4 in [0, 1] musd, one pool (x1 + x2 + x3 + x4 <= 1), one job a musd,
    x3 and x4 funded together (x3 - x4 = 0); the LP's columns in `order` (order[k]: x_{k+1}'s
    column). The plan: maximise jobs from the basis with x1 basic, so the plan is (1, 0, 0, 0)
    in either order. The plan's x1..x4 and the ties count."""
    pool, pair = [1.0] * 4, [0.0] * 4
    pair[order[2]], pair[order[3]] = 1.0, -1.0
    face = hand_face([(pool, -INF, 1.0), (pair, 0.0, 0.0)], [0] * 4, [1] * 4)
    start = highspy.HighsBasis()
    start.col_status = [BASIC if k == order[0] else LOWER for k in range(4)]
    start.row_status = [UPPER, BASIC]
    start.valid = True
    face.highs.setBasis(start)
    plan = face.solve(np.ones(4))
    assert plan is not None
    assert face.settle()
    count = face.ties(np.ones(4, dtype=bool))
    return [float(plan[order[k]]) for k in range(4)], count


@pytest.mark.xfail(
    strict=True,
    reason="the ties count is how many investments the tie LP's vertex moves from the plan: the "
    "same face and plan give 2 or 3 by the columns' order, while all 4 can move",
)
def test_the_ties_count_is_a_property_of_the_face_not_of_the_tie_lps_vertex():
    """Every plan spending the pool's 1 musd is optimal: the face is x1 + x2 + 2 x3 = 1,
    x3 = x4, 0 <= x <= 1. From the plan (1, 0, 0, 0) the tie LP maximises -x1 + x2 + x3 + x4
    = 1 - 2 x1 on it, optimal wherever x1 = 0: at the vertex (0, 1, 0, 0) (2 investments moved)
    and at (0, 0, .5, .5) (3 moved). Every investment can move (the plan (.4, .2, .2, .2) funds
    all four differently), so a count that is the face's is 4 in either order."""
    first, second = _count([0, 1, 2, 3]), _count([0, 2, 1, 3])
    assert first[0] == second[0] == [1.0, 0.0, 0.0, 0.0]  # the same plan
    assert (first[1], second[1]) == (4, 4)
