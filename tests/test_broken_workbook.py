"""Issue 19: every case of tests/broken also as a workbook. The case's CSV tables become sheets
of text cells (exactly what the CSV holds), and `check` must refuse the workbook as it refuses
the folder: exit 2, one line, naming the sheet, and the row, column and cell where the CSV
message names a row and a column.

Cases about how a CSV file is written (its encoding, separators, quotes, cell count, bytes that
are no text) have no workbook form: they are listed in NOT_A_SHEET with the reason, and the
test checks that the CSV really cannot be read as text records, so the list cannot grow stale.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.data.workbook import column_letter
from test_broken import ANSI, CASES, build

NOT_A_SHEET = {
    "too_few_cells": "a sheet row has no cell count: a missing cell is a blank one",
    "huge_cell": "a sheet cell holds at most 32,767 characters",
}
"""Cases readable as CSV records whose workbook form means something else (or cannot exist)."""


def to_workbook(folder, path):
    """The CSV tables of `folder` as sheets of text cells; None if a CSV is not text records."""
    book = Workbook()
    book.remove(book.active)
    for file in sorted(folder.glob("*.csv")):
        try:
            text = file.read_bytes().decode("utf-8-sig")
            records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        except (UnicodeDecodeError, csv.Error):
            return None
        if any("\x00" in c for r in records for c in r):
            return None
        ws = book.create_sheet(file.stem)
        try:
            for i, record in enumerate(records, start=1):
                for j, cell in enumerate(record, start=1):
                    if cell != "":
                        ws.cell(i, j).value = cell
                        ws.cell(i, j).data_type = "s"  # text, exactly as the CSV holds it
        except IllegalCharacterError:
            return None
    book.save(path)
    return path


def csv_message(folder):
    res = CliRunner().invoke(app, ["check", "--inputs", str(folder)])
    return res.exit_code, ANSI.sub("", res.stderr).strip()


@pytest.mark.parametrize("case", CASES)
def test_a_broken_case_as_a_workbook_is_refused_naming_sheet_row_column_and_cell(case, tmp_path):
    folder = build(case, tmp_path)
    code, message = csv_message(folder)
    if code != 2:
        pytest.skip(f"the CSV case itself does not exit 2 here ({code}): see test_broken")
    book = to_workbook(folder, tmp_path / "plan.xlsx")
    if book is None or case in NOT_A_SHEET:
        assert book is None or case in NOT_A_SHEET
        pytest.skip(NOT_A_SHEET.get(case, "the CSV is not text records: no workbook form"))
    res = CliRunner().invoke(app, ["check", "--inputs", str(book)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    line = ANSI.sub("", res.stderr).strip()
    assert res.exit_code == 2, (message, line, res.stdout)
    assert res.stdout == ""
    assert "\n" not in line, line
    assert line.startswith("error: plan.xlsx"), line
    assert "Fix: " in line, line
    place = re.match(r"error: ([a-z_]+)\.csv, row (\d+), column '([a-z_]+)'", message)
    if place is not None and (folder / f"{place[1]}.csv").exists():
        sheet, row, column = place[1], int(place[2]), place[3]
        header = [h.strip().lower() for h in next(csv.reader(_text(folder / f"{sheet}.csv")))]
        if column in header:
            cell = f"{column_letter(header.index(column))}{row}"
            want = f"error: plan.xlsx, sheet {sheet}, cell {cell}, row {row}, column '{column}': "
            assert line.startswith(want), (message, line)
    elif message.startswith("error: ") and ".csv" in message.split(":")[0]:
        sheet = message.split(".csv")[0].removeprefix("error: ")
        assert f"sheet {sheet}" in line, (message, line)


def _text(path):
    return io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")


def test_most_of_the_corpus_has_a_workbook_form(tmp_path):
    made = sum(
        to_workbook(build(c, tmp_path / c), tmp_path / f"{c}.xlsx") is not None for c in CASES
    )
    assert made >= 80, made
