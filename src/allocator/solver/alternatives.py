"""Near-optimal plans on the solved HiGHS instance: the objective held within a slack, then the
least and the most of a set of columns (a program's, a sector's or a pool's money), and plans
that differ most from earlier ones (Hop-Skip-Jump MGA).

The objective is held by one added row, `objective >= optimum - slack * |optimum|`, like the
frontier's epsilon row; soft targets stay held by `optimum`'s least-shortfall row. Every range
LP is a cost change on the same instance, never a rebuild, and starts from the optimum's basis
(restored before each), so its result depends neither on the order the LPs are solved in nor
on which process solves them: a Dask worker with its own instance writes the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.errors import NotOptimalError
from allocator.solver.compile import INF, CompiledLP, set_costs
from allocator.solver.passes import Optimum, solve_pass
from allocator.solver.status import PassResult, Status
from allocator.solver.subproblems import Extra, efficient, reachable_exports

HOLD_TOLERANCE = 1e-12
"""The objective row gives this much (relative to 1 or the optimum) beyond the slack: the
optimum's own rounding, so that `--slack 0` holds the optimum without failing on it. The
simplex's feasibility tolerance (1e-7) is what a range end may still exceed the row by."""


@dataclass(frozen=True)
class Held:
    """The objective row: `cost @ x >= bound`, row `row` of the instance."""

    row: int
    bound: float
    optimum: float
    slack: float
    cost: np.ndarray


@dataclass(frozen=True)
class End:
    """One end of a range: the member's total there, the objective, and the whole plan."""

    value: float
    objective: float
    x: np.ndarray
    iterations: int


def hold_objective(lp: CompiledLP, opt: Optimum, slack: float) -> Held:
    """Add the row that keeps the objective of `opt` within `slack` of its optimum (a share:
    0.02 is 2%); the instance keeps `opt`'s basis, so the next solve starts warm."""
    z = opt.objective
    bound = z - slack * abs(z) - HOLD_TOLERANCE * max(1.0, abs(z))
    nz = np.flatnonzero(opt.cost).astype(np.int32)
    h = lp.highs
    h.addRow(bound, INF, len(nz), nz, opt.cost[nz])
    return Held(h.getNumRow() - 1, bound, z, slack, opt.cost)


def release(lp: CompiledLP, held: Held) -> None:
    """Remove the objective row."""
    lp.highs.deleteRows(1, np.array([held.row], dtype=np.int32))


class RangeSolver:
    """The range LPs of one held instance: each starts from the same (the optimum's) basis."""

    def __init__(self, lp: CompiledLP, held: Held) -> None:
        self.lp, self.held = lp, held
        self.basis = lp.highs.getBasis()
        self.strategy = lp.highs.getOptionValue("simplex_strategy")[1]
        lp.highs.setOptionValue("simplex_strategy", 4)  # primal: cost changes keep it feasible

    def extreme(self, cols: np.ndarray, sign: float) -> End:
        """The least (`sign` -1) or the most (+1) of the sum of columns `cols`, objective held."""
        cost = np.zeros(len(self.lp.col_names))
        cost[cols] = sign
        found = self._solve(cost)
        x = found.x
        return End(float(x[cols].sum()), float(self.held.cost @ x), x, found.iterations)

    def far_from(self, weights: np.ndarray, secondaries: list[np.ndarray]) -> End:
        """Hop-Skip-Jump: the plan within the slack that puts the least money where `weights`
        (the columns earlier plans used) are positive; among those, the efficient one (jobs and
        exports at every milestone raised on that face, as a solve's plan). `value` is the
        weighted money left where the earlier plans were."""
        found = self._solve(-weights)
        extra = Extra(self.held.cost, self.held.bound, INF)
        x = efficient(self.lp, found.x, found.reduced_costs, found.duals, secondaries, extra)
        x = reachable_exports(self.lp, x)
        return End(float(weights @ x), float(self.held.cost @ x), x, found.iterations)

    def _solve(self, cost: np.ndarray) -> PassResult:
        """Maximise `cost` with the objective held, from the optimum's basis.

        Raises:
            NotOptimalError: HiGHS stopped without an optimum (a time limit, or numerics).
        """
        if self.basis.valid:
            self.lp.highs.setBasis(self.basis)
        found = solve_pass(self.lp, cost)
        if found.status is not Status.OPTIMAL:
            raise NotOptimalError(
                f"HiGHS stopped without an optimum on a near-optimal plan ({found.detail}). "
                "Fix: raise solver.time_limit_s in the model file, or check the data"
            )
        return found

    def restore(self) -> None:
        """The instance as it was: the plan's objective and basis, dual simplex again."""
        self.lp.highs.setOptionValue("simplex_strategy", self.strategy)
        set_costs(self.lp, self.held.cost)
        if self.basis.valid:
            self.lp.highs.setBasis(self.basis)
