"""Where a listed row's side ends, and what lies past it (`ENDS`), for `units.listed_rates`.

A side's rate is the dual over the basis's allowable range, said as a lower bound (`AT_LEAST`):
the basis stops there, and the rate may hold further. For a row a report lists, `extend`
re-solves past that range (`marginal.side_end`) to find where the rate really changes, or that
no plan is feasible past it (`THEN_NO_PLAN`), or, under soft targets, that a plan is but with a
larger least shortfall (`THEN_SHORTFALL`). Above `units.EXTEND_UP_TO` nonzeros it re-solves
nothing: the basis's range stands, exact where it ends at a wall of the row (`_wall_end`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from allocator.solver.marginal import Base, SideRate, side_end
from allocator.solver.probes import Seen, Side, Together, run, side_of
from allocator.solver.rows import Rows
from allocator.solver.status import Status, status_of
from allocator.solver.wholeunit import Lexicographic, Normalised

if TYPE_CHECKING:
    from allocator.solver.sharecap import ShareCell

_INF = highspy.kHighsInf

AT_LEAST, THEN_NO_PLAN, THEN_SHORTFALL = "at least", "then no plan", "then shortfall rises"
AT_MINIMUM = "then at its minimum"
AT_MAXIMUM = "then at its maximum"
"""The cell behind the row reaches the most it takes there (a share cap's max_share at 1)."""
AT_BASE = "then at the existing level"
"""A tranche's from_level cut to the sector's existing jobs: the row's limit is then the base
(`data.levels.tranche_limit`), so a further cut of the cell changes nothing."""
NOT_LINEAR = "not linear"
"""A share cap's side with no rate at the margin: the value is not linear in max_share there,
as all spending in the phase moved with it in the re-solves (`sharecap.share_side`); its
whole unit is the re-solve's."""
ACTS = "then it acts"
"""A tranche's from_level below the sector's existing jobs, raised to them: the row's limit is
the base until then (`data.levels.tranche_limit`), so the rate is 0 that far, the row's own
past it."""
"""`ENDS`: the side's amount is a lower bound (the basis's range only, or the farthest move the
re-solves allowed per side found on the rate: it holds at least that far, and may further); no
plan is feasible past it; or (soft targets) no plan past it keeps today's least
target shortfall, and `allocator solve` on the data moved further finds a larger one."""

ENDS = (AT_LEAST, THEN_NO_PLAN, THEN_SHORTFALL)
"""What `up_end` and `down_end` may say past a side's amount; empty: the rate changes there (or
holds for any amount, or the side is not computed)."""


def basis_ends(reach: np.ndarray) -> np.ndarray:
    """`AT_LEAST` where a side's amount is a finite, non-zero basis range (Excel's)."""
    return np.where((reach > 0) & (reach < np.inf), AT_LEAST, "").astype(object)


SIDES = {+1: ("gain_per_unit_up", "up_holds_for"), -1: ("loss_per_unit_down", "down_holds_for")}
"""Each side's (`sigma` +1: up, -1: down) rate and how far it holds, as `listed_rates` names
them."""
END_OF = {+1: "up_end", -1: "down_end"}
"""Each side's `ENDS` word, as `listed_rates` names it."""


@dataclass(frozen=True)
class Datum:
    """How the cells behind rows move them, where a unit of the cell is not a unit of the row
    alone (`ranging.datum_of`): `scale`, the row's units per unit of its cell (markets.csv's
    market_musd sets its rows at max_share of it: the rates, amounts and whole units are the
    cell's); `room_down`, how far each row's cell may fall before it reaches the least value
    the data takes, in the cell's units (inf: no such cell known); `weights`, the target rows
    whose weight is 1/value (an empty weight cell), by row: their shortfall column and value,
    so a whole unit moves the weight with the value (`wholeunit.unit_move`); `based`, the rows
    whose room ends at the level that exists before the plan, not at the cell's least value
    (a tranche above its sector's base: `AT_BASE`); `shares`, the group_share rows' max_share
    cells, whose moves are of the row's coefficients (`sharecap`); `shadowed`, the tranche rows
    whose from_level is at or below the sector's base, by row: from_level and how far below
    the base it is (the row's limit is the base: a move of from_level that stays at or below
    it changes nothing)."""

    scale: dict[int, float] = field(default_factory=dict)
    room_down: np.ndarray | None = None
    weights: dict[int, tuple[int, float]] = field(default_factory=dict)
    based: frozenset[int] = frozenset()
    shares: dict[int, ShareCell] = field(default_factory=dict)
    shadowed: dict[int, tuple[float, float]] = field(default_factory=dict)

    def step(self, i: int) -> float:
        """Row `i`'s units per unit of its cell."""
        return self.scale.get(i, 1.0)

    def room(self, i: int, sigma: int) -> float:
        """How far row `i`'s cell may move on side `sigma`, in its units."""
        if sigma > 0 or self.room_down is None:
            return np.inf
        return float(self.room_down[i])


@dataclass(frozen=True)
class Probe:
    """What the re-solves of `units.listed_rates` share: the instance, the optimum `base` the rates
    are taken at, the probes solved so far (`seen`), its rows read once (`rows`) and how soft
    targets are solved (`lex`)."""

    h: highspy.Highs
    base: Base
    seen: Seen
    rows: Rows
    lex: Lexicographic | None
    together: dict[int, Together]
    """Rows whose numbers are a datum's, moving other rows with them (`Bundle`)."""
    resolve: bool
    """Whether sides are re-solved (`units.EXTEND_UP_TO`)."""
    norm: Normalised | None = None
    """A weighted index's measures (`wholeunit.Normalised`)."""
    datum: Datum = field(default_factory=Datum)
    """How the cells behind the rows move them (`Datum`)."""
    pending: list[tuple[int, int, Callable[[], str]]] = field(default_factory=list)
    """Sides that hold for no amount, what lies past them not settled yet (`none_end`)."""


def extend(
    probe: Probe,
    i: int,
    sigma: int,
    ranges: tuple[np.ndarray, np.ndarray],
    out: dict[str, np.ndarray],
) -> None:
    """Where the side `sigma` of the listed row `i` ends, if its rate is the dual over a finite
    allowable range: re-solved past that range (`marginal.side_end`), since the basis's range
    is where the basis stops, and the rate may hold further."""
    _, holds = SIDES[sigma]
    reach = float(ranges[0 if sigma > 0 else 1][i])
    if not (0 < reach < np.inf) or out[holds][i] != reach:
        return
    if not probe.resolve:  # the basis's range stands: at least that far,
        _wall_end(probe, i, sigma, reach, out)  # or exactly, where the data fixes its end
        return
    step = probe.datum.step(i)  # the row's units per unit of its cell
    found, no_plan, short = side_end(
        probe.h, i, sigma, probe.base, reach * step, probe.seen, probe.rows, probe.together.get(i)
    )
    end = found / step
    out[holds][i] = end
    out[END_OF[sigma]][i] = end_word(probe, i, sigma, end, no_plan, short)
    out["re_solved"][i] = True
    at_minimum(probe, i, sigma, out)


def at_minimum(probe: Probe, i: int, sigma: int, out: dict[str, np.ndarray]) -> None:
    """End a re-solved side of row `i` whose finite rate holds past where its cell reaches the
    least value the data takes (`Datum.room`) there, said so (`AT_MINIMUM`): no data moves the
    row further (the baseline's tranche of aerospace at 25,000 jobs: its rate held for 59,227
    jobs less, a from_level of -34,227 that `allocator solve --set` refuses). A side that ends
    there already keeps its words (a budget cut to 0: then no plan)."""
    rate, holds = SIDES[sigma]
    room = probe.datum.room(i, sigma)
    amount = float(out[holds][i])
    if np.isfinite(out[rate][i]) and amount > room + 1e-9 * max(1.0, room):
        word = AT_BASE if i in probe.datum.based else AT_MINIMUM
        out[holds][i], out[END_OF[sigma]][i] = room, word


def _wall_end(probe: Probe, i: int, sigma: int, reach: float, out: dict[str, np.ndarray]) -> None:
    """Where the basis's range of row `i`'s side `sigma` ends at a wall of the row (its other
    bound, or the least or most activity its columns' bounds allow: `Side.walls`), the rate
    holds exactly that far and no plan is feasible past it, proven with no re-solve: said so
    (the baseline's korea phase3 budget cut to 0: 2,181.8 musd, then no plan is feasible)."""
    dual = sigma * float(probe.base.dual[i])
    side = Side(probe.h, i, sigma, probe.base.objective, dual, None, probe.rows)
    near = 1e-9 * max(1.0, reach)
    for wall in side.walls():
        if abs(wall - reach) <= near:
            out[SIDES[sigma][1]][i], out[END_OF[sigma]][i] = wall, THEN_NO_PLAN
            return


def held_for_none(found: SideRate) -> SideRate:
    """A side that no move keeps feasible at today's least shortfall (`marginal._one_side`: no
    plan at its least move, or `Side.blocked`), as a side whose end `side_end` finds within its
    resolution of 0 is said: the rate the side starts at (the base dual) for no amount (0),
    then no plan (`none_end` says whether `allocator solve` finds one at a larger least
    shortfall), not an infinite rate for every amount; other sides as they are."""
    if not np.isinf(found.rate):
        return found
    return SideRate(found.margin, 0.0, True, False, found.margin, found.blocked)


def none_end(
    probe: Probe,
    i: int,
    sigma: int,
    found: SideRate,
    out: dict[str, np.ndarray],
    past: Callable[[], str],
) -> None:
    """What lies past a side of row `i` that holds for no amount (`held_for_none`): `THEN_NO_PLAN`
    where that is proven (the row's columns' bounds allow no move: `found.blocked`; no soft
    targets; the hold row itself), else left to `settle_ends`, once every side and whole unit
    is known (`past`: the re-solve that tells, `_past_end` or a share cap's)."""
    lex = probe.lex
    if found.blocked or lex is None or lex.row == i:
        out[END_OF[sigma]][i] = THEN_NO_PLAN
        return
    probe.pending.append((i, sigma, past))


UNIT_OF = {+1: "gain_of_one_unit_up", -1: "loss_of_one_unit_down"}
"""Each side's whole unit, as `units.listed_rates` names it."""


def settle_ends(probe: Probe, out: dict[str, np.ndarray]) -> None:
    """The ends `none_end` left, after every listed row's sides and whole units (so the
    re-solves here move no other row's probes): `THEN_SHORTFALL` where the side's whole unit
    found a plan (`allocator solve` on the data moved one unit, the least shortfall found
    again: a plan past no amount, at a larger least, since today's held has none), else
    what the side's own re-solve past 0 finds (`past`)."""
    for i, sigma, past in probe.pending:
        unit = float(out[UNIT_OF[sigma]][i])
        out[END_OF[sigma]][i] = THEN_SHORTFALL if np.isfinite(unit) else past()
    probe.pending.clear()


def end_word(probe: Probe, i: int, sigma: int, end: float, no_plan: bool, short: bool) -> str:
    """What lies past a re-solved side's `end` (`ENDS`): `AT_LEAST` where the re-solves ran
    out before its end (`short`), what `_past_end` finds where no plan is, else nothing (the
    rate changes there)."""
    if short:
        return AT_LEAST
    return _past_end(probe, i, sigma, end) if no_plan else ""


PAST = 1e-6
"""How far past a side's end (relative, at least that many units) `_past_end` re-solves:
beyond HiGHS's feasibility tolerance (1e-7) at any amount."""


def _past_end(probe: Probe, i: int, sigma: int, end: float) -> str:
    """What lies past the end (in its cell's units, `Datum`) of row `i`'s side `sigma`, where
    the objective's pass (today's least target shortfall held) has no plan: `THEN_NO_PLAN` if
    no plan is feasible there with the hold released too, else `THEN_SHORTFALL` (`allocator
    solve` on the data moved there finds a plan, at a larger least shortfall: the baseline's
    rnd phase3 cut past 5,587.46;
    tests/data/base_levels's public p1 budget cut past 45 musd, where today's least is 0).
    Without soft targets, or on the hold row itself, the pass's infeasibility is the data's."""
    lex = probe.lex
    if lex is None or lex.row == i:
        return THEN_NO_PLAN
    h = probe.h
    side = side_of(
        h, i, sigma, probe.base.objective, probe.base.dual, None, probe.rows, probe.together.get(i)
    )
    return past_released(probe, side, end * probe.datum.step(i))  # in the row's units


def past_released(probe: Probe, side: Any, far: float) -> str:
    """`THEN_SHORTFALL` if a plan is feasible just past `far` (`side` moved there, in its own
    units) with today's least shortfall released (`probe.lex`, soft targets), else
    `THEN_NO_PLAN`; the hold and `side` restored (a row's side, or a share cap's: `sharecap`)."""
    lex, h = probe.lex, probe.h
    assert lex is not None
    try:
        h.changeRowBounds(lex.row, -_INF, lex.unheld)
        side.move(far + PAST * max(1.0, far))
        run(h)
        feasible = status_of(h) is Status.OPTIMAL
    finally:
        h.changeRowBounds(lex.row, -_INF, lex.held)
        side.restore()
    return THEN_SHORTFALL if feasible else THEN_NO_PLAN
