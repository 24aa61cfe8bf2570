"""The sections of report.html that read the shadow prices: what binds (the limits whose room
buys the most, in a chart and in words) and the budgets left unspent.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from allocator.report.htmlparts import chart_labels, chart_unit, number, room_units, table
from allocator.report.svg import as_written, bars

TOP_PRICES = 12
"""The most limits the section shows."""

AMOUNTS = (
    "<p><em>For at least</em> an amount: the optimal basis's range only, on a model too large "
    "for re-solves to follow the rate further, or as far as the re-solves allowed per side "
    "ran out before its end; it may hold further. <em>Then no plan is "
    "feasible</em>: the rate holds up to that amount and no plan meets every limit past it. An "
    "amount is exact where the data fixes it (a budget cut to 0, a variable reaching its "
    "bound); elsewhere it is where re-solves found the rate to change, to the solver's "
    "tolerance. Amounts are shown to 6 significant digits (<code>shadow_prices.csv</code>: "
    "12).</p>"
)
"""What the amounts of the words say, under the section's first paragraph."""


UNPRICED = (
    "<h2>What binds: the largest shadow prices</h2><p>This plan has no shadow prices: "
    "<code>shadow_prices.csv</code> leaves them empty (a near-optimal plan is not the optimum "
    "of its objective, so no price belongs to it; run.json's notes say why). Which limits bind "
    "is in its <code>binding</code> column.</p>"
)
"""The section of a plan whose shadow prices are not computed (`has_prices`)."""


NO_LIMIT_BUYS = "No limit buys anything at the margin."
"""What the terminal and report.html say when no limit's room buys anything at the margin (a
table of rates only: its list ranks by them). The workbook then draws no chart of them."""

NO_UNIT_BUYS = (
    "No limit's one unit more room buys anything, as `allocator solve` on the data moved by that "
    "unit gives it (the rates at the margin: shadow_prices.csv)."
)
"""The same when the list ranks by whole units (a weighted index at every measure's best: a
rate at the margin, with the bests held, can still be above 0)."""


def no_limit_words(prices: pd.DataFrame) -> str:
    """What is said of an empty list of the limits whose room buys the most: by whole units
    where `prices` has them (`NO_UNIT_BUYS`), else at the margin (`NO_LIMIT_BUYS`)."""
    return NO_UNIT_BUYS if "gain_of_one_unit_up" in prices else NO_LIMIT_BUYS


def binding_section(prices: pd.DataFrame, sensitivity: pd.DataFrame | None) -> str:
    """What binds: the limits whose room buys the most, in a chart and in words (both one-sided
    rates and how far each holds); a folder written before the one-sided rates: the duals."""
    from allocator.report.assumed import has_prices
    from allocator.report.rates import rate_words, top_shadow_prices

    if not has_prices(prices):
        return UNPRICED
    if "gain_per_unit_up" not in prices:
        return _binding_duals(prices, sensitivity)
    top = top_shadow_prices(prices, TOP_PRICES)
    words = []
    for r in top.itertuples(index=False):
        more, less = rate_words(r, str(r.unit))
        words.append(
            f"<li><strong>{escape(str(r.description))}</strong> ({escape(str(r.constraint))}): "
            f"{escape(more)}; {escape(less)}.</li>"
        )
    room = room_units(top)  # what one unit more room buys, as the words below say it
    chart = (
        bars(
            chart_labels(room),
            {"gain": room["magnitude"].tolist()},
            chart_unit(room),  # limits of different units: each label says its own
            f"The {len(top)} limits whose room buys the most",
        )
        if len(top)
        else ""  # no chart of no limit: the list below says so
    )
    whole = "gain_of_one_unit_up" in prices
    said = (
        "<p>What one more unit of each limit buys and what one unit less costs (for a floor, "
        "one unit less is more room), in the objective's unit: what <code>allocator solve</code> "
        "on the data moved by that unit reports (under soft targets it finds the least target "
        "shortfall again, and the line says when that changes). In brackets, the rate at the "
        "margin and the amount it holds for (<em>at today's least shortfall</em>: with the "
        "least shortfall held, as the objective's pass holds it). The simplex's single shadow "
        "price of a degenerate optimum can be either side or neither; "
        "<code>sensitivity.csv</code> has both sides. <em>No plan is feasible</em>: no plan "
        "meets every limit after that move.</p>"
        if whole
        else "<p>What one more unit of each limit buys and what one unit less costs (for a "
        "floor, one unit less is more room), each in the objective's unit per unit of the limit "
        "and exact for the amount in brackets, as a re-solve gives it. The simplex's single "
        "shadow price of a degenerate optimum can be either side or neither; "
        "<code>sensitivity.csv</code> has both sides. <em>No plan is feasible</em>: no plan "
        "meets every other limit after that move (under soft targets, nor the least target "
        "shortfall, which the objective's pass holds).</p>"
    )
    return (
        "<h2>What binds: the largest shadow prices</h2>"
        + said
        + AMOUNTS
        + chart
        + f"<ul>{''.join(words) or f'<li>{escape(no_limit_words(prices))}</li>'}</ul>"
    )


def _binding_duals(prices: pd.DataFrame, sensitivity: pd.DataFrame | None) -> str:
    """The section of a run folder written before the one-sided rates: the simplex duals."""
    binding = prices[(prices["shadow_price"].abs() > 1e-9)].copy()
    # as the CSV holds it (12 digits), so ties sort by name alike when rebuilt from the folder
    binding["size"] = [float(f"{abs(v):.12g}") for v in binding["shadow_price"]]
    binding = binding.sort_values(["size", "constraint"], ascending=[False, True]).head(TOP_PRICES)
    ranges: dict[str, tuple[Any, Any]] = {}
    if sensitivity is not None and "section" in sensitivity.columns:
        rows = sensitivity[sensitivity["section"] == "constraint"]
        pairs = zip(rows["allowable_increase"], rows["allowable_decrease"], strict=True)
        ranges = dict(zip(rows["name"].astype(str), pairs, strict=True))
    words = []
    columns = (binding[c].tolist() for c in ("constraint", "description", "unit", "shadow_price"))
    for constraint, description, unit, price in zip(*columns, strict=True):
        inc, dec = ranges.get(str(constraint), (None, None))
        span = (
            f" The price holds for an increase of up to {_amount(inc)} and a decrease of up to "
            f"{_amount(dec)} of the limit."
            if inc is not None
            else ""
        )
        more = "more" if price > 0 else "less"
        words.append(
            f"<li><strong>{escape(str(description))}</strong> ({escape(str(constraint))}): "
            f"one unit more of this limit gives {number(abs(price))} "
            f"{escape(str(unit))} {more} objective.{span}</li>"
        )
    chart = bars(
        chart_labels(binding),
        {"price": binding["size"].tolist()},
        str(binding["unit"].iloc[0]) if len(binding) else "",
        f"The {len(binding)} largest shadow prices (size)",
    )
    return (
        "<h2>What binds: the largest shadow prices</h2>"
        "<p>A shadow price is the change of the objective per unit increase of the limit's "
        "right-hand side.</p>"
        + chart
        + f"<ul>{''.join(words) or '<li>No constraint has a non-zero price.</li>'}</ul>"
    )


def _amount(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "an unknown amount"
    return "any amount" if v != v or v >= 1e29 else number(v)


_UNSPENT_COLUMNS = {
    "pool": "pool",
    "phase": "phase",
    "budget_musd": "budget",
    "carried_in_musd": "carried in",
    "spent_musd": "spent",
    "carried_out_musd": "carried out",
    "unspent_musd": "unspent",
}
"""budgets.csv's columns the Unspent budgets table shows, with their headers."""


def unspent_section(prices: pd.DataFrame, budgets: pd.DataFrame | None = None) -> str:
    """The budgets not spent in full, with the money left in each: budgets.csv's rows, as the
    terminal lists them (a pool no program can use has no row in the LP but is unspent); a
    folder written before budgets.csv: the budget rows' slack."""
    if budgets is not None and "unspent_musd" in budgets.columns:
        return _unspent_budgets(budgets)
    from allocator.report.budgets import MONEY as UNSPENT

    families = ("budget", "risk_budget")  # pools and risk mitigation
    budgets = prices[prices["family"].isin(families) & (prices["slack"] > UNSPENT)]
    if budgets.empty:
        return "<h2>Unspent budgets</h2><p>Every budget is spent in full.</p>"
    frame = budgets[["constraint", "description", "rhs", "body", "slack"]].rename(
        columns={"rhs": "budget", "body": "spent", "slack": "unspent"}
    )
    units = dict.fromkeys(("budget", "spent", "unspent"), "US$ million")
    return (
        f"<h2>Unspent budgets</h2><p>{len(frame)} budgets are not spent in full, "
        f"{number(float(frame['unspent'].sum()))} US$ million in all.</p>" + table(frame, units)
    )


def _unspent_budgets(budgets: pd.DataFrame) -> str:
    """The rows of budgets.csv with money left; the total as the money line says it."""
    from allocator.report.budgets import MONEY as UNSPENT
    from allocator.report.budgets import shown_money

    left = budgets[budgets["unspent_musd"] > UNSPENT]
    if left.empty:
        return "<h2>Unspent budgets</h2><p>Every budget is spent in full.</p>"
    columns = {k: v for k, v in _UNSPENT_COLUMNS.items() if k in left.columns}
    frame = left[list(columns)].rename(columns=columns)
    units = {v: "US$ million" for k, v in columns.items() if k.endswith("_musd")}
    total = shown_money(budgets)["total"]["unspent"]
    texts = _balanced_texts(left)
    return (
        f"<h2>Unspent budgets</h2><p>{len(frame)} budgets are not spent in full, {total:,} "
        "US$ million in all (each pool and phase, each risk budget: budgets.csv, with why). "
        f"{BALANCED}</p>" + table(frame, units, texts)
    )


BALANCED = (
    "Each row adds up as shown (budget + carried in = spent + carried out + unspent): its budget "
    "and unspent money as the terminal says them, the rest rounded to the same decimals; "
    "budgets.csv and the workbook's budgets sheet hold the exact numbers."
)
"""What the Unspent budgets table's rounding is, under its heading."""

_MONEY = ("budget_musd", "carried_in_musd", "spent_musd", "carried_out_musd", "unspent_musd")


def _balanced_texts(left: pd.DataFrame) -> dict[str, list[str]]:
    """The shown texts of each money column of the Unspent budgets table, balancing in each row
    (`rounding.balanced`), from the numbers as budgets.csv holds them (`svg.as_written`), so
    `allocator report` rebuilds the same page; a folder written before the carried columns:
    none."""
    from allocator.report.rounding import balanced

    if not set(_MONEY) <= set(left.columns):
        return {}
    rows = zip(*([as_written(v) for v in left[c].astype(float)] for c in _MONEY), strict=True)
    said = [balanced(*r) for r in rows]
    return {_UNSPENT_COLUMNS[c]: [s[k] for s in said] for k, c in enumerate(_MONEY)}
