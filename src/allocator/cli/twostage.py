"""The terminal's and --json's account of a two-stage run (`solve --decide-now`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allocator.cli.render import out, shown
from allocator.report.existing import headline_split
from allocator.report.twostagehtml import amount, headline, two_stage_sentences

if TYPE_CHECKING:
    from allocator.runs.common import Run


def show_two_stage(run: Run) -> None:
    """The expected objective, EVPI and VSS in words, the decide-now money, and the folder."""
    block = run.info["two_stage"]
    sol = run.solution
    value = headline(sol.objective_value, str(run.info["objective"].get("unit", "")))
    out.print(
        f"[bold green]Optimal[/] two-stage plan ({shown(run.inputs.folder)}, objective "
        f"{sol.objective}): [bold]{value}[/] {shown(sol.label)}"
        f"{shown(headline_split(run.info, None))}",
        highlight=False,
    )
    for line in two_stage_sentences(block):
        out.print(f"  {shown(line)}", highlight=False)
    alloc = run.tables["allocation"]
    count = alloc["program"].nunique()
    out.print(
        f"  Committed now: {amount(float(alloc['invest_musd'].sum()))} US$ million in "
        f"{count} program{'' if count == 1 else 's'} (allocation.csv); "
        f"{shown(block['later_phases'])}.",
        highlight=False,
    )
    if run.folder is not None:
        out.print(
            f"Wrote [bold]{shown(run.folder)}[/]: "
            + ", ".join(sorted(p.name for p in run.folder.iterdir()))
        )


def two_stage_summary(run: Run) -> dict[str, Any]:
    """What a script needs: status, the expected objective, the two_stage block, the folder;
    `base_and_new` as solve's --json has it where the dataset has a base (the new part of each
    expected level: on average)."""
    return {
        "status": run.solution.status,
        "objective": run.info["objective"],
        "outcomes": run.info["outcomes"],
        "two_stage": run.info["two_stage"],
        **({"base_and_new": parts} if (parts := run.info["two_stage"].get("base_and_new")) else {}),
        "run_folder": None if run.folder is None else str(run.folder),
    }
