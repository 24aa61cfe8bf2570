"""Issue 19: a dataset as one workbook. `export-inputs` writes it, every command's --inputs reads
it, and solving it writes the same bytes in every CSV table as solving the folder. Bad cells are
refused by workbook, sheet, cell, row and column; formulas are read as their saved values."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from openpyxl import load_workbook

from allocator.data.bookwriter import write_inputs_workbook
from allocator.data.inputs import load_inputs
from allocator.data.schema import TABLES
from conftest import BASELINE, DATA, RUN_TABLES
from conftest import run_cli as cli


def export(folder, path):
    """The dataset `folder` as the workbook `path`, in-process (`export-inputs` writes the same:
    test_the_same_dataset_gives_the_same_workbook_bytes)."""
    write_inputs_workbook(load_inputs(folder), path)
    return path


@pytest.mark.parametrize("folder", [BASELINE, DATA / "greedy", DATA / "enable", DATA / "targets"])
def test_round_trip_csv_to_workbook_to_solve_gives_the_same_bytes(folder, tmp_path, solved_run):
    book = export(folder, tmp_path / "plan.xlsx")
    csv, a = solved_run("--inputs", folder)
    b = cli("solve", "--inputs", book, "--out", tmp_path / "xlsx")
    assert (a[0], b[0]) == (0, 0), a[2] + b[2]
    for name in RUN_TABLES:
        assert (csv / name).read_bytes() == (tmp_path / "xlsx" / name).read_bytes(), name
    run = json.loads((tmp_path / "xlsx" / "run.json").read_text())
    assert run["inputs"]["sha256"] == {"plan.xlsx": hashlib.sha256(book.read_bytes()).hexdigest()}


def test_the_workbook_holds_the_same_dataset_row_for_row(tmp_path):
    a = load_inputs(BASELINE)
    write_inputs_workbook(a, tmp_path / "a.xlsx")
    b = load_inputs(tmp_path / "a.xlsx")
    for field in TABLES:
        assert getattr(a, field) == getattr(b, field), field
        assert [r.line for r in getattr(a, field)] == [r.line for r in getattr(b, field)]


def test_the_same_dataset_gives_the_same_workbook_bytes(tmp_path):
    code, out, err = cli("export-inputs", tmp_path / "a.xlsx", "--inputs", BASELINE)
    assert code == 0, err
    assert out.startswith(f"Wrote {tmp_path / 'a.xlsx'}")
    export(BASELINE, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_the_workbook_has_a_readme_frozen_headers_unit_comments_and_validation(tmp_path):
    book = load_workbook(export(BASELINE, tmp_path / "plan.xlsx"))
    assert book.sheetnames[0] == "README"
    assert set(book.sheetnames[1:]) == {f.removesuffix(".csv") for f, *_ in TABLES.values()} | {
        "settings"
    }  # every table of the bundled dataset, and its number style
    readme = [[c.value for c in row] for row in book["README"].iter_rows()]
    assert ["programs", "cap_musd", "US$ million"] in [r[:3] for r in readme]
    ws = book["programs"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    cap = ws.cell(1, header.index("cap_musd") + 1)
    assert "US$ million" in cap.comment.text
    assert "required" in cap.comment.text
    rules = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    share = rules[f"{_letter(header, 'max_annual_share')}2"]
    assert (share.type, share.formula1, share.formula2) == ("decimal", "1e-08", "1")  # 0 is refused
    year = rules[f"{_letter(header, 'first_year')}2"]
    assert (year.type, year.formula1, year.formula2) == ("whole", "2025", "2040")
    elig = book["eligibility"]
    eh = [c.value for c in elig[1]]
    erules = {str(dv.sqref).split(":")[0]: dv for dv in elig.data_validations.dataValidation}
    pool = erules[f"{_letter(eh, 'pool')}2"]
    assert pool.type == "list"
    assert pool.formula1.startswith("pools!$A$2:$A$")
    carry = {
        str(dv.sqref).split(":")[0]: dv for dv in book["pools"].data_validations.dataValidation
    }
    ph = [c.value for c in book["pools"][1]]
    assert carry[f"{_letter(ph, 'carry_over')}2"].formula1 == '"yes,no"'


def _letter(header, name):
    from allocator.data.workbook import column_letter

    return column_letter(header.index(name))


def _edit(book, sheet, column, row, value):
    wb = load_workbook(book)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row, header.index(column) + 1).value = value
    wb.save(book)
    return f"{_letter(header, column)}{row}"


@pytest.mark.parametrize("command", ["check", "solve", "explain", "frontier", "sweep", "compare"])
def test_a_bad_cell_is_named_by_workbook_sheet_cell_row_and_column(command, tmp_path):
    book = export(DATA / "greedy", tmp_path / "plan.xlsx")
    cell = _edit(book, "programs", "cap_musd", 3, "lots")
    args = {"compare": ["compare", "jobs", "exports"], "sweep": ["sweep", "--samples", "2"]}
    code, out, err = cli(*args.get(command, [command]), "--inputs", book)
    assert code == 2, err
    assert out == ""
    line = err.strip()
    assert "\n" not in line
    assert "Traceback" not in line
    assert line.startswith(
        f"error: plan.xlsx, sheet programs, cell {cell}, row 3, column 'cap_musd': "
    ), line
    assert "Fix: " in line
    assert not (tmp_path / "results").exists()


def test_a_reference_error_after_reading_names_the_cell_too(tmp_path):
    book = export(DATA / "greedy", tmp_path / "plan.xlsx")
    cell = _edit(book, "eligibility", "pool", 2, "nowhere")
    code, _, err = cli("check", "--inputs", book)
    assert code == 2
    assert err.startswith(
        f"error: plan.xlsx, sheet eligibility, cell {cell}, row 2, column 'pool': unknown pool"
    ), err


def _copy_with(book, path, sheet, ref_row, column, formula, saved):
    """`book` rewritten by xlsxwriter with one cell a formula whose saved value is `saved`, as
    Excel saves a calculated workbook (an error value is saved as t="e")."""
    import xlsxwriter

    src = load_workbook(book)
    out = xlsxwriter.Workbook(str(path))
    for ws in src.worksheets:
        new = out.add_worksheet(ws.title)
        header = [c.value for c in ws[1]]
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            for j, value in enumerate(row):
                if ws.title == sheet and r == ref_row - 1 and header[j] == column:
                    new.write_formula(r, j, formula, None, saved)
                elif value is None:
                    continue
                elif isinstance(value, str):
                    new.write_string(r, j, value)
                else:
                    new.write_number(r, j, value)
    out.close()
    return path


def test_formulas_are_read_as_their_saved_values(tmp_path):
    book = export(DATA / "greedy", tmp_path / "plain.xlsx")
    path = _copy_with(book, tmp_path / "f.xlsx", "programs", 2, "cap_musd", "=30+30", 60)
    header = [c.value for c in load_workbook(path)["programs"][1]]
    cell = f"{_letter(header, 'cap_musd')}2"
    assert load_workbook(path)["programs"][cell].value == "=30+30"  # a formula indeed
    a, b = load_inputs(DATA / "greedy"), load_inputs(path)
    assert a.programs == b.programs
    changed = _copy_with(book, tmp_path / "g.xlsx", "programs", 2, "cap_musd", "=30+31", 61)
    assert load_inputs(changed).programs[0].cap_musd == 61


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#VALUE!"])
def test_an_error_cell_is_refused_by_cell(error, tmp_path):
    book = export(DATA / "greedy", tmp_path / "plain.xlsx")
    path = _copy_with(book, tmp_path / "e.xlsx", "programs", 3, "cap_musd", "=1/0", error)
    code, _, err = cli("check", "--inputs", path)
    assert code == 2, err
    header = [c.value for c in load_workbook(path)["programs"][1]]
    cell = f"{_letter(header, 'cap_musd')}3"
    assert err.startswith(
        f"error: e.xlsx, sheet programs, cell {cell}, row 3, column 'cap_musd': "
        f"the cell holds the error {error}. Fix: "
    ), err


def test_a_formula_without_a_saved_value_is_refused_by_cell(tmp_path):
    """openpyxl saves formulas without values, as a workbook never calculated is."""
    book = export(DATA / "greedy", tmp_path / "plan.xlsx")
    cell = _edit(book, "programs", "cap_musd", 3, "=30+30")
    code, _, err = cli("check", "--inputs", book)
    assert code == 2, err
    assert err.startswith(
        f"error: plan.xlsx, sheet programs, cell {cell}, row 3, column 'cap_musd': "
        "the formula =30+30 has no saved value"
    ), err


def test_missing_and_unknown_sheets_and_a_file_that_is_no_workbook(tmp_path):
    book = export(DATA / "greedy", tmp_path / "plan.xlsx")
    wb = load_workbook(book)
    del wb["pools"]
    wb.save(book)
    code, _, err = cli("check", "--inputs", book)
    assert (code, err.split(". Fix")[0]) == (2, "error: plan.xlsx, sheet pools: sheet is missing")
    wb = load_workbook(export(DATA / "greedy", tmp_path / "b.xlsx"))
    wb["pools"].title = "pool"
    wb.save(tmp_path / "b.xlsx")
    code, _, err = cli("check", "--inputs", tmp_path / "b.xlsx")
    assert code == 2
    assert "sheet pool: unknown sheet" in err
    assert "did you mean 'pools'" in err
    (tmp_path / "c.xlsx").write_text("program,cap\n")
    code, _, err = cli("check", "--inputs", tmp_path / "c.xlsx")
    assert code == 2
    assert "c.xlsx: is not an Excel workbook" in err, err


def test_export_refuses_to_overwrite_without_force_and_a_non_workbook_even_with(tmp_path):
    book = export(DATA / "greedy", tmp_path / "plan.xlsx")
    before = book.read_bytes()
    code, _, err = cli("export-inputs", book, "--inputs", DATA / "enable")
    assert code == 2
    assert "already exists" in err
    assert book.read_bytes() == before
    (tmp_path / "notes.xlsx").write_text("mine")
    code, _, err = cli("export-inputs", tmp_path / "notes.xlsx", "--force")
    assert code == 2
    assert (tmp_path / "notes.xlsx").read_text() == "mine"
    code, _, _ = cli("export-inputs", book, "--inputs", DATA / "enable", "--force")
    assert code == 0
    assert book.read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.xlsx", "plan.xlsx"]


def test_a_model_file_may_name_a_workbook_as_its_dataset(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(DATA / "greedy", project / "csv")
    export(project / "csv", project / "plan.xlsx")
    (project / "m.yaml").write_text("dataset: plan.xlsx\nobjective: jobs\n")
    a = cli("solve", project / "m.yaml", "--out", tmp_path / "a")
    b = cli("solve", "--inputs", project / "csv", "--out", tmp_path / "b")
    assert (a[0], b[0]) == (0, 0), a[2] + b[2]
    assert (tmp_path / "a" / "allocation.csv").read_bytes() == (
        tmp_path / "b" / "allocation.csv"
    ).read_bytes()


def test_init_xlsx_starts_a_project_from_a_workbook_that_solves_like_the_baseline(tmp_path):
    code, out, err = cli("init", tmp_path / "p", "--xlsx")
    assert code == 0, err
    assert (tmp_path / "p" / "inputs" / "plan.xlsx").is_file()
    assert not list((tmp_path / "p" / "inputs").glob("*.csv"))
    assert (
        "dataset: ../inputs/plan.xlsx" in (tmp_path / "p" / "models" / "scenario.yaml").read_text()
    )
    code, _, err = cli(
        "solve", tmp_path / "p" / "models" / "scenario.yaml", "--out", tmp_path / "r"
    )
    assert code == 0, err
    run = json.loads((tmp_path / "r" / "run.json").read_text())
    assert run["objective"]["value"] == 545333.54
