"""A tie class in words (`solver.tie_classes` of run.json): its money in this plan and what
that total can move to with every outcome unchanged, as the terminal's Ties line and the served
page both say it, one function for both."""

from __future__ import annotations

from typing import Any

MONEY = "US$ million"
"""The unit of a tie class's money (over the horizon)."""


def class_total_words(cls: dict[str, Any]) -> str:
    """A tie class's money in this plan and what its total can move to with every outcome
    unchanged (`ties._class_range`): `fixed` where the two LPs end at the plan's total, else
    the range (money from, or back to, outside the class: a pool's unspent budget), e.g.
    `23,113.2 in all in this plan (not a fixed total: it can rise to 23,681.8 with money from
    or back to outside the class)`."""
    from allocator.report.rounding import cell

    money = cls["money"]
    low, high = cls.get("money_low"), cls.get("money_high")
    this = f"{cell(money, MONEY)} in all in this plan"
    if low is None or high is None:
        return this
    tol = 1e-6 * max(1.0, abs(money))
    if money - low <= tol and high - money <= tol:
        return f"{this} (a fixed total: money moves only among these programs)"
    if money - low <= tol:
        more = f"can rise to {cell(high, MONEY)}"
    elif high - money <= tol:
        more = f"can fall to {cell(low, MONEY)}"
    else:
        more = f"can move from {cell(low, MONEY)} to {cell(high, MONEY)}"
    return f"{this} (not a fixed total: it {more} with money from or back to outside the class)"
