"""`allocator --help` imports no command module, and `allocator solve` only its own (issue 30:
`--help` within 0.15 s): the root group (`cli/root.py`) lists the commands from `COMMANDS` and
imports a command's module the first time the command is asked for.

What a process imports is read in a fresh interpreter running the console script's `main`; what
it prints is compared with typer's own group built in this process with every command registered
(typer's CliRunner, as the tests and the docs run the app). No timing is asserted.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from allocator.cli.root import COMMANDS, command_name, every_command
from conftest import ROOT

COMMAND_MODULES = {f"allocator.cli.{module}" for module, _ in COMMANDS.values()}
"""Every module that defines a command."""

_RUN = """
import json, sys
from allocator.cli import main
sys.argv = ["allocator", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def fresh(args: list[str]) -> tuple[int, str, str, set[str]]:
    """`allocator ARGS` by the console script's `main` in a fresh interpreter: its exit code,
    stdout, stderr (less the last line) and `sys.modules` at the end (that last line)."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("TERMINAL_WIDTH", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _RUN, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    *said, last = done.stderr.splitlines(keepends=True)
    ran = json.loads(last)
    return ran["code"], done.stdout, "".join(said), set(ran["modules"])


def eager(args: list[str]) -> tuple[int, str, str]:
    """`allocator ARGS` in this process, on the group typer builds with every command registered
    (every command module imported first): exit code, stdout, stderr."""
    app = every_command()
    assert len(typer.main.get_command(app).commands) == len(COMMANDS)  # typer built them all
    env = {"COLUMNS": "100", "NO_COLOR": "1", "TERMINAL_WIDTH": None}
    res = CliRunner().invoke(app, args, prog_name="allocator", env=env)
    return res.exit_code, res.stdout, res.stderr


def test_each_listed_line_is_its_commands_docstring():
    """`COMMANDS` lists every registered command, in the module that defines it, with the
    first paragraph of its docstring as one sentence (what `--help` showed before)."""
    infos = {command_name(info): info for info in every_command().registered_commands}
    # the same commands (registered in the order their modules were imported, which another
    # test may change; `--help` lists them in COMMANDS' order, checked byte for byte below)
    assert sorted(infos) == sorted(COMMANDS)
    for name, info in infos.items():
        module, line = COMMANDS[name]
        assert info.callback.__module__ == f"allocator.cli.{module}", name
        paragraph = inspect.cleandoc(info.callback.__doc__).split("\n\n")[0]
        assert line == " ".join(paragraph.split()), name
        assert info.short_help == line, name  # the line a command built by typer shows


def test_help_imports_no_command_module():
    code, out, err, modules = fresh(["--help"])
    assert code == 0, err
    assert sorted(modules & COMMAND_MODULES) == []
    for skipped in ("allocator.cli.render", "allocator.cli.exits", "allocator.errors"):
        assert skipped not in modules  # what only a command prints with
    for name, (_, line) in COMMANDS.items():
        assert re.search(rf"│ {re.escape(name)} +{re.escape(line.split()[0])} ", out), name


def test_the_package_imports_no_command_module():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    code = "import sys, allocator.cli; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "allocator.cli" in done.stdout.split()  # the import ran (it imports no typer: r1)
    assert sorted(set(done.stdout.split()) & COMMAND_MODULES) == []


@pytest.mark.parametrize(
    ("name", "needed"),
    [
        ("solve", {"allocator.cli.commands"}),
        ("report", {"allocator.cli.books", "allocator.cli.commands"}),  # books takes --set's type
        ("sweep", {"allocator.cli.sweepcommand", "allocator.cli.commands"}),
    ],
)
def test_a_command_imports_its_own_module_alone(name, needed):
    code, out, err, modules = fresh([name, "--help"])
    assert code == 0, err
    assert f"Usage: allocator {name} [OPTIONS]" in out
    assert modules & COMMAND_MODULES == needed


@pytest.mark.parametrize("args", [["--help"], [], *([name, "--help"] for name in COMMANDS)])
def test_help_is_typers_own_to_the_byte(args):
    """Each help, by the lazy group in a fresh process, is what typer's group of every command
    prints (`allocator` alone prints the group's help and exits 2, as typer's does)."""
    assert fresh(args)[:3] == eager(args)


@pytest.mark.parametrize("args", [["sweeep"], ["explian", "--help"], ["nothing-like-it"]])
def test_a_mistyped_command_is_refused_as_before(args):
    """typer suggests a close name from the commands built so far: the lazy group suggests from
    every command, as typer's group of every command does."""
    code, out, err, modules = fresh(args)
    assert (code, out, err) == eager(args)
    assert code == 2
    assert sorted(modules & COMMAND_MODULES) == []
    if "Did you mean" in err:  # typer 0.12, the lowest version allowed, suggests nothing
        assert re.search(r"Did you mean '(sweep|explain)'", err)
