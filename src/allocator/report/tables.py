"""Tables a planner reads, computed from a `Solution` and the `Inputs` (never from the Pyomo model).
Excel Solver's own reports (Sensitivity, Answer) are `solverreports.py`, its Limits `limits.py`.

Every table has sorted rows and stable column names; column names end in their unit where they
carry one (`_musd`), and `UNITS` gives the unit of every other numeric column for the workbook.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.schema import Inputs
from allocator.model import families
from allocator.model.solution import LABEL_ORDER, Solution, weighted_words
from allocator.report.limits import variable_units
from allocator.report.outcomes import capital_by_program as capital_by_program
from allocator.report.outcomes import outcomes as outcomes
from allocator.report.rates import EXCEL_INFINITY as EXCEL_INFINITY
from allocator.report.rates import ONE_SIDED as ONE_SIDED
from allocator.report.rates import ZERO_PRICE as ZERO_PRICE
from allocator.report.rates import one_sided as one_sided
from allocator.report.rates import rate_words as rate_words
from allocator.report.rates import room as room
from allocator.report.rates import top_shadow_prices as top_shadow_prices
from allocator.report.rounding import EXPORTS_UNIT

BINDING_TOLERANCE = 1e-7

UNITS = {
    "invest_musd": "US$ million",
    "total_musd": "US$ million",
    "cap_musd": "US$ million",
    "floor_musd": "US$ million",
    "share_of_cap": "share 0-1",
    "capital_musd": "US$ million",
    "jobs": "jobs",
    "jobs_base": "jobs",
    "jobs_new": "jobs",
    "jobs_target": "jobs",
    "jobs_shortfall": "jobs",
    "exports_musd": EXPORTS_UNIT,
    "exports_base_musd": EXPORTS_UNIT,
    "exports_new_musd": EXPORTS_UNIT,
    "exports_target_musd": EXPORTS_UNIT,
    "exports_shortfall_musd": EXPORTS_UNIT,
    "rhs": "family unit",
    "body": "family unit",
    "lower": "family unit",
    "upper": "family unit",
    "slack": "family unit",
    "shadow_price": "see unit column",
    "value": "family unit",
    "reduced_cost": "see unit column",
    "objective_coefficient": "see unit column",
    "gain_per_unit_up": "see unit column",
    "loss_per_unit_down": "see unit column",
    "up_holds_for": "see holds_for_unit column",
    "down_holds_for": "see holds_for_unit column",
}


def objective_label(sol: Solution, last_year: int) -> str:
    """The objective in words with its unit, e.g. `direct jobs in 2040` (the solution's own
    label when the pipeline gave it one: it knows the measure)."""
    if sol.label:
        return sol.label
    return {
        "jobs": f"direct jobs in {last_year}",
        "exports": f"US$ million of exports in {last_year}",
        "weighted": weighted_words(),
    }[sol.objective]


def headline_label(label: str, risk: dict[str, Any] | None = None) -> str:
    """The headline's words, the same in the terminal and report.html: the objective's label,
    or under `--risk` what the plan's number is over the scenarios (the expectation under
    CVaR, the worst scenario under worst-case)."""
    if not risk:
        return label
    which = "expected" if risk.get("kind") == "cvar" else "worst-scenario"
    if label.startswith(f"{which} "):  # run.json's label says it already
        return label
    return f"{which} {label} over {risk.get('scenarios')} scenarios"


def price_unit(sol: Solution) -> str:
    """Unit of a shadow price or reduced cost: objective unit per US$ million."""
    return f"{sol.objective_unit} per musd"


def allocation(inp: Inputs, sol: Solution) -> pd.DataFrame:
    """One row per (program, pool, year) that receives money."""
    cols = sol.columns
    value = cols["value"].to_numpy(dtype=float)
    # the funded investment columns, found and read as arrays (no filtered copy of the table)
    at = np.flatnonzero((cols["family"].to_numpy(dtype=object) == "invest") & (value > 0))
    meta = _program_meta(inp)
    phase_of = inp.phase_of_year
    frame = pd.DataFrame(
        {
            "program": cols["program"].to_numpy()[at],
            "pool": cols["pool"].to_numpy()[at],
            "year": cols["year"].array[at].to_numpy(),
        }
    )
    frame = frame.merge(meta, on="program", how="left")
    frame["phase"] = [phase_of[int(y)] for y in frame["year"].tolist()]
    frame["invest_musd"] = value[at]
    order = [
        "program",
        "name",
        "sector",
        "export_category",
        "capital_group",
        "mineral",
        "pool",
        "year",
        "phase",
        "invest_musd",
    ]
    return frame[order].sort_values(["program", "pool", "year"], ignore_index=True)


def _program_meta(inp: Inputs) -> pd.DataFrame:
    """Each program's name, sector, export category, capital group and mineral ("" for none),
    one column at a time."""
    programs = inp.programs
    return pd.DataFrame(
        {
            "program": [p.program for p in programs],
            "name": [p.name for p in programs],
            "sector": [p.sector for p in programs],
            "export_category": [p.export_category or "" for p in programs],
            "capital_group": [p.capital_group or "" for p in programs],
            "mineral": [p.mineral or "" for p in programs],
        }
    )


def allocation_by_phase(inp: Inputs, alloc: pd.DataFrame) -> pd.DataFrame:
    """Program x phase pivot (US$ million) of every program, with its cap and the share used.

    Args:
        inp: the dataset.
        alloc: the run's `allocation` table.
    """
    phases = [p.phase for p in inp.phases]
    pivot = alloc.pivot_table(
        index="program", columns="phase", values="invest_musd", aggfunc="sum", fill_value=0.0
    )
    frame = _program_meta(inp)[["program", "name", "sector"]].set_index("program")
    for ph in phases:
        values = pivot[ph] if ph in pivot.columns else pd.Series(dtype=float)
        frame[f"{ph}_musd"] = values.reindex(frame.index).fillna(0.0)
    frame["total_musd"] = frame[[f"{ph}_musd" for ph in phases]].sum(axis=1)
    caps = {p.program: p for p in inp.programs}
    programs = frame.index.tolist()  # a list: an Index of text yields its cells one by one
    frame["floor_musd"] = [caps[p].floor_musd for p in programs]
    frame["cap_musd"] = [caps[p].cap_musd for p in programs]
    frame["share_of_cap"] = np.where(
        frame["cap_musd"] > 0,
        frame["total_musd"] / frame["cap_musd"].where(frame["cap_musd"] > 0, 1),
        0.0,
    )
    return frame.reset_index().sort_values("program", ignore_index=True)


def select_text(conditions: Sequence[object], choices: Sequence[str], default: str) -> np.ndarray:
    """`np.select(conditions, choices, default)` of text, as an array of Python strings: pandas
    keeps those as they are, where numpy's fixed-width text is converted cell by cell (at 1e6
    nonzeros 5 ms a column of 70,000 rows)."""
    masks = [np.asarray(c, dtype=bool) for c in conditions]
    codes = np.full(len(masks[0]), len(choices), dtype=np.intp)
    for k in range(len(masks) - 1, -1, -1):  # the first condition that holds wins
        codes[masks[k]] = k
    return np.array([*choices, default], dtype=object)[codes]


RAMP_MOVED = (
    " (one-sided rates and whole units: cap_musd moved as --set moves it, its yearly absorption"
    " limits too; shadow_price: the cap row alone, its absorption limits held)"
)
"""Said of the cap of a program with absorption limits (`ramp` rows, max_annual_share x cap):
its one-sided rates and whole units are what `--set programs.X.cap_musd` gives (the cap row and
its ramp rows moved together, re-solved: `solver.probes.Bundle`), its shadow price is the cap
row's own dual (docs/shadow-prices.md)."""


def _held_ramps(rows: pd.DataFrame, words: list[str]) -> list[str]:
    """`words` with `RAMP_MOVED` after each program_cap row of a program that has ramp rows
    and a cap above 0 (the caps whose rates are cap_musd's: `units.ramped_caps`).

    Only the cap rows' programs are looked up, in a set: `np.isin` over the object column
    sorted it (31 ms of the 1e6 nonzero run's 6,726 rows; bench/README.md, eighth session)
    and could not compare a missing program (pd.NA)."""
    if "program" not in rows:
        return words
    family = rows["family"].to_numpy(dtype=object)
    program = rows["program"].to_numpy(dtype=object)
    ramped = {p for p in program[family == "ramp"].tolist() if isinstance(p, str)}
    if not ramped:
        return words
    upper = rows["upper"].to_numpy(dtype=float)
    out = list(words)
    for i in np.flatnonzero(family == "program_cap").tolist():
        # as the solver moves a cap with its ramp rows (`units.ramped_caps`): above 0, finite
        if isinstance(program[i], str) and program[i] in ramped and 0 < upper[i] < np.inf:
            out[i] += RAMP_MOVED
    return out


def shadow_prices(sol: Solution) -> pd.DataFrame:
    """Every constraint row: its right-hand side, slack, shadow price with unit, binding flag."""
    rows = sol.rows.copy(deep=False)  # copy-on-write: new columns never reach the solution's
    upper_side = np.isfinite(rows["upper"].to_numpy())
    rows["sense"] = select_text([upper_side], ["<="], ">=")
    rows["rhs"] = np.where(upper_side, rows["upper"], rows["lower"])
    slack = np.where(upper_side, rows["upper"] - rows["body"], rows["body"] - rows["lower"])
    rows["slack"] = np.where(np.abs(slack) < 1e-9, 0.0, slack) + 0.0
    scale = np.maximum(1.0, np.abs(rows["rhs"].to_numpy()))
    rows["binding"] = rows["slack"].to_numpy() <= BINDING_TOLERANCE * scale
    # a row's unit and words read its family and labels only, each family's once for its rows
    rows["unit"] = families.row_price_units(sol.objective_unit, rows)
    capped = rows["family"].to_numpy(dtype=object) == "cvar_cap"
    if capped.any():  # the price of risk, as the robust plan's lines and sheet say its unit
        from allocator.report.riskhtml import price_unit as risk_price_unit

        rows.loc[capped, "unit"] = risk_price_unit(sol.objective_unit)
    rows["description"] = _held_ramps(rows, families.row_words(rows))
    labels = [c for c in rows.columns if c in LABEL_ORDER]
    order = [
        "constraint",
        "family",
        *labels,
        "description",
        "sense",
        "rhs",
        "body",
        "lower",
        "upper",
        "slack",
        "shadow_price",
        "unit",
        "binding",
    ]
    return pd.concat([rows[order], one_sided(sol)], axis=1)


def reduced_costs(sol: Solution) -> pd.DataFrame:
    """Every variable: value, reduced cost (objective change per unit forced in), bounds, status;
    `value_unit` says the unit of the value and bounds, `unit` that of the reduced cost."""
    cols = sol.columns.copy(deep=False)  # copy-on-write: new columns never reach the solution's
    value, lower, upper = cols["value"], cols["lower"], cols["upper"]
    tol = 1e-9
    cols["status"] = select_text(
        [(upper - lower).abs() <= tol, (value - lower).abs() <= tol, (upper - value).abs() <= tol],
        ["fixed", "at lower bound", "at upper bound"],
        default="between bounds",
    )
    units = variable_units(cols)
    cols["value_unit"] = units  # of value, lower and upper, as limits.csv's
    cols["unit"] = variable_price_units(sol, units)  # of reduced_cost, objective_coefficient
    labels = [c for c in cols.columns if c in LABEL_ORDER]
    order = [
        "variable",
        "family",
        *labels,
        "value",
        "reduced_cost",
        "objective_coefficient",
        "lower",
        "upper",
        "status",
        "value_unit",
        "unit",
    ]
    return cols[order]


def phases_in_time_order(alloc: pd.DataFrame) -> list[str]:
    """The phases an `allocation` table invests in, by the first year invested (phases are
    consecutive runs of years, so this is their order in time)."""
    firsts = alloc.groupby("phase")["year"].min()
    return sorted((str(p) for p in firsts.index), key=lambda p: (int(firsts[p]), p))


def sector_by_phase(
    alloc: pd.DataFrame,
    phases: Sequence[str] | None = None,
    sectors: Sequence[str] | None = None,
    mitigation: pd.Series | None = None,
) -> pd.DataFrame:
    """Investment (US$ million) by sector x phase: each cell the `math.fsum` of `invest_musd`;
    with `mitigation`, a last row of risk mitigation money by phase.

    Args:
        alloc: an `allocation` table (columns sector, phase, year, invest_musd), in memory or read
            back from allocation.csv.
        phases: the columns, in time order (e.g. the dataset's phases); by default the phases
            invested in (`phases_in_time_order`).
        sectors: the rows; by default the sectors invested in, alphabetical.
        mitigation: risk mitigation money by phase, in time order (`budgets.mitigation_of`), or
            None for no such row. Its phases that are not columns yet become columns (by
            default those with money, in its order), so none of its money is left out.

    Returns:
        Sectors as index, phases as columns, 0 where nothing is invested.
    """
    grouped: dict[tuple[str, str], list[float]] = defaultdict(list)
    for s, p, x in alloc[["sector", "phase", "invest_musd"]].itertuples(index=False):
        grouped[(str(s), str(p))].append(float(x))
    if phases is None:
        phases = phases_in_time_order(alloc)
        if mitigation is not None:
            phases = _with_phases_of(phases, mitigation)
    elif mitigation is not None:
        phases = [*phases, *(str(p) for p, v in mitigation.items() if v and p not in phases)]
    sectors = sorted({s for s, _ in grouped}) if sectors is None else sectors
    sums = {key: math.fsum(xs) for key, xs in grouped.items()}
    cells = np.array([[sums.get((s, p), 0.0) for p in phases] for s in sectors], dtype=float)
    table = pd.DataFrame(  # built at once: a `.loc` write per cell took 10 ms at 26 sectors
        cells.reshape(len(sectors), len(phases)),
        index=pd.Index(sectors, name="sector"),
        columns=pd.Index(phases, name="phase"),
    )
    if mitigation is not None:
        table.loc[str(mitigation.name)] = [float(mitigation.get(p, 0.0)) for p in phases]
    return table


def _with_phases_of(phases: list[str], mitigation: pd.Series) -> list[str]:
    """The phases invested in and those with mitigation money, in time order: the order of
    `mitigation`, which holds every phase of the budgets, when it holds those invested in."""
    spent = [str(p) for p, v in mitigation.items() if v]
    if set(phases) <= set(mitigation.index):
        return [p for p in mitigation.index if p in phases or p in spent]
    return [*phases, *(p for p in spent if p not in phases)]


def variable_price_units(sol: Solution, units: np.ndarray) -> list[str]:
    """The unit of each variable's reduced cost and objective coefficient: the objective's unit
    per unit of the variable's value (`units`), each distinct unit worded once."""
    said = {
        u: families.per_unit(sol.objective_unit, u) if u else price_unit(sol)
        for u in set(units.tolist())
    }
    return [said[u] for u in units.tolist()]
