"""What already existed: a jobs or exports level of a dataset with a base (base.csv) said as the
part that exists before the plan and the part its money adds, read off outcomes.csv's total rows
(`jobs_base`, `jobs_new`; `exports_base_musd`, `exports_new_musd`), in the words the terminal,
report.html and --json share. A dataset without a base says the level alone."""

from __future__ import annotations

import re
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


def split_words(
    kind: str, base: float, new: float, first: bool = False, average: bool = False
) -> str:
    """`(63,000 existing before the plan + 482,334 new)` (`first`), else `(63,000 existing +
    482,334 new)`: the numbers as outcomes.csv holds them, at the decimals of their level as
    every cell shows it and adding up to it (`rounding.parts_shown`: 800.4 + 750.18 jobs, a
    level of 1,551, say `801 existing ... + 750 new`). `average`: the new part is an expectation
    over scenarios (a two-stage plan: `new on average`)."""
    return unit_split_words(PARTS[kind][2], base, new, first, average)


def unit_split_words(
    unit: str, base: float, new: float, first: bool = True, average: bool = False
) -> str:
    """`split_words` in a unit given as it is (a study's row: job-years under the cumulative
    measure) rather than found from the level's kind."""
    existing = "existing before the plan" if first else "existing"
    base_text, new_text = parts_shown([base, new], unit)
    return f"({base_text} {existing} + {new_text} new{' on average' if average else ''})"


def headline_parts(
    info: dict[str, Any], outcomes: pd.DataFrame | None
) -> tuple[str, float, float] | None:
    """(kind, base, new) of the headline of a jobs or exports plan measured in its last
    milestone year (the `final` measure, no `--risk`: the headline is then that year's level),
    where the dataset has a base; else None."""
    kind = _final_kind(info)
    if kind is None or info.get("risk"):
        return None
    split = base_and_new(outcomes, kind)
    if not split:
        return None
    base, new = split[max(split)]
    return kind, base, new


def headline_split(info: dict[str, Any], outcomes: pd.DataFrame | None) -> str:
    """` (63,000 existing before the plan + 482,334 new)` after the headline of a jobs or
    exports plan measured in its last milestone year (`headline_parts`), where the dataset has
    a base; else empty. A two-stage plan (run.json's `two_stage` block) says its expected new
    part: ` (800 existing before the plan + 336 new on average)` (`expected_split`). The one
    formatter of every headline's split: terminal, report.html, workbook, serve."""
    block = info.get("two_stage")
    if isinstance(block, dict):
        return expected_split(info, block)
    parts = headline_parts(info, outcomes)
    return "" if parts is None else " " + split_words(*parts, first=True)


def expected_split(info: dict[str, Any], block: dict[str, Any]) -> str:
    """A two-stage plan's headline split: the base (the same in every scenario: uncertainty.csv
    ranges no base) and the expected new part at the last milestone year, from the block's
    `base_and_new` (`runs.twostage`); empty without a base or under another measure."""
    parts = expected_parts(info, block)
    if parts is None:
        return ""
    return " " + split_words(*parts, first=True, average=True)


def expected_parts(info: dict[str, Any], block: dict[str, Any]) -> tuple[str, float, float] | None:
    """(kind, base, expected new) of a two-stage plan's headline (`expected_split`), or None."""
    kind = _final_kind(info)
    said = block.get("base_and_new")
    if kind is None or not isinstance(said, dict):
        return None
    years = {int(m.group(1)): v for k, v in said.items() if (m := _key(kind).match(k))}
    if not years:
        return None
    last = years[max(years)]
    return kind, float(last["base"]), float(last["new"])


def _final_kind(info: dict[str, Any]) -> str | None:
    """The objective's kind (jobs or exports) where it is measured in the last milestone year
    (`final`), else None."""
    objective = info.get("objective")
    kind = objective.get("name") if isinstance(objective, dict) else None
    measure = info.get("measure")
    measured = measure.get("measure", "final") if isinstance(measure, dict) else "final"
    return str(kind) if kind in PARTS and measured == "final" else None


def json_parts(outcomes: pd.DataFrame | None) -> dict[str, dict[str, float]]:
    """For --json: {run.json's outcome key: {"base": ..., "new": ...}} of each kind with a base,
    e.g. `{"jobs_2026": {"base": 800.0, "new": 750.0}}`; empty without a base."""
    said: dict[str, dict[str, float]] = {}
    for kind, (*_cols, key) in PARTS.items():
        for year, (base, new) in base_and_new(outcomes, kind).items():
            said[key.format(year=year)] = {"base": base, "new": new}
    return said


def level_parts(levels: dict[str, float], base: dict[str, float]) -> dict[str, dict[str, float]]:
    """For --json and run.json: {outcome key: {"base": ..., "new": level - base}} of each level
    of run.json's `outcomes` (e.g. `jobs_2026`) whose kind has a base (`base`: {kind: total
    base}), as `json_parts` gives a plan's; a two-stage plan's levels are expectations, and so
    is their new part."""
    said: dict[str, dict[str, float]] = {}
    for kind in PARTS:
        if not base.get(kind):
            continue
        for name, level in levels.items():
            if _key(kind).match(name) and isinstance(level, int | float):
                said[name] = {"base": base[kind], "new": float(level) - base[kind]}
    return said


def _key(kind: str) -> re.Pattern[str]:
    """run.json's outcome key of `kind` (`jobs_2026`, `exports_2026_musd`), its year a group."""
    return re.compile(re.escape(PARTS[kind][3]).replace(r"\{year\}", r"(\d+)") + "$")
