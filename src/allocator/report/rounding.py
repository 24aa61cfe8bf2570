"""Rounding done once, the same way everywhere a table of money is shown (terminal, charts):
largest-remainder rounding, so the shown parts add up to the shown totals (a table of rows and
columns: `rounded_grid`, every total within 1 of its exact sum).

Each value is first rounded down; the units still missing to reach the rounded total go to the
values with the largest remainders (ties to the earlier value, so the result does not depend on
anything but the order given, which the callers keep sorted). Values and remainders are compared
at 6 decimals, as `whole` rounds: two remainders of .4 that differ by a solver's last bits are a
tie, not decided by the noise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal

import pandas as pd

from allocator.report.gridrounding import controlled

WIDE = Context(prec=60)
"""The context whole numbers are rounded in: never the caller's (a notebook's `getcontext().prec
= 6` made 7-digit job-years a decimal.InvalidOperation)."""

NOTE = (
    "rounded to whole US$ million so that the parts add up to the totals, each total within 1 of "
    "its exact sum"
)
"""How a sector x phase table is rounded (`rounded_grid`), in its title on every surface."""


def number(value: float) -> str:
    """A number for people: thousands separators, no spurious decimals (596,022.5; 12.5; 0.38)."""
    if value != value:  # NaN
        return ""
    if abs(value) >= 100:
        text = f"{value:,.1f}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:,.4f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def whole(value: float) -> int:
    """`value` to the nearest whole number, halves away from zero (596,022.5 -> 596,023)."""
    return int(Decimal(repr(round(float(value), 6))).quantize(Decimal(1), ROUND_HALF_UP, WIDE))


def largest_remainder(values: Sequence[float], total: int | None = None) -> list[int]:
    """Whole numbers that add up to `total` (by default the whole-rounded sum of `values`), each
    within 1 of its value where the values are non-negative.

    Args:
        values: the parts.
        total: the whole number the rounded parts must add up to.
    """
    target = whole(math.fsum(values)) if total is None else total
    snapped = [
        round(float(v), 6) for v in values
    ]  # as `whole`: the solver's last bits decide no tie
    floors = [math.floor(v) for v in snapped]
    missing = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-round(snapped[i] - floors[i], 6), i))
    out = list(floors)
    if not order:
        return out
    step = 1 if missing >= 0 else -1
    for k in range(abs(missing)):
        i = order[k % len(order)] if step > 0 else order[-1 - k % len(order)]
        out[i] += step
    return out


def rounded_grid(grid: pd.DataFrame) -> pd.DataFrame:
    """A table of money in whole numbers with a `total` column and a `total` row that add up.

    The grand total is the whole-rounded sum (with an APART row, split between it and the other
    rows by the largest remainder, as the money line splits spent money); every row's and every
    column's total is its exact sum rounded down or up, and the cells, each rounded down or up,
    add up to them: the nearest such rounding (`gridrounding.controlled`). So every shown row
    and column adds up to its shown total, and no total is 1 or more from its exact sum.
    """
    values = grid.to_numpy(dtype=float)
    sums = [math.fsum(r) for r in values]
    labels = [str(i) for i in grid.index]
    fixed: dict[int, int] = {}
    if APART in labels and len(labels) > 1:
        k = labels.index(APART)
        rest, fixed[k] = largest_remainder(
            [math.fsum(v for i, v in enumerate(sums) if i != k), sums[k]]
        )
        grand = rest + fixed[k]
    else:
        grand = whole(math.fsum(sums))
    cells = controlled(values.tolist(), grand, fixed) if len(values) else []
    table = pd.DataFrame(cells, index=grid.index, columns=grid.columns, dtype="int64").reindex(
        index=grid.index, columns=grid.columns, fill_value=0
    )
    table["total"] = table.sum(axis=1)
    total_row = table.sum(axis=0).to_frame().T
    total_row.index = pd.Index(["total"], name=grid.index.name)
    return pd.concat([table, total_row])


APART = "risk mitigation"
"""A row whose money is not investment (`budgets.MITIGATION`): the grand total is first split
between it and the investment rows, as the money line splits spent money."""


EXPORTS_UNIT = "US$ million per year"
"""The unit of exports at a milestone, on every surface (terminal, report.html, tables)."""

WHOLE_UNITS = ("jobs", "job-years", "pv job-years")
"""Units counted in whole numbers where people read them: no half jobs."""


def cell(value: float, unit: str = "") -> str:
    """A number of a table or of a sentence, as report.html's tables and the terminal both show
    it: whole for counts of jobs (halves away from zero), else `number`'s rule (one decimal
    from 100 up, two from 1, four below); never -0; `n/a` for NaN.

    Args:
        value: the number.
        unit: its unit (`WHOLE_UNITS` are shown whole).
    """
    if value != value:  # NaN: no number (a spread of no sample)
        return "n/a"
    text = number(float(whole(value)) if unit in WHOLE_UNITS else float(value))
    return "0" if text == "-0" else text


def parts_shown(parts: Sequence[float], unit: str = "") -> list[str]:
    """`parts` of a level as texts that add up to the level as `cell` shows it (their sum):
    each at the level's shown decimals (without trailing zeros, as `number`), rounded by the
    largest remainder (800.4 + 750.18 jobs, a level of 1,551: `801` and `750`, not 800 + 750).

    Args:
        parts: the parts (e.g. what existed before the plan and what it adds).
        unit: their unit, as `cell` takes it.
    """
    level = cell(math.fsum(parts), unit)
    if level == "n/a" or any(p != p for p in parts):
        return [cell(p, unit) for p in parts]
    places = len(level.partition(".")[2])
    scale = 10**places
    target = int(Decimal(level.replace(",", "")).scaleb(places))
    units = largest_remainder([p * scale for p in parts], target)
    texts = [fixed(u, places) for u in units]  # no spurious decimals, as `number` shows
    return [t.rstrip("0").rstrip(".") if "." in t else t for t in texts]


def balanced(budget: float, came: float, spent: float, out: float, left: float) -> list[str]:
    """A budget's money as texts that balance as shown: budget + carried in = spent + carried
    out + unspent, digit for digit. The budget and the unspent money read as `cell` shows them
    (as the terminal's `unspent POOL PHASE: X of Y` says them); the row is shown at the more
    decimals of the two, the money carried in rounded to them, and what is left between spent
    and carried out split by the largest remainder (800 = 700.89 + 99.11, not 700.9 + 99.11).

    Args:
        budget: the budget (US$ million).
        came: money carried in from the phase before.
        spent: money spent.
        out: money carried out to the next phase.
        left: money unspent.
    """
    texts = [cell(budget), cell(left)]
    places = max(len(t.partition(".")[2]) for t in texts)
    scale = 10**places
    shown_budget, shown_left = (int(Decimal(t.replace(",", "")).scaleb(places)) for t in texts)
    shown_came = whole(came * scale)
    parts = largest_remainder([spent * scale, out * scale], shown_budget + shown_came - shown_left)
    units = [shown_budget, shown_came, *parts, shown_left]
    said = [fixed(u, places) for u in units]
    return [t.rstrip("0").rstrip(".") if "." in t else t for t in said]


def fixed(units: int, places: int) -> str:
    """`units` hundredths (`places` 2), tenths, ... as a number with thousands separators and
    exactly `places` decimals (`fixed(3109097, 4)` is `310.9097`); never -0."""
    text = f"{Decimal(units).scaleb(-places):,.{places}f}"
    return text.removeprefix("-") if units == 0 else text


def whole_counts(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`frame` (a table with a `unit` column, one unit a row) with the `columns` of rows counted
    in `WHOLE_UNITS` whole (halves away from zero), as `cell` and the terminal show them; a
    report table then reads as the terminal's (no 297.5 jobs beside a headline of 297)."""
    if "unit" not in frame:
        return frame
    shown = frame.copy()
    counted = shown["unit"].isin(WHOLE_UNITS).to_numpy()
    for column in (c for c in columns if c in shown):
        values = shown[column].astype(object)
        values[counted] = [v if v != v else whole(v) for v in values[counted]]
        shown[column] = values
    return shown


def shown(value: float, unit: str = "") -> str:
    """A headline number as the terminal, report.html and the serve page show it: the rule of
    every table cell (`cell`), so a headline and the same number in a table read alike."""
    return cell(value, unit)


def percent(share: float) -> str:
    """A share (of good plans, of samples) as a planner reads it right: whole percent, or as
    many decimals as keep a share strictly between 0 and 1 (a borderline member's) from reading
    0% or 100%; the one rule of the terminal and the pages."""
    said = f"{share:.0%}"
    for places in range(1, 7):
        if share in (0.0, 1.0) or float(said[:-1]) not in (0.0, 100.0):
            break
        said = f"{share:.{places}%}"
    return said


def percentile_words(where: float) -> str:
    """A percentile (0-100) as the terminal and the sweep page say it: whole (`33`)."""
    return f"{where:.0f}"
