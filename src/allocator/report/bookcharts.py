"""The workbook's `charts` sheet (`charts`): native Excel charts of the allocation by phase and
sector, the largest shadow prices and, for a frontier or a core index, their own, each with its
numbers written beside it so Excel can redraw it. Split from `book.py`, which calls it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.report.htmlparts import chart_labels, chart_unit, plain, room_units
from allocator.report.pricehtml import TOP_PRICES
from allocator.report.rounding import rounded_grid

if TYPE_CHECKING:
    from allocator.report.book import Formats

A4 = 9
"""xlsxwriter's paper size of A4 (Letter is 1)."""

_LABEL_WIDTH = 46
"""Width of the charts sheet's first column (labels; longer ones wrap)."""
_NUMBER_WIDTH = 19
"""Width of its columns of numbers: a phase with its years (`phase1 (2025-2027)`) fits."""
_LINE_PX = 15
"""Height of one line of text in a row (points, as Excel counts a row's height)."""


def charts(book: Any, tables: dict[str, pd.DataFrame], fmt: Formats) -> None:
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
        rows = zip(data.index.tolist(), data.to_numpy(dtype=float).tolist(), strict=True)
        for i, (label, values) in enumerate(rows, start=row + 2):
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
                ws.write_number(last + 1, j, float(data[c].sum()), number)
        chart, height = _chart(book, kind, data, (first, last), unit, title)
        ws.insert_chart(row, len(data.columns) + 2, chart, {"x_scale": 1.4, "y_scale": 1.0})
        row = max(last + 3, row + math.ceil(height / 20) + 2)


def _height(text: str, width: int, bold: bool = False) -> float:
    """The height of a row whose cell of `width` characters wraps `text`: a line holds about
    `width` bold characters or 1.2 x `width` plain ones (Calibri 11, as printed)."""
    room = max(1, int(width if bold else width * 1.2))
    return _LINE_PX * max(1, math.ceil(len(text) / room))


def _number_format(kind: str, data: pd.DataFrame, fmt: Formats) -> Any:
    """The format of a block's numbers: one decimal, or (the limits' gains) as many decimals as
    its smallest bar needs to show two significant digits, so no bar of a "most" list reads 0.0."""
    if kind == "allocation":
        return fmt.book.add_format({"num_format": "#,##0"})  # whole, as `rounded_grid` rounds
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
            sums = rounded_grid(sums).drop(index="total", columns="total")  # the terminal's
            sums = sums.rename(index=plain, columns=_phase_years(tables))
            blocks.append(("allocation", sums.rename_axis("sector"), "US$ million", _WHAT))
    prices = tables.get("shadow_prices")
    if prices is not None and "shadow_price" in prices.columns:
        blocks += _price_block(prices)
    frontier = tables.get("frontier")
    if frontier is not None and {"x_value", "y_value"} <= set(frontier.columns):
        blocks.append(("frontier", _frontier_data(frontier), "", "Frontier"))
    from allocator.report.corehtml import book_blocks  # `allocator core`

    return blocks + book_blocks(tables)


_WHAT = "Allocation by sector and phase"


def _frontier_data(frontier: pd.DataFrame) -> pd.DataFrame:
    """The frontier's y by x, each header with its measure's unit (frontier.csv's x_unit and
    y_unit), `x_value (musd of exports)`, as the frontier sheet's headers."""
    data = frontier.set_index("x_value")[["y_value"]]
    units = {k: str(frontier[f"{k}_unit"].iloc[0]) for k in ("x", "y") if f"{k}_unit" in frontier}
    if "x" in units and len(frontier):
        data.index.name = f"x_value ({units['x']})"
    if "y" in units and len(frontier):
        data = data.rename(columns={"y_value": f"y_value ({units['y']})"})
    return data


def _phase_years(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """A phase's column name with its years, `phase1_musd` -> `phase1 (2025-2027)`, from the
    dataset's phases as budgets.csv repeats them (first_year, last_year); a phase without a
    pool keeps its name."""
    budgets = tables.get("budgets")
    if budgets is None or not {"phase", "first_year", "last_year"} <= set(budgets.columns):
        return {}
    years = budgets.dropna(subset=["first_year", "last_year"]).drop_duplicates("phase")
    columns = (years[c].tolist() for c in ("phase", "first_year", "last_year"))
    return {
        f"{phase}_musd": f"{phase} ({int(first)}-{int(last)})"
        for phase, first, last in zip(*columns, strict=True)
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
    from allocator.report.rates import top_shadow_prices

    top = room_units(top_shadow_prices(prices, TOP_PRICES))  # as report.html's chart
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
