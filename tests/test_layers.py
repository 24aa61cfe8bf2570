"""What each module may import, read from the source (issue 14: layers, one HiGHS factory)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "src" / "allocator"


def imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))
SOLVER = {
    "highs",
    "compile",
    "status",
    "passes",
    "ranging",
    "diagnosis",
    "subproblems",
    "results",
    "numerics",
}
"""The modules of `solver/`: the only ones that may import highspy."""


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_only_the_command_line_imports_the_command_line(path):
    if path.stem != "cli":
        assert not {m for m in imports(path) if m.startswith("allocator.cli")}, path


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_highs_instances_come_from_the_one_factory(path):
    """Only `highs.py` constructs `highspy.Highs` (quiet, seeded); only the modules of
    `solver/` import highspy at all."""
    text = path.read_text(encoding="utf-8")
    if path.stem != "highs":
        assert "highspy.Highs()" not in text, path
    if any(m == "highspy" or m.startswith("highspy.") for m in imports(path)):
        assert path.parent == PACKAGE / "solver", path
        assert path.stem in SOLVER, path


def test_the_benchmark_and_tests_use_the_factory_too():
    for path in [*(ROOT / "bench").glob("*.py"), *(ROOT / "tests").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "highspy.Highs()" not in text or path.name == "test_layers.py", path


@pytest.mark.parametrize(
    "module", ["allocator.studies.compare", "allocator.report.tables", "allocator.report.write"]
)
def test_reports_and_compare_load_no_solver(module):
    """Tables, files and comparisons read a `Solution` or a run folder: importing them loads
    neither Pyomo nor highspy (a fresh interpreter, so nothing else has loaded them first)."""
    code = f"import sys, {module}; print('pyomo' in sys.modules, 'highspy' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.split() == ["False", "False"], (module, done.stdout, done.stderr)
