"""Issue 30, the workbook's time: a per-row sheet's rows go to xlsxwriter as blocks of its own
XML (`report/bookrows.py`) instead of cell by cell, and the workbook is the same: every part
of the zip byte for byte what xlsxwriter's per-cell writers give (the formats' indices in the
same order), and every cell's value, type and number format as openpyxl reads them."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from xlsxwriter.worksheet import Worksheet

from allocator.report import book, bookrows
from allocator.report.write import write_workbook

HOSTILE = [
    "=SUM(A1:A9)",  # text that reads as a formula stays text
    "a\x01b\x1fc",  # control characters: _x0001_, _x001F_
    "_x0041_ literal",  # an escape-looking text: its underscore is escaped
    " lead and trail ",  # whitespace kept at the ends (xml:space)
    "tab\tand\nnewline",
    "<&> \"quoted\" 'single'",
    "Café ✓ \ufffe",
    "x" * 40_000,  # over Excel's 32,767 characters: cut as xlsxwriter cuts it
    "",  # empty: blank
    None,
]


def typed_frame(n: int = 30) -> pd.DataFrame:
    """Every kind of column a run's table has, with blanks, repeats and hostile text."""
    rng = np.random.default_rng(5)
    values = rng.normal(size=n) * 10.0 ** rng.integers(-3, 9, size=n)
    values[::7], values[1::9], values[2::11] = math.inf, math.nan, -0.0
    labels = [HOSTILE[i % len(HOSTILE)] for i in range(n)]
    mixed: list[object] = [None, 7, "x", 2.5, True, math.inf, "", -0.0, 12]
    return pd.DataFrame(
        {
            "name": pd.array(labels, dtype="str"),
            "label": pd.Series([f"p{i % 4:05d}" for i in range(n)], dtype=object),
            "year": pd.array([2030 + i % 3 if i % 5 else None for i in range(n)], "Int64"),
            "invest_musd": values,
            "whole": np.arange(n, dtype=np.int64) * 1000,
            "share": np.linspace(0, 0.75, n),
            "binding": [bool(i % 2) for i in range(n)],
            "level": pd.Series([mixed[i % len(mixed)] for i in range(n)], dtype=object),
            "empty": [math.nan] * n,
        }
    )


def late_formats() -> pd.DataFrame:
    """Columns whose only cells are in the last row: their formats get their index at close,
    after the later sheets' (xlsxwriter's order, kept)."""
    return pd.DataFrame(
        {
            "k": ["a", "b", None],
            "small": [math.nan, math.nan, 0.25],
            "big": [math.nan, math.inf, 1234.5],
        }
    )


MORE_HOSTILE = [
    "ends in a newline\n",
    "\tleading tab",
    "trailing nbsp\u00a0",
    "\u2003em space first",
    "vertical\x0btab",
    "non-character \uffff",
    "<r>reads as a rich string</r>",
    "<r>x</r>",  # a text like xlsxwriter's rich-string XML: escaped like any other (TextSheet)
    "<r></t></is></c></row></r>",
    "<r>\x01 control &amp;</r>",
    "<r>" + "x" * 32_760 + "</r> cut off",  # reads as a rich string once cut at 32,767
    "<r>half",
    "_x00fF_ and _X0041_ and _x12_",
    "a & b",
    "plain label (with, commas; and = signs)",
]


def sheets() -> dict[str, pd.DataFrame]:
    return {
        "hostile": pd.DataFrame(
            {
                "text": pd.array(MORE_HOSTILE, dtype="str"),
                "objects": pd.Series(MORE_HOSTILE[::-1], dtype=object),
            }
        ),
        "late": late_formats(),
        "text_last": pd.DataFrame({"x": [1.0, 2.0, 3.0], "note": ["a", "b", None]}),
        "typed": typed_frame(),
        "one": typed_frame(1),
        "none": typed_frame().iloc[:0],
        "blank_tail": pd.concat([typed_frame(3), pd.DataFrame({"empty": [math.nan] * 4})]),
        "Limits": pd.DataFrame(
            {
                "variable": ["a", "b", "c", "d"],
                "value": [1.0, 2.0, 3.5, 0.0],
                "lower_limit": [1.0, 0.0, 3.5, 0.0],
                "upper_limit": [1.0, 2.0, 3.5, math.inf],
            }
        ),
        "allocation_by_phase": pd.DataFrame(
            {"sector": ["s1", "s2"], "phase1_musd": [1.5, 2.0], "phase2_musd": [0.0, 3.25]}
        ),
    }


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every sheet refuse blocks: the rows go through xlsxwriter's writers one by one."""
    monkeypatch.setattr(bookrows, "fits", lambda *_a: False)


@pytest.mark.parametrize("chunk", [3, bookrows.CHUNK_ROWS])
def test_blocks_write_every_part_as_xlsxwriter_cell_by_cell(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(bookrows, "CHUNK_ROWS", chunk)  # 3: rows split over many blocks
    write_workbook(sheets(), tmp_path / "blocks.xlsx", say=None)
    cell_by_cell(monkeypatch)
    write_workbook(sheets(), tmp_path / "cells.xlsx", say=None)
    blocks, cells = parts(tmp_path / "blocks.xlsx"), parts(tmp_path / "cells.xlsx")
    assert list(blocks) == list(cells)
    assert [name for name in blocks if blocks[name] != cells[name]] == []
    sheet = blocks["xl/worksheets/sheet4.xml"].decode()
    assert sheet.count("<row ") == 31  # the header and 30 rows
    assert "_x005F_x0041_ literal" in sheet
    assert "a_x0001_b_x001F_c" in sheet
    assert "&lt;&amp;&gt;" in sheet
    assert '<t xml:space="preserve"> lead and trail </t>' in sheet
    hostile = blocks["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="A9" t="inlineStr"><is><t>&lt;r&gt;x&lt;/r&gt;</t></is></c>' in hostile


def test_rows_go_as_blocks_not_through_the_per_cell_writers(tmp_path, monkeypatch):
    """Only the last row goes through xlsxwriter's writers (its formats' indices are given
    at close, as before); the others, header included, as blocks."""
    calls = []
    for name in ("write_number", "write_string", "write_boolean"):
        real = getattr(Worksheet, name)

        def counted(self, *args, _real=real, _name=name):
            calls.append((_name, args[0]))
            return _real(self, *args)

        monkeypatch.setattr(Worksheet, name, counted)
    frame = typed_frame(500)
    write_workbook({"typed": frame}, tmp_path / "w.xlsx", say=None)
    last = len(frame)
    assert {row for _name, row in calls} == {last}
    assert len(calls) == 7  # row 500's cells: all but its blank name and the "empty" column


def test_cells_read_back_with_their_values_types_and_formats(tmp_path):
    write_workbook({"typed": typed_frame(12)}, tmp_path / "w.xlsx", say=None)
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["typed"]
    header = [c.value for c in ws[1]]
    assert header == ["name", "label", "year", "invest_musd (US$ million)", "whole", "share",
                      "binding", "level", "empty"]  # fmt: skip
    names = list(typed_frame(1).columns)
    rows = {r: {h: ws.cell(r, j + 1) for j, h in enumerate(names)} for r in range(2, 14)}
    formula = rows[2]["name"]
    assert (formula.value, formula.data_type) == ("=SUM(A1:A9)", "s")
    # openpyxl reads the _xHHHH_ escapes as written; Excel shows a\x01b\x1fc and _x0041_ literal
    assert rows[3]["name"].value == "a_x0001_b_x001F_c"
    assert rows[4]["name"].value == "_x005F_x0041_ literal"
    assert rows[6]["name"].value == "tab\tand\nnewline"
    assert rows[8]["name"].value == "Café ✓ _xFFFE_"
    assert rows[5]["name"].value == " lead and trail "
    assert rows[7]["name"].value == "<&> \"quoted\" 'single'"
    assert len(rows[9]["name"].value) == 32_767
    assert rows[10]["name"].value is None
    assert rows[11]["name"].value is None
    assert [rows[r]["invest_musd"].value for r in (2, 3, 4, 9, 12)] == [None, None, 0, None, None]
    big = rows[6]["invest_musd"]
    assert (big.data_type, big.number_format) == ("n", "#,##0.0#####")
    whole = rows[5]["whole"]
    assert (whole.value, type(whole.value), whole.number_format) == (3000, int, "#,##0")
    year = rows[3]["year"]
    assert (year.value, year.number_format, rows[2]["year"].value) == (2031, "0", None)
    assert rows[3]["share"].number_format == "0.0#####"
    assert [rows[r]["binding"].value for r in (2, 3)] == [False, True]
    level = [rows[r]["level"].value for r in range(2, 11)]
    assert level == [None, 7, "x", 2.5, True, None, None, 0, 12]
    assert (rows[3]["level"].data_type, rows[3]["level"].number_format) == ("n", "General")
    assert all(rows[r]["empty"].value is None for r in rows)
    assert ws.freeze_panes == "A2"


def test_a_sheet_that_cannot_take_blocks_is_written_cell_by_cell(tmp_path, monkeypatch):
    """An xlsxwriter whose per-cell bytes were not compared here: cell by cell, same cells."""
    monkeypatch.setattr(bookrows, "VERIFIED", ())
    write_workbook({"typed": typed_frame(12)}, tmp_path / "a.xlsx", say=None)
    monkeypatch.undo()
    write_workbook({"typed": typed_frame(12)}, tmp_path / "b.xlsx", say=None)
    assert parts(tmp_path / "a.xlsx") == parts(tmp_path / "b.xlsx")


def test_the_summary_and_the_limits_note_follow_the_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "SHEET_ROW_LIMIT", 20)
    summarized = write_workbook(sheets(), tmp_path / "w.xlsx", say=None)
    assert summarized == ["typed"]
    wb = openpyxl.load_workbook(tmp_path / "w.xlsx")
    limits = wb["Limits"]
    assert [c.value for c in limits["A"]][1:3] == ["b", "d"]
    assert limits["A4"].value.startswith("2 more variables have lower limit = upper limit")
    assert wb["late"]["C4"].number_format == "#,##0.0#####"
    assert wb["late"]["B4"].number_format == "0.0#####"


def test_parts_are_zipped_from_memory_only_rows_use_temp_files(tmp_path, monkeypatch):
    """One temp file a sheet (constant_memory's rows, in the scratch folder), none a part: the
    XML parts go to the zip from memory, as they are (only the zip's entry dates differ)."""
    import tempfile

    made = []
    real = tempfile.mkstemp

    def counted(*args, **kwargs):
        made.append(kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", counted)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    tables = {k: v for k, v in sheets().items() if k != "hostile"}
    book.write_results_workbook(tmp_path / "w.xlsx", [(k, list(v), v) for k, v in tables.items()],
                                scratch)  # fmt: skip
    assert made == [str(scratch)] * (len(tables) + 1)  # and the charts sheet
    assert list(scratch.iterdir()) == []
    with zipfile.ZipFile(tmp_path / "w.xlsx") as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_summary_sheet_counts_sums_and_sizes_by_its_key(tmp_path, monkeypatch):
    """The summary of a table over the row limit, grouped once for every column: rows, sum
    and largest size of each group (missing key last; infinity left out)."""
    monkeypatch.setattr(book, "SHEET_ROW_LIMIT", 20)
    frame = typed_frame(60)
    frame["name"] = pd.array([("b", "a", None, "c")[i % 4] for i in range(60)], dtype="str")
    write_workbook({"typed": frame}, tmp_path / "w.xlsx", say=None)
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["typed"]
    assert [c.value for c in ws[3]] == ["name", "rows (count)", "invest_musd sum (US$ million)",
                                        "invest_musd largest size (US$ million)"]  # fmt: skip
    got = {r[0]: r[1:] for r in ws.iter_rows(min_row=4, values_only=True)}
    finite = frame["invest_musd"].where(np.isfinite(frame["invest_musd"]))
    assert list(got) == ["a", "b", "c", None]  # the missing key last, its label blank
    for name in ("a", "b", "c", None):
        same = frame["name"].isna() if name is None else frame["name"] == name
        rows, total, largest = got[name]
        assert rows == int(same.sum())
        assert total == pytest.approx(math.fsum(finite[same].dropna()), rel=1e-12, abs=1e-9)
        assert largest == pytest.approx(finite[same].abs().max(), rel=1e-15)
