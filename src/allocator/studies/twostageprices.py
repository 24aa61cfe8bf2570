"""What one more and one less US$ million committed now changes in a two-stage plan's expected
objective (decide_now_prices.csv), each confirmed by re-solves of the deterministic equivalent.

A commitment's price is taken with every other commitment held where the plan puts it: the
equivalent gets one row per decide-now column fixing the shared money at the plan's value
(the plan stays optimal: fixing what it chose leaves its value), and a commitment is moved by
moving its row. Its value v(c) is concave and piecewise linear in that row, so, as for the main
solve's limits (`allocator.solver.marginal`), each side has its own rate: what the first US$
million more (less) changes per US$ million, found by parametric re-solves where the optimum is
degenerate (the non-anticipativity rows' duals are one point between the two sides, and their
split over the scenarios is not unique), with how far it holds. A whole US$ million more and
less is then re-solved as it stands (under soft targets as `allocator solve` would: the least
expected weighted shortfall found again, held, then the objective), so every number shown is
one a re-solve gives. A side no plan allows (a pool with no money left, a commitment of 0 taken
back) is -inf: said in words, never a price.

With the commitments fixed, the scenarios share nothing unless soft targets (one expected
shortfall) or a CVaR cap couple them: then each scenario's part of a re-solve is its own
optimum, and the least and most one more US$ million changes one scenario's objective are
given (a scenario that has no plan with it is solved alone to tell which). Coupled, the split of
the expected change over the scenarios is not unique, and none is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from allocator.errors import NotOptimalError
from allocator.solver import probes
from allocator.solver.compile import INF, CompiledLP, set_costs
from allocator.solver.marginal import Base, SideRate, restored, side_rate
from allocator.solver.probes import Point
from allocator.solver.results import snap
from allocator.solver.rows import Rows
from allocator.solver.status import Status, status_of
from allocator.solver.wholeunit import HOLD_SLACK
from allocator.studies.twostageblock import Blocked, blocked_moves, lexicographic_side
from allocator.studies.twostageplan import Extensive

Alone = Callable[[list[tuple[int, float, np.ndarray]]], list[list[float | None]]]
"""Per move (decide-now column k at a value, the other commitments held, and which scenarios
to solve), each scenario's objective solved alone (None where that scenario has no plan or
is not to be solved)."""


@dataclass
class CommitmentPrices:
    """Per decide-now column (NaN where the column may hold no money): the change of the
    expected objective from one whole US$ million more and less (-inf: no plan), the rate of
    each side per US$ million and the US$ million it holds for, each scenario's least and most
    change from one more (None when the scenarios are coupled), and, under soft targets, how
    much the least expected weighted shortfall rises with one more and one less."""

    more: np.ndarray
    less: np.ndarray
    more_rate: np.ndarray
    more_holds: np.ndarray
    less_rate: np.ndarray
    less_holds: np.ndarray
    scenario_low: np.ndarray | None
    scenario_high: np.ndarray | None
    shortfall_more: np.ndarray | None = None
    shortfall_less: np.ndarray | None = None
    shortfall_more_rate: np.ndarray | None = None
    shortfall_less_rate: np.ndarray | None = None
    """Soft targets: where a side's rate is taken with the least shortfall found again (no
    plan keeps today's), the least shortfall's rise per US$ million on it (NaN elsewhere)."""


@dataclass
class _Held:
    """The equivalent with its commitments fixed by rows `first` .. `first + K - 1`."""

    lp: CompiledLP
    ext: Extensive
    objective: str
    committed: np.ndarray
    first: int
    value: float
    per: np.ndarray  # each scenario's objective at the plan
    basis: Any  # the plan's optimal basis (highspy's HighsBasis)
    hold: int | None  # the expected shortfall's row under soft targets
    held_at: float
    quantum: float

    @property
    def h(self) -> Any:
        """The equivalent's HiGHS instance."""
        return self.lp.highs

    def per_scenario(self) -> np.ndarray:
        x = np.asarray(self.h.getSolution().col_value, dtype=float)
        plans, _ = self.ext.split(x)
        cost = self.lp.costs[self.objective][: plans.size].reshape(plans.shape)
        return np.asarray((cost * plans).sum(axis=1) * self.ext.scenarios, dtype=float)


def price_commitments(
    ext: Extensive, committed: np.ndarray, objective: str, coupled: bool, alone: Alone
) -> CommitmentPrices:
    """The prices of the plan's commitments `committed` on its equivalent `ext` (solved, or
    built only for this: it is re-solved with the commitments fixed first); `coupled`: soft
    targets or a CVaR cap tie the scenarios (no per-scenario change is given); `alone`: a
    scenario's objective solved alone, for the scenarios of a move that has no plan."""
    held = _hold(ext, committed, objective)
    k_all = len(committed)
    out = {name: np.full(k_all, np.nan) for name in _NAMES}
    pending: list[int] = []  # one more has no plan for every scenario at once: each alone
    blocked = blocked_moves(ext, held.committed)
    try:
        for k in np.flatnonzero(ext.lp.col_upper[ext.cols * ext.scenarios + np.arange(k_all)] > 0):
            pending += _price_one(held, int(k), out, coupled, blocked)
    finally:
        h = held.h
        h.deleteRows(k_all, np.arange(held.first, held.first + k_all, dtype=np.int32))
    _alone(held, pending, alone, out, blocked)
    soft = held.hold is not None
    return CommitmentPrices(
        out["more"],
        out["less"],
        out["more_rate"],
        out["more_holds"],
        out["less_rate"],
        out["less_holds"],
        None if coupled else out["scenario_low"],
        None if coupled else out["scenario_high"],
        out["shortfall_more"] if soft else None,
        out["shortfall_less"] if soft else None,
        out["shortfall_more_rate"] if soft else None,
        out["shortfall_less_rate"] if soft else None,
    )


_NAMES = (
    "more",
    "less",
    "more_rate",
    "more_holds",
    "less_rate",
    "less_holds",
    "scenario_low",
    "scenario_high",
    "shortfall_more",
    "shortfall_less",
    "shortfall_more_rate",
    "shortfall_less_rate",
)


def _hold(ext: Extensive, committed: np.ndarray, objective: str) -> _Held:
    """Fix the commitments by rows and re-solve: the plan's value, each scenario's part."""
    lp, h = ext.lp, ext.lp.highs
    k = len(committed)
    cols = (ext.cols * ext.scenarios + np.arange(k)).astype(np.int32)
    first = h.getNumRow()
    at = np.asarray(committed, dtype=float)
    h.addRows(k, at, at, k, np.arange(k, dtype=np.int32), cols, np.ones(k))
    set_costs(lp, lp.costs[objective])
    h.run()
    if status_of(h) is not Status.OPTIMAL:  # the plan itself fixed: cannot be, but never silent
        h.deleteRows(k, np.arange(first, first + k, dtype=np.int32))
        raise NotOptimalError(
            "the two-stage plan's own commitments, fixed, were not re-solved to an optimum "
            f"({status_of(h).name.lower()}), so no decide-now price can be given. Fix: raise "
            "solver.time_limit_s, or leave out --decide-now"
        )
    value = h.getObjectiveValue()
    hold = lp.row_family.index("shortfall_total") if "shortfall" in lp.costs else None
    held_at = float(lp.row_upper[hold]) if hold is not None else math.nan
    quantum = 10.0 ** math.floor(math.log10(1e-12 * max(1.0, abs(value))))
    held = _Held(
        lp, ext, objective, at, first, value, np.zeros(0), h.getBasis(), hold, held_at, quantum
    )
    held.per = held.per_scenario()
    return held


def _price_one(
    held: _Held, k: int, out: dict[str, np.ndarray], coupled: bool, blocked: Blocked
) -> list[int]:
    """Both rates and both whole US$ million of commitment k into `out`; [k] if one more has no
    plan and the scenarios are not coupled (each is then solved alone: `_alone`)."""
    seen: probes.Seen = {}
    units: dict[int, _Found] = {}  # the rates' one-unit probes, where they are the whole units
    lex: dict[int, float] = {}  # soft targets: the least shortfall's rise per unit, by side
    up, down = _rates(held, k, blocked, seen, units, lex)
    for sign, name in ((+1, "more"), (-1, "less")):
        out[f"shortfall_{name}_rate"][k] = lex.get(sign, np.nan)
    out["more_rate"][k], out["more_holds"][k] = up.rate, up.holds
    out["less_rate"][k], out["less_holds"][k] = -down.rate, down.holds
    pending = []
    for sign, name in ((+1, "more"), (-1, "less")):
        if blocked.side(k, sign) or (held.hold is None and _no_unit(seen, held.first + k, sign)):
            found = None  # no plan at the least move, or (the same LP) at the one-unit probe
        elif sign in units:
            found = units[sign]
        else:
            found = _whole(held, k, held.committed[k] + sign)
        out[name][k] = -np.inf if found is None else found[0]
        out[f"shortfall_{name}"][k] = np.nan if found is None else found[1]
        if sign > 0 and not coupled:
            if found is not None:
                out["scenario_low"][k], out["scenario_high"][k] = min(found[2]), max(found[2])
            elif _within(held, k, float(held.committed[k]) + 1.0):
                pending.append(k)
            else:  # past the column's own bounds, which every scenario shares
                out["scenario_low"][k] = out["scenario_high"][k] = -np.inf
    _round(held, k, out)
    return pending


_Found = tuple[float, float, list[float]]
"""One whole US$ million re-solved (`_whole`): the objective's change, the least shortfall's
rise, each scenario's change."""


def _rates(
    held: _Held,
    k: int,
    blocked: Blocked,
    seen: probes.Seen,
    units: dict[int, _Found],
    lex: dict[int, float],
) -> tuple[SideRate, SideRate]:
    """Commitment k's rate up (one more) and down (one less, as `side_rate` gives it: the
    objective's change per unit moved down, +inf where no plan), each re-solved unless no plan
    allows the least move (`blocked`); the instance is put back at the plan's optimum if an LP
    ran (`seen`: the probes solved). Without soft targets a probe one unit along a side is the
    LP `_whole` would solve: what it gives goes into `units` by side. Under soft targets a side
    that no plan allows with today's least shortfall held is `_lexicographic` (its shortfall's
    rise per unit into `lex` by side)."""
    h, row = held.h, held.first + k
    none = {+1: SideRate(-np.inf, np.inf, False, False), -1: SideRate(np.inf, np.inf, False, False)}
    if blocked.side(k, +1) and blocked.side(k, -1):
        return none[+1], none[-1]
    ran, basis, base, rows = probes.runs(h), h.getBasis(), Base.of(h), Rows.of(h)
    try:
        up, down = (
            none[sign]
            if blocked.side(k, sign)
            else side_rate(
                h,
                row,
                sign,
                base,
                seen,
                rows=rows,
                limit=_limit(blocked, k, sign),
                solved=None if held.hold is not None else _unit(held, sign, units),
            )
            for sign in (+1, -1)
        )
        if held.hold is not None:  # soft targets: past the held shortfall, both passes
            up, down = (
                _lexicographic(held, k, sign, lex)
                if np.isinf(side.rate) and not blocked.side(k, sign)
                else side
                for sign, side in ((+1, up), (-1, down))
            )
    finally:
        if probes.runs(h) != ran:
            restored(h, basis)
    return up, down


def _lexicographic(held: _Held, k: int, sign: int, lex: dict[int, float]) -> SideRate:
    """Side `sign` of commitment k with the least shortfall found again (`lexicographic_side`),
    its shortfall's rise per unit into `lex`."""
    assert held.hold is not None
    at = (held.hold, held.held_at, held.objective, held.basis)
    side, rise = lexicographic_side(held.lp, held.first + k, sign, *at)
    if rise is not None:
        lex[sign] = rise
    return side


def _unit(held: _Held, sign: int, units: dict[int, _Found]) -> Callable[[Point], None]:
    """What keeps the probe one unit along `sign` as that whole unit's re-solve (`_whole`)."""

    def told(p: Point) -> None:
        if p.t == 1.0:
            per = held.per_scenario() - held.per
            units[sign] = held.h.getObjectiveValue() - held.value, 0.0, per.tolist()

    return told


def _limit(blocked: Blocked, k: int, sign: int) -> float | None:
    """The move of commitment k along `sign` past which no plan exists, if one is known."""
    far = float(blocked.limit[sign][k])
    return far if np.isfinite(far) else None


def _no_unit(seen: probes.Seen, row: int, sign: int) -> bool:
    """Whether the rate's probe one unit along `sign` was solved and found no plan."""
    key = (row, sign, 1.0)
    return key in seen and seen[key] is None


def _alone(
    held: _Held, ks: list[int], alone: Alone, out: dict[str, np.ndarray], blocked: Blocked
) -> None:
    """Each scenario's change from one more US$ million in each of `ks`, solved alone (-inf:
    no plan; a scenario whose own rows allow no plan with the least move is not solved), as
    their least and most into `out`."""
    if not ks:
        return
    found = alone([(k, float(held.committed[k]) + 1.0, blocked.open_up(k)) for k in ks])
    for k, objectives in zip(ks, found, strict=True):
        changes = [
            -np.inf if f is None else f - p for f, p in zip(objectives, held.per, strict=True)
        ]
        out["scenario_low"][k], out["scenario_high"][k] = min(changes), max(changes)
        _round(held, k, out)


def _within(held: _Held, k: int, value: float) -> bool:
    """Whether commitment k may be `value` by its own bounds (0 and the program's room there)."""
    j = held.ext.cols * held.ext.scenarios + k
    return bool(held.lp.col_lower[j] <= value <= held.lp.col_upper[j])


def _whole(held: _Held, k: int, value: float) -> _Found | None:
    """Commitment k at `value`, re-solved (under soft targets: the least expected shortfall
    found again and held, then the objective): the objective's change, the least shortfall's
    rise, each scenario's change; None where no plan exists. The instance is put back."""
    h, row = held.h, held.first + k
    if not _within(held, k, value):
        return None  # past the column's own bounds: no plan, without a solve
    h.changeRowBounds(row, value, value)
    try:
        rise = _least_again(held) if held.hold is not None else 0.0
        if rise is None:
            return None
        set_costs(held.lp, held.lp.costs[held.objective])
        h.run()
        if status_of(h) is not Status.OPTIMAL and held.hold is not None:
            least = held.held_at + rise  # loosened once, as `allocator solve` does
            h.changeRowBounds(held.hold, -INF, least + HOLD_SLACK * max(1.0, least))
            h.run()
        if status_of(h) is not Status.OPTIMAL:
            return None
        per = held.per_scenario() - held.per
        return h.getObjectiveValue() - held.value, rise, per.tolist()
    finally:
        at = float(held.committed[k])
        h.changeRowBounds(row, at, at)
        if held.hold is not None:
            h.changeRowBounds(held.hold, -INF, held.held_at)
        set_costs(held.lp, held.lp.costs[held.objective])
        restored(h, held.basis)


def _least_again(held: _Held) -> float | None:
    """Soft targets: the least expected shortfall with the move, held at what was found, as the
    plan's pass holds it (`_whole` loosens it by `HOLD_SLACK` once where the objective pass then
    finds no plan, as `allocator solve` does; before, it was always loosened, and a US$ million
    less of a commitment whose rate is 0 changed the objective by what that slack is worth);
    its rise over the plan's, or None if no plan exists."""
    h, lp = held.h, held.lp
    assert held.hold is not None
    start = lp.hold_initial if lp.hold_initial is not None else INF
    h.changeRowBounds(held.hold, -INF, start)
    set_costs(lp, lp.costs["shortfall"])
    h.run()
    if status_of(h) is not Status.OPTIMAL:
        return None
    least = max(0.0, -float(h.getObjectiveValue()))
    h.changeRowBounds(held.hold, -INF, least)
    return float(least - held.held_at)


def _round(held: _Held, k: int, out: dict[str, np.ndarray]) -> None:
    """The values of k to the plan's resolution (`quantum`: 1e-12 of the objective, a power of
    10), noise to 0; amounts snapped as the tables snap money (799.99999 to 800), then to 12
    significant digits (as decide_now_prices.csv writes them): a piece's end found where two
    probes' lines meet carries noise past them that depends on which LPs ran before (the
    order of the commitments), which the workbook's full-precision cells would show. The least
    shortfall's rises, whole and per unit, alike to 1e-12 of the held least: one number where
    the rate holds for the whole unit (1.47971e-06; a re-solve's 1.8e-15 is 0)."""
    q = held.quantum
    for name in ("more", "less", "more_rate", "less_rate", "scenario_low", "scenario_high"):
        v = out[name][k]
        if np.isfinite(v):
            out[name][k] = float(np.round(v / q) * q) + 0.0
    for name in ("more_holds", "less_holds"):
        v = out[name][k]
        if np.isfinite(v):  # to the CSV's 12 digits: the last ones depend on earlier solves
            out[name][k] = float(f"{float(snap(np.array([v]))[0]):.12g}")
    q = 10.0 ** math.floor(math.log10(1e-12 * max(1.0, held.held_at)))  # nan (no soft): 1
    for name in _NAMES[8:]:  # the least shortfall's rises (NaN without soft targets)
        v = out[name][k]
        if np.isfinite(v):
            out[name][k] = float(np.round(v / q) * q) + 0.0
