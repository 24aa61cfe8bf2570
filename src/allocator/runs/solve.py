"""`allocator solve` as a run: `plan` loads, builds and solves a spec in memory; `solve` writes its
run folder through the shared wrapper (tables, workbook, report.html, run.json, and on request
model.lp/.mps and charts). A `--risk` run adds scenarios of uncertainty.csv (`robust_spec`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allocator.data.schema import Inputs, Program
from allocator.errors import UsageError
from allocator.model.constraints import Robust
from allocator.model.solution import Solution
from allocator.pipeline import sheets_of, solve_inputs, tables_of, tell_notes
from allocator.report.assumed import assumptions_of
from allocator.report.write import write_run
from allocator.runs.arguments import (
    check_risk_numbers,
    check_risk_size,
    check_scenarios,
    check_weights_given,
    spec_given,
)
from allocator.runs.common import Run, Study, run_info, run_study, scenario_of
from allocator.runs.notes import Warn, told
from allocator.runs.spec import RunSpec
from allocator.solver.compile import write_model
from allocator.solver.overlap import importing_after

if TYPE_CHECKING:
    from allocator.data.uncertainty import Param
    from allocator.model.robustsize import Widest

WRITERS = (
    "xlsxwriter",
    "allocator.report.book",
    "allocator.report.html",
    "allocator.report.corehtml",
    "allocator.report.studyhtml",
    "allocator.report.twostagehtml",
)
"""What writing a run folder imports on first use: imported while a large plan is solved
(`importing_after`, solver/overlap.py)."""


def plan(
    spec: RunSpec | Path | str | None = None, /, warn: Warn | None = None, **options: Any
) -> Run:
    """Load (with the model file's overrides), build and solve in memory; nothing is written.

    Args:
        spec: a `RunSpec`, or a model file (its options, `options` on top), or None (the
            bundled dataset, `options` on top), as `solve` takes it.
        warn: told each note of the dataset and each numerics warning (None: each as an
            `AllocatorWarning`, `runs/notes.py`).
        meanwhile: called with the run (its folder not yet set) once its other files are
            written, while the workbook may still be (the command line renders its summary
            there); an error of it fails the run, as an error writing a file does.
        options: `RunSpec` fields, e.g. `objective="exports"`.

    Returns:
        The run: its inputs, solution, tables (DataFrames) and run.json's content (no folder).
    """
    spec = spec_given(spec, options)
    check_options(spec)
    warn = told(warn)  # a Python caller's default: AllocatorWarning
    if spec.decide_now:  # a two-stage plan: its own tables (runs/twostage.py)
        from allocator.runs.twostage import plan_two_stage

        return plan_two_stage(spec, warn)
    t0 = time.perf_counter()
    inp = scenario_of(spec)
    return solved(inp, spec, warn, time.perf_counter() - t0)


def check_options(spec: RunSpec) -> None:
    """Refuse the options the run would ignore in silence (they would be recorded in run.json
    as if they held): weights without the weighted objective, two-stage and risk options
    without their plan."""
    from allocator.studies.daskclient import check_worker_count, check_workers

    check_worker_count(spec.workers)  # any plan: 0 is no count (a two-stage plan hung on it)
    if spec.decide_now:  # as sweep, core and alternatives: before the dataset is read
        check_workers(spec.workers, spec.scheduler)
    check_weights_only(spec)
    check_weights_given(spec)
    check_two_stage_only(spec)
    check_risk_only(spec)
    check_risk_numbers(spec.beta, spec.cvar_cap)
    check_scenarios(spec)
    from allocator.data.uncertainty import check_seed

    check_seed(spec.seed)  # before the dataset is read (it was said once the data had loaded)


def check_weights_only(spec: RunSpec) -> None:
    """Refuse weights other than the default for an objective that reads none (jobs, exports).
    A model file's weights are the weighted objective's: another objective drops them
    (`layered`), so these were given with the objective (`--weights`, a keyword)."""
    default = RunSpec.model_fields["weights"].get_default(call_default_factory=True)
    if spec.objective == "weighted" or spec.weights == default:
        return
    given = ",".join(f"{k}={v:g}" for k, v in spec.weights.items())
    raise UsageError(
        f"--weights {given} apply to --objective weighted only; the {spec.objective} "
        "objective reads no weights. Fix: add --objective weighted, or leave --weights out"
    )


def check_two_stage_only(spec: RunSpec) -> None:
    """Refuse the options that only a two-stage plan reads, given without --decide-now (they
    would be ignored in silence)."""
    given = [
        flag
        for flag, differs in (
            (f"--two-stage-method {spec.two_stage_method}", spec.two_stage_method != "equivalent"),
            (f"--workers {spec.workers}", spec.workers != 1),
            (f"--scheduler {spec.scheduler}", spec.scheduler is not None),
        )
        if differs
    ]
    if given and not spec.decide_now:
        raise UsageError(
            f"{' and '.join(given)} apply to a two-stage plan only. Fix: add --decide-now "
            "phase1 (or the leading phases to decide now), or leave them out"
        )


def check_risk_only(spec: RunSpec) -> None:
    """Refuse the options that only `--risk cvar` reads (`--cvar-cap`, `--beta`), or only a run
    over scenarios (`--scenarios`: --risk or --decide-now), given without it: ignored in silence,
    they were recorded in run.json as if they held."""
    cvar = [
        flag
        for flag, differs in (
            (
                f"--cvar-cap {spec.cvar_cap:g}" if spec.cvar_cap is not None else "",
                spec.cvar_cap is not None,
            ),
            (f"--beta {spec.beta:g}", spec.beta != RunSpec.model_fields["beta"].default),
        )
        if differs
    ]
    if cvar and spec.risk != "cvar":
        raise UsageError(
            f"{' and '.join(cvar)} apply to --risk cvar only. Fix: add --risk cvar, or leave "
            f"{'them' if len(cvar) > 1 else 'it'} out"
        )
    scenarios = spec.scenarios != RunSpec.model_fields["scenarios"].default
    if scenarios and spec.risk == "none" and not spec.decide_now:
        raise UsageError(
            f"--scenarios {spec.scenarios} applies to a run over scenarios only. Fix: add --risk "
            "cvar or worst-case (or --decide-now phase1), or leave it out"
        )


def solved(inp: Inputs, spec: RunSpec, warn: Warn | None, load_s: float) -> Run:
    """Build and solve the loaded scenario `inp` of `spec`: the run, in memory."""
    tell_notes(inp, warn, uncertainty=spec.risk != "none")
    robust = robust_spec(inp, spec) if spec.risk != "none" else None
    sol, timings = solve_inputs(
        inp,
        spec.objective,
        spec.weights,
        spec.targets,
        spec.solver,
        warn,
        robust,
        spec.measured(),
    )
    tables = tables_of(inp, sol)
    info = run_info(inp, sol, spec, {"load": load_s, **timings})
    if robust is not None:
        from allocator.report.tables import headline_label

        info["risk"] = risk_info(inp, sol, spec, robust)  # the value is over the scenarios:
        label = info["objective"]["label"]  # run.json's label says so, as the headline does
        info["objective"]["label"] = headline_label(label, info["risk"])
    return Run(inp, sol, tables, info)


def risk_info(inp: Inputs, sol: Solution, spec: RunSpec, robust: Robust) -> dict[str, Any]:
    """run.json's `risk`: the scenarios, the tail, and the nominal plan in the scenarios."""
    from allocator.report.risk import cvar_info, nominal_in_scenarios  # only with --risk

    rows = sol.rows.set_index("constraint")
    risk = {
        "kind": robust.kind,
        "beta": robust.beta,
        "cap": robust.cap,
        "scenarios": len(robust.scenarios),
        "seed": spec.seed,
        "objective": sol.objective_value,
        "jobs_nominal": sol.totals.get("jobs_nominal"),
        "reference_jobs": robust.reference,
        "jobs_unit": spec.measured().units()[0],
        "price_of_risk": float(rows["shadow_price"]["cvar_cap"])
        if "cvar_cap" in rows.index
        else None,
    }
    if robust.kind == "cvar":  # the tail shortfall reached, beside the cap
        risk |= cvar_info(sol, robust.reference, robust.beta, robust.cap)
    return risk | nominal_in_scenarios(sol, nominal_solution(inp, spec))


def solve(
    spec: RunSpec | Path | str | None = None,
    /,
    warn: Warn | None = None,
    meanwhile: Callable[[Run], object] | None = None,
    **options: Any,
) -> Run:
    """Solve a run and write its folder atomically (`allocator solve`).

    Args:
        spec: a `RunSpec`, or a model file (its options, `options` on top), or None (the
            bundled dataset, `options` on top).
        warn: told each note of the dataset and each numerics warning (None: each as an
            `AllocatorWarning`, `runs/notes.py`).
        meanwhile: called with the run (its folder not yet set) once its other files are
            written, while the workbook may still be (the command line renders its summary
            there); an error of it fails the run, as an error writing a file does.
        options: `RunSpec` fields, e.g. `objective="exports"`, `out=Path("run")`.

    Returns:
        The run: its inputs, solution, tables (DataFrames), run.json's content and its folder.

    Raises:
        AllocatorError: its subclasses, for input the user can fix and for a plan without an
            optimum (nothing is written).
    """
    spec = spec_given(spec, options)
    check_options(spec)
    warn = told(warn)  # a Python caller's default: AllocatorWarning
    loaded: dict[str, float] = {}

    def load() -> Inputs:
        t0 = time.perf_counter()
        inp = scenario_of(spec)
        loaded["s"] = time.perf_counter() - t0
        return inp

    def study(inp: Inputs) -> Study[Run]:
        if spec.decide_now:  # a two-stage plan (runs/twostage.py)
            from allocator.runs.twostage import plan_two_stage

            run = plan_two_stage(spec, warn)
        else:
            run = solved(inp, spec, warn, loaded["s"])
        return Study(run, run.info, lambda tmp, info: _write(tmp, run, spec, meanwhile))

    with importing_after(WRITERS):
        folder, done = run_study(spec, spec.objective, study, load=load)
    run: Run = done.result
    run.folder = folder
    return run


def _write(
    folder: Path, run: Run, spec: RunSpec, meanwhile: Callable[[Run], object] | None = None
) -> None:
    """A solve's files: tables, workbook, report.html, run.json, and what was asked for."""
    from allocator.report.bookfigures import two_stage_sheets  # its EVPI, VSS, objective
    from allocator.report.riskhtml import risk_sheets  # the workbook's `risk` sheet

    inp, sol, tables = run.inputs, run.solution, run.tables

    def extra(f: Path) -> object:
        if spec.write_model:
            if sol.view is None:
                raise ValueError("model.lp needs the solution's LP view (solve_lp gives it)")
            write_model(sol.view, sol.view.costs[spec.objective], f)  # weighted's too
        if spec.plots:
            from allocator.report.plots import write_plots  # matplotlib only when asked

            write_plots(tables, f, spec.label())
        return None

    write_run(
        folder,
        tables,
        run.info,
        extra,
        two_stage_sheets(run.info) | tables
        if "two_stage" in run.info
        else sheets_of(inp, sol, tables, run.info["objective"]["label"]) | risk_sheets(run.info),
        assumptions=assumptions_of(inp, tables),
        meanwhile=None if meanwhile is None else lambda: meanwhile(run),
    )


def nominal_solution(inp: Inputs, spec: RunSpec) -> Solution:
    """The nominal plan of --risk (jobs, the run's targets, solver options and measure)."""
    return solve_inputs(
        inp, "jobs", targets=spec.targets, solver=spec.solver, measure=spec.measured()
    )[0]


def robust_spec(inp: Inputs, spec: RunSpec) -> Robust:
    """Scenarios of jobs per US$ million and lags (Latin hypercube over uncertainty.csv), and
    for CVaR the nominal plan's jobs, from which each scenario's shortfall is counted."""
    from allocator.data.uncertainty import latin_hypercube
    from allocator.model.robustsize import scenario_size

    if spec.objective != "jobs":
        raise UsageError("--risk plans for the jobs objective. Fix: use --objective jobs")
    if spec.risk not in ("cvar", "worst-case"):
        raise UsageError(f"unknown --risk '{spec.risk}'. Fix: use cvar or worst-case")
    if not 0 <= spec.beta < 1:
        raise UsageError(
            "--beta is the share of scenarios left out of the tail, in [0, 1). Fix: e.g. --beta 0.9"
        )
    params = _risk_params(inp)
    widest = widest_scenario(inp, params)
    check_risk_size(spec, scenario_size(inp, spec.risk, spec.measured(), widest))
    base = {p.program: (p.jobs_per_musd, p.lag_years) for p in inp.programs}
    # both columns are programs.csv's: each row is a program
    programs = [str(p.row.program) for p in params if isinstance(p.row, Program)]
    scenarios = []
    for values in latin_hypercube(params, spec.scenarios, spec.seed):
        sc = dict(base)
        for prog, p, v in zip(programs, params, values, strict=True):
            rate, lag = sc[prog]
            sc[prog] = (float(v), lag) if p.column == "jobs_per_musd" else (rate, int(v))
        scenarios.append(sc)
    reference = 0.0
    if spec.risk == "cvar":
        reference = nominal_solution(inp, spec).objective_value
    return Robust(spec.risk, tuple(scenarios), spec.beta, spec.cvar_cap, reference)


def _risk_params(inp: Inputs) -> list[Param]:
    """uncertainty.csv's ranges on jobs_per_musd and lag_years, the numbers --risk draws.

    Raises:
        UsageError: there are none.
    """
    from allocator.data.uncertainty import params_of

    params = [p for p in params_of(inp) if p.column in ("jobs_per_musd", "lag_years")]
    if not params:
        raise UsageError(
            "--risk needs ranges on jobs_per_musd or lag_years in uncertainty.csv. "
            "Fix: add them (see inputs/README.md)"
        )
    return params


def widest_scenario(inp: Inputs, params: list[Param] | None = None) -> Widest:
    """The scenario of `inp`'s ranges (`params`, None: read them) whose rows hold the most
    entries (`model.robustsize.widest`), whose size bounds every drawn scenario's."""
    from allocator.model.robustsize import widest

    base = {p.program: (p.jobs_per_musd, p.lag_years) for p in inp.programs}
    ranges = [
        (str(p.row.program), p.column, p.low, p.high)
        for p in (_risk_params(inp) if params is None else params)
        if isinstance(p.row, Program)
    ]
    return widest(base, ranges)
