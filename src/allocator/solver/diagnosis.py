"""Why an LP is infeasible: an irreducible infeasible subset (IIS) from HiGHS and the least
change of right-hand sides that makes it feasible (an elastic relaxation), as a `Diagnosis`."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from allocator.model.families import relaxable
from allocator.solver.compile import INF, CompiledLP
from allocator.solver.highs import new_highs
from allocator.solver.status import Status, status_of


@dataclass
class Diagnosis:
    """Why an LP is infeasible, by row and column index: an irreducible infeasible subset, and
    the least total change of right-hand sides that makes it feasible."""

    rows: list[tuple[int, str]]
    cols: list[tuple[int, str]]
    relaxation: list[tuple[int, str, float]]
    total: float | None
    outside: bool = False
    """The relaxation moves rows outside the conflicting set: no change of that set's rows
    alone makes the plan feasible (the plan has more than one conflict)."""


_SIDES = {2: "lower", 3: "upper", 4: "both"}


def diagnose(lp: CompiledLP) -> Diagnosis:
    """IIS (irreducible, from the LP) and a feasibility relaxation of row bounds only."""
    h = lp.highs
    strategy = int(highspy.IisStrategy.kIisStrategyFromLp) | int(
        highspy.IisStrategy.kIisStrategyIrreducible
    )
    h.setOptionValue("iis_strategy", strategy)
    status, iis = h.getIis()
    rows, cols = [], []
    if status == highspy.HighsStatus.kOk:
        rows = [
            (int(i), _SIDES[int(b)])
            for i, b in zip(iis.row_index_, iis.row_bound_, strict=True)
            if int(b) in _SIDES
        ]
        cols = [
            (int(j), _SIDES[int(b)])
            for j, b in zip(iis.col_index_, iis.col_bound_, strict=True)
            if int(b) in _SIDES
        ]
    inside = {i for i, _ in rows}
    relaxation, total = _relax(lp, inside or None)
    outside = False
    if inside and not relaxation:  # the set's rows alone cannot do it: another conflict
        relaxation, total = _relax(lp)
        outside = any(i not in inside for i, _, _ in relaxation)
    return Diagnosis(rows, cols, relaxation, total, outside)


def _relax(
    lp: CompiledLP, only: set[int] | None = None
) -> tuple[list[tuple[int, str, float]], float | None]:
    """Least total change of right-hand sides that are numbers in the data (budgets, caps,
    floors, markets, targets), each in its own unit, that makes the plan feasible; with `only`,
    of those rows alone (the conflicting set: the change then stays inside what was printed).

    An elastic copy of the LP: every relaxable row side gets a slack column costing 1 per unit,
    and their sum is minimised. Variable bounds and structural rows (export capacity, risk cover,
    share caps: right-hand side 0 by construction) stay as they are. Built here rather than with
    `Highs.feasibilityRelaxation`, whose per-row "not relaxable" penalties returned non-minimal
    relaxations in our tests (70 where 10 was possible).
    """
    copy = new_highs()
    copy.passModel(lp.highs.getLp())
    n = len(lp.col_names)
    copy.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
    copy.changeObjectiveSense(highspy.ObjSense.kMinimize)
    sides = [
        (i, side, sign)
        for i, fam in enumerate(lp.row_family)
        if relaxable(fam) and (only is None or i in only)
        for side, sign, bound in (("upper", -1.0, lp.row_upper[i]), ("lower", 1.0, lp.row_lower[i]))
        if abs(bound) < INF
    ]
    if not sides:
        return [], None
    k = len(sides)
    copy.addCols(
        k,
        np.ones(k),
        np.zeros(k),
        np.full(k, INF),
        k,
        np.arange(k, dtype=np.int32),
        np.array([i for i, _, _ in sides], dtype=np.int32),
        np.array([sign for _, _, sign in sides]),
    )
    copy.run()
    if status_of(copy) is not Status.OPTIMAL:
        return [], None
    slack = np.array(copy.getSolution().col_value)[n:]
    changes = [
        (i, side, float(v)) for (i, side, _), v in zip(sides, slack, strict=True) if v > 1e-7
    ]
    return changes, float(copy.getInfo().objective_function_value)
