"""The frontier of two measures (`trace_frontier`): epsilon-constraint plans on the plan's own
HiGHS instance, each made efficient like a solve (`passes.optimum`'s passes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.exactsum import exact_dot
from allocator.model.measures import SHORTFALL
from allocator.solver.compile import INF, CompiledLP
from allocator.solver.marginal import Base, SideRate, restored, side_rate
from allocator.solver.passes import Optimum, optimal_pass, optimum, secondaries, solve_pass
from allocator.solver.restrict import Extra
from allocator.solver.status import Status
from allocator.solver.subproblems import efficient, reachable_exports


@dataclass
class FrontierPoint:
    """One plan on the frontier of two measures: the most `y` with at least `epsilon` of `x`."""

    epsilon: float
    x_value: float
    y_value: float
    up: SideRate  # epsilon one unit up: d(y) / d(epsilon) from the right, how far it holds
    down: SideRate  # epsilon one unit down: d(y) / d(epsilon) from the left (`SideRate.rate`),
    # at most as far as x can fall (`floored`)
    x: np.ndarray


def trace_frontier(lp: CompiledLP, x_name: str, y_name: str, points: int) -> list[FrontierPoint]:
    """Epsilon-constraint frontier: the most `y_name` subject to `x_name` >= epsilon.

    Both are names of cost vectors (`jobs`, `exports`, `jobs@2030`, `shortfall`: the shortfall
    cost is minus the weighted shortfall, so "at least epsilon" caps the shortfall). Epsilon runs
    from what the y-best plan reaches of x (y maximised, then x on its face) to the x optimum
    (x maximised, then y on its face): the two end points are those single-objective plans.
    One row, `x >= epsilon`, is added to the same HiGHS instance and only its bound changes
    between points, so each re-solve starts from the previous basis. The rates at each point are
    the row's one-sided rates by re-solves (`marginal.side_rate`, as `allocator solve`'s limits):
    the row's dual is a point between them where the point is a kink of the frontier, neither
    what one more unit of x costs nor what one less gives. Soft targets stay held
    throughout unless an axis is the shortfall itself. Every point is made efficient like a
    solve (`optimum`'s passes, x first); the two ends also take the solve's tie rule
    (`end_plan`), the points between them the vertex the efficiency passes end at.
    """
    xc, yc = lp.costs[x_name], lp.costs[y_name]
    first = end_plan(lp, y_name, x_name)
    low = exact_dot(xc, first.x)
    best = end_plan(lp, x_name, y_name)
    high, hold = exact_dot(xc, best.x), best.hold
    h = lp.highs
    nz = np.flatnonzero(xc).astype(np.int32)
    h.addRow(low, INF, len(nz), nz, xc[nz])
    row = h.getNumRow() - 1
    ends = {0: first.x, points - 1: best.x}
    found = []
    try:
        steps = np.linspace(low, high, points) if high - low > 1e-9 * max(1.0, abs(high)) else [low]
        for k, eps in enumerate(steps):
            h.changeRowBounds(row, float(eps), INF)
            got, hold = optimal_pass(lp, yc, hold)
            up, down = sides(lp, row)
            x = ends.get(k) if len(steps) > 1 else first.x
            if x is None:
                after = secondaries(lp, y_name, x_name)
                x = efficient(lp, got.x, got.reduced_costs, got.duals, after, Extra(xc, eps, INF))
                x = reachable_exports(lp, x)
            found.append(FrontierPoint(float(eps), exact_dot(xc, x), exact_dot(yc, x), up, down, x))
        if x_name != SHORTFALL:  # a shortfall column only bounds the miss: no least to reach
            floored(lp, found, row, xc)
    finally:
        h.deleteRows(1, np.array([row], dtype=np.int32))
    return found


def floored(lp: CompiledLP, found: list[FrontierPoint], row: int, xc: np.ndarray) -> None:
    """End each point's down side (x one unit less) where x can fall no further: the least x
    a plan reaches (the instance's rows, the hold of the least target shortfall among them;
    the epsilon `row` freed), then no plan (exports at 0: the jobs-best plan's 0 jobs per musd
    less holds for its 100 musd of exports, not for any amount). The row's re-solves never find
    that end: below it the row no longer binds and the rate (0) holds on. One LP, where a side
    holds without limit; the instance is left at that LP's optimum."""
    if not any(np.isfinite(pt.down.rate) and np.isinf(pt.down.holds) for pt in found):
        return
    h = lp.highs
    h.changeRowBounds(row, -INF, INF)
    got = solve_pass(lp, -xc)
    if got.status is not Status.OPTIMAL:  # no least (unbounded) or not known: as the row says
        return
    lowest = -got.objective
    for pt in found:
        pt.down = capped(pt.down, pt.x_value - lowest)


def capped(side: SideRate, room: float) -> SideRate:
    """A side held at most `room` units, then no plan; none (no plan moves that way) where the
    room is none (the point is the least x)."""
    if np.isinf(side.rate) or side.holds <= room + 1e-9 * max(1.0, room):
        return side
    if room <= 1e-9 * max(1.0, abs(room)):
        return SideRate(np.inf, np.inf)
    return side._replace(holds=max(room, 0.0), then_no_plan=True, at_least=False)


def sides(lp: CompiledLP, row: int) -> tuple[SideRate, SideRate]:
    """The epsilon `row`'s rates one unit up and one unit down at the optimum the instance
    holds (the most y with x >= epsilon), by re-solves; the instance is left at that optimum,
    its basis and bounds as they were."""
    h = lp.highs
    basis, base = h.getBasis(), Base.of(h)
    try:
        return side_rate(h, row, +1, base), side_rate(h, row, -1, base)
    finally:
        restored(h, basis)


def end_plan(lp: CompiledLP, name: str, other: str) -> Optimum:
    """The plan best for `name`, then `other` on its face: `allocator solve`'s passes and its
    tie rule (`optimum`'s `ties`), from a cleared basis as a fresh solve starts, so where
    `name` and `other` are jobs and exports it is the solve's plan to the bit."""
    lp.highs.clearSolver()
    hold_targets = "shortfall" not in (name, other)
    return optimum(lp, name, ranging=False, first=other, hold_targets=hold_targets, ties=True)
