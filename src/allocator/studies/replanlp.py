"""The rows (and columns) a re-plan adds to the solve's model (`studies.replan` says what each
means); only a re-plan builds them, on `model.build.build_model`'s records before compiling.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

from allocator.model.linear import Blocks, LinearModel, Row

if TYPE_CHECKING:
    from allocator.model.build import Sets
    from allocator.studies.replan import Churn

Key = tuple[str, str, str]
YearKey = tuple[str, str, int]


def add_replan_rows(
    model: LinearModel,
    sets: Sets,
    spent: dict[YearKey, float],
    approved: dict[tuple[str, str, int], float],
    as_of: int,
    churn: Churn | None,
    least_change: bool,
) -> None:
    """Actuals fixed year by year up to `as_of` (`spent` by program, pool and year: money
    spent in 2026 stays in 2026, which lags, milestones and job-years see); with `churn`, each
    program's later money near the approved plan's; with `least_change`, the money moved and the
    objective that minimises it."""
    col = model.of["invest"]
    after = _after(sets, col, as_of)
    rows: dict[YearKey, Row] = {}
    for key in sorted(k for k in sets.invest if k[2] <= as_of):
        v = spent.get(key, 0.0)
        rows[key] = (v, [(1.0, [col[key]])], v)
    model.add_rows("replan_spent", rows)
    later = _later_approved(sets, approved, as_of)
    if churn is not None:
        model.add_rows("replan_change", _churn_rows(after, later, churn))
    if least_change:
        _add_least_change(model, after, later)


def _after(sets: Sets, col: dict[YearKey, int], as_of: int) -> dict[Key, list[int]]:
    """Invest columns after `as_of` by (program, pool, phase)."""
    after: dict[Key, list[int]] = defaultdict(list)
    for p, s, t in sets.invest:
        if t > as_of:
            after[(p, s, sets.phase_of[t])].append(col[(p, s, t)])
    return after


def _later_approved(
    sets: Sets, approved: dict[tuple[str, str, int], float], as_of: int
) -> dict[Key, float]:
    parts: dict[Key, list[float]] = defaultdict(list)
    for (p, s, t), v in approved.items():
        if t > as_of and t in sets.phase_of:
            parts[(p, s, sets.phase_of[t])].append(v)
    return {k: math.fsum(v) for k, v in parts.items()}


def _churn_rows(
    after: dict[Key, list[int]], later: dict[Key, float], churn: Churn
) -> dict[tuple[str], Row]:
    """One row per program: its money after the as-of year within the limit of the approved."""
    cols: dict[str, list[int]] = defaultdict(list)
    money: dict[str, list[float]] = defaultdict(list)
    for (p, _s, _f), js in after.items():
        cols[p] += js
    for (p, _s, _f), v in later.items():
        money[p].append(v)
    rows: dict[tuple[str], Row] = {}
    for p in sorted(cols):
        a = math.fsum(sorted(money.get(p, [])))
        lim = churn.limit(a)
        rows[(p,)] = (max(0.0, a - lim), [(1.0, sorted(cols[p]))], a + lim)
    return rows


def _add_least_change(
    model: LinearModel, after: dict[Key, list[int]], later: dict[Key, float]
) -> None:
    """move[k] >= |money of k - approved k| for every later (program, pool, phase) k, and the
    objective `least_change` = -sum of move."""
    from allocator.studies.replan import LEAST_CHANGE

    keys = sorted(set(after) | {k for k in later if k in after})
    move = model.add_columns("replan_move", keys, (0.0, None))
    above: dict[Key, Row] = {}
    below: dict[Key, Row] = {}
    for k in keys:
        a = later.get(k, 0.0)
        body: Blocks = [(1.0, [move[k]]), (-1.0, after[k])]
        above[k] = (-a, body, None)
        below[k] = (a, [(1.0, [move[k]]), (1.0, after[k])], None)
    model.add_rows("replan_above", above)
    model.add_rows("replan_below", below)
    model.add_objective(LEAST_CHANGE, [(-1.0, [move[k] for k in keys])])
