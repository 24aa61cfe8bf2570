"""The `allocator` command line: the typer app and `main`, the console script's entry point
(`root`), the commands (`commands`, `books`, `core`, `freedom`, `replan`, `serve`,
`sweepcommand`), their options (`options`, `aliases`) and their rich renderers (`render`).

Importing the package imports no command (`allocator --help` lists them from `root.COMMANDS`);
`from allocator.cli import app` gives the app with every command registered (PEP 562).
"""

from __future__ import annotations

from typing import Any

from allocator.cli.root import main

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    """`app`: the typer app with every command's module imported, so every command registered."""
    if name != "app":
        raise AttributeError(f"module 'allocator.cli' has no attribute {name!r}")
    from allocator.cli.root import every_command

    return every_command()
