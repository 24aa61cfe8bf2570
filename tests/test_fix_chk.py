"""chk: `--check-against` keeps a caller's override mapping recorded in run.json (it was counted
as the model file's and dropped when the file was read again), serve tells a `--set` by the
one test of `runs.given`, and a hand-built RunSpec with a rate but not the discounted measure
is refused in a Python caller's words."""

from __future__ import annotations

import json
import shutil

import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA, run_cli

GREEDY = DATA / "greedy"


def _greedy_model(tmp_path) -> object:
    """A model file on a copy of the greedy case (programs a, b, c) that excludes program a."""
    data = shutil.copytree(GREEDY, tmp_path / "data")
    model = tmp_path / "m.yaml"
    model.write_text(
        f"dataset: {data.as_posix()}\nobjective: jobs\noverrides:\n  - exclude_program: a\n",
        encoding="utf-8",
    )
    return model


# --- 1. a caller's override mapping is kept by --check-against --------------------------------


def test_check_against_keeps_a_callers_mapping_on_a_model_file(tmp_path):
    from allocator.runs.record import read_record, spec_of_record, with_model_file_now

    model = _greedy_model(tmp_path)
    out = tmp_path / "run"
    allocator.solve(str(model), overrides=[{"exclude_program": "b"}], out=out)
    spec = spec_of_record(read_record(out))
    again, changed = with_model_file_now(spec)
    assert [o.exclude_program for o in again.overrides] == ["a", "b"]
    assert changed is False
    res = run_cli("solve", "--check-against", out, "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["status"] == "identical"


def test_check_against_still_reads_the_model_file_as_it_is_now(tmp_path):
    from allocator.runs.record import read_record, spec_of_record, with_model_file_now

    model = _greedy_model(tmp_path)
    out = tmp_path / "run"
    allocator.solve(str(model), overrides=["programs.b.cap_musd=1"], out=out)
    model.write_text(model.read_text().replace("exclude_program: a", "exclude_program: c"))
    again, changed = with_model_file_now(spec_of_record(read_record(out)))
    assert [o.exclude_program for o in again.overrides] == ["c", None]
    assert changed is True


def test_check_against_sees_a_model_file_cut_to_a_prefix_of_its_overrides(tmp_path):
    model = _greedy_model(tmp_path)
    out = tmp_path / "run"
    allocator.solve(str(model), overrides=[{"exclude_program": "b"}], out=out)
    model.write_text(
        model.read_text()
        .replace("  - exclude_program: a\n", "")
        .replace("overrides:\n", "overrides: []\n")
    )
    res = run_cli("solve", "--check-against", out, "--json")
    assert res.exit_code == 1, res.stdout
    assert "changed its overrides or sets" in res.stdout


# --- 2. serve's --set test is runs.given's -----------------------------------------------------


def test_serve_names_the_typed_sets_by_the_one_test(monkeypatch):
    from allocator.runs import given
    from allocator.runs.optiontext import set_overrides
    from allocator.runs.spec import RunSpec
    from allocator.serve import save

    spec = RunSpec(inputs=GREEDY, overrides=set_overrides(["programs.b.cap_musd=1"]))
    assert save.command_line_sets(spec) == ["programs.b.cap_musd=1"]
    monkeypatch.setattr(given, "typed_set", lambda override: False)
    assert save.command_line_sets(spec) == []


# --- 3. a hand-built spec's rate is refused in a Python caller's words ---------------------------


def test_a_runspecs_rate_without_the_discounted_measure_is_refused_in_keyword_words():
    from allocator.runs.spec import RunSpec

    spec = RunSpec(inputs=GREEDY, measure="final", discount_rate=0.05)
    with pytest.raises(UsageError) as caught:
        allocator.plan(spec)
    said = str(caught.value)
    assert 'measure="discounted"' in said
    assert "--measure" not in said


def test_the_command_lines_rate_refusal_keeps_its_words():
    res = run_cli(
        "solve", "--inputs", GREEDY, "--measure", "final", "--discount-rate", "0.05", "--json"
    )
    assert res.exit_code == 2
    assert "--measure discounted" in res.stderr
