"""Commands for workbooks and reports: `export-inputs` (a dataset as one workbook) and `report`
(rebuild `report.html` from a run folder). Registered on the app of `commands`."""

from pathlib import Path
from typing import Annotated

import typer

from allocator.cli.commands import DatasetSets, app
from allocator.cli.console import shown
from allocator.cli.exits import exit_codes
from allocator.cli.options import with_sets
from allocator.cli.render import out


@app.command("export-inputs")
def export_inputs(
    out_file: Annotated[Path, typer.Argument(help="The workbook to write, e.g. plan.xlsx.")],
    inputs: Annotated[
        Path | None,
        typer.Option(help="Dataset folder or workbook (default: the bundled inputs/peru2040)."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Replace OUT_FILE if allocator wrote it (an earlier export).")
    ] = False,
    cell_sets: DatasetSets = None,
) -> None:
    """Write a dataset as one workbook: a README sheet, one sheet a table, frozen headers, units
    in the header comments, and data validation. `solve --inputs OUT_FILE` reads it back."""
    with exit_codes():
        from allocator.data.inputs import load_inputs
        from allocator.pasted import command
        from allocator.report.bookout import export_workbook
        from allocator.runs.spec import default_inputs

        folder = inputs or default_inputs()
        export_workbook(with_sets(load_inputs(folder), cell_sets), out_file, force)
        out.print(
            f"[bold green]Wrote[/] {shown(out_file)}: the dataset {shown(folder)} "
            f"as one workbook. Next: {shown(command('solve', '--inputs', out_file))}"
        )


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by allocator.")],
) -> None:
    """Rebuild `report.html` in a run folder allocator wrote, from its tables and run.json; the
    new page replaces the old one only once it is complete."""
    with exit_codes():
        from allocator.cli.render import warn
        from allocator.runs.report import report as rebuild

        path = rebuild(run_dir, warn)
        out.print(f"[bold green]Wrote[/] {shown(path)}")
