"""The optimum as a plain `Solution`: `solve_lp`, and its column and row tables (values,
reduced costs, bounds, shadow prices, ranges), totals and solver facts.

Duals are HiGHS's own: d(objective)/d(right-hand side), the sign convention of Excel Solver's
"Shadow Price".

Solver noise is snapped here, once (`snap`, `snap_plan`), so every table, file, workbook cell,
report and terminal line built from a `Solution` shows the same number: 3,000, not 2,999.999824.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.exactsum import exact_dot
from allocator.model.families import FAMILIES, LABEL_ORDER, VARIABLES
from allocator.model.solution import LPView, Objective, Solution
from allocator.solver.compile import INF, CompiledLP
from allocator.solver.highs import highs_version
from allocator.solver.overlap import Overlap, imports_after, take, worth
from allocator.solver.passes import objective_costs, optimum, price_of_targets
from allocator.solver.restrict import entries


def solve_lp(
    lp: CompiledLP,
    objective: str | Objective,
    weights: dict[str, float] | None = None,
    unit: str | None = None,
    first: str | None = None,
    numerics: list[str] | None = None,
    keep_solver: bool = True,
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
    before the efficiency passes (`optimum`'s; the least change of a re-plan). With
    `keep_solver` False the caller reads nothing of `lp.highs` afterwards, so the plan's HiGHS
    instance may be let go before the face's LPs (`optimum`'s `release`; less peak memory).
    """
    goal = objective if isinstance(objective, Objective) else Objective.plain(objective, unit)
    weights = weights or {"jobs": 0.5, "exports": 0.5}
    during = _overlap(lp)
    release = not keep_solver and goal.name in lp.costs  # a weighted goal re-reads its costs
    opt = optimum(lp, goal.name, weights, ties=True, first=first, during=during, release=release)
    free = opt.free if release else price_of_targets(lp, opt)
    t_tables = time.perf_counter()
    ranges = opt.ranges or {}
    x, activity = snap_plan(lp, opt.x)
    columns = take(during, "columns", lambda: _column_head(lp))
    rows = take(during, "rows", lambda: _row_head(lp))
    return Solution(
        status="optimal",
        goal=goal.weighing(opt.cost),
        objective_value=opt.objective,
        columns=_column_table(lp, x, opt.col_dual, opt.cost, columns).assign(**ranges["columns"]),
        rows=_row_table(lp, activity, opt.row_dual, rows).assign(**ranges["rows"]),
        totals=_totals(lp, x)
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


def _totals(lp: CompiledLP, x: np.ndarray) -> dict[str, float]:
    """Each cost vector of `lp` but the shortfall's at the plan `x` (`exact_dot`)."""
    return {name: exact_dot(c, x) for name, c in lp.costs.items() if name != "shortfall"}


def _overlap(lp: CompiledLP) -> Overlap | None:
    """What the main pass's solve of `lp` can overlap (`solver/overlap.py`): the imports after
    it, then, once the tie rule is done, the tables' label columns (not alive through the tie
    rule's LPs, the peak memory); None where the rule says it does not pay."""
    if not worth(lp):
        return None
    jobs = {"columns": lambda: _column_head(lp), "rows": lambda: _row_head(lp)}
    return Overlap(jobs, imports_after(), later=tuple(jobs))


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
    goal = goal.weighing(cost)
    n, m = len(lp.col_names), len(lp.row_names)
    none_n, none_m = np.full(n, np.nan), np.full(m, np.nan)
    x, activity = snap_plan(lp, x)
    columns = _column_table(lp, x, none_n, cost)
    rows = _row_table(lp, activity, none_m)
    return Solution(
        status="near-optimal",
        goal=goal,
        objective_value=exact_dot(cost, x),
        columns=columns.assign(allowable_increase=none_n, allowable_decrease=none_n),
        rows=rows.assign(
            allowable_increase=none_m, allowable_decrease=none_m, basic=np.zeros(m, dtype=bool)
        ),
        totals=_totals(lp, x),
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
    families: list[str], indices: list[tuple[Any, ...]], dims: Mapping[str, Any]
) -> pd.DataFrame:
    """One column per label name (program, pool, phase, year, ...), empty where not applicable.
    A family's entries are contiguous: each label of a block is read at once, and the years,
    where they are integers, go into the Int64 column as an array, not as a list of objects."""
    names = sorted({d for f in set(families) for d in dims[f].dims}, key=list(LABEL_ORDER).index)
    data = {n: np.full(len(families), None, dtype=object) for n in names}
    years = _Years(len(families))
    start = 0
    for fam, block in groupby(families):
        end = start + len(list(block))
        rows = indices[start:end]
        for k, n in enumerate(dims[fam].dims):
            values = list(map(itemgetter(k), rows))
            data[n][start:end] = values
            if n == "year":
                years.put(start, values)
        start = end
    frame = pd.DataFrame(data, dtype=object, copy=False)
    if "year" in frame:
        frame["year"] = years.array(data["year"])
    return frame


class _Years:
    """The year column as Int64: from the blocks' integer years at once, else (a year that is
    not a plain integer) from every value, as pandas reads a list."""

    def __init__(self, size: int) -> None:
        self.values = np.zeros(size, dtype=np.int64)
        self.known = np.zeros(size, dtype=bool)
        self.plain = True

    def put(self, start: int, values: list[Any]) -> None:
        """A block's years, from `start` on."""
        if self.plain:
            found = np.array(values)
            self.plain = found.dtype.kind == "i" and found.ndim == 1
            if self.plain:
                self.values[start : start + len(values)] = found
                self.known[start : start + len(values)] = True

    def array(self, every: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """The Int64 column (`every`: each entry's year or None)."""
        if self.plain:
            return pd.arrays.IntegerArray(self.values, ~self.known)
        ints: pd.api.extensions.ExtensionArray = pd.array(every.tolist(), dtype="Int64")
        return ints


def _column_head(lp: CompiledLP) -> pd.DataFrame:
    """The column table's first columns: each variable's name, family and labels (what the
    solution does not change)."""
    frame = pd.DataFrame({"variable": lp.col_names, "family": lp.col_family})
    return pd.concat([frame, _labels(lp.col_family, lp.col_index, VARIABLES)], axis=1)


def _row_head(lp: CompiledLP) -> pd.DataFrame:
    """The row table's first columns: each constraint's name, family and labels."""
    frame = pd.DataFrame({"constraint": lp.row_names, "family": lp.row_family})
    return pd.concat([frame, _labels(lp.row_family, lp.row_index, FAMILIES)], axis=1)


def _column_table(
    lp: CompiledLP,
    x: np.ndarray,
    rc: np.ndarray,
    cost: np.ndarray,
    head: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The column table; `head` is `_column_head(lp)` if already made (it is filled in)."""
    frame = _column_head(lp) if head is None or len(head) != len(lp.col_names) else head
    frame["value"] = x
    frame["reduced_cost"] = snap(rc, digits=None)
    frame["objective_coefficient"] = cost
    frame["lower"] = lp.col_lower
    frame["upper"] = np.where(lp.col_upper >= INF, np.inf, lp.col_upper)
    return frame


def _row_table(
    lp: CompiledLP, activity: np.ndarray, dual: np.ndarray, head: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The row table; `head` is `_row_head(lp)` if already made (it is filled in)."""
    frame = _row_head(lp) if head is None or len(head) != len(lp.row_names) else head
    frame["body"] = activity
    frame["lower"] = np.where(lp.row_lower <= -INF, -np.inf, lp.row_lower)
    frame["upper"] = np.where(lp.row_upper >= INF, np.inf, lp.row_upper)
    frame["shadow_price"] = snap(dual, digits=None)
    return frame


NOISE = 1e-6
"""Solver noise: a value this close to a reference, relative to the reference, is shown as it."""
NOISE_FLOOR = 1e-9
"""The closeness that counts as noise near 0, absolute (1e-9 US$ million: a tenth of a cent)."""
ROUND_DIGITS = 4
"""A round number has at most this many significant digits (3,000; 15,900; 0.06). Four leave a
factor of at least 100 between the noise (1e-6) and a round number's last digit (1e-4 of it or
more), so a value the data make (1,600 / 3 = 533.333...) is never taken for noise."""


def snap(
    values: np.ndarray,
    references: Sequence[np.ndarray] = (),
    digits: int | None = ROUND_DIGITS,
    size: np.ndarray | None = None,
) -> np.ndarray:
    """`values` with solver noise snapped: a value within `NOISE` of a reference, relative to the
    reference (or to `size`, if larger), or within `NOISE_FLOOR` of it, becomes that reference;
    every other value stays as it is. The one rule of every output.

    The references, first match wins: 0; each array of `references` in turn (one entry per
    value, NaN or infinite where there is none: the bounds a value may sit at); with `digits`,
    the nearest number of at most `digits` significant digits. `size` is, per value, how large
    the numbers are that it was computed from (a row's activity is a sum of terms: its noise is
    relative to them, not to their difference).
    """
    out = np.asarray(values, dtype=float).copy()
    scale = np.zeros(out.shape) if size is None else np.abs(np.asarray(size, dtype=float))
    todo = np.isfinite(out)
    for ref in (np.zeros_like(out), *references, _round_to(out, digits)):
        ref = np.broadcast_to(np.asarray(ref, dtype=float), out.shape)
        with np.errstate(invalid="ignore"):  # NaN or infinite: no reference, never near
            tol = np.maximum(NOISE * np.maximum(np.abs(ref), scale), NOISE_FLOOR)
            near = todo & np.isfinite(ref) & (np.abs(out - ref) <= tol)
        out[near] = ref[near]
        todo &= ~near
    return out + 0.0  # no -0


def _round_to(values: np.ndarray, digits: int | None) -> np.ndarray:
    """Each value at `digits` significant digits (NaN without `digits`), as the nearest double to
    the decimal number: an integer divided or multiplied by an exact power of ten."""
    if digits is None:
        return np.full(values.shape, np.nan)
    size = np.abs(np.where(np.isfinite(values) & (values != 0), values, 1.0))
    places = digits - 1 - np.floor(np.log10(size))
    up = places >= 0
    with np.errstate(over="ignore", invalid="ignore"):
        scale = 10.0 ** np.abs(places)
        rounded: npt.NDArray[np.float64] = np.where(
            up, np.rint(values * scale) / scale, np.rint(values / scale) * scale
        )
        return rounded


def snap_plan(lp: CompiledLP, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """HiGHS's plan `x` and its row activities with solver noise snapped (`snap`).

    A column snaps to its own bound, to what it is worth alone in a row it makes up alone (that
    row's bound over its coefficient: a cap it sits at), or to a round number; a row's activity,
    recomputed from the snapped columns, to its bound or a round number, the noise measured
    against the size of its terms (a link row's 0 is 17,000 less 17,000). A column's snap that
    would leave a row further outside its bounds than HiGHS's own plan is undone, so the written
    tables satisfy every row at least as well as the solver's plan.
    """
    x = np.asarray(x, dtype=float)
    a = lp.matrix
    given = a @ x  # each product once: at 1e6 nonzeros ~12 ms apiece
    bounds = [_finite(lp.col_lower), _finite(lp.col_upper), _alone(lp, x, given)]
    snapped = snap(x, bounds)
    before = _outside(lp, given)
    while True:
        activity = a @ snapped
        worse = _outside(lp, activity) > before + NOISE_FLOOR * _scale(lp)
        moved = snapped != x
        undo = moved & _in_rows(lp, worse)
        if not undo.any():
            break
        snapped[undo] = x[undo]
    terms = np.bincount(a.indices, np.abs(a.data * snapped[a.col_of_entry]), a.shape[0])
    bounds = [_finite(lp.row_lower), _finite(lp.row_upper)]
    return snapped, snap(activity, bounds, size=terms)


def _finite(bound: np.ndarray) -> np.ndarray:
    """A bound, NaN where there is none (HiGHS's infinity)."""
    bound = np.asarray(bound, dtype=float)
    return np.where(np.abs(bound) >= INF, np.nan, bound)


def _alone(lp: CompiledLP, x: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """Per column, the value at which it alone would meet a row it makes up alone (the rest of
    the row within noise of 0): of those rows' bounds over its coefficient, the nearest to its
    value; NaN if none. `activity` is the rows' `lp.matrix @ x`."""
    a = lp.matrix
    live, _ = entries(a.indptr, np.flatnonzero(x))  # a term is 0 where its column is: skipped
    cols, rows = a.col_of_entry[live], a.indices[live]
    term = a.data[live] * x[cols]
    rest = activity[rows] - term
    alone = (term != 0) & (np.abs(rest) <= np.maximum(NOISE * np.abs(term), NOISE_FLOOR))
    k = np.flatnonzero(alone)
    cols, rows, data = cols[k], rows[k], a.data[live[k]]
    col = np.concatenate([cols, cols])
    value = np.concatenate([_finite(side)[rows] / data for side in (lp.row_lower, lp.row_upper)])
    gap = np.abs(value - x[col])
    keep = np.isfinite(gap)
    col, value, gap = col[keep], value[keep], gap[keep]
    first = np.lexsort((gap, col))  # by column, the nearest first
    col, value = col[first], value[first]
    head = np.concatenate([[True], col[1:] != col[:-1]]) if col.size else col.astype(bool)
    best = np.full(len(x), np.nan)
    best[col[head]] = value[head]
    return best


def _outside(lp: CompiledLP, activity: np.ndarray) -> np.ndarray:
    """How far each row's activity is outside its bounds (0 inside)."""
    low, up = _finite(lp.row_lower), _finite(lp.row_upper)
    over = np.nan_to_num(activity - up, nan=0.0)
    under = np.nan_to_num(low - activity, nan=0.0)
    outside: npt.NDArray[np.float64] = np.maximum(0.0, np.maximum(over, under))
    return outside


def _scale(lp: CompiledLP) -> np.ndarray:
    """Each row's size for a tolerance: its largest finite bound, at least 1."""
    low, up = np.nan_to_num(_finite(lp.row_lower)), np.nan_to_num(_finite(lp.row_upper))
    scale: npt.NDArray[np.float64] = np.maximum(1.0, np.maximum(np.abs(low), np.abs(up)))
    return scale


def _in_rows(lp: CompiledLP, rows: np.ndarray) -> np.ndarray:
    """Per column: whether it has an entry in any of `rows` (a boolean per row). No row (the
    last round of `snap_plan`, usually its only one) is no column, without a pass over every
    entry (~13 ms CPU at 1e6 nonzeros)."""
    a = lp.matrix
    if not rows.any():
        return np.zeros(a.shape[1], dtype=bool)
    return np.bincount(a.col_of_entry, weights=rows[a.indices], minlength=a.shape[1]) > 0
