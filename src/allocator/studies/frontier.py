"""The frontier of two measures (jobs against exports by default) as a table a planner can chart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.data.schema import Inputs
from allocator.exactsum import exact_dot
from allocator.model.families import WEIGHTED_SHORTFALL
from allocator.model.measures import Axis
from allocator.solver.compile import CompiledLP
from allocator.solver.frontier import trace_frontier
from allocator.solver.marginal import SideRate
from allocator.solver.results import snap_plan

PER = {
    "jobs": "job",
    "job-years": "job-year",
    "pv job-years": "pv job-year",
    WEIGHTED_SHORTFALL: f"unit of {WEIGHTED_SHORTFALL}",
}
"""The singular of a unit after "per": jobs per job, not jobs per jobs."""

SAME = 1e-9
"""Relative difference below which two frontier points are the same plan's outcomes."""


def frontier_table(inp: Inputs, lp: CompiledLP, x: Axis, y: Axis, points: int) -> pd.DataFrame:
    """One row per point: the x asked for (epsilon), x and y reached (`x_base`, `y_base`: the
    part of each that exists before the plan, base.csv's), the trade-off rates and the
    investment by sector (US$ million).

    `rate` is the change of y per unit more x from the point (the frontier's slope to its
    right), `rate_less` the change of y per unit less x (minus its slope to the left), both in
    `rate_unit` (y's unit per unit of x) and found by re-solves as `allocator solve`'s limits
    are (`solver.frontier.sides`): at a kink the two differ (at 170 musd of exports one more
    costs 5 jobs, one less gives 2). A negative `rate` is more x costing y (e.g. -5.4 jobs per
    musd of exports); a positive one more x buying y (more tolerated shortfall). Each holds for
    `*_holds_for` units of x (inf: any amount); `*_end` says what is past that (`ENDS`). At the
    x-best end no plan has more x: `rate` is empty and `rate_end` says so.
    """
    sector = {p.program: p.sector for p in inp.programs}
    sectors = sorted(set(sector.values()))
    invest = [j for j, f in enumerate(lp.col_family) if f == "invest"]
    base = np.array([j for j, f in enumerate(lp.col_family) if f == "base"], dtype=int)
    traced = trace_frontier(lp, x.name, y.name, points)
    rows = []
    for k, pt in enumerate(traced, start=1):
        by_sector = dict.fromkeys(sectors, 0.0)
        plan = snap_plan(lp, pt.x)[0]  # solver noise snapped as in solve's tables: 3,000
        for j in invest:
            by_sector[sector[lp.col_index[j][0]]] += plan[j]
        more, less = (pt.up, pt.down) if x.sign > 0 else (pt.down, pt.up)
        rows.append(
            {
                "point": k,
                "x": x.name,
                "x_words": x.words,
                "x_unit": x.unit,
                "epsilon": x.sign * pt.epsilon,
                "x_value": x.sign * pt.x_value,
                "y": y.name,
                "y_words": y.words,
                "y_unit": y.unit,
                "y_value": y.sign * pt.y_value,
                **_side("rate", more, x.sign * y.sign),
                **_side("rate_less", less, -x.sign * y.sign),
                "rate_unit": f"{y.unit} per {PER.get(x.unit, x.unit)}",
                "x_base": existing(lp, x, pt.x, base),  # after the columns of old, in place
                "y_base": existing(lp, y, pt.x, base),
                **{f"{s}_musd": v for s, v in by_sector.items()},
            }
        )
    return pd.DataFrame(rows)


def existing(lp: CompiledLP, a: Axis, x: np.ndarray, base: np.ndarray) -> float:
    """The part of axis `a`'s value at plan `x` that exists before the plan: its terms of the
    `base` columns (base.csv's rows, fixed at their values), the same at every point (800 of
    base_levels's 1,550 jobs); 0 without a base, or for the shortfall."""
    if not len(base):
        return 0.0
    return a.sign * exact_dot(lp.costs[a.name][base], x[base]) + 0.0  # never -0


NO_MORE, NO_LESS = "no plan has more", "no plan has less"
NO_PLAN_PAST, NO_PLAN_BELOW = "then no plan has more", "then no plan has less"
AT_LEAST, ANY = "at least", "any amount"
"""`ENDS`."""

ENDS = (NO_MORE, NO_LESS, NO_PLAN_PAST, NO_PLAN_BELOW, AT_LEAST, ANY)
"""What frontier.csv's `rate_end` and `rate_less_end` may say of the side: no plan has more x
than the point (the x-best end: no rate), or less (an x such as the shortfall, whose best is
its least); the rate holds for the amount and no plan has more x past it (`rate`), or less
(`rate_less`: x at the least any plan reaches, as an x of 0 exports); the rate holds at least
that far (the re-solves ran out before its end); it holds for any amount (`*_holds_for` inf,
an empty cell in the CSV); empty: the rate changes there."""


def _side(name: str, side: SideRate, sign: float) -> dict[str, Any]:
    """A side's columns: its rate in y per unit of x that way, how far it holds, its end."""
    more = name == "rate"
    if np.isinf(side.rate):  # no plan moves x that way at all
        none = NO_MORE if more else NO_LESS
        return {name: np.nan, f"{name}_holds_for": np.nan, f"{name}_end": none}
    rate = sign * side.rate
    end = (
        (NO_PLAN_PAST if more else NO_PLAN_BELOW)
        if side.then_no_plan
        else AT_LEAST
        if side.at_least
        else ANY
        if np.isinf(side.holds)
        else ""
    )
    return {
        name: 0.0 if abs(rate) < 1e-9 else rate,
        f"{name}_holds_for": side.holds,
        f"{name}_end": end,
    }


def distinct(points: list[Any]) -> int:
    """How many of the traced points differ in (x, y) by more than `SAME` relatively (points:
    `FrontierPoint`s, or frontier.csv's rows as pandas tuples: anything with x_value, y_value)."""
    seen: list[tuple[float, float]] = []
    for pt in points:
        here = (pt.x_value, pt.y_value)
        if not any(_same(here, s) for s in seen):
            seen.append(here)
    return len(seen)


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return all(abs(u - v) <= SAME * max(1.0, abs(u), abs(v)) for u, v in zip(a, b, strict=True))
