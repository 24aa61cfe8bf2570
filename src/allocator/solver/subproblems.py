"""The small LPs solved beside the plan, so its HiGHS instance keeps its optimal basis: the
efficiency passes on the optimal face and the exports reachable at every year. The face itself,
its passes and the exact tests on its basis that skip an LP, are `heldface.Face`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import highspy
import numpy as np

from allocator.solver.compile import CompiledLP
from allocator.solver.heldface import Face
from allocator.solver.restrict import Extra, restricted_lp

if TYPE_CHECKING:
    pass


def efficient(
    lp: CompiledLP,
    x: np.ndarray,
    col_dual: np.ndarray,
    row_dual: np.ndarray,
    secondaries: list[np.ndarray],
    extra: Extra | None = None,
) -> np.ndarray:
    """Among the optima of the first pass, the best for each of `secondaries` in turn.

    `extra` is a row added to the HiGHS instance beside `lp`'s (the frontier's epsilon row);
    its dual is the last of `row_dual`.

    The optimal face is held exactly, without an objective tolerance: every column with a
    non-zero reduced cost stays at its bound and every row with a non-zero dual stays tight, so
    any point found satisfies complementary slackness with the first pass's duals (and so is
    optimal for it: with one optimal dual, complementary slackness describes the whole optimal
    face). Each later pass holds the face of the one before it the same way, in its own small
    LP (`_restricted`), so the HiGHS instance of the plan keeps its optimal basis and
    factorisation for the next warm re-solve. Returns the last point found (`x` if the first
    secondary pass does not end optimal).
    """
    return efficient_face(lp, x, col_dual, row_dual, secondaries, extra)[0]


def efficient_face(
    lp: CompiledLP,
    x: np.ndarray,
    col_dual: np.ndarray,
    row_dual: np.ndarray,
    secondaries: list[np.ndarray],
    extra: Extra | None = None,
    basis: highspy.HighsBasis | None = None,
) -> tuple[np.ndarray, Face | None]:
    """`efficient`, and the restricted LP of the last face (None if no column could move), on
    which `Face.ties` asks whether other plans reach the same outcomes. `basis` is the plan's
    optimal basis (default: read from `lp.highs`, which then must still hold it)."""
    tol = 1e-9
    moving = np.flatnonzero(np.abs(col_dual) <= tol)
    fixed = np.flatnonzero(np.abs(col_dual) > tol)
    held = x.copy()
    held[fixed] = np.where(col_dual[fixed] < 0, lp.col_lower[fixed], lp.col_upper[fixed])
    lower, upper = lp.row_lower, lp.row_upper
    if extra is not None:
        lower, upper = np.append(lower, extra.lower), np.append(upper, extra.upper)
    rows = np.flatnonzero(np.abs(row_dual) > tol)
    tight = np.where(row_dual[rows] > 0, upper[rows], lower[rows])
    lower, upper = lower.copy(), upper.copy()
    lower[rows], upper[rows] = tight, tight
    if extra is not None:
        extra = Extra(extra.coefs, float(lower[-1]), float(upper[-1]))
        lower, upper = lower[:-1], upper[:-1]
    basis = lp.highs.getBasis() if basis is None else basis
    face = _restricted(lp, moving, held, lower, upper, basis if basis.valid else None, extra)
    return (held, None) if face is None else (face.chain(secondaries, x), face)


def _restricted(
    lp: CompiledLP,
    cols: np.ndarray,
    held: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    basis: highspy.HighsBasis | None = None,
    extra: Extra | None = None,
) -> Face | None:
    """The `Face` of `restrict.restricted_lp`: the LP over `cols`, every other column held at
    `held`; None if no column moves."""
    got = restricted_lp(lp, cols, held, row_lower, row_upper, basis, extra)
    return None if got is None else Face(got.highs, cols, held, got.bounds, matrix=got.matrix)


def reachable_exports(lp: CompiledLP, x: np.ndarray) -> np.ndarray:
    """Exports at every year that the allocation `x` can reach.

    Exports no objective or secondary pass counts may be left at zero; they constrain nothing
    else, so maximising them with every other column held at `x` reports what the plan reaches
    without changing it.
    """
    exp = _family_columns(lp.col_family, "exports")
    ones = np.ones(len(x))
    face = _restricted(lp, exp, x, lp.row_lower, lp.row_upper)
    found = None if face is None else face.solve(ones)
    return x if found is None else found


def _family_columns(families: list[str], family: str) -> np.ndarray:
    """The columns of `family`, increasing: one range where the family's columns lie together
    (as `build_model` adds them; checked by the list's own `index` and `count`, three passes
    in C), else a pass over every label."""
    count = families.count(family)
    if not count:
        return np.zeros(0, dtype=np.intp)
    first = families.index(family)
    if families[first : first + count].count(family) == count:
        return np.arange(first, first + count)
    return np.flatnonzero(np.fromiter(map(family.__eq__, families), bool, len(families)))
