"""The pipeline as four calls: load -> build -> solve -> write. The CLI and the tests use this."""

from __future__ import annotations

import importlib.metadata
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from allocator import reports
from allocator.errors import InfeasibleError, UsageError
from allocator.explain import explain
from allocator.inputs import load_inputs
from allocator.model import OBJECTIVES, TARGET_MODES, build_model
from allocator.outputs import atomic_run_dir, check_target, default_run_dir, write_run
from allocator.schema import Inputs
from allocator.solve import Solution, compile_lp, objective_costs, solve_lp, write_model

PACKAGES = ("allocator", "pyomo", "highspy", "pandas", "numpy", "scipy", "pydantic", "openpyxl")


def default_inputs() -> Path:
    """The bundled baseline: ./inputs/peru2040 if present, else the copy shipped in the package."""
    here = Path("inputs/peru2040")
    if here.is_dir():
        return here
    packaged = Path(__file__).parent / "data" / "peru2040"
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
) -> tuple[Solution, dict[str, float]]:
    """Build and solve `inp`; returns the solution and the build/hand-off/solve timings (s).

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
    t0 = time.perf_counter()
    m, _sets = build_model(inp, targets)
    t1 = time.perf_counter()
    lp = compile_lp(m)
    t2 = time.perf_counter()
    try:
        sol = solve_lp(lp, objective, weights)
    except InfeasibleError as exc:
        if exc.diagnosis is not None:
            exc.details = explain(inp, lp, exc.diagnosis)  # type: ignore[arg-type]
        raise
    sol.lp = lp
    return sol, {"build": t1 - t0, "handoff": t2 - t1, "solve": time.perf_counter() - t2}


def tables_of(inp: Inputs, sol: Solution) -> dict[str, pd.DataFrame]:
    """Every output table of a run, by file name (without .csv)."""
    return {
        "allocation": reports.allocation(inp, sol),
        "allocation_by_phase": reports.allocation_by_phase(inp, sol),
        "outcomes": reports.outcomes(inp, sol),
        "shadow_prices": reports.shadow_prices(sol),
        "reduced_costs": reports.reduced_costs(sol),
        "sensitivity": reports.sensitivity(sol),
    }


def sheets_of(
    inp: Inputs, sol: Solution, tables: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Workbook sheets: every table, with Excel Solver's Answer and Sensitivity reports by name."""
    sheets = {name: frame for name, frame in tables.items() if name != "sensitivity"}
    sheets["Answer"] = reports.answer(sol, reports.objective_label(sol, inp.last_milestone))
    sheets["Sensitivity"] = tables["sensitivity"]
    return sheets


def run_solve(opts: SolveOptions) -> Run:
    """Load, build, solve and write a run folder; raises AllocatorError subclasses on failure."""
    out = opts.out
    if out is not None:
        check_target(out, opts.force)  # refuse before any work: nothing changes
    t0 = time.perf_counter()
    inp = load_inputs(opts.inputs)
    load_s = time.perf_counter() - t0
    sol, timings = solve_inputs(inp, opts.objective, opts.weights, opts.targets)
    tables = tables_of(inp, sol)
    folder = out or default_run_dir(opts.results, Path(opts.inputs).name, opts.objective)
    info = run_info(inp, sol, opts, {"load": load_s, **timings})
    t1 = time.perf_counter()
    lp = sol.lp
    extra = None
    if opts.write_model:

        def extra(f: Path) -> object:
            return write_model(
                lp, objective_costs(lp, opts.objective, sol.weights or opts.weights), f
            )

    with atomic_run_dir(folder, opts.force) as tmp:
        info["timings_s"]["write"] = round(time.perf_counter() - t1, 4)
        write_run(tmp, tables, info, extra, sheets_of(inp, sol, tables))
    return Run(inp, sol, tables, info, folder)


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
        "outcomes": {
            f"jobs_{last}": sol.totals.get("jobs", 0.0),
            f"exports_{last}_musd": sol.totals.get("exports", 0.0),
            "least_weighted_target_shortfall": sol.totals.get("weighted_shortfall"),
        },
        "solver": sol.solver,
        "packages": {"python": platform.python_version(), **{p: _version(p) for p in PACKAGES}},
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
        "inputs": {"folder": str(opts.inputs), "sha256": dict(sorted(inp.file_hashes.items()))},
        "options": {
            "objective": opts.objective,
            "targets": opts.targets,
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


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
