"""Findings of hunt16: today's docs (docs/api.md, docs/serve.md, docs/cli.md "Environment")
run as written. Each test failed on the code it was written against (a strict xfail, its
reason the harm; each mark dropped with its fix); tests/test_*found*.py cover the others
(review8: overrides= on a model file, None keywords, compare and pandas values, a sweep's
exclusion)."""

from __future__ import annotations

import math
import shutil

import pytest

import allocator
from allocator.errors import InputError, UsageError
from conftest import DATA, run_cli

GREEDY = DATA / "greedy"
MEASURES = DATA / "measures"
TOKEN = "hunt16-token-not-secret"


def _refusal(call) -> str:
    """The one-line message of the UsageError or InputError `call()` raises."""
    with pytest.raises((UsageError, InputError)) as caught:
        call()
    said = str(caught.value)
    assert "\n" not in said, said
    return said


# docs/serve.md: "The answers of plan, set, reset and save carry `warnings`: the `warning: ...`
# lines `allocator solve` prints on stderr for that scenario", shown "with every plan". A
# numerics warning (coefficients spanning more than 1e8) is one of solve's warning: lines; the
# answers of plan and set hold the dataset's notes only (serve/app.py: notes_of).


def _tiny_coefficient_project(tmp_path):
    """A project (inputs/greedy) whose program c makes 1e-7 jobs per US$ million: solve warns
    that the objective's coefficients span 1e-07 to 20."""
    data = shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    programs = data / "programs.csv"
    text = programs.read_text(encoding="utf-8")
    programs.write_text(text.replace("c,s2,2025,2026,100,0,2,", "c,s2,2025,2026,100,0,1e-7,"))
    return data


def _solve_warnings(data, *args: str) -> list[str]:
    """The `warning:` lines `allocator solve --inputs DATA ARGS` prints on stderr."""
    done = run_cli("solve", "--inputs", data, *args, "--out", data.parent.parent / "cli")
    assert done.exit_code == 0, done.stderr
    return [line for line in done.stderr.splitlines() if line.startswith("warning: ")]


@pytest.mark.parametrize("route", ["plan", "set"])
def test_serves_answers_carry_every_warning_solve_prints(tmp_path, route):
    from starlette.testclient import TestClient

    from allocator.runs.spec import RunSpec
    from allocator.serve.app import HEADER, create_app
    from allocator.serve.held import HeldModel

    data = _tiny_coefficient_project(tmp_path)
    held = HeldModel(RunSpec(inputs=data))
    app = create_app(held, TOKEN, tmp_path / "models", tmp_path / "results", ("testserver",))
    client = TestClient(app)
    auth = {HEADER: TOKEN}
    if route == "plan":
        answer = client.get("/api/plan", headers=auth).json()
        expected = _solve_warnings(data)
    else:
        client.get("/api/plan", headers=auth)
        cell = "pools.public/p1.budget_musd=100"
        answer = client.post("/api/set", headers=auth, json={"set": [cell]}).json()
        expected = _solve_warnings(data, "--set", cell)
    assert any("coefficients span" in line for line in expected), expected
    assert answer["warnings"] == expected


# docs/api.md: "A keyword's value is read as its option reads it (`discount_rate="5%"` is
# 0.05, by the one reader of `--discount-rate`: a number as its text ...)". The number's text
# is its repr: numpy's float64 (a float subclass, what a DataFrame cell gives) reads
# 'np.float64(0.05)'; weights=, beta= and cvar_cap= take numpy numbers.


@pytest.mark.parametrize("kind", ["float64", "float32"])
def test_a_numpy_discount_rate_is_read_as_its_number(kind):
    import numpy as np

    rate = getattr(np, kind)(0.05)
    by_float = allocator.plan(inputs=MEASURES, measure="discounted", discount_rate=0.05)
    by_numpy = allocator.plan(inputs=MEASURES, measure="discounted", discount_rate=rate)
    assert by_numpy.info["measure"]["discount_rate"] == pytest.approx(0.05)
    assert by_numpy.solution.objective_value == pytest.approx(by_float.solution.objective_value)


# docs/api.md: "`overrides=` is `--set` too ... A refused one is named by its place,
# `overrides[1]: ...`, as a model file's are named by the file" (a model file's: `m.yaml:
# set[1] '...': ...`). Only a text that is no TABLE.KEY.COLUMN=VALUE is; a wrong key or value,
# and a set_cell mapping, are named `--set '...'`: an option nobody gave, and no place.

SET = "pools.public/p1.budget_musd=60"


@pytest.mark.parametrize(
    "bad",
    [
        "pools.nope/p1.budget_musd=1",
        "programs.a.cap_musd=-5",
        {"set_cell": {"table": "pools", "key": "nope/p1", "column": "budget_musd", "value": "1"}},
    ],
    ids=["unknown-key", "value-below-minimum", "set-cell-mapping"],
)
def test_a_refused_set_in_overrides_is_named_by_its_place(bad):
    said = _refusal(lambda: allocator.plan(inputs=GREEDY, overrides=[SET, bad]))
    assert said.startswith("overrides[1]"), said
    assert "--set" not in said.split(":")[0], said


# docs/api.md: "a value it cannot take, is a UsageError naming it"; the rate's text is its
# repr, and an int of more than 4,300 digits has none (Python's int-to-str limit).


def test_a_rate_too_long_to_write_is_refused_in_one_line():
    said = _refusal(
        lambda: allocator.plan(inputs=MEASURES, measure="discounted", discount_rate=10**5000)
    )
    assert "discount_rate" in said, said


# docs/api.md: "one reader of `--discount-rate`: ... so `nan` is refused ... whatever the
# measure", and `sweep(RunSpec(inputs=..., seed=7))`: a RunSpec built by hand. plan and solve
# of the same RunSpec refuse its nan rate in different words, plan's fix naming --discount-rate.


def test_plan_and_solve_refuse_a_runspecs_rate_in_the_same_words(tmp_path):
    spec = allocator.RunSpec(inputs=MEASURES, measure="discounted", discount_rate=math.nan)
    by_plan = _refusal(lambda: allocator.plan(spec))
    by_solve = _refusal(lambda: allocator.solve(spec, out=tmp_path / "run"))
    assert by_plan == by_solve
    assert not (tmp_path / "run").exists()


# docs/api.md shows `RunSpec(inputs=..., seed=7)` built by hand, and says errors are "the
# command line's: UsageError and InputError for input you can fix (one line ...)". A field
# given to RunSpec as its keyword takes it ("5%", "jobs=0.7,exports=0.3", a --set text) is
# refused by pydantic's ValidationError: several lines and a URL.


@pytest.mark.parametrize(
    "given",
    [
        {"measure": "discounted", "discount_rate": "5%"},
        {"objective": "weighted", "weights": "jobs=0.7,exports=0.3"},
        {"overrides": [SET]},
    ],
    ids=["rate", "weights", "overrides"],
)
def test_a_runspec_takes_a_value_as_its_keyword_does_or_refuses_it_in_one_line(given):
    from allocator.runs.arguments import spec_given

    spec, refused = None, None
    try:
        spec = allocator.RunSpec(inputs=MEASURES, **given)
    except (UsageError, InputError) as exc:
        refused = str(exc)
    if refused is not None:  # refused in one line: fine too
        assert "\n" not in refused, refused
    else:
        assert spec == spec_given(None, {"inputs": MEASURES, **given})  # as the keyword reads it


# docs/api.md: "What the command line tells on stderr as a `warning:` line (..., a numerics
# warning of HiGHS) reaches a Python caller ... or pass `warn=` ... to `solve`, `plan`,
# `compare`, `frontier`, `alternatives` or `sweep`". Only solve and plan check the numerics
# (pipeline.solve_inputs); compare solves the same plans as solve and tells nothing, and so
# do frontier and alternatives (on the command line too).


@pytest.mark.parametrize("study", ["compare", "frontier", "alternatives"])
def test_a_study_tells_the_numerics_warning_solve_tells(tmp_path, study):
    data = _tiny_coefficient_project(tmp_path)
    told_by_solve: list[str] = []
    allocator.plan(inputs=data, warn=told_by_solve.append)
    assert any("coefficients span" in note for note in told_by_solve), told_by_solve
    told: list[str] = []
    out = tmp_path / study
    if study == "compare":
        allocator.compare(["jobs", "exports"], inputs=data, out=out, warn=told.append)
    elif study == "frontier":
        allocator.frontier(inputs=data, points=2, out=out, warn=told.append)
    else:
        allocator.alternatives(inputs=data, out=out, warn=told.append)
    assert [n for n in told_by_solve if n not in told] == []


# docs/api.md: "`run.info` is the content of the run folder's `run.json`; its `spec` block is
# the `RunSpec` (`RunSpec.model_validate(run.info["spec"])` gives it back)", and "`sweep`
# samples with the spec's `seed`". solve's, compare's, frontier's and alternatives' run.json
# hold that block; a sweep's holds none (its seed is in sweep.json alone), and its SweepRun no
# `info`.


def test_a_sweeps_run_json_gives_back_its_runspec_and_seed(tmp_path):
    import json

    spec = allocator.RunSpec(inputs=DATA / "sweep", seed=7)
    done = allocator.sweep(spec, seed=3, samples=2, out=tmp_path / "s", warn=lambda _: None)
    record = json.loads((done.folder / "run.json").read_text(encoding="utf-8"))
    assert allocator.RunSpec.model_validate(record["spec"]).seed == 3
