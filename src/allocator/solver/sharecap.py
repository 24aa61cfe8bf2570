"""A group share cap priced per percentage point of groups.csv's max_share, the cell `allocator
solve --set` moves, for `units.listed_rates`.

The row `group_share[d, m, f]`: inside - max_share x (inside + outside) <= 0 holds max_share in
its coefficients (1 - max_share on the group's spending columns of the phase, -max_share on the
phase's other spending), its right-hand side 0 is no cell. A move of max_share by t points is
those coefficients set at max_share + t / 100 (`ShareSide.move`), and re-solved as `allocator
solve` on the moved data. At the margin, d(objective) / d(max_share) is the row's dual times all
spending in the phase at the optimum (`ShareCell.total`), so a side's rate starts at dual x
total / 100 a point (`ShareSide.s0`); each probe's slope is its own dual times its own total.
The value is not linear in max_share where all spending moves with it (a pool's share of a sum
that the other pools bound: x = y s / (1 - s)); there the re-solves find no piece that the rate
holds on, and the side has no rate, said so (`NOT_LINEAR`), its whole unit the re-solve's.

A side ends where the rate changes, or where max_share reaches 0 or 1 (`ShareCell.room`: a
move past them is no value the data takes, so no probe goes there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import highspy
import numpy as np

from allocator.solver.highs import held_counts
from allocator.solver.marginal import Base, rate_of
from allocator.solver.probes import Point, Seen, Side
from allocator.solver.rows import Rows
from allocator.solver.sideends import (
    AT_LEAST,
    AT_MAXIMUM,
    AT_MINIMUM,
    END_OF,
    NOT_LINEAR,
    SIDES,
    THEN_NO_PLAN,
    Probe,
    held_for_none,
    none_end,
    past_released,
)
from allocator.solver.wholeunit import unit_move

if TYPE_CHECKING:
    from allocator.solver.compile import CompiledLP

_INF = highspy.kHighsInf

POINT = 100.0
"""Percentage points in a share of 1: a side's amounts and whole units are points of max_share."""


@dataclass(frozen=True)
class ShareCell:
    """groups.csv's max_share behind a `group_share` row: its value, the row's columns (the
    group's spending in the phase, `inside`, and the phase's other spending, `outside`) and all
    spending in the phase at the optimum the rates are taken at (`total`, musd)."""

    share: float
    inside: np.ndarray
    outside: np.ndarray
    total: float
    moved: set[int] = field(default_factory=set, compare=False)
    """The sides (`sigma`) at a probe of which all spending in the phase was not `total`: the
    value moves with max_share through it (kept here, since a probe solved once is not solved
    again, `Side.at`)."""

    def room(self, sigma: int) -> float:
        """How many points max_share may move on side `sigma` before it reaches 1 (up) or 0."""
        return (1.0 - self.share) * POINT if sigma > 0 else self.share * POINT

    def per_point(self) -> float:
        """The row's musd per point of max_share at the margin: all spending over 100."""
        return self.total / POINT


def share_cells(
    lp: CompiledLP, col_value: np.ndarray, columns: bool = True
) -> dict[int, ShareCell]:
    """The max_share cell of each `group_share` row of `lp`, by row, from the data it was built
    of (`CompiledLP.inputs`) and the optimum's column values `col_value`. A row's columns are
    its own entries (1 - max_share inside, -max_share outside); a share of 1 or 0 stores no
    zero, so the columns it lacks are the phase's other spending columns (`_spending`).
    Without `columns` (a model too large for its rows' re-solves, `units.EXTEND_UP_TO`: a
    share row holds every spending column of its phase, 0.1 s to read 3 of them at 1e6
    nonzeros), none are read and the total is unknown (nan): the sides are not computed."""
    inp = lp.inputs
    if inp is None or "group_share" not in lp.row_family:
        return {}
    shares = {(g.dimension, g.member, g.phase): g.max_share for g in inp.groups}
    first = lp.row_family.index("group_share")  # a family's rows are one run
    last = first
    while last + 1 < len(lp.row_family) and lp.row_family[last + 1] == "group_share":
        last += 1
    cells = {}
    if not columns:
        none = np.zeros(0, dtype=np.int32)
        for i in range(first, last + 1):
            share = shares.get(tuple(lp.row_index[i]))
            if share is not None:
                cells[i] = ShareCell(share, none, none, np.nan)
        return cells
    entries = _entries(lp, first, last)
    for i in range(first, last + 1):
        share = shares.get(tuple(lp.row_index[i]))
        if share is None:
            continue
        index, value = entries[i]
        if 0 < share < 1:
            inside, outside = index[value > 0], index[value < 0]
        else:
            phase = _spending(lp, str(lp.row_index[i][2]))
            stored = index if share == 1 else index[value > 0]
            rest = np.setdiff1d(phase, stored).astype(np.int32)
            inside, outside = (rest, stored) if share == 1 else (stored, rest)
        total = float(col_value[inside].sum() + col_value[outside].sum())
        cells[i] = ShareCell(share, inside, outside, total)
    return cells


def _entries(lp: CompiledLP, first: int, last: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The columns and values of rows `first` to `last` of `lp`, by row, in one pass over its
    matrix where HiGHS holds it (`rows.Rows`; else each row read from HiGHS): 4 ms, not 1 a
    row, at 1e6 nonzeros."""
    view = Rows(lp.highs, lp.row_lower, lp.row_upper, lp.matrix)
    a = lp.matrix
    if view.matrix is None or held_counts(lp.highs) != (*a.shape, a.nnz):
        return {i: view.entries(i) for i in range(first, last + 1)}
    at = np.flatnonzero((a.indices >= first) & (a.indices <= last))
    row = a.indices[at]
    col = (np.searchsorted(a.indptr, at, side="right") - 1).astype(np.int32)
    value = a.data[at]
    out = {}
    for i in range(first, last + 1):
        mine = (row == i) & (value != 0)
        out[i] = (col[mine], value[mine])
    return out


def _spending(lp: CompiledLP, phase: str) -> np.ndarray:
    """The investment columns spent in `phase` (every one for `all`), as `model.constraints`
    puts them in a share row."""
    inp = lp.inputs
    assert inp is not None
    years: set[int] | None = None
    if phase != "all":
        (p,) = [p for p in inp.phases if p.phase == phase]
        years = set(range(p.first_year, p.last_year + 1))
    cols = [
        j
        for j, (f, k) in enumerate(zip(lp.col_family, lp.col_index, strict=True))
        if f == "invest" and (years is None or int(k[2]) in years)
    ]
    return np.array(cols, dtype=np.int32)


class ShareSide(Side):
    """Re-solves of a `group_share` row with max_share moved by t points on side `sigma`: its
    coefficients at max_share + sigma t / 100 (`move`), none past 0 or 1 (`at`). Each probe's
    slope is its dual times its total spending over 100 (`solve`); no basis range is read (a
    basis's range is of a right-hand side)."""

    def __init__(
        self,
        h: highspy.Highs,
        row: int,
        sigma: int,
        base: Base,
        cell: ShareCell,
        seen: Seen | None = None,
        rows: Rows | None = None,
    ) -> None:
        s0 = sigma * float(base.dual[row]) * cell.per_point()
        super().__init__(h, row, sigma, base.objective, s0, seen, rows)
        self.key = -1 - h.getNumRow() - row  # apart from the row's own and a `Bundle`'s
        self.cell = cell
        self.held = cell.share
        """The max_share the row's coefficients hold now."""

    def _coefficients(self, share: float) -> None:
        if share == self.held:
            return
        for cols, value in ((self.cell.inside, 1.0 - share), (self.cell.outside, -share)):
            for j in cols.tolist():
                self.h.changeCoeff(self.row, j, value)
        self.held = share

    def move(self, t: float) -> tuple[float, float]:
        """max_share moved by t points (not solved): at 1 or more the row holds for any plan,
        so its bound is lifted instead (no coefficient of 0, which HiGHS deletes)."""
        share = self.cell.share + self.sigma * t / POINT
        if share >= 1:
            self._coefficients(self.cell.share)
            self.h.changeRowBounds(self.row, self.lower, _INF)
            return self.lower, _INF
        self._coefficients(max(share, 0.0))
        self.h.changeRowBounds(self.row, self.lower, self.upper)
        return self.lower, self.upper

    def at(self, t: float, slope: float | None = None) -> Point | None:
        """`Side.at`, but no move past max_share 0 or 1 (None: no value the data takes)."""
        room = self.cell.room(self.sigma)
        if t > room + 1e-12 * max(1.0, room):
            self.infeasible = min(self.infeasible, t)
            return None
        return super().at(t, slope)

    def solve(self, t: float) -> Point | None:
        bounds = self.resolved(t)
        if bounds is None:
            return None
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value)
        total = float(col[self.cell.inside].sum() + col[self.cell.outside].sum())
        if abs(total - self.cell.total) > 1e-9 * max(1.0, self.cell.total):
            self.cell.moved.add(self.sigma)
        s = self.sigma * float(sol.row_dual[self.row]) * total / POINT
        slack = bounds[1] - float(sol.row_value[self.row])
        free = self.loosens and slack > 1e-9 * max(1.0, total)
        self.feasible = max(self.feasible, t)
        return Point(t, self.h.getObjectiveValue(), s, free)

    def reach(self) -> float:
        return 0.0

    def blocked(self) -> bool:
        return False

    def walls(self) -> list[float]:
        return []

    def breakpoints(self) -> list[float]:
        room = self.cell.room(self.sigma)
        return [room] if 0 < room < np.inf else []

    def restore(self) -> None:
        self._coefficients(self.cell.share)
        super().restore()


def share_basis(out: dict[str, np.ndarray], cells: dict[int, ShareCell], h: highspy.Highs) -> None:
    """The share rows' sides before any re-solve, per point of max_share: a row basic in the
    optimal basis `h` holds (its slack basic, so its dual 0; a move of max_share moves only
    that slack, by all spending per point) has rate 0 up for any amount and down until its
    group's spending meets the moved share (its slack, its basis range, over `per_point`:
    exact at this vertex; or to max_share 0); the other rows' sides are not computed unless a
    report lists them."""
    status = h.getBasis().row_status
    basic = int(highspy.HighsBasisStatus.kBasic)
    for i, cell in cells.items():
        for sigma, (rate, holds) in SIDES.items():
            reach = float(out[holds][i])
            out[END_OF[sigma]][i] = ""
            if int(status[i]) != basic or reach != reach or cell.total != cell.total:
                out[rate][i] = out[holds][i] = np.nan
                continue
            per = cell.per_point()
            amount = reach / per if per > 0 else np.inf
            room = cell.room(sigma)
            out[rate][i] = 0.0
            if sigma < 0 and amount >= room * (1 - 1e-9):
                out[holds][i], out[END_OF[sigma]][i] = room, AT_MINIMUM
            else:
                out[holds][i] = amount
                out[END_OF[sigma]][i] = AT_LEAST if 0 < amount < np.inf else ""


def share_ranges(
    ranges: tuple[np.ndarray, np.ndarray], cells: dict[int, ShareCell]
) -> tuple[np.ndarray, np.ndarray]:
    """The basis's ranges with the share rows' at 0: their sides are the re-solves' of
    `share_side` alone (`sideends.extend` follows a right-hand side's range)."""
    if not cells:
        return ranges
    inc, dec = ranges[0].copy(), ranges[1].copy()
    rows = np.fromiter(cells, dtype=np.intp)
    inc[rows] = dec[rows] = 0.0
    return inc, dec


def share_side(probe: Probe, i: int, sigma: int, out: dict[str, np.ndarray]) -> None:
    """Side `sigma` of share row `i` by re-solves of max_share moved (`ShareSide`), per point:
    the rate, how far it holds and what lies past (`AT_MINIMUM` at max_share 0, `AT_MAXIMUM`
    at 1, `THEN_NO_PLAN`, `AT_LEAST`)."""
    rate, holds = SIDES[sigma]
    cell = probe.datum.shares[i]
    room = cell.room(sigma)
    out["re_solved"][i] = True
    last = AT_MAXIMUM if sigma > 0 else AT_MINIMUM
    if room <= 0:  # max_share at 1 (up) or 0 (down): no value the data takes that way
        out[rate][i], out[holds][i], out[END_OF[sigma]][i] = 0.0, 0.0, last
        return
    side = ShareSide(probe.h, i, sigma, probe.base, cell, probe.seen, probe.rows)
    raw = rate_of(side)
    found = held_for_none(raw)
    out[rate][i], out[holds][i] = found.rate, found.holds
    if found is not raw:  # no move keeps a plan: what lies past no amount
        none_end(probe, i, sigma, found, out, lambda: _past(probe, side, 0.0))
        return
    word = AT_LEAST if found.at_least else ""
    if found.rate != found.rate and sigma in cell.moved:  # no piece: not linear in max_share
        word = NOT_LINEAR
    elif found.then_no_plan:
        at_end = found.holds >= room * (1 - 1e-9)
        word = last if at_end else _past(probe, side, found.holds)
    out[END_OF[sigma]][i] = word


def _past(probe: Probe, side: ShareSide, end: float) -> str:
    """What lies past a side's `end` where the objective's pass has no plan: `THEN_NO_PLAN`,
    or under soft targets `THEN_SHORTFALL` if a plan is feasible there with today's least
    shortfall released (as `sideends._past_end` for a row)."""
    return THEN_NO_PLAN if probe.lex is None else past_released(probe, side, end)


UNITS = {
    +1: ("gain_of_one_unit_up", "shortfall_change_up"),
    -1: ("loss_of_one_unit_down", "shortfall_change_down"),
}


def share_unit(probe: Probe, i: int, sigma: int, out: dict[str, np.ndarray]) -> None:
    """One point of max_share more (`sigma` +1) or less, as `allocator solve` on the moved data
    gives it (`wholeunit.unit_move`); not computed where max_share has less than a point left
    that way."""
    unit, shortfall = UNITS[sigma]
    cell = probe.datum.shares[i]
    if cell.room(sigma) < 1:
        return
    rate = tuple(float(out[c][i]) for c in SIDES[sigma])
    side = ShareSide(probe.h, i, sigma, probe.base, cell, probe.seen, probe.rows)
    try:
        change, out[shortfall][i] = unit_move(
            side, probe.lex, (sigma * rate[0], rate[1]), probe.norm
        )
    finally:
        side.restore()
    change = 0.0 if abs(change) < 1e-9 else change
    out[unit][i] = sigma * change + 0.0
