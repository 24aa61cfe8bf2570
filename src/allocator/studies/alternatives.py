"""How much freedom the planner has: near-optimal ranges per program, sector or pool, their
classification in words, and maximally different near-optimal plans (Hop-Skip-Jump MGA).

`held_model` builds and solves the plan, then holds its objective within the slack (and its
least target shortfall, under soft targets) on the same HiGHS instance, and copies that held LP
with its optimal basis into a `RangeState`; `solve_members` runs the two range LPs of each
member on an instance built from it. `solve_batch` is the same as a Dask task: each worker
builds one instance from the same state and solves the batches it is given, so the numbers are
those of the serial run (the same LP, options and starting basis for every range LP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.schema import Inputs
from allocator.errors import UsageError
from allocator.model.measures import Measure
from allocator.solver.alternatives import (
    End,
    Held,
    RangeInstance,
    RangeSolver,
    RangeState,
    hold_objective,
    range_state,
)
from allocator.solver.compile import CompiledLP
from allocator.solver.passes import Optimum, apply_options, optimum, secondaries
from allocator.solver.results import snap, snap_plan

DIMENSIONS = ("program", "sector", "pool")

RANGE_UNITS = {
    "program": "US$ million over every pool and year",
    "sector": "US$ million over its programs, every pool and year",
    "pool": "US$ million over its programs and years",
}
"""What one member's range adds up, by `--by` (ranges.csv's `unit`, the terminal's words)."""

ZERO_MUSD = 1e-6
"""A range end at or below this many US$ million counts as zero funding."""
NARROW = 0.10
"""A range is narrow when its width is at most this share of its upper end."""
CLASS_WORDS = {
    "must-have": f"funded in every near-optimal plan, range narrow (width <= {NARROW:.0%} of "
    "its upper end)",
    "flexible": f"funded in every near-optimal plan, range wide (width > {NARROW:.0%} of its "
    "upper end)",
    "optional": "some near-optimal plan funds it with nothing (lower end 0)",
    "excluded": "no near-optimal plan funds it (upper end 0)",
}
"""The classification and its thresholds, as run.json and the terminal state them."""


def members_of(inp: Inputs, lp: CompiledLP, by: str) -> dict[str, np.ndarray]:
    """The invest columns of each member of dimension `by` (program, sector or pool), by name
    in sorted order; a member with no eligible money has no columns."""
    if by not in DIMENSIONS:
        raise UsageError(f"unknown --by '{by}'. Fix: use one of {', '.join(DIMENSIONS)}")
    sector = {p.program: p.sector for p in inp.programs}
    names = {
        "program": sorted(sector),
        "sector": sorted(set(sector.values())),
        "pool": sorted({p.pool for p in inp.pools}),
    }[by]
    found: dict[str, list[int]] = {n: [] for n in names}
    for j, (family, index) in enumerate(zip(lp.col_family, lp.col_index, strict=True)):
        if family == "invest":
            program, pool = index[0], index[1]
            key = {"program": program, "sector": sector[program], "pool": pool}[by]
            found[key].append(j)
    return {n: np.array(cols, dtype=np.int64) for n, cols in found.items()}


@dataclass
class HeldModel:
    """A solved plan with its objective held within the slack, ready for range LPs: the range
    LPs run on `instance`, built from `state` (as every Dask worker builds its own) when first
    asked for, so a run whose range LPs all go to Dask workers does not build it."""

    inputs: Inputs
    lp: CompiledLP
    opt: Optimum
    held: Held
    solver: RangeSolver
    members: dict[str, np.ndarray]
    state: RangeState
    _instance: RangeInstance | None = None

    @property
    def instance(self) -> RangeInstance:
        if self._instance is None:
            self._instance = RangeInstance(self.state)
        return self._instance

    @instance.setter
    def instance(self, value: RangeInstance) -> None:
        self._instance = value


def held_model(
    inp: Inputs,
    objective: str,
    targets: str,
    measure: Measure,
    slack: float,
    by: str,
    options: dict[str, Any] | None = None,
    weights: dict[str, float] | None = None,
    warn: Callable[[str], None] | None = None,
) -> HeldModel:
    """Build and solve the plan of `inp`, then hold its objective within `slack`; `warn` is
    told the numerics warnings of its LP before it is solved, as solve's (None: say nothing).

    The plan is `allocator solve`'s, to the bit: the same passes, its tie rule (`optimum`'s
    `ties`) and its `weights` (a weighted objective's; default 0.5 / 0.5), so the optimum
    column and the plan the alternatives move away from are the solve's allocation."""
    if not 0 <= slack < 1:
        raise UsageError(
            f"--slack {slack:g} is the share of the optimum that may be given up, in [0, 1). "
            "Fix: e.g. --slack 0.02 for 2%"
        )
    from allocator.pipeline import built_lp  # the refusals in the dataset's own words
    from allocator.solver.numerics import told_numerics

    lp, _ = built_lp(inp, targets, measure=measure)
    told_numerics(lp, warn)
    apply_options(lp, options)
    members = members_of(inp, lp, by)
    opt = optimum(lp, objective, weights, ranging=False, ties=True)
    held = hold_objective(lp, opt, slack)
    state = range_state(lp, options)
    return HeldModel(inp, lp, opt, held, RangeSolver(lp, held), members, state)


def tasks_of(model: HeldModel, names: list[str]) -> list[dict[str, Any]]:
    """The members `names` as plain records a range task needs: columns and optimum funding
    (of the plan with solver noise snapped, as solve's tables show it)."""
    plan = snap_plan(model.lp, model.opt.x)[0]
    return [
        {"member": n, "cols": model.members[n], "optimum": float(plan[model.members[n]].sum())}
        for n in names
    ]


def solve_tasks(
    instance: RangeInstance, cost: np.ndarray, tasks: list[dict[str, Any]], plans: bool = True
) -> list[dict[str, Any]]:
    """The least and the most funding of each task's member on `instance`: one record each,
    with both ends' plans (`x_min`, `x_max`, if `plans`) and the simplex iterations."""
    out = []
    for task in tasks:
        cols = task["cols"]
        if cols.size:
            ends = (instance.extreme(cols, -1.0, cost), instance.extreme(cols, 1.0, cost))
        else:
            zero = End(0.0, float("nan"), np.empty(0), 0)
            ends = (zero, zero)
        row = {
            "member": task["member"],
            "optimum": task["optimum"],
            "min": ends[0].value,
            "max": ends[1].value,
            "objective_at_min": ends[0].objective,
            "objective_at_max": ends[1].objective,
            "iterations": ends[0].iterations + ends[1].iterations,
        }
        if plans:
            row |= {"x_min": ends[0].x, "x_max": ends[1].x}
        out.append(row)
    return out


def solve_members(model: HeldModel, names: list[str]) -> list[dict[str, Any]]:
    """`solve_tasks` for the members `names` on the model's own range instance."""
    return solve_tasks(model.instance, model.held.cost, tasks_of(model, names))


_INSTANCES: dict[str, RangeInstance] = {}


def solve_batch(
    state: RangeState, cost: np.ndarray, tasks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A Dask task: `solve_tasks` on this worker's instance of `state` (built once per state,
    kept for every later batch), without the plans."""
    if state.token not in _INSTANCES:
        _INSTANCES.clear()  # one instance per worker: a new state replaces the last
        _INSTANCES[state.token] = RangeInstance(state)
    return solve_tasks(_INSTANCES[state.token], cost, tasks, plans=False)


def batches(names: list[str], workers: int, per_worker: int = 2) -> list[list[str]]:
    """Names cut into `workers * per_worker` batches of consecutive members (at least one
    member each): few tasks, so the scheduler's overhead per task is paid rarely."""
    count = max(1, min(len(names), workers * per_worker))
    return [
        list(part) for part in np.array_split(np.array(names, dtype=object), count) if len(part)
    ]


def classify(low: float, high: float) -> str:
    """must-have, flexible, optional or excluded (see `CLASS_WORDS`)."""
    if high <= ZERO_MUSD:
        return "excluded"
    if low <= ZERO_MUSD:
        return "optional"
    return "must-have" if high - low <= NARROW * high else "flexible"


def ranges_table(by: str, rows: list[dict[str, Any]], objective_unit: str) -> pd.DataFrame:
    """One row per member, sorted by name: the optimum's funding, the least and the most over
    the near-optimal plans, the width, the class and the objective at each end."""
    frame = pd.DataFrame(
        [
            {
                "dimension": by,
                "member": r["member"],
                "optimum_musd": _round(r["optimum"]),
                "min_musd": low,
                "max_musd": high,
                "width_musd": _round(high - low),
                "classification": classify(low, high),
                "objective_at_min": _round(r["objective_at_min"]),
                "objective_at_max": _round(r["objective_at_max"]),
                "objective_unit": objective_unit,
                "unit": RANGE_UNITS[by],
            }
            for r in rows
            for low, high in [_ends(r)]
        ]
    )
    return frame.sort_values("member", ignore_index=True)


def _ends(row: dict[str, Any]) -> tuple[float, float]:
    """A member's least and most funding with solver noise snapped (`snap`: 3,000, not
    2,999.999824; the optimum's funding when within noise of it), then `_round`ed."""
    optimum = np.full(2, float(row["optimum"]))
    low, high = snap(np.array([row["min"], row["max"]], dtype=float), [optimum])
    return _round(low), _round(high)


def _round(value: float) -> float:
    """To 6 decimals (a US dollar, a millionth of a job): the simplex's feasibility tolerance
    (1e-7) is below that, so its noise is not shown and the same plans give the same bytes."""
    return round(float(value), 6) + 0.0


def different_plans(model: HeldModel, count: int, objective: str) -> list[End]:
    """Hop-Skip-Jump MGA: up to `count` plans within the slack, each putting the least money into
    the members (programs, sectors or pools, as `--by`) that the optimum and the plans before it
    funded, so each differs most from all before it; each made efficient like a solve's plan.

    Fewer than `count` where a plan would repeat an earlier one (or the optimum): its members
    were all funded before, so every later LP would be the same LP and give it again."""
    lp = model.lp
    used = np.zeros(len(lp.col_names))
    after = secondaries(lp, objective)
    plans: list[End] = []
    for x in [model.opt.x]:
        for cols in model.members.values():
            if cols.size and x[cols].sum() > ZERO_MUSD:
                used[cols] = 1.0
    for _ in range(count):
        end = model.solver.far_from(used.copy(), after)
        if any(_same_plan(end.x, x) for x in [model.opt.x, *(p.x for p in plans)]):
            break
        plans.append(end)
        for cols in model.members.values():
            if cols.size and end.x[cols].sum() > ZERO_MUSD:
                used[cols] = 1.0
    return plans


def _same_plan(a: np.ndarray, b: np.ndarray) -> bool:
    """Two plans are the same where no column differs by more than the money shown (6 decimals,
    `_round`): the same alternative-<k> tables."""
    return bool(np.all(np.abs(a - b) <= 5e-7 * np.maximum(1.0, np.abs(b))))
