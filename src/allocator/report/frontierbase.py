"""What a frontier's levels hold that exists before the plan (frontier.csv's `x_base` and
`y_base`, base.csv's part of `x_value` and `y_value`), in the words `allocator solve`'s headline
uses (`existing.split_words`), for the terminal and report.html alike."""

from __future__ import annotations

import pandas as pd

from allocator.report.rounding import cell, parts_shown


def existing_words(frame: pd.DataFrame) -> list[str]:
    """The part of each axis's levels that exists before the plan (frontier.csv's `x_base`,
    `y_base`: base.csv's), as the terminal and report.html say it beside the levels, as
    `allocator solve`'s headline does: `direct jobs in 2026: 1,550 jobs (800 existing before
    the plan + 750 new; base.csv)` for one point, else `direct jobs in 2026 (jobs) include
    800 existing before the plan (base.csv) at every point, and 750 to 1,080 new`; none
    without a base."""
    lines = []
    for a in ("y", "x"):
        if f"{a}_base" not in frame or not len(frame):
            continue
        first = frame.iloc[0]
        base, unit = float(first[f"{a}_base"]), str(first[f"{a}_unit"])
        if base != base or base == 0:
            continue
        words = str(first[f"{a}_words"])
        new = [float(v) - base for v in frame[f"{a}_value"]]
        if len(frame) == 1:
            level = cell(float(first[f"{a}_value"]), unit)
            had, added = parts_shown([base, new[0]], unit)
            lines.append(
                f"{words}: {level} {unit} ({had} existing before the plan + {added} new; base.csv)"
            )
            continue
        low, high = cell(min(new), unit), cell(max(new), unit)
        span = low if low == high else f"{low} to {high}"
        lines.append(
            f"{words} ({unit}) include {cell(base, unit)} existing before the plan (base.csv) "
            f"at every point, and {span} new"
        )
    return lines
