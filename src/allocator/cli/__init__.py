"""The `allocator` command line: typer commands (`commands`), their options (`options`) and
their rich renderers (`render`). `main` is the console-script entry point."""

from allocator.cli import (
    books,  # registers its commands on the app
    core,  # noqa: F401 - registers `allocator core` on the app
    freedom,  # noqa: F401 - registers `allocator alternatives` on the app
    replan,  # noqa: F401 - registers `allocator replan` on the app
    serve,  # noqa: F401 - registers `allocator serve` on the app
    sweepcommand,  # noqa: F401 - registers `allocator sweep` on the app
)
from allocator.cli.commands import app, main
from allocator.cli.helps import one_line_summaries

one_line_summaries(app)

__all__ = ["app", "books", "main"]
