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

QUANTITY = {"capital": ("musd more capital", "produce"), "exports": ("musd a year more", "sell")}


def _side(dimension: str, names: tuple[str, ...]) -> str:
    if names == (ALL,):
        return f"every {dimension}"
    return ", ".join(names) if dimension == "program" else f"{dimension} {', '.join(names)}"


def link_words(link: Link) -> str:
    """e.g. `each extra musd of capital_group infrastructure lets 5.67 musd more capital
    produce, in total over capital_group automotive_industry, ... (not 5.67 each)` (lag, if any,
    at the end). A link has one row a year over all its dependents together (`model.links`:
    their sum), so where it names more than one (or every member), the words say the ratio is
    their total, not each one's."""
    more, verb = QUANTITY[link.quantity]
    enabler = _side(link.enabler_dimension, link.enablers)
    dependent = _side(link.dependent_dimension, link.dependents)
    years = f"{link.lag_years} year{'s' if link.lag_years != 1 else ''}"
    lag = f", {years} after it is productive" if link.lag_years else ""
    ratio = f"{link.ratio:,.3g}"
    noun = "" if link.quantity == "capital" else " exports"
    if link.dependents == (ALL,) or len(link.dependents) > 1:
        together = f"in total over {dependent} (one sum a year, not {ratio} each)"
        return f"each extra musd of {enabler} lets {ratio} {more}{noun} {verb}, {together}{lag}"
    what = f"{more}{noun} of {dependent}"
    return f"each extra musd of {enabler} lets {ratio} {what} {verb}{lag}"


def link_values(inp: Inputs, prices: pd.DataFrame) -> pd.DataFrame:
    """One row per link: its words, its rows, how many bind, and the worth of one more US$
    million of enabling capital productive from the earliest year any can be (`enables_from`):
    ratio x the sum of the shadow prices of its rows from that year on, with their unit. A
    row before that year holds no enabling capital whatever the plan (the enabler's window has
    not opened), so its price is no worth of enabling money: one more musd spent in the
    enabler's first year raises exactly the rows from `enables_from` on, by the ratio."""
    rows = prices[prices["family"] == "enable"]
    out = []
    for link in inp.links:
        mine = rows[rows["link"] == link.link]
        start = enables_from(inp, link)
        counted = mine[mine["year"].astype(float) >= start] if start is not None else mine.iloc[:0]
        price = float(counted["shadow_price"].astype(float).sum())
        unit = str(mine["unit"].iloc[0]) if len(mine) else ""
        out.append(
            {
                "link": link.link,
                "words": link_words(link),
                "rows": len(mine),
                "binding": int(mine["binding"].astype(bool).sum()),
                "worth_per_musd": link.ratio * price + 0.0,
                "unit": unit.replace(" per musd", " per musd of enabling capital"),
                "from_year": start,
            }
        )
    columns = ["link", "words", "rows", "binding", "worth_per_musd", "unit", "from_year"]
    return pd.DataFrame(out, columns=columns)


def enables_from(inp: Inputs, link: Link) -> int | None:
    """The first year enabling capital of `link` can count (`model.links`: money spent in year
    tau counts from tau + the program's lag + the link's lag), spent in the first year of its
    program's window; None when the link names no program to enable with."""
    from allocator.data.links import link_programs

    enabling, _ = link_programs(inp, link)
    programs = {p.program: p for p in inp.programs}
    years = [programs[p].first_year + programs[p].lag_years for p in enabling]
    return min(years) + link.lag_years if years else None
