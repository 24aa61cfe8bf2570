"""mkdocs hook: the pages that would drift from the code are generated from it at build time.

A page holds a marker line; `on_page_markdown` replaces it with text made from the code:
- `<!-- cli-reference -->`: the help of the typer app and of every command, rendered in-process
  by typer's `CliRunner` (no process per command) at a fixed width, as a terminal shows it;
- `<!-- first-solve -->`: what `allocator solve` prints on the bundled dataset (one solve);
- `<!-- families -->`: the family registry (`allocator.model.families`) as a table;
- `<!-- modules -->`: every module of `src/allocator` with the first sentence of its docstring.
"""

from __future__ import annotations

import ast
import contextlib
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "allocator"
WIDTH = 100
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# a terminal-free, fixed-width rendering, whatever the builder's own environment says
ENV = {"COLUMNS": str(WIDTH), "NO_COLOR": "1", "FORCE_COLOR": None}
RUN_FOLDER = "results/peru2040-jobs-<date>-<time>"


def run(app: typer.Typer, args: list[str]) -> str:
    """What `allocator ARGS` prints on stdout, without colours or trailing spaces."""
    import typer.rich_utils as help_style  # its width is read once, at import: set it here

    width, help_style.MAX_WIDTH = help_style.MAX_WIDTH, WIDTH
    try:
        result = CliRunner().invoke(app, args, prog_name="allocator", env=ENV)
    finally:
        help_style.MAX_WIDTH = width  # the process's own again (a test runs others after)
    if result.exit_code != 0:
        raise RuntimeError(f"allocator {' '.join(args)} exited {result.exit_code}: {result.stderr}")
    lines = ANSI.sub("", result.stdout).splitlines()
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def cli_reference(app: typer.Typer) -> str:
    """Markdown: the app's help, then one section per command with its help in a code block."""
    group = typer.main.get_command(app)
    parts = [f"```text\n{run(app, ['--help'])}\n```"]
    for name in group.commands:  # in the order the app lists them
        parts.append(f"## `allocator {name}`\n\n```text\n{run(app, [name, '--help'])}\n```")
    return "\n\n".join(parts)


def first_solve(app: typer.Typer) -> str:
    """`allocator solve` on the bundled dataset, as the terminal shows it, in a code block."""
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(ROOT):  # ./inputs/peru2040
        folder = Path(tmp) / "run"
        text = run(app, ["solve", "--out", str(folder)]).replace(str(folder), RUN_FOLDER)
    return f"```text\n$ allocator solve\n{text}\n```"


def cell(text: object) -> str:
    """Text for a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def families_table() -> str:
    """The constraint and variable families of the registry, in build order."""
    from allocator.model import families

    rows = ["| family | kind | index | unit | in words | right-hand side from | relaxable |"]
    rows.append("|---|---|---|---|---|---|---|")
    registry = [("row", families.FAMILIES), ("column", families.VARIABLES)]
    for kind, entries in registry:
        for name, entry in entries.items():
            source = f"`{entry.source.file}` `{entry.source.column}`" if entry.source else ""
            index = ", ".join(entry.dims)
            rows.append(
                f"| `{name}` | {kind} | {cell(index)} | {cell(entry.unit)} | "
                f"{cell(entry.words)} | {source} | {'yes' if entry.relaxable else ''} |"
            )
    return "\n".join(rows)


def first_sentence(path: Path) -> str:
    """The first sentence of a module's docstring, on one line."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    text = " ".join(doc.split("\n\n")[0].split())
    match = re.match(r"(.+?(?<!e\.g)(?<!i\.e)\.)(\s|$)", text)
    return match.group(1) if match else text


def modules_table(src: Path = SRC) -> str:
    """Every module of the package, by folder, with the first sentence of its docstring."""
    rows = ["| module | what it holds |", "|---|---|"]
    for path in sorted(src.rglob("*.py"), key=lambda p: (len(p.relative_to(src).parts), p)):
        if path.name == "__init__.py" and not first_sentence(path):
            continue
        name = path.relative_to(src).as_posix()
        rows.append(f"| `{name}` | {cell(first_sentence(path))} |")
    return "\n".join(rows)


def _app() -> typer.Typer:
    from allocator.cli import app

    return app


GENERATED: dict[str, Callable[[], str]] = {
    "<!-- cli-reference -->": lambda: cli_reference(_app()),
    "<!-- first-solve -->": lambda: first_solve(_app()),
    "<!-- families -->": families_table,
    "<!-- modules -->": modules_table,
}


def on_config(config: Any, **_: Any) -> Any:
    """Snippets are read from the project's root wherever the build is started from."""
    config.mdx_configs["pymdownx.snippets"]["base_path"] = [str(ROOT)]
    return config


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Replace each marker line of a page with the text generated for it."""
    for marker, make in GENERATED.items():
        if marker in markdown:
            markdown = markdown.replace(marker, make())
    return markdown
