"""Option types (`Annotated` aliases) that more than one command declares the same way, one
definition each: the folder a command writes (--out), --force, --json, the LocalCluster's
--workers, --measure, --discount-rate and --set. A command imports the ones it takes; an option
whose help is its own stays with its command (`allocator sweep`'s --out is a sweep folder, its
--force replaces a sweep).
"""

from pathlib import Path
from typing import Annotated

import typer

from allocator.cli.helps import MEASURE_HELP, RATE_HELP, SET_HELP, without_model_file

OutFolder = Annotated[
    Path | None, typer.Option("--out", help="Folder to write (default: under results/).")
]
Force = Annotated[bool, typer.Option(help="Replace --out if it exists.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of lines.")]
# its range is checked by `daskclient.check_workers`, in allocator's one line (not typer's)
Workers = Annotated[int, typer.Option(help="Worker processes of the LocalCluster (1 or more).")]

Measure = Annotated[str | None, typer.Option(help=MEASURE_HELP)]
# read as text, by the number rule of a data cell (options.rate_of): float() would read 1e-400
# as 0 and -0.0 as a negative zero
Rate = Annotated[str | None, typer.Option(help=RATE_HELP, metavar="RATE")]
Sets = Annotated[
    list[str] | None, typer.Option("--set", help=SET_HELP, metavar="TABLE.KEY.COLUMN=VALUE")
]
DatasetSets = Annotated[
    list[str] | None,
    typer.Option("--set", help=without_model_file(SET_HELP), metavar="TABLE.KEY.COLUMN=VALUE"),
]
"""`--set` of a command that takes no model file (check, explain, export-inputs)."""
