"""The objectives of the LP: the measured jobs and exports, each milestone's outcomes and the
job-years (`add_objectives`, a build step of `build.STEPS`).

The measures (`measures.py`) give each year its weight; the outcomes are levels, with the base
and the diminishing returns of `levels.py`. Pyomo-free and highspy-free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allocator.model.levels import level_blocks
from allocator.model.linear import Blocks, LinearModel
from allocator.model.measures import CUMULATIVE, JOB_YEARS, exports_blocks, jobs_blocks

if TYPE_CHECKING:
    from allocator.model.build import Sets


def add_objectives(m: LinearModel, s: Sets) -> None:
    """obj_jobs and obj_exports under the run's measure (`s.measure`), then each milestone's
    outcome: obj_jobs@<year> (direct jobs that year) and obj_exports@<year> (exports that year),
    and obj_job_years (jobs of every year added up: the last efficiency pass, so that between
    milestones no job-year is left on the table either).
    """
    weights = s.measure.weights(s.years, s.milestones)
    m.add_objective("jobs", all_jobs(s, weights))
    m.add_objective("exports", all_exports(s, weights))
    for y in s.milestones:
        m.add_objective(f"jobs@{y}", all_jobs(s, {y: 1.0}))
        m.add_objective(f"exports@{y}", all_exports(s, {y: 1.0}))
    m.add_objective(JOB_YEARS, all_jobs(s, CUMULATIVE.weights(s.years, s.milestones)))


def all_jobs(s: Sets, weights: dict[int, float]) -> Blocks:
    """Jobs of every program under `weights`, as levels: with the base and the tranches
    (`levels.level_blocks`)."""
    return jobs_blocks(s, list(s.programs), weights) + level_blocks(
        s, "jobs", "total", None, weights
    )


def all_exports(s: Sets, weights: dict[int, float]) -> Blocks:
    """Exports of every program under `weights`, with the exports base."""
    programs = list(s.programs)
    return exports_blocks(s, programs, weights) + level_blocks(s, "exports", "total", None, weights)
