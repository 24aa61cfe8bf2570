"""The root of the command line: the typer `app` every command registers on, `COMMANDS` (each
command's module and its line in `allocator --help`), the group that imports a command's module
only when that command is asked for, and `main`, the command line run by the console script's
entry point (`allocator.cli.main`).

So `allocator --help` imports no command module (its list is `COMMANDS`), and `allocator solve`
imports and builds `solve` alone (`allocator.cli.commands`), not the other twelve commands and
their modules (issue 30: `--help` within 0.15 s). In-process callers (typer's CliRunner, the
docs) see every command too: the group imports a command's module the first time the command
is resolved, and `every_command()` (`from allocator.cli import app`) imports them all.
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from allocator.cli.helps import one_line, unlabelled
from allocator.cli.interrupts import (
    INTERRUPTED,
    Said,
    asks_json,
    caused_by_interrupt,
    leave_interrupted,
    say_plainly,
    unraisable,
)
from allocator.cli.sigterm import on_sigterm

if TYPE_CHECKING:
    from allocator.cli.console import OutputLost

COMMANDS = {
    "solve": ("commands", "Solve the allocation LP and write a run folder of tables."),
    "compare": (
        "commands",
        "Compare plans side by side: objectives, outcomes, sector x phase, prices, differences.",
    ),
    "frontier": (
        "commands",
        "Trace the Pareto frontier of two measures (epsilon-constraint, warm re-solves): jobs "
        "against exports by default, or e.g. --x jobs@2030 --y jobs@2040, --x shortfall --y jobs.",
    ),
    "init": (
        "commands",
        "Start a new country or scenario from a copy of the baseline dataset and a model file.",
    ),
    "explain": (
        "commands",
        "Say why a plan is infeasible (conflicting constraints, smallest fix); writes nothing.",
    ),
    "check": (
        "commands",
        "Validate a dataset without solving, then audit it: disagreements and assumptions.",
    ),
    "export-inputs": (
        "books",
        "Write a dataset as one workbook: a README sheet, one sheet a table, frozen headers, "
        "units in the header comments, and data validation. `solve --inputs OUT_FILE` reads it "
        "back.",
    ),
    "report": (
        "books",
        "Rebuild `report.html` in a run folder allocator wrote, from its tables and run.json; "
        "the new page replaces the old one only once it is complete.",
    ),
    "core": (
        "core",
        "Which programs to commit to now: the share of good plans (re-optimised samples and "
        "near-optimal plans within --slack) that fund each above --threshold; core (all), "
        "borderline, exterior (none).",
    ),
    "alternatives": (
        "freedom",
        "How much freedom the planner has: the least and the most funding of each program "
        "(sector, pool) over every plan within --slack of the optimum, and which are "
        "must-haves.",
    ),
    "replan": (
        "replan",
        "Re-plan from actuals: spending up to --as-of fixed to what was spent, the later years "
        "re-optimised under the same rules, with approved vs re-planned money by program and "
        "phase.",
    ),
    "serve": (
        "serve",
        "A local web page that re-solves the plan as you change budgets, caps, floors, targets "
        "and coefficients; Save writes a model file and a run folder. Ctrl-C stops it.",
    ),
    "sweep": (
        "sweepcommand",
        "What the nominal plan (or --plan RUN's) delivers in sampled values of its uncertain "
        "numbers (uncertainty.csv), and each sample re-solved (with perfect foresight).",
    ),
}
"""Each command in the order `allocator --help` lists it: the module of `allocator.cli` that
defines it, and its line there, which is its docstring's first paragraph as one sentence
(tests/test_fix_help.py holds each line to its docstring)."""


class App(typer.Typer):
    """A typer app whose every command, as it is registered, is a `helps.Command` with its
    docstring's first paragraph as its line in `allocator --help` (`helps.one_line`)."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        """typer's `command`, the registered command then given its class and its line."""
        register = super().command(*args, **kwargs)

        def registered(f: Any) -> Any:
            done = register(f)
            one_line(self.registered_commands[-1])
            return done

        return registered


class Group(TyperGroup):
    """The app's group: each command's module imported and the command built the first time it
    is asked for, `allocator --help` listed from `COMMANDS` without importing any, and its own
    `--help` flag without a `<bool>` label (as `helps.Command`'s)."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, each flag with an empty type label."""
        return unlabelled(super().get_params(ctx))

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command, in `COMMANDS`' order, whether or not its module is imported yet."""
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command of that name, its module imported and the command built now if it was
        not yet; None for a name that is no command."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = built(cmd_name)
        return self.commands.get(cmd_name)

    def listing(self) -> Group:
        """This group as `allocator --help` lists it: each command of `COMMANDS` a stand-in
        holding its name and line, so no command module is imported to list them."""
        shown = copy.copy(self)
        listed = {
            name: TyperCommand(name=name, short_help=line) for name, (_, line) in COMMANDS.items()
        }
        shown.commands = {**listed, **{n: c for n, c in self.commands.items() if n not in listed}}
        return shown

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """typer's help of the group, its commands listed from `COMMANDS`."""
        TyperGroup.format_help(self.listing(), ctx, formatter)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """typer's; a name that is no command is refused with the names of every command to
        suggest from (typer suggests from the commands built so far)."""
        if args and self.get_command(ctx, args[0]) is None:
            return TyperGroup.resolve_command(self.listing(), ctx, args)
        return super().resolve_command(ctx, args)


app = App(
    name="allocator",
    help="Turn a national investment strategy into an optimal, explainable allocation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=Group,
)


@app.callback()
def _root() -> None:
    """Turn a national investment strategy into an optimal, explainable allocation."""


def built(name: str) -> Any:
    """The click command `name` of `COMMANDS`, its module imported (which registers it on
    `app`) and the command built as typer builds the group's commands."""
    importlib.import_module(f"allocator.cli.{COMMANDS[name][0]}")
    info = next(i for i in app.registered_commands if command_name(i) == name)
    return typer.main.get_command_from_info(
        info,
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    )


def command_name(info: Any) -> str:
    """The name a registered command is called by (its own, else its function's, as typer
    names it)."""
    name = info.name or typer.main.get_command_name(info.callback.__name__)
    return str(name)


def every_command() -> App:
    """`app` with every command of `COMMANDS` registered (each module imported)."""
    for module, _ in COMMANDS.values():
        importlib.import_module(f"allocator.cli.{module}")
    return app


PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"
"""pydantic looks for plugins in the entry points of every installed distribution when it
builds its first model (about 7 ms of a solve's CPU with 105 distributions); the command line
uses none, so `main` turns the look-up off unless the user set this variable (set empty, every
installed plugin is loaded again)."""


def main() -> None:
    """The command line itself, run by the console script's entry point (`allocator.cli.main`,
    which says a Ctrl-C that lands before this function's own handlers exist, and handles
    SIGTERM from its first line). SIGTERM unwinds like Ctrl-C, so a half-written run folder is
    removed in either case; it is installed here again for a caller of this function alone.
    pydantic plugins are off unless asked for (`PLUGINS_ENV`)."""
    import os
    import signal

    Said.done = False  # one process, one run (in-process callers may have run others)
    os.environ.setdefault(PLUGINS_ENV, "__all__")
    if len(sys.argv) < 2 or "--help" in sys.argv[1:]:  # help is all this process will print
        from allocator.cli.deferred import import_rich_utils

        import_rich_utils()
    signal.signal(signal.SIGTERM, on_sigterm)
    sys.unraisablehook = unraisable
    try:
        sys.exit(app())
    except SystemExit as done:
        if done.code == INTERRUPTED:  # said and cleaned up by the command (`exit_codes`)...
            interrupted()  # ...or caught by typer before any command began: said now
        raise
    except (KeyboardInterrupt, Exception) as exc:
        console = sys.modules.get("allocator.cli.console")
        if console is not None and isinstance(exc, console.OutputLost):
            stdout_lost_outside(exc)  # written outside a command's exit_codes
        if not caused_by_interrupt(exc):  # between commands: nothing written yet
            raise
        interrupted()


def interrupted() -> NoReturn:
    """End an interrupted run, its interrupt said once: by the command (`exits.exit_codes`),
    else here, as a command says it (its line; under --json, its JSON document), e.g. when
    typer's own `except KeyboardInterrupt: raise Exit(130)` caught a Ctrl-C that landed while
    the command was resolved (its module imported), before any `exit_codes` was entered."""
    if not Said.done:
        say_plainly(asks_json(sys.argv[1:]))
    leave_interrupted()


def stdout_lost_outside(exc: OutputLost) -> NoReturn:
    """Standard output lost outside any command's `exit_codes`: its exit code and line."""
    from allocator.cli.exits import stdout_lost

    try:
        stdout_lost(exc)
    except typer.Exit as done:
        sys.exit(done.exit_code)
