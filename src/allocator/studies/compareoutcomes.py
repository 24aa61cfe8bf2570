"""Compare's `outcomes` section: each plan's jobs and exports at every milestone, as levels and,
where a plan's dataset states a base (base.csv), split as `allocator solve` splits them: what
exists before the plan and what the plan adds (outcomes.csv's total rows: `jobs_base`,
`jobs_new`; `exports_base_musd`, `exports_new_musd`). Then the money invested and how many plans
of the comparison dominate each one (on the levels only: the parts add up to them)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from allocator.studies.compareprices import NAN, Row

if TYPE_CHECKING:
    from allocator.studies.compare import RunView

KINDS = (
    ("jobs", "jobs", "jobs_base", "jobs_new", "jobs"),
    ("exports", "exports_musd", "exports_base_musd", "exports_new_musd", "US$ million per year"),
)
"""Each outcome: its word, its level, base and new columns of outcomes.csv, and its unit."""
EXISTING = "{kind} in {year} existing before the plan (base.csv)"
NEW = "new {kind} in {year} (the plan's)"
"""The metrics of a level's two parts, after its `total {kind} in {year}` row."""
NO_SPLIT = "; blank: its outcomes.csv has no {column} column (written by an older allocator)"
"""What `unit` adds where a run folder's table cannot split its level."""
DOMINATED = "dominated by (other plans here at least as good at every milestone, better at one)"
"""The outcomes row counting, for each plan, the plans here that dominate it."""
DIFFERENCE_TOLERANCE = 1e-9


def outcome_rows(views: list[RunView], labels: list[str]) -> list[Row]:
    """For each outcome and milestone year, `total {kind} in {year}` (the level), then, where
    any plan has a base of that kind, its part existing before the plan and the plan's new
    part; then `total investment` (the sum of `allocation.invest_musd`) and `DOMINATED`."""
    totals = [_totals(v) for v in views]
    years = sorted({y for t in totals for y in t})
    rows: list[Row] = []
    levels = []
    for kind, level, base, new, unit in KINDS:
        split = any(t[y].get(base, 0.0) != 0 for t in totals for y in t)
        for y in years:
            rows.append((f"total {kind} in {y}", unit, _values(totals, y, level)))
            levels.append(rows[-1][2])
            if split:
                for metric, column in ((EXISTING, base), (NEW, new)):
                    values = _values(totals, y, column)
                    lacks = any(column not in t.get(y, {column: 0.0}) for t in totals)
                    said = unit + (NO_SPLIT.format(column=column) if lacks else "")
                    rows.append((metric.format(kind=kind, year=y), said, values))
    invest = [math.fsum(v.tables["allocation"]["invest_musd"].astype(float)) for v in views]
    rows.append(("total investment", "US$ million", invest))
    marks = dominated_by(labels, levels)
    rows.append((DOMINATED, "plans", [float(len(marks[label])) for label in labels]))
    return rows


def _totals(view: RunView) -> dict[int, dict[str, float]]:
    """{year: {column: value}} of the plan's `total` outcome rows, for the columns of `KINDS`
    its table has (a run folder of an older allocator has no base and new columns)."""
    frame = view.tables["outcomes"]
    frame = frame[frame["dimension"] == "total"]
    columns = [c for k in KINDS for c in k[1:4] if c in frame.columns]
    years = [int(y) for y in frame["year"]]
    out: dict[int, dict[str, float]] = {y: {} for y in years}
    for column in columns:
        for y, value in zip(years, frame[column].astype(float), strict=True):
            out[y][column] = float(value)
    return out


def _values(totals: list[dict[int, dict[str, float]]], year: int, column: str) -> list[float]:
    return [t[year].get(column, NAN) if year in t else NAN for t in totals]


def dominated_by(labels: list[str], outcomes: list[list[float]]) -> dict[str, list[str]]:
    """For each plan, the plans that dominate it on `outcomes` (one list of values per outcome,
    one value per plan): no lower anywhere, higher somewhere, beyond 1e-9 relatively. A plan
    missing an outcome (NaN) is not compared on it."""
    out: dict[str, list[str]] = {label: [] for label in labels}
    for a, la in enumerate(labels):
        for b, lb in enumerate(labels):
            if a == b:
                continue
            pairs = [(o[a], o[b]) for o in outcomes if o[a] == o[a] and o[b] == o[b]]
            tol = [DIFFERENCE_TOLERANCE * max(1.0, abs(x), abs(y)) for x, y in pairs]
            no_worse = all(y >= x - t for (x, y), t in zip(pairs, tol, strict=True))
            better = any(y > x + t for (x, y), t in zip(pairs, tol, strict=True))
            if pairs and no_worse and better:
                out[la].append(lb)
    return out
