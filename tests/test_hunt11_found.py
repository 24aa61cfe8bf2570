"""Hunt 11: what README.md, inputs/README.md, docs/*.md and each command's --help claim, checked
against what the program does; and the "Fix:" hints of refusals, followed literally. Each test
fails on today's code (xfail, strict): it says what the text claims and what the program does."""

from __future__ import annotations

import contextlib
import csv
import re
import shutil
from pathlib import Path

import pytest

from conftest import DATA, invoke

SWEEP = DATA / "sweep"  # a small dataset without settings.csv: the number style is undeclared


def _dataset(tmp_path: Path, src: Path = SWEEP) -> Path:
    """A copy of dataset `src` to edit."""
    return Path(shutil.copytree(src, tmp_path / "data"))


def _set(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Write `value` into `column` of spreadsheet row `row` (header = 1) of `folder/table.csv`."""
    path = folder / f"{table}.csv"
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    if column not in fields:
        fields.append(column)
    rows[row - 2][column] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)


def _check(folder: Path):
    """`allocator check --inputs FOLDER`."""
    return invoke("check", "--inputs", folder)


# Fix hints followed literally


def test_the_underscore_fix_examples_load_in_the_dataset_that_was_refused(tmp_path):
    # `cap_musd` 8_500: "Fix: write the digits without underscores, e.g. 8500 or 8,500"; the
    # user writes 8,500 and is told "'8,500' reads as 8500 ... or 8.5 ...": a second refusal.
    data = _dataset(tmp_path)
    _set(data, "programs", 2, "cap_musd", "8_500")
    refused = _check(data)
    assert refused.exit_code == 2
    examples = re.search(r"e\.g\. (.+)$", refused.stderr.strip()).group(1).split(" or ")
    assert examples[0] == "8500"  # undeclared, 8,500 is read two ways: not offered
    for example in examples:
        _set(data, "programs", 2, "cap_musd", example)
        followed = _check(data)
        assert followed.exit_code == 0, (example, followed.stderr)


def test_the_underscore_fix_example_in_a_comma_dataset_is_the_number_refused(tmp_path):
    from allocator.data.inputs import load_inputs

    data = _dataset(tmp_path)
    (data / "settings.csv").write_text("setting,value,source\nnumber_style,comma,x\n")
    _set(data, "programs", 2, "cap_musd", "8_500")
    refused = _check(data)
    assert refused.exit_code == 2
    examples = re.search(r"e\.g\. (.+)$", refused.stderr.strip()).group(1).split(" or ")
    assert examples == ["8500", "8.500"]  # the comma style's grouping, not 8,500 (8.5)
    for example in examples:
        _set(data, "programs", 2, "cap_musd", example)
        assert load_inputs(str(data)).programs[0].cap_musd == 8500


def test_a_zero_ramp_share_is_refused_with_a_rule_that_excludes_zero(tmp_path):
    data = _dataset(tmp_path)
    _set(data, "programs", 2, "max_annual_share", "0")
    refused = _check(data)
    assert refused.exit_code == 2
    assert "'0' is not a share between 0 and 1" not in refused.stderr, refused.stderr


def test_an_existing_folder_that_is_not_a_run_is_not_told_to_pass_force(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("the planner's own file\n", encoding="utf-8")
    first = invoke("solve", "--inputs", SWEEP, "--out", mine)
    assert first.exit_code == 2
    if "--force" in first.stderr:  # the fix offered: follow it
        followed = invoke("solve", "--inputs", SWEEP, "--out", mine, "--force")
        assert followed.exit_code == 0, followed.stderr
    assert (mine / "notes.txt").exists()


def test_weights_given_to_an_objective_that_does_not_read_them_are_refused(tmp_path):
    res = invoke(
        "solve", "--inputs", SWEEP, "--weights", "jobs=0.1,exports=0.9", "--out", tmp_path / "r"
    )
    assert res.exit_code == 2, res.stdout.splitlines()[:1]
    assert "--weights" in res.stderr


def test_the_set_syntax_fix_example_names_a_cell_of_the_bundled_dataset():
    refused = invoke("check", "--set", "pools.korea/phase1.budget_musd")
    assert refused.exit_code == 2
    example = re.search(r"e\.g\. --set (\S+)", refused.stderr).group(1)
    followed = invoke("check", "--set", example)
    assert followed.exit_code == 0, followed.stderr


@pytest.mark.parametrize("command", ["solve", "check"])
def test_the_set_examples_of_help_name_cells_of_the_default_dataset(command):
    shown = invoke(command, "--help", env={"COLUMNS": "400"})
    text = re.sub(r"\s*│\s*", " ", shown.stdout)
    examples = re.findall(r"\b((?:pools|targets|programs)\.[^\s,()]+=[^\s,()]+)", text)
    assert examples, text
    for example in examples:
        followed = invoke("check", "--set", example)
        assert followed.exit_code == 0, (example, followed.stderr)


def _mitigation(run: Path) -> dict[str, float]:
    """Risk mitigation money by `mitigate(risk,year)` column of a run's reduced_costs.csv."""
    with open(run / "reduced_costs.csv", newline="", encoding="utf-8") as f:
        return {
            r["variable"]: float(r["value"]) for r in csv.DictReader(f) if r["family"] == "mitigate"
        }


def test_replan_keeps_the_mitigation_spent_up_to_the_as_of_year(baseline_run, tmp_path):
    # docs/replan.md: "Every year up to the as-of year ... fixed"; actuals equal to the approved
    # plan's 2025-2027 money re-plan the same investment, yet the mitigation of those years moves.
    with open(baseline_run / "allocation.csv", newline="", encoding="utf-8") as f:
        spent = [r for r in csv.DictReader(f) if int(r["year"]) <= 2027]
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(
        "program,pool,year,spent_musd\n"
        + "".join(f"{r['program']},{r['pool']},{r['year']},{r['invest_musd']}\n" for r in spent),
        encoding="utf-8",
    )
    out = tmp_path / "replan"
    res = invoke("replan", baseline_run, "--actuals", actuals, "--as-of", 2027, "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "after 2027: 0 musd" in res.stdout
    approved, replanned = _mitigation(baseline_run), _mitigation(out)
    past = [k for k in approved if int(k.rstrip(")").rsplit(",", 1)[1]) <= 2027]
    assert past
    assert {k: replanned[k] for k in past} == pytest.approx({k: approved[k] for k in past})


def _model_file(folder: Path, body: str) -> Path:
    """`folder/t.yaml`: a model file of the bundled dataset (a copy beside it) with `body`."""
    bundled = Path(__file__).resolve().parents[1] / "inputs" / "peru2040"
    shutil.copytree(bundled, folder.parent / "inputs" / "peru2040")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "t.yaml"
    path.write_text(f"name: t\ndataset: ../inputs/peru2040\n{body}", encoding="utf-8")
    return path


def test_the_outside_the_project_fix_is_not_the_value_refused(tmp_path):
    model = _model_file(tmp_path / "scenarios", "")
    refused = invoke("solve", model, "--out", tmp_path / "r")
    assert refused.exit_code == 2
    assert "points outside the project" in refused.stderr
    assert "e.g. ../inputs/peru2040" not in refused.stderr, refused.stderr


def test_a_model_files_discount_rate_takes_a_percent_as_the_option_does(tmp_path):
    model = _model_file(tmp_path / "models", "measure: discounted\ndiscount_rate: 5%\n")
    res = invoke("solve", model, "--out", tmp_path / "r")
    assert "not a number" not in res.stderr, res.stderr
    assert res.exit_code == 0, res.stderr


def test_a_model_files_grouped_number_is_not_told_to_declare_a_declared_style(tmp_path):
    body = "overrides:\n  - set_coefficient: {program: copper_processing, column: cap_musd, "
    model = _model_file(tmp_path / "models", body + "value: '3,500'}\n")
    refused = invoke("solve", model, "--out", tmp_path / "r")
    assert "declare the dataset's number style" not in refused.stderr, refused.stderr
    assert refused.exit_code == 0, refused.stderr  # read in the declared style, as set: reads it


@pytest.mark.parametrize(
    ("override", "cell"),
    [
        ("{program: copper_processing, column: cap_musd, value: 3.5B}", "cap_musd=3.5B"),
        (
            "{program: copper_processing, column: max_annual_share, value: 50%}",
            "max_annual_share=50%",
        ),
    ],
)
def test_a_model_file_reads_a_number_with_a_unit_in_overrides_as_in_set(tmp_path, override, cell):
    model = _model_file(tmp_path / "models", f"set:\n  - programs.copper_processing.{cell}\n")
    assert invoke("solve", model, "--out", tmp_path / "a").exit_code == 0
    model.write_text(
        f"name: t\ndataset: ../inputs/peru2040\noverrides:\n  - set_coefficient: {override}\n",
        encoding="utf-8",
    )
    res = invoke("solve", model, "--out", tmp_path / "b")
    assert res.exit_code == 0, res.stderr


def test_sweep_takes_the_force_the_trust_page_names(tmp_path):
    out = tmp_path / "sweep"
    args = ("sweep", "--inputs", SWEEP, "--samples", "2", "--serial", "--out", out)
    assert invoke(*args).exit_code == 0
    again = invoke(*args, "--force")
    assert "No such option" not in again.stderr, again.stderr
    assert again.exit_code == 0, again.stderr


def test_an_exported_workbook_keeps_every_column_of_the_schema(tmp_path):
    import openpyxl

    book = tmp_path / "plan.xlsx"
    bundled = Path(__file__).resolve().parents[1] / "inputs" / "peru2040"
    assert invoke("export-inputs", book, "--inputs", bundled).exit_code == 0
    sheets = openpyxl.load_workbook(book, read_only=True)
    header = {n: [c.value for c in next(sheets[n].iter_rows(max_row=1))] for n in sheets.sheetnames}
    assert "floor_musd" in header["programs"], header["programs"]
    assert "export_category" in header["markets"], header["markets"]


# docs/api.md: "A function takes a RunSpec, a model file, or nothing (the bundled Peru 2040
# dataset), with any RunSpec field as a keyword on top"; "`allocator.plan` solves in memory".


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((), {"objective": "exports"}), (("models/baseline.yaml",), {})],
    ids=["nothing", "keyword", "model-file"],
)
def test_plan_takes_what_the_api_page_says_every_function_takes(args, kwargs, monkeypatch):
    import allocator

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    run = allocator.plan(*args, **kwargs)
    assert run.solution.objective_value > 0


def test_a_percent_discount_rate_through_the_api_is_taken_or_refused_in_words(tmp_path):
    import allocator
    from allocator.errors import InputError, UsageError

    with contextlib.suppress(UsageError, InputError):  # refused in words: fine
        allocator.solve(measure="discounted", discount_rate="5%", inputs=SWEEP, out=tmp_path / "r")


def test_report_rebuilds_a_weighted_core_run_byte_for_byte(tmp_path):
    out = tmp_path / "core"
    made = invoke(
        "core",
        "--inputs",
        SWEEP,
        "--objective",
        "weighted",
        "--weights",
        "jobs=0.7,exports=0.3",
        "--samples",
        "0",
        "--out",
        out,
    )
    assert made.exit_code == 0, made.stderr
    assert "weights jobs 0.7, exports 0.3" in made.stdout
    before = (out / "report.html").read_bytes()
    assert invoke("report", out).exit_code == 0
    assert (out / "report.html").read_bytes() == before


def test_core_says_which_range_a_model_files_exclusion_leaves_out(tmp_path):
    shutil.copytree(SWEEP, tmp_path / "data")
    model = tmp_path / "models" / "t.yaml"
    model.parent.mkdir()
    model.write_text("name: t\ndataset: ../data\noverrides:\n  - exclude_program: y\n")
    swept = invoke("sweep", model, "--samples", "2", "--serial", "--out", tmp_path / "s")
    assert swept.exit_code == 0, swept.stderr
    assert "uncertainty.csv row 3" in swept.stderr  # the sweep says it
    cored = invoke("core", model, "--samples", "2", "--out", tmp_path / "c")
    assert cored.exit_code == 0, cored.stderr
    assert "uncertainty.csv row 3" in cored.stderr, cored.stderr


def test_explain_says_the_optimum_as_solve_does():
    said = invoke("explain", "--measure", "cumulative")
    assert said.exit_code == 0, said.stderr
    assert "e+06" not in said.stdout, said.stdout


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "set:\n  - pools.public/p1.budget_musd=150\n",
            "set:\n  - pools.public/p1.budget_musd=60\n",
        ),
        ("overrides:\n  - exclude_program: y\n", "overrides: []\n"),
    ],
    ids=["set", "overrides"],
)
def test_check_against_sees_a_change_of_the_runs_model_file(tmp_path, before, after):
    # docs/workflow.md: --check-against "replays the recorded --sets on top of the model file as
    # it is now (the model file's own sets are read again from the file, like its overrides)
    # ... a changed set: entry in the model file is reported as differences (exit 1)"
    shutil.copytree(SWEEP, tmp_path / "data")
    model = tmp_path / "models" / "t.yaml"
    model.parent.mkdir()
    model.write_text(f"name: t\ndataset: ../data\n{before}", encoding="utf-8")
    run = tmp_path / "run"
    assert invoke("solve", model, "--out", run).exit_code == 0
    model.write_text(f"name: t\ndataset: ../data\n{after}", encoding="utf-8")
    assert invoke("solve", model, "--out", tmp_path / "now").exit_code == 0
    now = (tmp_path / "now" / "allocation.csv").read_bytes()
    assert now != (run / "allocation.csv").read_bytes()  # the edit changes the plan
    rechecked = invoke("solve", "--check-against", run)
    assert rechecked.exit_code == 1, rechecked.stdout


def test_an_existing_workbook_of_ones_own_is_not_told_to_pass_force(tmp_path):
    import openpyxl

    mine = tmp_path / "mine.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "the planner's own sheet"
    book.save(mine)
    first = invoke("export-inputs", mine, "--inputs", SWEEP)
    assert first.exit_code == 2
    if "--force" in first.stderr:  # the fix offered: follow it
        followed = invoke("export-inputs", mine, "--inputs", SWEEP, "--force")
        assert followed.exit_code == 0, followed.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("compare", "jobs", "exports"),
        ("frontier", "--points", "2"),
        ("core", "--samples", "0"),
    ],
    ids=["compare", "frontier", "core"],
)
def test_every_command_warns_about_a_broken_fact(tmp_path, args):
    data = _dataset(tmp_path)
    (data / "facts.csv").write_text(
        "fact,value,unit,total_of,same_as,source\na,100,musd,,fact:b,x\nb,100,musd,,fact:a,x\n",
        encoding="utf-8",
    )
    solved = invoke("solve", "--inputs", data, "--out", tmp_path / "s")
    assert solved.exit_code == 0
    assert "leads back to this row" in solved.stderr  # solve warns
    res = invoke(*args, "--inputs", data, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.stderr
    assert "leads back to this row" in res.stderr, res.stderr
