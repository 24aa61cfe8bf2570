"""The one-sided rates of a run's rows as table columns and words, and the "largest shadow
prices" ranking every report shares: limits by what one unit more room buys, exactly.

The rates come from the solver (`allocator.solver.marginal`) in the `Solution`'s rows table; here
they become the columns of shadow_prices.csv and sensitivity.csv (`ONE_SIDED`), the list's order
(`top_shadow_prices`) and its words (`rate_words`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.model import families
from allocator.model.solution import LABEL_ORDER, Solution

ZERO_PRICE = 1e-9
"""A shadow price counts as non-zero from this magnitude on. Below it is solver noise, which the
tables already write as 0 (the solver's duals are cleaned at this same tolerance)."""

EXCEL_INFINITY = 1e30
"""Excel Solver's "no limit"."""

ONE_SIDED = [
    "gain_per_unit_up",
    "up_holds_for",
    "loss_per_unit_down",
    "down_holds_for",
    "holds_for_unit",
    "one_sided",
]
"""The one-sided columns of shadow_prices.csv and sensitivity.csv: what one more unit of the
right-hand side buys (v'+, objective per unit increase) and what each unit less costs (v'-), each
exact for the amount beside it (in `holds_for_unit`); 1E+30 = without limit, and a rate of
+-1E+30 a move that no plan allows; empty = not computed (the row's range is 0 that way and no
report lists it). `one_sided`: `re-solved` (a side was computed by re-solves), `basis` (both are
the simplex dual, over Excel's allowable range), empty (a side not computed)."""


def one_sided(sol: Solution) -> pd.DataFrame:
    """The one-sided columns (`ONE_SIDED`) of every constraint row, infinities as Excel's 1E+30;
    all empty for a plan with no duals (a near-optimal alternative)."""
    rows = sol.rows
    if "gain_per_unit_up" not in rows:
        frame = pd.DataFrame(np.nan, index=rows.index, columns=ONE_SIDED[:4])
        return frame.assign(holds_for_unit="", one_sided="")
    frame = pd.DataFrame({c: _signed_excel_inf(rows[c]) for c in ONE_SIDED[:4]})
    records = rows[[c for c in rows.columns if c in LABEL_ORDER or c == "family"]]
    frame["holds_for_unit"] = [families.unit_of(r["family"], r) for r in records.to_dict("records")]
    known = frame[ONE_SIDED[:4]].notna().all(axis=1).to_numpy()
    frame["one_sided"] = np.where(
        rows["re_solved"].to_numpy(dtype=bool), "re-solved", np.where(known, "basis", "")
    )
    return frame


def top_shadow_prices(prices: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The n rows whose room buys the most (`room`), ties by constraint name.

    Args:
        prices: a `shadow_prices` table, as `shadow_prices` makes it or read back from
            shadow_prices.csv (one without the one-sided columns ranks by |shadow_price|).
        n: how many rows at most.

    Returns:
        Those rows, largest first, with a `magnitude` column (what one unit more room buys, as
        the CSV holds it: 12 digits); rows whose room buys less than `ZERO_PRICE` (or is not
        computed) are never listed, so no row shows a gain a re-solve does not give.
    """
    if "gain_per_unit_up" in prices:
        value = room(prices)
    else:
        value = prices["shadow_price"].astype(float).abs()
    keep = (value >= ZERO_PRICE).to_numpy()
    # the magnitudes of the kept rows only: on an empty frame, pandas would take a whole
    # column's index and bring every row back
    sizes = [float(f"{v:.12g}") for v in value[keep]]
    top = prices[keep].assign(magnitude=sizes)
    return top.sort_values(["magnitude", "constraint"], ascending=[False, True]).head(n)


def room(prices: pd.DataFrame) -> pd.Series:
    """What one unit more room buys: one more unit of a `<=` limit (`gain_per_unit_up`), one
    unit less of a `>=` limit (minus `loss_per_unit_down`); missing where not computed."""
    gain = prices["gain_per_unit_up"].astype(float)
    loss = prices["loss_per_unit_down"].astype(float)
    return gain.where(prices["sense"] != ">=", -loss)


def rate_words(row: Any, unit: str) -> tuple[str, str]:
    """The two one-sided rates of a shadow-price row in words, e.g. (`one more: +12.5 jobs per
    musd (for 0.1 musd)`, `one less: -12.5 (for 2,181.8 musd)`): the objective's change per
    unit moved each way, and for how much of the limit it holds.

    Args:
        row: a row of a `shadow_prices` table (or of `top_shadow_prices`), with the one-sided
            columns.
        unit: the rate's unit (the row's `unit`, e.g. `jobs per musd`).
    """
    holds_unit = str(getattr(row, "holds_for_unit", "") or "")
    up = _side_words(float(row.gain_per_unit_up), float(row.up_holds_for), holds_unit)
    down = _side_words(-float(row.loss_per_unit_down), float(row.down_holds_for), holds_unit)
    return f"one more: {up.replace(' (', f' {unit} (', 1)}", f"one less: {down}"


def _side_words(change: float, holds: float, holds_unit: str) -> str:
    if change != change:
        return "not computed"
    change += 0.0  # no "-0"
    if abs(change) >= EXCEL_INFINITY:
        return "no plan is feasible"
    amount = "any amount" if holds >= EXCEL_INFINITY else f"{holds:,.6g} {holds_unit}".strip()
    return f"{change:+,.4g} (for {amount})"


def _signed_excel_inf(values: pd.Series) -> pd.Series:
    """+-inf as +-1E+30, as Excel writes no limit; missing values stay missing."""
    v = values.to_numpy(dtype=float)
    return pd.Series(np.where(np.isinf(v), np.sign(v) * EXCEL_INFINITY, v), index=values.index)
