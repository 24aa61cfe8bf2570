"""The run's workbook (`workbook.xlsx`), written with xlsxwriter: one sheet a table with a bold
frozen header, number formats (thousands separators; decimals only in columns that have them)
and column widths, and a `charts` sheet of native Excel charts: the allocation by phase and
sector, the largest shadow prices and, for a frontier, the frontier.

A table of more than SHEET_ROW_LIMIT rows gets a summary sheet instead (its rows counted by
family with the sums and largest sizes of its numbers); its full table is the CSV beside the
workbook, and the terminal says so. The same tables give the same bytes (fixed document dates).
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
from allocator.report.pricehtml import TOP_PRICES

SHEET_ROW_LIMIT = 20_000
"""Rows of one table above which its sheet holds a summary (the full table is its CSV)."""
_FIXED = dt.datetime(2000, 1, 1)
_MEASURES = ("invest_musd", "total_musd", "value", "shadow_price", "reduced_cost", "slack", "jobs")

Sheet = tuple[str, list[str], pd.DataFrame]
"""(sheet name, header texts with units, the table)."""


def write_results_workbook(path: Path, sheets: list[Sheet]) -> list[str]:
    """Write `sheets` and the charts sheet to `path`; returns the tables given as summaries."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "nan_inf_to_errors": False, **TEXT_AS_TEXT}
    )
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


def _column_format(values: np.ndarray, fmt: _Formats) -> Any:
    finite = values[np.isfinite(values)]
    if finite.size == 0 or np.all(np.mod(finite, 1) == 0):
        return fmt.whole
    if np.nanmax(np.abs(finite)) < 1:
        return fmt.small
    return fmt.decimal


def _table(ws: Any, headers: list[str], frame: pd.DataFrame, fmt: _Formats) -> None:
    """A per-row sheet: each column's writer, format and cells are made once (`_column`), then
    the rows go out in order (constant_memory mode writes a row when the next one starts); a
    blank cell (missing, infinite, empty text) is not written at all."""
    writers, formats, columns = [], [], []
    for j, column in enumerate(frame.columns):
        write, form, cells, raw = _column(ws, frame[column], column, fmt)
        writers.append(write)
        formats.append(form)
        columns.append(cells)
        shown = [len(str(v)) for v in raw[:200] if v is not None]
        ws.set_column(j, j, min(60, max([len(headers[j]), *shown]) + 2), form)
    ws.freeze_panes(1, 0)
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, fmt.head)
    for r, row in enumerate(zip(*columns, strict=True), start=1):
        for j, v in enumerate(row):
            if v is not None:
                writers[j](r, j, v, formats[j])


def _column(
    ws: Any, series: pd.Series, name: str, fmt: _Formats
) -> tuple[Any, Any, list[Any], list[Any]]:
    """(writer, format, cells with None where blank, the values the column width is read from)
    of one column: numbers (blank where missing or infinite, no -0), booleans, or text."""
    if pd.api.types.is_bool_dtype(series):
        raw = series.tolist()
        cells = [bool(v) if isinstance(v, bool | np.bool_) else None for v in raw]
        return ws.write_boolean, None, cells, raw
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        raw = values.tolist()
        form = fmt.year if name in YEARS else _column_format(values, fmt)
        return ws.write_number, form, _finite_numbers(values), raw
    raw = series.tolist()
    if isinstance(series.dtype, pd.StringDtype) or _only_text(series):
        cells = series.to_numpy(dtype=object, na_value="").tolist()
        return ws.write_string, None, [c or None for c in cells], raw
    return functools.partial(_write_any, ws), None, list(map(_any_cell, raw)), raw


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


def _write_any(ws: Any, r: int, j: int, v: Any, form: Any) -> None:
    """Write one prepared cell of a mixed column (`_any_cell`) by its kind."""
    if v.__class__ is bool:
        ws.write_boolean(r, j, v)
    elif v.__class__ is float:
        ws.write_number(r, j, v)
    else:
        ws.write_string(r, j, v)


def _summary(ws: Any, name: str, frame: pd.DataFrame, fmt: _Formats) -> None:
    """Rows counted by family (or by the first column), with sums and largest sizes."""
    key = "family" if "family" in frame.columns else frame.columns[0]
    measures = [c for c in _MEASURES if c in frame.columns][:3]
    groups = frame.groupby(key, sort=True, dropna=False)
    table = pd.DataFrame({"rows": groups.size()})
    for c in measures:
        values = pd.to_numeric(frame[c], errors="coerce").replace([np.inf, -np.inf], np.nan)
        table[f"{c} sum"] = values.groupby(frame[key], sort=True, dropna=False).sum()
        table[f"{c} largest size"] = values.abs().groupby(frame[key], sort=True, dropna=False).max()
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


def _charts(book: Any, tables: dict[str, pd.DataFrame], fmt: _Formats) -> None:
    """The charts sheet: each chart's numbers written beside it, so Excel can redraw it."""
    blocks = _blocks(tables)
    if not blocks:
        return
    ws = book.add_worksheet("charts")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 8, 13)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)  # printed one page wide: each chart beside its numbers
    row = 0
    for kind, data, unit, title in blocks:
        ws.write_string(row, 0, f"{title} ({unit})" if unit else title, fmt.head)
        ws.write_string(row + 1, 0, str(data.index.name or ""), fmt.head)
        for j, c in enumerate(data.columns, start=1):
            ws.write_string(row + 1, j, str(c).removesuffix("_musd"), fmt.head)
        for i, (label, values) in enumerate(data.iterrows(), start=row + 2):
            if kind == "frontier":
                ws.write_number(i, 0, float(label) + 0.0, fmt.decimal)
            else:
                ws.write_string(i, 0, str(label))
            for j, v in enumerate(values, start=1):
                ws.write_number(i, j, float(v) + 0.0, fmt.one)
        first, last = row + 2, row + 1 + len(data)
        if kind == "allocation":  # the money in all, below the chart's numbers, not charted
            ws.write_string(last + 1, 0, "total", fmt.head)
            for j, c in enumerate(data.columns, start=1):
                ws.write_number(last + 1, j, math.fsum(data[c].astype(float)) + 0.0, fmt.one)
        chart = _chart(book, kind, data, first, last, unit, title)
        ws.insert_chart(row, len(data.columns) + 2, chart, {"x_scale": 1.4, "y_scale": 1.3})
        row = max(last + 3, row + 22)


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
            sums = by_phase.groupby("sector", sort=True)[phases].sum()
            blocks.append(("allocation", _with_mitigation(sums, tables), "US$ million", _WHAT))
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
    from allocator.report.htmlparts import chart_labels
    from allocator.report.tables import top_shadow_prices

    top = top_shadow_prices(prices, TOP_PRICES)
    if not len(top):
        return []
    unit = str(top["unit"].iloc[0]) if "unit" in top.columns else ""
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


def _chart(book: Any, kind: str, data: pd.DataFrame, first: int, last: int, unit: str, title: str):
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
            })  # fmt: skip
        chart.set_y_axis({"reverse": True})  # first row at the top, as in the table
    chart.set_title({"name": title})
    chart.set_x_axis({"name": unit, "num_format": "#,##0"} if unit else {})
    if kind == "prices":
        chart.set_legend({"none": True})
    return chart
