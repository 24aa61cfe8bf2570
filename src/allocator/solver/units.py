"""What one whole unit more of a row buys and one unit less costs, exactly as `allocator solve`
reports it on the data moved by that unit, and which rows the reports list (ranked by that).

The rates at the margin (`allocator.solver.marginal`) are what a planner cannot check with a
re-run, and one may hold for a thousandth of a unit only. A whole unit is (`one_unit`): the row
moved by exactly one unit on the objective pass's HiGHS instance and re-solved as `allocator
solve` would solve the moved data. Under soft targets that is both passes (`Lexicographic`): the
least shortfall found again with the move, held, and the objective solved, so a cut that today's
held least shortfall forbids is a plan with a larger shortfall, not "no plan is feasible". Each
pass starts from its own optimal basis at today's data, one bound away. The reports rank rows by
these whole units: the `LISTED` best, found exactly (`_listed`).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt

from allocator.solver.marginal import Base, restored, side_end, side_rate
from allocator.solver.probes import Seen, Side
from allocator.solver.rows import Rows, row_codes
from allocator.solver.status import Status, status_of

LISTED = 24
"""How many rows, ranked by what one whole unit more room buys, get both one-sided rates and
both whole units computed: the reports list at most 12 (the terminal 10 lines, some of which
group several placeholder budgets)."""

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
    h.run()
    if status_of(h) is not Status.OPTIMAL:
        return None
    return h.getObjectiveValue()


def _both_passes(side: Side, lex: Lexicographic) -> tuple[float, float] | None:
    """`allocator solve` with the row moved one unit: the least weighted shortfall found with
    the hold released, then held (loosened once by `HOLD_SLACK` if the objective pass finds it
    infeasible, as the solve does) while the objective is solved. Returns (objective, least),
    None if no plan is feasible; the row, the hold and the costs are put back."""
    h = side.h
    shortfall_costs = False  # whether `h` may hold the first pass's costs
    try:
        h.changeRowBounds(lex.row, -_INF, lex.unheld)
        shortfall_costs = True
        _costs(h, lex.shortfall)
        lex.warm(h, "shortfall")
        side.move(1.0)
        found = _objective(h)
        if found is None:
            return None
        least = max(0.0, -found)
        _costs(h, lex.objective)
        shortfall_costs = False
        lex.warm(h, "objective")
        for hold in (least, least + HOLD_SLACK * max(1.0, least)):
            h.changeRowBounds(lex.row, -_INF, hold)
            value = _held_objective(side) if hold == lex.held else _objective(h)
            if value is not None:
                return value, least
        return None
    finally:
        h.changeRowBounds(lex.row, -_INF, lex.held)
        side.rows.set_bounds(lex.row, -_INF, lex.held)
        # the objective's costs, unless in place: set again, the same numbers would change
        # nothing the bounds' change below does not (HiGHS resets the same simplex flags for
        # new costs as for new bounds), at 3.6 ms a call over 70,000 columns
        if shortfall_costs:
            _costs(h, lex.objective)
        side.restore()


def _held_objective(side: Side) -> float | None:
    """The objective pass with the least found the one held today: the LP of the rates' probe
    at one unit (`Side.at`), solved once for both."""
    p = side.at(1.0)
    return None if p is None else p.w


def _held(side: Side, lex: Lexicographic | None) -> bool:
    """Whether the move leaves the least shortfall as it is, so that re-solving the objective
    with it held is what `allocator solve` does: no soft targets; the hold row itself; a least
    shortfall of 0 (no move lowers it) or a loosening of a row basic in the first pass's optimum
    (`Lexicographic.keeps_least`); or a cut that a plan survives with it held (a cut never lowers
    it, and such a plan shows it does not rise)."""
    if lex is None or lex.row == side.row:
        return True
    return side.loosens and (lex.held <= 0 or lex.keeps_least(side.row))


def unit_move(
    side: Side, lex: Lexicographic | None, rate: tuple[float, float] | None = None
) -> tuple[float, float]:
    """The change of the objective and of the least weighted shortfall when the row moves by
    one unit this side, as `allocator solve` on the moved data reports them: (-inf, nan) where
    no plan is feasible; the shortfall's change is nan without soft targets.

    `rate`, if known: this side's rate at the margin (objective change per unit moved this way)
    and how far it holds. Where it holds for a whole unit and the move keeps the least
    shortfall, the unit is that rate, without a re-solve."""
    if side.blocked():  # no plan has the row moved at all, whichever pass
        return -np.inf, np.nan
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
    seen: Seen | None = None,
    rows: Rows | None = None,
) -> tuple[float, float]:
    """`unit_move` of `row` one unit up (`sigma` +1) or down (-1) from the optimum `base` of `h`
    (`rate`: that side's rate, as `unit_move` takes it; `seen`: the probes of the rates, so the
    one at one unit is not solved again; `rows`: the rows `h` holds, read from it if None); the
    row's bounds are put back, the basis is not (see `one_unit`)."""
    side = Side(h, row, sigma, base.objective, sigma * float(base.dual[row]), seen, rows)
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
    basis, base, rows = h.getBasis(), Base.of(h), Rows.of(h)
    if lex is not None:
        lex.keep(basis)
    try:
        up = unit_side(h, row, +1, base, lex, rows=rows)
        down = unit_side(h, row, -1, base, lex, rows=rows)
    finally:
        restored(h, basis)
    return up, down


def listed_rates(
    h: highspy.Highs,
    base: Base,
    ranges: tuple[np.ndarray, np.ndarray],
    loosen_up: np.ndarray,
    lex: Lexicographic | None = None,
    rows: Rows | None = None,
) -> dict[str, np.ndarray]:
    """Both one-sided rates and both whole units of the rows a report can list, at the optimum
    `base` that `h` holds (`lex`: how soft targets are solved, None without them; `rows`: the
    rows `h` holds, `Rows.of(h)` if None).

    Where a row's allowable range (`ranges`: increase, decrease) is non-zero in a direction, that
    side's rate is the dual and holds for that range; where it is zero, the side is re-solved
    only for rows a report can list. Those are the `LISTED` rows whose room (one unit more of a
    `<=` limit, one unit less of a `>=` one: `loosen_up`) buys the most in whole units, found
    exactly (`_listed`); they and the rows re-solved on the way (their dual promised more than
    their room buys, as the "+40" of a cap that buys nothing) get both rates and both units.

    Returns arrays: gain_per_unit_up, up_holds_for, loss_per_unit_down, down_holds_for,
    gain_of_one_unit_up, loss_of_one_unit_down, shortfall_change_up, shortfall_change_down (nan:
    not computed; the shortfall's changes nan without soft targets), `re_solved` (a rate of
    the row was computed by re-solves) and `up_end`, `down_end`: what lies past each side's
    amount where the amount alone does not say it (`ENDS`).
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
        "up_end": _basis_ends(inc),
        "down_end": _basis_ends(dec),
    }
    basis = h.getBasis()
    if lex is not None:
        lex.keep(basis)
    seen: Seen = {}  # every probe of the rates and units below: all on the same LP
    probe = _Probe(h, base, seen, Rows.of(h) if rows is None else rows, lex)
    interrupted = False
    try:
        listed = _listed(probe, loosen_up, out)
        met = set(np.flatnonzero(out["re_solved"] | _whole(out)).tolist())
        for i in sorted(set(listed) | met):
            for sigma in (+1, -1):
                _fill(probe, i, sigma, out)
            for sigma in (+1, -1):
                _fill_unit(probe, i, sigma, out)
            for sigma in (+1, -1):
                _extend(probe, i, sigma, ranges, out)
    except KeyboardInterrupt:
        interrupted = True  # Ctrl-C: the run stops, no solve to restore an instance let go
        raise
    finally:
        if not interrupted and (out["re_solved"].any() or _whole(out).any()):
            restored(h, basis)
    return out


def _whole(out: dict[str, np.ndarray]) -> np.ndarray:
    """Rows with a whole unit computed on either side."""
    whole: npt.NDArray[np.bool_] = ~(
        np.isnan(out["gain_of_one_unit_up"]) & np.isnan(out["loss_of_one_unit_down"])
    )
    return whole


AT_LEAST, THEN_NO_PLAN, THEN_SHORTFALL = "at least", "then no plan", "then shortfall rises"
"""`ENDS`: the side's amount is the basis's range only (the rate holds at least that far, and
may further); no plan is feasible past it; or (soft targets) no plan past it keeps today's least
target shortfall, and `allocator solve` on the data moved further finds a larger one."""

ENDS = (AT_LEAST, THEN_NO_PLAN, THEN_SHORTFALL)
"""What `up_end` and `down_end` may say past a side's amount; empty: the rate changes there (or
holds for any amount, or the side is not computed)."""


def _basis_ends(reach: np.ndarray) -> np.ndarray:
    """`AT_LEAST` where a side's amount is a finite, non-zero basis range (Excel's)."""
    return np.where((reach > 0) & (reach < np.inf), AT_LEAST, "").astype(object)


_SIDES = {+1: ("gain_per_unit_up", "up_holds_for"), -1: ("loss_per_unit_down", "down_holds_for")}
_ENDS = {+1: "up_end", -1: "down_end"}
_UNITS = {
    +1: ("gain_of_one_unit_up", "shortfall_change_up"),
    -1: ("loss_of_one_unit_down", "shortfall_change_down"),
}


EXTEND_UP_TO = 200_000
"""Nonzeros up to which a listed row's side is re-solved past its basis range (`_extend`). Past
it the basis's range is kept, said as a lower bound (`one_sided` basis: at least that far):
measured at 1,076,210 nonzeros the extension took 160 more re-solves, the whole command 5.6 ->
13.95 s, where on the baseline it costs 25 re-solves (0.125 -> 0.148 s)."""


@dataclass(frozen=True)
class _Probe:
    """What the re-solves of `listed_rates` share: the instance, the optimum `base` the rates
    are taken at, the probes solved so far (`seen`), its rows read once (`rows`) and how soft
    targets are solved (`lex`)."""

    h: highspy.Highs
    base: Base
    seen: Seen
    rows: Rows
    lex: Lexicographic | None


def _fill(probe: _Probe, i: int, sigma: int, out: dict[str, np.ndarray]) -> None:
    """Re-solve side `sigma` of row `i` unless it is known (a cut of a row the held least
    shortfall binds is tried at the least move first, `Lexicographic.binds`)."""
    rate, holds = _SIDES[sigma]
    if out[rate][i] == out[rate][i]:
        return
    lex = probe.lex
    cut_first = lex is not None and lex.held > 0 and lex.binds(i)
    found = side_rate(probe.h, i, sigma, probe.base, probe.seen, cut_first, probe.rows)
    out[rate][i], out[holds][i] = found.rate, found.holds
    out[_ENDS[sigma]][i] = _past_end(probe, i, sigma, found.holds) if found.then_no_plan else ""
    out["re_solved"][i] = True


def _extend(
    probe: _Probe,
    i: int,
    sigma: int,
    ranges: tuple[np.ndarray, np.ndarray],
    out: dict[str, np.ndarray],
) -> None:
    """Where the side `sigma` of the listed row `i` ends, if its rate is the dual over a finite
    allowable range: re-solved past that range (`marginal.side_end`), since the basis's range
    is where the basis stops, and the rate may hold further."""
    _, holds = _SIDES[sigma]
    reach = float(ranges[0 if sigma > 0 else 1][i])
    if not (0 < reach < np.inf) or out[holds][i] != reach:
        return
    if probe.h.getNumNz() > EXTEND_UP_TO:  # the basis's range stands: at least that far
        return
    end, no_plan = side_end(probe.h, i, sigma, probe.base, reach, probe.seen, probe.rows)
    out[holds][i] = end
    out[_ENDS[sigma]][i] = _past_end(probe, i, sigma, end) if no_plan else ""
    out["re_solved"][i] = True


PAST = 1e-6
"""How far past a side's end (relative, at least that many units) `_past_end` re-solves:
beyond HiGHS's feasibility tolerance (1e-7) at any amount."""


def _past_end(probe: _Probe, i: int, sigma: int, end: float) -> str:
    """What lies past the end of row `i`'s side `sigma`, where the objective's pass (today's
    least target shortfall held) has no plan: `THEN_NO_PLAN` if no plan is feasible there with
    the hold released too, else `THEN_SHORTFALL` (`allocator solve` on the data moved there
    finds a plan, at a larger least shortfall: the baseline's rnd phase3 cut past 5,587.46).
    Without soft targets, or with a least shortfall of 0 that no move lowers, the pass's
    infeasibility is the data's."""
    lex = probe.lex
    if lex is None or lex.held <= 0 or lex.row == i:
        return THEN_NO_PLAN
    h = probe.h
    side = Side(h, i, sigma, probe.base.objective, 0.0, None, probe.rows)
    try:
        h.changeRowBounds(lex.row, -_INF, lex.unheld)
        side.move(end + PAST * max(1.0, end))
        h.run()
        feasible = status_of(h) is Status.OPTIMAL
    finally:
        h.changeRowBounds(lex.row, -_INF, lex.held)
        side.restore()
    return THEN_SHORTFALL if feasible else THEN_NO_PLAN


def _fill_unit(probe: _Probe, i: int, sigma: int, out: dict[str, np.ndarray]) -> None:
    """Re-solve one whole unit of row `i` on side `sigma` unless it is known, in the rates'
    sign convention: the gain of one unit up, the loss (objective down) of one unit down."""
    unit, shortfall = _UNITS[sigma]
    if out[unit][i] == out[unit][i]:
        return
    rate = tuple(float(out[c][i]) for c in _SIDES[sigma])
    change, out[shortfall][i] = unit_side(
        probe.h, i, sigma, probe.base, probe.lex, (sigma * rate[0], rate[1]), probe.seen, probe.rows
    )
    out[unit][i] = sigma * change + 0.0


def _room(out: dict[str, np.ndarray], loosen_up: np.ndarray, i: int, whole: bool) -> float:
    """What one unit more room of row `i` buys: per unit at the margin, or one `whole` unit."""
    up, down = _UNITS[+1][0], _UNITS[-1][0]
    if not whole:
        up, down = _SIDES[+1][0], _SIDES[-1][0]
    return float(out[up][i] if loosen_up[i] else -out[down][i])


def _listed(probe: _Probe, loosen_up: np.ndarray, out: dict[str, np.ndarray]) -> list[int]:
    """The `LISTED` rows whose room buys the most in whole units (more than 1e-9), exactly.

    Best first on upper bounds, each tighter than the last: a row's room buys at most its dual's
    size per unit, one whole unit at most its rate at the margin (v is concave), and under soft
    targets a loosening can only lower the least shortfall, which `allocator solve` then holds,
    so it buys no more than with today's held. A row is re-solved (its rate, then its whole
    unit) only while its bound may still enter the best `LISTED`.
    """
    bound = np.where(loosen_up, probe.base.dual, -probe.base.dual)
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
            _fill(probe, i, sigma, out)
            room = _room(out, loosen_up, i, whole=False)
            if room > 1e-9:
                heapq.heappush(todo, (-room, i, 1))
            continue
        _fill_unit(probe, i, sigma, out)
        room = _room(out, loosen_up, i, whole=True)
        if room > 1e-9:
            heapq.heappush(best, (room, -i))
            if len(best) > LISTED:
                heapq.heappop(best)
    return sorted(-i for _, i in best)
