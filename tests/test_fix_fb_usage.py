"""Task fb, item 1: each command's usage line names its arguments as the docs do (`allocator
export-inputs [OPTIONS] OUT_FILE`, `allocator report [OPTIONS] RUN_DIR`, `[MODEL]` for an
optional model file), click's convention, not typer's `{out_file}` placeholder (typer 0.2x
wraps a required argument's lower-case name in braces); the same names in `--help`, in the
usage line of a refusal and in its "Missing argument" line."""

from __future__ import annotations

import re

import pytest

from allocator.cli.root import COMMANDS
from conftest import run_cli

USAGE = {
    "solve": "[MODEL]",
    "compare": "ITEMS...",
    "frontier": "[MODEL]",
    "init": "FOLDER",
    "explain": "",
    "check": "",
    "export-inputs": "OUT_FILE",
    "report": "RUN_DIR",
    "core": "[MODEL]",
    "alternatives": "[MODEL]",
    "replan": "RUN",
    "serve": "[MODEL]",
    "sweep": "[MODEL]",
}
"""Each command's arguments as its usage line shows them."""


def _usage(text: str) -> str:
    (line,) = [x for x in text.splitlines() if "Usage:" in x]
    return " ".join(line.split())


def test_every_command_is_listed():
    assert sorted(USAGE) == sorted(COMMANDS)


@pytest.mark.parametrize("name", sorted(USAGE))
def test_the_usage_line_names_the_arguments_as_the_docs_do(name):
    res = run_cli(name, "--help")
    assert res.exit_code == 0, res.stderr
    assert _usage(res.stdout) == f"Usage: allocator {name} [OPTIONS] {USAGE[name]}".strip()
    assert not re.search(r"\{\w+\}", res.stdout), res.stdout


@pytest.mark.parametrize(
    ("args", "missing"),
    [(["export-inputs"], "OUT_FILE"), (["report"], "RUN_DIR"), (["replan"], "RUN")],
)
def test_a_missing_argument_is_named_as_the_usage_line_names_it(args, missing):
    res = run_cli(*args)
    assert res.exit_code == 2, res.stderr
    assert _usage(res.stderr) == f"Usage: allocator {args[0]} [OPTIONS] {missing}"
    assert f"Missing argument '{missing}'." in res.stderr
    assert res.stdout == ""
