"""An exported workbook's targets and shares years take what the reader takes (task fc): a
year of milestones.csv, not any year of the horizon. The validation is read back with openpyxl
and judged against the reader itself (`load_inputs`) at a year it refuses and one it takes."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from allocator.data.inputs import load_inputs
from allocator.errors import InputError
from conftest import BASELINE, exported_book, header_column, validation_at


def _accepts(book: openpyxl.Workbook, rule, value: int) -> bool:
    """Whether the validation `rule` lets a planner type the whole number `value`, as Excel
    judges it: a list (written in the rule or a range of a sheet) or a range of numbers."""
    if rule.type == "list":
        formula = str(rule.formula1).lstrip("=")
        if formula.startswith('"'):
            return str(value) in formula.strip('"').split(",")
        sheet, _, cells = formula.partition("!")
        low_col, low_row, high_col, high_row = range_boundaries(cells.replace("$", ""))
        ws = book[sheet.strip("'")]
        held = [
            c.value
            for row in ws.iter_rows(low_row, high_row, low_col, high_col)
            for c in row
            if c.value is not None
        ]
        return value in held
    assert rule.type in ("whole", "decimal"), rule.type
    assert rule.operator in (None, "between"), rule.operator
    return float(rule.formula1) <= value <= float(rule.formula2)


def _loads(data: Path) -> bool:
    try:
        load_inputs(data)
    except InputError:
        return False
    return True


def _with_year(tmp_path: Path, file: str, year: int) -> Path:
    """peru2040 with the first row of `file` moved to `year` (2040 -> `year` in shares.csv,
    2030 -> `year` in targets.csv: a row whose key stays unique)."""
    data = tmp_path / f"{file}_{year}"
    shutil.copytree(BASELINE, data)
    lines = (data / file).read_text(encoding="utf-8").splitlines(keepends=True)
    old = {"targets.csv": ",2030,", "shares.csv": ",2040,"}[file]
    assert old in lines[1]
    lines[1] = lines[1].replace(old, f",{year},", 1)
    (data / file).write_text("".join(lines), encoding="utf-8")
    return data


@pytest.mark.parametrize(("sheet", "taken"), [("targets", 2030), ("shares", 2035)])
def test_a_target_or_share_year_is_validated_as_the_reader_takes_it(tmp_path, sheet, taken):
    """peru2040: plan 2025-2040, milestones 2030, 2035 and 2040. The reader refuses a target
    or a share in 2033 (in the horizon, no milestone: the old validation took it) and takes
    the dataset's first target in 2030 as it is and copper's share moved from 2040 to 2035. The
    workbook's validation does the same, in the first row and in a row added below the table."""
    refused, file = 2033, f"{sheet}.csv"
    assert _loads(_with_year(tmp_path, file, refused)) is False
    assert _loads(_with_year(tmp_path, file, taken)) is True
    book = exported_book(tmp_path, BASELINE)
    ws = book[sheet]
    column = header_column(ws, "year")
    for row in (2, ws.max_row + 1):
        rule = validation_at(ws, row, column)
        assert _accepts(book, rule, refused) is False, (row, rule.formula1, rule.formula2)
        for year in (taken, 2030, 2035, 2040):
            assert _accepts(book, rule, year) is True, (row, year, rule.formula1)
        assert rule.errorStyle in (None, "stop")


def test_a_milestone_added_in_the_workbook_is_taken_by_targets(tmp_path):
    """The years are the milestones sheet's, as far as its rows for adding entries run: a
    planner who adds 2033 there may set a target in 2033 (the reader then takes it)."""
    book = exported_book(tmp_path, BASELINE)
    milestones, targets = book["milestones"], book["targets"]
    rule = validation_at(targets, 2, header_column(targets, "year"))
    added = milestones.max_row + 1
    milestones.cell(added, header_column(milestones, "year"), 2033)
    assert _accepts(book, rule, 2033) is True
