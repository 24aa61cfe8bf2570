"""A number to the 6 significant digits allocator shows a bound or a change in, rounded away from
a conflict (`away`): the infeasible plan's fix line (`solver/fixes.py`) and the what-if's
relaxation lines (`report/explain.py`) both show one, and both must show a value that, given to
`--set`, still makes the plan feasible. A layer of its own, below the solver and the reports."""

from __future__ import annotations

import math


def away(value: float, up: bool) -> float:
    """`value` to 6 significant digits, rounded up (`up`) or down, unless it is that number but
    for noise (1e-9 relative): a raised bound or a change is never shown smaller than the least
    that leaves the conflict, a lowered bound never larger."""
    near = float(f"{value:.6g}")
    if (near >= value if up else near <= value) or abs(value - near) <= 1e-9 * max(1.0, abs(value)):
        return near
    step = 10.0 ** (math.floor(math.log10(abs(value))) - 5)
    steps = math.ceil(value / step) if up else math.floor(value / step)
    return float(f"{steps * step:.6g}")
