"""The least risk mitigation and carried money a plan's investments need, then the years of that
mitigation by a rule (`least_other_money`): the tie rule ends with it (`ties.tie_classes`), and
so does a plan where no other plan funds the investments differently (`least_money`, called by
`passes._settled`).

Moving a risk's mitigation between years that both cover the money exposed later costs nothing
in the least total, so the total alone left the years to HiGHS's path (bench/README.md,
"Eleventh session: the extra LPs": at 1e6 a change of path moved 1,903 musd of one risk's
mitigation from 2028 to 2025). The years are a second criterion, exact and lexicographic: the
least total's optimal face is held as `Face.narrow` holds a pass's (every column with a
non-zero reduced cost at its bound, every row with a non-zero dual at its bound: no tolerance on
an objective), and on it each risk's mitigation is spent as late as the cover allows
(`spending.years_order`). The carried money needs no second criterion: its rows (a phase's
spending, the carry in and out) are differences of two carries, so the least total is the least
carry in every phase at once, one amount each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from allocator.solver.renewal import renew
from allocator.solver.spending import years_order

if TYPE_CHECKING:
    from allocator.solver.compile import CompiledLP
    from allocator.solver.heldface import Face

ZERO = 1e-9
"""A reduced cost or dual above this holds its column or row (`Face.narrow`'s zero)."""


def least_money(lp: CompiledLP, face: Face, x: np.ndarray) -> np.ndarray:
    """Where no other plan funds the investments differently (`Face.ties` 0), the least risk
    mitigation and carried money they need and the mitigation's years by the rule
    (`least_other_money`, as the tie rule ends): no efficiency pass weighs those columns, so
    without it the plan kept whatever mitigation the passes' last vertex held (100 musd on a
    risk no funded program was exposed to). No LP where none of them can move; the face renewed
    before (no basis: the same bits whatever ran on it) and after (its memory let go, as
    `tie_classes`)."""
    family = np.array(lp.col_family, dtype=object)[face.cols]
    lower, upper = face.bounds["col"]
    if not (np.isin(family, ("mitigate", "carry")) & (upper > lower)).any():
        return x
    renew(face, lp)
    picked = least_other_money(face, lp, x)
    renew(face, lp)
    return picked


def least_other_money(face: Face, lp: CompiledLP, x: np.ndarray) -> np.ndarray:
    """With the investments held at `x`, the least risk mitigation and carried money the face
    allows (what they need, no more: one LP), then each risk's mitigation as late as its cover
    allows, that least held (`_latest`: a second LP), run only where some risk's mitigation can
    move (`_years_can_move`). `x` if the first LP is not optimal, its plan if the second is
    not. Only the investments not fixed at `x` already are held (at 1e6 one in seven: HiGHS's
    edit takes 0.5 ms, not 12); the face's column and row bounds in HiGHS are restored
    afterwards. The face is the whole one (`renew` left it unfolded)."""
    h = face.highs
    fam = np.array(lp.col_family, dtype=object)[face.cols]
    inv = np.flatnonzero(fam == "invest").astype(np.int32)
    lower, upper = face.bounds["col"]
    at = x[face.cols[inv]]
    moved = (at != lower[inv]) | (at != upper[inv])  # the others are held there already
    moved[:1] = True  # one at least: HiGHS then takes the bounds as new, as it did all of them
    inv, at = inv[moved], at[moved]
    h.changeColsBounds(len(inv), inv, at, at)
    cost = np.zeros(len(face.held))
    cost[face.cols[np.isin(fam, ("mitigate", "carry"))]] = -1.0
    got = face.solve(cost)
    col_lower, col_upper = lower.copy(), upper.copy()
    col_lower[inv], col_upper[inv] = at, at
    mitigate = np.flatnonzero(fam == "mitigate")
    if got is not None and _years_can_move(lp, face, got, mitigate, col_lower, col_upper):
        got = _latest(lp, face, got, mitigate, col_lower, col_upper)
    h.changeColsBounds(len(inv), inv, lower[inv], upper[inv])
    if got is None:
        return x
    got[face.cols] = np.clip(got[face.cols], lower, upper)
    return got


def _latest(
    lp: CompiledLP,
    face: Face,
    got: np.ndarray,
    mitigate: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
) -> np.ndarray:
    """`got` (the least total's plan) with each risk's mitigation as late as its cover allows:
    the least total's optimal face held (`_hold`), the LP minimising `spending.years_order` on
    it, the face's bounds given back (`_release`). Only the `mitigate` columns (the face's
    indices of them) are taken from that LP: the investments and carried money stay as the
    first LP gave them, bit for bit (the rule moves only the years; a fixed column HiGHS keeps
    basic is read from B^-1 b). The LP starts from no basis: warm from the first LP's, a
    renewed instance and a cleared one gave the baseline's technology mitigation in 2026 in
    different last bits (tests/test_memory_peak.py). `got` as it is if that LP is not
    optimal."""
    held = _hold(face, col_lower, col_upper)
    face.highs.clearSolver()
    later = face.solve(-years_order(lp))
    _release(face, held, col_lower, col_upper)
    if later is None:
        return got
    cols = face.cols[mitigate]
    got[cols] = later[cols]
    return got


def _years_can_move(
    lp: CompiledLP,
    face: Face,
    got: np.ndarray,
    mitigate: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
) -> bool:
    """Whether the years LP could find another plan than `got` (the least total's): only where
    a risk has two or more mitigation columns (`mitigate`: the face's indices of them) with
    room on the face (`col_lower` < `col_upper`) and one of them above its lower bound. Exact:
    a `mitigate` column is in its own risk's rows only, so on the least total's face each
    risk's total is its own least; a risk with one column with room has that column's value
    fixed by its total, and one whose columns with room are all at their lower bounds has no
    money to move (each is at least its lower bound, and their sum is held)."""
    local = mitigate[col_upper[mitigate] > col_lower[mitigate]]
    if local.size < 2:
        return False
    risks = np.array([lp.col_index[j][0] for j in face.cols[local]], dtype=object)
    names, counts = np.unique(risks, return_counts=True)
    above = risks[got[face.cols[local]] > col_lower[local]]
    return bool(np.isin(above, names[counts >= 2]).any())


def _hold(
    face: Face, col_lower: np.ndarray, col_upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The optimal face of the last LP held in HiGHS, as `Face.narrow` holds it but without
    writing the face's own bounds (the tie classes' ranges are found on the face afterwards):
    columns with a non-zero reduced cost at the bound they sit on (`col_lower`, `col_upper`:
    the face's, the held investments at their value), rows with a non-zero dual at theirs.
    Every point of that set satisfies complementary slackness with the LP's optimal duals, so
    it is exactly the LP's optimal face. Returns the held columns and rows."""
    h = face.highs
    out = []
    for kind, (lower, upper) in (("col", (col_lower, col_upper)), ("row", face.bounds["row"])):
        value, dual = face.solution(f"{kind}_value"), face.solution(f"{kind}_dual")
        at = np.flatnonzero(np.abs(dual) > ZERO).astype(np.int32)
        lo, up = lower[at], upper[at]
        bound = np.where(np.abs(value[at] - lo) <= np.abs(value[at] - up), lo, up)
        # highspy 1.16's stubs lack changeRowsBounds (a stub gap: HiGHS has it)
        change = h.changeColsBounds if kind == "col" else h.changeRowsBounds  # type: ignore[attr-defined]
        change(len(at), at, bound, bound)
        out.append(at)
    return out[0], out[1]


def _release(
    face: Face, held: tuple[np.ndarray, np.ndarray], col_lower: np.ndarray, col_upper: np.ndarray
) -> None:
    """The columns and rows `_hold` held given back their bounds: the face's rows', and the
    columns' `col_lower` and `col_upper` (the investments still held for the caller)."""
    cols, rows = held
    h = face.highs
    h.changeColsBounds(len(cols), cols, col_lower[cols], col_upper[cols])
    row_lower, row_upper = face.bounds["row"]
    h.changeRowsBounds(len(rows), rows, row_lower[rows], row_upper[rows])  # type: ignore[attr-defined]
