"""The pipeline as four calls: load -> build -> solve -> write. The CLI and the tests use this."""

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

from allocator.data.modelfile import load_dataset, load_model_file
from allocator.data.schema import Inputs
from allocator.errors import InfeasibleError, UsageError
from allocator.model.build import OBJECTIVES, TARGET_MODES
from allocator.model.constraints import Robust
from allocator.report import tables as reports
from allocator.report.explain import explained
from allocator.report.solution import Solution
from allocator.report.write import atomic_run_dir, check_target, default_run_dir, write_run
from allocator.solver.compile import build_lp, write_model
from allocator.solver.numerics import numerics_warnings
from allocator.solver.passes import apply_options, objective_costs
from allocator.solver.results import solve_lp

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
    lp, timings = build_lp(inp, targets, robust)
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
        sol = solve_lp(lp, objective, weights)
    except InfeasibleError as exc:
        raise explained(inp, exc) from None
    sol.lp = lp
    sol.solver["numerics_warnings"] = numerics
    timings["handoff"] += t2 - t1  # numerics checks and solver options
    return sol, timings | {"solve": time.perf_counter() - t2}


def tables_of(inp: Inputs, sol: Solution) -> dict[str, pd.DataFrame]:
    """Every output table of a run, by file name (without .csv). The allocation is computed once
    here; the tables built on it are given it."""
    alloc = reports.allocation(inp, sol)
    return {
        "allocation": alloc,
        "allocation_by_phase": reports.allocation_by_phase(inp, alloc),
        "outcomes": reports.outcomes(inp, sol, alloc),
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


def options_of(
    model: Path | None,
    inputs: Path | None,
    objective: str | None,
    weights: dict[str, float] | None,
    targets: str | None,
) -> SolveOptions:
    """Options from the model file (if any), then the given ones (those not None) on top."""
    base: dict[str, Any] = {"inputs": default_inputs()}
    if model is not None:
        mf, dataset = load_model_file(model)
        base = {
            "inputs": dataset,
            "objective": mf.objective,
            "weights": dict(mf.weights),
            "targets": mf.targets,
            "solver": mf.solver.highs(),
            "overrides": mf.overrides,
            "model_file": model,
            "name": mf.name or model.stem,
        }
    given = {"inputs": inputs, "objective": objective, "targets": targets, "weights": weights}
    return SolveOptions(**(base | {k: v for k, v in given.items() if v is not None}))


def plan(opts: SolveOptions) -> Run:
    """Load (with the model file's overrides), build and solve in memory; nothing is written."""
    t0 = time.perf_counter()
    inp = load_dataset(opts.inputs, opts.overrides, str(opts.model_file))
    load_s = time.perf_counter() - t0
    robust = robust_spec(inp, opts) if opts.risk != "none" else None
    sol, timings = solve_inputs(
        inp, opts.objective, opts.weights, opts.targets, opts.solver, opts.warn, robust
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
            "price_of_risk": float(rows.loc["cvar_cap", "shadow_price"])
            if "cvar_cap" in rows.index
            else None,
        }
    return Run(inp, sol, tables, info)


def run_solve(opts: SolveOptions) -> Run:
    """Solve (see `plan`) and write a run folder atomically; raises AllocatorError subclasses."""
    if opts.out is not None:  # refuse before any work: nothing changes
        check_target(opts.out, opts.force, sources_of(opts))
    run = plan(opts)
    inp, sol, tables, info = run.inputs, run.solution, run.tables, run.info
    label = opts.name or Path(opts.inputs).name
    folder = opts.out or default_run_dir(opts.results, label, opts.objective)
    lp = sol.lp

    def extra(f: Path) -> object:
        if opts.write_model:
            write_model(lp, objective_costs(lp, opts.objective, sol.weights or opts.weights), f)
        if opts.plots:
            write_plots(tables, f, label)
        return None

    with atomic_run_dir(folder, opts.force, sources_of(opts)) as tmp:
        write_run(tmp, tables, info, extra, sheets_of(inp, sol, tables))
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


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def write_plots(tables: dict[str, pd.DataFrame], folder: Path, label: str) -> list[Path]:
    """allocation.png (investment by phase and sector) and shadow_prices.png."""
    from allocator.report.plots import plot_allocation, plot_shadow_prices

    return [
        plot_allocation(
            tables["allocation"],
            folder / "allocation.png",
            f"Investment by phase and sector: {label}",
        ),
        plot_shadow_prices(
            tables["shadow_prices"],
            folder / "shadow_prices.png",
            f"Binding constraints by shadow price: {label}",
        ),
    ]


def run_frontier(opts: SolveOptions, points: int) -> tuple[Path, pd.DataFrame]:
    """Trace the frontier and write frontier.csv, frontier.png and run.json atomically."""
    from allocator.studies.frontier import frontier_table

    if opts.out is not None:
        check_target(opts.out, opts.force, sources_of(opts))
    inp = load_dataset(opts.inputs, opts.overrides, str(opts.model_file))
    lp, _ = build_lp(inp, opts.targets)
    apply_options(lp, opts.solver)
    table = frontier_table(inp, lp, points)
    label = opts.name or Path(opts.inputs).name
    folder = opts.out or default_run_dir(opts.results, label, "frontier")
    info = {
        "command": "frontier",
        "points": points,
        "targets": opts.targets,
        "inputs": {"folder": str(opts.inputs), "sha256": dict(sorted(inp.file_hashes.items()))},
        "packages": {"python": platform.python_version(), **{p: _version(p) for p in PACKAGES}},
    }
    with atomic_run_dir(folder, opts.force, sources_of(opts)) as tmp:
        write_run(tmp, {"frontier": table}, info, _frontier_plot(table), command="frontier")
    return folder, table


def _frontier_plot(table: pd.DataFrame) -> Any:
    def draw(folder: Path) -> object:
        from allocator.report.plots import plot_frontier

        return plot_frontier(table, folder / "frontier.png", "Jobs versus exports")

    return draw


def init_project(folder: Path) -> list[Path]:
    """Copy the baseline dataset and a model file into a new project folder, atomically."""
    import shutil

    label = "project folder"
    if folder.is_dir() and not folder.is_symlink() and any(folder.iterdir()):
        raise UsageError(f"{folder} exists and is not empty. Fix: choose a new folder")
    source = default_inputs()
    with atomic_run_dir(folder, False, [("dataset", source)], label) as tmp:
        shutil.copytree(source, tmp / "inputs")
        readme = Path(__file__).resolve().parents[2] / "inputs" / "README.md"
        if readme.is_file():
            shutil.copy(readme, tmp / "inputs" / "README.md")
        (tmp / "models").mkdir()
        _write_scenario(tmp / "models" / "scenario.yaml")
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _write_scenario(model: Path) -> None:
    model.write_text(
        "# A scenario: which dataset, which objective, and changes to the data.\n"
        "name: scenario\n"
        "description: Copy of the Peru 2040 baseline; edit the inputs and this file.\n"
        "dataset: ../inputs\n"
        "objective: jobs          # jobs, exports or weighted\n"
        "targets: soft            # off, soft or hard\n"
        "overrides: []\n"
        "# overrides:\n"
        "#   - scale_budget: {pool: scaleup, phase: phase2, factor: 0.8}\n"
        "#   - exclude_pool: korea\n"
        "#   - exclude_program: gold_processing\n"
        "#   - set_coefficient: {program: copper_processing, column: jobs_per_musd, value: 9}\n"
        "#   - group_limit: {dimension: sector, member: automotive, phase: all, max_musd: 3000}\n",
        encoding="utf-8",
    )


def compare_items(items: list[str], inputs: Path | None, targets: str | None) -> list[Any]:
    """A view per item: an objective name (solved on `inputs`), a model file, or a run folder."""
    return _views(_compare_plan(items, inputs, targets))


def _views(steps: list[tuple[str, SolveOptions | Path]]) -> list[Any]:
    from allocator.studies.compare import load_run, view_of

    views = []
    for item, what in steps:
        if isinstance(what, SolveOptions):
            run = plan(what)
            label = item if item in OBJECTIVES else Path(item).stem
            views.append(view_of(label, run.info, run.tables))
        else:
            views.append(load_run(what))
    return views


def _compare_plan(
    items: list[str], inputs: Path | None, targets: str | None
) -> list[tuple[str, SolveOptions | Path]]:
    """Each item with what it needs: the options to solve it, or the run folder to read."""
    steps: list[tuple[str, SolveOptions | Path]] = []
    for item in items:
        path = Path(item)
        if item in OBJECTIVES:
            steps.append((item, options_of(None, inputs, item, None, targets)))
        elif path.suffix in (".yaml", ".yml"):
            steps.append((item, options_of(path, inputs, None, None, targets)))
        elif path.is_dir():
            steps.append((item, path))
        else:
            raise UsageError(
                f"'{item}' is not an objective ({', '.join(OBJECTIVES)}), a model "
                "file (.yaml) or a run folder. Fix: name one of those"
            )
    return steps


def run_compare(
    items: list[str], inputs: Path | None, targets: str | None, out: Path | None, force: bool
) -> tuple[Path, pd.DataFrame]:
    """Compare the items and write compare.csv, compare.xlsx and run.json atomically; the folder
    is checked against every input (datasets, model files, run folders) before any solve."""
    from allocator.report.write import write_run_json
    from allocator.studies.compare import compare, write_compare

    steps = _compare_plan(items, inputs, targets)
    sources: list[tuple[str, Path | None]] = []
    for _, what in steps:
        sources += sources_of(what) if isinstance(what, SolveOptions) else [("run folder", what)]
    folder = out or default_run_dir(
        Path("results"), "compare", "-".join(Path(i).stem for i in items)[:60]
    )
    if out is not None:
        check_target(out, force, sources)
    table = compare(_views(steps))
    info = {
        "command": "compare",
        "items": items,
        "targets": targets,
        "packages": {"python": platform.python_version(), **{p: _version(p) for p in PACKAGES}},
    }
    with atomic_run_dir(folder, force, sources) as tmp:
        write_compare(table, tmp)
        write_run_json(info, tmp, "compare")
    return folder, table


def options_of_run(folder: Path) -> SolveOptions:
    """The options a run folder's run.json records, to repeat it."""
    import json

    path = folder / "run.json"
    if not path.is_file():
        raise UsageError(f"{folder} has no run.json. Fix: pass a folder written by allocator solve")
    info = json.loads(path.read_text(encoding="utf-8"))
    if info.get("command", "solve") != "solve":
        raise UsageError(
            f"{folder} was written by allocator {info['command']}, not solve. "
            "Fix: pass a folder written by allocator solve"
        )
    o = info.get("options", {})
    opts = SolveOptions(
        inputs=Path(info["inputs"]["folder"]),
        objective=o.get("objective", "jobs"),
        targets=o.get("targets", "soft"),
        solver=o.get("solver") or {},
    )
    if o.get("weights"):
        opts.weights = o["weights"]
    if o.get("model_file"):
        model, _ = load_model_file(Path(o["model_file"]))
        opts.model_file, opts.overrides = Path(o["model_file"]), model.overrides
    return opts


def check_against(folder: Path) -> list[str]:
    """Re-run what `folder` records and list every difference: inputs, versions, tables."""
    import json
    import tempfile

    from allocator.report.write import write_csv

    info = (
        json.loads((folder / "run.json").read_text(encoding="utf-8"))
        if (folder / "run.json").is_file()
        else {}
    )
    opts = options_of_run(folder)
    run = plan(opts)
    now = run.inputs.file_hashes
    diffs = [
        f"input {name} changed: sha256 {old[:12]}... then, {now.get(name, 'missing')[:12]}... now"
        for name, old in info["inputs"]["sha256"].items()
        if now.get(name) != old
    ]
    diffs += [
        f"package {p}: {v} then, {run.info['packages'].get(p)} now"
        for p, v in info.get("packages", {}).items()
        if run.info["packages"].get(p) != v
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in run.tables.items():
            new, old = Path(tmp) / f"{name}.csv", folder / f"{name}.csv"
            write_csv(frame, new)
            diffs += _file_diff(old, new)
    return diffs


def _file_diff(old: Path, new: Path) -> list[str]:
    if not old.is_file():
        return [f"{old.name}: missing from the run folder"]
    a, b = old.read_bytes().splitlines(), new.read_bytes().splitlines()
    if a == b:
        return []
    row = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return [f"{old.name}: differs from row {row + 1} ({len(a)} rows then, {len(b)} now)"]


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
        nominal, _ = solve_inputs(inp, "jobs", targets=opts.targets, solver=opts.solver)
        reference = nominal.objective_value
    return Robust(opts.risk, tuple(scenarios), opts.beta, opts.cvar_cap, reference)
