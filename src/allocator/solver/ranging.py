"""Sensitivity ranges from the optimal basis: Excel-style allowable increase and decrease of
objective coefficients and right-hand sides, and each row's one-sided rates and whole units
(`marginal`, `units`)."""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np

from allocator.data.levels import base_of
from allocator.model.exportrows import markets_of
from allocator.model.families import FAMILIES
from allocator.solver.compile import INF, CompiledLP
from allocator.solver.marginal import Base
from allocator.solver.probes import Together
from allocator.solver.rows import Rows, row_codes
from allocator.solver.sharecap import share_cells
from allocator.solver.sideends import Datum
from allocator.solver.units import EXTEND_UP_TO, listed_rates, ramped_caps
from allocator.solver.wholeunit import Lexicographic, Normalised

ONE_SIDED = (
    "gain_per_unit_up",
    "up_holds_for",
    "loss_per_unit_down",
    "down_holds_for",
    "gain_of_one_unit_up",
    "loss_of_one_unit_down",
    "shortfall_change_up",
    "shortfall_change_down",
)
"""The one-sided rates' and whole units' arrays of `allowable_ranges(...)["rows"]`, with
`re_solved`."""


def allowable_ranges(
    lp: CompiledLP,
    cost: np.ndarray,
    activity: np.ndarray,
    weights: dict[str, float] | None = None,
) -> dict[str, dict[str, Any]]:
    """Excel-style allowable increase / decrease from the first pass's basis (inf = no limit).

    Objective coefficients and binding (non-basic) rows come from HiGHS's ranging. A non-basic
    row's range is how far its right-hand side may move with the same basis. A basic row is not
    binding: its range is its slack on one side and unlimited on the other. The rows also get
    their one-sided rates (`units.listed_rates`): the dual where the range is non-zero that
    way, re-solved on this instance for the rows a report lists, each row read from the LP's
    own matrix where HiGHS holds it (`solver/rows.py`). `weights`: the measures of a weighted
    index (`cost`), whose whole units find each measure's best again (`wholeunit.Normalised`).
    """
    h = lp.highs
    n, m = len(lp.col_names), len(lp.row_names)
    status, rg = h.getRanging()
    if status != highspy.HighsStatus.kOk:
        nan_n, nan_m = np.full(n, np.nan), np.full(m, np.nan)
        return {
            "columns": {"allowable_increase": nan_n, "allowable_decrease": nan_n},
            "rows": {
                "allowable_increase": nan_m,
                "allowable_decrease": nan_m,
                "basic": np.zeros(m, dtype=bool),
                **dict.fromkeys(ONE_SIDED, nan_m),
                "re_solved": np.zeros(m, dtype=bool),
            },
        }
    cost_up = np.array(rg.col_cost_up.value_[:n], dtype=float)
    cost_dn = np.array(rg.col_cost_dn.value_[:n], dtype=float)
    codes = row_codes(h.getBasis().row_status[:m])  # each read of row_status copies it all
    basic = codes == int(highspy.HighsBasisStatus.kBasic)
    at_upper = codes == int(highspy.HighsBasisStatus.kUpper)
    upper_row = lp.row_upper < INF
    rhs = np.where(
        at_upper | (~basic & upper_row & (lp.row_lower <= -INF)),
        lp.row_upper,
        np.where(upper_row & basic, lp.row_upper, lp.row_lower),
    )
    up = np.array(rg.row_bound_up.value_[:m], dtype=float)
    dn = np.array(rg.row_bound_dn.value_[:m], dtype=float)
    slack = np.where(upper_row, lp.row_upper - activity, activity - lp.row_lower)
    inc = _nonneg(np.where(basic, np.where(upper_row, np.inf, slack), up - rhs))
    dec = _nonneg(np.where(basic, np.where(upper_row, slack, np.inf), rhs - dn))
    sol = h.getSolution()
    base = Base(h.getObjectiveValue(), np.array(sol.row_dual))
    lex, rows = _lexicographic(lp, cost), Rows.of(h, lp)
    together = ramped_caps(lp.row_family, lp.row_index, lp.row_upper)
    datum = datum_of(lp, together)
    norm = None
    if weights is not None:
        measures = tuple((w, lp.costs[name]) for name, w in weights.items())
        norm = Normalised(measures, cost)
    rates = listed_rates(h, base, (inc, dec), upper_row, lex, rows, together, norm, datum)
    return {
        "columns": {
            "allowable_increase": _nonneg(cost_up - cost),
            "allowable_decrease": _nonneg(cost - cost_dn),
        },
        "rows": {
            "allowable_increase": inc,
            "allowable_decrease": dec,
            "basic": basic,
            **rates,
        },
    }


def datum_of(lp: CompiledLP, together: dict[int, Together]) -> Datum:
    """How the cells behind `lp`'s rows move them, as `allocator solve --set` moves them
    (`sideends.Datum`), read from the data it was built of (`CompiledLP.inputs`; none known
    without it): each markets.csv row's market_musd, which sets the export_market rows of every
    year it is in force at max_share of it (added to `together`, each row with the others it
    sets); how far a cell that is a row's bound (a family's `rhs`: at least 0) may fall; and the
    targets and processing shares whose weight cell is empty (weight 1/value); each share cap's
    max_share (`sharecap.share_cells`, with all spending in its phase at the optimum `lp`'s
    instance holds); and the tranches whose from_level is at or below the sector's base
    (`_shadowed`)."""
    inp = lp.inputs
    if inp is None:
        return Datum()
    scale: dict[int, float] = {}
    market = [i for i, f in enumerate(lp.row_family) if f == "export_market"]
    keys = [(str(k[0]), str(k[1]), int(k[2])) for k in (lp.row_index[i] for i in market)]
    sets: dict[int, list[int]] = {}
    shares: dict[int, float] = {}
    for i, mk in zip(market, markets_of(inp, keys), strict=True):
        if mk is not None and mk.max_share > 0:
            sets.setdefault(id(mk), []).append(i)
            shares[id(mk)] = mk.max_share
    for key, rows in sets.items():
        if shares[key] == 1 and len(rows) == 1:
            continue  # the row alone is the cell
        for i in rows:
            others = np.array([k for k in rows if k != i], dtype=np.int32)
            together[i] = (others, np.ones(len(others)))
            scale[i] = shares[key]
    declared = {f: bool(f in FAMILIES and FAMILIES[f].rhs) for f in set(lp.row_family)}
    bounded = np.array([declared[f] for f in lp.row_family], dtype=bool)
    upper = np.where(bounded & (lp.row_upper < INF), lp.row_upper, np.inf)
    based = _tranche_bases(lp, upper)
    step = np.ones(len(upper))
    step[list(scale)] = list(scale.values())
    small = lp.highs.getNumNz() <= EXTEND_UP_TO  # else no side is re-solved
    cells = share_cells(lp, np.asarray(lp.highs.getSolution().col_value), small)
    based_only = frozenset(based) - frozenset(shadowed := _shadowed(lp))
    return Datum(scale, upper / step, _weights(lp), based_only, cells, shadowed)


def _shadowed(lp: CompiledLP) -> dict[int, tuple[float, float]]:
    """The tranche rows whose from_level is at or below their sector's existing jobs (the base),
    by row: from_level and the base less it. The row's limit is the base then
    (`data.levels.tranche_limit`), so a move of from_level that stays at or below it changes
    nothing (`Datum.shadowed`)."""
    inp = lp.inputs
    assert inp is not None
    found = {}
    for i, family in enumerate(lp.row_family):
        if family == "tranche":
            level = float(lp.row_index[i][1])
            base = base_of(inp, "jobs", "sector", str(lp.row_index[i][0]))
            if base > 0 and level <= base:
                found[i] = (level, base - level)
    return found


def _tranche_bases(lp: CompiledLP, upper: np.ndarray) -> list[int]:
    """Lower `upper` (each row's room down) of the tranche rows of a sector with existing jobs
    by them: the row's limit is max(from_level, base) (`data.levels.tranche_limit`), so a cut of
    from_level moves the row only down to the base. Returns those rows."""
    inp = lp.inputs
    assert inp is not None
    based = []
    for i, family in enumerate(lp.row_family):
        if family == "tranche" and np.isfinite(upper[i]):
            base = base_of(inp, "jobs", "sector", str(lp.row_index[i][0]))
            if base > 0:
                upper[i] = max(0.0, upper[i] - base)
                based.append(i)
    return based


def _weights(lp: CompiledLP) -> dict[int, tuple[int, float]]:
    """The soft targets and processing shares of `lp.inputs` whose weight cell is empty, by
    row: their shortfall column and the value whose inverse weighs it (`Datum.weights`)."""
    inp = lp.inputs
    if inp is None or "shortfall" not in lp.costs:
        return {}
    cols: dict[tuple[str, tuple[object, ...]], int] = {}
    for f in ("shortfall", "share_shortfall"):  # each family's columns are one run
        j = lp.col_family.index(f) if f in lp.col_family else len(lp.col_family)
        while j < len(lp.col_family) and lp.col_family[j] == f:
            cols[(f, tuple(lp.col_index[j]))] = j
            j += 1
    values: dict[tuple[str, tuple[object, ...]], float] = {}
    for t in inp.targets:
        if t.weight is None:
            values[("target", (t.kind, t.dimension, t.member or "all", t.year))] = t.value
    for r in inp.shares:
        if r.weight is None:
            values[("processing_share", (r.mineral, r.year))] = r.target_pct
    column = {"target": "shortfall", "processing_share": "share_shortfall"}
    found = {}
    for i, (f, k) in enumerate(zip(lp.row_family, lp.row_index, strict=True)):
        if f in column and (f, tuple(k)) in values and (column[f], tuple(k)) in cols:
            found[i] = (cols[(column[f], tuple(k))], values[(f, tuple(k))])
    return found


MOVED = 1e-7
"""A column whose written value differs from its value at the ranged vertex by more than this
(relative to 1 or that value) was moved by the passes after it (`ranges_at_plan`)."""


def ranges_at_plan(
    columns: dict[str, np.ndarray], vertex: np.ndarray, plan: np.ndarray
) -> dict[str, np.ndarray]:
    """The objective coefficients' ranges of the written plan, from those of the ranged vertex.

    A column the efficiency passes and the tie rule left where the vertex has it keeps the
    vertex's range: inside it the vertex, and so the plan (the same objective: c'x = c'v), stays
    optimal, and past it neither does. A column they moved is one of several optima: if the plan
    holds less of it than the vertex, any rise of its coefficient makes the vertex better than
    the plan (allowable increase 0, exactly), and likewise a fall if it holds more; the other
    side is not known without re-solves, so it is left empty (NaN), never the vertex's range,
    which would say the plan stays optimal where it does not."""
    moved = np.abs(plan - vertex) > MOVED * np.maximum(1.0, np.abs(vertex))
    inc, dec = columns["allowable_increase"], columns["allowable_decrease"]
    return {
        **columns,
        "allowable_increase": np.where(moved, np.where(plan < vertex, 0.0, np.nan), inc),
        "allowable_decrease": np.where(moved, np.where(plan > vertex, 0.0, np.nan), dec),
    }


def _lexicographic(lp: CompiledLP, cost: np.ndarray) -> Lexicographic | None:
    """How this run solves soft targets, if it holds their least shortfall (None: no soft
    targets, or their hold released)."""
    if "shortfall" not in lp.costs or lp.hold_initial is None:
        return None
    i = lp.row_family.index("shortfall_total")
    held = float(lp.row_upper[i])
    if held == lp.hold_initial:
        return None
    lex = Lexicographic(i, lp.hold_initial, held, lp.costs["shortfall"], cost)
    if lp.first_basis is not None:
        lex.bases["shortfall"] = lp.first_basis
    return lex


def _nonneg(values: np.ndarray) -> np.ndarray:
    """Ranges as non-negative numbers, HiGHS's infinity as inf, solver noise as 0."""
    out = np.where(np.abs(values) >= INF, np.inf, values)
    return np.where(out < 1e-9, 0.0, out)
