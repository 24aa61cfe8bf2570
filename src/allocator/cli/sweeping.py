"""`allocator sweep` after its options are read: run the sweep, write its summary, chart and
report, and say in one line what a stop left (Ctrl-C) or what is still to solve (exit 1)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from allocator.cli.render import err, out, progress, show_sweep, warn

if TYPE_CHECKING:
    from allocator.pipeline import SolveOptions


def run_sweep_command(
    opts: SolveOptions,
    draws: tuple[int, int],
    out_dir: Path | None,
    where: tuple[str | None, int, bool, str | None],
    resume: bool,
) -> None:
    """Sweep `draws` (samples, seed) of `opts` into `out_dir` on `where` (scheduler, workers,
    serial, dashboard).

    Raises:
        UsageError: bad options, folder or data (nothing written).
        IncompleteSweepError: samples without an answer (exit 1; --resume solves them).
        typer.Exit: 130 after Ctrl-C, said in one line with what the folder keeps.
    """
    from allocator.data.uncertainty import REFUSED, check_seed
    from allocator.errors import UsageError
    from allocator.pipeline import dataset_notes
    from allocator.report.write import default_run_dir

    samples, seed = draws
    check_seed(seed)
    if resume and out_dir is None:
        raise UsageError("--resume continues a sweep in --out. Fix: give --out DIR")
    for note in dataset_notes(opts):
        if not note.startswith(REFUSED):  # the sweep refuses it below, in one line
            warn(note)
    folder = out_dir or default_run_dir(opts.results, opts.name or Path(opts.inputs).name, "sweep")
    try:
        table, summary = _sweep_and_write(opts, samples, seed, folder, where, resume)
    except (KeyboardInterrupt, Exception) as exc:
        from allocator.cli.commands import caused_by_interrupt

        if not caused_by_interrupt(exc) or not (folder / "sweep.csv").is_file():
            raise
        table = None
    if table is None:  # said outside the handler: exit_codes must not see the interrupt again
        _say_kept(folder)
        raise typer.Exit(130)
    show_sweep(summary, table)
    out.print(
        f"Wrote [bold]{escape(str(folder))}[/]: "
        + ", ".join(sorted(p.name for p in folder.iterdir()))
    )
    _refuse_unsolved(table, folder)


def _sweep_and_write(
    opts: SolveOptions,
    samples: int,
    seed: int,
    folder: Path,
    where: tuple[str | None, int, bool, str | None],
    resume: bool,
) -> tuple[Any, Any]:
    """The sweep's samples (streamed to `folder`), then its summary, chart and report."""
    from allocator.report.folders import output_faults
    from allocator.report.html import rebuild_report
    from allocator.report.plots import plot_sweep
    from allocator.studies.sweeprun import run_sweep, summarise

    scheduler, workers, serial, dashboard = where
    spec = {
        "inputs": str(opts.inputs),
        "objective": opts.objective,
        "targets": opts.targets,
        "model_file": None if opts.model_file is None else str(opts.model_file),
        "measure": opts.measure,
        "discount_rate": opts.discount_rate,
        "solver": opts.solver,
        # the --sets (a model file's own sets come back with the model file, in each worker)
        "sets": [
            o.set_cell.text
            for o in opts.overrides
            if o.set_cell is not None and o.set_cell.origin == "--set"
        ],
    }
    # a full disk mid-sweep: one line; --resume continues
    with output_faults(folder), progress(samples) as advance:
        table = run_sweep(
            spec, samples, seed, folder, scheduler, workers, resume, advance, serial, dashboard
        )
    with output_faults(folder):
        summary = summarise(folder)
        plot_sweep(table, folder / "sweep.png", f"{samples:,} sampled plans")
        rebuild_report(folder)  # report.html from the sweep's tables
    return table, summary


def _refuse_unsolved(table: Any, folder: Path) -> None:
    """Exit 1, in one line, when samples have no answer (a failed task, a time limit).

    Raises:
        IncompleteSweepError: how many, of which status, and that --resume solves them.
    """
    from allocator.studies.sweepfolder import unsolved
    from allocator.studies.sweeprun import IncompleteSweepError

    failed = unsolved(table)
    if len(failed):
        kinds = ", ".join(sorted(set(failed["status"])))
        raise IncompleteSweepError(
            f"{len(failed):,} of {len(table):,} samples were not solved ({kinds}; the summary "
            f"counts the other {len(table) - len(failed):,}). Fix: run the same sweep with "
            f"--out {folder} --resume to solve them again"
        )


def _say_kept(folder: Path) -> None:
    """One line after Ctrl-C in a sweep: how many samples its folder keeps."""
    from allocator.studies.sweepfolder import done_samples

    kept = len(done_samples(folder))
    err.print(
        f"interrupted: kept {kept:,} samples in {escape(str(folder))}; the same sweep with "
        "--resume continues it",
        highlight=False,
        soft_wrap=True,
    )
