"""Excel Solver's Sensitivity and Answer reports of a solve (sensitivity.csv, the workbook's
`Sensitivity` and `Answer` sheets), in Excel's layout with allocator's units and one-sided
rates; its Limits report is `limits.py`. Split from `tables.py`, whose tables they read."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from allocator.model import families
from allocator.model.solution import LABEL_ORDER, Solution
from allocator.report.limits import variable_units
from allocator.report.rates import EXCEL_INFINITY, ONE_SIDED
from allocator.report.tables import (
    reduced_costs,
    select_text,
    shadow_prices,
    variable_price_units,
)


def _excel_inf(values: pd.Series) -> pd.Series:
    """Excel Solver writes an unlimited range as 1E+30; a range not known (NaN) stays empty."""
    return values.where(~np.isinf(values.to_numpy(dtype=float)), EXCEL_INFINITY)


def sensitivity(sol: Solution, prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Excel Solver's Sensitivity Report: variables, then constraints, with degenerate flags.

    Variables: final value, reduced cost, objective coefficient and how far that coefficient may
    rise or fall with the written plan still optimal (`ranging.ranges_at_plan`). Constraints:
    final value, shadow price, right-hand side and how far it may rise or fall with the same
    shadow price; then Excel's columns, the one-sided rates (`ONE_SIDED`), empty for variables.
    `prices`: `shadow_prices(sol)` if the caller has it already (it is computed otherwise).
    """
    sp = shadow_prices(sol) if prices is None else prices
    var, con = _variable_rows(sol), _constraint_rows(sol, sp)
    table = pd.concat([var, con], ignore_index=True)
    # a variable's rates per unit of its value, a constraint's per unit of its right-hand side
    # (shadow_prices.csv's): jobs per job for a tranche, not jobs per musd
    table["unit"] = [
        *variable_price_units(sol, variable_units(sol.columns)),
        *sp["unit"].to_numpy(dtype=object).tolist(),
    ]
    first = ["section", "name", "family"]
    labels = [c for c in LABEL_ORDER if c in table]
    rest = [c for c in table.columns if c not in first and c not in labels]
    sides = pd.DataFrame(np.nan, index=var.index, columns=ONE_SIDED[:4])
    sides = pd.concat(
        [sides.assign(holds_for_unit="", one_sided=""), sp[ONE_SIDED]], ignore_index=True
    )
    return pd.concat([table[first + labels + rest], sides], axis=1)


TIE_FLAG = (
    "tie: the tie rule moved this plan off the ranged vertex, another optimum; 0 on the side "
    "that optimum lies, the other side not computed"
)
"""The flag of a variable whose range has a side not computed (`ranging.ranges_at_plan`)."""


def _variable_rows(sol: Solution) -> pd.DataFrame:
    """The Sensitivity Report's variables, each flagged where its range is a tie's or zero."""
    cols = sol.columns
    var = pd.DataFrame(
        {
            "section": "variable",
            "name": cols["variable"],
            "family": cols["family"],
            **{c: cols[c] for c in LABEL_ORDER if c in cols},
            "final_value": cols["value"],
            "reduced_cost": cols["reduced_cost"],
            "shadow_price": np.nan,
            "objective_coefficient": cols["objective_coefficient"],
            "rhs": np.nan,
            "allowable_increase": _excel_inf(cols["allowable_increase"]),
            "allowable_decrease": _excel_inf(cols["allowable_decrease"]),
        },
        copy=False,  # copy-on-write: the solution's columns are never changed
    )
    inc, dec = var["allowable_increase"], var["allowable_decrease"]
    var["flag"] = select_text(
        [inc.isna() | dec.isna(), (inc == 0) | (dec == 0)],
        [TIE_FLAG, "degenerate: zero-length range (another optimum exists)"],
        "",
    )
    return var


def _constraint_rows(sol: Solution, sp: pd.DataFrame) -> pd.DataFrame:
    """The Sensitivity Report's constraints (`sp`: shadow_prices.csv's rows), each flagged
    where binding with a zero price or a zero-length range."""
    rows = sol.rows
    con = pd.DataFrame(
        {
            "section": "constraint",
            "name": sp["constraint"],
            "family": sp["family"],
            **{c: sp[c] for c in LABEL_ORDER if c in sp},
            "final_value": sp["body"],
            "reduced_cost": np.nan,
            "shadow_price": sp["shadow_price"],
            "objective_coefficient": np.nan,
            "rhs": sp["rhs"],
            "allowable_increase": _excel_inf(rows["allowable_increase"]),
            "allowable_decrease": _excel_inf(rows["allowable_decrease"]),
        },
        copy=False,  # copy-on-write: the solution's columns are never changed
    )
    binding = ~rows["basic"].to_numpy(dtype=bool)
    zero_range = (con["allowable_increase"] == 0) | (con["allowable_decrease"] == 0)
    con["flag"] = select_text(
        [binding & (con["shadow_price"] == 0), binding & zero_range],
        [
            "degenerate: binding with zero shadow price",
            "degenerate: zero-length range (the price changes at once one way)",
        ],
        default="",
    )
    return con


def answer(
    sol: Solution,
    label: str,
    prices: pd.DataFrame | None = None,
    reduced: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Excel Solver's Answer Report: the objective and every variable with its original value
    (before the solve) and its final value, and every constraint's status; each row with the
    unit of its values (`unit`: the objective's, the variable's, the row's).

    Before the solve no money is allocated: a variable's original value is 0 moved inside its
    bounds (a variable fixed by its bounds, such as a base level of what already exists, at that
    value), and the objective's original value is the objective at those values. `prices` and
    `reduced`: `shadow_prices(sol)` and `reduced_costs(sol)` if the caller has them already."""
    sp = shadow_prices(sol) if prices is None else prices
    cols = sol.columns
    original = np.clip(0.0, cols["lower"].fillna(-np.inf), cols["upper"].fillna(np.inf)) + 0.0
    start = math.fsum(cols["objective_coefficient"].fillna(0.0).to_numpy() * original.to_numpy())
    head = pd.DataFrame(
        [
            {
                "section": "objective",
                "name": label,
                "original_value": start + 0.0,
                "final_value": sol.objective_value,
                "status": sol.status,
                "slack": np.nan,
                "unit": sol.objective_unit,
            }
        ]
    )
    var = pd.DataFrame(
        {
            "section": "variable",
            "name": cols["variable"],
            "original_value": original,
            "final_value": cols["value"],
            "status": (reduced_costs(sol) if reduced is None else reduced)["status"],
            "slack": np.nan,
            "unit": variable_units(cols),  # as limits.csv's `unit`
        },
        copy=False,  # copy-on-write: the solution's columns are never changed
    )
    con = pd.DataFrame(
        {
            "section": "constraint",
            "name": sp["constraint"],
            "original_value": np.nan,
            "final_value": sp["body"],
            "status": select_text([sp["binding"]], ["Binding"], "Not Binding"),
            "slack": sp["slack"],
            "unit": families.row_units(sp),  # the row's unit, shadow_prices.csv's holds_for
        },
        copy=False,  # copy-on-write: the solution's columns are never changed
    )
    return pd.concat([head, var, con], ignore_index=True)
