"""Why an LP is infeasible: an irreducible infeasible subset (IIS) from HiGHS and the least
change of right-hand sides that makes it feasible (an elastic relaxation), as a `Diagnosis` (by
index), then as records (`infeasibility`: names, labels, bounds and input places) that
`report.explain` puts into words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from allocator.model.families import family_of, labels_of, relaxable
from allocator.model.solution import Conflict, Infeasibility, Place, Relaxation
from allocator.solver.compile import INF, CompiledLP
from allocator.solver.highs import new_highs
from allocator.solver.status import Status, status_of

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.errors import InfeasibleError


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
    alone: list[tuple[int, str, float]] = field(default_factory=list)
    """Each row of the conflicting set whose change alone makes the plan feasible (a re-solve
    of the elastic copy with that row only), with the side moved and the least amount; the
    first `ALONE_TRIED` relaxable rows of the set are tried."""


ALONE_TRIED = 8
"""How many relaxable rows of a conflicting set are each re-solved alone (`Diagnosis.alone`):
one LP each, on the infeasible path only."""

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
    return Diagnosis(rows, cols, relaxation, total, outside, _alone(lp, rows))


def _alone(lp: CompiledLP, rows: list[tuple[int, str]]) -> list[tuple[int, str, float]]:
    """The changes of one conflicting row each that make the plan feasible by themselves."""
    tried = [i for i, _ in rows if relaxable(lp.row_family[i])][:ALONE_TRIED]
    found = []
    for i in tried:
        changes, _ = _relax(lp, {i})
        found += [(k, side, amount) for k, side, amount in changes if k == i]
    return found


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


def infeasibility(inp: Inputs, err: InfeasibleError) -> Infeasibility | None:
    """The diagnosis of `err` as records, each row named and placed in `inp`'s files; None when
    the error was raised before solving (no diagnosis)."""
    diag, lp = err.diagnosis, err.lp
    if not isinstance(diag, Diagnosis) or not isinstance(lp, CompiledLP):
        return None
    conflicts = [_conflict(inp, lp, i, side, False) for i, side in diag.rows]
    conflicts += [_conflict(inp, lp, j, side, True) for j, side in diag.cols]
    inside = {i for i, _ in diag.rows}
    changes = tuple(
        Relaxation(
            lp.row_names[i],
            lp.row_family[i],
            labels,
            side,
            float(_bound(lp.row_lower, lp.row_upper, i, side)),
            amount,
            diag.outside and i not in inside,
            place_of(inp, lp.row_family[i], labels),
        )
        for i, side, amount in diag.relaxation
        for labels in [labels_of(lp.row_family[i], lp.row_index[i])]
    )
    return Infeasibility(tuple(conflicts), changes, diag.total, diag.outside)


def _conflict(inp: Inputs, lp: CompiledLP, k: int, side: str, is_column: bool) -> Conflict:
    """Row `k` (column `k` with `is_column`) of the conflicting set as a record."""
    if is_column:
        fam, name, index = lp.col_family[k], lp.col_names[k], lp.col_index[k]
        bound = _bound(lp.col_lower, lp.col_upper, k, side)
    else:
        fam, name, index = lp.row_family[k], lp.row_names[k], lp.row_index[k]
        bound = _bound(lp.row_lower, lp.row_upper, k, side)
    labels = labels_of(fam, index)
    return Conflict(name, fam, labels, side, float(bound), is_column, place_of(inp, fam, labels))


def _bound(lower: np.ndarray, upper: np.ndarray, k: int, side: str) -> Any:
    return upper[k] if side == "upper" else lower[k]


def place_of(inp: Inputs, family: str, labels: Mapping[str, Any]) -> Place:
    """The input file, line and column a row's (a column's) number comes from."""
    fam = family_of(family)
    source = fam.source
    if source is None:
        return Place(option=fam.option)
    row = source.row(inp, labels)
    return Place(source.file, None if row is None else row.line, source.column)
