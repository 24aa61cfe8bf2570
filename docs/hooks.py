"""mkdocs hook: the CLI reference page is generated at build time from the typer app, so it
cannot drift from `allocator <command> --help`.

`docs/cli.md` holds a marker line; `on_page_markdown` replaces it with the help of the app and
of every command, rendered in-process by typer's `CliRunner` (no process per command) at a fixed
width, exactly as a terminal of that width shows it.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.testing import CliRunner

MARKER = "<!-- cli-reference -->"
WIDTH = 100
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# what a terminal-free, fixed-width rendering needs, whatever the builder's own environment says
ENV = {"COLUMNS": str(WIDTH), "TERMINAL_WIDTH": str(WIDTH), "NO_COLOR": "1", "FORCE_COLOR": None}


def help_text(app: typer.Typer, args: list[str]) -> str:
    """What `allocator ARGS --help` prints, without colours or trailing spaces."""
    result = CliRunner().invoke(app, [*args, "--help"], prog_name="allocator", env=ENV)
    if result.exit_code != 0:
        raise RuntimeError(f"allocator {' '.join(args)} --help exited {result.exit_code}")
    lines = ANSI.sub("", result.stdout).splitlines()
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def cli_reference(app: typer.Typer) -> str:
    """Markdown: the app's help, then one section per command with its help in a code block."""
    group = typer.main.get_command(app)
    parts = [f"```text\n{help_text(app, [])}\n```"]
    for name in group.commands:  # in the order the app lists them
        parts.append(f"## `allocator {name}`\n\n```text\n{help_text(app, [name])}\n```")
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Fill the CLI reference page's marker with the generated reference."""
    if MARKER not in markdown:
        return markdown
    from allocator.cli import app

    return markdown.replace(MARKER, cli_reference(app))
