"""The evidence behind the numbers, two tables that never enter the model: `facts.csv` (`Fact`:
cited totals and figures stated twice, which the audit compares, `audit.py`) and
`uncertainty.csv` (`Uncertainty`: ranges of the estimates, which sweeps and robust plans draw
from, `uncertainty.py`). Each field's docstring is its entry in the data dictionary."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from allocator.data.rows import MAX_JOBS, Id, Row
from allocator.data.rows import rule as _rule
from allocator.data.rows import unit_field as _unit


class Fact(Row):
    """A cited number kept for the audit: a stated total, a figure stated twice, or a part."""

    fact: Id
    """Identifier of the statement."""
    unit: Literal["musd", "jobs", "count", "share", "years"]
    """What the number measures."""
    value: float = Field(
        ge=-MAX_JOBS,
        le=MAX_JOBS,
        json_schema_extra={
            "unit_from": "unit",
            "units": {"musd": "musd", "jobs": "count", "count": "count", "share": "share"},
        },
    )
    """The number as the document states it, read in `unit`."""
    total_of: str | None = None
    """For a stated total: references to its parts, separated by `;`."""
    same_as: str | None = None
    """For a number stated twice: a reference to the other statement."""
    tolerance: float | None = _unit("share", default=None, ge=0, le=1)
    """Relative difference still counted as agreement; empty = 0.005."""

    @model_validator(mode="after")
    def _one_comparison(self) -> Fact:
        if self.total_of is not None and self.same_as is not None:
            raise _rule(
                "same_as",
                "both total_of and same_as are set",
                "a row is either a stated total or a repeated figure: keep one",
            )
        return self


class Uncertainty(Row):
    """A range for a number that is an estimate (for sweeps and robust plans)."""

    ref: str
    """The cell: programs:<program>:jobs_per_musd, ...:exports_per_musd, ...:lag_years,
    markets:<program>/<category>/<year>:market_musd or pools:<pool>/<phase>:budget_musd."""
    low: str
    """Lowest value: a number in the cell's unit, or -20% relative to the cell."""
    high: str
    """Highest value: a number in the cell's unit, or +20% relative to the cell."""
    distribution: Literal["uniform", "triangular"] = "uniform"
    """How values are drawn; triangular peaks at the cell's value."""
