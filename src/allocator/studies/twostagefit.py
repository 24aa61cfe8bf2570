"""Why no decide-now plan fits every scenario: the scenarios that have no plan even planned alone
(so no decision now could help) are named, each with the draw that takes its plan away (the one
uncertain number that, put back to its nominal value, gives the scenario a plan again); and
the solves of one scenario alone that this and the commitments' prices share (`lexicographic`,
`alone_with`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from allocator.errors import InfeasibleError, NotOptimalError
from allocator.solver.compile import INF, CompiledLP
from allocator.solver.passes import solve_pass
from allocator.solver.status import Status
from allocator.studies.sweep import SampleModel

Solve = Callable[[SampleModel, np.ndarray], object | None]
"""A scenario's values solved alone: anything but None where it has a plan."""

NAMED = 3
"""How many infeasible scenarios the error spells out with their draws (all are numbered)."""


def refuse_unfit(
    model: SampleModel, values: np.ndarray, phases: list[str], solve: Solve
) -> InfeasibleError:
    """The error for a deterministic equivalent with no plan: the scenarios with no plan alone
    named with their culprit draws (`no_plan_alone`), or (every scenario has a plan alone) the
    decide-now money that no single plan can give them all."""
    found = no_plan_alone(model, values, solve)
    if found is not None:
        return found
    fewer = f"decide fewer phases now (e.g. --decide-now {phases[0]}), or " * (len(phases) > 1)
    return InfeasibleError(
        f"no plan for {', '.join(phases)} fits all {len(values)} scenarios at once, though each "
        "has a plan alone (each scenario's budgets, floors and targets must hold with the same "
        f"decide-now money). Fix: {fewer}narrow the ranges in uncertainty.csv whose draws "
        "need different money now"
    )


def no_plan_alone(model: SampleModel, values: np.ndarray, solve: Solve) -> InfeasibleError | None:
    """The error naming the scenarios that have no plan even solved alone by `solve` (so no
    decision now could help), each with the draws that take its plan away; None if every
    scenario has one. The decide-now plan of either method refuses with it (`refuse_unfit`,
    `hedging.progressive_hedging`)."""
    alone = [s for s, v in enumerate(values) if solve(model, np.asarray(v, dtype=float)) is None]
    count = len(values)
    if not alone:
        return None
    which = ", ".join(str(s) for s in alone)
    told = "; ".join(_culprits(model, values, s, solve) for s in alone[:NAMED])
    more = f"; and {len(alone) - NAMED} more" if len(alone) > NAMED else ""
    noun, verb = ("scenario", "has") if len(alone) == 1 else ("scenarios", "have")
    return InfeasibleError(
        f"{noun} {which} of {count} {verb} no plan even planned alone, whatever is decided now "
        f"({told}{more}). Fix: raise the low end (or lower the high end) of those ranges in "
        "uncertainty.csv so that every draw leaves a plan, or loosen the limits the draws break "
        "(allocator sweep with the same --seed and --samples shows each scenario's status)"
    )


def _culprits(model: SampleModel, values: np.ndarray, s: int, solve: Solve) -> str:
    """Scenario s's draws that, each put back to its nominal value alone, give it a plan."""
    drawn = np.asarray(values[s], dtype=float)
    found = []
    for i, p in enumerate(model.params):
        if drawn[i] == p.nominal:
            continue
        back = drawn.copy()
        back[i] = p.nominal
        if solve(model, back) is not None:
            found.append(f"{p.label} drawn {drawn[i]:,.6g} (nominal {p.nominal:,.6g})")
    if not found:
        return f"scenario {s}: no single draw put back to its nominal value gives it a plan"
    return f"scenario {s}: " + ", ".join(found)


def best_alone(
    model: SampleModel, values: np.ndarray, fixed: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[float, float] | None:
    """One scenario solved alone (the least weighted shortfall held, then the objective), with
    the columns `fixed[0]` fixed at `fixed[1]` if given: (objective, least shortfall), None if
    infeasible. The live instance is left as the sample model had it. The one solve of a
    scenario alone that both methods' refusals (`refuse_unfit`, `no_plan_alone`) and the
    wait-and-see values (`twostage.scenario_value`) use."""
    lp = model.sample_lp(np.asarray(values, dtype=float))
    h = lp.highs
    h.setBasis(model.basis)  # the same start whatever this process solved before
    held = None
    if "shortfall" in lp.costs:
        held = lp.row_family.index("shortfall_total")
        h.changeRowBounds(held, -INF, float(model.lp.row_upper[held]))
    if fixed is not None:
        cols, at = fixed[0].astype(np.int32), np.asarray(fixed[1], dtype=float)
        h.changeColsBounds(len(cols), cols, at, at)
    try:
        return lexicographic(lp, model.objective, held)
    finally:
        if fixed is not None:
            h.changeColsBounds(len(cols), cols, lp.col_lower[cols], lp.col_upper[cols])
        if held is not None:
            h.changeRowBounds(held, -INF, float(model.lp.row_upper[held]))
        h.setBasis(model.basis)


def alone_with(
    model: SampleModel,
    values: np.ndarray,
    now: np.ndarray,
    committed: np.ndarray,
    moves: list[tuple[int, float, np.ndarray]],
) -> list[list[float | None]]:
    """Per move (decide-now column k at a value, the other commitments at `committed`, and per
    scenario whether to solve it: one known to have no plan is not), each scenario's objective
    solved alone (None: no plan, or not solved); each scenario's numbers are put into the
    sample model's instance once for all the moves it solves. Scenarios that soft targets do
    not couple only (no shortfall pass). The live instance is left as the sample model had
    it."""
    found: list[list[float | None]] = [[None] * len(values) for _ in moves]
    cols = now.astype(np.int32)
    for s, v in enumerate(values):
        if not any(solve[s] for _, _, solve in moves):
            continue
        lp = model.sample_lp(np.asarray(v, dtype=float))
        h = lp.highs
        try:
            for i, (k, value, solve) in enumerate(moves):
                if not solve[s]:
                    continue
                at = np.array(committed, dtype=float)
                at[k] = value
                h.setBasis(model.basis)
                h.changeColsBounds(len(cols), cols, at, at)
                got = lexicographic(lp, model.objective, None)
                found[i][s] = None if got is None else got[0]
        finally:
            h.changeColsBounds(len(cols), cols, lp.col_lower[cols], lp.col_upper[cols])
            h.setBasis(model.basis)
    return found


def lexicographic(lp: CompiledLP, objective: str, held: int | None) -> tuple[float, float] | None:
    """Least shortfall (row `held` of the hold), held with a tolerance, then the objective."""
    least = 0.0
    if held is not None:
        first = solve_pass(lp, lp.costs["shortfall"])
        if first.status is not Status.OPTIMAL:
            refuse(first.status)  # raises unless infeasible
            return None
        least = max(0.0, -first.objective)
        lp.highs.changeRowBounds(held, -INF, least + 1e-7 * max(1.0, least))
    found = solve_pass(lp, lp.costs[objective])
    if found.status is not Status.OPTIMAL:
        refuse(found.status)  # raises unless infeasible
        return None
    return float(found.objective), least


def refuse(status: Status) -> None:
    """None for an infeasible scenario; anything else (unbounded, a time limit) raises."""
    if status is Status.INFEASIBLE:
        return None
    raise NotOptimalError(
        f"a scenario of the two-stage plan ended {status.name.lower()}. "
        "Fix: give every program a cap_musd and every pool a budget, or raise solver.time_limit_s"
    )
