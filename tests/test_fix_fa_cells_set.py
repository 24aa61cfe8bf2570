"""Task fa 3: `allocator frontier`, `alternatives` and `core` name the cells set behind the run
on the terminal, as `allocator solve --set` does ("cells set: pools.public/p1.budget_musd from
100 to 150 (--set)"), as their report.html and run.json already did; a run without a set says
nothing of sets. core --json stays one JSON document, with the cells set in it as solve's.

tests/data/mga: pool public's p1 budget is 100 US$ million; tests/data/core: program a's cap
is 60 US$ million.
"""

from __future__ import annotations

import json

import pytest

from conftest import DATA, run_cli

CASES = [
    ("frontier", "mga", "pools.public/p1.budget_musd=50", "from 100 to 50", ("--points", "3")),
    ("alternatives", "mga", "pools.public/p1.budget_musd=50", "from 100 to 50", ()),
    ("core", "core", "programs.a.cap_musd=10", "from 60 to 10", ("--samples", "0")),
]


@pytest.mark.parametrize(("command", "data", "cell", "said", "extra"), CASES)
def test_a_study_terminal_names_the_cell_set(tmp_path, command, data, cell, said, extra):
    out = tmp_path / "run"
    res = run_cli(command, "--inputs", DATA / data, "--set", cell, *extra, "--out", out)
    assert res.exit_code == 0, res.stderr
    address = cell.split("=", 1)[0]
    lines = [" ".join(x.split()) for x in res.stdout.splitlines()]
    assert f"cells set: {address} {said} (--set)" in lines, res.stdout
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [c["cell"] for c in info["cells_set"]] == [address]  # what the line says, recorded


@pytest.mark.parametrize(("command", "data", "cell", "said", "extra"), CASES)
def test_a_study_without_a_set_says_no_cells_set(tmp_path, command, data, cell, said, extra):
    res = run_cli(command, "--inputs", DATA / data, *extra, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.stderr
    assert "cells set" not in res.stdout


def test_core_json_is_one_document_with_its_cells_set(tmp_path):
    args = ("--inputs", DATA / "core", "--set", "programs.a.cap_musd=10", "--samples", "0")
    res = run_cli("core", *args, "--json", "--out", tmp_path / "run")
    assert res.exit_code == 0, res.stderr
    document = json.loads(res.stdout)  # the whole of stdout: one document
    (cell,) = document["cells_set"]
    assert (cell["cell"], cell["old"], cell["new"], cell["origin"]) == (
        "programs.a.cap_musd",
        60.0,
        10.0,
        "--set",
    )
