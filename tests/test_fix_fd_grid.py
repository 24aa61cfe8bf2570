"""The whole-number sector x phase table (task fd, item 2): every total, of a row, of a column and
of the table, is within 1 of its exact sum (the grand total the whole-rounded sum, split between
investment and risk mitigation as the money line splits it), and the parts add up to it. The
rows were rounded first and the column totals summed from them: the baseline's phase1 read
13,455 against an exact 13,453.9. The terminal, report.html's table and chart and the workbook's
charts sheet show the same numbers."""

from __future__ import annotations

import csv
import math
import re

import openpyxl
import pandas as pd

from allocator.report.rounding import rounded_grid


def _check_adds_up(grid: pd.DataFrame, shown: pd.DataFrame) -> None:
    """Every shown row and column adds up to its shown total, each total within 1 of its exact
    sum, each cell within 1 of its value."""
    body = shown.drop(index="total")
    phases = list(grid.columns)
    assert (body[phases].sum(axis=1) == body["total"]).all()
    assert (body.sum(axis=0) == shown.loc["total"]).all()
    for p in phases:
        assert abs(shown.loc["total", p] - math.fsum(grid[p])) < 1, p
    for sector in grid.index:
        assert abs(shown.loc[sector, "total"] - math.fsum(grid.loc[sector])) < 1, sector
        for p in phases:
            assert abs(shown.loc[sector, p] - grid.loc[sector, p]) < 1, (sector, p)


def test_column_totals_stay_within_one_of_their_exact_sums() -> None:
    # three rows of 0.5 + 0.5: each row is 1 exactly. Rounding each row first gives the unit to
    # its first cell (the tie to the earlier), so the column totals read 3 and 0 against exact
    # sums of 1.5 and 1.5: off by 1.5 each.
    grid = pd.DataFrame(
        [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]],
        index=pd.Index(["a", "b", "c"], name="sector"),
        columns=["p1", "p2"],
    )
    shown = rounded_grid(grid)
    _check_adds_up(grid, shown)
    assert shown.loc["total"].tolist() == [2, 1, 3]  # 1.5 and 1.5 of 3: the tie to the earlier
    assert shown["total"].tolist() == [1, 1, 1, 3]


def test_the_money_lines_split_is_kept() -> None:
    # investment 10.2 + 10.2 = 20.4 and risk mitigation 0.4 + 0.4 = 0.8: 21.2 in all is 21, and
    # its split by the largest remainder is 20 + 1 (.8 beats .4), as the money line says it.
    grid = pd.DataFrame(
        [[10.2, 10.2], [0.4, 0.4]],
        index=pd.Index(["s", "risk mitigation"], name="sector"),
        columns=["p1", "p2"],
    )
    shown = rounded_grid(grid)
    _check_adds_up(grid, shown)
    assert shown["total"].tolist() == [20, 1, 21]
    assert shown.loc["total", "total"] == 21


def test_a_larger_grid_adds_up_every_way() -> None:
    values = [[(i * 37 + j * 11) % 100 / 10 + 0.05 * (i % 3) for j in range(4)] for i in range(9)]
    grid = pd.DataFrame(
        values, index=pd.Index([f"s{i}" for i in range(9)], name="sector"), columns=list("wxyz")
    )
    shown = rounded_grid(grid)
    _check_adds_up(grid, shown)
    assert shown.loc["total", "total"] == round(math.fsum(grid.to_numpy().ravel()))


EXACT = {"phase1": 13453.9, "phase2": 17966.9, "phase3": 16881.8}
"""The baseline's money by phase (allocation_by_phase.csv and the mitigate columns), exact to a
tenth: the old table showed 13,455 / 17,966 / 16,882."""

SHOWN = {
    "phase1": "13,454",
    "phase2": "17,967",
    "phase3": "16,882",
    "total": "48,303",
}
"""By hand, with the money line's 48,303 (investment 44,113, risk mitigation 4,190: the .38 of
mitigation's 4,189.38 beats investment's .19): the mitigation row needs both its cells up (1,821
and 2,369), phase3 both its .9 cells up (5,341 twice), so phase1 at 13,454 leaves electronics'
1,133.5 down (1,133) and its 3,866.5 up (3,867) for its 5,000; phase2 is 17,967."""


def _terminal_grid(stdout: str) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) > 1 and all(re.fullmatch(r"[\d,]+", c) for c in cells[1:]):
            rows[cells[0]] = cells[1:]
    return rows


def _exact_by_phase(run) -> dict[str, float]:
    with (run / "allocation_by_phase.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    sums = {p: math.fsum(float(r[f"{p}_musd"]) for r in rows) for p in EXACT}
    with (run / "reduced_costs.csv").open(encoding="utf-8") as f:
        mitigate = [r for r in csv.DictReader(f) if r["family"] == "mitigate"]
    spans = {"phase1": (2025, 2027), "phase2": (2028, 2032), "phase3": (2033, 2040)}
    for p, (first, last) in spans.items():
        sums[p] += math.fsum(
            float(r["value"]) for r in mitigate if first <= int(float(r["year"])) <= last
        )
    return sums


def test_the_baseline_table_reads_the_same_on_every_surface(baseline_solve):
    run, ran = baseline_solve
    exact = _exact_by_phase(run)
    for p, value in EXACT.items():
        assert abs(exact[p] - value) < 0.05, p
    terminal = _terminal_grid(ran.stdout)
    assert terminal["total"] == list(SHOWN.values())
    assert terminal["electronics"] == ["1,133", "3,867", "0", "5,000"]
    assert terminal["risk mitigation"] == ["1,821", "2,369", "0", "4,190"]
    for p, text in zip(EXACT, terminal["total"], strict=False):
        assert abs(int(text.replace(",", "")) - exact[p]) < 1, p
    assert "investment 44,113, risk mitigation 4,190" in ran.stdout

    page = (run / "report.html").read_text(encoding="utf-8")
    section = page.split("<h2>Allocation by phase and sector</h2>")[1].split("</table>")[0]
    body = section.split("<tbody>")[1]
    rows = {
        re.search(r"<td>([^<]*)</td>", r).group(1): re.findall(r'class="n"[^>]*>([^<]*)<', r)
        for r in body.split("<tr>")[1:]
    }
    assert rows["total"] == list(SHOWN.values())
    assert rows["electronics"] == terminal["electronics"]
    chart = section.split("</svg>")[0]
    pieces = re.findall(r"<title>electronics, (\w+): ([\d,]+) US\$ million</title>", chart)
    assert pieces == [("phase1", "1,133"), ("phase2", "3,867")]

    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    try:
        charts = {r[0]: r[1:4] for r in book["charts"].iter_rows(values_only=True) if r[0]}
    finally:
        book.close()
    assert [f"{int(v):,}" for v in charts["total"]] == list(SHOWN.values())[:3]
    assert [f"{int(v):,}" for v in charts["electronics"]] == ["1,133", "3,867", "0"]
