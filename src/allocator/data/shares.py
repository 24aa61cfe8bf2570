"""Processing-share milestones per mineral (`shares.csv`): the share of a mineral's production
processed in the country, today and at a milestone, and the investment that takes it there.

A mineral's share at a year = today_pct + (full_pct - today_pct) x min(1, productive capital of
the mineral's processing programs / investment_musd): linear in capital (so the model stays an
LP), capped at `full_pct` (reached when the whole investment is productive).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from allocator.data.rows import MAX_MUSD, MAX_WEIGHT, MIN_MAGNITUDE, Id, Row, Year, closest_fix
from allocator.data.rows import rule as _rule
from allocator.data.rows import unit_field as _unit
from allocator.errors import InputError

if TYPE_CHECKING:
    from allocator.data.schema import Inputs

SHARES_FILE = "shares.csv"


class Share(Row):
    """A processing-share milestone of a mineral: a soft target like the others."""

    mineral: Id
    """The mineral (programs.csv `mineral`)."""
    year: Year
    """A milestone year."""
    today_pct: float = _unit("percent", ge=0, le=100)
    """Share of the mineral's production processed in the country today, in percent."""
    full_pct: float = _unit("percent", ge=0, le=100)
    """Share reached when `investment_musd` of its processing capital is productive, in percent."""
    investment_musd: float = _unit("musd", gt=0, le=MAX_MUSD)
    """Processing capital (US$ million) that takes the share from today's to `full_pct`."""
    target_pct: float = _unit("percent", ge=0, le=100)
    """The milestone's target share, in percent."""
    weight: float | None = Field(default=None, ge=0, le=MAX_WEIGHT)
    """Weight of one percentage point of shortfall; empty = 1/target_pct; 0 = reported only (the
    row adds nothing to the LP, in every target mode)."""

    @model_validator(mode="after")
    def _reachable(self) -> Share:
        low, high = sorted((self.today_pct, self.full_pct))
        if not low <= self.target_pct <= high:
            raise _rule(
                "target_pct",
                f"the target {self.target_pct:g}% is outside today's {self.today_pct:g}% to "
                f"the full {self.full_pct:g}%",
                "use a target between today_pct and full_pct (the share capital can reach)",
            )
        rate = share_rate(self)
        if rate != 0 and abs(rate) < MIN_MAGNITUDE:  # the LP's coefficient: HiGHS would drop it
            raise _rule(
                "investment_musd",
                f"the share's rate, (full_pct - today_pct) / investment_musd = {rate:.3g} "
                f"percentage points per US$ million, is under {MIN_MAGNITUDE:g}, too small to "
                "tell from 0",
                f"make full_pct - today_pct at least {MIN_MAGNITUDE:g} x investment_musd "
                f"(here {abs(self.full_pct - self.today_pct) / MIN_MAGNITUDE:.6g} US$ million "
                "at most), or full_pct equal to today_pct",
            )
        return self


def share_problems(inp: Inputs) -> Iterator[InputError]:
    """Every broken rule of shares.csv across tables: a mineral no program processes, a year
    that is no milestone."""
    minerals = {p.mineral for p in inp.programs if p.mineral}
    years = {m.year for m in inp.milestones}
    for s in inp.shares:
        if s.mineral not in minerals:
            yield InputError(
                f"unknown mineral '{s.mineral}'",
                file=SHARES_FILE,
                row=s.line,
                column="mineral",
                fix=closest_fix(s.mineral, minerals, "the minerals of programs.csv"),
            )
        if s.year not in years:
            yield InputError(
                f"{s.year} is not a milestone year",
                file=SHARES_FILE,
                row=s.line,
                column="year",
                fix=f"use one of the milestones.csv years ({', '.join(map(str, sorted(years)))})",
            )


def share_rate(s: Share) -> float:
    """Percentage points of share per US$ million of productive processing capital."""
    return (s.full_pct - s.today_pct) / s.investment_musd


def share_of(s: Share, capital: float) -> float:
    """The share (percent) that `capital` US$ million of productive processing capital gives."""
    return s.today_pct + (s.full_pct - s.today_pct) * min(1.0, capital / s.investment_musd)
