"""The workbook's `summary` sheet, its first: each milestone's total jobs (and exports) level
split into what existed before the plan and what the plan adds, as `allocator solve` prints it
("545,334 direct jobs in 2040 (63,000 existing before the plan + 482,334 new)") and report.html
shows it. The numbers are outcomes.csv's total rows, read by `existing.base_and_new`, the
reader the terminal and the report use; `shown` is the text the terminal prints for them."""

from __future__ import annotations

import pandas as pd

from allocator.report.existing import PARTS, base_and_new, split_words
from allocator.report.rounding import cell

SHEET = "summary"
LEVELS = {"jobs": "jobs", "exports": "exports_musd"}
"""Each outcome kind's level column of outcomes.csv (its base and new part: `existing.PARTS`)."""
RISK = "risk"
"""The sheet of a `--risk` run (`riskhtml.risk_sheets`): its outcomes are on the nominal data."""
HEADERS = [
    "outcome",
    "year",
    "existing_before_plan (see unit column)",
    "new (see unit column)",
    "level (see unit column)",
    "unit",
    "shown",
]


def summary_sheet(
    tables: dict[str, pd.DataFrame],
) -> tuple[str, list[str], pd.DataFrame] | None:
    """(name, headers, table) of the summary sheet of a run whose outcomes table states a base
    (base.csv) of jobs or exports; None otherwise (nothing existed to split off: the terminal
    says the levels alone), or when a table already has the sheet's name. Under `--risk` (a
    `risk` sheet) each outcome says `(nominal data)`, as the terminal's lines do."""
    outcomes = tables.get("outcomes")
    if outcomes is None or SHEET in tables:
        return None
    nominal = " (nominal data)" if RISK in tables else ""  # as the terminal's lines say
    rows = []
    for kind, (*_cols, unit, _key) in PARTS.items():
        split = base_and_new(outcomes, kind)
        if not split:
            continue
        levels = _levels(outcomes, kind)
        for year, (base, new) in sorted(split.items()):
            level = levels[year]
            shown = f"{cell(level, unit)} {split_words(kind, base, new, first=True)}"
            rows.append((kind + nominal, year, base, new, level, unit, shown))
    if not rows:
        return None
    names = [h.split(" (")[0] for h in HEADERS]
    return SHEET, list(HEADERS), pd.DataFrame(rows, columns=names)


def _levels(outcomes: pd.DataFrame, kind: str) -> dict[int, float]:
    """{milestone year: the plan's total level of `kind`}, outcomes.csv's total rows."""
    total = outcomes[outcomes["dimension"] == "total"]
    years, values = total["year"].tolist(), total[LEVELS[kind]].tolist()
    return {int(float(y)): float(v) for y, v in zip(years, values, strict=True)}
