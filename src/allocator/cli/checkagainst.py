"""`allocator solve --check-against RUN`: re-run what a run folder records and say any
difference; the options it would ignore refused first."""

from __future__ import annotations

from pathlib import Path

import typer

from allocator.cli.console import shown
from allocator.cli.render import err, out, print_json
from allocator.errors import UsageError


def only_with_check(ctx: typer.Context, folder: Path) -> None:
    """Refuse the options `--check-against` would ignore (it re-runs what the run records):
    every one given on the command line but `--inputs` and `--json`."""
    kept = {"check_against", "inputs", "as_json"}
    given = [
        param.opts[0] if param.opts else str(param.name)
        for param in ctx.command.params
        if param.name not in kept
        and getattr(ctx.get_parameter_source(str(param.name)), "name", "") == "COMMANDLINE"
    ]
    if given:
        raise UsageError(
            f"--check-against {folder} re-runs what its run.json records, so "
            f"{', '.join(given)} would be ignored. Fix: leave "
            f"{'them' if len(given) > 1 else 'it'} out, or solve without --check-against"
        )


def check_run(folder: Path, as_json: bool, inputs: Path | None = None) -> None:
    """Re-run what `folder` records (its dataset found from any folder, or `inputs`) and say
    whether the inputs, package versions and tables are the same, byte for byte (exit 1 if
    not), as one JSON document with `as_json`."""
    from allocator.errors import NotOptimalError
    from allocator.runs.recheck import check_against

    diffs = check_against(folder, inputs)
    if as_json:
        status = "different" if diffs else "identical"
        print_json({"status": status, "run_folder": str(folder), "differences": diffs})
        if diffs:
            raise typer.Exit(NotOptimalError.exit_code)
        return
    if diffs:
        for line in diffs:
            err.print(f"  - {shown(line)}", highlight=False, soft_wrap=True)
        raise NotOptimalError(f"the re-run differs from {folder} in {len(diffs)} place(s) above")
    out.print(
        f"[bold green]identical[/]: re-running {shown(folder)} gives the same inputs, "
        "package versions and tables, byte for byte"
    )
