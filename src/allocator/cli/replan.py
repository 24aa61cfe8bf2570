"""`allocator replan RUN --actuals FILE --as-of YEAR`: re-plan the later years of an approved
run from what was actually spent (`allocator.studies.replan`).

Registered on the one typer app of `commands` (imported by the package, so every entry point
has it). The command parses its options and hands them to `run_replan`.
"""

from pathlib import Path
from typing import Annotated, Any

import typer

from allocator.cli.aliases import AsJson, Force, OutFolder
from allocator.cli.commands import app
from allocator.cli.console import shown
from allocator.cli.exits import exit_codes
from allocator.cli.render import out, print_json, warn

Actuals = Annotated[
    Path | None,
    typer.Option(
        help="What was spent: CSV (program, pool, year, spent_musd) or a workbook's "
        "'actuals' sheet (default: that sheet of the run's input workbook)."
    ),
]
MaxChange = Annotated[
    str | None,
    typer.Option(
        help="Most a program's total money after --as-of may differ from the approved "
        "plan's: a share (10%) or US$ million (50musd). Its money may still move between "
        "its pools and years (0% included)."
    ),
]
LeastChange = Annotated[
    bool,
    typer.Option(help="At the same optimum, move the least money against the approved plan."),
]
RunInputs = Annotated[
    Path | None,
    typer.Option(
        help="The approved run's dataset, if it has moved (default: where its run.json records it)."
    ),
]


@app.command()
def replan(
    run: Annotated[Path, typer.Argument(help="The approved run: a folder of allocator solve.")],
    as_of: Annotated[int, typer.Option(help="Last year whose spending is known (inclusive).")],
    actuals: Actuals = None,
    max_change: MaxChange = None,
    least_change: LeastChange = False,
    out_dir: OutFolder = None,
    force: Force = False,
    inputs: RunInputs = None,
    as_json: AsJson = False,
) -> None:
    """Re-plan from actuals: spending up to --as-of fixed to what was spent, the later years
    re-optimised under the same rules, with approved vs re-planned money by program and phase."""
    with exit_codes(as_json):
        from allocator.runs.replan import ReplanOptions, run_replan

        opts = ReplanOptions(
            run, actuals, as_of, max_change, least_change, out_dir, force, inputs=inputs, warn=warn
        )
        done = run_replan(opts)
        if as_json:
            print_json({"status": "done", **done, "folder": str(done["folder"])})
            return
        show_replan(done)


def show_replan(done: dict[str, Any]) -> None:
    """What `run_replan` did, in lines: its own, the actuals added up, a hidden actuals sheet,
    the table by program and phase and the folder written."""
    from allocator.data.workbook import ACTUALS_SHEET as SHEET

    for line in done["lines"]:
        out.print(line, markup=False, soft_wrap=True)
    for line in added_lines(done["actuals"]["added_up"]):
        out.print(line, markup=False, soft_wrap=True)
    if done["actuals"]["hidden"]:  # as a dataset workbook's hidden sheets are said
        warn(
            f"{done['actuals']['file']}, sheet {SHEET}: the sheet is "
            f"{'very hidden' if done['actuals']['hidden'] == 'veryHidden' else 'hidden'} "
            "and is read as the actuals"
        )
    show_table(done["table"])
    out.print(f"Wrote [bold]{shown(done['folder'])}[/]")


def added_lines(added: list[dict[str, object]]) -> list[str]:
    """The actuals given on more than one row, added up (two payments, or a row typed twice):
    said, never counted twice in silence."""
    lines = []
    for a in added:
        rows = [str(n) for n in a["rows"]]  # type: ignore[attr-defined]  # Actuals.added_up: object
        listed = ", ".join(rows[:-1]) + " and " + rows[-1]
        lines.append(
            f"Actuals rows {listed} ({a['program']}, {a['pool']}, {a['year']}) added up to "
            f"{a['spent_musd']:,.6g} musd: check none is a row typed twice."
        )
    return lines


def show_table(rows: list[dict[str, Any]]) -> None:
    """Approved vs re-planned US$ million by program and phase (replan.csv), each number as
    report.html's table of the same rows shows it (`rounding.cell`), a change with its sign."""
    from allocator.report.rounding import cell

    out.print("Approved and re-planned money by program and phase (US$ million):")
    for r in rows:
        change = cell(r["change_musd"])
        signed = change if change.startswith("-") or change == "0" else f"+{change}"
        out.print(
            f"  {r['program']} {r['phase']} ({r['status']}): approved "
            f"{cell(r['approved_musd'])}, re-planned {cell(r['replanned_musd'])}, change {signed}",
            markup=False,
            soft_wrap=True,
        )
