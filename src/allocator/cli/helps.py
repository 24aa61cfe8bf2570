"""Help texts of the command line, with every default said in words, the command class that
drops typer's `<bool>` labels from flags (a flag takes no value: the label was noise), and each
command's line in `allocator --help` (`one_line`)."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

INPUTS_HELP = "Dataset folder (default: the model file's, else the bundled inputs/peru2040)."
OBJECTIVE_HELP = (
    "jobs, exports or weighted (default: the model file's, else jobs: direct jobs in the last "
    "milestone year under --measure final)."
)
TARGETS_HELP = (
    "Milestone targets: off (ignored), soft (least weighted shortfall first, then the "
    "objective) or hard (must be met; an unmet target is explained). Default: the model "
    "file's, else soft."
)
MEASURE_HELP = (
    "How the objective counts the path: final (the last milestone year), cumulative "
    "(job-years; export revenue summed over every year) or discounted (present value at "
    "--discount-rate). Default: the model file's, else final."
)
RATE_HELP = (
    "Discount rate a year of --measure discounted, from 0 (no discounting) to 1, e.g. 0.05 or "
    "5% (default: the model file's, else 0.05)."
)
CVAR_CAP_HELP = (
    "CVaR: most expected jobs shortfall (against the nominal plan) in the tail. Without it "
    "the tail is not capped: the plan maximises expected jobs alone (the price of risk is "
    "0)."
)
SET_HELP = (
    "Change one number of the dataset: TABLE.KEY.COLUMN=VALUE, the key being the row's key "
    "columns joined by / and an empty key cell an empty part (e.g. "
    "pools.ecosystem/phase3.budget_musd=6700, markets.aerospace_components//2030.max_share=25%, "
    "cells of the bundled dataset). Repeatable; applied after the model file's overrides "
    "and sets, and read as the CSV cell would be. An empty VALUE empties the cell "
    "(programs.copper_processing.max_annual_share= removes a ramp limit), and yes/no columns "
    "and the base, tranches and shares tables can be set too."
)


def without_model_file(text: str) -> str:
    """`text` as the help of a command that takes no model file (check, explain,
    export-inputs): its defaults and its order of changes without the file's."""
    for said, meant in (
        ("default: the model file's, else ", "default: "),
        ("Default: the model file's, else ", "Default: "),
        ("applied after the model file's overrides and sets", "applied in the order given"),
    ):
        text = text.replace(said, meant)
    return text


_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
"""typer's (vendored click's) refusal of a command line, which `BadParameter` specialises."""


class Command(TyperCommand):
    """A typer command whose flags (`--force`, `--json`, `--help`) show no `<bool>` label, and
    whose refusal of its command line (an unknown option, a value out of range) still prints
    one JSON document on stdout when `--json` was asked for."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, each flag with an empty type label, each argument named in capitals,
        each path refusing empty text."""
        return nonempty_paths(capitalised(unlabelled(super().get_params(ctx))))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """The usage line's parts as click writes them and the docs quote them (`[OPTIONS]
        OUT_FILE`, `[MODEL]`, `ITEMS...`): typer 0.2x writes a required argument as
        `{out_file}`, which reads as a placeholder left unfilled."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(param.metavar if param.required else f"[{param.metavar}]")
            else:
                pieces += param.get_usage_pieces(ctx)
        return pieces

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """typer's parsing; a refusal with `--json` among `args` is also said as the JSON
        document every refusal of a --json command prints (typer's usage stays on stderr), and
        so is an empty path (`refuse_empty`)."""
        asked = "--json" in args  # before parsing: the parser takes `args` apart
        ctx.meta[_JSON] = asked
        try:
            parsed: list[str] = super().parse_args(ctx, args)
        except _USAGE_ERROR as exc:  # type: ignore[misc]  # a class found on BadParameter's MRO
            if asked:
                from allocator.cli.render import print_json

                words = " ".join(str(exc.format_message()).split())
                print_json({"status": "error", "exit_code": 2, "error": words, "details": []})
            raise
        return parsed


_JSON = "allocator.json"
"""The key of `ctx.meta` that says whether `--json` was asked for (`refuse_empty`)."""


def refuse_empty(param: Any, ctx: Any, value: Any) -> Any:
    """`value` of a path `param` as typer reads it. Empty text (`--out ""`, `--out=`), which
    typer reads as `.`, the folder one works in, and a refusal would echo as `--out .`, is
    refused naming the option as typed, in one line, exit 2, as a command refuses an option
    (`exits.refuse`; with --json the JSON document too)."""
    if value != "":
        return type(param).process_value(param, ctx, value)
    from allocator.cli.exits import refuse  # only a refusal loads the CLI's printing
    from allocator.errors import UsageError

    named = param.opts[0] if param.opts[0].startswith("-") else str(param.name).upper()
    fix = f"give {named} a path" + (", or leave it out" if named.startswith("-") else "")
    words = f"{named} '' is an empty path, which would be read as the folder you are working in"
    refuse(UsageError(f"{words}. Fix: {fix}"), bool(ctx.meta.get(_JSON)))


def nonempty_paths(params: list[Any]) -> list[Any]:
    """`params`, each path option and argument made to refuse empty text (`refuse_empty`)."""
    for param in params:
        described = getattr(param, "type_descriptor", None)
        if getattr(described, "annotation", None) is Path and "process_value" not in vars(param):
            param.process_value = functools.partial(refuse_empty, param)
    return params


def unlabelled(params: list[Any]) -> list[Any]:
    """`params`, each flag given an empty type label (a flag takes no value)."""
    for param in params:
        if getattr(param, "is_flag", False) or getattr(param, "is_bool_flag", False):
            param.metavar = ""
    return params


def capitalised(params: list[Any]) -> list[Any]:
    """`params`, each argument without a metavar given its name in capitals (`OUT_FILE`; a
    repeatable one `ITEMS...`), as the usage line, the Arguments panel of `--help` and a
    "Missing argument" refusal show it."""
    for param in params:
        if param.param_type_name == "argument" and param.metavar is None:
            param.metavar = str(param.name).upper() + ("..." if param.nargs != 1 else "")
    return params


def one_line(info: Any) -> None:
    """A registered command (typer's `CommandInfo`) made a `Command` (its flags without a
    `<bool>` label), whatever class it was registered with, and given its line in `allocator
    --help`: its docstring's first paragraph as one sentence, wrapped by the terminal's width
    (typer's rich mode kept the source's line breaks). A command given its own `short_help`
    keeps it."""
    if info.cls is None or not issubclass(info.cls, Command):  # typer's default class
        info.cls = Command
    doc = info.callback.__doc__ if info.callback is not None else None
    if info.short_help is None and doc:
        info.short_help = " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())
