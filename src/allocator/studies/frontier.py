"""The jobs-versus-exports Pareto frontier as a table a planner can chart."""

from __future__ import annotations

import pandas as pd

from allocator.data.schema import Inputs
from allocator.solver.compile import CompiledLP
from allocator.solver.passes import trace_frontier


def frontier_table(inp: Inputs, lp: CompiledLP, points: int) -> pd.DataFrame:
    """One row per point: exports asked for, jobs and exports reached, the trade-off rate (jobs
    given up per extra US$ million of exports, from the epsilon row's dual), and the investment
    by sector (US$ million)."""
    sector = {p.program: p.sector for p in inp.programs}
    sectors = sorted(set(sector.values()))
    invest = [j for j, f in enumerate(lp.col_family) if f == "invest"]
    rows = []
    for k, pt in enumerate(trace_frontier(lp, points), start=1):
        by_sector = dict.fromkeys(sectors, 0.0)
        for j in invest:
            by_sector[sector[lp.col_index[j][0]]] += pt.x[j]
        rows.append(
            {
                "point": k,
                "year": inp.last_milestone,
                "epsilon_exports_musd": pt.epsilon,
                "jobs": pt.jobs,
                "exports_musd": pt.exports,
                "tradeoff_jobs_per_musd_exports": 0.0 if abs(pt.rate) < 1e-9 else -pt.rate,
                **{f"{s}_musd": v for s, v in by_sector.items()},
            }
        )
    return pd.DataFrame(rows)
