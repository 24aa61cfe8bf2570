"""The least risk mitigation and carried money a plan's investments need, where no other plan
funds them differently (`passes._settled`); the tie rule ends with the same LP
(`ties.least_other_money`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from allocator.solver.ties import least_other_money, renew

if TYPE_CHECKING:
    from allocator.solver.compile import CompiledLP
    from allocator.solver.heldface import Face


def least_money(lp: CompiledLP, face: Face, x: np.ndarray) -> np.ndarray:
    """Where no other plan funds the investments differently (`Face.ties` 0), the least risk
    mitigation and carried money they need (`least_other_money`, as the tie rule ends): no
    efficiency pass weighs those columns, so without it the plan kept whatever mitigation the
    passes' last vertex held (100 musd on a risk no funded program was exposed to). No LP where
    none of them can move; the face renewed before (no basis: the same bits whatever ran on it)
    and after (its memory let go, as `tie_classes`)."""
    family = np.array(lp.col_family, dtype=object)[face.cols]
    lower, upper = face.bounds["col"]
    if not (np.isin(family, ("mitigate", "carry")) & (upper > lower)).any():
        return x
    renew(face, lp)
    picked = least_other_money(face, lp, x)
    renew(face, lp)
    return picked
