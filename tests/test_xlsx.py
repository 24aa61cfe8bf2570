"""allocator.report.xlsx: what it writes, openpyxl reads back exactly; the same tables, the
same bytes."""

from __future__ import annotations

import math

import openpyxl
import pytest

from allocator.report.xlsx import column_letter, write_xlsx


@pytest.mark.parametrize(
    ("j", "letters"),
    [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")],
)
def test_column_letters(j, letters):
    assert column_letter(j) == letters


def test_values_round_trip_through_openpyxl(tmp_path):
    text = ["a & b", "<tag>", ' "quoted" ', "tab\there", "bell\x07gone", "", None, "é ü 中"]
    numbers = [0, -1, 60.0, 0.1, 1e-7, 1e20, 2**53, math.inf]
    flags = [True, False, None, True, False, None, True, False]
    wide = [[f"c{j}"] for j in range(30)]  # columns past Z
    path = tmp_path / "t.xlsx"
    write_xlsx(
        path,
        [
            (
                "mixed & <odd>",
                ["text (label)", "number (musd)", "flag"],
                [text, numbers, flags],
                [10, 12, 8],
            ),
            ("wide", [f"h{j}" for j in range(30)], wide, [8] * 30),
        ],
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["mixed & <odd>", "wide"]
    ws = wb["mixed & <odd>"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["text (label)", "number (musd)", "flag"]
    assert ws["A1"].font.b
    assert not ws["A2"].font.b
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=9, max_col=3)]
    assert [r[0] for r in got] == [
        "a & b",
        "<tag>",
        ' "quoted" ',
        "tab\there",
        "bellgone",
        None,
        None,
        "é ü 中",
    ]
    assert [r[1] for r in got] == [0, -1, 60, 0.1, 1e-7, 1e20, 2**53, None]
    assert [r[2] for r in got] == flags
    assert wb["wide"]["AD2"].value == "c29"
    assert ws.column_dimensions["B"].width == 12


def test_same_tables_same_bytes(tmp_path):
    sheets = [("s", ["x"], [[1.5, "a", None]], [5])]
    write_xlsx(tmp_path / "a.xlsx", sheets)
    write_xlsx(tmp_path / "b.xlsx", sheets)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
