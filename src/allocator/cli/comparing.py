"""The terminal view of `allocator compare`: the plans side by side as a rich table (the table
itself is `allocator.studies.compare`'s)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.table import Table

from allocator.cli.console import shown
from allocator.report.rounding import cell
from allocator.studies.compare import KEY_COLUMNS, dominated


def show_compare(table: pd.DataFrame, console: Any) -> None:
    """Print the comparison as a rich table: one block per section under a bold section row.

    A section whose rows share one unit shows it once, on the section row."""
    labels = [c for c in table.columns if c not in KEY_COLUMNS]
    grid = Table(title="Plans side by side", title_justify="left")
    grid.add_column("metric", overflow="fold", min_width=20)
    grid.add_column("unit", overflow="fold", max_width=24)
    for label in labels:
        grid.add_column(shown(label), justify="right", overflow="fold", min_width=9)
    for section, block in table.groupby("section", sort=False):
        units = block["unit"].unique()
        shared = str(units[0]) if len(units) == 1 else ""
        grid.add_section()
        grid.add_row(f"[bold]{shown(section)}[/]", shown(shared), *[""] * len(labels), style="bold")
        for row in block.itertuples(index=False):
            unit = "" if shared else shown(row[2])
            # as report.html's table shows them (rounding.cell: jobs whole); blank if missing
            values = [
                "" if float(x) != float(x) else cell(float(x), str(row[2]))
                for x in row[len(KEY_COLUMNS) :]
            ]
            grid.add_row(f"  {shown(row[1])}", unit, *values)
    console.print(grid)
    for label, by in dominated(table).items():
        console.print(
            f"[yellow]![/] {shown(label)} is dominated by {shown(', '.join(by))}: "
            "no fewer jobs and exports at every milestone, more at one.",
            highlight=False,
        )
