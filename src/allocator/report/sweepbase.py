"""What a sweep's levels hold that exists before the plan (base.csv): sweep_summary.csv's
`existing_before_plan` column, and the words that split a level's percentiles into that part and
the plan's new part, on the terminal and in report.html's headline alike.

The base is no uncertain number: every sample holds the same part of it, so the plan's new jobs
are the level less it sample by sample, and so percentile by percentile (each P5, P50 and P95 is
a value some sample reached)."""

from __future__ import annotations

from typing import Any

from allocator.report.existing import unit_split_words
from allocator.report.rounding import parts_shown

BASE_COLUMN = "existing_before_plan"
"""The part of a level's every value (P5, P50, P95, nominal, min, max) that exists before the
plan (base.csv), in the row's unit; empty on a row that is no level (money cut, targets missed,
a program's funding)."""


def base_of(row: Any) -> float:
    """A summary row's `existing_before_plan` (a named tuple, a Series or a dict), 0 where it
    has none (no base, a row that is no level, a folder an older allocator wrote)."""
    value = _get(row, BASE_COLUMN)
    try:
        base = float(value)
    except (TypeError, ValueError):
        return 0.0
    return base if base == base else 0.0


def _get(row: Any, key: str) -> Any:
    """A column of a summary row given as a dict or as a named tuple (None where it has none)."""
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def spread_split(row: Any, spread: tuple[str, ...] = ("p50", "p5", "p95")) -> str:
    """` = 800 existing before the plan (base.csv, in every sample) + new P50 743 (P5 661, P95
    837)` after a line that gives a level's percentiles in `spread`'s order (P50 first, then
    P5 and P95 in brackets; ("p5", "p50", "p95") says them in a row): each new part at its
    level's shown decimals and adding up to it (`rounding.parts_shown`); empty where nothing
    exists before the plan."""
    base = base_of(row)
    if not base:
        return ""
    unit = str(_get(row, "unit"))
    texts = {p: parts_shown([base, float(_get(row, p)) - base], unit) for p in spread}
    new = {p: texts[p][1] for p in spread}
    if spread[0] == "p50":
        news = f"new P50 {new['p50']} (P5 {new['p5']}, P95 {new['p95']})"
    else:
        news = "new " + ", ".join(f"{p.upper()} {new[p]}" for p in spread)
    return f" = {texts['p50'][0]} existing before the plan (base.csv, in every sample) + {news}"


def nominal_split(row: Any, nominal: float) -> str:
    """` (800 existing before the plan + 750 new)` after the nominal plan's level, as solve's
    headline splits it (`existing.split_words`, in the row's unit: job-years under the
    cumulative measure); empty where nothing exists before the plan."""
    base = base_of(row)
    if not base:
        return ""
    return " " + unit_split_words(str(_get(row, "unit")), base, nominal - base)
