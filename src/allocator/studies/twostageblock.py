"""Which moves of a two-stage plan's commitments no plan allows, told without a solve: the
commitment's own bounds, or a row whose least (most) activity over its columns' bounds, every
commitment held where the plan puts it, already sits at its upper (lower) bound, so that moving
the commitment by `marginal.SMALLEST` breaks it by at least half that (a phase budget of 0,
a program's cap that the held commitments fill). The probes of `marginal` would find exactly
this: no plan at the least move, so none at any larger one (the moves a plan allows are an
interval around 0), the side's rate -inf and one whole US$ million infeasible; and a scenario
whose own rows are so broken has no plan alone either. Telling it by arithmetic spares those
re-solves of the deterministic equivalent and of each scenario alone (issue 30).

Under soft targets a side that no plan allows with today's least expected shortfall held may
still have a plan with a larger one, as `allocator solve` finds it on the moved data: its rate
is then that of both passes (`lexicographic_side`), and no plan only where none exists at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from allocator.solver.compile import INF, CompiledLP, set_costs
from allocator.solver.marginal import SMALLEST, Base, SideRate, restored, side_rate
from allocator.solver.status import Status, status_of
from allocator.studies.twostageplan import Extensive

MARGIN = 1e-6
"""The least break (units of the row) told as no plan: ten times HiGHS's feasibility
tolerance; a smaller one is left to the re-solves."""


@dataclass(frozen=True)
class Blocked:
    """Per side (+1 one more, -1 one less): per scenario and commitment, whether that
    scenario's own rows and columns allow no plan with the least move (scenarios x
    commitments), and per commitment, whether the shared part does (the shared column's
    bounds, the non-anticipativity and coupling rows)."""

    scenario: dict[int, np.ndarray]
    shared: dict[int, np.ndarray]
    limit: dict[int, np.ndarray]
    """Per side and commitment, a move past which no plan exists (inf: none known): the least,
    over the rows and bounds above, of how far the commitment moves before the row's least
    (most) activity passes its bound (a program's cap that the held commitments fill)."""

    def side(self, k: int, sign: int) -> bool:
        """Whether no plan on the deterministic equivalent has commitment k moved along
        `sign` by the least move."""
        return bool(self.shared[sign][k] or self.scenario[sign][:, k].any())

    def open_up(self, k: int) -> np.ndarray:
        """Per scenario, whether one more of commitment k may have a plan alone (to solve)."""
        return np.asarray(~self.scenario[+1][:, k], dtype=bool)


def blocked_moves(ext: Extensive, committed: np.ndarray) -> Blocked:
    """`Blocked` for the equivalent `ext` (its HiGHS instance's first rows and columns are
    `ext.lp`'s) with every commitment held at `committed`."""
    lp, h = ext.lp, ext.lp.highs
    s_count, n, k_all = ext.scenarios, ext.cols, len(committed)
    a = sparse.csc_matrix((lp.matrix.data, lp.matrix.indices, lp.matrix.indptr), lp.matrix.shape)
    rows, cols = a.shape
    held_rows = h.getRows(rows, np.arange(rows, dtype=np.int32))
    row_lo = np.array(held_rows[2][:rows], dtype=float)
    row_up = np.array(held_rows[3][:rows], dtype=float)
    held_cols = h.getCols(cols, np.arange(cols, dtype=np.int32))
    col_lo = np.array(held_cols[3][:cols], dtype=float)
    col_up = np.array(held_cols[4][:cols], dtype=float)
    own_rows = s_count * ext.rows
    xs = np.arange(s_count)[:, None] * n + ext.now[None, :]  # scenarios x commitments
    zs = s_count * n + np.arange(k_all)
    c = np.asarray(committed, dtype=float)
    lo, up = col_lo.copy(), col_up.copy()
    lo[xs], up[xs], lo[zs], up[zs] = c, c, c, c
    with np.errstate(invalid="ignore"):
        pos, neg = a.maximum(0), a.minimum(0)
        least, most = pos @ lo + neg @ up, pos @ up + neg @ lo
    scenario, shared, limit = {}, {}, {}
    for sign in (+1, -1):
        own = _beyond(col_lo[xs], col_up[xs], c[None, :], sign)
        bounds = (least, most, row_lo, row_up)
        rows_break, rows_room = _rows_break(a, xs, own_rows, bounds, sign)
        scenario[sign] = own | rows_break
        tail_break, tail_room = _shared_break(a, xs, zs, own_rows, bounds, sign)
        shared[sign] = _beyond(col_lo[zs], col_up[zs], c, sign) | tail_break
        rooms = [_room(col_lo[zs], col_up[zs], c, sign), tail_room]
        rooms += [_room(col_lo[xs], col_up[xs], c[None, :], sign).min(axis=0), rows_room]
        limit[sign] = np.minimum.reduce(rooms)
    return Blocked(scenario, shared, limit)


def _room(lower: np.ndarray, upper: np.ndarray, at: np.ndarray, sign: int) -> np.ndarray:
    """How far a column at `at` moves along `sign` within its own bounds."""
    return np.asarray(np.maximum(upper - at if sign > 0 else at - lower, 0.0), dtype=float)


def _beyond(lower: np.ndarray, upper: np.ndarray, at: np.ndarray, sign: int) -> np.ndarray:
    """Whether a column at `at` moved by the least move along `sign` leaves its own bounds by
    at least half that move."""
    room = upper - at if sign > 0 else at - lower
    return np.asarray(room <= SMALLEST / 2, dtype=bool)


def _breaks(
    coef: np.ndarray,
    least: np.ndarray,
    most: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    sign: int,
) -> np.ndarray:
    """Per entry (a row's coefficient `coef` of the columns moved, its least and most activity
    and bounds), whether the least move along `sign` breaks the row by at least half of what
    it moves it, and by `MARGIN`."""
    step = sign * coef * SMALLEST  # what the least move adds to the row's activity
    need = np.maximum(np.abs(step) / 2, MARGIN)
    with np.errstate(invalid="ignore"):
        over = (step > 0) & (least + step - upper >= need)
        under = (step < 0) & (lower - (most + step) >= need)
    return np.asarray(over | under, dtype=bool)


def _rooms(
    coef: np.ndarray,
    least: np.ndarray,
    most: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    sign: int,
) -> float:
    """How far the columns moved (a row's coefficient `coef` of them, its least and most
    activity and bounds, per entry) go along `sign` before some row's least activity passes
    its upper bound or its most its lower bound (inf: never)."""
    rate = sign * coef
    with np.errstate(invalid="ignore", divide="ignore"):
        room = np.where(rate > 0, (upper - least) / rate, (most - lower) / -rate)
    room = room[np.isfinite(room) & (rate != 0)]
    return float(max(room.min(), 0.0)) if room.size else np.inf


_Bounds = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Per row of the equivalent: the least and most activity its columns allow, its bounds."""


def _verdict(coef: np.ndarray, rows: np.ndarray, bounds: _Bounds, sign: int) -> tuple[bool, float]:
    """For a column moving side `sign` with `coef` in `rows`: whether one of them breaks at
    once (`_breaks`), and how far it moves before one does (`_rooms`)."""
    least, most, lower, upper = (b[rows] for b in bounds)
    given = (coef, least, most, lower, upper, sign)
    return bool(_breaks(*given).any()), _rooms(*given)


def _rows_break(
    a: sparse.csc_matrix,
    xs: np.ndarray,
    own_rows: int,
    bounds: _Bounds,
    sign: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per scenario and commitment, whether a row of the scenario's own block breaks; and per
    commitment, how far it moves before one does in some scenario (`_rooms`)."""
    out = np.zeros(xs.shape, dtype=bool)
    room = np.full(xs.shape[1], np.inf)
    for (s, k), j in np.ndenumerate(xs):
        start, end = a.indptr[j], a.indptr[j + 1]
        r, coef = a.indices[start:end], a.data[start:end]
        keep = r < own_rows
        r, coef = r[keep], coef[keep]
        breaks, reach = _verdict(coef, r, bounds, sign)
        out[s, k] = breaks
        room[k] = min(room[k], reach)
    return out, room


def _shared_break(
    a: sparse.csc_matrix,
    xs: np.ndarray,
    zs: np.ndarray,
    own_rows: int,
    bounds: _Bounds,
    sign: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per commitment, whether a row past the scenarios' blocks (non-anticipativity, the
    expected shortfall, CVaR) breaks when every copy of the commitment moves together."""
    tail = a[own_rows:, :].tocsc()
    out = np.zeros(len(zs), dtype=bool)
    room = np.full(len(zs), np.inf)
    for k, z in enumerate(zs):
        coef = np.asarray(tail[:, np.append(xs[:, k], z)].sum(axis=1)).ravel()
        r = np.flatnonzero(coef)
        if r.size:
            out[k], room[k] = _verdict(coef[r], r + own_rows, bounds, sign)
    return out, room


def lexicographic_side(
    lp: CompiledLP, row: int, sign: int, hold: int, held_at: float, objective: str, basis: Any
) -> tuple[SideRate, float | None]:
    """Soft targets, side `sign` of the equivalent's row `row` (a commitment's), which no plan
    allows with today's least expected shortfall held (row `hold` at `held_at`): the rate of
    the problem `allocator solve` solves on the moved data, the least shortfall first, then the
    objective with it held. The shortfall pass's own rate (the hold released) gives the least
    shortfall's rise per US$ million, returned with the rate; the objective's rate is that of
    the commitment moved with the hold raised by that rise (`probes.Bundle`), holding as far as
    both do. No plan (-inf, None) only where the shortfall pass has none: no plan at all.
    `lp`'s instance is left with the hold, the `objective`'s costs and the plan's `basis` back."""
    h = lp.highs
    none = SideRate(-np.inf if sign > 0 else np.inf, np.inf, False, False)
    start = lp.hold_initial if lp.hold_initial is not None else INF
    try:
        h.changeRowBounds(hold, -INF, start)
        set_costs(lp, lp.costs["shortfall"])
        h.run()
        if status_of(h) is not Status.OPTIMAL:
            return none, None
        first = side_rate(h, row, sign, Base.of(h), {})
        if np.isinf(first.rate):
            return none, None  # no plan even with the least shortfall found again
        rise = max(0.0, -sign * first.rate)  # the least shortfall's rise per unit moved
        h.changeRowBounds(hold, -INF, held_at)
        set_costs(lp, lp.costs[objective])
        restored(h, basis)
        together = (np.array([hold]), np.array([sign * rise]))
        then = side_rate(h, row, sign, Base.of(h), {}, together=together)
        if np.isinf(then.rate):
            return none, None
        if first.holds < then.holds:
            return SideRate(then.rate, first.holds, False, first.at_least), rise
        return then, rise
    finally:
        h.changeRowBounds(hold, -INF, held_at)
        set_costs(lp, lp.costs[objective])
        restored(h, basis)
