"""An infeasible workbook dataset's explanation cites the workbook's sheets (the file the user
has), and `--set` help says what it can set. (A model file's `exclude_program` keeps the base
levels and processing shares of what it removes: jobs that exist still exist, a share with no
program stays at today's; tests/test_workflow.py excludes gold processing.)"""

from __future__ import annotations

import pytest

from allocator.data.bookwriter import write_inputs_workbook
from allocator.data.cellset import apply_set, parse_set
from allocator.data.inputs import load_inputs
from conftest import BASELINE, DATA, invoke
from conftest import run_cli as cli


@pytest.fixture(scope="module")
def infeasible_book(tmp_path_factory):
    """tests/data/infeasible as the workbook plan.xlsx (`export-inputs` writes the same)."""
    book = tmp_path_factory.mktemp("cite") / "plan.xlsx"
    write_inputs_workbook(load_inputs(DATA / "infeasible"), book)
    return book


@pytest.mark.parametrize("command", ["solve", "explain"])
def test_an_infeasible_workbook_is_explained_by_sheet_row_and_column(command, infeasible_book):
    args = ["--out", infeasible_book.parent / "run"] if command == "solve" else []
    code, out, err = cli(command, "--inputs", infeasible_book, *args)
    assert code == 1, err
    assert "Traceback" not in err
    assert "(plan.xlsx, sheet pools, row 2, column budget_musd)" in err, err
    assert "(plan.xlsx, sheet programs, row 3, column floor_musd)" in err, err
    assert "from 60 to 50 (plan.xlsx, sheet programs, row 2, column floor_musd)" in err, err
    assert ".csv" not in err, err


def test_the_baseline_workbook_made_infeasible_by_a_set_cites_its_sheet(tmp_path):
    book = tmp_path / "plan.xlsx"
    write_inputs_workbook(load_inputs(BASELINE), book)
    floors = [
        f"programs.{p}.floor_musd=8500" for p in ("advanced_materials", "aerospace_components")
    ]
    code, _, err = cli("explain", "--inputs", book, "--set", floors[0], "--set", floors[1])
    assert code == 1, err
    assert "from 8,500 to" in err, err
    # the cell, and the set that gave it the value the line names (hunt 24)
    assert (
        "(plan.xlsx, sheet programs, row 3, column floor_musd: 0 there, 8,500 after --set "
        "'programs.aerospace_components.floor_musd=8500')"
    ) in err, err
    assert ".csv" not in err, err


def test_a_csv_folder_is_still_explained_by_file(tmp_path):
    code, _, err = cli("explain", "--inputs", DATA / "infeasible")
    assert code == 1, err
    assert "(pools.csv row 2, column budget_musd)" in err, err


SET_SENTENCE = (
    "An empty VALUE empties the cell (programs.copper_processing.max_annual_share= removes a "
    "ramp limit), and "
    "yes/no columns and the base, tranches and shares tables can be set too."
)


def _plain(help_text: str) -> str:
    """`--help` as one line of words: rich's panel borders and wrapping taken out."""
    return " ".join(help_text.replace("│", " ").split())


def test_set_help_says_an_empty_value_and_what_tables_can_be_set():
    res = invoke("solve", "--help", env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert SET_SENTENCE in _plain(res.stdout), res.stdout


def test_an_empty_set_value_removes_a_ramp_limit_as_the_help_says():
    ramped = load_inputs(DATA / "ramp")
    freed = apply_set(ramped, parse_set("programs.a.max_annual_share="))
    assert [p.max_annual_share for p in ramped.programs if p.program == "a"] == [0.3]
    assert [p.max_annual_share for p in freed.programs if p.program == "a"] == [1.0]  # no limit


def test_hard_targets_refused_before_solving_cite_the_workbook_sheet(tmp_path):
    book = tmp_path / "plan.xlsx"
    write_inputs_workbook(load_inputs(BASELINE), book)
    code, _, err = cli("explain", "--inputs", book, "--targets", "hard")
    assert code == 1, err
    assert "(plan.xlsx, sheet targets, row 11): no program serves it" in err, err
    assert ".csv" not in err, err


@pytest.mark.parametrize("command", ["frontier", "alternatives", "core"])
def test_every_command_cites_the_workbook_when_refused_before_solving(tmp_path, command):
    """`solve` and `explain` cited a workbook's sheets for a plan refused before solving; frontier,
    alternatives and core built their LP themselves and cited `targets.csv row 11`, a file the
    user of plan.xlsx does not have."""
    book = tmp_path / "plan.xlsx"
    write_inputs_workbook(load_inputs(BASELINE), book)
    code, _, err = cli(command, "--inputs", book, "--targets", "hard", "--out", tmp_path / "o")
    assert code == 1, err
    assert "(plan.xlsx, sheet targets, row 11)" in err, err
    assert ".csv" not in err, err
