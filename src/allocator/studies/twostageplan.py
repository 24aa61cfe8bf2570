"""What a two-stage plan is made of, shared by its two methods (the deterministic equivalent,
`studies/twostage.py`, and progressive hedging, `studies/hedging.py`): the decide-now columns,
the equivalent's layout and the plan with the values beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from allocator.solver.compile import CompiledLP
from allocator.solver.results import NOISE

if TYPE_CHECKING:
    from allocator.studies.twostageprices import CommitmentPrices


def now_columns(lp: CompiledLP, years: set[int]) -> np.ndarray:
    """The decide-now columns: investments in the decide-now years, in the LP's order."""
    return np.array(
        [
            j
            for j, f in enumerate(lp.col_family)
            if f == "invest" and int(lp.col_index[j][2]) in years
        ],
        dtype=np.int64,
    )


@dataclass
class Extensive:
    """The deterministic equivalent and where its parts are."""

    lp: CompiledLP
    scenarios: int
    cols: int  # columns of one scenario
    rows: int  # rows of one scenario
    now: np.ndarray  # the decide-now columns of one scenario

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scenario plans (scenarios x cols) and the shared decide-now values."""
        s, n = self.scenarios, self.cols
        return x[: s * n].reshape(s, n), x[s * n : s * n + len(self.now)]

    def now_duals(self, row_dual: np.ndarray) -> np.ndarray:
        """The non-anticipativity rows' duals, scenarios x decide-now columns."""
        start = self.scenarios * self.rows
        return row_dual[start : start + self.scenarios * len(self.now)].reshape(
            self.scenarios, len(self.now)
        )


@dataclass
class TwoStage:
    """The here-and-now plan, its scenarios' later plans, and the values beside it."""

    phases: list[str]
    objective: float
    shortfall: float | None
    plans: np.ndarray  # scenarios x columns of the sample model's LP
    now: np.ndarray  # the decide-now columns
    committed: np.ndarray  # their shared values
    duals: np.ndarray  # scenarios x decide-now columns
    expected: dict[str, float]  # every cost's expectation at the plan
    per_scenario: np.ndarray  # the plan's objective in each scenario
    wait_and_see: list[tuple[float, float]] = field(default_factory=list)
    nominal_now: list[tuple[float, float] | None] = field(default_factory=list)
    extensive: Extensive | None = None
    hedging: dict[str, Any] | None = None
    """Progressive hedging's bounds (`hedging.progressive_hedging`); None: the equivalent."""
    risk: dict[str, Any] | None = None
    """--risk cvar: beta, cap, reference, the tail shortfall reached and the cap's price."""
    prices: CommitmentPrices | None = None
    """What one more and one less US$ million of each commitment changes, re-solved
    (`twostageprices`); None until `twostage.solve_two_stage` prices them."""

    def values(self) -> dict[str, Any]:
        """EVPI and VSS with the means they come from (VSS None if the nominal plan's
        decide-now part cannot be carried out in some scenario)."""
        ws = float(np.mean([o for o, _ in self.wait_and_see]))
        ws_short = float(np.mean([s for _, s in self.wait_and_see]))
        fixed = [f for f in self.nominal_now if f is not None]
        whole = bool(fixed) and len(fixed) == len(self.nominal_now)
        eev = float(np.mean([o for o, _ in fixed])) if whole else None
        eev_short = float(np.mean([s for _, s in fixed])) if whole else None
        short = self.shortfall or 0.0
        return {
            "here_and_now": self.objective,
            "wait_and_see": ws,
            "nominal_decide_now": eev,
            "evpi": beyond_tolerance(ws - self.objective, self.objective),
            "vss": None if eev is None else beyond_tolerance(self.objective - eev, self.objective),
            "nominal_infeasible_scenarios": len(self.nominal_now) - len(fixed),
            "expected_shortfall": {
                "here_and_now": short,
                "wait_and_see": ws_short,
                "nominal_decide_now": eev_short,
            },
        }


SOLVED_TO = NOISE
"""Relative to the objective, what two optima of HiGHS may differ by with nothing between them:
the solver noise every table snaps (`results.NOISE`; the baseline's EVPI of phase1 over 50
scenarios came out 0.13 jobs of 545,000, 2.4e-7): EVPI and VSS within it are 0, not noise."""


def beyond_tolerance(difference: float, scale: float) -> float:
    """`difference` of two optimal values, or 0 where it is within `SOLVED_TO` of `scale`."""
    return difference if abs(difference) > SOLVED_TO * max(1.0, abs(scale)) else 0.0
