"""Faster CSV and workbook writing, the same output (issue 30): the CSV of a table with every kind
of cell is byte for byte what the previous writer wrote (a golden file made by it), and the
workbook's cells (values and number formats, every sheet) are the previous writer's.

The golden files in tests/write_golden/ were written by the writer before this change
(`python tests/test_write_speed_same_bytes.py OUT_FOLDER` with that version on the path).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.report import book
from allocator.report import csvtext as c
from allocator.report import write as w

GOLDEN = Path(__file__).resolve().parent / "write_golden"
LABELS = [
    "Café", "北京 ✓", "a,b", 'say "hi"', "line\nbreak", "=SUM(A1)", "-5", "+x", "@home",
    "", " lead", "NA", "None", "\ttab", "-0.5e3", "cr\rhere",
]  # fmt: skip
N = len(LABELS)


def mixed_frame() -> pd.DataFrame:
    """Strings, ints, floats with inf, -0.0, NaN, huge and tiny numbers, unicode labels, text a
    spreadsheet would run as a formula, nullable columns and object columns of mixed cells."""
    floats = [
        1 / 3, math.inf, -math.inf, math.nan, -0.0, 1e300, -1e-300, 5e-324, 123456789012345.0,
        -1.5e-13, 0.1 + 0.2, 2.0**53, 1e16, 12.5, 0.0, -7.0,
    ]  # fmt: skip
    mixed = [
        "x", None, math.nan, math.inf, -0.0, 3, True, "=1+1", 2.5, -math.inf, pd.NA, "é",
        np.float64(-0.0), np.int64(7), "", "-3",
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "program": pd.array(LABELS, dtype="str"),
            "sector": pd.array([*LABELS[3:], None, None, None], dtype="str"),
            "pool": pd.Series([s if i % 3 else None for i, s in enumerate(LABELS)], dtype=object),
            "link": pd.Series([math.nan if i % 2 else "l" for i in range(N)], dtype=object),
            "mixed": pd.Series(mixed, dtype=object),
            "=formula": np.arange(N, dtype=np.int64) - 5,
            "year": pd.array([2030 + i if i % 4 else None for i in range(N)], dtype="Int64"),
            "invest_musd": floats,
            "neg": [-v for v in floats],
            "small": np.linspace(-0.9, 0.9, N),
            "binding": [bool(i % 2) for i in range(N)],
            "nullable": pd.array([1.25 if i % 5 else None for i in range(N)], dtype="Float64"),
        }
    )


def clean_frame() -> pd.DataFrame:
    """A table like the big ones of a run: text columns that are names or missing, no cell a
    spreadsheet would run as a formula."""
    rng = np.random.default_rng(7)
    n = 80
    names = np.array([f"p{i:05d}" for i in range(n)], dtype=object)
    return pd.DataFrame(
        {
            "section": pd.array(["variables"] * n, dtype="str"),
            "program": pd.Series(np.where(np.arange(n) % 7 == 0, None, names), dtype=object),
            "dimension": pd.Series([math.nan] * (n - 3) + ["sector", "ü", None], dtype=object),
            "value": np.round(rng.normal(size=n) * 10.0 ** rng.integers(-8, 8, size=n), 9),
            "reduced_cost": np.where(np.arange(n) % 3 == 0, 0.0, rng.normal(size=n)),
            "year": pd.array([2030 + i % 11 for i in range(n)], dtype="Int64"),
        }
    )


def one_column_frame() -> pd.DataFrame:
    """One text column with empty and missing cells: the csv module writes such a line as ""."""
    return pd.DataFrame({"name": pd.array(["a", "", None, "b,c", ""], dtype="str")})


def other_kinds_frame() -> pd.DataFrame:
    """Columns this writer leaves to pandas (dates) or reads as objects (categories, their text
    neutralised as any text) beside a float column."""
    return pd.DataFrame(
        {
            "when": pd.to_datetime(["2030-01-01", None, "2031-06-30"]),
            "kind": pd.Categorical(["a", "=b", None]),
            "value": [1 / 7, math.inf, -0.0],
        }
    )


CSV_FRAMES = {
    "mixed": mixed_frame,
    "clean": clean_frame,
    "one_column": one_column_frame,
    "other_kinds": other_kinds_frame,
}


def limits_frame() -> pd.DataFrame:
    """A small Limits table: two rows with lower = upper = value (left out of the sheet)."""
    return pd.DataFrame(
        {
            "variable": ["a", "b", "c", "d"],
            "value": [1.0, 2.0, 3.5, 0.0],
            "lower_limit": [1.0, 0.0, 3.5, 0.0],
            "upper_limit": [1.0, 2.0, 3.5, math.inf],
        }
    )


def big_frame() -> pd.DataFrame:
    """A table over the (lowered) sheet row limit: its sheet is a summary by family."""
    n = 120
    return pd.DataFrame(
        {
            "family": [("budget", "cap", "=odd")[i % 3] for i in range(n)],
            "value": [i * 0.5 - 3 if i % 9 else math.inf for i in range(n)],
            "slack": [float(i % 4) for i in range(n)],
        }
    )


def sheets() -> dict[str, pd.DataFrame]:
    """The workbook's tables: per-row sheets, the Limits sheet and a summary sheet."""
    return {
        "mixed": mixed_frame(),
        "clean": clean_frame(),
        "Limits": limits_frame(),
        "big": big_frame(),
    }


SUMMARY_LIMIT = 100  # the row limit the golden workbook was written with


def write_goldens(folder: Path) -> None:
    """Write the golden files with the writer on the path (the previous one, once)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in CSV_FRAMES.items():
        c.write_csv(make(), folder / f"{name}.csv")
    book.SHEET_ROW_LIMIT = SUMMARY_LIMIT
    w.write_workbook(sheets(), folder / "workbook.xlsx")


@pytest.mark.parametrize("name", CSV_FRAMES)
def test_csv_bytes_are_the_previous_writers(tmp_path, name):
    c.write_csv(CSV_FRAMES[name](), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == (GOLDEN / f"{name}.csv").read_bytes()


def test_csv_text_columns_get_no_cell_by_cell_check(tmp_path, monkeypatch):
    """Text columns of names and missing cells are passed whole: no per-cell infinity check."""

    def refuse(value):
        raise AssertionError(f"a per-cell check of {value!r}")

    monkeypatch.setattr(c, "_finite_cell", refuse)
    c.write_csv(clean_frame(), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == (GOLDEN / "clean.csv").read_bytes()


def test_csv_cells_that_need_it_are_still_checked(tmp_path):
    """An object column with infinity, -0.0 and formula text is still cleaned (golden bytes),
    and the frame itself is not rewritten."""
    frame = mixed_frame()
    c.write_csv(frame, tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("program,sector,pool,link,mixed,'=formula,year,invest_musd")
    assert lines[1].split(",")[7] == "0.333333333333"
    assert math.isinf(frame["mixed"].iloc[3])
    assert math.copysign(1, frame["invest_musd"].iloc[4]) < 0  # -0.0 kept in the frame


def test_csv_many_distinct_floats_match_pandas_float_format(tmp_path):
    """Floats formatted once per distinct value: the bytes of pandas' own float_format."""
    rng = np.random.default_rng(3)
    values = rng.normal(size=2000) * 10.0 ** rng.integers(-20, 20, size=2000)
    values[::5] = np.round(values[::5], 2)
    values[::37], values[::41], values[::43] = math.inf, math.nan, -0.0
    frame = pd.DataFrame({"k": np.arange(2000), "v": values, "w": values[::-1].copy()})
    c.write_csv(frame, tmp_path / "new.csv")
    old = frame.replace([math.inf, -math.inf], math.nan) + 0.0
    old.to_csv(tmp_path / "old.csv", index=False, float_format="%.12g", lineterminator="\n")
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()


def random_text(rng: np.random.Generator, n: int) -> list[str | None]:
    """Text from an alphabet of every character the csv module or a spreadsheet treats apart."""
    alphabet = list(",\"\n\r=+-@\t 'é✓0.5eNa")
    out: list[str | None] = []
    for _ in range(n):
        size = int(rng.integers(0, 6))
        out.append("".join(rng.choice(alphabet, size=size)) if size < 5 else None)
    return out


def test_csv_random_text_matches_the_previous_path(tmp_path):
    """Random text and mixed cells: the bytes of the previous writer, which still writes the
    tables of a kind the new path does not know (`_as_text` and pandas' `to_csv`)."""
    rng = np.random.default_rng(11)
    n = 400
    mixed = random_text(rng, n)
    for i in range(0, n, 7):
        mixed[i] = [math.inf, -0.0, 7, 2.5, True, math.nan, -math.inf][i % 7]
    frame = pd.DataFrame(
        {
            "=a,b": pd.array(random_text(rng, n), dtype="str"),
            'q"': pd.Series(random_text(rng, n), dtype=object),
            "mixed": pd.Series(mixed, dtype=object),
            "x": rng.normal(size=n),
        }
    )
    c.write_csv(frame, tmp_path / "new.csv")
    c._as_text(frame).to_csv(tmp_path / "old.csv", index=False, lineterminator="\n")
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()
    single = frame[["=a,b"]]
    c.write_csv(single, tmp_path / "new1.csv")
    c._as_text(single).to_csv(tmp_path / "old1.csv", index=False, lineterminator="\n")
    assert (tmp_path / "new1.csv").read_bytes() == (tmp_path / "old1.csv").read_bytes()


def cells(path: Path) -> dict[str, list[tuple[object, str]]]:
    """Every cell of every sheet: (value, number format), row by row, via openpyxl."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return {
        ws.title: [(c.value, c.number_format) for row in ws.iter_rows() for c in row]
        for ws in wb.worksheets
    }


def test_workbook_cells_are_the_previous_writers(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "SHEET_ROW_LIMIT", SUMMARY_LIMIT)
    w.write_workbook(sheets(), tmp_path / "workbook.xlsx")
    new, old = cells(tmp_path / "workbook.xlsx"), cells(GOLDEN / "workbook.xlsx")
    assert list(new) == ["mixed", "clean", "Limits", "big"]
    assert new == old
    assert ("Café", "General") in new["mixed"]


def test_workbook_typed_columns_are_not_dispatched_cell_by_cell(tmp_path, monkeypatch):
    """Per-row sheets: each column's writer is chosen once; only the cells of an object column
    of mixed cells (numbers among text) are looked at one by one, and only those not blank."""
    seen = []

    def count(name):
        def dispatched(*args):
            seen.append(name)
            return getattr(book, f"_real_{name}")(*args)

        return dispatched

    for name in ("_put", "_write_any"):  # the per-cell dispatcher, before and after
        if hasattr(book, name):
            monkeypatch.setattr(book, f"_real_{name}", getattr(book, name), raising=False)
            monkeypatch.setattr(book, name, count(name))
    monkeypatch.setattr(book, "SHEET_ROW_LIMIT", SUMMARY_LIMIT)
    w.write_workbook({"clean": clean_frame()}, tmp_path / "clean.xlsx")
    assert seen == []
    assert cells(tmp_path / "clean.xlsx")["clean"] == cells(GOLDEN / "workbook.xlsx")["clean"]
    w.write_workbook({"mixed": mixed_frame()}, tmp_path / "mixed.xlsx")
    assert len(seen) == 10  # the "mixed" column: 16 cells, 6 of them missing, infinite or empty
    assert cells(tmp_path / "mixed.xlsx")["mixed"] == cells(GOLDEN / "workbook.xlsx")["mixed"]


if __name__ == "__main__":
    write_goldens(Path(sys.argv[1]))


def test_formula_text_in_a_category_column_is_neutralised(tmp_path):
    """A categorical column's text is checked as any text: a cell a spreadsheet would run as a
    formula is written with its apostrophe (the fast writer once passed categories by)."""
    frame = pd.DataFrame(
        {"program": pd.Categorical(["=1+2", "ok", "@SUM(A1)"]), "x": [1.0, 2.5, -0.0]}
    )
    c.write_csv(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines() == [
        "program,x",
        "'=1+2,1",
        "ok,2.5",
        "'@SUM(A1),0",
    ]
