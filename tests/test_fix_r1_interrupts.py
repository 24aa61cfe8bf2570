"""A Ctrl-C at any moment of a command is said once, as the commands say it: one line on stderr,
exit 130 and, under --json, the JSON document on stdout (docs/runs.md), also where it lands
before any command's `exit_codes` runs (start-up, typer building or resolving the command).
Each interrupt is made to land at one place by the child process itself, as the signal would."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from allocator.cli.interrupts import asks_json
from conftest import ROOT

NO_FOLDER = "interrupted: no run folder was written"
DOCUMENT = '{\n  "exit_code": 130,\n  "status": "interrupted"\n}\n'
"""The interrupt's JSON document byte for byte, as `print_json` writes every document."""


def child(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


_AT_IMPORT = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            raise KeyboardInterrupt
        return None

sys.argv = ["allocator", "solve", "--inputs", "tests/data/greedy", *{extra!r}]
{before}
sys.meta_path.insert(0, CtrlC())
{after}
sys.exit(main())
"""


@pytest.mark.parametrize(
    ("module", "early"),
    [("typer", True), ("rich.console", True), ("allocator.cli.commands", False)],
)
@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_a_ctrl_c_before_any_command_runs_is_said_as_a_command_says_it(module, early, extra):
    """Start-up (typer, rich imported by the entry point) and the command being resolved
    (its module imported inside typer's own handler): the same line and document."""
    imports = "from allocator.cli import main"
    done = child(
        _AT_IMPORT.format(
            module=module,
            extra=extra,
            before="" if early else imports,
            after=imports if early else "",
        )
    )
    assert done.returncode == 130, done.stderr[-600:]
    assert done.stderr == NO_FOLDER + "\n"
    assert done.stdout == (DOCUMENT if extra else "")


def test_a_ctrl_c_as_typer_builds_the_app_gives_the_json_document_too():
    """Before typer's own handler (its `get_command`, in `app()`): root.main says it, under
    --json with the document (it said the line alone)."""
    done = child(
        """
        import sys
        import typer.main
        from allocator.cli import main

        def ctrl_c(*args, **kwargs):
            raise KeyboardInterrupt

        typer.main.get_command = ctrl_c
        sys.argv = ["allocator", "check", "--inputs", "tests/data/greedy", "--json"]
        sys.exit(main())
        """
    )
    assert done.returncode == 130, done.stderr[-600:]
    assert (done.stdout, done.stderr) == (DOCUMENT, NO_FOLDER + "\n")


def test_an_interrupt_a_command_said_is_not_said_again():
    """Inside `exit_codes` the command says it; root.main, seeing exit 130, must not say it a
    second time (two documents on stdout would be no JSON at all)."""
    done = child(
        """
        import sys
        import allocator.runs.solve

        def ctrl_c(*args, **kwargs):
            raise KeyboardInterrupt

        allocator.runs.solve.solve_inputs = ctrl_c
        sys.argv = ["allocator", "solve", "--inputs", "tests/data/greedy", "--json"]
        from allocator.cli import main
        sys.exit(main())
        """
    )
    assert done.returncode == 130, done.stderr[-600:]
    assert json.loads(done.stdout) == {"status": "interrupted", "exit_code": 130}
    assert done.stdout == DOCUMENT
    assert done.stderr == NO_FOLDER + "\n"


def test_importing_the_entry_point_imports_nothing_else():
    """The console script's first line, `from allocator.cli import main`, runs outside any
    handler of ours: it imports no module beyond the two packages (not typer, rich, nor even
    `typing`, 24 ms of the 26 this import took), so a Ctrl-C hardly ever lands in it."""
    listed = "import sys; print(' '.join(sorted(sys.modules)))"
    bare = set(child(listed).stdout.split())
    loaded = set(child(f"import allocator.cli; {listed}").stdout.split())
    assert "allocator.cli" in loaded
    assert loaded - bare <= {"allocator", "allocator.cli", "__future__"}


@pytest.mark.parametrize(
    ("argv", "asked"),
    [
        (["solve", "--json"], True),
        (["--json", "solve"], True),
        (["solve", "--out", "x"], False),
        (["solve", "--", "--json"], False),  # after `--`: an argument, not the option
        ([], False),
    ],
)
def test_asks_json(argv, asked):
    assert asks_json(argv) is asked


def test_a_ctrl_c_that_leaves_pandas_half_imported_still_gives_the_json_document():
    """A Ctrl-C while pandas is first imported (inside the command) can leave it impossible to
    import again in that process ("numpy._core.multiarray failed to import"): the document must
    not need it. Seen with SIGINT 0.9 s into `allocator solve --json`: the line, no document."""
    done = child(
        """
        import sys

        class CtrlC:
            fired = False

            def find_spec(self, name, path=None, target=None):
                if name == "pandas._libs.tslibs.np_datetime" and not self.fired:
                    self.fired = True
                    raise KeyboardInterrupt
                return None

        sys.meta_path.insert(0, CtrlC())
        sys.argv = ["allocator", "solve", "--inputs", "tests/data/greedy", "--json"]
        from allocator.cli import main
        sys.exit(main())
        """
    )
    assert done.returncode == 130, done.stderr[-600:]
    assert (done.stdout, done.stderr) == (DOCUMENT, NO_FOLDER + "\n")


_SCHEMA_CUT = "Error building `model` serializer:\n  Field `unit`:\n  SchemaError: {}: "


def test_a_ctrl_c_while_pydantic_builds_a_schema_is_an_interrupt():
    """pydantic-core builds a model's schema in Rust and turns a Python error raised inside it
    (a Ctrl-C landing in a call it makes) into a SchemaError that names it in words only, no
    cause. Seen with SIGINT 0.6 s into `allocator solve --json`: a traceback and exit 1."""
    from pydantic_core import SchemaError

    from allocator.cli.interrupts import caused_by_interrupt

    assert caused_by_interrupt(SchemaError(_SCHEMA_CUT.format("KeyboardInterrupt")))
    assert not caused_by_interrupt(SchemaError(_SCHEMA_CUT.format("ValueError")))
    assert not caused_by_interrupt(ValueError(_SCHEMA_CUT.format("KeyboardInterrupt")))
    done = child(
        f"""
        import sys
        from pydantic_core import SchemaError
        import allocator.runs.solve

        def cut(*args, **kwargs):
            raise SchemaError({_SCHEMA_CUT.format("KeyboardInterrupt")!r})

        allocator.runs.solve.solve_inputs = cut
        sys.argv = ["allocator", "solve", "--inputs", "tests/data/greedy", "--json"]
        from allocator.cli import main
        sys.exit(main())
        """
    )
    assert done.returncode == 130, done.stderr[-600:]
    assert (done.stdout, done.stderr) == (DOCUMENT, NO_FOLDER + "\n")
