"""The `allocator` command line: `main`, the console script's entry point; the typer app and the
command line itself (`root`), the commands (`commands`, `books`, `core`, `freedom`, `replan`,
`serve`, `sweepcommand`), their options (`options`, `aliases`) and their rich renderers
(`render`).

Importing the package (and `allocator`) imports no other module: a Ctrl-C that lands
while typer, rich and the command line are imported (the first few hundred milliseconds of every
command) reaches `main`'s own handler. `from allocator.cli import app` gives the app with every
command registered (PEP 562).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not even `typing` is imported before `main` runs
if TYPE_CHECKING:
    from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    """The console script's entry point (`allocator`, pyproject's [project.scripts]) and
    `python -m allocator.cli`: the command line (`root.main`), imported here, inside the
    handler that says a Ctrl-C landing before the command line's own handlers exist as they
    say it (one line, "interrupted: no run folder was written", and exit 130; under --json,
    the JSON document too), never a Python traceback. SIGTERM is handled as Ctrl-C from here
    on (`sigterm.on_sigterm`), before typer, rich and the command are imported: it ended the
    process the default way (killed, exit -15, nothing said) until `root.main` installed it."""
    # the C module `signal` wraps (typeshed has no stub of it): `signal` itself imports enum,
    # about 10 ms more before the handler is in place under `python -m allocator`
    import _signal  # type: ignore[import-not-found]

    from allocator.cli.sigterm import on_sigterm

    _signal.signal(_signal.SIGTERM, on_sigterm)
    try:
        from allocator.cli.root import main as command_line

        command_line()
    except (KeyboardInterrupt, Exception) as exc:
        from allocator.cli.interrupts import (
            Said,
            asks_json,
            caused_by_interrupt,
            leave_interrupted,
            say_plainly,
        )

        if not caused_by_interrupt(exc):
            raise
        if not Said.done:
            import sys

            say_plainly(asks_json(sys.argv[1:]))
        leave_interrupted()


def __getattr__(name: str) -> Any:
    """`app`: the typer app with every command's module imported, so every command registered."""
    if name != "app":
        raise AttributeError(f"module 'allocator.cli' has no attribute {name!r}")
    from allocator.cli.root import every_command

    return every_command()
