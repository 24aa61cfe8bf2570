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
    "dropped",
    "status",
    "passes",
    "ranging",
    "marginal",
    "probes",
    "basisrange",
    "units",
    "sideends",
    "sharecap",
    "wholeunit",
    "diagnosis",
    "subproblems",
    "heldface",
    "columns",
    "rows",
    "facelp",
    "restrict",
    "results",
    "numerics",
    "alternatives",
    "ties",
    "renewal",
    "folding",
}
"""The modules of `solver/`: the only ones that may import highspy."""


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_only_the_command_line_imports_the_command_line(path):
    """Modules of `cli/` may import one another; no module outside it imports any of them but
    the package's `__main__.py`, which is the command itself (`python -m allocator`), as the
    console script is."""
    if PACKAGE / "cli" not in path.parents and path != PACKAGE / "__main__.py":
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


# --- the layers: each package imports only from those below it -------------------------------

LAYERS = ("data", "model", "solver", "report", "studies", "runs")
FORBIDDEN = {
    "data": {"pyomo", "highspy", "allocator.model", "allocator.solver", "allocator.report",
             "allocator.studies", "allocator.pipeline", "allocator.runs", "allocator.cli"},
    "model": {"highspy", "allocator.solver", "allocator.report", "allocator.studies",
              "allocator.pipeline", "allocator.runs", "allocator.cli"},
    "solver": {"allocator.report", "allocator.studies", "allocator.pipeline", "allocator.runs",
               "allocator.cli"},
    "report": {"pyomo", "highspy", "allocator.solver",
               "allocator.studies", "allocator.pipeline", "allocator.runs", "allocator.cli"},
    "studies": {"allocator.pipeline", "allocator.runs", "allocator.cli"},
    "runs": {"allocator.cli"},
}  # fmt: skip
"""report/ reads the family registry, which is the table of contents `model/build.py` lists (the
functions that build the rows carry their families' entries): those load with it, and the check
of pyomo and highspy above covers them."""


def _loaded_by(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_loads_nothing_from_the_layers_above_it(layer):
    modules = sorted(
        f"allocator.{layer}.{p.stem}"
        for p in (PACKAGE / layer).glob("*.py")
        if p.stem != "__init__"
    )
    assert modules, f"no modules in {layer}/"
    loaded = _loaded_by(modules)
    bad = {m for m in loaded for f in FORBIDDEN[layer] if m == f or m.startswith(f + ".")}
    assert not bad, f"{layer}/ loads {sorted(bad)}"


def test_the_pipeline_loads_no_command_line():
    loaded = _loaded_by(["allocator.pipeline"])
    assert not {m for m in loaded if m.startswith(("allocator.cli", "allocator.runs"))}


def test_no_private_name_is_imported_across_modules():
    for path in [*MODULES, *(ROOT / "tests").glob("*.py"), *(ROOT / "bench").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("allocator"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"


# --- no import cycle ----------------------------------------------------------------------------

KNOWN_CYCLES: tuple[set[str], ...] = ()
"""Cycles allowed (none: issue 26 removed the last ones, in cli/ and report/). A cycle is allowed
only inside one of these sets, so the list may shrink, never grow."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules a file imports when it runs (at its top or inside a function; not
    under `if TYPE_CHECKING:`, which never runs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
    return {m for m in found if m in modules} - {_module_name(path)}


def _reached(graph: dict[str, set[str]], start: str) -> set[str]:
    """The modules `start` imports, directly or through others."""
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph[node]
    return seen


def import_cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The sets of modules that import one another (strongly connected, more than one module)."""
    reach = {node: _reached(graph, node) for node in graph}
    cycles: list[set[str]] = []
    for node in sorted(graph):
        part = {other for other in reach[node] if node in reach[other]}
        if len(part) > 1 and part not in cycles:
            cycles.append(part)
    return cycles


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles(graph) == [{"a", "b", "c"}]


def test_no_module_has_an_import_cycle():
    names = {_module_name(p): p for p in MODULES}
    graph = {name: runtime_imports(path, set(names)) for name, path in names.items()}
    cycles = [c for c in import_cycles(graph) if not any(c <= k for k in KNOWN_CYCLES)]
    assert not cycles, [sorted(c) for c in cycles]
