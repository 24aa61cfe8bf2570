"""Task inp: inputs, model files, the API and --help say what works (tests added beside the
hunt-11 findings of tests/test_hunt11_found.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import DATA, invoke

SWEEP = DATA / "sweep"  # a small dataset without settings.csv: the number style is undeclared


def _project(tmp_path: Path, body: str) -> Path:
    """A project with a copy of the sweep dataset and `models/t.yaml` holding `body`."""
    shutil.copytree(SWEEP, tmp_path / "data")
    model = tmp_path / "models" / "t.yaml"
    model.parent.mkdir()
    model.write_text(f"name: t\ndataset: ../data\n{body}", encoding="utf-8")
    return model


# --check-against reads the model file as it is now


def test_check_against_an_unchanged_model_file_with_sets_is_identical(tmp_path):
    # The model file's own sets and overrides read again, the recorded --set on top: unchanged,
    # the re-run is identical (run from another working folder, the file found as recorded).
    body = "overrides:\n  - exclude_program: y\nset:\n  - pools.public/p1.budget_musd=150\n"
    model = _project(tmp_path, body)
    run = tmp_path / "run"
    made = invoke("solve", model, "--set", "programs.x.cap_musd=90", "--out", run)
    assert made.exit_code == 0, made.stderr
    again = invoke("solve", "--check-against", run, cwd=tmp_path / "models")
    assert again.exit_code == 0, again.stderr
    assert "identical" in again.stdout


def test_check_against_names_the_model_file_whose_overrides_changed(tmp_path):
    model = _project(tmp_path, "overrides:\n  - exclude_program: y\n")
    run = tmp_path / "run"
    assert invoke("solve", model, "--out", run).exit_code == 0
    model.write_text("name: t\ndataset: ../data\n", encoding="utf-8")
    again = invoke("solve", "--check-against", run)
    assert again.exit_code == 1
    assert "t.yaml changed its overrides or sets" in again.stderr, again.stderr


# A model file's override numbers are read as its `set:` entries are: by the cell's own rule,
# in the dataset's number style


def _applied(tmp_path: Path, style: str | None, override: str):
    """The sweep dataset (number style `style`) with one override of a model file applied."""
    from allocator.data.modelfile import load_dataset, load_model_file

    model = _project(tmp_path, f"overrides:\n  - {override}\n")
    if style is not None:
        (tmp_path / "data" / "settings.csv").write_text(
            f"setting,value,source\nnumber_style,{style},x\n", encoding="utf-8"
        )
    mf, dataset = load_model_file(model)
    return load_dataset(dataset, mf.overrides, str(model))


@pytest.mark.parametrize(
    ("style", "value", "cap"),
    [("point", "'3,500'", 3500), ("comma", "'3.500'", 3500), ("comma", "'3,5'", 3.5),
     (None, "3.5B", 3500), (None, "'$800M'", 800)],
)  # fmt: skip
def test_a_set_coefficient_text_is_read_in_the_datasets_style(tmp_path, style, value, cap):
    inp = _applied(
        tmp_path, style, f"set_coefficient: {{program: x, column: cap_musd, value: {value}}}"
    )
    assert next(p for p in inp.programs if p.program == "x").cap_musd == cap


def test_a_share_override_takes_a_percent(tmp_path):
    over = "set_coefficient: {program: x, column: max_annual_share, value: 50%}"
    inp = _applied(tmp_path, None, over)
    assert next(p for p in inp.programs if p.program == "x").max_annual_share == 0.5


@pytest.mark.parametrize(
    ("value", "words"),
    [("'3,500'", "declare the dataset's number style"), ("'2.5'", "not a whole number"),
     ("'8_500'", "underscore"), ("abc", "not a number")],
)  # fmt: skip
def test_an_override_text_the_cell_rule_refuses_is_refused_in_one_line(tmp_path, value, words):
    from allocator.errors import UsageError

    column = "lag_years" if value == "'2.5'" else "cap_musd"
    with pytest.raises(UsageError, match=words) as caught:
        _applied(
            tmp_path, None, f"set_coefficient: {{program: x, column: {column}, value: {value}}}"
        )
    message = str(caught.value)
    assert "overrides[0]" in message, message
    assert "Fix: " in message
    assert "\n" not in message


# The Python API: a discount rate as the option takes it, keywords refused in words


def test_a_percent_discount_rate_through_the_api_is_the_rate_it_says():
    import allocator

    given = allocator.plan(inputs=SWEEP, measure="discounted", discount_rate="50%")
    plain = allocator.plan(inputs=SWEEP, measure="discounted", discount_rate=0.5)
    assert given.info["spec"]["discount_rate"] == 0.5
    assert given.solution.objective_value == plain.solution.objective_value


def test_a_model_files_percent_discount_rate_is_the_rate_it_says(tmp_path):
    from allocator.runs.spec import layered

    model = _project(tmp_path, "measure: discounted\ndiscount_rate: 5%\n")
    assert layered(model).discount_rate == 0.05


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"discount_rate": "abc", "measure": "discounted"}, "discount_rate 'abc'"),
        ({"discount_rate": True, "measure": "discounted"}, "is not a number"),
        ({"objectve": "jobs"}, "objectve"),
        ({"scenarios": "many"}, "scenarios"),
    ],
)
def test_an_api_keyword_the_spec_refuses_is_a_usage_error(options, words):
    import allocator
    from allocator.errors import UsageError

    with pytest.raises(UsageError, match=words) as caught:
        allocator.plan(inputs=SWEEP, **options)
    assert "Fix: " in str(caught.value)
    assert "\n" not in str(caught.value)


# Weights go with the weighted objective


def test_a_model_files_weights_go_with_the_weighted_objective(tmp_path):
    from allocator.runs.spec import layered

    model = _project(tmp_path, "objective: jobs\nweights: {jobs: 0.2, exports: 0.8}\n")
    assert layered(model, objective="weighted").weights == {"jobs": 0.2, "exports": 0.8}
    for objective in (None, "exports"):  # the file's weights are weighted's: not read, kept out
        assert layered(model, objective=objective).weights == {"jobs": 0.5, "exports": 0.5}
    compared = invoke("compare", "jobs", "weighted", "--model", model, "--out", tmp_path / "c")
    assert compared.exit_code == 0, compared.stderr
    refused = invoke("solve", model, "--weights", "jobs=1,exports=0", "--out", tmp_path / "r")
    assert refused.exit_code == 2
    assert "--weights jobs=1,exports=0 apply to --objective weighted only" in refused.stderr


@pytest.mark.parametrize("args", [("--measure", "cumulative"), ("--objective", "exports")])
def test_explain_says_the_optimum_in_the_words_of_solve(tmp_path, args):
    import re

    solved = invoke("solve", "--inputs", SWEEP, *args, "--out", tmp_path / "r")
    said = invoke("explain", "--inputs", SWEEP, *args)
    assert (solved.exit_code, said.exit_code) == (0, 0), said.stderr
    number = re.search(r"\): (\S+)", solved.stdout).group(1)
    assert f"has an optimal plan ({number} " in said.stdout, (number, said.stdout)


# A ramp share of 0 is refused by a rule that says why, with a fix that works


@pytest.mark.parametrize("style", [None, "comma"])
def test_a_zero_ramp_share_fix_followed_literally_loads(tmp_path, style):
    import re

    from allocator.data.inputs import load_inputs
    from allocator.errors import InputError

    data = Path(shutil.copytree(SWEEP, tmp_path / "data"))
    if style is not None:
        (data / "settings.csv").write_text(f"setting,value,source\nnumber_style,{style},x\n")
    programs = data / "programs.csv"
    lines = programs.read_text(encoding="utf-8").splitlines()
    lines[0] += ",max_annual_share"
    lines[1:] = [line + ",0" for line in lines[1:2]] + [line + "," for line in lines[2:]]
    programs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_inputs(data)
    assert (caught.value.row, caught.value.column) == (2, "max_annual_share")
    assert "absorb no money" in caught.value.reason
    example = re.search(r"such as (\S+)", caught.value.fix).group(1)
    programs.write_text(programs.read_text().replace(",0\n", f",{example}\n", 1))
    assert load_inputs(data).programs[0].max_annual_share == 0.25


def test_a_zero_ramp_share_by_set_is_refused_by_the_same_rule():
    said = invoke("check", "--inputs", SWEEP, "--set", "programs.x.max_annual_share=0")
    assert said.exit_code == 2
    assert "max_annual_share 0 lets the program absorb no money" in said.stderr, said.stderr


# The --set examples of every --help and of the syntax Fix are cells of the bundled dataset

_EXAMPLE = r"\b([a-z]+\.[A-Za-z0-9_/]*[/.][a-z_]+=[^\s,()]*?)(?=[\s,()]|$)"


@pytest.mark.parametrize("command", ["sweep", "core", "export-inputs", "alternatives"])
def test_every_set_example_of_help_is_a_cell_of_the_bundled_dataset(command):
    import re

    shown = invoke(command, "--help", env={"COLUMNS": "400"})
    text = re.sub(r"\s*│\s*", " ", shown.stdout)
    examples = re.findall(_EXAMPLE, text)
    assert len(examples) >= 3, text  # two cells and an emptied one
    for example in examples:
        followed = invoke("check", "--set", example)
        assert followed.exit_code == 0, (example, followed.stderr)


def test_the_outside_the_project_fix_followed_literally_solves(tmp_path):
    import re

    shutil.copytree(SWEEP, tmp_path / "inputs" / "small")
    model = tmp_path / "scenarios" / "t.yaml"
    model.parent.mkdir()
    model.write_text("name: t\ndataset: ../inputs/small\n", encoding="utf-8")
    refused = invoke("solve", model, "--out", tmp_path / "r")
    assert refused.exit_code == 2
    fix = re.search(r"Fix: move the model file to (\S+) with dataset: (\S+),", refused.stderr)
    assert fix is not None, refused.stderr
    moved = Path(fix.group(1))
    moved.parent.mkdir()
    moved.write_text(f"name: t\ndataset: {fix.group(2)}\n", encoding="utf-8")
    assert invoke("solve", moved, "--out", tmp_path / "r").exit_code == 0


@pytest.mark.parametrize(
    ("limit", "column", "value"),
    [("max_musd: 0.05B", "max_musd", 50), ("max_share: 40%", "max_share", 0.4),
     ("min_musd: '$20M'", "min_musd", 20)],
)  # fmt: skip
def test_a_group_limit_reads_its_numbers_as_a_groups_cell(tmp_path, limit, column, value):
    inp = _applied(tmp_path, None, f"group_limit: {{dimension: sector, member: s1, {limit}}}")
    group = next(g for g in inp.groups if g.member == "s1")
    assert getattr(group, column) == value


def test_a_negative_group_limit_is_refused_as_the_cell_would_be(tmp_path):
    from allocator.errors import UsageError

    with pytest.raises(UsageError, match="'-5' is below the minimum 0") as caught:
        _applied(tmp_path, None, "group_limit: {dimension: sector, member: s1, min_musd: -5}")
    assert "overrides[0].group_limit: min_musd" in str(caught.value)


@pytest.mark.parametrize("command", ["check", "explain", "export-inputs"])
def test_a_command_without_a_model_file_says_no_model_files_default(command):
    shown = invoke(command, "--help", env={"COLUMNS": "400"})
    assert shown.exit_code == 0
    assert "--set" in shown.stdout
    assert "model file" not in shown.stdout, shown.stdout


def test_settings_take_the_optional_columns_of_every_table(tmp_path):
    from allocator.data.inputs import load_inputs

    data = Path(shutil.copytree(SWEEP, tmp_path / "data"))
    (data / "settings.csv").write_text(
        "setting,value,source,derivation,assumption,note\n"
        "number_style,comma,x,,the ministry's files use the decimal comma,\n",
        encoding="utf-8",
    )
    assert load_inputs(data).number_style == "comma"
