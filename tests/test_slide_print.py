"""Issue 29, the workbook's charts sheet as printed (docs/workbook-charts.png): words for the
limits and sectors (no ids with `_`, no row names), thousands separators in the labels' numbers,
phases with their years in the legend, no bar of the "most" list that reads 0.0, every label and
title inside its own cell (wrapped, its row as tall as its lines), and a price chart tall enough,
in a font small enough, for every category label to be printed."""

from __future__ import annotations

import math
import re

import openpyxl
import pandas as pd
import pytest

from conftest import BASELINE

PRICE_TITLE = re.compile(r"The \d+ limits whose room buys the most")


@pytest.fixture(scope="module")
def sheet(baseline_run):
    return openpyxl.load_workbook(baseline_run / "workbook.xlsx")["charts"]


def _blocks(ws) -> dict[str, list[tuple]]:
    """The rows of each block of the charts sheet (title, header, rows), by the title's words."""
    blocks: dict[str, list[tuple]] = {}
    current = None
    for cells in ws.iter_rows():
        first = cells[0]
        if first.value is None:
            current = None
            continue
        if current is None:
            current = str(first.value)
            blocks[current] = []
        blocks[current].append(cells)
    return blocks


def _price_rows(ws) -> list[tuple]:
    blocks = _blocks(ws)
    title = next(t for t in blocks if PRICE_TITLE.match(t))
    return blocks[title][2:]


def _decimals(number_format: str) -> int:
    """The most decimals a number format shows (`#,##0.0###` -> 4)."""
    return len(number_format.split(".")[1]) if "." in number_format else 0


def test_the_chart_categories_are_words_not_ids_or_row_names(sheet):
    labels = [str(r[0].value) for rows in _blocks(sheet).values() for r in rows[2:]]
    assert "materials chemicals" in labels
    # each limit in the unit of what one unit more room buys (test_agree_surfaces)
    label = "cap on capital group automotive industry (all phases) (jobs for one musd more room)"
    assert label in labels
    assert not [w for w in labels if "_" in w or "group_max(" in w or "budget(" in w]


def test_numbers_in_the_labels_have_thousands_separators(sheet):
    labels = [str(r[0].value) for r in _price_rows(sheet)]
    past = "diminishing returns of sector materials chemicals past 40,000 jobs in 2040"
    assert f"{past} (jobs for one job more room)" in labels
    assert not [w for w in labels if re.search(r"\d{5,}", w)]  # 40000 would read as a code


def test_limits_of_different_units_each_say_theirs(sheet):
    title = next(t for t in _blocks(sheet) if PRICE_TITLE.match(t))
    assert title.endswith("(per unit of each limit, unit in its label)")  # not jobs per musd
    units = [
        re.search(r"\((jobs for one \w+ more room)\)$", str(r[0].value)) for r in _price_rows(sheet)
    ]
    assert all(units)
    assert {u[1] for u in units} == {"jobs for one musd more room", "jobs for one job more room"}


def test_the_phase_series_are_named_with_their_years(sheet):
    allocation, _prices = sheet._charts
    phases = pd.read_csv(BASELINE / "phases.csv")
    want = [f"{r.phase} ({r.first_year}-{r.last_year})" for r in phases.itertuples()]
    names = [sheet[s.tx.strRef.f.split("!")[1].replace("$", "")].value for s in allocation.series]
    assert names == want  # phase1 (2025-2027), ...


def test_no_bar_of_the_most_list_reads_zero_at_its_shown_precision(sheet):
    rows = _price_rows(sheet)
    values = [(r[1].value, _decimals(r[1].number_format)) for r in rows]
    small = [v for v, _d in values if v < 0.05]
    assert small  # the baseline's two capital groups: 0.006 and 0.0025 jobs per musd
    assert all(round(v, d) != 0 for v, d in values), values
    _allocation, prices = sheet._charts
    label_format = prices.series[0].dLbls.numFmt  # each bar's number beside it
    assert label_format == rows[0][1].number_format
    assert all(round(v, _decimals(label_format)) != 0 for v, _d in values)


def test_labels_and_titles_stay_inside_their_cells(sheet):
    width = sheet.column_dimensions["A"].width
    for cells in sheet.iter_rows(max_col=1):
        cell = cells[0]
        if not isinstance(cell.value, str) or len(cell.value) <= width:
            continue
        assert cell.alignment.wrap_text, cell.value
        lines = math.ceil(len(cell.value) / (width * 1.2 if not cell.font.b else width))
        height = sheet.row_dimensions[cell.row].height or 15
        assert height >= 15 * lines, (cell.value, height)


def test_the_price_chart_has_room_and_a_small_font_for_every_label(sheet, baseline_run):
    import zipfile

    rows = _price_rows(sheet)
    _allocation, prices = sheet._charts
    start, end = prices.anchor._from, prices.anchor.to
    points = sum(sheet.row_dimensions[r + 1].height or 15 for r in range(start.row, end.row))
    pixels = points * 4 / 3 + (end.rowOff - start.rowOff) / 9525
    assert pixels >= 110 + 30 * len(rows)  # 30 a bar: a label of 2 lines of 8 points
    with zipfile.ZipFile(baseline_run / "workbook.xlsx") as book:
        chart = book.read("xl/charts/chart2.xml").decode()
    axis = chart[chart.index("<c:catAx>") : chart.index("</c:catAx>")]
    assert re.search(r'<a:defRPr sz="800"', axis)  # 8-point category labels
