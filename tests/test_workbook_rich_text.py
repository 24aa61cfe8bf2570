"""A text that reads as xlsxwriter's rich-string markup (starts `<r>`, ends `</r>`) is a plain
text like any other: every workbook allocator writes shows it verbatim (as openpyxl reads it
back) and still parses. xlsxwriter 3.2.9 writes such a text into the sheet XML (inline strings)
or the shared-string table as it is, so `<r>x</r>` showed as an empty cell and
`<r></t></is></c></row></r>` made the workbook unreadable."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from allocator.data.inputs import load_inputs
from allocator.data.textsheet import TextSheet
from allocator.report import book, bookrows
from allocator.report.write import write_workbook
from conftest import DATA, copy_dataset, run_cli

SHOWN_EMPTY = "<r>x</r>"
BREAKS_BOOK = "<r></t></is></c></row></r>"
RICH = [
    SHOWN_EMPTY,
    BREAKS_BOOK,
    "<r><t>looks like a run</t></r>",
    "<r>\x01 control</r>",  # escaped to _x0001_ first, then still <r>...</r>
    "<r>&amp; &lt;</r>",
    "<r>",  # starts and ends in <r> but not a rich string: as before
    "<r></r>",
]
CUT = "<r>" + "x" * (32_767 - 7) + "</r> after Excel's limit"
"""Reads as a rich string only once cut at 32,767 characters (as xlsxwriter cuts it)."""
SHOWN = {"<r>\x01 control</r>": "<r>_x0001_ control</r>"}  # openpyxl keeps _xHHHH_ as written


def hostile_dataset(tmp_path: Path) -> Path:
    """tests/data/ties with both programs' name, source, note and derivation made hostile."""
    folder = copy_dataset(DATA / "ties", tmp_path / "ds")
    path = folder / "programs.csv"
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    rows[0] += ["name", "note", "derivation"]
    for row, text in zip(rows[1:], (SHOWN_EMPTY, BREAKS_BOOK), strict=True):
        row[-1] = text  # source
        row += [text] * 3
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return folder


def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    """A sheet's rows as openpyxl reads them (parsing the whole workbook)."""
    return [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def test_solve_shows_rich_looking_names_verbatim_in_the_workbook(tmp_path):
    out = tmp_path / "run"
    res = run_cli("solve", "--inputs", hostile_dataset(tmp_path), "--out", out)
    assert res.exit_code == 0, res.stderr
    for sheet in ("allocation", "allocation_by_phase"):
        rows = sheet_rows(out / "workbook.xlsx", sheet)
        table = pd.read_csv(out / f"{sheet}.csv", dtype=str, keep_default_na=False)
        j = rows[0].index("name")
        assert [r[j] for r in rows[1:]] == [SHOWN_EMPTY, BREAKS_BOOK] == list(table["name"])


def test_export_inputs_round_trips_rich_looking_texts(tmp_path):
    folder = hostile_dataset(tmp_path)
    out = tmp_path / "plan.xlsx"
    res = run_cli("export-inputs", "--inputs", folder, out)
    assert res.exit_code == 0, res.stderr
    rows = sheet_rows(out, "programs")
    names = rows[0]
    for column in ("name", "source", "note", "derivation"):
        assert [r[names.index(column)] for r in rows[1:]] == [SHOWN_EMPTY, BREAKS_BOOK]
    a, b = load_inputs(folder), load_inputs(out)
    assert [p.model_dump() for p in b.programs] == [p.model_dump() for p in a.programs]
    assert [p.name for p in b.programs] == [SHOWN_EMPTY, BREAKS_BOOK]
    with zipfile.ZipFile(out) as archive:
        assert b"<r>x</r>" not in archive.read("xl/sharedStrings.xml")


def frames() -> dict[str, pd.DataFrame]:
    """Each rich-looking text in a block row and in the last row (xlsxwriter's own writers),
    in a text column and in a mixed one; as a summary sheet's key; as the charts' labels."""
    texts = [*RICH, CUT]
    return {
        "texts": pd.DataFrame(
            {
                "text": pd.array([*texts, *texts[::-1]], dtype="str"),
                "mixed": pd.Series([*texts[::-1], 1.5, *texts[:-1]], dtype=object),
            }
        ),
        "last": pd.DataFrame({"n": [1.0, 2.0], "text": pd.array(["a", BREAKS_BOOK], "str")}),
        "summary": pd.DataFrame({"family": [SHOWN_EMPTY, BREAKS_BOOK, "b"], "value": [1.0] * 3}),
        "allocation_by_phase": pd.DataFrame(
            {"sector": [SHOWN_EMPTY, BREAKS_BOOK], "p1_musd": [1.0, 2.0], "p2_musd": [3.0, 4.0]}
        ),
    }


def shown(text: str) -> str:
    """The text as openpyxl reads it back: cut at 32,767 characters, _xHHHH_ as written."""
    return SHOWN.get(text, text)[:32_767]


@pytest.mark.parametrize("verified", [True, False])
def test_every_writer_path_shows_the_text_verbatim(tmp_path, monkeypatch, verified):
    """Blocks and the last row (`bookrows`), or, where a sheet cannot take blocks, cell by cell
    (`verified` False): each text as it is, in a text column and in a mixed one."""
    if not verified:
        monkeypatch.setattr(bookrows, "VERIFIED", ())
    data = frames()
    path = tmp_path / "w.xlsx"
    write_workbook(data, path, say=None)
    rows = sheet_rows(path, "texts")[1:]
    assert [r[0] for r in rows] == [shown(t) for t in data["texts"]["text"]]
    assert [r[1] for r in rows] == [v if v == 1.5 else shown(v) for v in data["texts"]["mixed"]]
    assert sheet_rows(path, "last")[2] == [2, BREAKS_BOOK]
    charts = sheet_rows(path, "charts")
    assert [r[0] for r in charts[2:4]] == sorted([SHOWN_EMPTY, BREAKS_BOOK])


def test_a_summary_sheet_shows_its_keys_verbatim(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "SHEET_ROW_LIMIT", 2)
    path = tmp_path / "w.xlsx"
    assert write_workbook(frames(), path, say=None) == ["texts", "summary"]
    keys = [r[0] for r in sheet_rows(path, "summary")[3:]]
    assert keys == sorted([SHOWN_EMPTY, BREAKS_BOOK, "b"])


@pytest.mark.parametrize("constant_memory", [True, False])
def test_a_text_sheet_writes_rich_looking_text_plain_with_its_format(tmp_path, constant_memory):
    """`TextSheet` in both of xlsxwriter's modes (inline strings; shared strings): the text
    verbatim, the cell's format (or its row's, or its column's) kept, other cells unchanged,
    and real rich strings still rich."""
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    italic, bold = wb.add_format({"italic": True}), wb.add_format({"bold": True})
    ws = wb.add_worksheet("t", worksheet_class=TextSheet)
    ws.set_column(2, 2, 20, bold)
    ws.write_string(0, 0, BREAKS_BOOK, italic)
    ws.write(0, 1, SHOWN_EMPTY)  # write() dispatches to the same writer
    ws.write_string(0, 2, SHOWN_EMPTY)  # no format of its own: its column's
    ws.write_rich_string(1, 0, "plain ", bold, "bold")
    ws.write_row(2, 0, ["<r>", BREAKS_BOOK, CUT])
    wb.close()
    cells = openpyxl.load_workbook(path, rich_text=True)["t"]
    assert [c.value for c in cells[1]] == [BREAKS_BOOK, SHOWN_EMPTY, SHOWN_EMPTY]
    assert (cells["A1"].font.i, cells["B1"].font.i, cells["C1"].font.b) == (True, False, True)
    assert str(cells["A2"].value) == "plain bold"
    assert [b.font.b if hasattr(b, "font") else None for b in cells["A2"].value] == [None, True]
    assert [c.value for c in cells[3]] == ["<r>", BREAKS_BOOK, CUT[:32_767]]
