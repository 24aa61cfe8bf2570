"""What one scenario of a robust plan (`robust.add_robust`) adds to the LP, counted before S of
them are drawn, built and solved: `widest` (the scenario of the most entries that uncertainty.csv's
ranges allow) and `scenario_size` (its rows, columns and nonzeros), which
`runs.arguments.check_risk_size` bounds. Pyomo-free and highspy-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from allocator.model.build import build_model
from allocator.model.robust import Robust, add_robust

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.model.measures import Measure


@dataclass(frozen=True)
class ScenarioSize:
    """What one scenario adds to a robust LP (`scenario_size`): its rows, columns and
    nonzeros. `add_robust` repeats them for every scenario, so a plan of S scenarios holds the
    nominal LP plus S times these."""

    rows: int
    columns: int
    nonzeros: int


Widest = dict[str, tuple[float, int]]
"""program -> (jobs per musd, lag): a scenario of each program's most nonzeros (`widest`)."""


def widest(base: Widest, ranges: list[tuple[str, str, float, float]]) -> Widest:
    """The scenario whose rows hold the most entries that `ranges` (program, column, low,
    high: uncertainty.csv's jobs_per_musd and lag_years ranges) allow: each lag at its least
    (a job counts from an earlier year, so in more rows) and a rate that is 0 at its data
    taken nonzero where its range allows (a program without jobs is left out of the rows)."""
    out = dict(base)
    for program, column, low, high in ranges:
        rate, lag = out[program]
        if column == "lag_years":
            out[program] = (rate, min(lag, int(low)))
        elif rate == 0 and (high or low):
            out[program] = (high or low, lag)
    return out


def scenario_size(inp: Inputs, kind: str, measure: Measure, scenario: Widest) -> ScenarioSize:
    """The rows, columns and nonzeros one `scenario` adds to the LP of `inp` under `measure`
    (a `kind` plan's `add_robust`, counted on the nominal LP built without targets: none of
    its rows is repeated per scenario). Of the `widest` scenario, a bound on every scenario's,
    counted before S of them are drawn, built and solved (`runs.arguments.check_risk_size`)."""
    m, s = build_model(inp, "off", None, measure)
    before = (m.num_rows, m.num_cols, sum(len(r.col) for r in m.rows))
    s.robust = Robust(kind, (scenario,))
    add_robust(m, s)
    after = (m.num_rows, m.num_cols, sum(len(r.col) for r in m.rows))
    return ScenarioSize(*(a - b for a, b in zip(after, before, strict=True)))
