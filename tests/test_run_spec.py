"""The typed run spec (`allocator.runs.spec.RunSpec`): what a command builds, what run.json
stores, and what `--check-against`, `compare` and `report` read back through one reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydantic import Field, ValidationError, create_model
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.cli.options import set_overrides
from allocator.runs.record import read_record, spec_of_record
from allocator.runs.solve import solve as solve_run
from allocator.runs.spec import RunSpec, layered
from conftest import DATA

ROBUST = DATA / "robust"
MEASURES = DATA / "measures"


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_check_against_repeats_a_cumulative_run(tmp_path):
    out = tmp_path / "run"
    first = _invoke("solve", "--inputs", MEASURES, "--measure", "cumulative", "--out", out)
    assert first.exit_code == 0, first.output
    again = _invoke("solve", "--json", "--check-against", out)  # the run.json has the measure
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["differences"] == []


def test_check_against_repeats_a_risk_run(tmp_path):
    """The --risk options (risk, beta, cap, scenarios, seed) are part of the run: a re-run that
    dropped them solved the nominal plan and reported every table as different."""
    out = tmp_path / "run"
    first = _invoke(
        "solve", "--inputs", ROBUST, "--risk", "cvar", "--scenarios", "6", "--seed", "3",
        "--beta", "0.5", "--out", out,
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    again = _invoke("solve", "--json", "--check-against", out)
    assert json.loads(again.stdout)["differences"] == [], again.output
    assert again.exit_code == 0


def _project(tmp_path: Path, text: str) -> Path:
    """A project with a copy of a small dataset and one model file holding `text`."""
    shutil.copytree(DATA / "greedy", tmp_path / "inputs")
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.yaml"
    model.write_text("dataset: ../inputs\n" + text, encoding="utf-8")
    return model


def test_layered_defaults_then_model_file_then_command_line(tmp_path):
    model = _project(
        tmp_path, "name: mine\nobjective: exports\nmeasure: discounted\ndiscount_rate: 0.03\n"
    )
    assert layered().objective == "jobs"  # the defaults
    assert layered().discount_rate == 0.0  # final: no discounting, resolved once
    from_file = layered(model)
    assert (from_file.objective, from_file.discount_rate, from_file.name) == (
        "exports",
        0.03,
        "mine",
    )
    assert from_file.inputs == (tmp_path / "inputs").resolve()
    told = layered(model, objective="jobs", targets=None)  # None: not given
    assert (told.objective, told.targets, told.discount_rate) == ("jobs", "soft", 0.03)
    # another measure on the command line drops the file's rate (it was the file measure's)
    other = layered(model, measure="cumulative")
    assert (other.measure, other.discount_rate) == ("cumulative", 0.0)
    again = layered(model, measure="discounted")
    assert again.discount_rate == 0.03


def test_the_spec_is_frozen_and_flat_scenario_fields_land_in_it():
    spec = RunSpec(inputs=Path("x"), objective="exports")
    assert spec.scenario.inputs == Path("x")
    with pytest.raises(ValidationError):
        spec.objective = "jobs"  # type: ignore[misc]
    assert spec.with_(objective="jobs", inputs=Path("y")).inputs == Path("y")
    assert RunSpec.model_fields["beta"].description == "CVaR: the tail is the worst 1 - beta share."


def test_the_spec_round_trips_through_run_json(tmp_path):
    model = _project(tmp_path, "objective: exports\noverrides:\n  - exclude_program: b\n")
    spec = layered(model, set_overrides(["programs.a.jobs_per_musd=9"]), out=tmp_path / "run")
    run = solve_run(spec)
    info = read_record(run.folder)
    assert spec_of_record(info) == spec
    assert [o.exclude_program for o in spec.overrides][:1] == ["b"]
    assert info["options"]["objective"] == "exports"  # the block other readers read is kept


def test_a_run_json_without_a_spec_block_is_read_from_its_options(tmp_path):
    out = tmp_path / "run"
    assert (
        _invoke("solve", "--inputs", MEASURES, "--measure", "discounted", "--out", out).exit_code
        == 0
    )
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    spec = record.pop("spec")
    assert spec_of_record(record).measure == "discounted"
    assert spec_of_record(record).discount_rate == spec["discount_rate"] == 0.05


def test_a_toy_option_is_one_field(tmp_path, monkeypatch):
    """A new option is a field of RunSpec with its docstring: it is stored in run.json and read
    back by the one reader with no other change."""
    import allocator.runs.spec as specs

    toy = create_model(
        "RunSpec", __base__=RunSpec, toy_level=(int, Field(default=0, description="A toy."))
    )
    monkeypatch.setattr(specs, "RunSpec", toy)
    spec = toy(inputs=DATA / "greedy", out=tmp_path / "run", toy_level=7)
    run = solve_run(spec)
    back = spec_of_record(read_record(run.folder))
    assert isinstance(back, toy)
    assert back.toy_level == 7
    assert back.with_(out=None).toy_level == 7


def test_weights_keep_one_order_through_run_json():
    """The weighted objective solves its parts in the order of the weights (warm passes on one
    HiGHS instance), and run.json sorts keys: a spec read back must solve in the same order, or
    a degenerate optimum's prices differ (seen on the baseline with jobs=1, exports=2)."""
    spec = RunSpec(weights={"exports": 2, "jobs": 1})
    assert list(spec.weights) == ["jobs", "exports"]
    stored = json.loads(json.dumps(spec.stored(), sort_keys=True))
    assert list(stored["weights"]) == ["exports", "jobs"]
    assert list(spec_of_record({"spec": stored}).weights) == ["jobs", "exports"]


def test_every_command_refuses_an_unknown_objective_or_targets_in_one_line():
    """The check is the spec's (`layered`): alternatives and sweep ran `jbos` and `sfot` too."""
    from conftest import run_cli

    for args in (
        ("alternatives", "--objective", "jbos"),
        ("sweep", "--targets", "sfot", "--samples", "2", "--serial"),
        ("frontier", "--targets", "sfot"),
        ("solve", "--objective", "jbos"),
    ):
        code, stdout, stderr = run_cli(*args)
        assert code == 2, (args, stderr)
        assert stderr.count("\n") == 1, stderr
        assert "unknown objective 'jbos'" in stderr or "unknown --targets 'sfot'" in stderr
        assert stdout == ""
