"""Command line: thin typer commands that call the pipeline and map errors to exit codes.

Exit codes: 0 solved, 1 infeasible or unbounded, 2 bad input or usage, 130 interrupted.
Heavy modules (pyomo, highspy, pandas) are imported inside commands so `--help` stays fast.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from allocator.pipeline import Run, SolveOptions

app = typer.Typer(
    name="allocator",
    help="Turn a national investment strategy into an optimal, explainable allocation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# Data (names, sources, paths, references) is printed as written: emoji codes such as `:x:` are
# off, and every user-supplied string goes through `escape` so brackets are not read as markup.
out = Console(soft_wrap=True, emoji=False)  # lines never break mid-sentence; tables still fit
err = Console(stderr=True, emoji=False)


@app.callback()
def _root() -> None:
    """Turn a national investment strategy into an optimal, explainable allocation."""


@contextmanager
def exit_codes() -> Iterator[None]:
    """One line on stderr and the right exit code for every error the user can act on."""
    from allocator.errors import AllocatorError

    try:
        yield
    except AllocatorError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        for line in getattr(exc, "details", []):
            err.print(escape(line), highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except (KeyboardInterrupt, Exception) as exc:
        if not _caused_by_interrupt(exc):
            raise
        err.print("interrupted: no run folder was written")
        raise typer.Exit(130) from None


def _caused_by_interrupt(exc: BaseException) -> bool:
    """An error raised because Ctrl-C (or SIGTERM) landed inside it, e.g. an ImportError when the
    signal arrived while a compiled module was being initialised."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _weights(text: str) -> dict[str, float]:
    """`jobs=0.7,exports=0.3`, each number by the rule of a data cell, the weights by the rule
    model files follow too (checks.check_weights)."""
    from allocator.data.checks import check_weights
    from allocator.data.numbers import parse_number
    from allocator.errors import UsageError

    weights = {}
    try:
        for part in text.split(","):
            name, equals, value = part.partition("=")
            if not equals:
                raise ValueError(f"'{part}' is not name=number")
            weights[name.strip()] = parse_number(value, {"": 1.0})
        return check_weights(weights)
    except ValueError as exc:
        fix = getattr(exc, "fix", None) or (
            "give jobs and exports weights from 0 to 1e6, not all 0, "
            "e.g. --weights jobs=0.7,exports=0.3"
        )
        raise UsageError(f"--weights '{text}': {exc}. Fix: {fix}") from None


def _risk_numbers(beta: float, cvar_cap: float | None) -> None:
    """--beta and --cvar-cap, refused before any work (float() reads nan and inf as numbers)."""
    from allocator.data.schema import MAX_JOBS
    from allocator.errors import UsageError

    if not 0 <= beta < 1:  # also refuses nan, for which every comparison is false
        raise UsageError(
            f"--beta {beta} is not in [0, 1): it is the share of scenarios left out of the "
            "tail. Fix: e.g. --beta 0.9"
        )
    if cvar_cap is not None and not math.isfinite(cvar_cap):
        raise UsageError(
            f"--cvar-cap {cvar_cap} is not a finite number. Fix: give the most expected jobs "
            "shortfall in the tail, e.g. --cvar-cap 20000, or leave it out for no cap"
        )
    if cvar_cap is not None and abs(cvar_cap) > MAX_JOBS:
        raise UsageError(
            f"--cvar-cap {cvar_cap:g} is not at most {MAX_JOBS:g} jobs in size. "
            "Fix: give a cap in jobs, e.g. --cvar-cap 20000, or leave it out for no cap"
        )


INPUTS_HELP = "Dataset folder (default: the model file's, else the bundled inputs/peru2040)."


@app.command()
def solve(
    model: Annotated[
        Path | None, typer.Argument(help="Model file (models/*.yaml); options below override it.")
    ] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    objective: Annotated[str | None, typer.Option(help="jobs, exports or weighted.")] = None,
    weights: Annotated[
        str | None,
        typer.Option(help="Weights of the weighted objective, e.g. jobs=0.5,exports=0.5."),
    ] = None,
    targets: Annotated[
        str | None, typer.Option(help="Milestone targets: off, soft or hard.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Run folder to write (default: a new folder under results/)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    write_model: Annotated[bool, typer.Option(help="Also write model.lp and model.mps.")] = False,
    plots: Annotated[bool, typer.Option(help="Also write PNG charts into the run folder.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable summary instead of tables.")
    ] = False,
    check_against: Annotated[
        Path | None,
        typer.Option(help="Re-run what this run folder records and report any difference."),
    ] = None,
    risk: Annotated[
        str,
        typer.Option(
            help="none, cvar or worst-case: a jobs plan robust over "
            "scenarios drawn from uncertainty.csv."
        ),
    ] = "none",
    beta: Annotated[float, typer.Option(help="CVaR: the tail is the worst 1 - beta share.")] = 0.9,
    cvar_cap: Annotated[
        float | None,
        typer.Option(
            help="CVaR: most expected jobs shortfall (against the nominal plan) in the tail."
        ),
    ] = None,
    scenarios: Annotated[int, typer.Option(min=2, help="Scenarios for --risk.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the --risk scenarios.")] = 0,
) -> None:
    """Solve the allocation LP and write a run folder of tables."""
    with exit_codes():
        from allocator.pipeline import run_solve

        if check_against is not None:
            _check_against(check_against)
            return

        _risk_numbers(beta, cvar_cap)
        opts = solve_options(model, inputs, objective, weights, targets)
        opts.out, opts.force, opts.write_model, opts.plots = out, force, write_model, plots
        opts.warn = _warn
        opts.risk, opts.beta, opts.cvar_cap, opts.scenarios, opts.seed = (
            risk,
            beta,
            cvar_cap,
            scenarios,
            seed,
        )
        run = run_solve(opts)
        if as_json:
            print_json(run_summary(run))
        else:
            show_run(run)


def _warn(message: str) -> None:
    err.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _check_against(folder: Path) -> None:
    from allocator.errors import NotOptimalError
    from allocator.recheck import check_against

    diffs = check_against(folder)
    if diffs:
        for line in diffs:
            err.print(f"  - {escape(line)}", highlight=False, soft_wrap=True)
        raise NotOptimalError(f"the re-run differs from {folder} in {len(diffs)} place(s) above")
    out.print(
        f"[bold green]identical[/]: re-running {escape(str(folder))} gives the same inputs, "
        "package versions and tables, byte for byte"
    )


def solve_options(
    model: Path | None,
    inputs: Path | None,
    objective: str | None,
    weights: str | None,
    targets: str | None,
) -> SolveOptions:
    """Options from the model file (if any), then the command line on top."""
    from allocator.pipeline import options_of

    return options_of(
        model, inputs, objective, None if weights is None else _weights(weights), targets
    )


def run_summary(run: Run) -> dict[str, Any]:
    """What a script needs from a run: status, objective, outcomes, folder, top prices."""
    from allocator.report import tables as reports

    top = reports.top_shadow_prices(run.tables["shadow_prices"], 10)
    return {
        "status": run.solution.status,
        "objective": run.info["objective"],
        "outcomes": run.info["outcomes"],
        "run_folder": None if run.folder is None else str(run.folder),
        "top_shadow_prices": [
            {
                "constraint": r.constraint,
                "description": r.description,
                "shadow_price": r.shadow_price,
                "unit": r.unit,
            }
            for r in top.itertuples()
        ],
    }


def print_json(data: object) -> None:
    """JSON on stdout, nothing else."""
    from allocator.report.write import json_text  # strict: no bare NaN for a script to choke on

    sys.stdout.write(json_text(data) + "\n")


@app.command()
def compare(
    items: Annotated[
        list[str],
        typer.Argument(
            help="Objectives (jobs, exports, weighted), model files (.yaml) or run folders."
        ),
    ],
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    targets: Annotated[
        str | None, typer.Option(help="Milestone targets: off, soft or hard.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for compare.csv and compare.xlsx.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
) -> None:
    """Compare plans side by side: objectives, outcomes, sector x phase, prices, differences."""
    with exit_codes():
        from allocator.comparison import run_compare
        from allocator.studies.compare import show_compare

        if len(items) < 2:
            from allocator.errors import UsageError

            raise UsageError(
                "compare needs at least two items. Fix: e.g. allocator compare jobs exports"
            )
        folder, table = run_compare(items, inputs, targets, out_dir, force)
        if as_json:
            print_json(table.to_dict(orient="records"))
        else:
            show_compare(table, out)
            out.print(f"Wrote [bold]{escape(str(folder))}[/]: compare.csv, compare.xlsx, run.json")


@app.command()
def sweep(
    model: Annotated[Path | None, typer.Argument(help="Model file (models/*.yaml).")] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    samples: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="Latin hypercube samples.")
    ] = 100,
    seed: Annotated[
        int, typer.Option(help="Seed of the samples: the same seed draws the same.")
    ] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Address of an existing Dask scheduler (default: a LocalCluster on this machine)."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes of the LocalCluster.")] = 2,
    objective: Annotated[str | None, typer.Option(help="jobs or exports.")] = None,
    targets: Annotated[
        str | None, typer.Option(help="Milestone targets: off, soft or hard.")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Sweep folder.")] = None,
    resume: Annotated[bool, typer.Option(help="Continue the sweep in --out.")] = False,
    serial: Annotated[bool, typer.Option(help="Solve in this process, without Dask.")] = False,
) -> None:
    """Re-solve the plan for sampled values of its uncertain numbers (uncertainty.csv)."""
    with exit_codes():
        from allocator.errors import UsageError
        from allocator.report.folders import output_faults
        from allocator.report.write import default_run_dir
        from allocator.studies.sweeprun import run_sweep, summarise

        opts = solve_options(model, inputs, objective, None, targets)
        if resume and out_dir is None:
            raise UsageError("--resume continues a sweep in --out. Fix: give --out DIR")
        folder = out_dir or default_run_dir(
            opts.results, opts.name or Path(opts.inputs).name, "sweep"
        )
        spec = {
            "inputs": str(opts.inputs),
            "objective": opts.objective,
            "targets": opts.targets,
            "model_file": None if opts.model_file is None else str(opts.model_file),
        }
        faults = output_faults(folder)  # a full disk mid-sweep: one line; --resume continues
        with faults, _progress(samples) as advance:
            table = run_sweep(
                spec, samples, seed, folder, scheduler, workers, resume, advance, serial
            )
        from allocator.report.plots import plot_sweep

        with output_faults(folder):
            summary = summarise(folder)
            plot_sweep(table, folder / "sweep.png", f"{samples:,} sampled plans")
        show_sweep(summary, table)
        out.print(
            f"Wrote [bold]{escape(str(folder))}[/]: "
            + ", ".join(sorted(p.name for p in folder.iterdir()))
        )


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, advanced by `advance(done, total)`; none when stderr is no
    terminal, where it could not be erased and would leave a blank line before an error."""
    if not err.is_terminal:
        yield lambda _done, _total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("samples", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def show_sweep(summary: Any, table: Any) -> None:
    """Spread of jobs and exports, failed samples, and the least stable programs."""
    failed = int((table["status"] != "optimal").sum())
    for r in summary.itertuples():
        if r.item in ("jobs", "exports_musd") and r.samples:
            out.print(
                f"  {r.item}: P5 {r.p5:,.0f}, P50 {r.p50:,.0f}, P95 {r.p95:,.0f} {r.unit} "
                f"({r.samples:,} optimal samples)",
                markup=False,
            )
    out.print(
        f"  failed samples: {failed:,}"
        + (
            ""
            if not failed
            else f" ({', '.join(sorted(set(table.loc[table['status'] != 'optimal', 'status'])))})"
        ),
        markup=False,
    )
    progs = summary[summary["item"].str.startswith("program ")].copy()
    if len(progs):
        progs["spread"] = progs["p95"] - progs["p5"]
        for r in progs.sort_values("spread", ascending=False).head(5).itertuples():
            out.print(
                f"  {r.item}: funded in {r.funded_share:.0%} of samples, P5 {r.p5:,.0f} to "
                f"P95 {r.p95:,.0f} US$ million",
                markup=False,
            )


@app.command()
def frontier(
    model: Annotated[Path | None, typer.Argument(help="Model file (models/*.yaml).")] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    points: Annotated[int, typer.Option(min=2, max=200, help="Points on the frontier.")] = 11,
    targets: Annotated[
        str | None, typer.Option(help="Milestone targets: off, soft or hard.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder to write (default: under results/).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
) -> None:
    """Trace the jobs-versus-exports Pareto frontier (epsilon-constraint, warm re-solves)."""
    with exit_codes():
        from allocator.tradeoff import run_frontier

        opts = solve_options(model, inputs, None, None, targets)
        opts.out, opts.force = out_dir, force
        folder, table = run_frontier(opts, points)
        show_frontier(table)
        out.print(
            f"Wrote [bold]{escape(str(folder))}[/]: "
            + ", ".join(sorted(p.name for p in folder.iterdir()))
        )


def show_frontier(table: Any) -> None:
    """Points of the frontier with their trade-off rate."""
    from rich.table import Table

    year = int(table["year"].iloc[0])
    grid = Table(title=f"Jobs versus exports in {year}", title_justify="left")
    for col in (
        "point",
        f"exports {year} (US$ million)",
        f"jobs {year}",
        "jobs given up per extra US$ million of exports",
    ):
        grid.add_column(col, justify="right")
    for r in table.itertuples():
        grid.add_row(
            str(r.point),
            f"{r.exports_musd:,.1f}",
            f"{r.jobs:,.0f}",
            f"{r.tradeoff_jobs_per_musd_exports:,.4g}",
        )
    out.print(grid)
    if len(table) == 1:
        out.print("One plan is best for both jobs and exports: there is no trade-off to trace.")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="New project folder to create.")],
) -> None:
    """Start a new country or scenario from a copy of the baseline dataset and a model file."""
    with exit_codes():
        from allocator.project import init_project

        made = init_project(folder)
        out.print(
            f"[bold green]Created[/] {escape(str(folder))}: "
            + escape(", ".join(str(p.relative_to(folder)) for p in made))
        )
        out.print(
            "Next:\n"
            f"  1. Edit {folder}/inputs/*.csv (see inputs/README.md there): phases.csv and "
            "milestones.csv first, then programs.csv, pools.csv and eligibility.csv; give every "
            "row a source.\n"
            f"  2. allocator check --inputs {folder}/inputs   (validates and lists assumptions)\n"
            f"  3. Edit {folder}/models/scenario.yaml (objective, targets, overrides).\n"
            f"  4. allocator solve {folder}/models/scenario.yaml",
            markup=False,
        )


TARGETS_HELP = (
    "Milestone targets: off (ignored), soft (least weighted shortfall first, then the "
    "objective) or hard (must be met; an unmet target is explained)."
)


@app.command()
def explain(
    inputs: Annotated[
        Path | None, typer.Option(help="Dataset folder (default: the bundled inputs/peru2040).")
    ] = None,
    objective: Annotated[str, typer.Option(help="jobs, exports or weighted.")] = "jobs",
    targets: Annotated[str, typer.Option(help=TARGETS_HELP)] = "hard",
) -> None:
    """Say why a plan is infeasible (conflicting constraints, smallest fix); writes nothing.

    Exit 0 when the plan is feasible, 1 when it is not (with the explanation), 2 on bad input.
    """
    with exit_codes():
        from allocator.data.inputs import load_inputs
        from allocator.pipeline import default_inputs, solve_inputs

        folder = inputs or default_inputs()
        sol, _ = solve_inputs(load_inputs(folder), objective, targets=targets)
        out.print(
            f"[bold green]feasible[/]: {escape(str(folder))} with --targets {targets} "
            f"has an optimal plan ({sol.objective_value:,.6g} {sol.objective_unit}); "
            "nothing to explain"
        )


@app.command()
def check(
    inputs: Annotated[
        Path | None, typer.Option(help="Dataset folder (default: the bundled inputs/peru2040).")
    ] = None,
) -> None:
    """Validate a dataset without solving, then audit it: disagreements and assumptions.

    Exit 0 when the dataset is usable (disagreements and assumptions are warnings), 2 when not.
    """
    with exit_codes():
        from allocator.data.audit import audit
        from allocator.data.inputs import load_inputs
        from allocator.data.uncertainty import check_uncertainty
        from allocator.pipeline import default_inputs

        folder = inputs or default_inputs()
        inp = load_inputs(folder)
        check_uncertainty(inp)  # read only by sweep and --risk: refuse here what they refuse
        report = audit(inp)
        out.print(
            f"[bold green]usable[/]: {escape(str(folder))}: {len(inp.programs)} programs, "
            f"{len({p.pool for p in inp.pools})} pools, {len(inp.phases)} phases "
            f"({inp.years[0]}-{inp.years[-1]}), {len(inp.targets)} targets, "
            f"{len(inp.facts)} cited facts"
        )
        show_audit(report)


def show_audit(report: object) -> None:
    """Disagreements with both numbers and citations, agreeing totals, warnings, assumptions."""
    bad = report.disagreements  # type: ignore[attr-defined]
    good = [c for c in report.comparisons if c.agrees]  # type: ignore[attr-defined]
    out.print(f"\n[bold]Disagreements found by arithmetic on cited numbers ({len(bad)})[/]")
    for c in bad:
        out.print(f"  [yellow]![/] {escape(c.describe())}", highlight=False)
    out.print(f"\n[bold]Stated totals and repeated figures that agree ({len(good)})[/]")
    for c in good:
        out.print(
            f"  [green]=[/] {escape(c.fact.fact)}: {c.fact.value:,.6g} {c.fact.unit}",
            highlight=False,
        )
    warns = report.warnings  # type: ignore[attr-defined]
    out.print(f"\n[bold]Warnings ({len(warns)})[/]")
    for w in warns:
        out.print(f"  [yellow]![/] {escape(w)}", highlight=False)
    assumed = report.assumptions  # type: ignore[attr-defined]
    out.print(f"\n[bold]Assumptions: numbers with no seed behind them ({len(assumed)})[/]")
    for a in assumed:
        out.print(f"  - {a.file} row {a.line} ({escape(a.key)}): {escape(a.text)}", highlight=False)


def show_run(run: Run) -> None:
    """Objective with its unit, allocation by sector and phase, the ten largest shadow prices."""
    from rich.table import Table

    from allocator.report import tables as reports

    sol, inp = run.solution, run.inputs
    last = inp.last_milestone
    out.print(
        f"[bold green]Optimal[/] ({escape(run.inputs.folder)}, objective {sol.objective}): "
        f"[bold]{sol.objective_value:,.{_digits(sol.objective_value)}f}[/] "
        f"{_headline(run)}"
    )
    out.print(
        f"  jobs in {last}: {sol.totals.get('jobs', 0):,.0f} jobs; "
        f"exports in {last}: {sol.totals.get('exports', 0):,.0f} US$ million"
    )
    table = Table(title="Investment by sector and phase (US$ million)", title_justify="left")
    grid = reports.sector_by_phase(
        run.tables["allocation"],
        [p.phase for p in inp.phases],
        sorted({p.sector for p in inp.programs}),
    )
    grid["total"] = grid.sum(axis=1)
    table.add_column("sector")
    for col in grid.columns:
        table.add_column(str(col), justify="right")
    for sector, row in grid.iterrows():
        table.add_row(escape(str(sector)), *[f"{v:,.0f}" for v in row])
    table.add_row("[bold]total[/]", *[f"[bold]{v:,.0f}[/]" for v in grid.sum(axis=0)])
    out.print(table)
    if "risk" in run.info:
        _show_risk(run.info["risk"])
    _show_shortfalls(run.tables["outcomes"])
    _show_prices(reports.top_shadow_prices(run.tables["shadow_prices"]), sol)
    if run.folder is not None:
        out.print(
            f"Wrote [bold]{escape(str(run.folder))}[/]: "
            + ", ".join(sorted(p.name for p in run.folder.iterdir()))
        )


def _headline(run: Run) -> str:
    from allocator.report import tables as reports

    label = reports.objective_label(run.solution, run.inputs.last_milestone)
    risk = run.info.get("risk")
    if risk is None:
        return label
    which = "expected" if risk["kind"] == "cvar" else "worst-scenario"
    return f"{which} {label} over {risk['scenarios']} scenarios"


def _show_risk(risk: dict[str, Any]) -> None:
    if risk["kind"] == "worst-case":
        out.print(
            f"[bold]Robust plan[/] (worst case of {risk['scenarios']} scenarios): the worst "
            f"scenario reaches {risk['objective']:,.0f} jobs; the nominal data give "
            f"{risk['jobs_nominal']:,.0f}"
        )
        return
    out.print(
        f"[bold]Robust plan[/] (CVaR, beta {risk['beta']:g}, {risk['scenarios']} scenarios): "
        f"expected jobs {risk['objective']:,.0f}; nominal jobs {risk['jobs_nominal']:,.0f}; "
        f"price of risk {risk['price_of_risk']:,.4g} jobs of expected value per job of "
        "CVaR cap"
    )


def _show_shortfalls(outcomes: object) -> None:
    """The targets the plan does not reach, and by how much."""
    missed = []
    for r in outcomes.itertuples():  # type: ignore[attr-defined]
        for kind, unit, target, short, got in (
            ("jobs", "jobs", r.jobs_target, r.jobs_shortfall, r.jobs),
            (
                "exports",
                "US$ million",
                r.exports_target_musd,
                r.exports_shortfall_musd,
                r.exports_musd,
            ),
        ):
            if short == short and short is not None and short > 1e-6:  # not NaN, not met
                missed.append(
                    f"  {kind} of {r.dimension} {r.member} in {r.year}: target "
                    f"{target:,.0f}, reached {got:,.0f}, short by {short:,.0f} {unit}"
                )
    if missed:
        out.print(f"[bold]Targets this plan does not reach ({len(missed)})[/]")
        for line in missed:
            out.print(escape(line), highlight=False)
    else:
        out.print("[bold]Every target is reached.[/]")


def _show_prices(top: object, sol: object) -> None:
    from rich.table import Table

    unit = sol.objective_unit  # type: ignore[attr-defined]
    table = Table(
        title=f"Largest shadow prices: what 1 US$ million more of a limit does to "
        f"the objective ({unit} per musd)",
        title_justify="left",
    )
    table.add_column("binding constraint, in plain words", ratio=3)
    table.add_column(f"+1 musd gives ({unit})", justify="right", no_wrap=True)
    table.add_column("row in model.lp", overflow="fold", ratio=2)
    for r in top.itertuples():  # type: ignore[attr-defined]
        table.add_row(escape(r.description), f"{r.shadow_price:+,.4g}", escape(r.constraint))
    out.print(table)


def _digits(value: float) -> int:
    return 0 if abs(value) >= 100 else 4


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    """Console-script entry point. SIGTERM unwinds like Ctrl-C, so a half-written run folder is
    removed in either case."""
    import signal

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        sys.exit(app())
    except (KeyboardInterrupt, Exception) as exc:  # between commands: nothing written yet
        if not _caused_by_interrupt(exc):
            raise
        err.print("interrupted: no run folder was written")
        sys.exit(130)


if __name__ == "__main__":
    main()
