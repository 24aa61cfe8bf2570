"""The units of the workbook's headers that `write.header` (the table's column name alone, via
`tables.UNITS`) cannot give: those that depend on the sheet (an Answer row's `final_value` is in
its `unit` column; a Sensitivity row's in its family's unit) or on the run (the whole-unit gains
are in the objective's unit). One convention with the other headers: `name (unit)`, and where
the unit varies by row, `name (see X column)` naming the sheet's column that holds it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from allocator.model import families
from allocator.model.declare import BY_KIND, WEIGHTED_SHORTFALL
from allocator.report.rates import SHARE_POINTS

FAMILY = "family unit"
"""`tables.UNITS`'s word for a row's own unit, which names no column: each sheet that has such a
column says it instead (`SHEET_UNITS`), and the header walker refuses the bare words."""
OBJECTIVE = "objective"
"""Stands for the run's objective unit (`objective_unit`) in `SHEET_UNITS`."""

VALUE_UNIT = "value_unit"
"""The column of a row's own unit (of its value and bounds): reduced_costs.csv's, and the
workbook's Sensitivity sheet's (`with_value_unit`)."""
_RANGE = "variable: see unit column; constraint: see value_unit column"
"""Excel's allowable range: of a variable's objective coefficient (its `unit`), of a
constraint's right-hand side (its own unit, `value_unit`)."""
_ROW = dict.fromkeys(
    ("rhs", "body", "lower", "upper", "slack"), "see holds_for_unit column; a share cap's: musd"
)
"""shadow_prices.csv's amounts of a row, in the row's unit: the one its rates hold for, but a
share cap's (group_share), whose rates hold for percentage points of max_share
(`rates.SHARE_POINTS`)."""
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
    "final_value": "see value_unit column",
    "rhs": "see value_unit column",
    "allowable_increase": _RANGE,
    "allowable_decrease": _RANGE,
    **_WHOLE,
}
"""Excel's Sensitivity report (the one-sided columns as shadow_prices.csv's)."""
_LIMITS = {
    "value": "see unit column",
    "lower_limit": "see unit column",
    "upper_limit": "see unit column",
    "objective_at_lower": "see objective_unit column",
    "objective_at_upper": "see objective_unit column",
    **_LABELS,
}
"""Excel's Limits report: each limit in its variable's unit, the objective there in its own."""

SHEET_UNITS: dict[str, dict[str, str]] = {
    "shadow_prices": {**_ROW, **_WHOLE},
    "reduced_costs": dict.fromkeys(("value", "lower", "upper"), "see value_unit column") | _LABELS,
    "Sensitivity": _SENSITIVITY,
    "sensitivity": _SENSITIVITY,  # a run whose sheets are its tables (two-stage)
    "Answer": dict.fromkeys(("original_value", "final_value", "slack"), "see unit column"),
    "Limits": _LIMITS,
    "limits": _LIMITS,  # a run whose sheets are its tables (two-stage)
    "risk": {"number": "see unit column"},
    "two_stage": {"number": "see unit column"},  # `bookfigures`: as the risk sheet
    "replan_summary": {"number": "see unit column"},
    "later_plans": {"funded_in": "scenarios", "scenarios": "scenarios"},
    "core": {  # allocator core: counts of plans (samples and alternatives), a share of them
        "share_funded": "share of good plans, 0-1",
        "plans_funded": "good plans",
        "plans_counted": "good plans",
        "samples_funded": "samples",
        "samples_counted": "samples",
        "alternatives_funded": "near-optimal plans",
        "alternatives_counted": "near-optimal plans",
    },
    "frontier": {  # epsilon: the x asked for, in x's unit
        "epsilon": "see x_unit column",
        "x_value": "see x_unit column",
        "x_base": "see x_unit column",
        "y_value": "see y_unit column",
        "y_base": "see y_unit column",
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
        unit = units.get(column) or _own_unit(head, column, frame)
        if unit == OBJECTIVE:
            unit = objective_unit or "objective unit"
        elif unit and _missing_column(unit, frame):
            unit = None  # as `write.header`: no pointer to a column the sheet lacks
        bare = head in (column, f"{column} ({FAMILY})")  # `tables.UNITS` names no column
        out.append(f"{column} ({unit})" if unit and bare else head)
    return out


def _own_unit(head: str, column: str, frame: pd.DataFrame) -> str | None:
    """For a sheet `SHEET_UNITS` does not name (a two-stage run's tables, a re-plan's): where
    `tables.UNITS` says a row's own unit (`FAMILY`), the sheet's column that holds it."""
    if head != f"{column} ({FAMILY})":
        return None
    held = [c for c in (VALUE_UNIT, "holds_for_unit") if c in frame.columns]
    return f"see {held[0]} column" if held else None


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


def with_value_unit(sensitivity: pd.DataFrame, reduced: pd.DataFrame | None) -> pd.DataFrame:
    """The Sensitivity sheet: sensitivity.csv with `value_unit` after `unit`, each row's own
    unit (of its final value, and a constraint's right-hand side and range): a variable's as
    reduced_costs.csv's `value_unit`, a constraint's as its `holds_for_unit` (the unit its
    rates hold for, shadow_prices.csv's), a share cap's its family's (its rates hold for
    percentage points of max_share). The CSV table stays as it is."""
    if reduced is None or VALUE_UNIT not in reduced or "unit" not in sensitivity:
        return sensitivity
    # vector ops, no per-row Python (76,646 rows at 1e6 nonzeros: 0.12 -> 0.01 s CPU); a name
    # reduced_costs.csv gives twice takes its last row, as a dict built from its rows would
    last = ~reduced["variable"].duplicated(keep="last").to_numpy()
    of_variable = pd.Index(reduced["variable"].to_numpy(dtype=object)[last])
    # one blank after the units: where get_indexer finds no variable (-1) it is read
    units = np.append(reduced[VALUE_UNIT].to_numpy(dtype=object)[last], "")
    at_variable = units[of_variable.get_indexer(sensitivity["name"].to_numpy(dtype=object))]
    is_variable = (sensitivity["section"] == "variable").to_numpy(dtype=bool, na_value=False)
    held = sensitivity["holds_for_unit"].to_numpy(dtype=object)
    # a share cap's rates hold for percentage points of max_share; its value is its family's
    held = np.where(held == SHARE_POINTS, families.unit_of("group_share", {}), held)
    at = list(sensitivity.columns).index("unit")
    out = sensitivity.copy()
    # a list, as before: pandas infers the column's kind from its values (text: `str`)
    out.insert(at + 1, VALUE_UNIT, np.where(is_variable, at_variable, held).tolist())
    return out


def units_by(key: pd.Series, unit: pd.Series) -> pd.Series:
    """A summary sheet's `<measure>_unit` (`book._summary`): each `key` group's distinct `unit`
    texts, sorted, joined by `; ` (blank and `nan` left out), the groups sorted by key. Each
    (key, unit) pair is kept once before grouping, so the join reads a handful of cells, not
    each row's through the text column's per-cell iterator (the Sensitivity and reduced_costs
    summaries at 1e6 nonzeros: the workbook 0.435 -> 0.373 s CPU)."""
    pairs = pd.DataFrame({"key": key.array, "unit": unit.array})
    first = ~pairs.duplicated().to_numpy()
    held = unit[first].groupby(key[first], sort=True, dropna=False)
    return held.agg(lambda u: "; ".join(sorted(set(u) - {"", "nan"})))
