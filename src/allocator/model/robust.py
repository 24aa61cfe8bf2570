"""Robust jobs plans over sampled scenarios: the spec (`Robust`) and the `worst_case`, `cvar_tail`
and `cvar_cap` rows.

The last build step of `build.STEPS`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allocator.model.declare import family, variable
from allocator.model.levels import scenario_levels
from allocator.model.linear import Blocks, LinearModel, Row, flatten, runs
from allocator.model.measures import jobs_blocks

if TYPE_CHECKING:
    from allocator.model.build import Sets


@dataclass(frozen=True)
class Robust:
    """A robust jobs plan over sampled scenarios (see `add_robust`)."""

    kind: str  # "cvar" or "worst-case"
    scenarios: tuple[dict[str, tuple[float, int]], ...]  # program -> (jobs_per_musd, lag)
    beta: float = 0.9
    cap: float | None = None  # cvar: most expected shortfall in the worst (1 - beta) share
    reference: float = 0.0  # cvar: the nominal plan's jobs, from which shortfall is counted


def _scenario_jobs(m: LinearModel, s: Sets, robust: Robust) -> list[Blocks]:
    """Each scenario's measured jobs (`s.measure`) with its jobs per musd and lags, as levels:
    the base, and its own tranche terms (`levels.scenario_levels`)."""
    weights = s.measure.weights(s.years, s.milestones)
    levels = scenario_levels(m, s, robust.scenarios, weights)
    return [
        jobs_blocks(s, list(s.by_program), weights, sc) + extra
        for sc, extra in zip(robust.scenarios, levels, strict=True)
    ]


@variable(
    "scenario_excess",
    ("scenario", "member", "level", "year"),
    "jobs",
    "jobs of sector {member} past {level} in {year} in scenario {scenario}",
)
@variable("worst", (), "jobs", "jobs in the worst scenario")
@variable("eta", (), "jobs", "value at risk (shortfall)")
@variable("tail", ("scenario",), "jobs", "shortfall of scenario {scenario} beyond the VaR")
@family("worst_case", ("scenario",), "jobs", "jobs in scenario {scenario}")
@family("cvar_tail", ("scenario",), "jobs", "shortfall of scenario {scenario} beyond the VaR")
@family(
    "cvar_cap",
    (),
    "jobs",
    "CVaR cap: expected shortfall in the worst scenarios",
    option="--cvar-cap",
)
@family(
    "scenario_tranche",
    ("scenario", "member", "level", "year"),
    "jobs",
    "diminishing returns of sector {member} past {level} jobs in {year}, scenario {scenario}",
)
def add_robust(m: LinearModel, s: Sets) -> None:
    """Robust jobs over scenarios s = 1..S, one allocation for all of them.

    jobs_s = sum_p jobs_per_musd[p, s] * capital[p, Y] with scenario lags (under the run's
    measure: the weighted sum over the years, see `measures`).
    cvar (Rockafellar-Uryasev): maximise (1/S) sum_s jobs_s subject to
      eta + 1 / ((1 - beta) S) sum_s u_s <= cap            (row cvar_cap: its dual is the price
      u_s >= reference - jobs_s - eta, u_s >= 0             of risk, jobs per job of the cap)
    where reference - jobs_s is scenario s's shortfall against the nominal plan.
    worst-case: maximise w subject to w <= jobs_s for every s (rows worst_case[s]).
    The robust objective is declared beside obj_jobs; the solver uses it as the jobs objective.
    The spec is `s.robust` (`Robust`); None adds nothing.
    """
    robust = s.robust
    if robust is None:
        return
    n = len(robust.scenarios)
    jobs = _scenario_jobs(m, s, robust)
    scen = list(range(1, n + 1))
    if robust.kind == "worst-case":
        worst = m.add_columns("worst", None, (None, None))[None]
        rows: dict[tuple[Any, ...], Row] = {
            (k,): (0.0, [*jobs[k - 1], (-1.0, [worst])], None) for k in scen
        }
        m.add_rows("worst_case", rows)
        m.add_objective("robust", [(1.0, [worst])])
        return
    eta = m.add_columns("eta", None, (None, None))[None]
    tail = m.add_columns("tail", scen, (0.0, None))
    rows = {(k,): (robust.reference, [*jobs[k - 1], (1.0, [tail[k], eta])], None) for k in scen}
    m.add_rows("cvar_tail", rows)
    weight = 1.0 / ((1.0 - robust.beta) * n)
    cap: Row = (
        None,
        [(1.0, [eta]), (weight, [tail[k] for k in scen])],
        robust.cap,  # None: no cap, a free row (its price is 0; no 1e12 in the LP)
    )
    m.add_rows("cvar_cap", {(): cap}, scalar=True)
    mean: dict[int, float] = defaultdict(float)
    for blocks in jobs:
        _, cols, coefs = flatten([blocks])
        for j, c in zip(cols.tolist(), coefs.tolist(), strict=True):
            mean[j] += c / n
    m.add_objective("robust", runs(list(mean), list(mean.values())))
