"""The frontier of two measures (jobs against exports by default) as a table a planner can chart."""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.data.schema import Inputs
from allocator.model.families import WEIGHTED_SHORTFALL
from allocator.model.measures import Axis
from allocator.solver.compile import CompiledLP
from allocator.solver.frontier import trace_frontier
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
    """One row per point: the x asked for (epsilon), x and y reached, the trade-off rate and the
    investment by sector (US$ million).

    The rate is d(y)/d(x) along the frontier at the point, from the epsilon row's dual, in y's
    unit per unit of x: negative where more x costs y (e.g. -5.4 jobs per musd of exports),
    positive where more x buys y (more tolerated shortfall). Where every point is the same plan
    there is nothing to trade and the rate is 0.
    """
    sector = {p.program: p.sector for p in inp.programs}
    sectors = sorted(set(sector.values()))
    invest = [j for j, f in enumerate(lp.col_family) if f == "invest"]
    traced = trace_frontier(lp, x.name, y.name, points)
    one_plan = distinct(traced) == 1
    rows = []
    for k, pt in enumerate(traced, start=1):
        by_sector = dict.fromkeys(sectors, 0.0)
        plan = snap_plan(lp, pt.x)[0]  # solver noise snapped as in solve's tables: 3,000
        for j in invest:
            by_sector[sector[lp.col_index[j][0]]] += plan[j]
        rate = 0.0 if one_plan or abs(pt.rate) < 1e-9 else x.sign * y.sign * pt.rate
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
                "rate": rate,
                "rate_unit": f"{y.unit} per {PER.get(x.unit, x.unit)}",
                **{f"{s}_musd": v for s, v in by_sector.items()},
            }
        )
    return pd.DataFrame(rows)


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
