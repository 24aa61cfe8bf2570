"""Enabling links in words, and what each enabling budget is worth in a solved plan.

The `enable[link, year]` rows are priced like every other row (shadow_prices.csv); here each link
of `links.csv` is said as a planner would say it, with the value of one more US$ million of its
enabling capital: ratio x the sum of its rows' shadow prices (objective units per US$ million of
enabling capital productive in every year the link has a row).
"""

from __future__ import annotations

import pandas as pd

from allocator.data.links import ALL, Link
from allocator.data.schema import Inputs

QUANTITY = {"capital": ("musd more capital of", "produce"), "exports": ("musd a year more", "sell")}


def _side(dimension: str, names: tuple[str, ...]) -> str:
    if names == (ALL,):
        return f"every {dimension}"
    return ", ".join(names) if dimension == "program" else f"{dimension} {', '.join(names)}"


def link_words(link: Link) -> str:
    """e.g. `each extra musd of capital_group infrastructure lets 5.67 musd more capital of
    capital_group automotive_industry, ... produce` (lag, if any, at the end)."""
    more, verb = QUANTITY[link.quantity]
    enabler = _side(link.enabler_dimension, link.enablers)
    dependent = _side(link.dependent_dimension, link.dependents)
    what = f"{more} {dependent}" if link.quantity == "capital" else f"{more} exports of {dependent}"
    years = f"{link.lag_years} year{'s' if link.lag_years != 1 else ''}"
    lag = f", {years} after it is productive" if link.lag_years else ""
    return f"each extra musd of {enabler} lets {link.ratio:,.3g} {what} {verb}{lag}"


def link_values(inp: Inputs, prices: pd.DataFrame) -> pd.DataFrame:
    """One row per link: its words, its rows, how many bind, and the worth of one more US$
    million of enabling capital (ratio x the sum of its rows' shadow prices, with their unit)."""
    rows = prices[prices["family"] == "enable"]
    out = []
    for link in inp.links:
        mine = rows[rows["link"] == link.link]
        price = float(mine["shadow_price"].astype(float).sum())
        unit = str(mine["unit"].iloc[0]) if len(mine) else ""
        out.append(
            {
                "link": link.link,
                "words": link_words(link),
                "rows": len(mine),
                "binding": int(mine["binding"].astype(bool).sum()),
                "worth_per_musd": link.ratio * price + 0.0,
                "unit": unit.replace(" per musd", " per musd of enabling capital"),
            }
        )
    return pd.DataFrame(out, columns=["link", "words", "rows", "binding", "worth_per_musd", "unit"])
