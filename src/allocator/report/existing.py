"""What already existed: a jobs or exports level of a dataset with a base (base.csv) said as the
part that exists before the plan and the part its money adds, read off outcomes.csv's total rows
(`jobs_base`, `jobs_new`; `exports_base_musd`, `exports_new_musd`), in the words the terminal,
report.html and --json share. A dataset without a base says the level alone."""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.report.rounding import EXPORTS_UNIT, parts_shown

PARTS = {
    "jobs": ("jobs_base", "jobs_new", "jobs", "jobs_{year}"),
    "exports": ("exports_base_musd", "exports_new_musd", EXPORTS_UNIT, "exports_{year}_musd"),
}
"""Each outcome kind: its base and new columns of outcomes.csv, its unit and its key in run.json's
`outcomes`."""


def base_and_new(outcomes: pd.DataFrame | None, kind: str) -> dict[int, tuple[float, float]]:
    """{milestone year: (base, new)} of the plan's total `kind` (jobs or exports); empty when
    no base of that kind is stated (or the table is not a plan's)."""
    base, new, _unit, _key = PARTS[kind]
    if outcomes is None or not {"dimension", "year", base, new} <= set(outcomes.columns):
        return {}
    total = outcomes[outcomes["dimension"] == "total"]
    if not (total[base].astype(float) != 0).any():
        return {}
    rows = zip(total["year"].tolist(), total[base].tolist(), total[new].tolist(), strict=True)
    return {int(float(y)): (float(b), float(n)) for y, b, n in rows}


def split_words(kind: str, base: float, new: float, first: bool = False) -> str:
    """`(63,000 existing before the plan + 482,334 new)` (`first`), else `(63,000 existing +
    482,334 new)`: the numbers as outcomes.csv holds them, at the decimals of their level as
    every cell shows it and adding up to it (`rounding.parts_shown`: 800.4 + 750.18 jobs, a
    level of 1,551, say `801 existing ... + 750 new`)."""
    unit = PARTS[kind][2]
    existing = "existing before the plan" if first else "existing"
    base_text, new_text = parts_shown([base, new], unit)
    return f"({base_text} {existing} + {new_text} new)"


def headline_split(info: dict[str, Any], outcomes: pd.DataFrame | None) -> str:
    """` (63,000 existing before the plan + 482,334 new)` after the headline of a jobs or
    exports plan measured in its last milestone year (the `final` measure, no `--risk`: the
    headline is then that year's level), where the dataset has a base; else empty."""
    objective = info.get("objective")
    kind = objective.get("name") if isinstance(objective, dict) else None
    measure = info.get("measure")
    measured = measure.get("measure", "final") if isinstance(measure, dict) else "final"
    if kind not in PARTS or measured != "final" or info.get("risk"):
        return ""
    split = base_and_new(outcomes, str(kind))
    if not split:
        return ""
    base, new = split[max(split)]
    return " " + split_words(str(kind), base, new, first=True)


def json_parts(outcomes: pd.DataFrame | None) -> dict[str, dict[str, float]]:
    """For --json: {run.json's outcome key: {"base": ..., "new": ...}} of each kind with a base,
    e.g. `{"jobs_2026": {"base": 800.0, "new": 750.0}}`; empty without a base."""
    said: dict[str, dict[str, float]] = {}
    for kind, (*_cols, key) in PARTS.items():
        for year, (base, new) in base_and_new(outcomes, kind).items():
            said[key.format(year=year)] = {"base": base, "new": new}
    return said
