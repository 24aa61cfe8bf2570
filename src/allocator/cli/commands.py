"""The commands of a plan and of a dataset: solve, compare, frontier, init, explain and check,
each a thin typer command that calls `runs/` (options are read in `options`, printed in `render`;
errors become exit codes in `exits`). The app, its group and `main` are `root`'s (importable from
here as before), the shared option types `aliases`'. Heavy modules (pyomo, highspy, pandas) are
imported inside commands so `--help` stays fast.

The modules that define commands (this one, books, core, freedom, replan, serve) do without
`from __future__ import annotations`: typer then reads each option's annotation as an object
instead of evaluating its text twice (building the commands for `--help`: 20 -> 6 ms). A name
used only in an annotation and imported under TYPE_CHECKING is written in quotes.
"""

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allocator.cli.aliases import DatasetSets as DatasetSets
from allocator.cli.aliases import Measure as Measure
from allocator.cli.aliases import Rate as Rate
from allocator.cli.aliases import Sets as Sets
from allocator.cli.console import out, shown
from allocator.cli.exits import exit_codes
from allocator.cli.helps import (
    CVAR_CAP_HELP,
    INPUTS_HELP,
    MEASURE_HELP,
    OBJECTIVE_HELP,
    RATE_HELP,
    TARGETS_HELP,
    Command,
    without_model_file,
)
from allocator.cli.options import risk_numbers, run_spec, with_sets
from allocator.cli.render import (
    print_json,
    run_summary,
    run_summary_text,
    show_audit,
    show_frontier,
    show_run,
    warn,
)
from allocator.cli.root import PLUGINS_ENV as PLUGINS_ENV  # importable from here as before
from allocator.cli.root import app as app
from allocator.cli.root import main as main
from allocator.runs.optiontext import number_of

if TYPE_CHECKING:
    from allocator.runs.common import Run


@app.command(cls=Command)
def solve(
    ctx: typer.Context,
    model: Annotated[
        Path | None, typer.Argument(help="Model file (models/*.yaml); options below override it.")
    ] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    objective: Annotated[str | None, typer.Option(help=OBJECTIVE_HELP)] = None,
    weights: Annotated[
        str | None,
        typer.Option(help="Weights of the weighted objective, e.g. jobs=0.5,exports=0.5."),
    ] = None,
    targets: Annotated[str | None, typer.Option(help=TARGETS_HELP)] = None,
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
    beta_text: Annotated[
        str,
        typer.Option("--beta", help="CVaR: the tail is the worst 1 - beta share.", metavar="SHARE"),
    ] = "0.9",
    cvar_cap_text: Annotated[
        str | None, typer.Option("--cvar-cap", help=CVAR_CAP_HELP, metavar="JOBS")
    ] = None,
    scenarios: Annotated[
        int,
        typer.Option(
            help="Scenarios for --risk (2 to 10,000) and --decide-now (2 to 1,000).",
        ),
    ] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the --risk and --decide-now scenarios.")] = 0,
    measure: Measure = None,
    discount_rate: Rate = None,
    cell_sets: Sets = None,
    decide_now: Annotated[
        str | None,
        typer.Option(
            help="Leading phases decided now, e.g. phase1 or phase1,phase2: a two-stage plan "
            "whose later phases adapt to --scenarios drawn from uncertainty.csv (--seed).",
            metavar="PHASES",
        ),
    ] = None,
    two_stage_method: Annotated[
        str | None,
        typer.Option(
            help="--decide-now: equivalent (one LP, the default) or hedging (progressive "
            "hedging over the scenarios, for equivalents too large for one machine).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="--decide-now: processes for the scenario solves (a Dask LocalCluster; 1 or more)."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="--decide-now: address of an existing Dask scheduler for the scenario solves "
            "(default: --workers processes on this machine)."
        ),
    ] = None,
) -> None:
    """Solve the allocation LP and write a run folder of tables."""
    with exit_codes(as_json):
        from allocator.runs.solve import solve as solve_run

        if workers is not None:  # before a model file or the dataset is read
            from allocator.studies.daskclient import check_workers

            check_workers(workers, scheduler)  # at least 1; at most MAX_WORKERS on this machine
        if check_against is not None:
            from allocator.cli.checkagainst import check_run, only_with_check

            only_with_check(ctx, check_against)
            check_run(check_against, as_json, inputs)
            return

        beta = number_of("--beta", beta_text, example="0.9")
        cvar_cap = None
        if cvar_cap_text is not None:
            cvar_cap = number_of("--cvar-cap", cvar_cap_text, "count", "20000")
        risk_numbers(beta, cvar_cap)
        spec = run_spec(
            model, inputs, objective, weights, targets, measure, discount_rate, cell_sets,
            out=out, force=force, write_model=write_model, plots=plots,
            risk=risk, beta=beta, cvar_cap=cvar_cap, scenarios=scenarios, seed=seed,
            decide_now=decide_now, two_stage_method=two_stage_method, workers=workers,
            scheduler=scheduler,
        )  # fmt: skip
        rendered: list[str] = []  # the summary, rendered while the workbook is written

        def render(run: "Run") -> None:
            if as_json or "two_stage" in run.info:
                return
            with contextlib.suppress(Exception):  # rendered (and raised) again below, in place
                rendered.append(run_summary_text(run))

        run = solve_run(spec, warn=warn, meanwhile=render)
        if "two_stage" in run.info:  # --decide-now: its own summary (cli/twostage.py)
            from allocator.cli.twostage import show_two_stage, two_stage_summary

            if as_json:
                print_json(two_stage_summary(run))
            else:
                show_two_stage(run)
        elif as_json:
            print_json(run_summary(run))
        else:
            show_run(run, rendered[0] if rendered else None)


@app.command(cls=Command)
def compare(
    items: Annotated[
        list[str],
        typer.Argument(
            help="Objectives (jobs, exports, weighted), model files (.yaml) or run folders."
        ),
    ],
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    targets: Annotated[str | None, typer.Option(help=TARGETS_HELP)] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for compare.csv, compare.xlsx, report.html, run.json."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
    measure: Measure = None,
    discount_rate: Rate = None,
    model: Annotated[
        Path | None,
        typer.Option(
            help="Model file whose scenario (dataset, overrides, targets) the objectives "
            "(jobs, exports, weighted) are solved on."
        ),
    ] = None,
    cell_sets: Sets = None,
) -> None:
    """Compare plans side by side: objectives, outcomes, sector x phase, prices, differences."""
    with exit_codes(as_json):
        from allocator.cli.comparing import show_compare
        from allocator.cli.options import rate_of
        from allocator.runs.compare import compare as side_by_side
        from allocator.runs.optiontext import set_overrides

        measured = (measure, rate_of(discount_rate))
        changes = set_overrides(cell_sets)
        done = side_by_side(
            items, inputs, targets, out_dir, force, measured, model, changes, warn=warn
        )
        folder, table = done.folder, done.table
        if as_json:
            print_json(table.to_dict(orient="records"))
        else:
            show_compare(table, out)
            out.print(
                f"Wrote [bold]{shown(folder)}[/]: compare.csv, compare.xlsx, report.html, run.json"
            )


@app.command(cls=Command)
def frontier(
    model: Annotated[Path | None, typer.Argument(help="Model file (models/*.yaml).")] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    points: Annotated[int, typer.Option(help="Points on the frontier (2 to 200).")] = 11,
    targets: Annotated[str | None, typer.Option(help=TARGETS_HELP)] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder to write (default: under results/).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    x: Annotated[
        str,
        typer.Option(
            "--x",
            help="The measure on the x axis, asked for at least epsilon: jobs, exports, "
            "jobs@<milestone>, exports@<milestone> or shortfall (the weighted target shortfall).",
        ),
    ] = "exports",
    y: Annotated[
        str, typer.Option("--y", help="The measure maximised at each point (as for --x).")
    ] = "jobs",
    measure: Measure = None,
    discount_rate: Rate = None,
    cell_sets: Sets = None,
) -> None:
    """Trace the Pareto frontier of two measures (epsilon-constraint, warm re-solves): jobs
    against exports by default, or e.g. --x jobs@2030 --y jobs@2040, --x shortfall --y jobs."""
    with exit_codes():
        from allocator.runs.arguments import check_count
        from allocator.runs.frontier import MAX_POINTS, MIN_POINTS
        from allocator.runs.frontier import frontier as trace

        span = (MIN_POINTS, MAX_POINTS)
        check_count(
            "--points", points, span, "a frontier needs its two ends; each point is a solve", 11
        )

        spec = run_spec(
            model, inputs, None, None, targets, measure, discount_rate, cell_sets,
            out=out_dir, force=force,
        )  # fmt: skip
        done = trace(spec, points, x, y, warn=warn)
        folder = done.folder
        show_frontier(done.table, done.notes, done.info)
        if folder is not None:  # trace wrote it (the Python API may leave it unwritten)
            out.print(
                f"Wrote [bold]{shown(folder)}[/]: "
                + ", ".join(sorted(p.name for p in folder.iterdir()))
            )


@app.command(cls=Command)
def init(
    folder: Annotated[Path, typer.Argument(help="New project folder to create.")],
    xlsx: Annotated[
        bool, typer.Option("--xlsx", help="The dataset as one workbook, inputs/plan.xlsx.")
    ] = False,
) -> None:
    """Start a new country or scenario from a copy of the baseline dataset and a model file."""
    with exit_codes():
        from allocator.errors import printable
        from allocator.pasted import command
        from allocator.runs.init import init as init_project

        made = init_project(folder, xlsx)
        out.print(
            f"[bold green]Created[/] {shown(folder)}: "
            + shown(", ".join(str(p.relative_to(folder)) for p in made))
        )
        folder = Path(printable(str(folder)))  # the steps below quote it too
        inputs = folder / "inputs" / ("plan.xlsx" if xlsx else "")
        out.print(
            "Next:\n"
            f"  1. Edit {folder}/inputs/{'plan.xlsx' if xlsx else '*.csv'} (see inputs/README.md"
            " there): phases and milestones first, then programs, pools and eligibility; give "
            "every row a source.\n"
            f"  2. {command('check', '--inputs', inputs)}   (validates and lists assumptions)\n"
            f"  3. Edit {folder}/models/scenario.yaml (objective, targets, overrides).\n"
            f"  4. {command('solve', folder / 'models' / 'scenario.yaml')}",
            markup=False,
        )


@app.command(cls=Command)
def explain(
    inputs: Annotated[
        Path | None, typer.Option(help="Dataset folder (default: the bundled inputs/peru2040).")
    ] = None,
    objective: Annotated[str, typer.Option(help=without_model_file(OBJECTIVE_HELP))] = "jobs",
    targets: Annotated[str, typer.Option(help=without_model_file(TARGETS_HELP))] = "soft",
    measure: Annotated[str, typer.Option(help=without_model_file(MEASURE_HELP))] = "final",
    discount_rate: Annotated[
        str | None, typer.Option(help=without_model_file(RATE_HELP), metavar="RATE")
    ] = None,
    cell_sets: DatasetSets = None,
) -> None:
    """Say why a plan is infeasible (conflicting constraints, smallest fix); writes nothing.

    Exit 0 when the plan is feasible, 1 when it is not (with the explanation), 2 on bad input.
    """
    with exit_codes():
        from allocator.data.inputs import load_inputs
        from allocator.pipeline import solve_inputs, tell_notes
        from allocator.report.rounding import shown as shown_number

        spec = run_spec(None, inputs, objective, None, targets, measure, discount_rate)
        folder = spec.inputs
        inp = with_sets(load_inputs(folder), cell_sets)
        tell_notes(inp, warn, uncertainty=False)  # a broken fact, as solve tells it
        sol, _ = solve_inputs(inp, spec.objective, targets=spec.targets, measure=spec.measured())
        out.print(
            f"[bold green]feasible[/]: {shown(folder)} with --targets {shown(targets)} "
            f"has an optimal plan ({shown_number(sol.objective_value, sol.objective_unit)} "
            f"{sol.objective_unit}); "
            "nothing to explain"
        )


@app.command(cls=Command)
def check(
    inputs: Annotated[
        Path | None, typer.Option(help="Dataset folder (default: the bundled inputs/peru2040).")
    ] = None,
    cell_sets: DatasetSets = None,
) -> None:
    """Validate a dataset without solving, then audit it: disagreements and assumptions.

    Exit 0 when the dataset is usable (disagreements and assumptions are warnings), 2 when not.
    """
    with exit_codes():
        from allocator.data.audit import audit
        from allocator.data.inputs import load_inputs
        from allocator.runs.spec import default_inputs

        folder = inputs or default_inputs()
        # strict: facts.csv and uncertainty.csv too (solve reads neither), every problem at once
        inp = with_sets(load_inputs(folder, strict=True), cell_sets)
        report = audit(inp)
        out.print(
            f"[bold green]usable[/]: {shown(folder)}: {len(inp.programs)} programs, "
            f"{len({p.pool for p in inp.pools})} pools, {len(inp.phases)} phases "
            f"({inp.years[0]}-{inp.years[-1]}), {len(inp.targets)} targets, "
            f"{len(inp.facts)} cited facts"
        )
        from allocator.report.assumed import book_of

        show_audit(report, book_of(folder))
