"""Loose ends in data, compare and hedging (task l1): a program or pool excluded twice is said
once, naming both places; a caller's override on a model file is named by the caller's place
(`overrides[k]`), never as the file's; compare gives the value a run's tables hold for a limit
outside the rows its run re-solves, or says in words why a cell is blank; progressive hedging
names the scenarios that have no plan even alone, with their drawn values."""

from __future__ import annotations

import shutil

import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA, run_cli

GREEDY = DATA / "greedy"


def _model(tmp_path, overrides: str) -> str:
    """A model file on a copy of the greedy case (programs a, b, c; 120 musd in p1) with these
    override lines."""
    data = shutil.copytree(GREEDY, tmp_path / "data")
    model = tmp_path / "m.yaml"
    body = f"dataset: {data.as_posix()}\nobjective: jobs\noverrides:\n{overrides}"
    model.write_text(body, encoding="utf-8")
    return str(model)


# --- 1. a program or pool excluded twice ------------------------------------------------------


def test_a_program_excluded_twice_in_a_model_file_is_said_once_naming_both(tmp_path):
    """Greedy without b: a takes its cap, 60 musd at 10 jobs, c the other 60 at 2: 720 jobs,
    the same plan as one exclude gives; the second exclude is said once, both places named."""
    model = _model(tmp_path, "  - exclude_program: b\n  - exclude_program: b\n")
    notes: list[str] = []
    run = allocator.plan(model, warn=notes.append)
    assert run.solution.objective_value == pytest.approx(720)
    twice = [n for n in notes if "excluded already" in n]
    assert len(twice) == 1, notes
    said = f"{model}: overrides[1]: program 'b' is excluded already by overrides[0], so this "
    assert twice[0].startswith(said), twice


def test_a_callers_exclude_of_a_program_the_file_excludes_names_both_places(tmp_path):
    model = _model(tmp_path, "  - exclude_program: b\n")
    notes: list[str] = []
    run = allocator.plan(model, overrides=[{"exclude_program": "b"}], warn=notes.append)
    assert run.solution.objective_value == pytest.approx(720)
    twice = [n for n in notes if "excluded already" in n]
    assert len(twice) == 1, notes
    assert twice[0].startswith("overrides[0]: program 'b' is excluded already by "), twice
    assert f"by overrides[0] of {model}, so this exclude changes nothing" in twice[0], twice


def test_a_pool_excluded_twice_by_the_command_line_is_one_warning_line(tmp_path):
    data = shutil.copytree(DATA / "greedy", tmp_path / "data")
    with (data / "pools.csv").open("a", encoding="utf-8") as handle:
        handle.write("extra,p1,10,hand-solved test case\n")
    model = tmp_path / "m.yaml"
    model.write_text(
        f"dataset: {data.as_posix()}\noverrides:\n  - exclude_pool: extra\n"
        "  - exclude_pool: extra\n",
        encoding="utf-8",
    )
    done = run_cli("solve", model, "--out", tmp_path / "run")
    assert done.exit_code == 0, done.stderr
    said = [x for x in done.stderr.splitlines() if "excluded already" in x]
    assert len(said) == 1, done.stderr
    assert "m.yaml: overrides[1]: pool 'extra' is excluded already by overrides[0]" in said[0]


# --- 4. a caller's override on a model file is named by the caller's place --------------------


def test_a_callers_unknown_program_is_named_by_the_callers_place(tmp_path):
    model = _model(tmp_path, "  - exclude_program: c\n")
    bad = {"set_coefficient": {"program": "zz", "column": "cap_musd", "value": 5}}
    with pytest.raises(UsageError) as caught:
        allocator.plan(model, overrides=[bad])
    line = str(caught.value)
    assert line.startswith("overrides[0].set_coefficient: unknown program 'zz'"), line
    assert "m.yaml: overrides[1]" not in line, line


def test_a_callers_override_of_a_program_the_file_excludes_names_both_by_their_places(tmp_path):
    model = _model(tmp_path, "  - exclude_program: a\n")
    cap = {"set_coefficient": {"program": "a", "column": "cap_musd", "value": 5}}
    with pytest.raises(UsageError) as caught:
        allocator.plan(model, overrides=[cap])
    line = str(caught.value)
    assert line.startswith("overrides[0].set_coefficient: program 'a' is excluded by "), line
    assert f"overrides[0] of {model} (exclude_program: a)" in line, line


def test_a_files_override_of_a_program_the_caller_excludes_names_the_callers_place(tmp_path):
    model = _model(tmp_path, "  - set_coefficient: {program: a, column: cap_musd, value: 5}\n")
    with pytest.raises(UsageError) as caught:
        allocator.plan(model, overrides=["programs.b.cap_musd=50", {"exclude_program": "a"}])
    line = str(caught.value)
    assert line.startswith(f"{model}: overrides[0].set_coefficient: program 'a' is excluded"), line
    assert "by the caller's overrides[1] (exclude_program: a)" in line, line


def test_a_callers_scale_of_an_unknown_pool_is_named_by_the_callers_place(tmp_path):
    model = _model(tmp_path, "  - exclude_program: c\n  - exclude_program: b\n")
    with pytest.raises(UsageError) as caught:
        allocator.plan(model, overrides=[{"scale_budget": {"pool": "nope", "factor": 2}}])
    line = str(caught.value)
    assert line.startswith("overrides[0].scale_budget: unknown pool 'nope'"), line
