"""The public Python API: the commands' own functions (`from allocator import solve`), and the
example of docs/api.md, executed as written."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd

import allocator
from conftest import DATA, ROOT


def test_the_api_is_the_commands_functions():
    from allocator.runs import alternatives, compare, frontier, solve, sweep

    assert allocator.solve is solve.solve
    assert allocator.compare is compare.compare
    assert allocator.frontier is frontier.frontier
    assert allocator.alternatives is alternatives.alternatives
    assert allocator.sweep is sweep.sweep
    assert set(allocator.__all__) >= {"solve", "compare", "frontier", "alternatives", "sweep"}


def test_the_docs_example_runs(tmp_path, monkeypatch, capsys):
    """The example as written, in a folder whose ./inputs/peru2040 (the dataset a run without
    one reads first) is a small one, so that it runs in a second."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    shutil.copytree(DATA / "exports", tmp_path / "inputs" / "peru2040")
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    exec(compile(code, "docs/api.md", "exec"), scope)  # noqa: S102 - our own docs page
    run, side = scope["run"], scope["side"]
    record = json.loads((tmp_path / "exports-run" / "run.json").read_text(encoding="utf-8"))
    assert record["spec"]["objective"] == "exports"
    assert record["objective"]["value"] == run.solution.objective_value  # type: ignore[attr-defined]
    assert isinstance(run.tables["allocation_by_phase"], pd.DataFrame)  # type: ignore[attr-defined]
    table = side.table  # type: ignore[attr-defined]
    row = table[table["metric"] == "objective (exports)"].iloc[0]
    assert row["exports-run"] == run.solution.objective_value  # type: ignore[attr-defined]
    # the jobs plan optimised another objective: its exports in 2026, from its outcomes (y
    # takes the 100 US$ million: 100 of exports)
    assert row["jobs"] == 100
    assert (tmp_path / "side-by-side" / "compare.csv").is_file()
    printed = capsys.readouterr().out
    assert f"{run.solution.objective_value:,.0f} musd" in printed  # type: ignore[attr-defined]


def _cli_imports() -> dict[str, set[str]]:
    """Each module of allocator/cli and the cli modules it imports (at the top or inside a
    function), the package itself left out (it registers the commands)."""
    import ast
    from pathlib import Path

    import allocator.cli

    folder = Path(allocator.cli.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        if path.stem in ("__init__", "__main__"):
            continue
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            if module.startswith("allocator.cli."):
                found.add(module.removeprefix("allocator.cli."))
            elif module == "allocator.cli":  # from allocator.cli import summary
                found |= {a.name for a in node.names if (folder / f"{a.name}.py").is_file()}
        graph[path.stem] = found
    return graph


def test_no_import_cycle_in_the_command_line():
    graph = _cli_imports()
    assert "commands" in graph["freedom"]  # the walk sees imports (freedom registers on the app)
    assert "summary" in graph["render"]  # and `from allocator.cli import summary`

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(m for m in graph if reaches(m, m, {m}))
    assert cycles == []
