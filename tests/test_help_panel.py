"""`allocator --help` lists each command in one sentence, wrapped by the terminal's width only.

The command panel took each docstring's first paragraph with its source line breaks (typer's rich
markup mode keeps single newlines), so `frontier` broke after "jobs" at any width; and the
group's own `--help` showed a `<bool>` label that no command's flag shows.
"""

from __future__ import annotations

import inspect
import re

import pytest

from conftest import invoke

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def panel(width: int) -> list[str]:
    res = invoke("--help", env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.output
    return ANSI.sub("", res.stdout).splitlines()


def commands() -> dict[str, str]:
    from allocator.cli import app  # every command registered (the package's __getattr__)

    return {
        (c.name or c.callback.__name__.replace("_", "-")): inspect.cleandoc(c.callback.__doc__)
        for c in app.registered_commands
    }


@pytest.mark.parametrize("name", ["frontier", "core", "alternatives", "replan", "serve"])
def test_each_command_is_one_line_when_the_terminal_is_wide(name):
    first = " ".join(commands()[name].split("\n\n")[0].split())
    rows = [r for r in panel(400) if re.match(rf"^\W*{re.escape(name)}\s", r.lstrip("│ "))]
    assert len(rows) == 1, rows
    text = " ".join(rows[0].strip("│ ").split()[1:])
    assert text == first


def test_group_help_flag_has_no_bool_label():
    assert not any("<bool>" in r for r in panel(100))


@pytest.mark.parametrize("name", sorted(commands()))
def test_no_commands_flag_shows_a_bool_label(name):
    """A flag takes no value: `replan`, `alternatives`, `serve`, `report` and `export-inputs`
    showed `--force --no-force <bool>` where `solve` shows none (their commands were
    registered without the class that drops the label)."""
    res = invoke(name, "--help", env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    text = ANSI.sub("", res.stdout)
    assert "--help" in text
    assert "<bool>" not in text
