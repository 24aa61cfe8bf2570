"""`allocator sweep`: what the nominal plan (or a run's) delivers in sampled values of its
uncertain numbers, each sample also re-solved.

Registered on the one typer app of `commands` (imported by the package, so every entry point
has it). The command reads its options and calls `cli.sweeping.run_sweep_command`.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from allocator.cli.aliases import Workers
from allocator.cli.commands import Measure, Rate, Sets, app
from allocator.cli.exits import exit_codes
from allocator.cli.helps import INPUTS_HELP, TARGETS_HELP, Command
from allocator.cli.options import run_spec

if TYPE_CHECKING:
    from allocator.runs.spec import RunSpec


Samples = Annotated[int, typer.Option(help="Latin hypercube samples (1 to 1,000,000).")]
Seed = Annotated[
    int,
    typer.Option(help="Seed of the samples (0 to 4294967295): the same seed draws the same."),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        help="Address of an existing Dask scheduler (default: a LocalCluster on this machine)."
    ),
]
Objective = Annotated[
    str | None,
    typer.Option(
        help="jobs or exports (default: --plan RUN's objective, else the model file's, else jobs)."
    ),
]
Resume = Annotated[
    bool,
    typer.Option(
        help="Continue the sweep in --out (the same options and data); failed "
        "samples are solved again."
    ),
]
Dashboard = Annotated[
    str | None,
    typer.Option(
        help="Serve the LocalCluster's Dask dashboard at this address, e.g. :8787 "
        "(on 127.0.0.1 unless a host is named; default: none)."
    ),
]
Plan = Annotated[
    Path | None,
    typer.Option(
        help="Run folder whose plan is evaluated, fixed, in every sample (default: the "
        "nominal plan)."
    ),
]


@app.command(cls=Command)
def sweep(
    model: Annotated[Path | None, typer.Argument(help="Model file (models/*.yaml).")] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    samples: Samples = 100,
    seed: Seed = 0,
    scheduler: Scheduler = None,
    workers: Workers = 2,
    objective: Objective = None,
    targets: Annotated[str | None, typer.Option(help=TARGETS_HELP)] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Sweep folder.")] = None,
    resume: Resume = False,
    force: Annotated[
        bool,
        typer.Option(
            help="Replace --out if it holds an earlier output of allocator (and nothing else): "
            "the sweep starts afresh there."
        ),
    ] = False,
    serial: Annotated[bool, typer.Option(help="Solve in this process, without Dask.")] = False,
    dashboard: Dashboard = None,
    measure: Measure = None,
    discount_rate: Rate = None,
    plan: Plan = None,
    cell_sets: Sets = None,
) -> None:
    """What the nominal plan (or --plan RUN's) delivers in sampled values of its uncertain
    numbers (uncertainty.csv), and each sample re-solved (with perfect foresight).

    Exit 0 when every sample has an answer, 1 when some were not solved (--resume solves them),
    2 on bad input, 130 interrupted (the samples solved are kept; --resume continues).
    """
    with exit_codes():
        from allocator.cli.sweeping import run_sweep_command
        from allocator.studies.daskclient import check_dashboard, check_workers

        check_workers(workers, scheduler, serial)  # before anything is read, said or started
        check_samples(samples)
        if dashboard is not None:
            check_dashboard(dashboard)  # before anything is read or said
        given = {"objective": objective, "targets": targets, "measure": measure}
        given |= {"discount_rate": discount_rate, "solver": None}
        spec = sweep_spec(model, inputs, plan, given, cell_sets, out_dir).with_(force=force)
        run_sweep_command(
            spec,
            (samples, seed),
            (scheduler, workers, serial, dashboard),
            resume,
            plan,
            given,
        )


def check_samples(samples: int) -> None:
    """--samples from 1 to `runs.sweep.MAX_SAMPLES`, refused in one line before anything is read.

    Raises:
        UsageError: naming --samples, its range and the fix.
    """
    from allocator.runs.arguments import check_count
    from allocator.runs.sweep import MAX_SAMPLES

    check_count("--samples", samples, (1, MAX_SAMPLES), "the table is held in memory", 100)


def sweep_spec(
    model: Path | None,
    inputs: Path | None,
    plan: Path | None,
    given: dict[str, Any],
    cell_sets: list[str] | None,
    out_dir: Path | None,
) -> "RunSpec":
    """The run spec of a sweep: the options `given` on the command line, a --plan RUN's own
    (run.json) where not given (`runs.sweepplan.plan_options`), on RUN's data when no model file
    is given (`on_runs_data`)."""
    from allocator.runs.sweepplan import plan_options, refuse_edited_plan

    if plan is not None:
        refuse_edited_plan(plan)  # before RUN's options are taken from its run.json
    taken = plan_options(plan, given)
    spec = run_spec(
        model,
        inputs,
        taken["objective"],
        None,
        taken["targets"],
        taken["measure"],
        taken["discount_rate"],
        cell_sets,
        out=out_dir,
        solver=taken["solver"],
    )
    if plan is not None and model is None:
        spec = on_runs_data(spec, plan, inputs)
    return spec


def on_runs_data(spec: "RunSpec", plan: Path, inputs: Path | None) -> "RunSpec":
    """`spec` on the data --plan RUN was solved on (`runs.sweep.on_runs_data`, which the API's
    `sweep(plan=RUN)` calls too), a change of that data since RUN warned of on stderr.

    Raises:
        UsageError: RUN's run.json is no solve's, or its dataset or model file is not found
            (one line: pass --inputs), rather than a sweep of other data.
    """
    from allocator.cli.render import warn
    from allocator.runs.sweep import on_runs_data as runs_data

    return runs_data(spec, plan, inputs, warn)
