"""Re-solves of one row's bound moved along one side, on the HiGHS instance that holds the
objective pass's optimum: each probe's objective and dual (a line above the concave optimal value),
the exact shortcuts that spare re-solves, and the moves past which the data lets no plan exist.

`allocator.solver.marginal` searches these probes for the first linear piece and where it ends.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from allocator.solver.basisrange import basis_range, direction_range
from allocator.solver.rows import Rows
from allocator.solver.status import Status, status_of

SHORTCUTS = True
"""Exact tests that spare re-solves: a move solved once is not solved again (`Side.at`), a cut
no column bound allows is infeasible without a solve (`Side.blocked`), a side infeasible at
one unit is tried at the least move next (infeasible there, it is infeasible at every move: the
moves a plan allows are an interval around 0), a probe on the line of an earlier probe's optimal
basis over the moves that basis stays feasible for is not re-solved (`Side.implied`), and probes
between the farthest move known feasible and one known infeasible are assumed infeasible, the
nearest of them re-solved to confirm all (`marginal`'s piece search). False: every probe
re-solved, as the tests compare."""

_RUNS: weakref.WeakKeyDictionary[highspy.Highs, int] = weakref.WeakKeyDictionary()
"""How many LPs the rates' re-solves ran on each instance (`run`; an instance let go is dropped
with it), so that `units.listed_rates` restores the plan's instance only where one ran (issue
30: at 1e6 nonzeros no listed side is re-solved, and the restore was a re-solve of 0
iterations, 0.03 s)."""


def run(h: highspy.Highs) -> None:
    """`h.run()`, counted first (a run interrupted still counts: the instance may have moved)."""
    _RUNS[h] = _RUNS.get(h, 0) + 1
    h.run()


def runs(h: highspy.Highs) -> int:
    """How many times `run` ran `h`."""
    return _RUNS.get(h, 0)


ON_LINE = 1e-9
"""A probe lies on a line when its objective differs by at most this, relative to the optimum."""

_INF = highspy.kHighsInf


@dataclass(frozen=True)
class Point:
    """A probe at distance t along the side: w = v(b + sigma t), slope s = dw/dt there."""

    t: float
    w: float
    s: float
    free: bool
    """The row has slack there after loosening: moving it further changes nothing."""


_UNKNOWN = Point(np.nan, np.nan, np.nan, False)
"""What `Side.implied` returns for a move only a re-solve can tell."""


Seen = dict[tuple[int, int, float], "Point | None"]
"""Probes solved on one LP, by (row, sigma, t)."""


class Side:
    """Re-solves of one row moved by t >= 0 in one direction (`sigma` +1 up, -1 down)."""

    def __init__(
        self,
        h: highspy.Highs,
        row: int,
        sigma: int,
        w0: float,
        s0: float,
        seen: Seen | None = None,
        rows: Rows | None = None,
    ) -> None:
        self.h, self.row, self.sigma, self.w0, self.s0 = h, row, sigma, w0, s0
        self.key = row
        """The probes' key in `seen` (a `Bundle`'s differs from its row's own)."""
        self.rows = Rows.of(h) if rows is None else rows
        """The rows `h` holds, read once for every side of the rates (`solver/rows.py`)."""
        self.lower, self.upper = self.rows.bounds(row)
        self.seen = {} if seen is None else seen
        """Probes already solved on this instance's LP, by (row, sigma, t): `at` re-solves none
        twice (the rate's probe at one unit is the whole unit's)."""
        at_upper = self.upper < _INF and (
            self.lower <= -_INF or self.lower == self.upper or s0 * sigma >= 0
        )
        self.moves = (self.lower > -_INF and (not at_upper or self.lower == self.upper), at_upper)
        self.rhs = self.upper if at_upper else self.lower
        self.loosens = (sigma > 0) == at_upper and self.lower != self.upper
        self.tol = ON_LINE * max(1.0, abs(w0))
        self.lines: list[tuple[Point, float]] = []
        """Probes solved on this side, each with the farthest move its optimal basis stays
        feasible (so optimal, its dual the slope) for."""
        self.holds: Point | None = None
        """The probe whose optimum the instance holds, its range not read yet."""
        self.current: Point | None = None
        """The probe last solved, when the row sits at the bound it moves (the instance holds
        its optimal basis), else None."""
        self.feasible, self.infeasible = 0.0, np.inf
        """The farthest move known feasible, the nearest re-solved infeasible."""
        self.speculate = False
        self.assumed: list[float] = []
        """Moves assumed infeasible while `speculate`, to confirm (then confirmed by `marginal`)."""
        self.stop: float | None = None
        """Where the piece `_piece_end` found ends where no plan is feasible: the nearest move
        found infeasible past its end (None: the rate changes there, or holds without limit)."""
        self.short = False
        """Whether `_piece_end` ran out of re-solves (`marginal.MAX_PROBES`) before finding
        where the piece ends: the amount is the farthest move found on it, a lower bound."""
        self.solved: Callable[[Point], None] | None = None
        """Told of each probe solved (the instance then holds its optimum), where the caller
        of `marginal.side_rate` reads more of it (a two-stage plan's scenarios)."""
        self.limit: float | None = None
        """A move past which no plan exists, known without a solve where the caller of
        `marginal.side_rate` knows one (None: not known): the piece's search probes it first."""

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

    def at(self, t: float, slope: float | None = None) -> Point | None:
        """Re-solve with the row moved by t; None if that is infeasible (or not solved). A move
        solved before on this LP (`seen`) is not solved again, nor (given the `slope` of the
        piece sought) one that `implied` tells."""
        key = (self.key, self.sigma, t)
        if SHORTCUTS and key in self.seen:
            return self.seen[key]
        if SHORTCUTS and slope is not None:
            known = self.implied(t, slope)
            if known is not _UNKNOWN:
                return known
        self.seen[key] = point = self.solve(t)
        return point

    def implied(self, t: float, slope: float) -> Point | None:
        """The probe at t without a re-solve, or `_UNKNOWN`: on the line (`slope` through the
        base optimum) of a probe whose optimal basis stays feasible up to t (a re-solve there
        would start optimal, so make no iteration and find the same point); None while
        `speculate` for a move past the farthest known feasible and short of one infeasible."""
        self.read_range()
        for p, reach in self.lines:
            if p.t < t <= reach:
                point = Point(t, p.w + p.s * (t - p.t), p.s, False)
                if self.on(point, slope):  # else re-solved: its w sets where the piece ends
                    self.feasible = max(self.feasible, t)
                    return point
        if self.speculate and self.feasible < t < self.infeasible < np.inf:
            self.assumed.append(t)
            return None
        return _UNKNOWN

    def resolved(self, t: float) -> tuple[float, float] | None:
        """The row's bounds moved to `t` and re-solved (the probe's marks cleared): those
        bounds, or None (and `infeasible` lowered to `t`) if the LP is not optimal there."""
        low, up = self.move(t)
        run(self.h)
        self.holds = self.current = None
        if status_of(self.h) is not Status.OPTIMAL:
            self.infeasible = min(self.infeasible, t)
            return None
        return low, up

    def solve(self, t: float) -> Point | None:
        bounds = self.resolved(t)
        if bounds is None:
            return None
        low, up = bounds
        sol = self.h.getSolution()
        at = float(sol.row_value[self.row])  # each read of row_value copies it all
        slack = min(up - at, at - low)
        w = self.h.getObjectiveValue()
        s = self.sigma * float(sol.row_dual[self.row])
        point = Point(t, w, s, self.loosens and slack > 1e-9 * max(1.0, abs(self.rhs)))
        self.feasible = max(self.feasible, t)
        moved = [b for b, m in zip((low, up), self.moves, strict=True) if m]
        if any(abs(at - b) <= 1e-9 * max(1.0, abs(b)) for b in moved):
            self.current = point  # the row at the bound moved: a further move moves its activity
            self.holds = point if SHORTCUTS else None
        if self.solved is not None:
            self.solved(point)
        return point

    def unlimited(self, p: Point, slope: float) -> bool:
        """Whether the piece of `slope` that `p` lies on holds however far the row moves: an
        optimal basis on it (of `p`, the probe last solved, or of an earlier probe on the same
        line) stays primal feasible without limit (`basis_range` inf), so optimal with the same
        dual. Exact, in both modes of `SHORTCUTS`: with every probe re-solved, each probe on
        the line starts from that basis and keeps it."""
        if self.current is p and self.reach() == np.inf:
            return True
        self.read_range()
        return any(reach == np.inf and self.on(q, slope) for q, reach in self.lines)

    def read_range(self) -> None:
        """The range of the probe whose optimum the instance holds, into `lines`."""
        if self.holds is not None:
            p, self.holds = self.holds, None
            reach = p.t + self.reach()
            self.lines.append((p, reach))
            self.feasible = max(self.feasible, reach)

    def blocked(self) -> bool:
        """Whether no plan has the row moved this way at all, without a solve: the move tightens
        the row and its columns' bounds already hold it at the bound moved (a budget of 0 cut;
        the least activity over the bounds is no lower than the bound). Every move of
        `marginal.SMALLEST` or more then breaks the row by at least that, 1,000 times HiGHS's
        tolerance: what the probes of `_one_side` would find, exactly."""
        if not SHORTCUTS or not self.tightens:
            return False
        least, most = self.extremes()
        if self.sigma < 0:  # the upper bound moved down: no plan has less than the least
            return bool(least >= self.upper)
        return bool(most <= self.lower)

    def extremes(self) -> tuple[float, float]:
        """The row's least and most activity over its columns' bounds alone."""
        index, value = self.rows.entries(self.row)
        cols = self.h.getCols(len(index), index)
        low = value * cols[3][: len(index)]  # each entry's extremes over its bounds
        up = value * cols[4][: len(index)]
        return float(np.minimum(low, up).sum()), float(np.maximum(low, up).sum())

    def breakpoints(self) -> list[float]:
        """The moves, fixed by the data, past which the row itself may allow no plan, nearest
        first: the bound moved reaches 0 (a budget cut to nothing), or one of `walls`."""
        found = [-self.sigma * self.rhs, *self.walls()]
        return sorted({t for t in found if 0 < t < np.inf})

    def walls(self) -> list[float]:
        """The moves past which the row itself allows no plan at all: the row's other bound,
        or the least (most) activity its columns' bounds allow."""
        least, most = self.extremes()
        found = []
        if self.sigma < 0 and self.moves[1]:
            found += [self.upper - least, self.upper - self.lower]
        if self.sigma > 0 and self.moves[0]:
            found += [most - self.lower, self.upper - self.lower]
        return sorted({t for t in found if 0 < t < np.inf})

    def on(self, p: Point, slope: float) -> bool:
        """Whether `p` lies on the line through the base optimum with `slope`."""
        return abs(p.w - (self.w0 + slope * p.t)) <= self.tol

    def members(self) -> list[int]:
        """The rows the move moves."""
        return [self.row]

    def reach(self) -> float:
        """How much further the move goes with the optimal basis the instance holds (at the
        probe last solved) primal feasible: `basis_range`."""
        return basis_range(self.h, self.row, self.sigma, self.rows)

    def restore(self) -> None:
        self.h.changeRowBounds(self.row, self.lower, self.upper)


Together = tuple[np.ndarray, np.ndarray]
"""Rows that one datum sets with a row, and their coefficients: moving the datum by t moves the
row by t and each of these by its coefficient x t (a program's `cap_musd`: its `program_cap` row
by t, each of its yearly `ramp` rows by max_annual_share x t)."""


class Bundle(Side):
    """Re-solves of a row moved together with the rows the same datum sets (`Together`): as
    `allocator solve` on the data moved by t. The rate is that of the value along the direction
    (each probe's slope: its duals times the rows' moves, a line above the concave value), so
    the sandwich search of `marginal` applies as for one row; no basis range is read (HiGHS's
    ranges are one row's): the basis's reach along the move is `direction_range`."""

    def __init__(
        self,
        h: highspy.Highs,
        row: int,
        together: Together,
        sigma: int,
        w0: float,
        dual: np.ndarray,
        seen: Seen | None = None,
        rows: Rows | None = None,
    ) -> None:
        others, coef = together
        s0 = sigma * (float(dual[row]) + float(coef @ dual[others]))
        super().__init__(h, row, sigma, w0, s0, seen, rows)
        self.key = -1 - row
        self.others = np.asarray(others, dtype=np.int32)
        self.coef = np.asarray(coef, dtype=float)
        self.others_lower = self.rows.lower[self.others].copy()
        self.others_upper = self.rows.upper[self.others].copy()
        self.moved = 0.0
        """The move the instance holds (`move`)."""

    def members(self) -> list[int]:
        return [self.row, *self.others.tolist()]

    def reach(self) -> float:
        rows = np.append(self.others, self.row)
        coef = np.append(self.coef, 1.0)
        t = self.sigma * self.moved
        upper = np.append(self.others_upper + t * self.coef, self.upper + t * self.moves[1])
        return direction_range(self.h, rows, coef, self.sigma, self.rows, upper)

    def move(self, t: float) -> tuple[float, float]:
        """Move the row by t and the others by their coefficients x t (their upper bounds: the
        ramp rows are `<=` limits); returns the row's new bounds."""
        bounds = super().move(t)
        self.moved = t
        upper = self.others_upper + self.sigma * t * self.coef
        self._set(self.others_lower, upper)
        return bounds

    def _set(self, lower: np.ndarray, upper: np.ndarray) -> None:
        n = len(self.others)
        self.h.changeRowsBounds(n, self.others, lower, upper)  # type: ignore[attr-defined]  # stub gap

    def solve(self, t: float) -> Point | None:
        bounds = self.resolved(t)
        if bounds is None:
            return None
        up = bounds[1]
        sol = self.h.getSolution()
        dual, value = np.asarray(sol.row_dual), np.asarray(sol.row_value)
        s = self.sigma * (float(dual[self.row]) + float(self.coef @ dual[self.others]))
        upper = np.append(self.others_upper + self.sigma * t * self.coef, up)
        at = np.append(value[self.others], value[self.row])
        # loosened with slack in every row moved: moving further changes nothing
        free = self.loosens and bool((upper - at > 1e-9 * np.maximum(1.0, abs(upper))).all())
        self.feasible = max(self.feasible, t)
        point = Point(t, self.h.getObjectiveValue(), s, free)
        self.current = point  # any optimal basis has a reach along the move
        self.holds = point if SHORTCUTS else None
        return point

    def restore(self) -> None:
        super().restore()
        self.moved = 0.0
        self._set(self.others_lower, self.others_upper)


def side_of(
    h: highspy.Highs,
    row: int,
    sigma: int,
    w0: float,
    dual: np.ndarray,
    seen: Seen | None = None,
    rows: Rows | None = None,
    together: Together | None = None,
) -> Side:
    """The re-solves of `row` moved on side `sigma` from the optimum (`w0`, its row duals
    `dual`): alone, or with the rows `together` says the same datum moves (`Bundle`)."""
    if together is None or len(together[0]) == 0:
        return Side(h, row, sigma, w0, sigma * float(dual[row]), seen, rows)
    return Bundle(h, row, together, sigma, w0, dual, seen, rows)
