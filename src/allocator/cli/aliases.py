"""Option types (`Annotated` aliases) that more than one command declares the same way, one
definition each: the folder a command writes (--out), --force, --json and the LocalCluster's
--workers. A command imports the ones it takes; an option whose help is its own stays with its
command (`allocator sweep`'s --out is a sweep folder, its --force replaces a sweep).
"""

from pathlib import Path
from typing import Annotated

import typer

OutFolder = Annotated[
    Path | None, typer.Option("--out", help="Folder to write (default: under results/).")
]
Force = Annotated[bool, typer.Option(help="Replace --out if it exists.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of lines.")]
Workers = Annotated[int, typer.Option(min=1, help="Worker processes of the LocalCluster.")]
