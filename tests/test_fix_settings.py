"""export-inputs keeps every cell of settings.csv: a setting's source, assumption and note are
citations like any other table's, and a workbook that drops them loses the dataset's word."""

from __future__ import annotations

import shutil

import openpyxl

from allocator.data.inputs import load_inputs
from conftest import BASELINE, run_cli


def _sheet_rows(book, name):
    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        return [list(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_the_settings_sheet_holds_every_cell_of_settings_csv(tmp_path):
    book = tmp_path / "plan.xlsx"
    res = run_cli("export-inputs", book, "--inputs", BASELINE)
    assert res.exit_code == 0, res.stderr
    rows = _sheet_rows(book, "settings")
    header = rows[0]
    assert header[:2] == ["setting", "value"]
    written = dict(zip(header, rows[1], strict=True))
    cells = dict(load_inputs(BASELINE).settings[0][1])
    assert written["source"] == cells["source"]
    assert written["note"] == cells["note"]
    assert written["value"] == "point"


def test_a_settings_note_read_back_from_the_workbook_is_the_csvs(tmp_path):
    """The workbook written is read as the same dataset: the settings rows the audit lists
    (cells by column) are the CSV folder's; a note that starts like a formula stays text."""
    data = shutil.copytree(BASELINE, tmp_path / "data")
    (data / "settings.csv").write_text(
        'setting,value,assumption,note\nnumber_style,point,=1+1 guessed,"=HYPERLINK(""x"")"\n',
        encoding="utf-8",
    )
    book = tmp_path / "plan.xlsx"
    res = run_cli("export-inputs", book, "--inputs", data)
    assert res.exit_code == 0, res.stderr
    assert load_inputs(book).settings == load_inputs(data).settings
    rows = _sheet_rows(book, "settings")
    assert rows[1][3] == '=HYPERLINK("x")'
