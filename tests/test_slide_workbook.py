"""Issue 29 point 4 and years as years: the results workbook prints on A4 landscape with its
header row repeated on every page, summary sheets one page wide; years show as 2033, not 2,033;
the Limits sheet keeps only variables whose range is not trivial and counts the rest; the Answer
sheet gives original and final values, as Excel Solver's Answer report does."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

SUMMARY_SHEETS = ("allocation", "allocation_by_phase", "outcomes", "budgets", "shares", "Answer")


@pytest.fixture(scope="module")
def wb(baseline_run):
    return openpyxl.load_workbook(baseline_run / "workbook.xlsx")


def test_every_table_sheet_prints_landscape_on_a4_with_its_header_on_every_page(wb):
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == "9", ws.title  # A4
        if ws.title != "charts":
            assert ws.print_title_rows == "$1:$1", ws.title


def test_summary_sheets_print_one_page_wide(wb):
    for name in SUMMARY_SHEETS:
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.fitToWidth in (1, None), name  # None: openpyxl's default of 1
        assert ws.page_setup.fitToHeight == 0, name


def test_years_show_as_years_on_every_sheet(wb):
    seen = 0
    for ws in wb:
        if ws.title == "charts":
            continue
        header = [str(c.value) for c in ws[1]]
        for j, h in enumerate(header, start=1):
            if h.split(" ")[0] in ("year", "first_year", "last_year", "milestone"):
                cell = ws.cell(2, j)
                if isinstance(cell.value, int | float):
                    assert cell.number_format == "0", (ws.title, h, cell.number_format)
                    seen += 1
    assert seen >= 5  # allocation, outcomes, budgets (two), shares, the variable sheets


def test_the_limits_sheet_keeps_the_non_trivial_ranges_and_counts_the_rest(wb, baseline_run):
    csv = pd.read_csv(baseline_run / "limits.csv", keep_default_na=False)
    value, low, high = (pd.to_numeric(csv[c]) for c in ("value", "lower_limit", "upper_limit"))
    trivial = (low == value) & (high == value)
    kept = csv[~trivial]
    assert 0 < len(kept) < len(csv)
    ws = wb["Limits"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    names = [r[0] for r in rows[: len(kept)]]
    assert names == list(kept["variable"])
    note = rows[len(kept)][0]
    assert note == (
        f"{int(trivial.sum()):,} more variables have lower limit = upper limit = their value "
        "(nothing can move them alone); limits.csv lists every variable."
    )
    assert len(rows) == len(kept) + 1


def test_the_answer_sheet_has_original_and_final_values(wb, baseline_run):
    ws = wb["Answer"]
    header = [c.value for c in ws[1]]
    assert header[:4] == [
        "section",
        "name",
        "original_value (see unit column)",
        "final_value (see unit column)",
    ]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    objective = rows[0]
    assert objective[0] == "objective"
    # before the solve nothing is allocated: the objective is what already exists (base.csv's
    # 63,000 jobs in 2040, outcomes.csv); after it, the optimum of run.json
    assert objective[2] == pytest.approx(63000, abs=1e-6)
    assert objective[3] == pytest.approx(545333.54, abs=1e-6)
    variables = [r for r in rows if r[0] == "variable"]
    invest = [r for r in variables if r[1].startswith("invest(")]
    assert invest
    assert all(r[2] == 0 for r in invest)
    base = [r for r in variables if r[1].startswith("base(")]
    assert len(base) == 6
    assert all(r[2] == r[3] > 0 for r in base)
    assert sum(r[2] for r in base) == pytest.approx(63000)
    zones = next(r for r in variables if r[1] == "invest(manufacturing_zones,infrastructure,2025)")
    assert zones[3] == pytest.approx(3000, abs=1e-3)
