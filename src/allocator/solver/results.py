"""The optimum as a plain `Solution`: `solve_lp`, and its column and row tables (values,
reduced costs, bounds, shadow prices, ranges), totals and solver facts.

Duals are HiGHS's own: d(objective)/d(right-hand side), the sign convention of Excel Solver's
"Shadow Price".
"""

from __future__ import annotations

import time
from itertools import groupby
from typing import Any

import numpy as np
import pandas as pd

from allocator.model.families import FAMILIES, LABEL_ORDER, VARIABLES
from allocator.model.solution import LPView, Objective, Solution
from allocator.solver.compile import INF, CompiledLP
from allocator.solver.highs import highs_version
from allocator.solver.passes import objective_costs, optimum, price_of_targets


def solve_lp(
    lp: CompiledLP,
    objective: str | Objective,
    weights: dict[str, float] | None = None,
    unit: str | None = None,
    first: str | None = None,
    numerics: list[str] | None = None,
) -> Solution:
    """Solve for `objective` (jobs, exports or weighted, or an `Objective` with its unit and
    words) and return the optimum as a complete, frozen `Solution`.

    Among the optimal plans, passes on the optimal face pick an efficient one (`secondaries`):
    the most of the other objective, then of jobs and of exports at every milestone, so no
    milestone outcome is left on the table. Duals come from the first pass: they belong to the
    objective. `unit` is the objective's unit under the run's measure (default: that of
    `final`) when `objective` is a bare name. `numerics` are the numerics warnings found before
    the solve, recorded in `solver`. Under soft targets whose least shortfall is not 0,
    `objective_without_targets` in the totals is the objective with the shortfall free: what
    holding the targets costs. `first` names a cost of `lp` maximised on the optimal face
    before the efficiency passes (`optimum`'s; the least change of a re-plan).
    """
    goal = objective if isinstance(objective, Objective) else Objective.plain(objective, unit)
    weights = weights or {"jobs": 0.5, "exports": 0.5}
    opt = optimum(lp, goal.name, weights, ties=True, first=first)
    free = price_of_targets(lp, opt)
    t_tables = time.perf_counter()
    x, ranges = opt.x, opt.ranges or {}
    activity = lp.matrix @ x
    return Solution(
        status="optimal",
        goal=goal,
        objective_value=opt.objective,
        columns=_column_table(lp, x, opt.col_dual, opt.cost).assign(**ranges["columns"]),
        rows=_row_table(lp, activity, opt.row_dual).assign(**ranges["rows"]),
        totals={name: float(c @ x) for name, c in lp.costs.items() if name != "shortfall"}
        | ({} if opt.least_shortfall is None else {"weighted_shortfall": opt.least_shortfall})
        | ({} if free is None else {"objective_without_targets": free}),
        solver={
            "name": "HiGHS",
            "version": highs_version(),
            "simplex_iterations": opt.iterations,
            "rows": len(lp.row_names),
            "columns": len(lp.col_names),
            "nonzeros": int(lp.matrix.nnz),
            "ties": opt.ties,
            "tie_classes": opt.tie_classes,
        }
        | ({} if numerics is None else {"numerics_warnings": numerics}),
        timings=opt.timings | {"tables": time.perf_counter() - t_tables},
        weights=weights if goal.name == "weighted" else {},
        view=LPView.of(lp, _costs_with(lp, goal.name, weights)),
    )


def _costs_with(lp: CompiledLP, objective: str, weights: dict[str, float]) -> dict[str, Any]:
    """The LP's cost vectors, and the solved objective's if it is not one of them (weighted:
    normalised by each objective's best from the solved basis, as model.lp is written)."""
    if objective in lp.costs:
        return lp.costs
    return {**lp.costs, objective: objective_costs(lp, objective, weights)}


def plan_solution(
    lp: CompiledLP,
    x: np.ndarray,
    cost: np.ndarray,
    objective: str | Objective,
    unit: str = "",
    words: str = "",
) -> Solution:
    """A plan that is not an optimum of `cost` (a near-optimal alternative) as a `Solution`:
    its values, activities and totals. No dual belongs to it, so its shadow prices, reduced
    costs and ranges are missing (written as empty cells), never made up. `objective` is an
    `Objective`, or a name with its `unit` and `words`."""
    goal = objective if isinstance(objective, Objective) else Objective(objective, unit, words)
    n, m = len(lp.col_names), len(lp.row_names)
    none_n, none_m = np.full(n, np.nan), np.full(m, np.nan)
    columns = _column_table(lp, x, none_n, cost)
    rows = _row_table(lp, lp.matrix @ x, none_m)
    return Solution(
        status="near-optimal",
        goal=goal,
        objective_value=float(cost @ x),
        columns=columns.assign(allowable_increase=none_n, allowable_decrease=none_n),
        rows=rows.assign(
            allowable_increase=none_m, allowable_decrease=none_m, basic=np.zeros(m, dtype=bool)
        ),
        totals={name: float(c @ x) for name, c in lp.costs.items() if name != "shortfall"},
        solver={
            "name": "HiGHS",
            "version": highs_version(),
            "rows": m,
            "columns": n,
            "nonzeros": int(lp.matrix.nnz),
        },
        view=LPView.of(lp),
    )


def _labels(
    families: list[str], indices: list[tuple[Any, ...]], dims: dict[str, Any]
) -> pd.DataFrame:
    """One column per label name (program, pool, phase, year, ...), empty where not applicable."""
    names = sorted({d for f in set(families) for d in dims[f].dims}, key=list(LABEL_ORDER).index)
    data = {n: np.full(len(families), None, dtype=object) for n in names}
    start = 0
    for fam, block in groupby(families):  # a family's entries are contiguous
        end = start + len(list(block))
        fam_dims = dims[fam].dims
        if fam_dims:
            for n, values in zip(fam_dims, zip(*indices[start:end], strict=True), strict=True):
                data[n][start:end] = values
        start = end
    frame = pd.DataFrame(data, dtype=object)
    if "year" in frame:
        frame["year"] = pd.array(frame["year"].tolist(), dtype="Int64")
    return frame


def _column_table(lp: CompiledLP, x: np.ndarray, rc: np.ndarray, cost: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"variable": lp.col_names, "family": lp.col_family})
    frame = pd.concat([frame, _labels(lp.col_family, lp.col_index, VARIABLES)], axis=1)
    frame["value"] = _clean(x)
    frame["reduced_cost"] = _clean(rc)
    frame["objective_coefficient"] = cost
    frame["lower"] = lp.col_lower
    frame["upper"] = np.where(lp.col_upper >= INF, np.inf, lp.col_upper)
    return frame


def _row_table(lp: CompiledLP, activity: np.ndarray, dual: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"constraint": lp.row_names, "family": lp.row_family})
    frame = pd.concat([frame, _labels(lp.row_family, lp.row_index, FAMILIES)], axis=1)
    frame["body"] = _clean(activity)
    frame["lower"] = np.where(lp.row_lower <= -INF, -np.inf, lp.row_lower)
    frame["upper"] = np.where(lp.row_upper >= INF, np.inf, lp.row_upper)
    frame["shadow_price"] = _clean(dual)
    return frame


def _clean(values: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Zero out solver noise so tables show 0, not 1e-13 or -0."""
    out = np.asarray(values, dtype=float).copy()
    out[np.abs(out) < tol] = 0.0
    return out + 0.0
