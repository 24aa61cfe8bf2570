"""`allocator core`: which programs (sectors, pools) every good plan funds, the core index.

Registered on the one typer app of `commands` (imported by the package, so every entry point
has it). The command reads its options and calls `allocator.studies.corerun.run_core`.
"""

from pathlib import Path
from typing import Annotated, Any

import typer

from allocator.cli.commands import Measure, Rate, Sets, app
from allocator.cli.console import shown
from allocator.cli.exits import exit_codes
from allocator.cli.helps import INPUTS_HELP, TARGETS_HELP, Command
from allocator.cli.options import run_spec
from allocator.cli.render import out, print_json, warn
from allocator.runs.given import typed_texts
from allocator.runs.optiontext import number_of, slack_of, typed_text

WORKERS_HELP = (
    "Worker processes of a LocalCluster, 1 or more (default 2 with --scheduler local); given "
    "alone, the LPs are spread over a LocalCluster of that many (1: this process)."
)
THRESHOLD_HELP = (
    "US$ million above which a plan counts as funding a member (default 1: the unit of the "
    "money tables, far above the solver's noise)."
)


@app.command(cls=Command)
def core(
    model: Annotated[
        Path | None,
        typer.Argument(
            help="Model file (models/*.yaml), or a run folder of allocator solve: its dataset, "
            "objective, weights, targets, measure, sets and solver options."
        ),
    ] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    by: Annotated[str, typer.Option(help="Index per program, sector or pool.")] = "program",
    threshold_text: Annotated[
        str, typer.Option("--threshold", help=THRESHOLD_HELP, metavar="MUSD")
    ] = "1",
    slack_text: Annotated[
        str,
        typer.Option(
            "--slack",
            help="Near-optimal plans: the share of the optimum they may give up.",
            metavar="SHARE",
        ),
    ] = "0.02",
    samples: Annotated[
        int,
        typer.Option(help="Re-optimised samples of uncertainty.csv (0: near-optimal plans only)."),
    ] = 20,
    seed: Annotated[int, typer.Option(help="Seed of the samples (0 to 4294967295).")] = 0,
    objective: Annotated[
        str | None,
        typer.Option(
            help="jobs or exports (weighted too with --samples 0; default: the model file's, "
            "else jobs)."
        ),
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            help="Weights of --objective weighted, e.g. jobs=0.7,exports=0.3 (default: the run "
            "folder's or model file's, else 0.5 each)."
        ),
    ] = None,
    targets: Annotated[str | None, typer.Option(help=TARGETS_HELP)] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder to write (default: under results/).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out if allocator wrote it.")
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Spread the LPs over Dask: an existing scheduler's address, or 'local' for a "
            "LocalCluster of --workers processes (default: this process, or the LocalCluster "
            "--workers asks for)."
        ),
    ] = None,
    workers: Annotated[int | None, typer.Option(help=WORKERS_HELP)] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document instead of lines.")
    ] = False,
    measure: Measure = None,
    discount_rate: Rate = None,
    cell_sets: Sets = None,
) -> None:
    """Which programs to commit to now: the share of good plans (re-optimised samples and
    near-optimal plans within --slack) that fund each above --threshold; core (all), borderline,
    exterior (none)."""
    with exit_codes(as_json):
        from allocator.runs.common import packages
        from allocator.studies.core import CoreSettings, CoreStudy
        from allocator.studies.corerun import Output, Where, run_core
        from allocator.studies.daskclient import check_workers

        serial, count = in_this_process(scheduler, workers)
        check_workers(count, scheduler, serial)  # before anything is read, said or started
        threshold = number_of("--threshold", threshold_text, "money", "1")
        slack = slack_of(slack_text)
        setting = CoreSettings(by, threshold, slack, samples, seed)
        # before the dataset is read: a bad option is said first, as typed
        setting.check({"threshold": typed_text(threshold_text, "--threshold")})
        opts = core_spec(
            model, inputs, objective, weights, targets, measure, discount_rate, cell_sets
        )
        sets = tuple(typed_texts(opts.overrides))
        studied = studied_words(opts, model)
        if studied is not None:
            warn(studied)
        study = CoreStudy(
            str(opts.inputs),
            None if opts.model_file is None else str(opts.model_file),
            sets,
            opts.objective,
            opts.targets,
            opts.measured(),
            dict(opts.solver),
            dict(opts.weights) if opts.objective == "weighted" else None,
            str(model) if model is not None and model.is_dir() else None,
            studied,
            None if (read := opts.scenario.model_read()) is None else read.text,  # its one read
        )
        address = None if scheduler in (None, "local") else scheduler
        where = Where(serial=serial, scheduler=address, workers=count)
        label = opts.label()
        output = Output(out_dir, force, opts.results, label, tuple(packages().items()))
        folder, table, info = run_core(study, setting, where, output, warn)
        if as_json:
            print_json(_document(folder, info))
        else:
            _show(folder, table, info)


def in_this_process(scheduler: str | None, workers: int | None) -> tuple[bool, int]:
    """(whether the LPs are solved in this process, the workers of a LocalCluster): in this
    process without --scheduler unless --workers asks for more than 1, which is a planner's
    way to say "spread it" (it was ignored in silence); --scheduler local without --workers
    has 2, as `sweep`."""
    serial = scheduler is None and (workers is None or workers == 1)
    return serial, 2 if workers is None else workers


def core_spec(
    model: Path | None,
    inputs: Path | None,
    objective: str | None,
    weights: str | None,
    targets: str | None,
    measure: str | None,
    discount_rate: str | None,
    sets: list[str] | None,
) -> Any:
    """The run spec of `allocator core`: a model file's with the command line on top
    (`run_spec`), or, for a run folder, the spec its run.json records (its dataset, objective,
    weights, targets, measure, sets, solver options) with the options given on top and each
    `--set` after its own.

    Raises:
        UsageError: a run folder allocator solve did not write, or a bad option.
    """
    if model is None or not model.is_dir():
        return run_spec(model, inputs, objective, weights, targets, measure, discount_rate, sets)
    from allocator.runs.optiontext import set_overrides
    from allocator.runs.record import read_record
    from allocator.runs.replan import located_spec

    info = read_record(model)
    record = located_spec(info, model, inputs)  # found from any working folder
    said_changed(info, record.inputs, model)
    given = run_spec(None, inputs, objective, weights, targets, measure, discount_rate)
    typed = {
        "inputs": inputs,
        "objective": objective,
        "weights": weights,
        "targets": targets,
        "measure": measure,
        "discount_rate": discount_rate,
    }
    told = {k: getattr(given, k) for k, v in typed.items() if v is not None}
    if measure is not None:  # the run's rate belongs to the run's measure (as `layered`)
        told["discount_rate"] = given.discount_rate
    overrides = (*record.overrides, *set_overrides(sets))
    return record.with_(**told, overrides=overrides, out=None, force=False)


def said_changed(info: dict[str, Any], dataset: Path, run: Path) -> None:
    """A note on stderr when the dataset a study of RUN reads changed since RUN was solved (the
    study reads it as it is now, as replan says of its approved run)."""
    from allocator.report.assumed import changed_since

    changed = changed_since(info, Path(dataset))
    if changed:
        warn(
            f"inputs changed since {shown(run)} was solved: {', '.join(changed)} (the "
            "study reads them as they are now)"
        )


def _document(folder: Path, info: dict[str, Any]) -> dict[str, Any]:
    """What a script needs: the folder, the three lists, the settings and the counts."""
    said = info["verdict"]
    return {
        "status": "done",
        "folder": str(folder),
        "commit_now": said["commit now"],
        "decide_later": said["decide later"],
        "drop": said["drop"],
        "settings": info["settings"],
        "counts": info["counts"],
        **({"cells_set": info["cells_set"]} if info.get("cells_set") else {}),  # as solve's
    }


def _show(folder: Path, table: Any, info: dict[str, Any]) -> None:
    """What was counted, the borderline shares, then the one line to act on."""
    from allocator.cli.summary import show_cells_set
    from allocator.report.corehtml import good_plans_words
    from allocator.studies.core import verdict_line

    s = info["settings"]
    out.print(
        f"Good plans: {good_plans_words(info)}; "
        f"funded: above {s['threshold_musd']:g} US$ million, by {s['by']}.",
        markup=False,
    )
    show_cells_set(info)  # as solve's setup says them
    line = borderline_line(table)
    if line:
        out.print(line, markup=False)
    out.print(verdict_line(table), markup=False)
    out.print(
        f"Wrote [bold]{shown(folder)}[/]: " + ", ".join(sorted(p.name for p in folder.iterdir()))
    )


def studied_words(opts: Any, source: Path | None) -> str | None:
    """One line when the plan `allocator solve` gives for these options is robust (--risk) or
    two-stage (--decide-now, or a model file's decide_now): core re-optimises the plain,
    single-stage plan of the same options instead (None: it studies solve's own plan)."""
    given = []
    if opts.risk != "none":
        given.append(f"--risk {opts.risk}")
    if opts.decide_now:
        phases = opts.decide_now if isinstance(opts.decide_now, str) else ",".join(opts.decide_now)
        given.append(f"--decide-now {phases}")
    if not given:
        return None
    what = f"{source} was solved with {' and '.join(given)}" if source else " and ".join(given)
    return (
        f"{what}: the core index studies the plain plan of its options (one stage, no risk "
        "measure), not that plan: core has no robust or two-stage mode"
    )


def borderline_line(table: Any) -> str:
    """The share of good plans funding each borderline member ('' when there is none), never
    reading 0% or 100% (`percent`)."""
    from allocator.report.corehtml import percent

    middle = table[table["class"] == "borderline"]
    if not len(middle):
        return ""
    shares = ", ".join(
        f"{r.member} {percent(r.plans_funded / r.plans_counted)}" for r in middle.itertuples()
    )
    return f"Share of good plans funding the borderline: {shares}."
