"""apifix2: what the Python API takes beyond the findings of hunt15 (tests/test_hunt15_found.py):
a model file of the wrong kind refused in words, compare's RunSpec keywords, the dataset's notes
as Python warnings, cells set as `--set` takes them, and overrides named by where they came from.
"""

from __future__ import annotations

import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA

GREEDY = DATA / "greedy"
EXPORTS = DATA / "exports"


def _said(call) -> str:
    """The one line of the UsageError `call()` raises."""
    with pytest.raises(UsageError) as caught:
        call()
    said = str(caught.value)
    assert "\n" not in said, said
    return said


@pytest.mark.parametrize("where", ["layered", "compare"])
def test_a_model_file_of_no_path_kind_is_refused_in_words(tmp_path, where):
    if where == "layered":
        said = _said(lambda: allocator.layered(5))
    else:
        said = _said(lambda: allocator.compare(["jobs", "exports"], model=5, out=tmp_path / "c"))
    assert "model file 5 (int) is not a path" in said, said
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"risk": "cvar"}, "risk='cvar'"),
        ({"objective": "exports"}, "objective='exports'"),
        ({"bogus": 1}, "bogus=1"),
        ({"measure": ("discounted", 0.1), "discount_rate": 0.2}, "discount_rate"),
        ({"measure": 3}, "measure=3"),
        ({"model": GREEDY / "m.yaml", "model_file": GREEDY / "n.yaml"}, "model_file"),
    ],
    ids=["risk", "objective", "unknown", "two-rates", "measure-kind", "two-model-files"],
)
def test_compare_refuses_a_keyword_it_does_not_take_naming_it(tmp_path, given, named):
    out = tmp_path / "cmp"
    said = _said(lambda: allocator.compare(["jobs", "exports"], inputs=EXPORTS, out=out, **given))
    assert named in said, said
    assert not out.exists()


def test_compare_takes_the_results_folder_and_a_text_rate(tmp_path):
    done = allocator.compare(
        ["jobs", "exports"],
        inputs=EXPORTS,
        measure="discounted",
        discount_rate="10%",
        results=tmp_path / "many",
    )
    assert done.folder is not None
    assert done.folder.parent == tmp_path / "many"
    assert done.info["discount_rate"] == 0.1
    assert done.info["compared"][0]["spec"]["discount_rate"] == 0.1


def test_one_cell_set_given_as_text_alone_is_one_set_not_its_letters():
    run = allocator.plan(inputs=GREEDY, overrides="pools.public/p1.budget_musd=60")
    assert run.solution.objective_value == pytest.approx(600)
    assert [c["new"] for c in run.info["cells_set"]] == [60]


def test_a_cell_set_text_the_option_refuses_is_named_by_its_place():
    sets = ["pools.public/p1.budget_musd=60", "pool.public/p1.budget_musd=1"]
    said = _said(lambda: allocator.plan(inputs=GREEDY, overrides=sets))
    assert said.startswith("overrides[1]: --set 'pool.public/p1.budget_musd=1'"), said


def test_compare_takes_cell_sets_as_text(tmp_path):
    done = allocator.compare(
        ["jobs", "exports"],
        inputs=GREEDY,
        sets=["pools.public/p1.budget_musd=60"],
        out=tmp_path / "cmp",
    )
    assert done.info["sets"] == ["pools.public/p1.budget_musd=60"]
    jobs = done.info["compared"][0]["spec"]["scenario"]["overrides"]
    assert jobs[0]["set_cell"]["value"] == "60"


def test_a_range_an_api_override_leaves_out_names_no_none_file():
    run = allocator.plan(inputs=DATA / "robust", overrides=[{"exclude_program": "x"}])
    notes = [n for n in run.inputs.notes if "range on 'programs:x:jobs_per_musd'" in n]
    assert len(notes) == 1, run.inputs.notes
    assert "None" not in notes[0], notes[0]
    assert "overrides= removes program" in notes[0], notes[0]


def _broken_fact(tmp_path, case=GREEDY):
    """A copy of a case (greedy) whose facts lead back to themselves (a note, not an error)."""
    import shutil

    data = shutil.copytree(case, tmp_path / "data")
    (data / "facts.csv").write_text(
        "fact,value,unit,total_of,same_as,source\na,100,musd,,fact:b,x\nb,100,musd,,fact:a,x\n",
        encoding="utf-8",
    )
    return data


@pytest.mark.parametrize("study", ["plan", "compare", "frontier", "alternatives", "sweep"])
def test_each_function_tells_a_note_as_an_allocator_warning_from_the_callers_line(tmp_path, study):
    from allocator.runs.notes import AllocatorWarning

    data = _broken_fact(tmp_path, DATA / "sweep" if study == "sweep" else GREEDY)
    calls = {
        "plan": lambda: allocator.plan(inputs=data),
        "compare": lambda: allocator.compare(["jobs", "exports"], inputs=data, out=tmp_path / "o"),
        "frontier": lambda: allocator.frontier(inputs=data, points=2, out=tmp_path / "o"),
        "alternatives": lambda: allocator.alternatives(inputs=data, count=0, out=tmp_path / "o"),
        "sweep": lambda: allocator.sweep(inputs=data, samples=1, out=tmp_path / "o"),
    }
    with pytest.warns(AllocatorWarning, match="leads back") as told:
        calls[study]()
    said = [w for w in told if "leads back" in str(w.message)]
    assert len(said) == 1, [str(w.message) for w in told]  # once, however many items share it
    assert said[0].filename == __file__  # the caller's line, not allocator's


def test_a_caller_filters_allocators_warnings_by_their_class(tmp_path, recwarn):
    import warnings

    data = _broken_fact(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", allocator.AllocatorWarning)  # the public name
        allocator.plan(inputs=data)
    assert not [str(w.message) for w in recwarn if "leads back" in str(w.message)]


def test_the_command_line_tells_a_note_on_stderr_and_warns_nothing_in_python(tmp_path, recwarn):
    from allocator.runs.notes import AllocatorWarning
    from conftest import run_cli

    data = _broken_fact(tmp_path)
    for args in (("solve",), ("compare", "jobs", "exports")):
        done = run_cli(*args, "--inputs", data, "--out", tmp_path / args[0])
        assert done.exit_code == 0, done.stderr
        assert done.stderr.count("leads back") == 1, done.stderr
    assert not [w for w in recwarn if issubclass(w.category, AllocatorWarning)]


def test_a_check_against_rerun_warns_nothing_in_python(tmp_path, recwarn):
    from conftest import run_cli

    data = _broken_fact(tmp_path)
    assert run_cli("solve", "--inputs", data, "--out", tmp_path / "run").exit_code == 0
    done = run_cli("solve", "--inputs", data, "--check-against", tmp_path / "run")
    assert done.exit_code == 0, done.stderr
    assert not [str(w.message) for w in recwarn if "leads back" in str(w.message)]
