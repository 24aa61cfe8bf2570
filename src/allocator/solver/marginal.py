"""One-sided marginal values of rows: what one more unit of a right-hand side buys and what one
unit less costs, exact where the optimum is degenerate, each with how far it holds.

The problem is the LP the HiGHS instance holds when the objective pass ends (the one model.mps
writes): the asked objective's costs, every row as built and, under soft targets, the weighted
shortfall held at its least (`shortfall_total`). Its optimal value v(b) is concave and piecewise
linear in a right-hand side b_i; the simplex dual of a degenerate optimum is some point between
its one-sided derivatives v'+ <= dual <= v'-, not either of them. Where Excel's allowable range of
the row is non-zero in a direction, the dual is that side's derivative over that range
(`allowable_ranges`); only the other sides are computed here, by parametric re-solves of the
row's bound on the same instance, warm from its basis, which is restored afterwards.

A re-solve at b + t gives v(t) and a dual s(t) of that optimum: a line v(t) + s(t)(u - t) that lies
above the concave v everywhere. The first linear piece of v is found by intersecting such lines
with the one the base dual gives at 0, and it ends exactly where a probe lies on both the piece's
line and the next line (Eisner and Severance's sandwich method for a parametric LP). A side that
no move keeps feasible (cutting a row the held least shortfall needs) is infinite here; the
reports say it holds for no amount, at the dual it starts at (`sideends.held_for_none`).

The re-solves of one side (`Side`) are `allocator.solver.probes`. What one whole unit more buys
and one unit less costs, and which rows get both, is `allocator.solver.units`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import highspy
import numpy as np

from allocator.solver import probes
from allocator.solver.probes import Point, Seen, Side, Together, side_of
from allocator.solver.rows import Rows

MAX_PROBES = 40
"""Re-solves per side at most: a side whose rate is not settled within them is left not
computed; one whose end is not found within them holds for at least the farthest move found on
it (`Side.short`: said "at least")."""

SMALLEST = 1e-4
"""A move this small (units of the row) that no plan allows makes the side's rate infinite. An
exact test would need an LP of the row's extreme activity, as dear as the plan's own; smaller
moves meet HiGHS's feasibility tolerance (1e-7) in rows such as the held least shortfall."""

RESOLUTION = 1e-6
"""The halving's resolution (units of the row, relative above one unit): `_piece_end` stops
halving between the farthest move found on the piece and the nearest found infeasible once
they are this close. A piece whose end (no plan feasible past it) lies within this of 0 holds
for none (`_settled_end`): the search cannot tell that end from 0 (a step of the halving,
2^-25, is no amount a rate holds for), nor can HiGHS's feasibility tolerance (1e-7)."""

_LEAST = 1.0
while _LEAST / 10 >= SMALLEST:  # the last move `_one_side` tries, to the bit
    _LEAST /= 10


@dataclass(frozen=True)
class Rates:
    """A row's one-sided rates, in the shadow price's convention (objective per unit of rhs).

    `gain_up` is v'+ (the change per unit increase: what one more unit buys), `loss_down` is v'-
    (what each unit less costs: the objective falls by `loss_down` per unit cut). Each holds for
    `*_holds_for` units of the right-hand side (inf: without limit). An infeasible side is
    -inf (up) or +inf (down), holding for every amount.
    """

    gain_up: float
    up_holds_for: float
    loss_down: float
    down_holds_for: float


def _first_piece(side: Side, p: Point) -> tuple[float, Point | None, Point | None]:
    """The slope of v's first piece on this side, the farthest probe on it, the probe beyond."""
    beyond = None
    for _ in range(MAX_PROBES):
        for slope in (p.s, side.s0):
            if side.on(p, slope):
                return slope, p, beyond
        gap = side.s0 - p.s
        t = (p.w - p.s * p.t - side.w0) / gap if gap > 0 else np.nan
        if not 0 < t < p.t:
            break
        beyond, nxt = p, side.at(t)
        if nxt is None:
            break
        p = nxt
    return np.nan, None, None


def _piece_end(side: Side, slope: float, last: Point, beyond: Point | None, reach: float) -> float:
    """Where the first piece (`slope`, known up to `last`) ends: exact when a probe lies on both
    its line and the line of the next probe; the last amount checked if none did in time (a
    lower bound: `side.short`). A piece that holds up to where no plan is feasible sets
    `side.stop`."""
    side.stop, side.short = None, False
    if beyond is None and not (last.free or side.unlimited(last, slope)):
        last, beyond, reach = _from_far(side, slope, last, reach)
    for _ in range(MAX_PROBES):
        if beyond is None:
            if last.free or side.unlimited(last, slope):
                return np.inf
            if reach - last.t <= RESOLUTION * max(1.0, last.t):  # it holds up to where no plan is
                side.stop = reach
                return last.t
            t = 2 * last.t if 2 * last.t < reach else (last.t + reach) / 2
            p = side.at(t, slope)
            if p is None:  # the row cannot move that far: look nearer
                reach = t
                continue
            last, beyond = (p, None) if side.on(p, slope) else (last, p)
            continue
        gap = slope - beyond.s
        t = (beyond.w - beyond.s * beyond.t - side.w0) / gap if gap > 0 else last.t
        if t <= last.t + 1e-12 * max(1.0, last.t):  # the lines meet at `last`: it ends there
            return last.t
        p = side.at(t, slope) if t < beyond.t else None
        if p is None:  # no end found between `last` and `beyond`: at least `last`
            side.short = True
            return last.t
        if side.on(p, slope):
            return t
        beyond = p
    side.short = True  # the re-solves ran out
    return last.t


def _from_far(
    side: Side, slope: float, last: Point, reach: float
) -> tuple[Point, Point | None, float]:
    """Where a move past which no plan exists is known (`Side.limit`), the probe there first:
    on the piece's line, the piece holds up to it and no plan past it (`reach` just past it);
    else it is the probe beyond the piece, whose line the sandwich search meets (a few
    re-solves, not a doubling from one unit and a halving to where no plan is). No plan
    there: the limit is the nearest move known infeasible, and the search goes on as before."""
    far = side.limit
    if far is None or not last.t < far < reach:
        return last, None, reach if far is None else min(reach, _past(far))
    p = side.at(far, slope)
    if p is None:
        return last, None, far
    if side.on(p, slope):
        return p, None, min(reach, _past(far))
    return last, p, min(reach, _past(far))


def _past(far: float) -> float:
    """A move just past the farthest one a plan allows (no plan there)."""
    return far + 1e-9 * max(1.0, far)


def _exact_end(side: Side, slope: float, end: float) -> float:
    """The end of a piece that holds up to where no plan is feasible (`side.stop`, found by
    halving to within 1e-6 of it: the ecosystem budget's 6,199.997 musd of 6,200) as the data
    fixes it, between `end` and the nearest move found infeasible: the first of the row's
    `breakpoints` at which a re-solve lies on the piece's line (a budget cut to 0); else the
    move at which an optimal basis on the piece stops being feasible (a variable reaching its
    bound: `basis_range`, the tranche's 59,227.08 jobs, not 59,227.0625); else `end`."""
    if side.stop is None:
        return end
    near = 1e-9 * max(1.0, end)
    for t in side.breakpoints():
        if end - near <= t <= side.stop:
            p = side.at(t, slope)
            if p is not None and side.on(p, slope):
                return t
    side.read_range()
    for q, reach in side.lines:  # a basis on the piece, its reach known (with `SHORTCUTS`)
        if end <= reach <= side.stop and side.on(q, slope):
            return reach
    p = side.solve(end)  # the instance at an optimal basis there, whichever mode
    if p is None or side.current is not p or not side.on(p, slope):
        return end
    reach = end + side.reach()
    return reach if end <= reach <= side.stop else end


def _first_probe(side: Side, cut_first: bool) -> tuple[Point | None, float]:
    """The first feasible probe of the side, at one unit or a tenth, a hundredth, ... of it, and
    the nearest move found infeasible (inf if none); (None, 0) if no plan allows the move.

    Infeasible at the least move (`_LEAST`), the side is infeasible at every larger one: tried
    after one unit, or first for a cut that likely has no plan (`cut_first`: its row binds where
    today's least shortfall is found), one unit less then known infeasible without a solve."""
    if probes.SHORTCUTS and cut_first and side.tightens and side.at(_LEAST) is None:
        side.seen[(side.key, side.sigma, 1.0)] = None
        return None, 0.0
    t, reach = 1.0, np.inf
    first = side.at(t)
    if first is None and probes.SHORTCUTS and side.at(_LEAST) is None:
        return None, 0.0
    while first is None:
        reach, t = t, t / 10
        if t < SMALLEST:
            return None, 0.0
        first = side.at(t)
    return first, reach


def _one_side(side: Side, cut_first: bool = False) -> tuple[float, float]:
    """(dw/dt from the right at 0, how far it holds) on one side; nan where not settled; a side
    no plan allows at `SMALLEST` units has the rate -inf, every amount infeasible (`cut_first`:
    see `_first_probe`). `side.stop` says whether no plan is feasible past the amount."""
    if side.blocked():
        return -np.inf, np.inf
    first, reach = _first_probe(side, cut_first)
    if first is None:
        return -np.inf, np.inf
    slope, last, beyond = _first_piece(side, first)
    if last is None:
        return np.nan, np.nan
    return slope, _settled_end(side, slope, last, beyond, reach)


def _settled_end(
    side: Side, slope: float, last: Point, beyond: Point | None, reach: float
) -> float:
    """`_piece_end` with the shortcuts' assumptions confirmed (else each probe re-solved), then
    made exact where the data fixes it (`_exact_end`); 0 where no plan is feasible past an end
    within the halving's `RESOLUTION` of 0 (the rate holds for none: the baseline's export
    markets cut under `--objective exports`, the least shortfall rising at once)."""
    side.speculate = probes.SHORTCUTS
    end = _piece_end(side, slope, last, beyond, reach)
    side.speculate = False
    if not _confirmed(side):
        end = _piece_end(side, slope, last, beyond, reach)
    if side.stop is not None and end <= RESOLUTION:
        return 0.0
    return _exact_end(side, slope, end)


def _confirmed(side: Side) -> bool:
    """Whether the moves `_piece_end` assumed infeasible are: the nearest re-solved. The moves
    a plan allows are an interval from 0, so infeasible there, every farther one is too."""
    if not side.assumed:
        return True
    nearest = min(side.assumed)
    side.assumed.clear()
    return side.at(nearest) is None


@dataclass(frozen=True)
class Base:
    """The optimum the rates are taken at: its value and its row duals."""

    objective: float
    dual: np.ndarray

    @classmethod
    def of(cls, h: highspy.Highs) -> Base:
        """The optimum `h` holds now."""
        return cls(
            h.getObjectiveValue(),
            np.array(h.getSolution().row_dual, dtype=float),
        )


class SideRate(NamedTuple):
    """One side of a row: its rate (d(objective) / d(rhs) from that side), the amount it holds
    for, whether no plan is feasible past that amount, and whether the amount is a lower bound
    (the re-solves ran out before its end; else the rate changes there, or it holds without
    limit)."""

    rate: float
    holds: float
    then_no_plan: bool = False
    at_least: bool = False
    margin: float = np.nan
    """The base dual on this side (the rate the side starts at, in `rate`'s convention): what
    a side that no move keeps feasible holds for no amount (`sideends.held_for_none`)."""
    blocked: bool = False
    """No plan has the row moved this way at all, whichever pass (`Side.blocked`: a budget of
    0 cut)."""


def side_rate(
    h: highspy.Highs,
    row: int,
    sigma: int,
    base: Base,
    seen: Seen | None = None,
    cut_first: bool = False,
    rows: Rows | None = None,
    together: Together | None = None,
    limit: float | None = None,
    solved: Callable[[Point], None] | None = None,
) -> SideRate:
    """One side of `row` at the optimum `base` of `h` (`seen`: probes solved before,
    `Side.seen`; `cut_first`: a cut likely has no plan, see `_first_probe`; `rows`: the rows
    `h` holds, read from it if None; `together`: rows the same datum moves with it, `Bundle`;
    `limit`: a move past which no plan exists, known without a solve, `Side.limit`; `solved`:
    told of each probe solved, `Side.solved`).
    The rows' bounds are put back; the basis is not (see `one_sided`)."""
    side = side_of(h, row, sigma, base.objective, base.dual, seen, rows, together)
    side.limit, side.solved = limit, solved
    return rate_of(side, cut_first)


def rate_of(side: Side, cut_first: bool = False) -> SideRate:
    """`side_rate` of a side its caller made (`sharecap.ShareSide`: a cell that moves a row's
    coefficients, not its bound); its moves are put back, the basis is not."""
    try:
        slope, holds = _one_side(side, cut_first)
    finally:
        side.restore()
    rate, margin = _clean(side.sigma * slope), _clean(side.sigma * side.s0)
    blocked = bool(np.isinf(slope)) and side.blocked()
    return SideRate(rate, holds, side.stop is not None, side.short, margin, blocked)


def _clean(rate: float) -> float:
    """A dual's noise as 0, as the tables clean it."""
    return 0.0 if abs(rate) < 1e-9 else rate


def restored(h: highspy.Highs, basis: highspy.HighsBasis) -> None:
    """Put the optimal basis back and re-solve from it (no iteration), so the instance holds
    the optimum, its duals and its basis as before the probes."""
    h.setBasis(basis)
    h.run()


def one_sided(h: highspy.Highs, row: int) -> Rates:
    """Both one-sided rates of `row` on the solved instance `h` (an optimum of a maximisation),
    re-solved whatever the basis's ranges say; `h` is left with its bounds, basis and optimum."""
    basis, base, rows = h.getBasis(), Base.of(h), Rows.of(h)
    try:
        up = side_rate(h, row, +1, base, rows=rows)
        down = side_rate(h, row, -1, base, rows=rows)
    finally:
        restored(h, basis)
    return Rates(up[0], up[1], down[0], down[1])


def side_end(
    h: highspy.Highs,
    row: int,
    sigma: int,
    base: Base,
    basis_reach: float,
    seen: Seen | None = None,
    rows: Rows | None = None,
    together: Together | None = None,
) -> tuple[float, bool, bool]:
    """Where the piece of `row`'s side `sigma` that the base dual gives ends, known to hold for
    `basis_reach` > 0 units (Excel's allowable range: the optimal basis stays feasible that far)
    and found exactly past it by the re-solves of `_piece_end`: the basis's range is where that
    basis stops, not where the rate changes (the baseline's ecosystem budget: 331 musd by the
    basis, the whole 6,200 by re-solves; 0, none, where no plan is feasible past an end within
    `RESOLUTION` of 0, as a basis range of 1.5e-12 musd). Returns the end and whether no plan is
    feasible past it, and whether the end is a lower bound (`Side.short`); `together`: rows the
    same datum moves with it (`Bundle`). The rows' bounds are put back; the basis is not."""
    side = side_of(h, row, sigma, base.objective, base.dual, seen, rows, together)
    start = Point(0.0, side.w0, side.s0, False)
    side.lines.append((start, basis_reach))
    side.feasible = basis_reach
    last = Point(basis_reach, side.w0 + side.s0 * basis_reach, side.s0, False)
    try:
        end = _settled_end(side, side.s0, last, None, np.inf)
    finally:
        side.restore()
    return end, side.stop is not None, side.short
