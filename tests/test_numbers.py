"""One number rule for CSV cells, model files and command-line options; plausibility limits;
objective weights; strict JSON. The CSV corpus cases of the same rules are in tests/broken/."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest

from allocator.data import schema
from allocator.data.applyoverrides import apply_overrides
from allocator.data.inputs import load_inputs
from allocator.data.modelfile import load_model_file
from allocator.data.numbers import parse_count, parse_money, parse_share
from allocator.errors import InputError, UsageError
from allocator.report.write import write_json
from conftest import BASELINE, DATA, invoke

HUGE_EXPONENT = "1e" + "9" * 5000
HUGE_INTEGER = "9" * 5000


def _strict_json(text: str) -> object:
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _invoke(*args: str):
    result = invoke(*args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def _one_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# --- the number parser --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,200,000", 1.2e6), ("3.5B", 3500.0), ("$800M", 800.0), ("500K", 0.5), ("1e3", 1000.0)],
)
def test_money_written_the_usual_ways_is_read(text, value):
    assert parse_money(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e-400", "too small"),
        ("1e-13", "too small"),
        ("８５００", "digits other than 0-9"),
        ("٨٥٠٠", "digits other than 0-9"),
        ("8_500", "underscore"),
        ("1e400", "too large"),
        (HUGE_EXPONENT, "too long"),
        (HUGE_INTEGER, "too long"),
    ],
)
def test_the_parser_refuses_numbers_it_would_change(text, reason):
    with pytest.raises(ValueError, match=reason) as caught:
        parse_money(text)
    assert "int_max_str_digits" not in str(caught.value)
    assert len(str(caught.value)) < 200, "the cell is shortened in the message"


def test_counts_and_shares_follow_the_same_rule():
    assert parse_count("12K") == 12000.0
    assert parse_share("25%") == 0.25
    for parse in (parse_count, parse_share):
        with pytest.raises(ValueError, match="digits other than 0-9"):
            parse("٠٫٥")
        with pytest.raises(ValueError, match="too small"):
            parse("1e-400")


def test_zero_is_still_zero():
    assert parse_money("0") == 0.0
    assert parse_money("0e-400") == 0.0


# --- whole numbers and years in CSV -------------------------------------------------------------


def _greedy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA / "greedy", folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2_026", "underscore"),
        ("٢٠٢٦", "digits other than 0-9"),
        ("２０２６", "digits other than 0-9"),
        ("2" * 5000, "too long"),
    ],
)
def test_a_year_follows_the_same_rule_as_money(tmp_path, cell, reason):
    folder = _greedy(tmp_path, "milestones.csv", "2026,", f"{cell},")
    with pytest.raises(InputError, match=reason) as caught:
        load_inputs(folder)
    assert (caught.value.file, caught.value.row, caught.value.column) == (
        "milestones.csv",
        2,
        "year",
    )


# --- plausibility limits ------------------------------------------------------------------------


def test_every_bundled_and_test_dataset_is_within_the_limits():
    folders = [BASELINE, *sorted(p for p in DATA.iterdir() if p.is_dir())]
    loaded = [load_inputs(f) for f in folders]
    # with base_levels, tranches (issue 25), fixed_plan (issue 27) and shares (issue 25 point 3)
    # and ties (25 point 5), replan (28), core (27), two_conflicts (26): every folder loads
    assert len(loaded) == 26  # and two_stage (27), share_cap (task n1)
    assert max(p.budget_musd for p in loaded[0].pools) == 12500.0


@pytest.mark.parametrize(
    ("name", "old", "new", "column", "limit"),
    [
        ("pools.csv", "p1,120,", "p1,1e308,", "budget_musd", "1e+09"),
        ("pools.csv", "p1,120,", "p1,2e9,", "budget_musd", "1e+09"),
        ("programs.csv", "2026,60,0,10", "2026,1.5e9,0,10", "cap_musd", "1e+09"),
        ("programs.csv", "2026,60,0,10", "2026,60,0,2e6", "jobs_per_musd", "1e+06"),
    ],
)
def test_a_number_past_its_limit_is_refused_by_cell(tmp_path, name, old, new, column, limit):
    folder = _greedy(tmp_path, name, old, new)
    with pytest.raises(InputError, match=re.escape(f"above the maximum {limit}")) as caught:
        load_inputs(folder)
    assert (caught.value.file, caught.value.row, caught.value.column) == (name, 2, column)
    assert "inputs/README.md" in str(caught.value.fix)


def test_the_limits_are_named_and_stated_in_the_data_dictionary():
    readme = (BASELINE.parent / "README.md").read_text(encoding="utf-8")
    assert schema.MAX_MUSD == 1e9
    for constant in ("MAX_MUSD", "MAX_JOBS", "MAX_JOBS_PER_MUSD", "MAX_EXPORTS_PER_MUSD"):
        limit = f"{getattr(schema, constant):.0e}".replace("e+0", "e").replace("e+", "e")
        assert f"at most {limit}" in readme, constant
        assert f"`{constant}`" in readme, constant


# --- objective weights --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "reason"),
    [
        ("jobs=nan,exports=1", "is not a number"),
        ("jobs=inf,exports=1", "is not a number"),
        ("jobs=1e400,exports=1", "too large"),
        ("jobs=-1,exports=1", "at least 0"),
        ("jobs=0,exports=0", "all 0"),
        ("jobs=0", "all 0"),
        ("jobs=２,exports=1", "digits other than 0-9"),
        ("jobs=1e7,exports=1", "at most 1e+06"),
    ],
)
def test_bad_weights_on_the_command_line_are_one_line_and_exit_2(tmp_path, weights, reason):
    out = tmp_path / "run"
    result = _invoke(
        "solve", "--inputs", DATA / "exports", "--objective", "weighted", "--weights", weights,
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    line = _one_line(result)
    assert line.startswith("error: --weights"), line
    assert reason in line, line
    assert "Fix: " in line
    assert not out.exists()


def _model_file(tmp_path: Path, body: str) -> Path:
    shutil.copytree(DATA / "greedy", tmp_path / "data", dirs_exist_ok=True)
    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    path = models / "m.yaml"
    path.write_text("dataset: ../data\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("weights", "reason"),
    [
        ("{jobs: -1, exports: 1}", "at least 0"),
        ("{jobs: 0, exports: 0}", "all 0"),
        ("{jobs: .nan, exports: 1}", "not a finite number"),
        ("{jobs: .inf, exports: 1}", "not a finite number"),
    ],
)
def test_bad_weights_in_a_model_file_are_refused_like_on_the_command_line(
    tmp_path, weights, reason
):
    path = _model_file(tmp_path, f"objective: weighted\nweights: {weights}\n")
    with pytest.raises(UsageError, match=reason) as caught:
        load_model_file(path)
    assert str(path) in str(caught.value)
    assert "weights" in str(caught.value)


def test_good_weights_are_kept_as_given(tmp_path):
    path = _model_file(tmp_path, "objective: weighted\nweights: {jobs: 0, exports: 2}\n")
    model, _ = load_model_file(path)
    assert model.weights == {"jobs": 0.0, "exports": 2.0}


def test_a_weighted_run_writes_strict_json(tmp_path):
    out = tmp_path / "run"
    result = _invoke(
        "solve", "--inputs", DATA / "exports", "--objective", "weighted",
        "--weights", "jobs=0.7,exports=0.3", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    info = _strict_json((out / "run.json").read_text(encoding="utf-8"))
    assert isinstance(info, dict)
    assert info["options"]["weights"] == {"jobs": 0.7, "exports": 0.3}


def test_write_json_never_writes_nan_or_infinity(tmp_path):
    path = tmp_path / "run.json"
    write_json({"a": math.nan, "b": [1.5, math.inf, -math.inf], "c": {"d": 2}}, path)
    assert _strict_json(path.read_text(encoding="utf-8")) == {
        "a": None,
        "b": [1.5, None, None],
        "c": {"d": 2},
    }


# --- model-file overrides -----------------------------------------------------------------------


def _override(tmp_path: Path, override: str):
    path = _model_file(tmp_path, f"overrides:\n  - {override}\n")
    model, dataset = load_model_file(path)
    return path, apply_overrides(load_inputs(dataset), model.overrides, str(path))


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ("set_coefficient: {program: a, column: lag_years, value: 2.7}", "not a whole number"),
        ("set_coefficient: {program: a, column: last_year, value: 2026.99}", "not a whole number"),
        ("set_coefficient: {program: a, column: lag_years, value: .inf}", "not a finite number"),
        ("set_coefficient: {program: a, column: lag_years, value: .nan}", "not a finite number"),
        ("set_coefficient: {program: a, column: cap_musd, value: .inf}", "not a finite number"),
        ("set_coefficient: {program: a, column: cap_musd, value: 1e-400}", "too small"),
        ("set_coefficient: {program: a, column: cap_musd, value: '８５００'}", "digits other"),
        ("set_coefficient: {program: a, column: cap_musd, value: 1.0e+308}", "1e+09"),
        ("set_coefficient: {program: a, column: jobs_per_musd, value: 2.0e+6}", "1e+06"),
        ("set_coefficient: {program: a, column: cap_musd, value: true}", "not a number"),
        ("scale_budget: {pool: public, factor: .inf}", "not a finite number"),
        ("scale_budget: {pool: public, factor: 1.0e+10}", "1e+09"),
        ("group_limit: {dimension: sector, member: s1, max_musd: .nan}", "not a finite number"),
        ("group_limit: {dimension: sector, member: s1, max_musd: 1.0e+300}", "1e+09"),
    ],
)
def test_an_override_value_is_refused_as_the_csv_would_refuse_it(tmp_path, override, reason):
    with pytest.raises(UsageError, match=re.escape(reason)) as caught:
        _override(tmp_path, override)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "models" / "m.yaml")), message
    assert "overrides" in message
    assert "\n" not in message
    assert "Fix: " in message


def test_whole_numbers_in_an_override_are_applied_exactly(tmp_path):
    _, inp = _override(tmp_path, "set_coefficient: {program: a, column: lag_years, value: 1.0}")
    a = next(p for p in inp.programs if p.program == "a")
    assert a.lag_years == 1
    assert isinstance(a.lag_years, int)
    _, inp = _override(tmp_path, "set_coefficient: {program: a, column: cap_musd, value: '75'}")
    assert next(p for p in inp.programs if p.program == "a").cap_musd == 75.0


# --- numeric command-line options ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        # nan and inf are refused by the number rule of a cell (cli.options.number_of)
        ("--cvar-cap", "nan", "is not a number"),
        ("--cvar-cap", "inf", "is not a number"),
        ("--cvar-cap", "-inf", "is not a number"),
        ("--cvar-cap", "1e11", "at most"),
        ("--beta", "nan", "is not a number"),
        ("--beta", "1", "[0, 1)"),
        ("--beta", "-0.1", "[0, 1)"),
    ],
)
def test_numeric_options_are_checked_before_anything_runs(tmp_path, option, value, reason):
    out = tmp_path / "run"
    result = _invoke(
        "solve", "--inputs", DATA / "sweep", "--risk", "cvar", option, value, "--out", out
    )
    assert result.exit_code == 2, result.output
    line = _one_line(result)
    assert line.startswith(f"error: {option}"), line
    assert reason in line, line
    assert "Fix: " in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("1_0", "underscore"), ("１０", "digits other than 0-9"), ("1e-400", "too small")],
)
def test_a_number_column_without_a_unit_follows_the_same_rule(tmp_path, cell, reason):
    folder = tmp_path / "data"
    shutil.copytree(DATA / "greedy", folder)
    (folder / "risks.csv").write_text(
        "risk,first_year,last_year,budget_musd,coverage,source\n"
        f"tech,2025,2026,6,{cell},hand-solved test case\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=reason) as caught:
        load_inputs(folder)
    assert (caught.value.file, caught.value.row, caught.value.column) == (
        "risks.csv",
        2,
        "coverage",
    )


def test_a_relative_range_follows_the_same_rule(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA / "sweep", folder)
    path = folder / "uncertainty.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("+100%", "+１００%", 1), encoding="utf-8")
    from allocator.data.uncertainty import params_of

    with pytest.raises(InputError, match="not a value or a relative change") as caught:
        params_of(load_inputs(folder))
    assert (caught.value.file, caught.value.column) == ("uncertainty.csv", "high")
    path.write_text(text, encoding="utf-8")
    assert any(p.high > p.nominal for p in params_of(load_inputs(folder)))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("8_500", "underscore"),  # YAML 1.1 would read 8500
        ("1_0.5", "underscore"),  # and 10.5
        ("9" * 5000, "too long to be a number"),  # and fail with Python's int-size advice
        ("0x10", "not a number"),  # and 16
        ("0b101", "not a number"),  # and 5
        ("1.5e-400", "too small"),  # and 0.0
    ],
)
def test_yaml_reads_numbers_by_the_same_rule_as_a_csv_cell(tmp_path, value, reason):
    override = f"set_coefficient: {{program: a, column: cap_musd, value: {value}}}"
    with pytest.raises(UsageError, match=re.escape(reason)) as caught:
        _override(tmp_path, override)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "models" / "m.yaml")), message
    assert "line 3" in message  # the line of the override, where YAML found the number
    assert "\n" not in message


def test_yaml_numbers_written_plainly_keep_their_type(tmp_path):
    _, inp = _override(tmp_path, "set_coefficient: {program: a, column: cap_musd, value: 1.5e3}")
    assert next(p for p in inp.programs if p.program == "a").cap_musd == 1500.0
    _, inp = _override(tmp_path, "set_coefficient: {program: a, column: lag_years, value: 2}")
    assert next(p for p in inp.programs if p.program == "a").lag_years == 2


def test_an_override_that_breaks_a_cross_table_rule_names_the_model_file(tmp_path):
    """The CSV is fine; the model file moved a window out of the horizon: say so, in one line."""
    override = "set_coefficient: {program: a, column: last_year, value: 2199}"
    with pytest.raises(UsageError) as caught:
        _override(tmp_path, override)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'models' / 'm.yaml'}: after its overrides, ")
    assert "last_year 2199 is outside the horizon" in message
    assert "\n" not in message
