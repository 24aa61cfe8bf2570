"""Fixes of hunt16's findings (tests/test_hunt16_found.py): what those tests leave out."""

from __future__ import annotations

import shutil

import pytest

import allocator
from allocator.errors import InputError, UsageError
from conftest import DATA

GREEDY = DATA / "greedy"
MEASURES = DATA / "measures"
TOKEN = "h16fix-token-not-secret"


def _refusal(call) -> str:
    """The one-line message of the UsageError or InputError `call()` raises."""
    with pytest.raises((UsageError, InputError)) as caught:
        call()
    said = str(caught.value)
    assert "\n" not in said, said
    return said


def _tiny_coefficient_project(tmp_path):
    """A copy of greedy whose program c makes 1e-7 jobs per US$ million (a numerics warning)."""
    data = shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    programs = data / "programs.csv"
    text = programs.read_text(encoding="utf-8")
    programs.write_text(text.replace("c,s2,2025,2026,100,0,2,", "c,s2,2025,2026,100,0,1e-7,"))
    return data


def test_serves_reset_answer_carries_the_numerics_warning_and_loses_it_when_fixed(tmp_path):
    """Every answer says its scenario's warnings: reset's too, and a set that fixes the unit
    slip drops it (the warnings are the answer's scenario's, not the first plan's)."""
    from starlette.testclient import TestClient

    from allocator.runs.spec import RunSpec
    from allocator.serve.app import HEADER, create_app
    from allocator.serve.held import HeldModel

    data = _tiny_coefficient_project(tmp_path)
    app = create_app(
        HeldModel(RunSpec(inputs=data)), TOKEN, tmp_path / "m", tmp_path / "r", ("testserver",)
    )
    client = TestClient(app)
    auth = {HEADER: TOKEN}
    fixed = client.post("/api/set", headers=auth, json={"set": ["programs.c.jobs_per_musd=2"]})
    assert fixed.json()["warnings"] == []
    back = client.post("/api/reset", headers=auth, json={}).json()
    assert [w for w in back["warnings"] if "coefficients span 1e-07" in w], back["warnings"]


NUMERICS = "job_years objective coefficients span 1e-07"


@pytest.mark.parametrize(
    "args",
    [
        ("compare", "jobs", "exports"),
        ("frontier", "--points", "2"),
        ("alternatives",),
    ],
    ids=["compare", "frontier", "alternatives"],
)
def test_a_studys_command_prints_the_numerics_warning_once(tmp_path, args):
    """On the command line too, and once however many plans of the same data it solves."""
    from conftest import run_cli

    data = _tiny_coefficient_project(tmp_path)
    done = run_cli(*args, "--inputs", data, "--out", tmp_path / "out")
    assert done.exit_code == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if NUMERICS in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("warning: "), done.stderr


@pytest.mark.parametrize(
    "rate",
    ["decimal", "int64", "fraction"],
)
def test_a_number_rate_of_any_kind_is_read_as_its_value(rate):
    """Decimal, numpy integers and fractions are numbers: read as their value, not their repr."""
    from decimal import Decimal
    from fractions import Fraction

    import numpy as np

    given = {"decimal": Decimal("0.05"), "int64": np.int64(0), "fraction": Fraction(1, 20)}[rate]
    done = allocator.plan(inputs=MEASURES, measure="discounted", discount_rate=given)
    assert done.info["measure"]["discount_rate"] == pytest.approx(float(given))


@pytest.mark.parametrize("rate", [10**400, -(10**5000)], ids=["overflows-float", "no-text"])
def test_a_huge_whole_rate_is_refused_in_one_line_by_with(rate):
    spec = allocator.RunSpec(inputs=MEASURES, measure="discounted")
    said = _refusal(lambda: spec.with_(discount_rate=rate))
    assert said.startswith("discount_rate "), said
    assert "not in [0, 1]" in said, said


def test_a_runspecs_rate_past_the_range_is_refused_naming_the_keyword():
    """One reader: a RunSpec's rate out of range names discount_rate (a Python caller's word),
    never the command line's --discount-rate."""
    spec = allocator.RunSpec(inputs=MEASURES, measure="discounted", discount_rate=7.0)
    said = _refusal(lambda: allocator.plan(spec))
    assert said.startswith("discount_rate 7.0:"), said
    assert "--discount-rate" not in said, said


@pytest.mark.parametrize(
    ("given", "field", "value"),
    [
        ({"beta": "90%"}, "beta", 0.9),
        ({"cvar_cap": "20K"}, "cvar_cap", 20000.0),
        ({"measure": "discounted", "discount_rate": "5%"}, "discount_rate", 0.05),
    ],
    ids=["beta", "cvar-cap", "rate"],
)
def test_a_runspec_reads_text_as_its_keyword(given, field, value):
    assert getattr(allocator.RunSpec(inputs=MEASURES, **given), field) == pytest.approx(value)


@pytest.mark.parametrize(
    ("given", "field"),
    [({"seed": "seven"}, "seed"), ({"colour": "red"}, "colour"), ({"weights": "jobs"}, "weights")],
    ids=["seed", "unknown", "weights"],
)
def test_a_runspec_refuses_a_value_in_one_line_naming_its_field(given, field):
    said = _refusal(lambda: allocator.RunSpec(inputs=MEASURES, **given))
    assert field in said.split(":")[0], said


def test_another_measure_by_with_drops_the_old_measures_rate():
    """A hand-built spec fills the rate as `layered` does (0 for final), so `with_` of another
    measure drops it, as a keyword does: discounted at its default rate, never at final's 0."""
    from allocator.runs.spec import DEFAULT_DISCOUNT_RATE

    for spec in (allocator.RunSpec(inputs=MEASURES), allocator.layered(inputs=MEASURES)):
        assert spec.discount_rate == 0.0
        assert spec.with_(measure="discounted").discount_rate == DEFAULT_DISCOUNT_RATE


def test_a_sweeps_info_is_its_run_json_and_reads_back_its_spec(tmp_path):
    """A SweepRun's info is its run.json (as every other run's), whose spec is the sweep's."""
    import json

    spec = allocator.RunSpec(inputs=DATA / "sweep", objective="exports")
    done = allocator.sweep(spec, seed=5, samples=2, out=tmp_path / "s", warn=lambda _: None)
    record = json.loads((done.folder / "run.json").read_text(encoding="utf-8"))
    assert done.info == record
    back = allocator.RunSpec.model_validate(record["spec"])
    assert (back.seed, back.objective, back.inputs) == (5, "exports", spec.inputs)


def test_a_refused_set_in_overrides_is_named_by_its_place_by_solve_too(tmp_path):
    """solve names it as plan does (and writes nothing); the command line's --set keeps its
    own name."""
    from conftest import run_cli

    bad = "pools.nope/p1.budget_musd=1"
    said = _refusal(lambda: allocator.solve(inputs=GREEDY, overrides=[bad], out=tmp_path / "run"))
    assert said.startswith(f"overrides[0]: --set '{bad}': the key 'nope/p1'"), said
    assert not (tmp_path / "run").exists()
    done = run_cli("solve", "--inputs", GREEDY, "--set", bad, "--out", tmp_path / "cli")
    assert done.exit_code == 2
    assert f"--set '{bad}': the key 'nope/p1'" in done.stderr
    assert "overrides[" not in done.stderr


def test_a_rate_without_the_discounted_measure_is_refused_in_the_callers_words(tmp_path):
    from conftest import run_cli

    said = _refusal(lambda: allocator.plan(inputs=MEASURES, discount_rate=0.05))
    assert 'Fix: add measure="discounted", or drop discount_rate' in said, said
    assert "--measure" not in said, said
    done = run_cli("solve", "--inputs", MEASURES, "--discount-rate", "0.05", "--out", tmp_path)
    assert "Fix: add --measure discounted" in done.stderr, done.stderr
