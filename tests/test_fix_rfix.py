"""rfix: the review8 findings on the Python API (tests/test_review8_found.py), each fixed with
the checks here: a sweep's samples see every override of its run, keyword overrides go after
a model file's own, a None keyword on a RunSpec, pandas and numpy values given to compare, the
source of an API override in a refusal, and `layered` reading keywords as options."""

from __future__ import annotations

import shutil

import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA

SWEEP = DATA / "sweep"
GREEDY = DATA / "greedy"
SET = "pools.public/p1.budget_musd=60"


def _sweep_model(tmp_path, overrides: str) -> object:
    """A model file on a copy of the sweep case with `overrides` (YAML lines)."""
    data = shutil.copytree(SWEEP, tmp_path / "data")
    model = tmp_path / "m.yaml"
    model.write_text(
        f"dataset: {data.as_posix()}\nobjective: jobs\noverrides:\n{overrides}", encoding="utf-8"
    )
    return model


# --- 1. a sweep's samples see every override of its run -----------------------------------


def test_a_sweeps_study_carries_a_callers_mapping_after_the_model_files_own(tmp_path):
    from allocator.data.overrides import Override
    from allocator.runs.spec import layered

    model = _sweep_model(tmp_path, "  - scale_budget: {pool: public, factor: 0.8}\n")
    spec = layered(model, [Override(exclude_program="y"), *_sets([SET])])
    # the file's own come back with the file in each worker: sent once, not twice
    assert spec.study()["sets"] == [{"exclude_program": "y"}, SET]


def _sets(texts):
    from allocator.runs.optiontext import set_overrides

    return set_overrides(texts)


def _jobs(done) -> list[float]:
    """A sweep's jobs, sample by sample."""
    return done.table["jobs"].round(6).tolist()


def test_a_sweep_with_an_api_exclusion_solves_as_its_model_file_would(tmp_path):
    # (an excluded program's uncertainty range leaves the draws: the same exclusion, however
    # given, is the one comparison that holds sample by sample)
    data = shutil.copytree(SWEEP, tmp_path / "data")
    model = tmp_path / "m.yaml"
    model.write_text(
        f"dataset: {data.as_posix()}\noverrides:\n  - exclude_program: y\n", encoding="utf-8"
    )
    by_file = _jobs(allocator.sweep(model, samples=2, out=tmp_path / "file"))
    plain = _jobs(allocator.sweep(inputs=data, samples=2, out=tmp_path / "plain"))
    given = [{"exclude_program": "y"}]
    by_api = allocator.sweep(inputs=data, samples=2, out=tmp_path / "api", overrides=given)
    assert by_file != plain
    assert _jobs(by_api) == by_file


def test_a_model_files_sweep_takes_an_api_mapping_after_its_own(tmp_path):
    from allocator.data.overrides import Override

    both = "  - scale_budget: {pool: public, factor: 0.8}\n  - exclude_program: y\n"
    by_file = _jobs(allocator.sweep(_sweep_model(tmp_path, both), samples=2, out=tmp_path / "f"))
    model = _sweep_model(tmp_path / "one", "  - scale_budget: {pool: public, factor: 0.8}\n")
    spec = allocator.layered(model)
    spec = spec.with_(overrides=(*spec.overrides, Override(exclude_program="y")))
    assert _jobs(allocator.sweep(spec, samples=2, out=tmp_path / "a")) == by_file


def test_a_resumed_sweep_with_another_api_exclusion_is_refused(tmp_path):
    out = tmp_path / "sw"
    allocator.sweep(inputs=SWEEP, samples=2, out=out, overrides=[{"exclude_program": "y"}])
    with pytest.raises(UsageError):
        allocator.sweep(
            inputs=SWEEP, samples=2, out=out, resume=True, overrides=[{"exclude_program": "x"}]
        )


# --- 2. overrides= on a model file go after its own, as --set does ---------------------------


def _greedy_model(tmp_path) -> object:
    """A model file on a copy of the greedy case (programs a, b, c) that excludes program a."""
    data = shutil.copytree(GREEDY, tmp_path / "data")
    model = tmp_path / "m.yaml"
    model.write_text(
        f"dataset: {data.as_posix()}\nobjective: jobs\noverrides:\n  - exclude_program: a\n",
        encoding="utf-8",
    )
    return model


def test_a_plan_of_a_model_file_with_overrides_plans_as_solve_with_set(tmp_path):
    from allocator.runs.optiontext import set_overrides
    from allocator.runs.spec import layered

    model = _greedy_model(tmp_path)
    cli = allocator.plan(layered(model, set_overrides(["programs.b.cap_musd=1"])))
    api = allocator.plan(str(model), overrides=["programs.b.cap_musd=1"])
    assert "a" not in set(api.tables["allocation"]["program"])  # the file's exclusion holds
    assert api.solution.objective_value == pytest.approx(cli.solution.objective_value)


def test_overrides_on_a_runspec_go_after_its_own_in_order(tmp_path):
    from allocator.runs.arguments import spec_given

    spec = allocator.RunSpec(inputs=GREEDY, overrides=[{"exclude_program": "a"}])
    given = spec_given(spec, {"overrides": [{"exclude_program": "b"}, SET]})
    assert [o.exclude_program for o in given.overrides] == ["a", "b", None]
    cell = given.overrides[2].set_cell
    assert cell is not None
    assert cell.text == SET
    # none given: the spec's own are kept; an empty list adds nothing
    assert spec_given(spec, {"overrides": []}).overrides == spec.overrides


# --- 3. a keyword None on a RunSpec sets the field to None ------------------------------------


def test_a_none_decide_now_on_a_runspec_plans_in_one_stage():
    spec = allocator.RunSpec(inputs=GREEDY, decide_now="p1")
    done = allocator.plan(spec, decide_now=None)  # a two-stage plan of one phase is refused
    assert done.info["spec"]["decide_now"] is None
    single = allocator.plan(allocator.RunSpec(inputs=GREEDY))
    assert done.solution.objective_value == pytest.approx(single.solution.objective_value)


@pytest.mark.parametrize("field", ["objective", "measure", "weights", "targets", "overrides"])
def test_a_none_keyword_a_field_cannot_take_is_refused_by_name(field):
    with pytest.raises(UsageError) as caught:
        allocator.plan(allocator.RunSpec(inputs=GREEDY), **{field: None})
    said = str(caught.value)
    assert field in said, said
    assert "\n" not in said, said


def test_a_none_keyword_on_a_model_file_is_an_option_left_out(tmp_path):
    from allocator.runs.arguments import spec_given

    spec = spec_given(_greedy_model(tmp_path), {"objective": None, "out": None})
    assert (spec.objective, spec.out, len(spec.overrides)) == ("jobs", None, 1)


# --- 4. compare meets a pandas or numpy value in one line -------------------------------------


def test_compare_takes_a_series_of_sets_as_the_list_of_them(tmp_path):
    import pandas as pd

    by_list = allocator.compare(["jobs", "exports"], inputs=GREEDY, out=tmp_path / "l", sets=[SET])
    column = pd.Series([SET])
    by_series = allocator.compare(
        ["jobs", "exports"], inputs=GREEDY, out=tmp_path / "s", sets=column
    )
    pd.testing.assert_frame_equal(by_series.table, by_list.table)
    assert by_series.info["sets"] == [SET]


@pytest.mark.parametrize(
    ("name", "kind"),
    [("model", "array"), ("objective", "series"), ("measure", "array"), ("model_file", "array")],
)
def test_compare_refuses_a_pandas_or_numpy_value_in_one_line_naming_it(tmp_path, name, kind):
    import numpy as np
    import pandas as pd

    value = pd.Series([1, 2]) if kind == "series" else np.array([["m.yaml", "n.yaml"]])
    with pytest.raises(UsageError) as caught:
        allocator.compare(["jobs", "exports"], inputs=GREEDY, out=tmp_path / "c", **{name: value})
    said = str(caught.value)
    assert "\n" not in said, said
    assert said.startswith((f"{name}=", "model file")), said
    assert type(value).__name__ in said, said


# --- 5. one place says who gave an override ---------------------------------------------------


def _refusal(**given) -> str:
    """The one line a plan of the enable case with `given` is refused in."""
    with pytest.raises(UsageError) as caught:
        allocator.plan(inputs=DATA / "enable", **given)
    said = str(caught.value)
    assert "\n" not in said, said
    return said


def test_an_api_mapping_with_a_set_that_breaks_a_reference_names_overrides_not_an_empty_set():
    said = _refusal(overrides=[{"exclude_program": "zone"}, "programs.plant.cap_musd=5"])
    assert said.startswith("after overrides= ("), said
    assert "unknown program 'zone'" in said, said


def test_the_source_of_overrides_is_said_by_one_function():
    from allocator.data.overrides import Override, after_words

    cell = _sets(["programs.plant.cap_musd=5"])
    excluded = [Override(exclude_program="zone")]
    assert after_words("", cell) == "after --set 'programs.plant.cap_musd=5'"
    assert after_words("None", excluded).startswith("after overrides=")
    assert after_words("m.yaml", [*excluded, *cell]) == "m.yaml: after its overrides and sets"
    assert after_words("m.yaml", excluded) == "m.yaml: after its overrides"


# --- 6. layered reads a keyword as its option does ---------------------------------------------


def test_layered_lays_keyword_overrides_after_the_model_files_own(tmp_path):
    spec = allocator.layered(_greedy_model(tmp_path), overrides=[SET], beta="90%", cvar_cap="20K")
    assert [o.exclude_program for o in spec.overrides] == ["a", None]
    assert (spec.beta, spec.cvar_cap) == (0.9, 20000.0)


def test_layered_reads_weights_as_weights_does_and_refuses_a_bad_set_by_its_place():
    spec = allocator.layered(objective="weighted", weights="jobs=0.7,exports=0.3")
    assert spec.weights == {"jobs": 0.7, "exports": 0.3}
    with pytest.raises(UsageError, match=r"^overrides\[1\]: --set"):
        allocator.layered(overrides=[SET, "programs.a"])
