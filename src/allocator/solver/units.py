"""What one whole unit more of a row buys and one unit less costs, exactly as `allocator solve`
reports it on the data moved by that unit, and which rows the reports list (ranked by that).

The rates at the margin (`allocator.solver.marginal`) are what a planner cannot check with a
re-run, and one may hold for a thousandth of a unit only. A whole unit is (`one_unit`): the row
moved by exactly one unit on the objective pass's HiGHS instance and re-solved as `allocator
solve` would solve the moved data. Under soft targets that is both passes (`Lexicographic`): the
least shortfall found again with the move, held, and the objective solved, so a cut that today's
held least shortfall forbids is a plan with a larger shortfall, not "no plan is feasible". Each
pass starts from its own optimal basis at today's data, one bound away
(`allocator.solver.wholeunit`). The reports rank rows by these whole units: the `LISTED` best,
found exactly (`_listed`). Where a listed row's side ends, and what lies past it, is
`allocator.solver.sideends`.
"""

from __future__ import annotations

import heapq

import highspy
import numpy as np
import numpy.typing as npt

from allocator.solver.basisrange import Basic, direction_range
from allocator.solver.marginal import Base, restored, side_rate
from allocator.solver.probes import Seen, Together, runs
from allocator.solver.rows import Rows
from allocator.solver.sharecap import share_basis, share_ranges, share_side, share_unit
from allocator.solver.sideends import (
    ACTS,
    AT_LEAST,
    AT_MINIMUM,
    END_OF,
    SIDES,
    Datum,
    Probe,
    at_minimum,
    basis_ends,
    end_word,
    extend,
    held_for_none,
    none_end,
    settle_ends,
)
from allocator.solver.wholeunit import Lexicographic, Normalised, unit_side

LISTED = 24
"""How many rows, ranked by what one whole unit more room buys, get both one-sided rates and
both whole units computed: the reports list at most 12 (the terminal 10 lines, some of which
group several placeholder budgets)."""


def listed_rates(
    h: highspy.Highs,
    base: Base,
    ranges: tuple[np.ndarray, np.ndarray],
    loosen_up: np.ndarray,
    lex: Lexicographic | None = None,
    rows: Rows | None = None,
    together: dict[int, Together] | None = None,
    norm: Normalised | None = None,
    datum: Datum | None = None,
) -> dict[str, np.ndarray]:
    """Both one-sided rates and both whole units of the rows a report can list, at the optimum
    `base` that `h` holds (`lex`: how soft targets are solved, None without them; `rows`: the
    rows `h` holds, `Rows.of(h)` if None; `together`: rows that one datum moves with other
    rows, by row, as `ramped_caps` finds them: their rates and units are the datum's, `Bundle`;
    `norm`: a weighted index, whose whole units find each measure's best again, `Normalised`;
    `datum`: how the cells behind the rows move them, `Datum`: rates, amounts and whole units
    in the cell's units, each re-solved side ended where its cell reaches its minimum).

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
        "up_end": basis_ends(inc),
        "down_end": basis_ends(dec),
    }
    datum = Datum() if datum is None else datum
    rows = Rows.of(h) if rows is None and together else rows
    together = _datum_moves(h, base, together or {}, out, rows, datum)
    ranges = share_ranges(_datum_ranges(ranges, together, out), datum.shares)
    share_basis(out, datum.shares, h)
    basis, ran = h.getBasis(), runs(h)
    if lex is not None:
        lex.keep(basis)
    seen: Seen = {}  # every probe of the rates and units below: all on the same LP
    resolve = h.getNumNz() <= EXTEND_UP_TO  # else no side is re-solved (`_datum_moves`)
    view = Rows.of(h) if rows is None else rows
    probe = Probe(h, base, seen, view, lex, together, resolve, norm, datum)
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
                extend(probe, i, sigma, ranges, out)
        _shadowed(probe, out)
        settle_ends(probe, out)
    except KeyboardInterrupt:
        interrupted = True  # Ctrl-C: the run stops, no solve to restore an instance let go
        raise
    finally:
        if not interrupted and _moved(h, ran):
            restored(h, basis)
    return out


def ramped_caps(
    family: list[str], index: list[tuple[object, ...]], upper: np.ndarray
) -> dict[int, Together]:
    """The rows a program's `cap_musd` moves with its `program_cap` row (`--set` moves them
    all): its yearly `ramp` rows, each by its limit over the cap (max_annual_share), by the
    cap row's position. A cap of 0 (no share to read) is left out."""
    caps = {index[i][0]: i for i, f in enumerate(family) if f == "program_cap"}
    ramps: dict[int, list[int]] = {}
    for k, f in enumerate(family):
        if f == "ramp" and index[k][0] in caps:
            ramps.setdefault(caps[index[k][0]], []).append(k)
    out = {}
    for i, ks in ramps.items():
        if upper[i] > 0 and np.isfinite(upper[i]):
            others = np.array(ks, dtype=np.int32)
            out[i] = (others, upper[others] / upper[i])
    return out


def _datum_moves(
    h: highspy.Highs,
    base: Base,
    together: dict[int, Together],
    out: dict[str, np.ndarray],
    view: Rows | None,
    datum: Datum,
) -> dict[int, Together]:
    """The rows whose numbers move the datum (`together`): their row-alone rates in `out` (the
    dual stays the shadow price) replaced by the datum's, per unit of it (`Datum.step`), where
    the optimal basis proves them
    (the duals times the rows' moves, for as far as the basis stays feasible along the move:
    `direction_range`, no re-solve), else not computed (re-solved where a report lists the
    row). Above `EXTEND_UP_TO` nonzeros neither: not computed (the basis solves alone took
    0.63 s for the 1e6 set's 391 ramped caps). Returns `together`."""
    if not together:
        return together
    caps = np.fromiter(together, dtype=np.intp)
    for name in (*SIDES[+1], *SIDES[-1]):
        out[name][caps] = np.nan  # not the row alone's
    out["up_end"][caps] = out["down_end"][caps] = ""
    if h.getNumNz() > EXTEND_UP_TO:  # one basis solve a side: 0.63 s for 391 caps at 1e6 nnz
        return together
    view = Rows.of(h) if view is None else view
    held = Basic.of(h)  # read once for all (once a side: 10 s for the 1e6 set's 391 caps)
    for i, (others, coef) in together.items():
        per = datum.step(i)  # the row's units per unit of the datum
        rate = float(base.dual[i] + coef @ base.dual[others]) * per
        rows, step = np.append(others, i), np.append(coef, 1.0)
        for sigma, (gain, holds) in SIDES.items():
            reach = (
                0.0
                if held is None
                else direction_range(h, rows, step, sigma, view, view.upper[rows], held)
            )
            found = reach > 0
            out[gain][i], out[holds][i] = (rate, reach / per) if found else (np.nan, np.nan)
            out[END_OF[sigma]][i] = AT_LEAST if found and reach < np.inf else ""
    return together


def _datum_ranges(
    ranges: tuple[np.ndarray, np.ndarray], together: dict[int, Together], out: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The basis's ranges with the datum's (`_datum_moves`) for the rows that move one."""
    if not together:
        return ranges
    inc, dec = ranges[0].copy(), ranges[1].copy()
    rows = np.fromiter(together, dtype=np.intp)
    inc[rows] = np.nan_to_num(out["up_holds_for"][rows], nan=0.0)
    dec[rows] = np.nan_to_num(out["down_holds_for"][rows], nan=0.0)
    return inc, dec


def _moved(h: highspy.Highs, ran: int) -> bool:
    """Whether an LP ran on `h` since `runs(h)` was `ran`. If not, its basis is the optimal
    one it held (the probes' bounds are put back; HiGHS then forgets its model status, and the
    next LP on it, as every reader of the instance after the rates, runs from that basis), and
    restoring it would be a re-solve of 0 iterations (0.03 s at 1e6 nonzeros)."""
    return runs(h) != ran


def _whole(out: dict[str, np.ndarray]) -> np.ndarray:
    """Rows with a whole unit computed on either side."""
    whole: npt.NDArray[np.bool_] = ~(
        np.isnan(out["gain_of_one_unit_up"]) & np.isnan(out["loss_of_one_unit_down"])
    )
    return whole


_UNITS = {
    +1: ("gain_of_one_unit_up", "shortfall_change_up"),
    -1: ("loss_of_one_unit_down", "shortfall_change_down"),
}


EXTEND_UP_TO = 200_000
"""Nonzeros up to which a listed row's side is re-solved past its basis range (`sideends.extend`).
Past it the basis's range is kept, said as a lower bound (`one_sided` basis: at least that far):
measured at 1,076,210 nonzeros the extension took 160 more re-solves, the whole command 5.6 ->
13.95 s, where on the baseline it costs 25 re-solves (0.125 -> 0.148 s)."""


def _shadowed(probe: Probe, out: dict[str, np.ndarray]) -> None:
    """The sides of the tranche rows whose from_level is at or below their sector's existing
    jobs (`Datum.shadowed`), per job of from_level: the row's limit is the base, so a move of
    from_level that stays at or below it changes nothing. Up: 0 for the jobs up to the base,
    then it acts (the row's rate past it); down: 0 all the way to from_level 0. A whole unit up
    that passes the base is re-solved with the row moved by the part past it."""
    lex = probe.lex
    unchanged = np.nan if lex is None else 0.0
    for i, (level, gap) in probe.datum.shadowed.items():
        if gap > 0:
            out["gain_per_unit_up"][i], out["up_holds_for"][i], out["up_end"][i] = 0.0, gap, ACTS
            change, short = 0.0, unchanged
            if gap < 1:
                change, short = unit_side(
                    probe.h, i, +1, probe.base, lex, None, probe.seen, probe.rows,
                    None, probe.norm, 1.0 - gap,
                )  # fmt: skip
            out["gain_of_one_unit_up"][i], out["shortfall_change_up"][i] = change, short
        out["loss_per_unit_down"][i], out["down_holds_for"][i] = 0.0, level
        out["down_end"][i] = AT_MINIMUM
        whole = level >= 1  # one job less is a from_level the data takes
        out["loss_of_one_unit_down"][i] = 0.0 if whole else np.nan
        out["shortfall_change_down"][i] = unchanged if whole else np.nan
        out["re_solved"][i] = True


def _fill(probe: Probe, i: int, sigma: int, out: dict[str, np.ndarray]) -> None:
    """Re-solve side `sigma` of row `i` unless it is known (a cut of a row the held least
    shortfall binds is tried at the least move first, `Lexicographic.binds`; a share cap's
    max_share moved, `sharecap.share_side`)."""
    rate, holds = SIDES[sigma]
    if out[rate][i] == out[rate][i]:
        return
    if i in probe.datum.shares:
        share_side(probe, i, sigma, out)
        return
    lex = probe.lex
    cut_first = lex is not None and lex.held > 0 and lex.binds(i)
    raw = side_rate(
        probe.h, i, sigma, probe.base, probe.seen, cut_first, probe.rows, probe.together.get(i)
    )
    found = held_for_none(raw)
    step = probe.datum.step(i)  # the row's units per unit of its cell
    amount = found.holds / step
    out[rate][i], out[holds][i] = found.rate * step, amount
    if found is raw:
        out[END_OF[sigma]][i] = end_word(
            probe, i, sigma, amount, found.then_no_plan, found.at_least
        )
    else:  # no move keeps a plan: what lies past no amount
        none_end(probe, i, sigma, found, out, lambda: end_word(probe, i, sigma, 0, True, False))
    out["re_solved"][i] = True
    at_minimum(probe, i, sigma, out)


def _fill_unit(probe: Probe, i: int, sigma: int, out: dict[str, np.ndarray]) -> None:
    """Re-solve one whole unit of row `i` on side `sigma` unless it is known, in the rates'
    sign convention: the gain of one unit up, the loss (objective down) of one unit down."""
    unit, shortfall = _UNITS[sigma]
    if out[unit][i] == out[unit][i]:
        return
    if i in probe.datum.shares:
        share_unit(probe, i, sigma, out)
        return
    rate = tuple(float(out[c][i]) for c in SIDES[sigma])
    change, out[shortfall][i] = unit_side(
        probe.h,
        i,
        sigma,
        probe.base,
        probe.lex,
        (sigma * rate[0], rate[1]),
        probe.seen,
        probe.rows,
        probe.together.get(i),
        probe.norm,
        probe.datum.step(i),
        probe.datum.weights.get(i),
    )
    out[unit][i] = sigma * change + 0.0


def _room(out: dict[str, np.ndarray], loosen_up: np.ndarray, i: int, whole: bool) -> float:
    """What one unit more room of row `i` buys: per unit at the margin, or one `whole` unit."""
    up, down = _UNITS[+1][0], _UNITS[-1][0]
    if not whole:
        up, down = SIDES[+1][0], SIDES[-1][0]
    return float(out[up][i] if loosen_up[i] else -out[down][i])


def _bounds(probe: Probe, loosen_up: np.ndarray) -> np.ndarray:
    """What one unit more room of each row buys at most, per unit of its cell (`_listed`)."""
    bound = np.where(loosen_up, probe.base.dual, -probe.base.dual)
    for i, (others, coef) in probe.together.items():  # the value's slope along the datum's move
        slope = float(probe.base.dual[i] + coef @ probe.base.dual[others]) * probe.datum.step(i)
        bound[i] = slope if loosen_up[i] else -slope
        if not probe.resolve:  # none of them re-solved: not listed
            bound[i] = -np.inf
    for i, cell in probe.datum.shares.items():  # a point of max_share, at the margin
        bound[i] = float(probe.base.dual[i]) * cell.per_point() if probe.resolve else -np.inf
    for i, (_, gap) in probe.datum.shadowed.items():
        if gap > 0:  # from_level up to the base buys nothing (`_shadowed`)
            bound[i] = -np.inf
    return bound


def _listed(probe: Probe, loosen_up: np.ndarray, out: dict[str, np.ndarray]) -> list[int]:
    """The `LISTED` rows whose room buys the most in whole units (more than 1e-9), exactly.

    Best first on upper bounds, each tighter than the last: a row's room buys at most its dual's
    size per unit, one whole unit at most its rate at the margin (v is concave), and under soft
    targets a loosening can only lower the least shortfall, which `allocator solve` then holds,
    so it buys no more than with today's held. A row is re-solved (its rate, then its whole
    unit) only while its bound may still enter the best `LISTED`.
    """
    bound = _bounds(probe, loosen_up)
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
