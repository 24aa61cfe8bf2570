"""How an objective is measured over the path: `final`, `cumulative` or `discounted`.

A measure is a weight per year of the horizon: `final` weighs only the last milestone year,
`cumulative` every year by 1 (job-years; export revenue summed over the horizon) and
`discounted` year t by (1 + rate)^-(t - first year) (present value in the first year's money).
The measured objectives are the weighted sums of each year's outcome:

    obj_jobs    = sum_t w_t * (sum_p jobs_per_musd[p] * capital[p, t] + base jobs - tranches)
    obj_exports = sum_t w_t * (sum_p exports[p, t] + base exports)

(outcomes are levels: the base and the diminishing returns are `levels.py`'s)

so a jobs objective gives an investment column of year t the coefficient
jobs_per_musd[p] * sum of w_y over y >= t + lag[p]: each year it is productive, weighted.
Under `final` exports exist at the milestones only; under the other measures at every year of
the horizon (capacity and the market figure in force bound each year).

Beside the measured objectives, `objectives.add_objectives` declares each milestone's outcome,
`jobs@<year>` and `exports@<year>`: what the efficiency passes raise, the frontier's axes, and
what compare checks for dominance. Pyomo-free and highspy-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from allocator.errors import UsageError
from allocator.model.declare import WEIGHTED_SHORTFALL
from allocator.model.linear import Blocks, runs

if TYPE_CHECKING:
    from allocator.model.build import Sets

MEASURES = ("final", "cumulative", "discounted")
MAX_RATE = 1.0
EXPORTS_UNIT = "musd of exports"
"""The exports objective's unit: US$ million of exports (a year's, under the final measure),
named so that its prices read apart from the money they are per (`musd of exports per
musd`, not `musd per musd`)."""
"""The largest discount rate taken (100% a year): beyond it every later year weighs nothing."""

RATE_FIX_OPTION = "Fix: add --measure discounted, or drop the rate"
"""The fix of a rate without the discounted measure, in the command line's words (how
`Measure` says it: the command line's options and a model file's keys reach it alike)."""
RATE_FIX_KEYWORD = 'Fix: add measure="discounted", or drop discount_rate'
"""The same fix in a Python caller's words (`runs.arguments.in_keywords` says it so)."""


@dataclass(frozen=True)
class Measure:
    """How `jobs` and `exports` are measured over the path.

    Attributes:
        kind: `final`, `cumulative` or `discounted`.
        rate: The discount rate a year (`discounted` only), e.g. 0.05.
    """

    kind: str = "final"
    rate: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in MEASURES:
            raise UsageError(
                f"unknown measure '{self.kind}'. Fix: use one of {', '.join(MEASURES)}"
            )
        if self.kind == "discounted" and not 0 <= self.rate <= MAX_RATE:
            raise UsageError(
                f"discount rate {self.rate:g} is not in [0, {MAX_RATE:g}]: it is a share a "
                "year (0: no discounting). Fix: e.g. --discount-rate 0.05 (5% a year)"
            )
        if self.kind != "discounted" and self.rate:
            raise UsageError(
                f"a discount rate ({self.rate:g}) is only used by the discounted measure. "
                + RATE_FIX_OPTION
            )

    def weights(self, years: list[int], milestones: list[int]) -> dict[int, float]:
        """Weight of each year's outcome in the measured objectives."""
        if self.kind == "final":
            return {milestones[-1]: 1.0}
        if self.kind == "cumulative":
            return dict.fromkeys(years, 1.0)
        return {t: (1.0 + self.rate) ** -(t - years[0]) for t in years}

    def every_year(self) -> bool:
        """Whether exports exist for every year (else at the milestones only)."""
        return self.kind != "final"

    def units(self) -> tuple[str, str]:
        """The units of the measured jobs and exports objectives."""
        return {
            "final": ("jobs", EXPORTS_UNIT),
            "cumulative": ("job-years", EXPORTS_UNIT),
            "discounted": ("pv job-years", f"pv {EXPORTS_UNIT}"),
        }[self.kind]

    def words(self, first: int, last_year: int, last_milestone: int) -> tuple[str, str]:
        """The measured jobs and exports objectives in words, with their span."""
        if self.kind == "final":
            return (
                f"direct jobs in {last_milestone}",
                f"US$ million of exports in {last_milestone}",
            )
        span = f"{first}-{last_year}"
        if self.kind == "cumulative":
            return (
                f"job-years {span} (direct jobs of every year, added up)",
                f"US$ million of export revenue over {span}",
            )
        pv = f"present value at {self.rate * 100:.4g}% a year, in {first} terms"
        return (f"job-years {span}, {pv}", f"US$ million of export revenue over {span}, {pv}")

    def as_dict(self) -> dict[str, object]:
        """As run.json records it."""
        return {
            "measure": self.kind,
            "discount_rate": self.rate if self.kind == "discounted" else None,
        }


FINAL = Measure()
CUMULATIVE = Measure("cumulative")
JOB_YEARS = "job_years"
"""The cost vector of the jobs of every year of the horizon, added up."""


def jobs_blocks(
    s: Sets,
    programs: list[str],
    weights: dict[int, float],
    rates: dict[str, tuple[float, int]] | None = None,
) -> Blocks:
    """Blocks of sum_t w_t * jobs of `programs` in year t (`rates`: program -> (jobs per musd,
    lag) where they differ from the data, e.g. a robust scenario's): one block of the programs'
    investment columns (in the order of `programs`, then by column) with one coefficient each,
    rate * (sum of the weights from the year the column becomes productive); a program without
    jobs and a column that counts in no weighted year are left out."""
    a = s.arrays
    rate, lag = a.rate, a.lag
    if rates:
        rate, lag = rate.copy(), lag.copy()
        for i, p in enumerate(s.programs):
            if p in rates:
                rate[i], lag[i] = rates[p]
    rank = np.full(len(s.programs), -1, dtype=np.int64)
    position = {p: i for i, p in enumerate(s.programs)}
    for k, p in enumerate(programs):
        rank[position[p]] = k
    cols = np.flatnonzero(rank[a.program] >= 0)
    cols = cols[np.argsort(rank[a.program[cols]], kind="stable")]
    prog = a.program[cols]
    weight = _weights_at(weight_from(s.years, weights), a.year[cols] + lag[prog])
    keep = (weight != 0) & (rate[prog] != 0)
    if not keep.any():
        return []
    return [(rate[prog[keep]] * weight[keep], cols[keep])]


def _weights_at(ahead: dict[int, float], years: np.ndarray) -> np.ndarray:
    """`ahead`'s weight at each of `years`, 0 where it has none."""
    if not ahead or not years.size:
        return np.zeros(years.size)
    first, last = min(ahead), max(ahead)
    table = np.zeros(last - first + 1)
    table[np.array(list(ahead)) - first] = list(ahead.values())
    inside = (years >= first) & (years <= last)
    return np.where(inside, table[np.clip(years - first, 0, last - first)], 0.0)


def weight_from(years: list[int], weights: dict[int, float]) -> dict[int, float]:
    """year a -> sum of w_y over y >= a, for every a up to the last weighted year (money that
    becomes productive in year a counts in every weighted year from a on)."""
    out: dict[int, float] = {}
    total = 0.0
    last = max(weights) if weights else years[-1]
    for a in range(last, years[0] - 1, -1):
        total += weights.get(a, 0.0)
        out[a] = total
    for a in range(years[0] - 1, years[0] - 100, -1):  # spent before the horizon: counts from
        out[a] = total  # its start (a lag never reaches back further than 100 years)
    return out


def exports_blocks(s: Sets, programs: list[str], weights: dict[int, float]) -> Blocks:
    """Blocks of sum_t w_t * exports of `programs` in year t."""
    exports = s.cols["exports"]
    cols, coefs = [], []
    for p in programs:
        for t, w in weights.items():
            if w and (p, t) in exports:
                cols.append(exports[p, t])
                coefs.append(w)
    return runs(cols, coefs)


@dataclass(frozen=True)
class Axis:
    """A quantity a frontier can trade: a measured objective, a milestone's outcome, or the
    weighted target shortfall.

    Attributes:
        name: Its cost vector's name in the LP (`jobs`, `exports`, `jobs@2030`, `shortfall`).
        words: In words with its year or span, e.g. `direct jobs in 2030`.
        unit: The unit of its value.
        sign: Its value is sign * (cost @ x): -1 for the shortfall, whose cost is its negative
            (so every cost is maximised).
    """

    name: str
    words: str
    unit: str
    sign: float = 1.0


SHORTFALL = "shortfall"


def axis(
    name: str,
    measure: Measure,
    years: list[int],
    milestones: list[int],
    soft_targets: bool,
) -> Axis:
    """The axis called `name` (`jobs`, `exports`, `jobs@<milestone>`, `exports@<milestone>` or
    `shortfall`), checked against the dataset's milestones and the target mode.

    Raises:
        UsageError: an unknown name, a year that is not a milestone, or `shortfall` without soft
            targets.
    """
    names = "jobs, exports, jobs@<year>, exports@<year> (a milestone) or shortfall"
    kind, at, year_text = name.partition("@")
    if name == SHORTFALL:
        if not soft_targets:
            raise UsageError(
                "the shortfall axis is the weighted target shortfall of soft targets. "
                "Fix: use --targets soft (the default) with targets.csv rows"
            )
        return Axis(
            name,
            "weighted target shortfall (the shares of the targets missed, added up)",
            WEIGHTED_SHORTFALL,
            -1.0,
        )
    if kind not in ("jobs", "exports"):
        raise UsageError(f"unknown measure '{name}'. Fix: use {names}")
    words = measure.words(years[0], years[-1], milestones[-1])
    units = measure.units()
    if not at:
        return Axis(name, words[0] if kind == "jobs" else words[1], units[kind == "exports"])
    year = int(year_text) if year_text.isascii() and year_text.isdigit() else None
    if year not in milestones:
        raise UsageError(
            f"'{name}': {year_text or 'no year'} is not a milestone year. "
            f"Fix: use one of {', '.join(map(str, milestones))} after the @"
        )
    if kind == "jobs":
        return Axis(name, f"direct jobs in {year}", "jobs")
    return Axis(name, f"US$ million of exports in {year}", EXPORTS_UNIT)
