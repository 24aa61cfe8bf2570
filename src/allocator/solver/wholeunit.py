"""What one whole unit more of a row buys and one unit less costs, exactly as `allocator solve`
reports it on the data moved by that unit (`one_unit`): the row moved by exactly one unit on the
objective pass's HiGHS instance and re-solved as `allocator solve` would solve the moved data.
Under soft targets that is both passes (`Lexicographic`): the least shortfall found again with the
move, held, and the objective solved, so a cut that today's held least shortfall forbids is a plan
with a larger shortfall, not "no plan is feasible". Each pass starts from its own optimal basis at
today's data, one bound away.

Which rows get these whole units, ranked by them, is `allocator.solver.units`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from allocator.solver.marginal import Base, restored
from allocator.solver.probes import Seen, Side, Together, run, side_of
from allocator.solver.rows import Rows, row_codes
from allocator.solver.status import Status, status_of

_INF = highspy.kHighsInf

HOLD_SLACK = 1e-7
"""The least shortfall's tolerance retry, relative (as `passes._hold_least_shortfall`): a hold
at the least found that the objective pass finds infeasible is loosened by this once."""

NOISE = 1e-12
"""A whole unit's change of the least shortfall is the re-solve's, 0 within this of the held
least (relative; its noise: the plan's resolution, as decide_now_prices.csv's,
`studies.twostageprices`). Before, changes within `HOLD_SLACK` of it were written as 0, while
the rate beside said that no move keeps today's least: a pool's 0.004 on a least of
999,500.68, which `allocator solve` on the moved data finds
(tests/test_fix_w1_held_for_none.py)."""


def least_change(least: float, held: float) -> float:
    """The least shortfall found on the moved data, `least`, less today's `held`; 0 within
    `NOISE` of the held least."""
    change = least - held
    return 0.0 if abs(change) <= NOISE * max(1.0, abs(held)) else change


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
            run(h)
            if status_of(h) is Status.OPTIMAL:
                self.bases[name] = h.getBasis()

    def keeps_least(self, row: int) -> bool:
        """Whether loosening `row` leaves the least shortfall as it is: the row is basic in the
        first pass's optimal basis, which then stays feasible and optimal."""
        basis = self.bases.get("shortfall")
        if basis is None:
            return False
        if "basic" not in self._rows:
            basic = int(highspy.HighsBasisStatus.kBasic)
            self._rows["basic"] = row_codes(basis.row_status) == basic  # each read copies it all
        return bool(self._rows["basic"][row])

    def binds(self, row: int) -> bool:
        """Whether `row` is non-basic in the first pass's optimal basis (False if not kept): a
        cut of it then mostly raises the least shortfall, so no plan keeps today's held (10 of
        10 such cuts over tests/data and the baseline; 9 of the other 15 cuts)."""
        return "shortfall" in self.bases and not self.keeps_least(row)

    def keep(self, basis: highspy.HighsBasis) -> None:
        """The objective pass's optimal basis at today's data."""
        self.bases.setdefault("objective", basis)


def _costs(h: highspy.Highs, cost: np.ndarray) -> None:
    n = len(cost)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))


def _objective(h: highspy.Highs) -> float | None:
    run(h)
    if status_of(h) is not Status.OPTIMAL:
        return None
    return h.getObjectiveValue()


Weight = tuple[int, float]
"""A target row whose weight is 1/value (its weight cell empty): its shortfall column and value.
`allocator solve` on the value moved by t weighs that column 1/(value + t) (`_reweighed`)."""


def _reweighed(
    h: highspy.Highs, lex: Lexicographic, weight: Weight | None, moved: float
) -> np.ndarray:
    """The first pass's costs with the row's target value moved by `moved` (`Weight`), and its
    shortfall column's coefficient in the hold row set to match (as `model.targets` weighs a
    value: 1/value, 0 for a value of 0 or less); `lex.shortfall` without a `weight`."""
    if weight is None:
        return lex.shortfall
    col, value = weight
    new = value + moved
    w = 1.0 / new if new > 0 else 0.0
    h.changeCoeff(lex.row, col, w)
    costs = lex.shortfall.copy()
    costs[col] = -w
    return costs


def _both_passes(
    side: Side, lex: Lexicographic, step: float = 1.0, weight: Weight | None = None
) -> tuple[float, float] | None:
    """`allocator solve` with the row moved one unit (`step` of the row's own units: its cell's
    unit, `sideends.Datum`; a target's weight moved with its value, `weight`): the least
    weighted shortfall found with the hold released, then held (loosened once by `HOLD_SLACK`
    if the objective pass finds it infeasible, as the solve does) while the objective is
    solved. Returns (objective, least), None if no plan is feasible; the row, the hold, the
    weight and the costs are put back."""
    h = side.h
    shortfall_costs = False  # whether `h` may hold the first pass's costs
    try:
        h.changeRowBounds(lex.row, -_INF, lex.unheld)
        shortfall_costs = True
        _costs(h, _reweighed(h, lex, weight, side.sigma * step))
        lex.warm(h, "shortfall")
        side.move(step)
        found = _objective(h)
        if found is None:
            return None
        least = max(0.0, -found)
        _costs(h, lex.objective)
        shortfall_costs = False
        lex.warm(h, "objective")
        for hold in (least, least + HOLD_SLACK * max(1.0, least)):
            h.changeRowBounds(lex.row, -_INF, hold)
            same = hold == lex.held and weight is None  # the rates' LP: its probe at one unit
            value = _held_objective(side, step) if same else _objective(h)
            if value is not None:
                return value, least
        return None
    finally:
        if weight is not None:
            h.changeCoeff(lex.row, weight[0], -float(lex.shortfall[weight[0]]))
        h.changeRowBounds(lex.row, -_INF, lex.held)
        side.rows.set_bounds(lex.row, -_INF, lex.held)
        # the objective's costs, unless in place: set again, the same numbers would change
        # nothing the bounds' change below does not (HiGHS resets the same simplex flags for
        # new costs as for new bounds), at 3.6 ms a call over 70,000 columns
        if shortfall_costs:
            _costs(h, lex.objective)
        side.restore()


def _held_objective(side: Side, step: float = 1.0) -> float | None:
    """The objective pass with the least found the one held today: the LP of the rates' probe
    at one unit (`Side.at`, `step` of the row's units), solved once for both."""
    p = side.at(step)
    return None if p is None else p.w


def _held(side: Side, lex: Lexicographic | None) -> bool:
    """Whether the move leaves the least shortfall as it is, so that re-solving the objective
    with it held is what `allocator solve` does: no soft targets; the hold row itself; a least
    shortfall of 0 (no move lowers it) or a loosening of a row basic in the first pass's optimum
    (`Lexicographic.keeps_least`); or a cut that a plan survives with it held (a cut never lowers
    it, and such a plan shows it does not rise)."""
    if lex is None or lex.row == side.row:
        return True
    keeps = all(lex.keeps_least(r) for r in side.members())
    return side.loosens and (lex.held <= 0 or keeps)


@dataclass
class Normalised:
    """How `--objective weighted` solves, for re-solving a moved row the same way: each
    measure's best found (its `costs`, with its weight), then the index, each measure over its
    best, solved (`cost`: today's index, whose bests a move changes). `bases`: an optimal basis
    of each pass (by measure, and -1 for the index) at the data of the first move solved, from
    which each later move starts, a few bounds away."""

    measures: tuple[tuple[float, np.ndarray], ...]
    cost: np.ndarray
    bases: dict[int, highspy.HighsBasis] = field(default_factory=dict)

    def warm(self, h: highspy.Highs, k: int) -> None:
        """Start pass `k` from its kept basis, if any."""
        if k in self.bases:
            h.setBasis(self.bases[k])

    def keep(self, h: highspy.Highs, k: int) -> None:
        """Keep pass `k`'s optimal basis, if none is kept yet."""
        if k not in self.bases and status_of(h) is Status.OPTIMAL:
            self.bases[k] = h.getBasis()


def index_costs(measures: list[tuple[float, float, np.ndarray]]) -> np.ndarray:
    """The weighted index's costs from each measure's (weight, best, costs): each measure over its
    best, weighted. A measure whose best is 0 (no plan makes any of it, so every plan is at its
    best) is left out, and the others' weights scaled by the weights' sum over theirs: a plan at
    every best reads the weights' sum (1 with the default 0.5 and 0.5), and the index is a share
    of the bests some plan can move (tests/data/base_levels, no exports: jobs over the best jobs).
    All 0 if no measure with a weight has a best above 0 (every plan is at every best: nothing
    to weigh), so every plan reads 0, not the weights' sum: the index's words then say so
    (`Objective.weighing`). The one rule of the index: `allocator solve`'s passes
    (`passes.objective_costs`) and its whole units on moved data (`_renormalised`) both use it."""
    total = np.zeros(len(measures[0][2]))
    kept = sum(w for w, best, _ in measures if best > 0)
    if kept <= 0:
        return total
    scale = sum(w for w, _, _ in measures) / kept
    for w, best, cost in measures:
        if w and best > 0:
            total += (scale * w / best) * cost
    return total


def _renormalised(
    side: Side,
    lex: Lexicographic | None,
    norm: Normalised,
    step: float = 1.0,
    weight: Weight | None = None,
) -> tuple[float, float]:
    """`allocator solve --objective weighted` with the row moved one unit (`step`, `weight`: as
    `_both_passes`): the least shortfall found and held (soft targets, as `_both_passes`), each
    measure's best found again, then the index over those bests solved. Returns (the index's
    change, the least's change), (-inf, nan) if no plan is feasible; the rows, the hold, the
    weight and the costs are put back."""
    h = side.h
    try:
        side.move(step)
        least = np.nan
        if lex is not None:
            h.changeRowBounds(lex.row, -_INF, lex.unheld)
            _costs(h, _reweighed(h, lex, weight, side.sigma * step))
            lex.warm(h, "shortfall")
            found = _objective(h)
            if found is None:
                return -np.inf, np.nan
            least = max(0.0, -found)
            h.changeRowBounds(lex.row, -_INF, least)
        held = _Held(h, lex, least, norm)
        bests = []
        for k, (share, cost) in enumerate(norm.measures):
            best = held.solve(cost, k)
            if best is None:
                return -np.inf, np.nan
            bests.append((share, best, cost))
        value = held.solve(index_costs(bests), -1)  # as `passes.objective_costs` normalises
        if value is None:
            return -np.inf, np.nan
        change = least_change(least, lex.held) if lex is not None else np.nan
        return value - side.w0, change
    finally:
        if lex is not None:
            if weight is not None:
                h.changeCoeff(lex.row, weight[0], -float(lex.shortfall[weight[0]]))
            h.changeRowBounds(lex.row, -_INF, lex.held)
            side.rows.set_bounds(lex.row, -_INF, lex.held)
        _costs(h, norm.cost)
        side.restore()


@dataclass
class _Held:
    """The passes after the least shortfall, as `passes.optimal_pass` solves them: the least
    held, loosened by `HOLD_SLACK` once, the first time a pass finds it infeasible."""

    h: highspy.Highs
    lex: Lexicographic | None
    least: float
    norm: Normalised
    spent: bool = False

    def solve(self, cost: np.ndarray, k: int) -> float | None:
        """The optimum of `cost` (pass `k` of `norm`), None if no plan is feasible."""
        _costs(self.h, cost)
        self.norm.warm(self.h, k)
        value = _objective(self.h)
        self.norm.keep(self.h, k)
        if value is None and self.lex is not None and not self.spent:
            self.spent = True
            slack = HOLD_SLACK * max(1.0, self.least)
            self.h.changeRowBounds(self.lex.row, -_INF, self.least + slack)
            value = _objective(self.h)
        return value


def unit_move(
    side: Side,
    lex: Lexicographic | None,
    rate: tuple[float, float] | None = None,
    norm: Normalised | None = None,
    step: float = 1.0,
    weight: Weight | None = None,
) -> tuple[float, float]:
    """The change of the objective and of the least weighted shortfall when the row moves by
    one unit this side, as `allocator solve` on the moved data reports them: (-inf, nan) where
    no plan is feasible; the shortfall's change is nan without soft targets. One unit is the
    unit of the row's cell, `step` of the row's own (`sideends.Datum`); a target whose weight is
    1/value (`weight`) is weighed 1/(value moved), both passes re-solved where a shortfall is.

    `rate`, if known: this side's rate at the margin (objective change per unit moved this way)
    and how far it holds. Where it holds for a whole unit and the move keeps the least
    shortfall, the unit is that rate, without a re-solve. `norm`: a weighted index, whose
    bests the moved data finds again (`_renormalised`; the rate holds them, so is not used)."""
    if side.blocked():  # no plan has the row moved at all, whichever pass
        return -np.inf, np.nan
    if norm is not None:
        return _renormalised(side, lex, norm, step, weight)
    weighed = weight is not None and lex is not None and lex.held > 0  # the least may move
    same = not weighed and (_held(side, lex) or side.tightens)
    if same and rate is not None and np.isfinite(rate[0]) and rate[1] >= 1:
        return rate[0], (np.nan if lex is None else 0.0)
    if same:
        p = side.at(step)
        if p is not None:
            return p.w - side.w0, (np.nan if lex is None else 0.0)
        if _held(side, lex):
            return -np.inf, np.nan
    assert lex is not None
    found = _both_passes(side, lex, step, weight)
    if found is None:
        return -np.inf, np.nan
    return found[0] - side.w0, least_change(found[1], lex.held)


def unit_side(
    h: highspy.Highs,
    row: int,
    sigma: int,
    base: Base,
    lex: Lexicographic | None,
    rate: tuple[float, float] | None = None,
    seen: Seen | None = None,
    rows: Rows | None = None,
    together: Together | None = None,
    norm: Normalised | None = None,
    step: float = 1.0,
    weight: Weight | None = None,
) -> tuple[float, float]:
    """`unit_move` of `row` one unit up (`sigma` +1) or down (-1) from the optimum `base` of `h`
    (`rate`: that side's rate, as `unit_move` takes it; `seen`: the probes of the rates, so the
    one at one unit is not solved again; `rows`: the rows `h` holds, read from it if None;
    `together`: rows the same datum moves with it, `Bundle`; `norm`: a weighted index,
    `Normalised`; `step`, `weight`: as `unit_move`); the rows' bounds are put back, the basis
    is not (see `one_unit`)."""
    side = side_of(h, row, sigma, base.objective, base.dual, seen, rows, together)
    try:
        change, shortfall = unit_move(side, lex, rate, norm, step, weight)
    finally:
        side.restore()
    return (0.0 if abs(change) < 1e-9 else change), shortfall


def one_unit(
    h: highspy.Highs, row: int, lex: Lexicographic | None = None
) -> tuple[tuple[float, float], tuple[float, float]]:
    """What one unit more of `row` and one unit less give on the solved instance `h`: for each,
    (change of the objective, change of the least weighted shortfall), as `allocator solve` on
    the moved data reports them (`lex`: its soft-target passes); `h` is left as it was."""
    basis, base, rows = h.getBasis(), Base.of(h), Rows.of(h)
    if lex is not None:
        lex.keep(basis)
    try:
        up = unit_side(h, row, +1, base, lex, rows=rows)
        down = unit_side(h, row, -1, base, lex, rows=rows)
    finally:
        restored(h, basis)
    return up, down
