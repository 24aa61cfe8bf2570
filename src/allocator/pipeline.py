"""The pipeline as four calls: load -> build -> solve -> write. The CLI and the tests use this.

The one place the steps are chained; what re-runs them sits beside it (`comparison`, `tradeoff`,
`recheck`, `project`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.data.inputs import load_inputs
from allocator.data.modelfile import Override, apply_overrides, load_model_file
from allocator.data.schema import Inputs
from allocator.errors import InfeasibleError, UsageError
from allocator.model.build import OBJECTIVES, TARGET_MODES
from allocator.model.constraints import Robust
from allocator.model.measures import FINAL, Measure
from allocator.model.solution import Solution
from allocator.report import tables as reports
from allocator.report.budgets import budgets
from allocator.report.explain import explained
from allocator.report.folders import output_faults, refuse_mount_point
from allocator.report.html import assumptions_of
from allocator.report.limits import limits
from allocator.report.outcomes import processing_shares
from allocator.report.risk import cvar_info, nominal_in_scenarios
from allocator.report.write import (
    atomic_run_dir,
    check_target,
    default_run_dir,
    release_run_dir,
    write_run,
)
from allocator.solver.compile import build_lp, write_model
from allocator.solver.numerics import numerics_warnings
from allocator.solver.passes import apply_options, objective_costs
from allocator.solver.results import solve_lp

DEFAULT_DISCOUNT_RATE = 0.05
"""The discount rate a year of `--measure discounted` when none is given."""

PACKAGES = ("allocator", "pyomo", "highspy", "pandas", "numpy", "pydantic")


def default_inputs() -> Path:
    """The bundled baseline: ./inputs/peru2040 if present, else the copy shipped in the package."""
    here = Path("inputs/peru2040")
    if here.is_dir():
        return here
    packaged = Path(__file__).parent / "bundled" / "peru2040"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "inputs" / "peru2040"


@dataclass
class SolveOptions:
    """What `allocator solve` was asked to do."""

    inputs: Path = field(default_factory=default_inputs)
    objective: str = "jobs"
    weights: dict[str, float] = field(default_factory=lambda: {"jobs": 0.5, "exports": 0.5})
    out: Path | None = None
    force: bool = False
    write_model: bool = False
    results: Path = Path("results")
    targets: str = "soft"
    model_file: Path | None = None
    solver: dict[str, float] = field(default_factory=dict)
    overrides: list[Any] = field(default_factory=list)
    name: str | None = None
    plots: bool = False
    warn: Callable[[str], None] | None = field(default=None, repr=False)
    risk: str = "none"
    beta: float = 0.9
    cvar_cap: float | None = None
    scenarios: int = 50
    seed: int = 0
    measure: str = "final"
    discount_rate: float | None = None
    """None: not given (discounted: DEFAULT_DISCOUNT_RATE); 0 is a rate, no discounting."""
    decide_now: list[str] | str | None = None
    """Leading phases decided now, the rest adapting per scenario (`studies/twostagerun.py`)."""

    def measured(self) -> Measure:
        """The objective's measure (`--measure`, `--discount-rate`), checked."""
        return measure_of(self.measure, self.discount_rate)


@dataclass
class Run:
    """A finished solve: the data, the solution, its tables and where they were written."""

    inputs: Inputs
    solution: Solution
    tables: dict[str, pd.DataFrame]
    info: dict[str, Any]
    folder: Path | None = None


def solve_inputs(
    inp: Inputs,
    objective: str = "jobs",
    weights: dict[str, float] | None = None,
    targets: str = "soft",
    solver: dict[str, float] | None = None,
    warn: Callable[[str], None] | None = None,
    robust: Robust | None = None,
    measure: Measure = FINAL,
) -> tuple[Solution, dict[str, float]]:
    """Build and solve `inp` with the objective measured by `measure`; returns the solution and
    the build/hand-off/solve timings (s).

    Raises:
        InfeasibleError: with `details`, the conflicting constraints and the least relaxation,
            each named with the input file and row it comes from.
    """
    if objective not in OBJECTIVES:
        raise UsageError(
            f"unknown objective '{objective}'. Fix: use one of {', '.join(OBJECTIVES)}"
        )
    if targets not in TARGET_MODES:
        raise UsageError(
            f"unknown --targets '{targets}'. Fix: use one of {', '.join(TARGET_MODES)}"
        )
    lp, timings = build_lp(inp, targets, robust, measure)
    t1 = time.perf_counter()
    if robust is not None:  # the robust objective is the jobs objective; keep the nominal one
        lp.costs["jobs_nominal"] = lp.costs["jobs"]
        lp.costs["jobs"] = lp.costs.pop("robust")
    apply_options(lp, solver)
    numerics = numerics_warnings(lp)
    for message in numerics if warn is not None else []:
        warn(message)  # before solving: the solve may be what suffers
    t2 = time.perf_counter()
    try:
        sol = solve_lp(lp, objective, weights, objective_unit(objective, measure))
    except InfeasibleError as exc:
        raise explained(inp, exc) from None
    sol.lp = lp
    sol.label = objective_words(inp, objective, measure)
    sol.solver["numerics_warnings"] = numerics
    timings["handoff"] += t2 - t1  # numerics checks and solver options
    return sol, timings | {"solve": time.perf_counter() - t2}


def objective_unit(objective: str, measure: Measure) -> str:
    """The unit of `objective` under `measure`: jobs, job-years, musd, pv musd or index."""
    if objective == "weighted":
        return "index"
    return measure.units()[objective == "exports"]


def objective_words(inp: Inputs, objective: str, measure: Measure) -> str:
    """The objective in words with its measure."""
    if objective == "weighted":
        return f"weighted index (1 = best jobs and best exports; {measure.kind} measure)"
    jobs, exports = measure.words(inp.years[0], inp.years[-1], inp.last_milestone)
    return jobs if objective == "jobs" else exports


def tables_of(inp: Inputs, sol: Solution) -> dict[str, pd.DataFrame]:
    """Every output table of a run, by file name (without .csv). The allocation is computed once
    here; the tables built on it are given it."""
    alloc = reports.allocation(inp, sol)
    tables = {
        "allocation": alloc,
        "allocation_by_phase": reports.allocation_by_phase(inp, alloc),
        "outcomes": reports.outcomes(inp, sol, alloc),
        "shadow_prices": reports.shadow_prices(sol),
        "reduced_costs": reports.reduced_costs(sol),
        "sensitivity": reports.sensitivity(sol),
        "limits": limits(sol),
    }
    if inp.shares:  # processing shares per mineral (shares.csv)
        tables["shares"] = processing_shares(inp, alloc)
    if sol.lp is not None:  # which rows hold each column: the LP's matrix
        tables["budgets"] = budgets(inp, sol, sol.lp.matrix)
    return tables


def sheets_of(
    inp: Inputs, sol: Solution, tables: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Workbook sheets: every table, with Excel Solver's Answer, Sensitivity and Limits reports
    by name."""
    sheets = {
        name: frame for name, frame in tables.items() if name not in ("sensitivity", "limits")
    }
    sheets["Answer"] = reports.answer(sol, reports.objective_label(sol, inp.last_milestone))
    sheets["Sensitivity"] = tables["sensitivity"]
    sheets["Limits"] = tables["limits"]
    return sheets


def options_of(
    model: Path | None,
    inputs: Path | None,
    objective: str | None,
    weights: dict[str, float] | None,
    targets: str | None,
    measure: str | None = None,
    discount_rate: float | None = None,
) -> SolveOptions:
    """Options from the model file (if any), then the given ones (those not None) on top; the
    measure is checked here, before any work."""
    base: dict[str, Any] = {"inputs": default_inputs()}
    if model is not None:
        mf, dataset = load_model_file(model)
        base = {
            "inputs": dataset,
            "objective": mf.objective,
            "weights": dict(mf.weights),
            "targets": mf.targets,
            "measure": mf.measure,
            "discount_rate": mf.discount_rate,
            "solver": mf.solver.highs(),
            "overrides": mf.overrides,
            "model_file": model,
            "name": mf.name or model.stem,
            "decide_now": mf.decide_now or None,
        }
    given = {
        "inputs": inputs,
        "objective": objective,
        "targets": targets,
        "weights": weights,
        "measure": measure,
        "discount_rate": discount_rate,
    }
    if measure is not None and measure != base.get("measure") and discount_rate is None:
        base["discount_rate"] = None  # another measure on the command line: not the file's rate
    opts = SolveOptions(**(base | {k: v for k, v in given.items() if v is not None}))
    opts.discount_rate = measure_of(opts.measure, opts.discount_rate).rate  # checked now
    return opts


def measure_of(kind: str, rate: float | None) -> Measure:
    """The measure `kind` at `rate` (discounted: `DEFAULT_DISCOUNT_RATE` if None; a given 0 is
    kept: no discounting), checked."""
    if rate is None:
        rate = DEFAULT_DISCOUNT_RATE if kind == "discounted" else 0.0
    return Measure(kind, rate + 0.0)  # + 0.0: -0.0 is 0


def notes_of(inp: Inputs, uncertainty: bool) -> list[str]:
    """What loading set aside (`Inputs.notes`); those on uncertainty.csv only for a command that
    reads it (sweep, --risk)."""
    return [n for n in inp.notes if uncertainty or not n.startswith("uncertainty.csv")]


def dataset_notes(opts: SolveOptions) -> list[str]:
    """The notes of the dataset `opts` name, with its model file's overrides (for sweep)."""
    inp = load_scenario(opts)
    return notes_of(inp, uncertainty=True)


def load_scenario(opts: SolveOptions) -> Inputs:
    """The dataset `opts` name with the model file's overrides applied in order, refused when
    the overrides leave nothing to allocate (`refuse_empty`)."""
    inp = load_inputs(opts.inputs)
    if not opts.overrides:
        return inp
    source = str(opts.model_file)
    refuse_empty(inp, opts.overrides, source)
    return apply_overrides(inp, list(opts.overrides), source)


def refuse_empty(inp: Inputs, overrides: list[Override], source: str) -> None:
    """Refuse overrides that exclude every program or every pool: no LP is left to solve.

    Raises:
        UsageError: naming each override that removes one, in the model file's order.
    """
    for kind, rows, field_name in (
        ("program", inp.programs, "exclude_program"),
        ("pool", inp.pools, "exclude_pool"),
    ):
        hits = [(i, getattr(o, field_name)) for i, o in enumerate(overrides)]
        hits = [(i, name) for i, name in hits if name is not None]
        if {getattr(r, kind) for r in rows} <= {name for _, name in hits}:
            said = ", ".join(f"overrides[{i}] {field_name} {name}" for i, name in hits[:5])
            said += f" and {len(hits) - 5} more" if len(hits) > 5 else ""
            raise UsageError(
                f"{source}: nothing is left to allocate: its overrides remove every {kind} of "
                f"the dataset ({said}). Fix: delete one of these overrides"
            )


def plan(opts: SolveOptions) -> Run:
    """Load (with the model file's overrides), build and solve in memory; nothing is written."""
    if opts.decide_now:  # a two-stage plan: its own tables (studies/twostagerun.py)
        from allocator.studies.twostagerun import plan_two_stage

        return plan_two_stage(opts)
    t0 = time.perf_counter()
    inp = load_scenario(opts)
    load_s = time.perf_counter() - t0
    if opts.warn is not None:
        for note in notes_of(inp, uncertainty=opts.risk != "none"):
            opts.warn(note)
    robust = robust_spec(inp, opts) if opts.risk != "none" else None
    sol, timings = solve_inputs(
        inp,
        opts.objective,
        opts.weights,
        opts.targets,
        opts.solver,
        opts.warn,
        robust,
        opts.measured(),
    )
    tables = tables_of(inp, sol)
    info = run_info(inp, sol, opts, {"load": load_s, **timings})
    if robust is not None:
        rows = sol.rows.set_index("constraint")
        info["risk"] = {
            "kind": robust.kind,
            "beta": robust.beta,
            "cap": robust.cap,
            "scenarios": len(robust.scenarios),
            "seed": opts.seed,
            "objective": sol.objective_value,
            "jobs_nominal": sol.totals.get("jobs_nominal"),
            "reference_jobs": robust.reference,
            "jobs_unit": opts.measured().units()[0],
            "price_of_risk": float(rows.loc["cvar_cap", "shadow_price"])
            if "cvar_cap" in rows.index
            else None,
        }
        if robust.kind == "cvar":  # the tail shortfall reached, beside the cap
            info["risk"] |= cvar_info(sol, robust.reference, robust.beta, robust.cap)
        info["risk"] |= nominal_in_scenarios(sol, nominal_solution(inp, opts))
    return Run(inp, sol, tables, info)


def run_solve(opts: SolveOptions) -> Run:
    """Solve (see `plan`) and write a run folder atomically; raises AllocatorError subclasses."""
    if opts.out is not None:  # refuse before any work: nothing changes
        check_target(opts.out, opts.force, sources_of(opts))
        refuse_mount_point(opts.out)
    run = plan(opts)
    inp, sol, tables, info = run.inputs, run.solution, run.tables, run.info
    label = opts.name or Path(opts.inputs).name
    with output_faults(opts.results):
        folder = opts.out or default_run_dir(opts.results, label, opts.objective)
    lp = sol.lp

    def extra(f: Path) -> object:
        if opts.write_model:
            write_model(lp, objective_costs(lp, opts.objective, sol.weights or opts.weights), f)
        if opts.plots:
            from allocator.report.plots import write_plots  # matplotlib only when asked

            write_plots(tables, f, label)
        return None

    try:
        with atomic_run_dir(folder, opts.force, sources_of(opts)) as tmp:
            write_run(
                tmp,
                tables,
                info,
                extra,
                tables if "two_stage" in info else sheets_of(inp, sol, tables),
                assumptions=assumptions_of(inp),
            )
    except BaseException:
        if opts.out is None:  # the folder default_run_dir made: nothing of it is left behind
            release_run_dir(folder)
        raise
    run.folder = folder
    return run


def sources_of(opts: SolveOptions) -> list[tuple[str, Path | None]]:
    """The inputs a solve reads, which its output folder must keep clear of."""
    return [("dataset", Path(opts.inputs)), ("model file", opts.model_file)]


def run_info(
    inp: Inputs, sol: Solution, opts: SolveOptions, timings: dict[str, float]
) -> dict[str, Any]:
    """Everything needed to trust and repeat a run (no timestamps: the folder name has one)."""
    last = inp.last_milestone
    return {
        "status": sol.status,
        "objective": {
            "name": sol.objective,
            "value": sol.objective_value,
            "sense": "maximize",
            "unit": sol.objective_unit,
            "label": reports.objective_label(sol, last),
        },
        "measure": opts.measured().as_dict()
        | {"jobs_unit": opts.measured().units()[0], "exports_unit": opts.measured().units()[1]},
        "outcomes": {
            **{
                f"{kind}_{m.year}{unit}": sol.totals.get(f"{kind}@{m.year}", 0.0)
                for m in inp.milestones
                for kind, unit in (("jobs", ""), ("exports", "_musd"))
            },
            "least_weighted_target_shortfall": sol.totals.get("weighted_shortfall"),
            "objective_without_targets": sol.totals.get("objective_without_targets"),
        },
        "solver": sol.solver,
        "packages": packages(),
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "inputs": {
            "folder": str(opts.inputs),
            "number_style": inp.number_style,  # as settings.csv declares it; null: undeclared
            "sha256": dict(sorted(inp.file_hashes.items())),
        },
        "options": {
            "objective": opts.objective,
            "targets": opts.targets,
            "measure": opts.measure,
            "discount_rate": opts.measured().as_dict()["discount_rate"],
            "model_file": None if opts.model_file is None else str(opts.model_file),
            "model_file_sha256": None
            if opts.model_file is None
            else hashlib.sha256(Path(opts.model_file).read_bytes()).hexdigest(),
            "overrides": [o.model_dump(exclude_none=True) for o in opts.overrides],
            "solver": opts.solver,
            "weights": sol.weights,
            "write_model": opts.write_model,
            "force": opts.force,
        },
        "conventions": {
            "money": "US$ million (musd)",
            "shadow_price": "change of the objective per unit increase of the right-hand side",
            "reduced_cost": "change of the objective per unit increase of the variable's bound",
        },
    }


def packages() -> dict[str, str]:
    """Python's version and those of the packages a result depends on, as run.json records."""
    return {"python": platform.python_version(), **{p: version_of(p) for p in PACKAGES}}


def version_of(package: str) -> str:
    """The installed version of `package`, or "not installed"."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def nominal_solution(inp: Inputs, opts: SolveOptions) -> Solution:
    """The nominal plan of --risk (jobs, the run's targets, solver options and measure)."""
    return solve_inputs(
        inp, "jobs", targets=opts.targets, solver=opts.solver, measure=opts.measured()
    )[0]


def robust_spec(inp: Inputs, opts: SolveOptions) -> Robust:
    """Scenarios of jobs per US$ million and lags (Latin hypercube over uncertainty.csv), and
    for CVaR the nominal plan's jobs, from which each scenario's shortfall is counted."""
    from allocator.data.uncertainty import latin_hypercube, params_of

    if opts.objective != "jobs":
        raise UsageError("--risk plans for the jobs objective. Fix: use --objective jobs")
    if opts.risk not in ("cvar", "worst-case"):
        raise UsageError(f"unknown --risk '{opts.risk}'. Fix: use cvar or worst-case")
    if not 0 <= opts.beta < 1:
        raise UsageError(
            "--beta is the share of scenarios left out of the tail, in [0, 1). Fix: e.g. --beta 0.9"
        )
    params = [p for p in params_of(inp) if p.column in ("jobs_per_musd", "lag_years")]
    if not params:
        raise UsageError(
            "--risk needs ranges on jobs_per_musd or lag_years in uncertainty.csv. "
            "Fix: add them (see inputs/README.md)"
        )
    base = {p.program: (p.jobs_per_musd, p.lag_years) for p in inp.programs}
    scenarios = []
    for values in latin_hypercube(params, opts.scenarios, opts.seed):
        sc = dict(base)
        for p, v in zip(params, values, strict=True):
            prog = str(p.row.program)  # type: ignore[attr-defined]
            rate, lag = sc[prog]
            sc[prog] = (float(v), lag) if p.column == "jobs_per_musd" else (rate, int(v))
        scenarios.append(sc)
    reference = 0.0
    if opts.risk == "cvar":
        reference = nominal_solution(inp, opts).objective_value
    return Robust(opts.risk, tuple(scenarios), opts.beta, opts.cvar_cap, reference)
