"""Solve passes on one HiGHS instance: soft targets held, the objective solved, ties broken.

`optimum` runs the passes of one plan (least shortfall held, then the objective, then the
efficiency passes on its optimal face, see `secondaries`, and the exports reached) and returns
its `Optimum` (`solver/frontier.py` re-solves the same instance along the frontier of two
measures with them).
A non-optimal pass raises (an infeasible one with its `Diagnosis`); `apply_options` sets a model
file's HiGHS options.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from allocator.errors import NotOptimalError, UnboundedError, UsageError
from allocator.model.measures import JOB_YEARS
from allocator.solver.compile import INF, CompiledLP, set_costs
from allocator.solver.heldface import Face
from allocator.solver.highs import trim_heap
from allocator.solver.othermoney import least_money
from allocator.solver.overlap import Overlap
from allocator.solver.ranging import allowable_ranges, ranges_at_plan
from allocator.solver.spending import spending_order
from allocator.solver.status import PassResult, Status, status_of
from allocator.solver.subproblems import efficient_face, reachable_exports
from allocator.solver.ties import tie_classes
from allocator.solver.wholeunit import index_costs


def objective_costs(lp: CompiledLP, objective: str, weights: dict[str, float]) -> np.ndarray:
    """The cost vector of `objective`; `weighted` is normalised by each single objective's best
    (`wholeunit.index_costs`: a measure whose best is 0 left out, the others' weights scaled)."""
    return _held_costs(lp, objective, weights, None)[0]


def _held_costs(
    lp: CompiledLP, objective: str, weights: dict[str, float], hold: Hold | None
) -> tuple[np.ndarray, Hold | None]:
    """`objective_costs`, its passes given `hold`; returns the costs and the hold still unused."""
    if objective in lp.costs:
        return lp.costs[objective], hold
    measures = []
    for name, w in weights.items():
        found, hold = optimal_pass(lp, lp.costs[name], hold)
        measures.append((w, found.objective, lp.costs[name]))
    return index_costs(measures), hold


@dataclass(frozen=True)
class Hold:
    """The least-shortfall hold on row `row`, and the slack one tolerance retry may add to it."""

    row: int
    slack: float


def _result(h: highspy.Highs) -> PassResult:
    status = status_of(h)
    info = h.getInfo()
    iterations = int(info.simplex_iteration_count)
    detail = h.modelStatusToString(h.getModelStatus())
    if status is not Status.OPTIMAL:
        empty = np.empty(0)
        return PassResult(status, float("nan"), empty, empty, empty, empty, iterations, detail)
    sol = h.getSolution()
    return PassResult(
        status,
        float(info.objective_function_value),
        np.array(sol.col_value),
        np.array(sol.row_dual),
        np.array(sol.col_dual),
        np.array(sol.row_value),
        iterations,
        detail,
    )


def solve_pass(lp: CompiledLP, cost: np.ndarray) -> PassResult:
    """Solve with `cost` and return how it ended; never raises on a non-optimal status."""
    h = lp.highs
    set_costs(lp, cost)
    h.run()
    if status_of(h) is Status.INFEASIBLE_OR_UNBOUNDED:
        h.setOptionValue("presolve", "off")  # presolve cannot tell which; the simplex can
        h.run()
        h.setOptionValue("presolve", "choose")
    return _result(h)


def optimal_pass(
    lp: CompiledLP, cost: np.ndarray, hold: Hold | None = None
) -> tuple[PassResult, Hold | None]:
    """Solve with `cost`; raise on anything but an optimum.

    `hold` is the least-shortfall hold of an earlier pass: if this pass is infeasible, the hold
    failed on tolerances, so it is loosened by its slack once and the pass repeated. Returns the
    optimum and the hold still unused (None once spent).
    """
    found = solve_pass(lp, cost)
    if found.status is Status.INFEASIBLE and hold is not None:
        lp.row_upper[hold.row] += hold.slack
        lp.highs.changeRowBounds(hold.row, -INF, lp.row_upper[hold.row])
        return optimal_pass(lp, cost)
    _raise_unless_optimal(lp, found)
    return found, hold


def _raise_unless_optimal(lp: CompiledLP, found: PassResult) -> None:
    """Raise the error of a pass that is not optimal; an infeasible one comes diagnosed."""
    if found.status is Status.INFEASIBLE:
        from allocator.solver.fixes import infeasible_error  # only an infeasible plan's

        raise infeasible_error(lp)
    if found.status is Status.UNBOUNDED:
        raise UnboundedError(
            "the plan is unbounded: the objective can grow without limit. "
            "Fix: give every program a cap_musd and every pool a budget"
        )
    if found.status is not Status.OPTIMAL:
        raise NotOptimalError(
            f"HiGHS stopped without an optimum ({found.detail}). "
            "Fix: raise solver.time_limit_s in the model file, or check the data"
        )


def apply_options(lp: CompiledLP, options: dict[str, Any] | None) -> None:
    """Set a model file's HiGHS options (`solver:`) on the instance of `lp`.

    Raises:
        UsageError: HiGHS refused an option or its value.
    """
    for option, value in (options or {}).items():
        if lp.highs.setOptionValue(option, value) != highspy.HighsStatus.kOk:
            raise UsageError(
                f"HiGHS refused the solver option {option}={value!r}. "
                "Fix: check its name and value in the model file's solver section"
            )


def _hold_least_shortfall(lp: CompiledLP) -> tuple[float | None, Hold | None]:
    """Soft targets, first pass: the least weighted shortfall, then held by `shortfall_total`.

    The hold is a real row, so its shadow price is what one more unit of tolerated shortfall is
    worth in the objective: the price of the targets. The row starts unheld, so this pass needs no
    earlier hold. Returns the least shortfall and the hold the next pass takes (None and None
    without soft targets).
    """
    if "shortfall" not in lp.costs:
        return None, None
    i = lp.row_family.index("shortfall_total")
    if lp.hold_initial is None:
        lp.hold_initial = float(lp.row_upper[i])
    lp.row_upper[i] = lp.hold_initial  # a re-solve after the data changed starts unheld
    lp.highs.changeRowBounds(i, -INF, lp.hold_initial)
    found, _ = optimal_pass(lp, lp.costs["shortfall"], None)
    lp.first_basis = lp.highs.getBasis()
    least = max(0.0, -found.objective)
    lp.highs.changeRowBounds(i, -INF, least)
    lp.row_upper[i] = least
    return least, Hold(i, 1e-7 * max(1.0, least))


@dataclass
class Optimum:
    """The plan of one solve, before any tables: what sweeps and reports both start from."""

    objective: float
    x: np.ndarray
    row_dual: np.ndarray
    col_dual: np.ndarray
    cost: np.ndarray
    least_shortfall: float | None
    ranges: dict[str, dict[str, Any]] | None
    iterations: int
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds: solve (the passes and reading x and duals), ranging, efficient, exports."""
    hold: Hold | None = None
    """The least-shortfall hold, if no pass needed its tolerance retry: for the next pass."""
    ties: int | None = None
    """With `optimum(..., ties=True)`: how many investments another plan reaching the same
    outcomes funds differently (0: the plan is the only one; `Face.ties`)."""
    tie_classes: list[dict[str, Any]] | None = None
    """With `ties`: the programs interchangeable on the last face, each class with its
    programs' least, most and planned money (`ties.tie_classes`)."""
    trace: list[str] = field(default_factory=list)
    """The passes on the optimal face with their iterations, and each LP an exact test on the
    face's basis skipped and why (`Face.trace`): nothing a report prints."""
    face_solves: int = 0
    """How many LPs ran on the optimal face: passes, tie LP, tie ranges, rule (`Face.solves`)."""
    free: float | None = None
    """With `optimum(..., release=True)`: `price_of_targets`, taken before the instance went."""


def outcome_costs(lp: CompiledLP, kind: str) -> np.ndarray:
    """The sum of `kind` (jobs or exports) over every milestone: the `<kind>@<year>` costs."""
    total = np.zeros(len(lp.col_names))
    for name, cost in lp.costs.items():
        if name.startswith(f"{kind}@"):
            total += cost
    return total


def secondaries(lp: CompiledLP, objective: str, first: str | None = None) -> list[np.ndarray]:
    """The passes that make a plan efficient, in order, after the objective (and `first`).

    1. `first`, if given (the frontier's other axis);
    2. the measured objectives the run did not ask for (`exports` for a jobs plan, `jobs` for an
       exports plan, both for any other objective), but `first` once only: a frontier of jobs
       against exports makes at its ends the passes of a solve, so the solve's plan;
    3. jobs at every milestone, summed: the path of jobs;
    4. exports at every milestone, summed;
    5. job-years: the jobs of every year, added up, so that no job-year between milestones is
       left on the table either.

    Each is maximised on the optimal face of those before it, so no milestone's jobs or exports
    (nor the other measured objective) can be raised without lowering another: a point that did
    better somewhere and no worse elsewhere would lie on every face and beat one of the passes.
    """
    names = [first] if first else []
    names += [n for n in ("exports", "jobs") if n not in (objective, first) and n in lp.costs]
    costs = [lp.costs[n] for n in names] + [outcome_costs(lp, k) for k in ("jobs", "exports")]
    if JOB_YEARS in lp.costs:
        costs.append(lp.costs[JOB_YEARS])
    return [c for c in costs if c.any()]


def optimum(
    lp: CompiledLP,
    objective: str,
    weights: dict[str, float] | None = None,
    ranging: bool = True,
    first: str | None = None,
    hold_targets: bool = True,
    ties: bool = False,
    pick: bool = False,
    during: Overlap | None = None,
    release: bool = False,
) -> Optimum:
    """Soft targets held (unless `hold_targets` is False), the objective solved, then the
    efficiency passes on its optimal face (`secondaries`) and the exports the plan reaches.
    Duals (and ranges) are the objective's own. With `ties`, whether other plans reach the
    same outcomes with other money (`Optimum.ties`). With `pick`, the plan that spends least
    on the last face (`Face.pick`): fixed by the data, whichever vertex HiGHS returned (what
    sweeps use, so a sample's funding does not depend on the basis it starts from). `during`
    runs in its thread while HiGHS solves the passes up to the objective's, paused then, and
    released after the tie rule (`solver/overlap.py`). With `release`, the caller reads
    nothing of `lp.highs` afterwards: the price of the soft targets (`price_of_targets`) is
    taken first (`Optimum.free`), then the plan's HiGHS instance is let go once ranging is
    done and the face has its basis, so its memory (about 110 MB at 1e6 nonzeros) is not held
    through the face's LPs (`release_solver`), and `during`'s `later` jobs run then, beside
    those LPs, rather than after the tie rule.
    """
    weights = weights or {"jobs": 0.5, "exports": 0.5}
    laps = [time.perf_counter()]

    def lap() -> float:
        laps.append(time.perf_counter())
        return laps[-1] - laps[-2]

    with during or nullcontext():  # the thread's window: HiGHS's main solve
        least, hold = _hold_least_shortfall(lp) if hold_targets else _release_hold(lp)
        cost, hold = _held_costs(lp, objective, weights, hold)
        found, hold = optimal_pass(lp, cost, hold)
    row_dual, col_dual, x = found.duals, found.reduced_costs, found.x
    timings = {"solve": lap()}
    try:
        extra = {} if objective in lp.costs else {"weights": weights}  # weighted: bests again
        ranges = allowable_ranges(lp, cost, found.activity, **extra) if ranging else None
        timings["ranging"] = lap()
        basis = lp.highs.getBasis()
        free = _let_go(lp, least, cost, during) if release else None
        after = secondaries(lp, objective, first)
        x, face = efficient_face(lp, x, col_dual, row_dual, after, basis=basis)
        timings["efficient"] = lap()
        x, tied, classes = _settled(lp, face, x, ties, pick)
    except BaseException:
        if during is not None:
            during.stop()  # its `later` jobs are not needed: the thread ended, not left waiting
        raise
    if during is not None:
        during.release()  # the `later` jobs (labels) after the tie rule's LPs: not in its peak
    timings["ties"] = lap()
    x = reachable_exports(lp, x)
    timings["exports"] = lap()
    if ranges is not None:
        ranges["columns"] = ranges_at_plan(ranges["columns"], found.x, x)
    return Optimum(
        found.objective,
        x,
        row_dual,
        col_dual,
        cost,
        least,
        ranges,
        found.iterations,
        timings,
        hold,
        tied,
        classes,
        [] if face is None else face.trace,
        0 if face is None else face.solves,
        free,
    )


def _settled(
    lp: CompiledLP, face: Face | None, x: np.ndarray, ties: bool, pick: bool
) -> tuple[np.ndarray, int | None, list[dict[str, Any]] | None]:
    """`optimum`'s plan on the settled face (`pick`: the one that spends least; `ties`: the tie
    rule, else `othermoney.least_money`), the tie count and classes (None without `ties`)."""
    tied: int | None
    classes: list[dict[str, Any]] | None
    tied, classes = (None, None) if not ties else (0, [])
    if face is None or not face.settle():
        return x, tied, classes
    if ties:
        tied = face.ties(np.array([f == "invest" for f in lp.col_family]))
    if pick:
        x = face.pick(x, spending_order(lp))
    elif tied:  # one more pass on the face: the tie rule (`ties.RULE`), outcomes unchanged
        x, classes = tie_classes(lp, face, x)
    elif ties:  # one plan's investments: the least mitigation and carry they need
        x = least_money(lp, face, x)
    return x, tied, classes


def _let_go(
    lp: CompiledLP, least: float | None, cost: np.ndarray, during: Overlap | None
) -> float | None:
    """`optimum`'s `release`: the price of the soft targets taken now (the face's LPs never
    touch the instance, so the same bits as after them), the instance let go, then `during`'s
    `later` jobs released (the peak is behind: they are built beside the face's LPs)."""
    free = _price(lp, least, cost)
    release_solver(lp)
    if during is not None:
        during.release()
    return free


class Released:
    """What `CompiledLP.highs` holds once `release_solver` let the plan's instance go: any use
    is a programming error, said plainly rather than a re-solve of an empty model."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(
            f"the plan's HiGHS instance was released after its last use (solve_lp with "
            f"keep_solver=False), so .{name} cannot be called on it"
        )


def release_solver(lp: CompiledLP) -> None:
    """Let the plan's HiGHS instance go (its model, factors and solution) and hand the freed
    memory back to the system (`trim_heap`); `lp`'s own arrays stay."""
    lp.highs = Released()  # type: ignore[assignment]
    lp.first_basis = None
    trim_heap()


def price_of_targets(lp: CompiledLP, opt: Optimum) -> float | None:
    """The objective of `opt` with the least-shortfall hold released (the same cost vector), or
    None where no soft target falls short: the least-shortfall rule gives up the difference.
    The hold is put back afterwards, so the instance still holds what the plan held."""
    return _price(lp, opt.least_shortfall, opt.cost)


def _price(lp: CompiledLP, least: float | None, cost: np.ndarray) -> float | None:
    """`price_of_targets` of a plan with least shortfall `least` under `cost`."""
    if not least:
        return None
    i = lp.row_family.index("shortfall_total")
    held = float(lp.row_upper[i])
    _release_hold(lp)
    try:
        found, _ = optimal_pass(lp, cost)
    finally:
        lp.row_upper[i] = held
        lp.highs.changeRowBounds(i, -INF, held)
    return found.objective


def _release_hold(lp: CompiledLP) -> tuple[None, None]:
    """Soft targets with the least-shortfall hold released (their shortfall is free)."""
    if "shortfall" in lp.costs:
        i = lp.row_family.index("shortfall_total")
        if lp.hold_initial is None:
            lp.hold_initial = float(lp.row_upper[i])
        lp.row_upper[i] = lp.hold_initial
        lp.highs.changeRowBounds(i, -INF, lp.hold_initial)
    return None, None
