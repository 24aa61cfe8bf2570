"""`allocator alternatives`: near-optimal ranges, their classes and maximally different plans.

Registered on the one typer app of `commands` (imported by the package, so every entry point
has it); `commands.py` is kept under the module size limit this way.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from allocator.cli.commands import Measure, Rate, Sets, app
from allocator.cli.console import shown
from allocator.cli.core import WORKERS_HELP, in_this_process
from allocator.cli.exits import exit_codes
from allocator.cli.helps import INPUTS_HELP
from allocator.cli.options import run_spec
from allocator.cli.render import err, out, warn
from allocator.runs.optiontext import slack_of


@app.command()
def alternatives(
    model: Annotated[Path | None, typer.Argument(help="Model file (models/*.yaml).")] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    slack_text: Annotated[
        str,
        typer.Option(
            "--slack",
            help="Share of the optimum a plan may give up, e.g. 0.02 or 2%.",
            metavar="SHARE",
        ),
    ] = "0.02",
    by: Annotated[str, typer.Option(help="Ranges per program, sector or pool.")] = "program",
    count: Annotated[
        int,
        typer.Option(
            "--alternatives",
            help="Write this many (0 to 50) maximally different near-optimal plans as run folders.",
        ),
    ] = 0,
    objective: Annotated[str | None, typer.Option(help="jobs, exports or weighted.")] = None,
    targets: Annotated[
        str | None, typer.Option(help="Milestone targets: off, soft or hard.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder to write (default: under results/).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Spread the range LPs over Dask: an existing scheduler's address, or "
            "'local' for a LocalCluster of --workers processes (default: this process, or the "
            "LocalCluster --workers asks for)."
        ),
    ] = None,
    workers: Annotated[int | None, typer.Option(help=WORKERS_HELP)] = None,
    measure: Measure = None,
    discount_rate: Rate = None,
    cell_sets: Sets = None,
) -> None:
    """How much freedom the planner has: the least and the most funding of each program
    (sector, pool) over every plan within --slack of the optimum, and which are must-haves."""
    with exit_codes():
        from allocator.runs.alternatives import MAX_COUNT
        from allocator.runs.alternatives import alternatives as ranges
        from allocator.runs.arguments import check_count
        from allocator.studies.daskclient import check_workers

        serial, processes = in_this_process(scheduler, workers)
        check_workers(processes, scheduler, serial)  # before anything is read, said or started
        why = "each is a run folder of a maximally different near-optimal plan"
        check_count("--alternatives", count, (0, MAX_COUNT), why, 3)

        slack = slack_of(slack_text)
        spec = run_spec(
            model, inputs, objective, None, targets, measure, discount_rate, cell_sets,
            out=out_dir, force=force,
        )  # fmt: skip
        address = None if scheduler in (None, "local") else scheduler
        with members_bar() as advance:
            where = (address, processes, serial)
            done = ranges(spec, slack, by, count, where, advance, warn=warn)
        folder, table, info = done.folder, done.table, done.info
        assert folder is not None  # ranges() writes its folder and says where
        show_ranges(table, info)
        out.print(
            f"Wrote [bold]{shown(folder)}[/]: "
            + ", ".join(sorted(p.name for p in folder.iterdir()))
        )


@contextmanager
def members_bar() -> Iterator[Callable[[int, int], None]]:
    """A progress bar of members done on stderr (its total known once the model is built);
    none when stderr is no terminal, like the sweep's."""
    if not err.is_terminal:
        yield lambda _done, _total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("members", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def show_ranges(table: Any, info: dict[str, Any]) -> None:
    """The bound held, the ten widest ranges and the must-haves, with the thresholds."""
    from allocator.cli.summary import show_cells_set
    from allocator.report.nearoptimal import level_text, slack_percent
    from allocator.report.rounding import cell
    from allocator.studies.alternatives import RANGE_UNITS

    obj = info["objective"]
    by = info["by"]
    # with a base, `holds` says the optimum too, each level split as solve's headline
    optimum = "" if "existing" in obj else f" (optimum {level_text(obj['optimum'])} {obj['unit']})"
    out.print(
        f"Plans within {slack_percent(info['slack'])} of the optimum: {obj['holds']}{optimum}.",
        markup=False,
    )
    show_cells_set(info)  # as solve's setup says them
    widest = table.sort_values(["width_musd", "member"], ascending=[False, True]).head(10)
    out.print(f"Widest ranges ({RANGE_UNITS[by]}), by {by}:", markup=False)
    money = "US$ million"  # as report.html's chart: rounding.cell, its unit in words
    for r in widest.itertuples():
        out.print(
            f"  {r.member}: {cell(r.min_musd, money)} to {cell(r.max_musd, money)} {money} "
            f"(optimum {cell(r.optimum_musd, money)} {money}; {r.classification})",
            markup=False,
        )
    must = table[table["classification"] == "must-have"]
    names = ", ".join(
        f"{r.member} (>= {cell(r.min_musd, money)} {money})" for r in must.itertuples()
    )
    out.print(f"Must-haves: {names or 'none'}.", markup=False)
    classes = info["classification"]["classes"]
    counts = table["classification"].value_counts()
    for name, words in classes.items():
        out.print(f"  {name} ({int(counts.get(name, 0))}): {words}", markup=False)
    asked, found = info.get("alternatives_asked", 0), len(info["alternatives"])
    if found < asked:
        out.print(
            f"  {found} of the {asked} alternatives asked: a further one would repeat an "
            "earlier plan (every member it funds was funded before).",
            markup=False,
        )
    for alt in info["alternatives"]:
        out.print(
            f"  {alt['folder']}: {obj['name']} {alt['objective']:,.6g} {obj['unit']}, "
            f"{alt['earlier_money_kept_musd']:,.1f} musd where earlier plans put money",
            markup=False,
        )
