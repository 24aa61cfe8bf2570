"""`--set TABLE.KEY.COLUMN=VALUE` and a model file's `set:` entries (issue 28, point 1).

Every expected number is solved by hand on tests/data/greedy: one pool `public` in phase p1
with 120, programs a (cap 60, 10 jobs per US$ million), b (cap 100, 6) and c (cap 100, 2), so the
most jobs fill a, then b, then c: 60 x 10 + 60 x 6 = 960 jobs. All in-process (CliRunner).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from allocator.data.cellset import apply_set, parse_set
from allocator.data.inputs import load_inputs
from allocator.errors import UsageError
from conftest import invoke

DATA = Path(__file__).resolve().parent / "data"
GREEDY = DATA / "greedy"
BUDGET = "pools.public/p1.budget_musd"


def objective(*args: object) -> float:
    """The objective `allocator solve --json ARGS` reports (exit 0 asserted)."""
    res = invoke("solve", "--json", *args)
    assert res.exit_code == 0, res.output
    return float(json.loads(res.stdout)["objective"]["value"])


def test_without_a_set_the_plan_is_the_hand_solved_one(tmp_path):
    assert objective("--inputs", GREEDY, "--out", tmp_path / "run") == 960


@pytest.mark.parametrize(
    ("cell", "jobs"),
    [
        # budget 150: b takes the 30 more at 6 jobs each (its shadow price): 960 + 180
        (f"{BUDGET}=150", 1140),
        # a's cap 80: a 80 x 10 + b 40 x 6
        ("programs.a.cap_musd=80", 1040),
        # c at 20 jobs per US$ million comes first: c 100 x 20 + a 20 x 10
        ("programs.c.jobs_per_musd=20", 2200),
        # a floor of 30 on c: c 30 x 2 + a 60 x 10 + b 30 x 6
        ("programs.c.floor_musd=30", 840),
        # money as a CSV cell reads it: 0.15B is 150 US$ million
        (f"{BUDGET}=0.15B", 1140),
    ],
)
def test_set_changes_the_objective_by_the_hand_solved_amount(tmp_path, cell, jobs):
    assert objective("--inputs", GREEDY, "--set", cell, "--out", tmp_path / "set") == jobs


def test_target_value_is_read_in_its_kind_unit(tmp_path):
    """targets/: a soft jobs target of 500 for s2, which only c (2 jobs per US$ million, cap
    100) serves: at most 200, so c takes 100 and a 20: 400 jobs. Set to 0.1K jobs (100: a count,
    where money would read 0.1K as 0.0001), c needs 50: c 50 x 2 + a 60 x 10 + b 10 x 6 = 760."""
    folder = DATA / "targets"
    assert objective("--inputs", folder, "--out", tmp_path / "a") == 400
    cell = "targets.jobs/sector/s2/2026.value=0.1K"
    assert objective("--inputs", folder, "--set", cell, "--out", tmp_path / "b") == 760


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("pool.public/p1.budget_musd=1", ["unknown table 'pool'", "did you mean pools?"]),
        ("pools.publc/p1.budget_musd=1", ["names no row of pools.csv", "did you mean public?"]),
        ("pools.public/p1.budget=1", ["unknown column 'budget'", "did you mean budget_musd?"]),
        (f"{BUDGET}=abc", ["pools.csv row 2, column 'budget_musd'", "'abc' is not a number"]),
        (f"{BUDGET}=1e12", ["column 'budget_musd'", "above the maximum 1e+09"]),
        (f"{BUDGET}=1,200", ["reads as 1200 with a thousands comma or 1.2"]),
        ("programs.a.floor_musd=70", ["programs.csv row 2", "floor_musd 70 is above cap_musd 60"]),
        ("programs.a.lag_years=1.5", ["'1.5' is not a whole number"]),
        ("programs.a.max_annual_share=150%", ["is not a share between 0 and 1"]),
        ("programs.*.cap_musd=5", ["names 3 rows of programs.csv (rows 2, 3, 4)"]),
        ("pools.public.budget_musd=5", ["has 1 part(s)", "(pool / phase)"]),
        ("pools.public/p1.pool=x", ["part of the key of pools.csv"]),
        (BUDGET, ["not TABLE.KEY.COLUMN=VALUE"]),
        # checked across the tables after the sets: a window past the horizon
        (
            "programs.a.last_year=2030",
            ["after --set 'programs.a.last_year=2030', programs.csv, row 2"],
        ),
    ],
)
def test_a_bad_set_is_one_line_and_exit_2(tmp_path, cell, words):
    res = invoke("solve", "--inputs", GREEDY, "--set", cell, "--out", tmp_path / "run")
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert not (tmp_path / "run").exists()


def test_run_json_records_the_sets_and_check_against_replays_them(tmp_path):
    run = tmp_path / "run"
    res = invoke("solve", "--inputs", GREEDY, "--set", f"{BUDGET}=150", "--out", run)
    assert res.exit_code == 0, res.output
    assert f"sets: {BUDGET}=150 (--set)" in res.stdout
    recorded = json.loads((run / "run.json").read_text())["options"]["overrides"]
    assert recorded == [
        {
            "set_cell": {
                "table": "pools",
                "key": "public/p1",
                "column": "budget_musd",
                "value": "150",
                "origin": "--set",
            }
        }
    ]
    again = invoke("solve", "--check-against", run, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["status"] == "identical"


def _project(tmp_path: Path, model: str) -> Path:
    """A project with a copy of greedy/ and one model file; returns the model file."""
    shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "m.yaml"
    path.write_text("dataset: ../inputs/greedy\n" + model, encoding="utf-8")
    return path


def test_model_file_set_gives_the_bytes_of_the_command_line_set(tmp_path):
    model = _project(tmp_path, f"set:\n  - {BUDGET}=150\n")
    a, b = tmp_path / "a", tmp_path / "b"
    assert objective(model, "--out", a) == 1140
    dataset = tmp_path / "inputs" / "greedy"
    assert objective("--inputs", dataset, "--set", f"{BUDGET}=150", "--out", b) == 1140
    for name in sorted(p.name for p in a.glob("*.csv")):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    again = invoke("solve", "--check-against", a, "--json")
    assert json.loads(again.stdout)["status"] == "identical", again.output


def test_sets_come_after_the_overrides_and_the_command_line_last(tmp_path):
    """The override doubles the budget to 240; the model file's set makes it 150 (1140 jobs);
    a --set of 200 comes last: a 60 x 10 + b 100 x 6 + c 40 x 2 = 1280."""
    overrides = "overrides:\n  - scale_budget: {pool: public, factor: 2}\n"
    model = _project(tmp_path, overrides + f"set:\n  - {BUDGET}=150\n")
    assert objective(model, "--out", tmp_path / "a") == 1140
    assert objective(model, "--set", f"{BUDGET}=200", "--out", tmp_path / "b") == 1280


def test_a_bad_model_file_set_names_the_file_and_entry(tmp_path):
    model = _project(tmp_path, "set:\n  - pools.public/p1.budget=1\n")
    res = invoke("solve", model, "--out", tmp_path / "a")
    assert res.exit_code == 2, res.output
    assert "m.yaml: set[0] 'pools.public/p1.budget=1': unknown column 'budget'" in res.stderr
    assert "did you mean budget_musd?" in res.stderr


def test_explain_check_and_compare_read_the_sets(tmp_path):
    res = invoke("explain", "--inputs", GREEDY, "--set", f"{BUDGET}=150")
    assert res.exit_code == 0, res.output
    assert "(1,140 jobs)" in res.stdout
    bad = invoke("check", "--inputs", GREEDY, "--set", "programs.a.floor_musd=70")
    assert bad.exit_code == 2
    assert "floor_musd 70 is above cap_musd 60" in bad.stderr
    assert invoke("check", "--inputs", GREEDY, "--set", f"{BUDGET}=150").exit_code == 0
    out = tmp_path / "cmp"
    cmp = invoke("compare", "jobs", "exports", "--inputs", GREEDY, "--set", f"{BUDGET}=150",
                 "--out", out)  # fmt: skip
    assert cmp.exit_code == 0, cmp.output
    assert json.loads((out / "run.json").read_text())["sets"] == [f"{BUDGET}=150"]
    assert "1140" in (out / "compare.csv").read_text()


def test_export_inputs_writes_the_set_value(tmp_path):
    book = tmp_path / "plan.xlsx"
    res = invoke("export-inputs", book, "--inputs", GREEDY, "--set", f"{BUDGET}=150")
    assert res.exit_code == 0, res.output
    assert [p.budget_musd for p in load_inputs(book).pools] == [150.0]


@pytest.mark.parametrize("command", ["frontier", "alternatives"])
def test_frontier_and_alternatives_apply_the_sets_to_their_data(tmp_path, command):
    """A key only the data can refuse: the set reached the dataset these commands load."""
    res = invoke(command, "--inputs", GREEDY, "--set", "pools.public/p1x.budget_musd=1",
                 "--out", tmp_path / "x")  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "names no row of pools.csv. Fix: no row has phase 'p1x': did you mean p1?" in res.stderr


def test_alternatives_optimum_is_that_of_the_set(tmp_path):
    res = invoke("alternatives", "--inputs", GREEDY, "--set", f"{BUDGET}=150",
                 "--out", tmp_path / "x")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "(optimum 1,140 jobs)" in res.stdout


def test_sweep_solves_with_the_set_and_records_it(tmp_path):
    """sweep/: x (1 job) and y (3 jobs per US$ million), budget 100: the nominal plan is y
    100 = 300 jobs; with y's cap set to 50, y 50 x 3 + x 50 x 1 = 200."""
    out = tmp_path / "sw"
    args = ["sweep", "--inputs", DATA / "sweep", "--samples", 2, "--serial", "--out", out]
    res = invoke(*args, "--set", "programs.y.cap_musd=50")
    assert res.exit_code == 0, res.output
    record = json.loads((out / "sweep.json").read_text())
    assert record["nominal"]["jobs"] == 200
    assert record["sets"] == ["programs.y.cap_musd=50"]
    again = invoke(*args, "--resume")  # without the set: another experiment
    assert again.exit_code == 2, again.output
    assert "--set None, the sweep's ['programs.y.cap_musd=50']" in again.stderr


def test_the_dataset_number_style_reads_the_value(tmp_path):
    folder = tmp_path / "comma"
    shutil.copytree(GREEDY, folder)
    (folder / "settings.csv").write_text("setting,value\nnumber_style,comma\n")
    inp = apply_set(load_inputs(folder), parse_set(f"{BUDGET}=1.200,5"))
    assert [p.budget_musd for p in inp.pools] == [1200.5]


def test_an_empty_key_part_names_an_empty_cell():
    cs = parse_set("markets./cat/2026.market_musd=10")
    inp = apply_set(load_inputs(DATA / "sweep"), cs)
    assert [m.market_musd for m in inp.markets] == [10.0]
    with pytest.raises(UsageError, match="names no row of markets.csv"):
        apply_set(inp, parse_set("markets./cat/2027.market_musd=10"))


def test_frontier_traces_the_data_with_the_set(tmp_path):
    """sweep/ with y's cap set to 50: one plan is best for both, y 50 and x 50, 200 jobs (300
    without the set) and 150 US$ million of exports."""
    out = tmp_path / "fr"
    args = ["--inputs", DATA / "sweep", "--points", 3, "--out", out]
    res = invoke("frontier", *args, "--set", "programs.y.cap_musd=50")
    assert res.exit_code == 0, res.output
    rows = (out / "frontier.csv").read_text().splitlines()
    assert len(rows) == 2, rows
    assert rows[1].split(",")[9] == "200", rows


def test_a_model_file_set_is_a_text_not_a_mapping(tmp_path):
    model = _project(tmp_path, "set:\n  - {table: pools, column: budget_musd, value: 1}\n")
    res = invoke("solve", model, "--out", tmp_path / "a")
    assert res.exit_code == 2, res.output
    assert "m.yaml: set: '{'table': 'pools'," in res.stderr
    assert "write each entry as TABLE.KEY.COLUMN=VALUE" in res.stderr


def test_set_cell_is_not_an_override_written_by_hand(tmp_path):
    """One form: a hand-written set_cell (the record's form) would pass as a --set on replay."""
    cell = "{table: pools, key: public/p1, column: budget_musd, value: '1'}"
    model = _project(tmp_path, f"overrides:\n  - set_cell: {cell}\n")
    res = invoke("solve", model, "--out", tmp_path / "a")
    assert res.exit_code == 2, res.output
    assert (
        "overrides: set_cell is not written by hand. Fix: list the cells under set:" in res.stderr
    )
