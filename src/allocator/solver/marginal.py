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
no move keeps feasible (cutting a row the held least shortfall needs) is infinite.

The rates are what a planner cannot check with a re-run; what one whole unit more buys and one
unit less costs is (`one_unit`): the row moved by exactly one unit and re-solved as `allocator
solve` would re-solve the moved data. Under soft targets that is both passes (`Lexicographic`):
the least shortfall found again with the move, held, and the objective solved, so a cut that the
held least shortfall forbids is a plan with a larger shortfall, not "no plan is feasible". The
reports rank rows by these whole units (the `LISTED` best, found exactly, see `_listed`).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import highspy
import numpy as np

from allocator.solver.status import Status, status_of

LISTED = 24
"""How many rows, ranked by what one unit more room buys, get both one-sided rates computed: the
reports list at most 12 (the terminal 10 lines, some of which group several placeholder budgets)."""

MAX_PROBES = 40
"""Re-solves per side at most; a side not settled within them is left not computed."""

SMALLEST = 1e-4
"""A move this small (units of the row) that no plan allows makes the side's rate infinite. An
exact test would need an LP of the row's extreme activity, as dear as the plan's own; smaller
moves meet HiGHS's feasibility tolerance (1e-7) in rows such as the held least shortfall."""

ON_LINE = 1e-9
"""A probe lies on a line when its objective differs by at most this, relative to the optimum."""

_INF = highspy.kHighsInf

HOLD_SLACK = 1e-7
"""The least shortfall's tolerance retry, relative (as `passes._hold_least_shortfall`): a hold
at the least found that the objective pass finds infeasible is loosened by this once. Changes
of the least shortfall within it are reported as 0."""


@dataclass
class Lexicographic:
    """How `allocator solve` solves soft targets, for re-solving a moved row the same way.

    The first pass maximises `shortfall` (minus the weighted shortfall) with the hold row `row`
    at `unheld`; the objective pass (`objective` costs) holds what it found on `row`. `held` is
    the bound the instance holds now: the run's least weighted shortfall. `bases` keeps each
    pass's optimal basis at today's data, so that every moved re-solve starts one bound away.
    """

    row: int
    unheld: float
    held: float
    shortfall: np.ndarray
    objective: np.ndarray
    bases: dict[str, highspy.HighsBasis] = field(default_factory=dict)
    _rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def warm(self, h: highspy.Highs, name: str) -> None:
        """Start `h` from pass `name`'s basis at today's data: the objective's, kept when the
        rates began (`keep`; without it, from where `h` is); the first pass's, solved once
        unmoved (its costs and the released hold already set) on first use."""
        if name in self.bases:
            h.setBasis(self.bases[name])
        elif name == "shortfall":
            h.run()
            if status_of(h) is Status.OPTIMAL:
                self.bases[name] = h.getBasis()

    def keeps_least(self, row: int) -> bool:
        """Whether loosening `row` leaves the least shortfall as it is: the row is basic in the
        first pass's optimal basis, which then stays feasible and optimal."""
        basis = self.bases.get("shortfall")
        if basis is None:
            return False
        if "basic" not in self._rows:
            status = basis.row_status  # each read copies it all
            self._rows["basic"] = np.array([s == highspy.HighsBasisStatus.kBasic for s in status])
        return bool(self._rows["basic"][row])

    def keep(self, basis: highspy.HighsBasis) -> None:
        """The objective pass's optimal basis at today's data."""
        self.bases.setdefault("objective", basis)


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


@dataclass(frozen=True)
class _Point:
    """A probe at distance t along the side: w = v(b + sigma t), slope s = dw/dt there."""

    t: float
    w: float
    s: float
    free: bool
    """The row has slack there after loosening: moving it further changes nothing."""


class _Side:
    """Re-solves of one row moved by t >= 0 in one direction (`sigma` +1 up, -1 down)."""

    def __init__(self, h: highspy.Highs, row: int, sigma: int, w0: float, s0: float) -> None:
        lp = h.getLp()
        self.h, self.row, self.sigma, self.w0, self.s0 = h, row, sigma, w0, s0
        self.lower, self.upper = float(lp.row_lower_[row]), float(lp.row_upper_[row])
        at_upper = self.upper < _INF and (
            self.lower <= -_INF or self.lower == self.upper or s0 * sigma >= 0
        )
        self.moves = (self.lower > -_INF and (not at_upper or self.lower == self.upper), at_upper)
        self.rhs = self.upper if at_upper else self.lower
        self.loosens = (sigma > 0) == at_upper and self.lower != self.upper
        self.tol = ON_LINE * max(1.0, abs(w0))

    @property
    def tightens(self) -> bool:
        """Whether the move shrinks the feasible set (an inequality moved inward)."""
        return not self.loosens and self.lower != self.upper

    def move(self, t: float) -> tuple[float, float]:
        """Move the row by t (not solved); returns its new bounds."""
        d = self.sigma * t
        low = self.lower + d if self.moves[0] else self.lower
        up = self.upper + d if self.moves[1] else self.upper
        self.h.changeRowBounds(self.row, low, up)
        return low, up

    def at(self, t: float) -> _Point | None:
        """Re-solve with the row moved by t; None if that is infeasible (or not solved)."""
        low, up = self.move(t)
        self.h.run()
        if status_of(self.h) is not Status.OPTIMAL:
            return None
        sol = self.h.getSolution()
        slack = min(up - sol.row_value[self.row], sol.row_value[self.row] - low)
        w = float(self.h.getInfo().objective_function_value)
        s = self.sigma * float(sol.row_dual[self.row])
        return _Point(t, w, s, self.loosens and slack > 1e-9 * max(1.0, abs(self.rhs)))

    def on(self, p: _Point, slope: float) -> bool:
        """Whether `p` lies on the line through the base optimum with `slope`."""
        return abs(p.w - (self.w0 + slope * p.t)) <= self.tol

    def restore(self) -> None:
        self.h.changeRowBounds(self.row, self.lower, self.upper)


def _first_piece(side: _Side, p: _Point) -> tuple[float, _Point | None, _Point | None]:
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


def _piece_end(
    side: _Side, slope: float, last: _Point, beyond: _Point | None, reach: float
) -> float:
    """Where the first piece (`slope`, known up to `last`) ends: exact when a probe lies on both
    its line and the line of the next probe; the last amount checked if none did in time."""
    for _ in range(MAX_PROBES):
        if beyond is None:
            if last.free:
                return np.inf
            if reach - last.t <= 1e-6 * max(1.0, last.t):  # it holds up to where no plan is
                return last.t
            t = 2 * last.t if 2 * last.t < reach else (last.t + reach) / 2
            p = side.at(t)
            if p is None:  # the row cannot move that far: look nearer
                reach = t
                continue
            last, beyond = (p, None) if side.on(p, slope) else (last, p)
            continue
        gap = slope - beyond.s
        t = (beyond.w - beyond.s * beyond.t - side.w0) / gap if gap > 0 else last.t
        if t <= last.t + 1e-12 * max(1.0, last.t) or t >= beyond.t:
            return last.t
        p = side.at(t)
        if p is None:
            return last.t
        if side.on(p, slope):
            return t
        beyond = p
    return last.t


def _one_side(side: _Side) -> tuple[float, float]:
    """(dw/dt from the right at 0, how far it holds) on one side; nan where not settled.

    A side infeasible at one unit is probed at a tenth, a hundredth, ... of it; infeasible still
    at `SMALLEST` units, no plan allows the move (its rate is -inf: every amount infeasible)."""
    t, reach = 1.0, np.inf
    first = side.at(t)
    while first is None:
        reach, t = t, t / 10
        if t < SMALLEST:
            return -np.inf, np.inf
        first = side.at(t)
    slope, last, beyond = _first_piece(side, first)
    if last is None:
        return np.nan, np.nan
    return slope, _piece_end(side, slope, last, beyond, reach)


@dataclass(frozen=True)
class Base:
    """The optimum the rates are taken at: its value and its row duals."""

    objective: float
    dual: np.ndarray

    @classmethod
    def of(cls, h: highspy.Highs) -> Base:
        """The optimum `h` holds now."""
        return cls(
            float(h.getInfo().objective_function_value),
            np.array(h.getSolution().row_dual, dtype=float),
        )


def side_rate(h: highspy.Highs, row: int, sigma: int, base: Base) -> tuple[float, float]:
    """One side of `row` at the optimum `base` of `h`: (rate, holds_for), the rate as
    d(objective) / d(rhs) from that side. The row's bounds are put back; the basis is not (see
    `one_sided`)."""
    side = _Side(h, row, sigma, base.objective, sigma * float(base.dual[row]))
    try:
        slope, holds = _one_side(side)
    finally:
        side.restore()
    rate = sigma * slope
    return (0.0 if abs(rate) < 1e-9 else rate), holds  # a dual's noise, as the tables clean it


def restored(h: highspy.Highs, basis: highspy.HighsBasis) -> None:
    """Put the optimal basis back and re-solve from it (no iteration), so the instance holds
    the optimum, its duals and its basis as before the probes."""
    h.setBasis(basis)
    h.run()


def one_sided(h: highspy.Highs, row: int) -> Rates:
    """Both one-sided rates of `row` on the solved instance `h` (an optimum of a maximisation),
    re-solved whatever the basis's ranges say; `h` is left with its bounds, basis and optimum."""
    basis, base = h.getBasis(), Base.of(h)
    try:
        up = side_rate(h, row, +1, base)
        down = side_rate(h, row, -1, base)
    finally:
        restored(h, basis)
    return Rates(up[0], up[1], down[0], down[1])


def _costs(h: highspy.Highs, cost: np.ndarray) -> None:
    n = len(cost)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))


def _objective(h: highspy.Highs) -> float | None:
    h.run()
    if status_of(h) is not Status.OPTIMAL:
        return None
    return float(h.getInfo().objective_function_value)


def _both_passes(side: _Side, lex: Lexicographic) -> tuple[float, float] | None:
    """`allocator solve` with the row moved one unit: the least weighted shortfall found with
    the hold released, then held (loosened once by `HOLD_SLACK` if the objective pass finds it
    infeasible, as the solve does) while the objective is solved. Returns (objective, least),
    None if no plan is feasible; the row, the hold and the costs are put back."""
    h = side.h
    try:
        h.changeRowBounds(lex.row, -_INF, lex.unheld)
        _costs(h, lex.shortfall)
        lex.warm(h, "shortfall")
        side.move(1.0)
        found = _objective(h)
        if found is None:
            return None
        least = max(0.0, -found)
        _costs(h, lex.objective)
        lex.warm(h, "objective")
        for hold in (least, least + HOLD_SLACK * max(1.0, least)):
            h.changeRowBounds(lex.row, -_INF, hold)
            value = _objective(h)
            if value is not None:
                return value, least
        return None
    finally:
        h.changeRowBounds(lex.row, -_INF, lex.held)
        _costs(h, lex.objective)
        side.restore()


def _held(side: _Side, lex: Lexicographic | None) -> bool:
    """Whether the move leaves the least shortfall as it is, so that re-solving the objective
    with it held is what `allocator solve` does: no soft targets; the hold row itself; a least
    shortfall of 0 (no move lowers it) or a loosening of a row basic in the first pass's optimum
    (`Lexicographic.keeps_least`); or a cut that a plan survives with it held (a cut never lowers
    it, and such a plan shows it does not rise)."""
    if lex is None or lex.row == side.row:
        return True
    return side.loosens and (lex.held <= 0 or lex.keeps_least(side.row))


def unit_move(
    side: _Side, lex: Lexicographic | None, rate: tuple[float, float] | None = None
) -> tuple[float, float]:
    """The change of the objective and of the least weighted shortfall when the row moves by
    one unit this side, as `allocator solve` on the moved data reports them: (-inf, nan) where
    no plan is feasible; the shortfall's change is nan without soft targets.

    `rate`, if known: this side's rate at the margin (objective change per unit moved this way)
    and how far it holds. Where it holds for a whole unit and the move keeps the least
    shortfall, the unit is that rate, without a re-solve."""
    same = _held(side, lex) or side.tightens
    if same and rate is not None and np.isfinite(rate[0]) and rate[1] >= 1:
        return rate[0], (np.nan if lex is None else 0.0)
    if same:
        p = side.at(1.0)
        if p is not None:
            return p.w - side.w0, (np.nan if lex is None else 0.0)
        if _held(side, lex):
            return -np.inf, np.nan
    assert lex is not None
    found = _both_passes(side, lex)
    if found is None:
        return -np.inf, np.nan
    change = found[1] - lex.held
    return found[0] - side.w0, (0.0 if abs(change) <= HOLD_SLACK * max(1.0, lex.held) else change)


def unit_side(
    h: highspy.Highs,
    row: int,
    sigma: int,
    base: Base,
    lex: Lexicographic | None,
    rate: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """`unit_move` of `row` one unit up (`sigma` +1) or down (-1) from the optimum `base` of `h`
    (`rate`: that side's rate, as `unit_move` takes it); the row's bounds are put back, the
    basis is not (see `one_unit`)."""
    side = _Side(h, row, sigma, base.objective, sigma * float(base.dual[row]))
    try:
        change, shortfall = unit_move(side, lex, rate)
    finally:
        side.restore()
    return (0.0 if abs(change) < 1e-9 else change), shortfall


def one_unit(
    h: highspy.Highs, row: int, lex: Lexicographic | None = None
) -> tuple[tuple[float, float], tuple[float, float]]:
    """What one unit more of `row` and one unit less give on the solved instance `h`: for each,
    (change of the objective, change of the least weighted shortfall), as `allocator solve` on
    the moved data reports them (`lex`: its soft-target passes); `h` is left as it was."""
    basis, base = h.getBasis(), Base.of(h)
    if lex is not None:
        lex.keep(basis)
    try:
        up = unit_side(h, row, +1, base, lex)
        down = unit_side(h, row, -1, base, lex)
    finally:
        restored(h, basis)
    return up, down


def listed_rates(
    h: highspy.Highs,
    base: Base,
    ranges: tuple[np.ndarray, np.ndarray],
    loosen_up: np.ndarray,
    lex: Lexicographic | None = None,
) -> dict[str, np.ndarray]:
    """Both one-sided rates and both whole units of the rows a report can list, at the optimum
    `base` that `h` holds (`lex`: how soft targets are solved, None without them).

    Where a row's allowable range (`ranges`: increase, decrease) is non-zero in a direction, that
    side's rate is the dual and holds for that range; where it is zero, the side is re-solved
    only for rows a report can list. Those are the `LISTED` rows whose room (one unit more of a
    `<=` limit, one unit less of a `>=` one: `loosen_up`) buys the most in whole units, found
    exactly (`_listed`); they and the rows re-solved on the way (their dual promised more than
    their room buys, as the "+40" of a cap that buys nothing) get both rates and both units.

    Returns arrays: gain_per_unit_up, up_holds_for, loss_per_unit_down, down_holds_for,
    gain_of_one_unit_up, loss_of_one_unit_down, shortfall_change_up, shortfall_change_down (nan:
    not computed; the shortfall's changes nan without soft targets) and `re_solved` (a rate of
    the row was computed by re-solves).
    """
    inc, dec = ranges
    dual = base.dual
    nan = np.full(len(dual), np.nan)
    out = {
        "gain_per_unit_up": np.where(inc > 0, dual, np.nan),
        "up_holds_for": np.where(inc > 0, inc, np.nan),
        "loss_per_unit_down": np.where(dec > 0, dual, np.nan),
        "down_holds_for": np.where(dec > 0, dec, np.nan),
        **{name: nan.copy() for pair in _UNITS.values() for name in pair},
        "re_solved": np.zeros(len(dual), dtype=bool),
    }
    basis = h.getBasis()
    if lex is not None:
        lex.keep(basis)
    try:
        listed = _listed(h, base, loosen_up, out, lex)
        met = set(np.flatnonzero(out["re_solved"] | _whole(out)).tolist())
        for i in sorted(set(listed) | met):
            for sigma in (+1, -1):
                _fill(h, i, sigma, base, out)
            for sigma in (+1, -1):
                _fill_unit(h, i, sigma, base, out, lex)
    finally:
        if out["re_solved"].any() or _whole(out).any():
            restored(h, basis)
    return out


def _whole(out: dict[str, np.ndarray]) -> np.ndarray:
    """Rows with a whole unit computed on either side."""
    return ~(np.isnan(out["gain_of_one_unit_up"]) & np.isnan(out["loss_of_one_unit_down"]))


_SIDES = {+1: ("gain_per_unit_up", "up_holds_for"), -1: ("loss_per_unit_down", "down_holds_for")}
_UNITS = {
    +1: ("gain_of_one_unit_up", "shortfall_change_up"),
    -1: ("loss_of_one_unit_down", "shortfall_change_down"),
}


def _fill(h: highspy.Highs, i: int, sigma: int, base: Base, out: dict[str, np.ndarray]) -> None:
    """Re-solve side `sigma` of row `i` unless it is known."""
    rate, holds = _SIDES[sigma]
    if out[rate][i] == out[rate][i]:
        return
    out[rate][i], out[holds][i] = side_rate(h, i, sigma, base)
    out["re_solved"][i] = True


def _fill_unit(
    h: highspy.Highs,
    i: int,
    sigma: int,
    base: Base,
    out: dict[str, np.ndarray],
    lex: Lexicographic | None,
) -> None:
    """Re-solve one whole unit of row `i` on side `sigma` unless it is known, in the rates'
    sign convention: the gain of one unit up, the loss (objective down) of one unit down."""
    unit, shortfall = _UNITS[sigma]
    if out[unit][i] == out[unit][i]:
        return
    rate, holds = (float(out[c][i]) for c in _SIDES[sigma])
    change, out[shortfall][i] = unit_side(h, i, sigma, base, lex, (sigma * rate, holds))
    out[unit][i] = sigma * change + 0.0


def _room(out: dict[str, np.ndarray], loosen_up: np.ndarray, i: int, whole: bool) -> float:
    """What one unit more room of row `i` buys: per unit at the margin, or one `whole` unit."""
    up, down = _UNITS[+1][0], _UNITS[-1][0]
    if not whole:
        up, down = _SIDES[+1][0], _SIDES[-1][0]
    return float(out[up][i] if loosen_up[i] else -out[down][i])


def _listed(
    h: highspy.Highs,
    base: Base,
    loosen_up: np.ndarray,
    out: dict[str, np.ndarray],
    lex: Lexicographic | None,
) -> list[int]:
    """The `LISTED` rows whose room buys the most in whole units (more than 1e-9), exactly.

    Best first on upper bounds, each tighter than the last: a row's room buys at most its dual's
    size per unit, one whole unit at most its rate at the margin (v is concave), and under soft
    targets a loosening can only lower the least shortfall, which `allocator solve` then holds,
    so it buys no more than with today's held. A row is re-solved (its rate, then its whole
    unit) only while its bound may still enter the best `LISTED`.
    """
    bound = np.where(loosen_up, base.dual, -base.dual)
    rows = np.flatnonzero(bound > 1e-9)
    todo = [(-float(bound[i]), int(i), 0) for i in rows]  # (minus the bound, row, stage)
    heapq.heapify(todo)
    best: list[tuple[float, int]] = []  # a min-heap of (whole room, -row) of the best so far
    while todo:
        top, i, stage = heapq.heappop(todo)
        if len(best) >= LISTED and best[0][0] >= -top:
            break
        sigma = 1 if loosen_up[i] else -1
        if stage == 0:
            _fill(h, i, sigma, base, out)
            room = _room(out, loosen_up, i, whole=False)
            if room > 1e-9:
                heapq.heappush(todo, (-room, i, 1))
            continue
        _fill_unit(h, i, sigma, base, out, lex)
        room = _room(out, loosen_up, i, whole=True)
        if room > 1e-9:
            heapq.heappush(best, (room, -i))
            if len(best) > LISTED:
                heapq.heappop(best)
    return sorted(-i for _, i in best)
