"""Numerics warnings: coefficients, objective costs or right-hand sides spanning more than 1e8,
with the rows and columns that hold them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from allocator.solver.compile import INF, CompiledLP

RANGE_WARNING = 1e8  # HiGHS scales well within this; beyond it tolerances start to bite


def told_numerics(lp: CompiledLP, warn: Callable[[str], None] | None) -> list[str]:
    """`numerics_warnings` of `lp`, each told to `warn` (None: to no one) before the LP is
    solved (the solve may be what suffers), as every command tells them."""
    found = numerics_warnings(lp)
    if warn is not None:
        for message in found:
            warn(message)
    return found


def numerics_warnings(lp: CompiledLP) -> list[str]:
    """Coefficients or right-hand sides spanning more than 1e8, with the rows that hold them."""
    found = []
    a = lp.matrix
    held = np.flatnonzero(a.data)  # a stored 0 is no coefficient: it spans nothing
    size = np.abs(a.data[held])
    if size.size and size.max() > RANGE_WARNING * size.min():
        lo, hi = int(held[np.argmin(size)]), int(held[np.argmax(size)])
        found.append(
            f"matrix coefficients span {size.min():.3g} to {size.max():.3g} "
            f"(ratio {size.max() / size.min():.1e}): smallest in row "
            f"{lp.row_names[a.indices[lo]]} at {lp.col_names[a.col_of_entry[lo]]}, largest in row "
            f"{lp.row_names[a.indices[hi]]} at {lp.col_names[a.col_of_entry[hi]]}. "
            "Fix: check those numbers and their units"
        )
    for name, cost in lp.costs.items():
        nz = np.flatnonzero(cost)
        c = np.abs(cost[nz])
        if c.size and c.max() > RANGE_WARNING * c.min():
            lo, hi = nz[np.argmin(c)], nz[np.argmax(c)]
            found.append(
                f"{name} objective coefficients span {c.min():.3g} ({lp.col_names[lo]}) to "
                f"{c.max():.3g} ({lp.col_names[hi]}). Fix: check those programs' coefficients "
                "and their units (per US$ million)"
            )
    bounds = np.abs(np.concatenate([lp.row_lower, lp.row_upper]))
    rows = np.concatenate([np.arange(len(lp.row_names))] * 2)
    keep = (bounds > 0) & (bounds < INF)
    if keep.any() and bounds[keep].max() > RANGE_WARNING * bounds[keep].min():
        lo = rows[keep][np.argmin(bounds[keep])]
        hi = rows[keep][np.argmax(bounds[keep])]
        found.append(
            f"right-hand sides span {bounds[keep].min():.3g} to {bounds[keep].max():.3g}: "
            f"smallest in row {lp.row_names[lo]}, largest in row {lp.row_names[hi]}. "
            "Fix: check those numbers and their units (money is in US$ million)"
        )
    return found
