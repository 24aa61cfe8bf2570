"""Task fe, item 3: `allocator compare RUN_A RUN_B` (run folders alone) with `--inputs`,
`--targets`, `--measure` or `--discount-rate` is refused, one line, exit 2, nothing written, as
`--set` and `--model` are there: compare reads each run folder as written and solves none, so
no plan would take the option, while run.json recorded it (`targets`, `measure`) as if the plans
compared held it. None of them is meaningful for a run folder: its plan, outcomes and prices
are those of the dataset, targets and measure it was solved with. With an item compare solves
(an objective) the options still apply: --targets off moves that plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA, copy_dataset, run_cli

FOLDERS = "every item is a run folder, which compare reads as written, so no plan would take"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path, Path]:
    """Two run folders of tests/data/greedy (as given; public p1 cut to 60) and the dataset."""
    root = tmp_path_factory.mktemp("cmp")
    data = copy_dataset(DATA / "greedy", root / "greedy")
    first, second = root / "given", root / "cut"
    for out, extra in ((first, ()), (second, ("--set", "pools.public/p1.budget_musd=60"))):
        res = run_cli("solve", "--inputs", data, *extra, "--out", out)
        assert res.exit_code == 0, res.stderr
    return first, second, data


def _refused(res, said: str) -> str:
    assert res.exit_code == 2, res.stdout[-400:]
    assert res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"error: {said}: {FOLDERS} "), line
    assert "Fix: leave " in line, line
    assert "or compare an objective or a model file with " in line, line
    return line


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (("--targets", "hard"), "--targets hard"),
        (("--measure", "cumulative"), "--measure cumulative"),
        (("--measure", "discounted", "--discount-rate", "0.05"), "--measure discounted and "
         "--discount-rate 0.05"),
        (("--targets", "off", "--measure", "cumulative"), "--targets off and --measure cumulative"),
    ],
)  # fmt: skip
def test_run_folders_alone_refuse_options_no_plan_takes(runs, tmp_path, options, said):
    first, second, _ = runs
    out = tmp_path / "cmp"
    _refused(run_cli("compare", first, second, *options, "--out", out), said)
    assert not out.exists()


def test_run_folders_alone_refuse_inputs(runs, tmp_path):
    first, second, data = runs
    out = tmp_path / "cmp"
    line = _refused(run_cli("compare", first, second, "--inputs", data, "--out", out),
                    f"--inputs {data}")  # fmt: skip
    assert "Fix: leave it out" in line, line
    assert not out.exists()


def test_with_json_the_refusal_is_one_json_document(runs, tmp_path):
    first, second, _ = runs
    res = run_cli("compare", first, second, "--targets", "hard", "--json", "--out", tmp_path / "c")
    assert res.exit_code == 2
    said = json.loads(res.stdout)
    assert said["status"] == "error"
    assert said["error"].startswith(f"--targets hard: {FOLDERS}")


def test_the_python_api_refuses_it_too(runs, tmp_path):
    from allocator import compare
    from allocator.errors import UsageError

    first, second, data = runs
    for keywords, said in (
        ({"inputs": data}, "--inputs"),
        ({"targets": "off"}, "--targets off"),
        ({"measure": "cumulative"}, "--measure cumulative"),
    ):
        with pytest.raises(UsageError, match=f"^{said}.*: every item is a run folder"):
            compare([str(first), str(second)], out=tmp_path / "c", **keywords)
    assert not (tmp_path / "c").exists()


def test_run_folders_alone_without_them_still_compare(runs, tmp_path):
    first, second, _ = runs
    res = run_cli("compare", first, second, "--json", "--out", tmp_path / "c")
    assert res.exit_code == 0, res.stderr


def test_an_objective_item_still_takes_targets(runs, tmp_path):
    """compare jobs RUN --targets off: jobs solved without targets, so its plan is that of
    `solve --targets off` (the same objective value), whatever RUN holds."""
    first, _, data = runs
    off = tmp_path / "off"
    res = run_cli("solve", "--inputs", data, "--targets", "off", "--out", off)
    assert res.exit_code == 0, res.stderr
    res = run_cli("compare", "jobs", first, "--inputs", data, "--targets", "off", "--json",
                  "--out", tmp_path / "c")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    (objective,) = [
        r for r in rows if r["section"] == "objective" and r["metric"] == "objective (jobs)"
    ]
    want = json.loads((off / "run.json").read_text())["objective"]["value"]
    assert objective["jobs"] == pytest.approx(want, rel=1e-12)
