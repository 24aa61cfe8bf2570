"""Build the allocation LP from validated `Inputs`: the build steps of `STEPS`, in order.

`STEPS` is the table of contents of the model (as PyPSA's `create_model`): every function that
adds columns, rows or objectives, in the order `build_model` calls them as `step(model, sets)`,
which is the order of the rows, columns and objectives of the LP and of every output table. The
families a step builds are declared on it (`@declare.family`, `@declare.variable`); the registry
(`families.FAMILIES`, `VARIABLES`, `LABEL_ORDER`) is read off the steps listed here. Adding a
family is one decorated function in its module and one entry here.

Variables are sparse: `invest[p, s, t]` exists only where pool s may fund program p and has a
budget row for the phase of year t. Years outside the program's window keep the variable with
bounds (0, 0), so its reduced cost says what opening the window a year earlier or later is worth.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from typing import Any

from allocator.data.schema import Inputs, Program, eligible_pools
from allocator.model import constraints as c
from allocator.model.declare import Builder
from allocator.model.exportrows import add_export_capacity, add_export_market
from allocator.model.levels import add_base, add_levels
from allocator.model.linear import LinearModel, paused_gc
from allocator.model.links import add_enable
from allocator.model.measures import FINAL, Measure
from allocator.model.objectives import add_objectives
from allocator.model.robust import Robust, add_robust
from allocator.model.targets import add_targets

STEPS: tuple[Builder, ...] = (
    c.add_variables,  # invest, carry, mitigate, exports
    c.add_budget,
    c.add_program_cap,
    c.add_program_floor,
    c.add_ramp,
    c.add_groups,  # group_max, group_min, group_share
    c.add_risk_budget,
    c.add_risk_cover,
    add_export_capacity,
    add_base,  # base (before the markets, which hold base + new)
    add_export_market,
    add_enable,
    add_levels,  # excess, tranche
    add_objectives,  # jobs, exports, jobs@<year>, exports@<year>, job_years
    add_targets,  # target, processing_share, shortfall_total; shortfall columns
    add_robust,  # worst_case, cvar_tail, cvar_cap, scenario_tranche; worst, eta, tail
)
"""The table of contents: the build steps in the order `build_model` calls them."""

OBJECTIVES = ("jobs", "exports", "weighted")
TARGET_MODES = ("off", "soft", "hard")


def check_choices(objective: str, targets: str) -> None:
    """An objective and a targets mode as every command checks them, in one place.

    Raises:
        UsageError: an unknown objective or --targets, with the choices.
    """
    from allocator.errors import UsageError

    if objective not in OBJECTIVES:
        raise UsageError(
            f"unknown objective '{objective}'. Fix: use one of {', '.join(OBJECTIVES)}"
        )
    if targets not in TARGET_MODES:
        raise UsageError(
            f"unknown --targets '{targets}'. Fix: use one of {', '.join(TARGET_MODES)}"
        )


@dataclass
class Sets:
    """Index sets and groupings derived once from `Inputs`, and the run's choices, shared by
    every family: what each build step reads."""

    inputs: Inputs
    years: list[int]
    phase_of: dict[int, str]
    phases: list[str]
    milestones: list[int]
    programs: dict[str, Program]
    invest: list[tuple[str, str, int]]
    carry: list[tuple[str, str]]
    mitigate: list[tuple[str, int]]
    exports: list[tuple[str, int]]
    invest_runs: list[tuple[str, str, list[int]]] = field(default_factory=list)
    """`invest` as runs (program, pool, the years of the run), in column order: what the invest
    columns' arrays are made from (`investarrays.InvestArrays`), one run at a time."""
    iv: dict[tuple[str, str, int], int] = field(default_factory=dict)
    """invest key -> column position."""
    arrays: Any = None
    """The invest columns as numpy arrays (`investarrays.InvestArrays`, set by `add_variables`):
    what the families build their entries from."""
    cols: dict[str, dict[Any, int]] = field(default_factory=dict)
    """Column family -> key -> column position (`LinearModel.of`)."""
    targets: str = "soft"
    """The target mode: off, soft or hard (`add_targets`)."""
    robust: Robust | None = None
    """The robust spec, if any (`add_robust`)."""
    measure: Measure = FINAL
    """How the objectives are measured over the path (`objectives.add_objectives`)."""
    every_link_year: bool = False
    """Capital links get a row in every year, not only where dependent capital grows
    (`links.add_enable`): for sweeps, whose samples may lengthen lags."""

    @cached_property
    def by_program(self) -> dict[str, list[tuple[str, str, int]]]:
        """Each program's invest keys, in column order (a `defaultdict`, as each grouping here).

        Made when first read (targets and robust rows read it; a targets-off build does not)."""
        out: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for program, keys in groupby(self.invest, itemgetter(0)):
            out[program] += keys
        return out

    @cached_property
    def by_pool_phase(self) -> dict[tuple[str, str], list[tuple[str, str, int]]]:
        """Each (pool, phase)'s invest keys, in column order (made when first read)."""
        out: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
        for k in self.invest:
            out[(k[1], self.phase_of[k[2]])].append(k)
        return out

    @cached_property
    def by_phase(self) -> dict[str, list[tuple[str, str, int]]]:
        """Each phase's invest keys, in column order (made when first read)."""
        out: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for k in self.invest:
            out[self.phase_of[k[2]]].append(k)
        return out

    def capital_terms(self, program: str, year: int) -> list[tuple[str, str, int]]:
        """Investments in `program` productive by `year` (spent no later than year - lag)."""
        last = year - self.programs[program].lag_years
        return [k for k in self.by_program.get(program, []) if k[2] <= last]


def build_sets(inp: Inputs, measure: Measure = FINAL) -> Sets:
    """Derive the sparse index sets of the LP (exports at every year if `measure` needs them,
    else at the milestones)."""
    phase_of = inp.phase_of_year
    budget_rows = {(p.pool, p.phase) for p in inp.pools}
    eligible = eligible_pools(inp)
    years = inp.years
    funded = {s: [t for t in years if (s, phase_of[t]) in budget_rows] for s, _ in budget_rows}
    runs = [
        (p.program, s, funded[s]) for p in inp.programs for s in eligible[p.program] if s in funded
    ]
    invest = [(p, s, t) for p, s, years in runs for t in years]
    phases = [p.phase for p in inp.phases]
    carry = [
        (p.pool, p.phase)
        for p in inp.pools
        if p.carry_over and phases.index(p.phase) + 1 < len(phases)
    ]
    mitigate = [(r.risk, t) for r in inp.risks for t in range(r.first_year, r.last_year + 1)]
    milestones = [m.year for m in inp.milestones]
    export_years = inp.years if measure.every_year() else milestones
    exports = [(p.program, y) for p in inp.programs if p.exports_per_musd > 0 for y in export_years]
    sets = Sets(
        inp,
        inp.years,
        phase_of,
        phases,
        milestones,
        {p.program: p for p in inp.programs},
        invest,
        carry,
        mitigate,
        exports,
        invest_runs=runs,
        measure=measure,
    )
    return sets


def build_model(
    inp: Inputs,
    targets: str = "soft",
    robust: Robust | None = None,
    measure: Measure = FINAL,
    every_link_year: bool = False,
) -> tuple[LinearModel, Sets]:
    """The LP with both objectives (`jobs`, `exports`, under `measure`) and each milestone's
    outcomes declared; the solver picks the blend.

    `targets` is off (ignored), soft (shortfall minimised first) or hard (must be met);
    `every_link_year` gives capital links a row in every year (`Sets.every_link_year`).

    Returns:
        The model as one record per column, row and objective family, in build order (hand it
        to `solver.compile.compile_lp`, or to `linear.to_pyomo` for a Pyomo model), and the index
        sets the reports use to label its rows and columns.
    """
    sets = build_sets(inp, measure)
    sets.targets, sets.robust, sets.every_link_year = targets, robust, every_link_year
    m = LinearModel()
    sets.cols = m.of  # every step's columns, as they are added
    with paused_gc():
        for step in STEPS:
            step(m, sets)
    return m, sets
