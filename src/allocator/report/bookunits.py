"""The units of the workbook's headers that `write.header` (the table's column name alone, via
`tables.UNITS`) cannot give: those that depend on the sheet (an Answer row's `final_value` is in
its `unit` column; a Sensitivity row's in its family's unit) or on the run (the whole-unit gains
are in the objective's unit). One convention with the other headers: `name (unit)`, and where
the unit varies by row, `name (see X column)` naming the sheet's column that holds it."""

from __future__ import annotations

import re

import pandas as pd

from allocator.model.declare import BY_KIND, WEIGHTED_SHORTFALL

OBJECTIVE = "objective"
"""Stands for the run's objective unit (`objective_unit`) in `SHEET_UNITS`."""

_RANGE = "variable: see unit column; constraint: family unit"
"""Excel's allowable range: of a variable's objective coefficient (its `unit`), of a
constraint's right-hand side (its family's unit)."""
_LABELS = {"level": BY_KIND}
"""Index labels that are numbers: a tranche's (or its excess's) level, in its kind's unit."""
_WHOLE = {
    **_LABELS,
    "gain_of_one_unit_up": OBJECTIVE,
    "loss_of_one_unit_down": OBJECTIVE,
    "shortfall_change_up": WEIGHTED_SHORTFALL,
    "shortfall_change_down": WEIGHTED_SHORTFALL,
}
"""The whole units of shadow_prices.csv and sensitivity.csv (`rates.ONE_SIDED`): the objective
after one unit more (less), less today's; the least weighted target shortfall likewise."""

_SENSITIVITY = {
    "final_value": "family unit",
    "allowable_increase": _RANGE,
    "allowable_decrease": _RANGE,
    **_WHOLE,
}
"""Excel's Sensitivity report (the one-sided columns as shadow_prices.csv's)."""
_LIMITS = {
    "lower_limit": "see unit column",
    "upper_limit": "see unit column",
    "objective_at_lower": "see objective_unit column",
    "objective_at_upper": "see objective_unit column",
    **_LABELS,
}
"""Excel's Limits report: each limit in its variable's unit, the objective there in its own."""

SHEET_UNITS: dict[str, dict[str, str]] = {
    "shadow_prices": _WHOLE,
    "Sensitivity": _SENSITIVITY,
    "sensitivity": _SENSITIVITY,  # a run whose sheets are its tables (two-stage)
    "Answer": {"original_value": "see unit column", "final_value": "see unit column"},
    "Limits": _LIMITS,
    "limits": _LIMITS,  # a run whose sheets are its tables (two-stage)
    "reduced_costs": _LABELS,
    "risk": {"number": "see unit column"},
    "frontier": {  # epsilon: the x asked for, in x's unit
        "epsilon": "see x_unit column",
        "x_value": "see x_unit column",
        "y_value": "see y_unit column",
        "rate": "see rate_unit column",
        "rate_holds_for": "see x_unit column",
        "rate_less": "see rate_unit column",
        "rate_less_holds_for": "see x_unit column",
    },
    "ranges": {  # allocator alternatives
        "objective_at_min": "see objective_unit column",
        "objective_at_max": "see objective_unit column",
    },
    "shares": {  # percents from 0 to 100; the shortfall, a difference of two of them
        **dict.fromkeys(
            ("share_today_pct", "share_2040_pct", "share_pct", "share_target_pct"), "percent"
        ),
        "share_shortfall_pct": "percentage points",
    },
}
"""Sheet -> {column: unit} where the column's unit is the sheet's, not the column name's."""


def with_units(
    sheet: str, headers: list[str], frame: pd.DataFrame, objective_unit: str | None
) -> list[str]:
    """`headers` with a unit where the header is the bare column name and the sheet gives one;
    `objective_unit`: the run's, for the whole-unit columns (None: said as `objective unit`,
    which the Answer sheet's objective row states)."""
    units = SHEET_UNITS.get(sheet, {})
    out = []
    for head, column in zip(headers, map(str, frame.columns), strict=True):
        unit = units.get(column)
        if unit == OBJECTIVE:
            unit = objective_unit or "objective unit"
        elif unit and _missing_column(unit, frame):
            unit = None  # as `write.header`: no pointer to a column the sheet lacks
        out.append(f"{column} ({unit})" if unit and head == column else head)
    return out


def _missing_column(unit: str, frame: pd.DataFrame) -> bool:
    """Whether `unit` points to a unit column (`see unit column`) that `frame` lacks."""
    said = re.findall(r"see (\S+) column", unit)
    return any(name not in frame.columns for name in said)


def objective_unit(sheets: dict[str, pd.DataFrame]) -> str | None:
    """The run's objective unit as its sheets state it: the Answer's objective row, else a
    Limits table's `objective_unit`; None if none does."""
    answer = sheets.get("Answer")
    if answer is not None and {"section", "unit"} <= set(answer.columns):
        said = answer.loc[answer["section"] == "objective", "unit"].tolist()
        if said and isinstance(said[0], str) and said[0]:
            return said[0]
    for name in ("Limits", "limits"):
        frame = sheets.get(name)
        if frame is not None and "objective_unit" in frame.columns and len(frame):
            first = frame["objective_unit"].iloc[0]
            if isinstance(first, str) and first:
                return first
    return None
