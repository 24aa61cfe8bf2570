"""Start-up (issue 30): what `allocator --help` and `allocator solve` import, and the stand-ins
that let `--help` render typer's rich help without rich.markdown and rich.traceback.

Each process test runs the console script's `main` in a fresh interpreter (the imports of a
process are what is under test) and reads `sys.modules` after it; no timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from allocator.cli.deferred import Deferred, stand_in

ROOT = Path(__file__).resolve().parents[1]

NOT_FOR_HELP = (
    "rich.markdown", "rich.traceback", "rich.pretty", "rich.syntax", "markdown_it", "pygments",
    "attr", "pandas", "numpy", "pydantic", "highspy", "pyomo", "xlsxwriter", "openpyxl", "yaml",
    "matplotlib", "scipy", "dask", "distributed", "starlette", "uvicorn", "socket", "secrets",
)  # fmt: skip
"""Modules `--help` does without: help is typer, rich's console and tables, and the app."""

NOT_FOR_SOLVE = (
    "openpyxl", "PIL", "yaml", "matplotlib", "scipy", "dask", "distributed", "starlette",
    "uvicorn", "pyomo", "markdown_it", "pygments",
)  # fmt: skip
"""Modules a baseline `allocator solve` (CSV dataset, no model file, no --plots) does without."""

_RUN_MAIN = """
import json, sys
{before}
from allocator.cli.commands import main
sys.argv = ["allocator", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as done:
    code = done.code
{after}
print(json.dumps({{"code": code, "modules": sorted(sys.modules)}}), file=sys.stderr)
"""


def _main_in_process(args: list[str], before: str = "", after: str = "") -> tuple[dict, str]:
    """Run `main` with `args` in a fresh interpreter: (its exit code and `sys.modules` at the
    end, read from its last stderr line; its stdout)."""
    env = {**os.environ, "COLUMNS": "100", "TERMINAL_WIDTH": "100", "NO_COLOR": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _RUN_MAIN.format(before=before, after=after), json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """The names (or their submodules) among `modules`."""
    return sorted({n for n in names for m in modules if m == n or m.startswith(n + ".")})


def test_help_imports_none_of_the_heavy_modules():
    ran, out = _main_in_process(["--help"])
    assert ran["code"] == 0
    assert "Usage: allocator" in out
    assert "solve" in out
    assert _loaded(ran["modules"], NOT_FOR_HELP) == []


def test_help_is_the_same_text_as_with_typers_own_import():
    # the reference imports typer.rich_utils (and so rich.markdown) first: no stand-ins
    ran, out = _main_in_process(["solve", "--help"])
    ref, ref_out = _main_in_process(["solve", "--help"], before="import typer.rich_utils")
    assert "rich.markdown" in ref["modules"]  # the reference did take the usual path
    assert "rich.markdown" not in ran["modules"]
    assert out == ref_out
    assert "--decide-now" in out
    assert "--json" in out


def test_stand_ins_leave_the_real_modules_importable_after_help():
    after = (
        "import rich.markdown, rich.traceback, typer.rich_utils as ru\n"
        "assert type(ru.Markdown('*x*')) is rich.markdown.Markdown\n"
        "assert ru.Traceback.from_exception is not None\n"
        "assert isinstance(ru.Markdown('y'), ru.Markdown)\n"
        "assert rich.traceback.Traceback.__module__ == 'rich.traceback'\n"
    )
    ran, _ = _main_in_process(["--help"], after=after)
    assert ran["code"] == 0
    assert {"rich.markdown", "rich.traceback"} <= set(ran["modules"])


def test_solve_imports_no_workbook_reader_yaml_plots_or_server(tmp_path):
    ran, _ = _main_in_process(["solve", "--out", str(tmp_path / "run")])
    assert ran["code"] == 0
    assert (tmp_path / "run" / "workbook.xlsx").is_file()
    assert {"pandas", "highspy", "xlsxwriter"} <= set(ran["modules"])  # it did solve and write
    assert _loaded(ran["modules"], NOT_FOR_SOLVE) == []


def test_a_deferred_class_acts_as_the_real_one():
    half = Deferred("Fraction", (), {"_module": "fractions"})
    assert half(1, 2) == Fraction(1, 2)
    assert type(half(3, 4)) is Fraction
    assert half.from_float(0.25) == Fraction(1, 4)  # a class attribute, from the real class
    assert isinstance(Fraction(1, 3), half)
    assert not isinstance(0.5, half)
    assert issubclass(Fraction, half)


def test_a_stand_in_module_hands_over_to_the_real_one(tmp_path, monkeypatch):
    (tmp_path / "standin_probe.py").write_text("class Probe:\n    KIND = 'real'\n\nOTHER = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    stub = stand_in("standin_probe", "Probe")
    monkeypatch.setitem(sys.modules, "standin_probe", stub)
    with pytest.raises(AttributeError):
        stub.__path__  # noqa: B018 - what the import system asks of every module
    assert sys.modules["standin_probe"] is stub
    assert stub.OTHER == 7  # another name: the real module is imported and takes its place
    real = sys.modules["standin_probe"]
    assert real is not stub
    assert real.Probe.KIND == "real"
    assert type(stub.Probe()) is real.Probe  # the stand-in class makes the real one's objects


def test_a_stand_in_class_called_first_replaces_its_module(tmp_path, monkeypatch):
    (tmp_path / "standin_probe2.py").write_text("class Probe:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    stub = stand_in("standin_probe2", "Probe")
    monkeypatch.setitem(sys.modules, "standin_probe2", stub)
    made = stub.Probe()
    assert sys.modules["standin_probe2"] is not stub
    assert type(made) is sys.modules["standin_probe2"].Probe


def test_command_annotations_are_objects_typer_need_not_evaluate():
    from allocator.cli import app  # every command registered (the package's __getattr__)

    texts = {
        f"{info.callback.__module__}.{info.callback.__name__}": name
        for info in app.registered_commands
        for name, annotation in info.callback.__annotations__.items()
        if isinstance(annotation, str)
    }
    assert len(app.registered_commands) >= 13
    assert texts == {}  # a text annotation is evaluated twice each time the commands are built
