"""The run's workbook (`workbook.xlsx`), written with xlsxwriter: one sheet a table with a bold
frozen header, number formats (thousands separators; decimals only in columns that have them)
and column widths, and a `charts` sheet of native Excel charts: the allocation by phase and
sector, the largest shadow prices and, for a frontier, the frontier.

A table of more than SHEET_ROW_LIMIT rows gets a summary sheet instead (its rows counted by
family with the sums and largest sizes of its numbers); its full table is the CSV beside the
workbook, and the terminal says so. The same tables give the same bytes (fixed document dates).
Its sheets are `TextSheet`s: a text that reads as xlsxwriter's rich-string markup is a text.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.bookwriter import TEXT_AS_TEXT, close_book
from allocator.data.textsheet import TextBook
from allocator.report import bookrows
from allocator.report.bookcharts import A4, charts
from allocator.report.booksummary import summary_sheet
from allocator.report.bookunits import objective_unit, units_by, with_units

SHEET_ROW_LIMIT = 20_000
"""Rows of one table above which its sheet holds a summary (the full table is its CSV)."""
_FIXED = dt.datetime(2000, 1, 1)
_MEASURES = ("invest_musd", "total_musd", "value", "shadow_price", "reduced_cost", "slack", "jobs")

Sheet = tuple[str, list[str], pd.DataFrame]
"""(sheet name, header texts with units, the table)."""


def write_results_workbook(
    path: Path, sheets: list[Sheet], scratch: Path | None = None
) -> list[str]:
    """Write the summary sheet (`booksummary`: a run with a base), `sheets` (a unit added to
    the headers that have none where the sheet gives one, `bookunits`) and the charts sheet to
    `path`; returns the tables given as summaries. xlsxwriter's constant-memory temp files (one
    a sheet) go in `scratch` (a run's temp folder, removed with it however the run ends), else
    in the system's temp folder."""
    by_name = {name: frame for name, _h, frame in sheets}
    unit = objective_unit(by_name)
    front = summary_sheet(by_name)
    sheets = [*([front] if front else []), *sheets]
    options = {"constant_memory": True, "nan_inf_to_errors": False, **TEXT_AS_TEXT}
    book = TextBook(str(path), options | ({} if scratch is None else {"tmpdir": str(scratch)}))
    _parts_in_memory(book)
    book.set_properties({"created": _FIXED})
    fmt = Formats(book)
    summarized = []
    for name, given, frame in sheets:
        headers = with_units(name, given, frame, unit)
        ws = book.add_worksheet(name[:31])
        _print_setup(ws, name, len(frame) > SHEET_ROW_LIMIT)
        if len(frame) > SHEET_ROW_LIMIT:
            summarized.append(name)
            _summary(ws, name, frame, fmt, dict(zip(map(str, frame.columns), headers, strict=True)))
        elif name == "Limits":
            kept, note = limits_sheet(frame)
            _table(ws, headers, kept, fmt)
            ws.write_string(len(kept) + 1, 0, note, fmt.note)
        else:
            _table(ws, headers, frame, fmt)
    charts(book, by_name, fmt)
    close_book(book)  # a full disk is an OSError, said in one line by the caller
    return summarized


def _parts_in_memory(book: Any) -> None:
    """Have xlsxwriter zip the workbook's XML parts from memory, not from a temp file each (a
    run's workbook: 24 files made, written, read and removed; 5-10% of its time). Its
    `in_memory` option cannot say so: it also turns constant_memory off (shared strings, other
    parts); set after the sheets' mode is fixed, it changes only where the parts are kept, and
    the zip's entry dates (1 January 1980, fixed). Only on an xlsxwriter `bookrows` verified."""
    if bookrows.verified():
        book.in_memory = True


SUMMARY_SHEETS = (
    "summary",
    "allocation",
    "allocation_by_phase",
    "outcomes",
    "budgets",
    "shares",
    "Answer",
    "risk",
    "two_stage",
    "replan_summary",
)
"""Sheets a planner prints: one page wide (any number of pages long)."""
YEARS = ("year", "first_year", "last_year", "milestone")
"""Columns of years, shown as 2033 (not 2,033)."""


def _print_setup(ws: Any, name: str, summary: bool) -> None:
    """A4 landscape, the header row on every page, the sheet and page in the footer; the sheets
    a planner prints (SUMMARY_SHEETS) one page wide."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.repeat_rows(2 if summary else 0)
    ws.set_footer("&L&A&RPage &P of &N")
    if name in SUMMARY_SHEETS:
        ws.fit_to_pages(1, 0)


def limits_sheet(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The Limits report without the variables whose limits are trivial (lower limit = upper
    limit = value: nothing moves them alone), and the line that counts them."""
    value = frame["value"].to_numpy(dtype=float)
    trivial = (frame["lower_limit"].to_numpy(dtype=float) == value) & (
        frame["upper_limit"].to_numpy(dtype=float) == value
    )
    note = (
        f"{int(trivial.sum()):,} more variables have lower limit = upper limit = their value "
        "(nothing can move them alone); limits.csv lists every variable."
    )
    return frame[~trivial], note


class Formats:
    def __init__(self, book: Any) -> None:
        self.head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
        self.whole = book.add_format({"num_format": "#,##0"})
        self.decimal = book.add_format({"num_format": "#,##0.0#####"})
        self.small = book.add_format({"num_format": "0.0#####"})
        self.note = book.add_format({"italic": True})
        self.one = book.add_format({"num_format": "#,##0.0"})
        self.year = book.add_format({"num_format": "0"})
        self.title = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True}
        )
        self.wrap = book.add_format({"text_wrap": True})
        self.book = book


def _column_format(values: np.ndarray, fmt: Formats) -> Any:
    finite = values[np.isfinite(values)]
    if finite.size == 0 or np.all(np.mod(finite, 1) == 0):
        return fmt.whole
    if np.nanmax(np.abs(finite)) < 1:
        return fmt.small
    return fmt.decimal


def _table(ws: Any, headers: list[str], frame: pd.DataFrame, fmt: Formats) -> None:
    """A per-row sheet: each column's writer, format and cells are made once (`_column`); the
    rows go to the sheet as blocks of XML (`bookrows`: xlsxwriter's own bytes, the last row by
    xlsxwriter's writers), or, where a sheet cannot take blocks, cell by cell in order
    (constant_memory mode writes a row when the next one starts). A blank cell (missing,
    infinite, empty text) is not written at all."""
    writers, columns = [], []
    for j, column in enumerate(frame.columns):
        write, col, raw = _column(ws, frame[column], column, fmt)
        writers.append(write)
        columns.append(col)
        shown = [len(str(v)) for v in raw[:200] if v is not None]
        ws.set_column(j, j, min(60, max([len(headers[j]), *shown]) + 2), col.form)
    ws.freeze_panes(1, 0)

    def row(r: int) -> None:
        """Sheet row `r` (the header is row 0) through xlsxwriter's writers, cell by cell."""
        if r == 0:
            for j, h in enumerate(headers):
                ws.write_string(0, j, h, fmt.head)
            return
        for j, col in enumerate(columns):
            if col.cells[r - 1] is not None:
                writers[j](r, j, col.cells[r - 1], col.form)

    if bookrows.fits(ws, len(frame), len(headers)):
        bookrows.write_rows(ws, (headers, fmt.head), columns, row, _write_any)
    else:
        for r in range(len(frame) + 1):
            row(r)


def _column(
    ws: Any, series: pd.Series, name: str, fmt: Formats
) -> tuple[Any, bookrows.Column, list[Any]]:
    """(writer, the column: kind, format and cells with None where blank, the values the
    column width is read from) of one column: numbers (blank where missing or infinite, no
    -0), booleans, text, or a mix of them (`_any_cell`, written by `_write_any`)."""
    if pd.api.types.is_bool_dtype(series):
        raw = series.tolist()
        cells = [bool(v) if isinstance(v, bool | np.bool_) else None for v in raw]
        return ws.write_boolean, bookrows.Column("boolean", None, cells), raw
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        raw = values.tolist()
        form = fmt.year if name in YEARS else _column_format(values, fmt)
        return ws.write_number, bookrows.Column("number", form, _finite_numbers(values)), raw
    raw = series.tolist()
    if isinstance(series.dtype, pd.StringDtype) or _only_text(series):
        cells = series.to_numpy(dtype=object, na_value="").tolist()
        return ws.write_string, bookrows.Column("string", None, [c or None for c in cells]), raw
    column = bookrows.Column("any", None, list(map(_any_cell, raw)))
    return functools.partial(_write_any, ws), column, raw


def _finite_numbers(values: np.ndarray) -> list[float | None]:
    """Numbers as written: -0 as 0, None (blank) where missing or infinite."""
    cells: list[float | None] = (values + 0.0).tolist()  # -0.0 + 0.0 is 0.0: no -0 in a sheet
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        cells[i] = None
    return cells


def _only_text(series: pd.Series) -> bool:
    """Whether every cell of an object column is text or missing (a run's label columns)."""
    return set(map(type, series.to_numpy(dtype=object, na_value=""))) <= {str}


def _any_cell(v: Any) -> Any:
    """A cell of a column of mixed objects as written: None (blank) if missing, infinite or
    empty, a boolean, a number (no -0) or text."""
    if v is None or v is pd.NA or v != v or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float | np.number):
        return float(v) + 0.0 if math.isfinite(float(v)) else None
    return str(v)


def _write_any(ws: Any, r: int, j: int, v: Any, form: Any) -> Any:
    """Write one prepared cell of a mixed column (`_any_cell`) by its kind, with `ws`'s
    writers (an xlsxwriter sheet, or `bookrows.CellText`, which returns the cell's XML)."""
    if v.__class__ is bool:
        return ws.write_boolean(r, j, v)
    if v.__class__ is float:
        return ws.write_number(r, j, v)
    return ws.write_string(r, j, v)


def _summary_header(column: str, units: dict[str, str]) -> str:
    """A summary column's header: `rows`, a `<measure>_unit` column, or `<measure> sum` and
    `<measure> largest size` with the measure's unit (`units`: measure -> ` (unit)`)."""
    if column == "rows":
        return "rows (count)"
    for measure, unit in units.items():
        if column in (f"{measure} sum", f"{measure} largest size"):
            return column + unit
    return column


def _summary(
    ws: Any, name: str, frame: pd.DataFrame, fmt: Formats, headers: dict[str, str]
) -> None:
    """Rows counted by family (or by the first column), with sums and largest sizes, each in
    its column's unit as the full sheet's header says it (`headers`: column -> header); where
    that unit varies by row (`see unit column`), a `<column>_unit` column lists each group's."""
    key = "family" if "family" in frame.columns else frame.columns[0]
    measures = [c for c in _MEASURES if c in frame.columns][:3]
    numbers = {
        c: pd.to_numeric(frame[c], errors="coerce").replace([np.inf, -np.inf], np.nan)
        for c in measures
    }
    values = pd.DataFrame(  # one grouping (the key's factorisation) for every column
        {f"{c} sum": v for c, v in numbers.items()}
        | {f"{c} largest size": v.abs() for c, v in numbers.items()},
        index=frame.index,
    )
    groups = values.groupby(frame[key], sort=True, dropna=False)
    table = pd.DataFrame({"rows": groups.size()})
    units = {}
    for c in measures:
        said = headers.get(c, c)
        unit = said[len(c) + 2 : -1] if said.startswith(f"{c} (") else ""
        pointed = re.findall(r"see (\S+) column", unit)
        if pointed and pointed[0] in frame.columns:
            table[f"{c}_unit"] = units_by(frame[key], frame[pointed[0]].astype(str))
            unit = f"see {c}_unit column"
        shown = f"{c}_unit" in table or (unit and not pointed)  # no pointer to an absent column
        units[c] = f" ({unit})" if shown else ""
        table[f"{c} sum"] = groups[f"{c} sum"].sum()
        table[f"{c} largest size"] = groups[f"{c} largest size"].max()
    table = table.reset_index()
    ws.write_string(
        0, 0, f"{len(frame):,} rows: the full table is {name}.csv beside this workbook; "
        f"this sheet counts them by {key}.", fmt.note,
    )  # fmt: skip
    headers_out = [_summary_header(str(c), units) for c in table.columns]
    ws.set_column(0, 0, 28)
    ws.set_column(1, len(headers_out), 20)
    for j, h in enumerate(headers_out):
        ws.write_string(2, j, h, fmt.head)
    for i, row in enumerate(table.itertuples(index=False), start=3):
        for j, v in enumerate(row):
            if isinstance(v, int | float | np.number) and not isinstance(v, bool):
                if math.isfinite(float(v)):
                    ws.write_number(i, j, float(v) + 0.0, fmt.decimal if j > 1 else fmt.whole)
            else:
                ws.write_string(i, j, str(v))
