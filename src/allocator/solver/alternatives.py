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

import uuid
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from allocator.errors import NotOptimalError
from allocator.exactsum import exact_dot
from allocator.solver.compile import INF, CompiledLP, set_costs
from allocator.solver.highs import new_highs
from allocator.solver.passes import Optimum, solve_pass
from allocator.solver.restrict import Extra
from allocator.solver.status import PassResult, Status, status_of
from allocator.solver.subproblems import efficient, reachable_exports

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
    """Near-optimal plans on the plan's own held instance (Hop-Skip-Jump), each from the
    optimum's basis; `restore` puts the instance back as the plan left it."""

    def __init__(self, lp: CompiledLP, held: Held) -> None:
        self.lp, self.held = lp, held
        self.basis = lp.highs.getBasis()
        self.strategy = lp.highs.getOptionValue("simplex_strategy")[1]
        lp.highs.setOptionValue("simplex_strategy", 4)  # primal: cost changes keep it feasible

    def far_from(self, weights: np.ndarray, secondaries: list[np.ndarray]) -> End:
        """Hop-Skip-Jump: the plan within the slack that puts the least money where `weights`
        (the columns earlier plans used) are positive; among those, the efficient one (jobs and
        exports at every milestone raised on that face, as a solve's plan). `value` is the
        weighted money left where the earlier plans were."""
        found = self._solve(-weights)
        extra = Extra(self.held.cost, self.held.bound, INF)
        x = efficient(self.lp, found.x, found.reduced_costs, found.duals, secondaries, extra)
        x = reachable_exports(self.lp, x)
        return End(exact_dot(weights, x), exact_dot(self.held.cost, x), x, found.iterations)

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


@dataclass
class RangeState:
    """The held LP and the optimum's basis as plain arrays: what a process needs to solve range
    LPs on an instance of its own (pickled once to each Dask worker). `token` names it, so a
    worker passes it to HiGHS once however many batches it solves."""

    arrays: dict[str, np.ndarray]
    col_status: np.ndarray
    row_status: np.ndarray
    options: dict[str, Any]
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


def range_state(lp: CompiledLP, options: dict[str, Any] | None = None) -> RangeState:
    """The instance of `lp` as it stands (objective row added, targets held, optimal basis)."""
    h = lp.highs
    model = h.getLp()
    a = model.a_matrix_
    if a.format_ != highspy.MatrixFormat.kColwise:
        raise NotOptimalError("internal: HiGHS holds the matrix row-wise")
    arrays = {
        "col_lower": np.array(model.col_lower_),
        "col_upper": np.array(model.col_upper_),
        "row_lower": np.array(model.row_lower_),
        "row_upper": np.array(model.row_upper_),
        "start": np.array(a.start_, dtype=np.int32),
        "index": np.array(a.index_, dtype=np.int32),
        "value": np.array(a.value_, dtype=float),
    }
    basis = h.getBasis()
    cols = np.array([int(s) for s in basis.col_status], dtype=np.int8)
    rows = np.array([int(s) for s in basis.row_status], dtype=np.int8)
    return RangeState(arrays, cols, rows, dict(options or {}))


class RangeInstance:
    """A HiGHS instance of its own built from a `RangeState`: the same LP, options and starting
    basis in any process, so the same range LP gives the same numbers wherever it is solved."""

    def __init__(self, state: RangeState, warm: bool = True) -> None:
        """`warm` False solves every range LP from scratch (the benchmark's cold solves)."""
        self.token, self.warm = state.token, warm
        h = self.highs = new_highs(**state.options)
        h.setOptionValue("simplex_strategy", 4)  # primal: cost changes keep the basis feasible
        d = state.arrays
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = len(d["col_lower"]), len(d["row_lower"])
        model.col_cost_ = np.zeros(model.num_col_)
        model.col_lower_, model.col_upper_ = d["col_lower"], d["col_upper"]
        model.row_lower_, model.row_upper_ = d["row_lower"], d["row_upper"]
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.start_, model.a_matrix_.index_ = d["start"], d["index"]
        model.a_matrix_.value_ = d["value"]
        model.sense_ = highspy.ObjSense.kMaximize
        h.passModel(model)
        basis = highspy.HighsBasis()
        basis.col_status = [highspy.HighsBasisStatus(int(s)) for s in state.col_status]
        basis.row_status = [highspy.HighsBasisStatus(int(s)) for s in state.row_status]
        basis.valid = True
        self.basis = basis
        self.n = model.num_col_

    def extreme(self, cols: np.ndarray, sign: float, objective: np.ndarray) -> End:
        """The least (`sign` -1) or the most (+1) of the sum of columns `cols`, from the
        optimum's basis; `objective` is the plan's cost vector, for the objective there.

        Raises:
            NotOptimalError: HiGHS stopped without an optimum (a time limit, or numerics).
        """
        h = self.highs
        cost = np.zeros(self.n)
        cost[cols] = sign
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), cost)
        if self.warm:
            h.setBasis(self.basis)
        else:
            h.clearSolver()
        h.run()
        if status_of(h) is not Status.OPTIMAL:
            raise NotOptimalError(
                "HiGHS stopped without an optimum on a near-optimal range "
                f"({h.modelStatusToString(h.getModelStatus())}). "
                "Fix: raise solver.time_limit_s in the model file, or check the data"
            )
        x = np.array(h.getSolution().col_value)
        iterations = int(h.getInfo().simplex_iteration_count)
        return End(float(x[cols].sum()), exact_dot(objective, x), x, iterations)
