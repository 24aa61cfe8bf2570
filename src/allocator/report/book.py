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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.bookwriter import TEXT_AS_TEXT, close_book
from allocator.data.textsheet import TextBook
from allocator.report import bookrows
from allocator.report.htmlparts import chart_labels, chart_unit, plain
from allocator.report.pricehtml import TOP_PRICES

SHEET_ROW_LIMIT = 20_000
"""Rows of one table above which its sheet holds a summary (the full table is its CSV)."""
_FIXED = dt.datetime(2000, 1, 1)
_MEASURES = ("invest_musd", "total_musd", "value", "shadow_price", "reduced_cost", "slack", "jobs")

Sheet = tuple[str, list[str], pd.DataFrame]
"""(sheet name, header texts with units, the table)."""


def write_results_workbook(
    path: Path, sheets: list[Sheet], scratch: Path | None = None
) -> list[str]:
    """Write `sheets` and the charts sheet to `path`; returns the tables given as summaries.
    xlsxwriter's constant-memory temp files (one a sheet) go in `scratch` (a run's temp folder,
    removed with it however the run ends), else in the system's temp folder."""
    options = {"constant_memory": True, "nan_inf_to_errors": False, **TEXT_AS_TEXT}
    book = TextBook(str(path), options | ({} if scratch is None else {"tmpdir": str(scratch)}))
    _parts_in_memory(book)
    book.set_properties({"created": _FIXED})
    fmt = _Formats(book)
    summarized = []
    for name, headers, frame in sheets:
        ws = book.add_worksheet(name[:31])
        _print_setup(ws, name, len(frame) > SHEET_ROW_LIMIT)
        if len(frame) > SHEET_ROW_LIMIT:
            summarized.append(name)
            _summary(ws, name, frame, fmt)
        elif name == "Limits":
            kept, note = limits_sheet(frame)
            _table(ws, headers, kept, fmt)
            ws.write_string(len(kept) + 1, 0, note, fmt.note)
        else:
            _table(ws, headers, frame, fmt)
    by_name = {name: frame for name, _h, frame in sheets}
    _charts(book, by_name, fmt)
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


SUMMARY_SHEETS = ("allocation", "allocation_by_phase", "outcomes", "budgets", "shares", "Answer")
"""Sheets a planner prints: one page wide (any number of pages long)."""
YEARS = ("year", "first_year", "last_year", "milestone")
"""Columns of years, shown as 2033 (not 2,033)."""
A4 = 9
"""xlsxwriter's paper size of A4 (Letter is 1)."""


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


class _Formats:
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


def _column_format(values: np.ndarray, fmt: _Formats) -> Any:
    finite = values[np.isfinite(values)]
    if finite.size == 0 or np.all(np.mod(finite, 1) == 0):
        return fmt.whole
    if np.nanmax(np.abs(finite)) < 1:
        return fmt.small
    return fmt.decimal


def _table(ws: Any, headers: list[str], frame: pd.DataFrame, fmt: _Formats) -> None:
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
    ws: Any, series: pd.Series, name: str, fmt: _Formats
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
    cells = (values + 0.0).tolist()  # -0.0 + 0.0 is 0.0: no -0 in a sheet
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


def _summary(ws: Any, name: str, frame: pd.DataFrame, fmt: _Formats) -> None:
    """Rows counted by family (or by the first column), with sums and largest sizes."""
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
    for c in measures:
        table[f"{c} sum"] = groups[f"{c} sum"].sum()
        table[f"{c} largest size"] = groups[f"{c} largest size"].max()
    table = table.reset_index()
    ws.write_string(
        0, 0, f"{len(frame):,} rows: the full table is {name}.csv beside this workbook; "
        f"this sheet counts them by {key}.", fmt.note,
    )  # fmt: skip
    headers = [str(c) for c in table.columns]
    ws.set_column(0, 0, 28)
    ws.set_column(1, len(headers), 20)
    for j, h in enumerate(headers):
        ws.write_string(2, j, h, fmt.head)
    for i, row in enumerate(table.itertuples(index=False), start=3):
        for j, v in enumerate(row):
            if isinstance(v, int | float | np.number) and not isinstance(v, bool):
                if math.isfinite(float(v)):
                    ws.write_number(i, j, float(v) + 0.0, fmt.decimal if j > 1 else fmt.whole)
            else:
                ws.write_string(i, j, str(v))


_LABEL_WIDTH = 46
"""Width of the charts sheet's first column (labels; longer ones wrap)."""
_NUMBER_WIDTH = 19
"""Width of its columns of numbers: a phase with its years (`phase1 (2025-2027)`) fits."""
_LINE_PX = 15
"""Height of one line of text in a row (points, as Excel counts a row's height)."""


def _charts(book: Any, tables: dict[str, pd.DataFrame], fmt: _Formats) -> None:
    """The charts sheet: each chart's numbers written beside it, so Excel can redraw it; long
    labels, titles and headers wrap inside their own cells (rows as tall as their lines), so
    nothing spills into the next cell or is cut."""
    blocks = _blocks(tables)
    if not blocks:
        return
    ws = book.add_worksheet("charts")
    ws.set_column(0, 0, _LABEL_WIDTH)
    ws.set_column(1, 8, _NUMBER_WIDTH)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)  # printed one page wide: each chart beside its numbers
    row = 0
    for kind, data, unit, title in blocks:
        number = _number_format(kind, data, fmt)
        ws.set_row(row, _height(f"{title} ({unit})" if unit else title, _LABEL_WIDTH, bold=True))
        ws.write_string(row, 0, f"{title} ({unit})" if unit else title, fmt.title)
        heads = [str(c).removesuffix("_musd") for c in data.columns]
        ws.set_row(row + 1, max(_height(h, _NUMBER_WIDTH, bold=True) for h in ["", *heads]))
        ws.write_string(row + 1, 0, str(data.index.name or ""), fmt.title)
        for j, h in enumerate(heads, start=1):
            ws.write_string(row + 1, j, h, fmt.title)
        for i, (label, values) in enumerate(data.iterrows(), start=row + 2):
            if kind == "frontier":
                ws.write_number(i, 0, float(label) + 0.0, fmt.decimal)
            else:
                ws.set_row(i, _height(str(label), _LABEL_WIDTH))
                ws.write_string(i, 0, str(label), fmt.wrap)
            for j, v in enumerate(values, start=1):
                ws.write_number(i, j, float(v) + 0.0, number)
        first, last = row + 2, row + 1 + len(data)
        if kind == "allocation":  # the money in all, below the chart's numbers, not charted
            ws.write_string(last + 1, 0, "total", fmt.head)
            for j, c in enumerate(data.columns, start=1):
                ws.write_number(last + 1, j, math.fsum(data[c].astype(float)) + 0.0, fmt.one)
        chart, height = _chart(book, kind, data, (first, last), unit, title)
        ws.insert_chart(row, len(data.columns) + 2, chart, {"x_scale": 1.4, "y_scale": 1.0})
        row = max(last + 3, row + math.ceil(height / 20) + 2)


def _height(text: str, width: int, bold: bool = False) -> float:
    """The height of a row whose cell of `width` characters wraps `text`: a line holds about
    `width` bold characters or 1.2 x `width` plain ones (Calibri 11, as printed)."""
    room = max(1, int(width if bold else width * 1.2))
    return _LINE_PX * max(1, math.ceil(len(text) / room))


def _number_format(kind: str, data: pd.DataFrame, fmt: _Formats) -> Any:
    """The format of a block's numbers: one decimal, or (the limits' gains) as many decimals as
    its smallest bar needs to show two significant digits, so no bar of a "most" list reads 0.0."""
    if kind != "prices":
        return fmt.one
    return fmt.book.add_format({"num_format": price_format(data.to_numpy(dtype=float))})


def price_format(values: np.ndarray) -> str:
    """`#,##0.0` with optional decimals enough for the smallest non-zero value to show two
    significant digits (0.0025 -> `#,##0.0###`), at most 9 decimals."""
    sizes = np.abs(values[np.isfinite(values) & (values != 0)])
    if not sizes.size:
        return "#,##0.0"
    decimals = min(9, max(1, 1 - math.floor(math.log10(float(sizes.min())))))
    return "#,##0.0" + "#" * (decimals - 1)


def _blocks(tables: dict[str, pd.DataFrame]) -> list[tuple[str, pd.DataFrame, str, str]]:
    """(kind, numbers by label, unit, title) of each chart the tables give."""
    blocks = []
    by_phase = tables.get("allocation_by_phase")
    if by_phase is not None and "sector" in by_phase.columns:
        phases = [  # a phase's column, whatever the phase is called (not only phase1, ...)
            c
            for c in by_phase.columns
            if c.endswith("_musd") and c not in ("total_musd", "floor_musd", "cap_musd")
        ]
        if phases:
            sums = _with_mitigation(by_phase.groupby("sector", sort=True)[phases].sum(), tables)
            sums = sums.rename(index=plain, columns=_phase_years(tables))
            blocks.append(("allocation", sums.rename_axis("sector"), "US$ million", _WHAT))
    prices = tables.get("shadow_prices")
    if prices is not None and "shadow_price" in prices.columns:
        blocks += _price_block(prices)
    frontier = tables.get("frontier")
    if frontier is not None and {"x_value", "y_value"} <= set(frontier.columns):
        data = frontier.set_index("x_value")[["y_value"]]
        blocks.append(("frontier", data, "", "Frontier"))
    from allocator.report.corehtml import book_blocks  # `allocator core`

    return blocks + book_blocks(tables)


_WHAT = "Allocation by sector and phase"


def _phase_years(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """A phase's column name with its years, `phase1_musd` -> `phase1 (2025-2027)`, from the
    dataset's phases as budgets.csv repeats them (first_year, last_year); a phase without a
    pool keeps its name."""
    budgets = tables.get("budgets")
    if budgets is None or not {"phase", "first_year", "last_year"} <= set(budgets.columns):
        return {}
    years = budgets.dropna(subset=["first_year", "last_year"]).drop_duplicates("phase")
    return {
        f"{r.phase}_musd": f"{r.phase} ({int(r.first_year)}-{int(r.last_year)})"
        for r in years.itertuples(index=False)
    }


def _with_mitigation(sums: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The sector x phase sums with the risk mitigation row (`budgets.mitigation_of`) when the
    run has risk budgets; phases only mitigation spends in become columns."""
    from allocator.report.budgets import mitigation_of

    mitigation = mitigation_of(tables)
    if mitigation is None:
        return sums
    sums = sums.copy()
    for phase, value in mitigation.items():
        if f"{phase}_musd" not in sums.columns and value:
            sums[f"{phase}_musd"] = 0.0
    sums.loc[str(mitigation.name)] = [
        float(mitigation.get(c.removesuffix("_musd"), 0.0)) for c in sums.columns
    ]
    return sums


def _price_block(prices: pd.DataFrame) -> list[tuple[str, pd.DataFrame, str, str]]:
    """The limits whose room buys the most (`tables.top_shadow_prices`), by that gain; a table
    without the one-sided columns, by the size of its shadow prices."""
    from allocator.report.tables import top_shadow_prices

    top = top_shadow_prices(prices, TOP_PRICES)
    if not len(top):
        return []
    unit = chart_unit(top)  # limits of different units: each label says its own
    title = f"The {len(top)} limits whose room buys the most"
    if "gain_of_one_unit_up" in top.columns:
        name = "gain of one unit more room"
    elif "gain_per_unit_up" in top.columns:
        name = "gain per unit of room"
    else:
        name, title = "shadow price", f"The {len(top)} largest shadow prices (size)"
    labels = pd.Index(chart_labels(top), name="limit")
    data = pd.DataFrame({name: top["magnitude"].to_numpy()}, index=labels)
    return [("prices", data, unit, title)]


def _chart(
    book: Any, kind: str, data: pd.DataFrame, rows: tuple[int, int], unit: str, title: str
) -> tuple[Any, int]:
    """The native chart of a block (its numbers in `rows` of the charts sheet) and its height
    in pixels: a bar chart is as tall as its bars need for every category label to be printed
    (LibreOffice and Excel drop labels that would overlap)."""
    first, last = rows
    height = max(288, 110 + _BAR_PX * len(data)) if kind != "frontier" else 374
    if kind == "frontier":
        chart = book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        chart.add_series({
            "name": "frontier",
            "categories": ["charts", first, 0, last, 0],
            "values": ["charts", first, 1, last, 1],
        })  # fmt: skip
    else:
        stacked = kind in ("allocation", "core")  # a core chart: one class a bar, stacked
        options = {"type": "bar"} | ({"subtype": "stacked"} if stacked else {})
        chart = book.add_chart(options)
        for j in range(1, len(data.columns) + 1):
            chart.add_series({
                "name": ["charts", first - 1, j],
                "categories": ["charts", first, 0, last, 0],
                "values": ["charts", first, j, last, j],
                **(_value_labels(data) if kind == "prices" else {}),
            })  # fmt: skip
        # first row at the top, as in the table; a small font, so long labels keep their room
        chart.set_y_axis({"reverse": True, "num_font": {"size": 8}})
    # the limits' chart starts two columns of numbers further left: as wide as the room
    # up to the allocation chart's right edge, for its long labels
    chart.set_size({"width": 640 if kind == "prices" else 480, "height": height})
    chart.set_title({"name": title, "name_font": {"size": 12}})
    chart.set_x_axis({"name": unit, "num_format": "#,##0"} if unit else {})
    if kind == "prices":
        chart.set_legend({"none": True})
    return chart, height


_BAR_PX = 30
"""Pixels a bar of a bar chart: room for a label of two lines in 8 points."""


def _value_labels(data: pd.DataFrame) -> dict[str, Any]:
    """Each bar's number beside it, with the digits its table shows (`price_format`)."""
    number = price_format(data.to_numpy(dtype=float))
    return {"data_labels": {"value": True, "num_format": number, "font": {"size": 8}}}
