"""The rows (and columns) a re-plan adds to the solve's model (`studies.replan` says what each
means); only a re-plan builds them, on `model.build.build_model`'s records before compiling.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from allocator.model.linear import Blocks, LinearModel, Row

if TYPE_CHECKING:
    from collections.abc import Iterable

    from allocator.model.build import Sets
    from allocator.model.measures import Measure
    from allocator.studies.replan import Approved, Churn

Key = tuple[str, ...]
"""(program, pool, phase) of investment, (risk, phase) of mitigation."""
YearKey = tuple[str, str, int]
RiskYear = tuple[str, int]


def replan_model(
    inp: Any,
    targets: str,
    measure: Measure,
    spent: dict[YearKey, float],
    approved: Approved,
    how: tuple[int, Churn | None, bool],
) -> LinearModel:
    """The solve's model of `inp` (`build_model`, at `targets` and `measure`) with the
    re-plan's rows (`add_replan_rows`); `how`: the --as-of year, the churn limit (None: none)
    and whether the least change is asked for."""
    from allocator.model.build import build_model

    as_of, churn, least_change = how
    model, sets = build_model(inp, targets, None, measure)
    add_replan_rows(
        model, sets, spent, approved.money, as_of, churn, least_change, approved.mitigation
    )
    return model


def add_replan_rows(
    model: LinearModel,
    sets: Sets,
    spent: dict[YearKey, float],
    approved: dict[tuple[str, str, int], float],
    as_of: int,
    churn: Churn | None,
    least_change: bool,
    mitigation: dict[RiskYear, float] | None = None,
) -> None:
    """Actuals fixed year by year up to `as_of` (`spent` by program, pool and year: money
    spent in 2026 stays in 2026, which lags, milestones and job-years see), and the risk
    mitigation of those years fixed to the approved plan's (`mitigation` by risk and year: the
    actuals say what was invested, the approved run what was spent on mitigation); with `churn`,
    each program's later money near the approved plan's; with `least_change`, the money moved
    (investment and mitigation) and the objective that minimises it."""
    col, mcol, mitigated = model.of["invest"], model.of["mitigate"], mitigation or {}
    model.add_rows("replan_spent", _fixed_rows(sets.invest, col, spent, as_of))
    model.add_rows("replan_mitigation", _fixed_rows(sets.mitigate, mcol, mitigated, as_of))
    after = _after(sets, col, as_of)
    later = _later(sets, approved, as_of)
    if churn is not None:
        model.add_rows("replan_change", _churn_rows(after, later, churn))
    if least_change:
        moves = _moves(model, "replan", after, later)
        m_after, m_later = _after(sets, mcol, as_of), _later(sets, mitigated, as_of)
        moves += _moves(model, "replan_mitigation", m_after, m_later)
        _least_change_objective(model, moves)


def _fixed_rows(
    keys: Iterable[tuple[Any, ...]], col: dict[Any, int], values: dict[Any, float], as_of: int
) -> dict[Any, Row]:
    """One row a column of `keys` (labels ending in the year) up to `as_of`, fixing it at its
    value in `values` (0 where none is given), in the order of the keys."""
    rows: dict[Any, Row] = {}
    for key in sorted(k for k in keys if k[-1] <= as_of):
        v = values.get(key, 0.0)
        rows[key] = (v, [(1.0, [col[key]])], v)
    return rows


def _after(sets: Sets, col: dict[Any, int], as_of: int) -> dict[Key, list[int]]:
    """Columns `col` (keyed by labels ending in the year) after `as_of` by their labels with the
    phase for the year: (program, pool, phase) of invest, (risk, phase) of mitigate."""
    after: dict[Key, list[int]] = defaultdict(list)
    for key, j in col.items():
        if key[-1] > as_of:
            after[(*key[:-1], sets.phase_of[key[-1]])].append(j)
    return after


def _later(sets: Sets, approved: dict[Any, float], as_of: int) -> dict[Key, float]:
    """The approved money after `as_of` by its labels with the phase for the year."""
    parts: dict[Key, list[float]] = defaultdict(list)
    for key, v in approved.items():
        t = key[-1]
        if t > as_of and t in sets.phase_of:
            parts[(*key[:-1], sets.phase_of[t])].append(v)
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


def _moves(
    model: LinearModel, prefix: str, after: dict[Key, list[int]], later: dict[Key, float]
) -> list[int]:
    """Columns `{prefix}_move[k]` >= |money of k - approved k| for every later k (rows
    `{prefix}_above`, `{prefix}_below`); returns the move columns."""
    keys = sorted(after)
    move = model.add_columns(f"{prefix}_move", keys, (0.0, None))
    above: dict[Key, Row] = {}
    below: dict[Key, Row] = {}
    for k in keys:
        a = later.get(k, 0.0)
        body: Blocks = [(1.0, [move[k]]), (-1.0, after[k])]
        above[k] = (-a, body, None)
        below[k] = (a, [(1.0, [move[k]]), (1.0, after[k])], None)
    model.add_rows(f"{prefix}_above", above)
    model.add_rows(f"{prefix}_below", below)
    return [move[k] for k in keys]


def _least_change_objective(model: LinearModel, moves: list[int]) -> None:
    """The objective `least_change`: minus the money moved (every move column)."""
    from allocator.studies.replan import LEAST_CHANGE

    model.add_objective(LEAST_CHANGE, [(-1.0, moves)])
