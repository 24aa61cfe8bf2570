"""Task fb, item 3: `allocator compare RUN_A RUN_B --model FILE` is refused, one line, exit 2,
nothing written, as a --set is there: compare solves only its objective items on --model's
scenario (a run folder is read as written, a model file item solved on its own), so with no
objective among the items no plan would take the model file, while run.json would record it
as the scenario compared. With an objective among the items --model still runs, and moves
that objective's plan (its budget cut to 60 lowers its objective)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA, copy_dataset, run_cli


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path, Path]:
    """Two run folders of tests/data/greedy (as given; public p1 cut to 60) and a model file
    of greedy with that cut."""
    root = tmp_path_factory.mktemp("cmp")
    data = copy_dataset(DATA / "greedy", root / "greedy")
    first, second = root / "given", root / "cut"
    for out, extra in ((first, ()), (second, ("--set", "pools.public/p1.budget_musd=60"))):
        res = run_cli("solve", "--inputs", data, *extra, "--out", out)
        assert res.exit_code == 0, res.stderr
    model = root / "cut.yaml"
    model.write_text("dataset: greedy\nset:\n  - pools.public/p1.budget_musd=60\n")
    return first, second, model


def _refused(res, model: Path) -> str:
    assert res.exit_code == 2, res.stdout[-400:]
    assert res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"error: --model {model}: "), line
    assert "Fix: leave --model out, or compare objectives on its scenario" in line, line
    return line


def test_run_folders_alone_refuse_a_model_file(runs, tmp_path):
    first, second, model = runs
    out = tmp_path / "cmp"
    res = run_cli("compare", first, second, "--model", model, "--out", out)
    line = _refused(res, model)
    assert "every item is a run folder, which compare reads as written" in line, line
    assert not out.exists()


def test_a_model_file_item_does_not_take_model_either(runs, tmp_path):
    first, _, model = runs
    out = tmp_path / "cmp"
    res = run_cli("compare", first, model, "--model", model, "--out", out)
    line = _refused(res, model)
    assert "no item is an objective" in line, line
    assert not out.exists()


def test_with_json_the_refusal_is_one_json_document(runs, tmp_path):
    first, second, model = runs
    res = run_cli("compare", first, second, "--model", model, "--json", "--out", tmp_path / "c")
    assert res.exit_code == 2
    said = json.loads(res.stdout)
    assert said["status"] == "error"
    assert said["error"].startswith(f"--model {model}: every item is a run folder")


def test_the_python_api_refuses_it_too(runs, tmp_path):
    from allocator import compare
    from allocator.errors import UsageError

    first, second, model = runs
    with pytest.raises(UsageError, match=r"^--model .*every item is a run folder"):
        compare([str(first), str(second)], model=model, out=tmp_path / "c")
    assert not (tmp_path / "c").exists()


def test_an_objective_item_still_takes_model(runs, tmp_path):
    """compare jobs RUN --model cut.yaml: jobs solved on the cut scenario, so its objective is
    the cut run's, not the full budget's (RUN's)."""
    first, second, model = runs
    res = run_cli("compare", "jobs", first, "--model", model, "--json", "--out", tmp_path / "c")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    (objective,) = [
        r for r in rows if r["section"] == "objective" and r["metric"] == "objective (jobs)"
    ]
    given = json.loads((first / "run.json").read_text())["objective"]["value"]
    cut = json.loads((second / "run.json").read_text())["objective"]["value"]
    assert cut < given
    assert objective["jobs"] == pytest.approx(cut, rel=1e-12)
    assert objective["given"] == pytest.approx(given, rel=1e-12)
