"""The outputs of `allocator replan` (`studies.replan`): replan.csv (approved and re-planned
money by program and phase) and the money moved against the approved plan (the words are
`report.replanhtml`'s).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pandas as pd

_ROUND = 6  # replan.csv: US$ million to the dollar


def replan_table(
    inp: Any,
    approved: dict[tuple[str, str, int], float],
    alloc: pd.DataFrame,
    as_of: int,
    spent: dict[tuple[str, str, int], float],
) -> pd.DataFrame:
    """Approved and re-planned money by program and phase (every pool), and the change. A phase
    that has ended holds what was spent (`spent`, the actuals by program, pool and year), to
    the digit: what already happened adds up to the actuals, not rounded row by row."""
    phase_of = inp.phase_of_year
    old: dict[tuple[str, str], list[float]] = defaultdict(list)
    new: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (p, _s, t), v in approved.items():
        old[(p, phase_of.get(t, "?"))].append(v)
    r: Any  # a row of the solution's allocation table (its fields: the table's columns)
    for r in alloc.itertuples(index=False):
        if int(r.year) > as_of:
            new[(str(r.program), str(r.phase))].append(float(r.invest_musd))
    for (p, _s, t), v in spent.items():
        if v:  # as the allocation table: no row for nothing spent
            new[(p, phase_of[t])].append(v)
    order = {ph.phase: k for k, ph in enumerate(inp.phases)}
    status = {ph.phase: _status(ph, as_of) for ph in inp.phases}
    ended = {ph.phase for ph in inp.phases if ph.last_year <= as_of}
    rows = []
    for p, ph in sorted(set(old) | set(new), key=lambda k: (k[0], order.get(k[1], 99))):
        exact = ph in ended
        a, b = _money(old.get((p, ph), [])), _money(new.get((p, ph), []), exact)
        rows.append(
            {
                "program": p,
                "phase": ph,
                "status": status.get(ph, "not in this dataset"),
                "approved_musd": a,
                "replanned_musd": b,
                "change_musd": (b - a if exact else round(b - a, _ROUND)) + 0.0,
            }
        )
    return pd.DataFrame(rows, columns=_COLUMNS)


_COLUMNS = ["program", "phase", "status", "approved_musd", "replanned_musd", "change_musd"]


def _money(values: list[float], exact: bool = False) -> float:
    """The sum of `values` (exactly rounded), to the dollar unless `exact`: money the LP
    placed carries its noise (99.99999999997), money spent is the actuals' own."""
    total = math.fsum(values)
    return (total if exact else round(total, _ROUND)) + 0.0


def _status(phase: Any, as_of: int) -> str:
    if phase.last_year <= as_of:
        return "spent (fixed to actuals)"
    if phase.first_year <= as_of:
        return f"spent to {as_of}, re-optimised after"
    return "re-optimised"


def moved(
    approved: dict[tuple[str, str, int], float],
    tables: dict[str, pd.DataFrame],
    inp: Any,
    as_of: int,
    mitigation: dict[tuple[str, int], float] | None = None,
) -> float:
    """US$ million moved against the approved plan after the as-of year (what --least-change
    minimises): the sum over program, pool and phase of |re-planned - approved| investment
    (`tables["allocation"]`), plus over risk and phase of |re-planned - approved| mitigation
    (`mitigation` against the `mitigate` rows of `tables["reduced_costs"]`)."""
    phase_of = inp.phase_of_year
    diff: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for (p, s, t), v in approved.items():
        if t > as_of:
            diff[(p, s, phase_of.get(t, "?"))].append(-v)
    r: Any  # a row of the solution's allocation table (its fields: the table's columns)
    for r in tables["allocation"].itertuples(index=False):
        if int(r.year) > as_of:
            diff[(str(r.program), str(r.pool), str(r.phase))].append(float(r.invest_musd))
    for (risk, t), v in (mitigation or {}).items():
        if t > as_of:
            diff[(risk, phase_of.get(t, "?"))].append(-v)  # two labels: never a program's key
    costs = tables.get("reduced_costs")
    if costs is not None and "risk" in costs.columns:  # no column: the dataset has no risks
        done = costs[costs["family"] == "mitigate"]
        for risk, t, v in zip(done["risk"], done["year"], done["value"], strict=True):
            if int(t) > as_of:
                diff[(str(risk), phase_of.get(int(t), "?"))].append(float(v))
    return round(math.fsum(abs(math.fsum(v)) for _, v in sorted(diff.items())), _ROUND) + 0.0
