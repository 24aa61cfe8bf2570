"""The numbers a planner puts on a slide read the same on every surface of `allocator solve
inputs/peru2040` (task fc): the terminal, report.html, workbook.xlsx and the CSV tables. Each
number is read by code from each surface; the CSV and the workbook's number cells hold exact
numbers, shown here by the page's own rule (`rounding.cell`)."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import openpyxl
import pytest

from allocator.report.rounding import cell


def _whole(text: str) -> int:
    return int(text.replace(",", ""))


def _terminal_grid(stdout: str) -> dict[str, list[str]]:
    """The terminal's sector x phase table: row name -> its cells (phases, then total)."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) > 1 and all(re.fullmatch(r"[\d,]+", c) for c in cells[1:]):
            rows[cells[0]] = cells[1:]
    return rows


def _page_table(page: str, heading: str) -> dict[str, list[str]]:
    """A table of report.html under `heading`: first cell -> the shown texts of the others."""
    part = page.split(heading)[1].split("</table>")[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", part.split("<tbody>")[1]):
        cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", row)]
        rows[cells[0]] = cells[1:]
    return rows


def _csv(run: Path, name: str) -> list[dict[str, str]]:
    with (run / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_pages_allocation_table_is_the_terminals(baseline_solve):
    """The terminal's table of investment and risk mitigation by sector and phase is whole US$
    million adding up to its totals (largest remainder); report.html's table showed each sum
    at one decimal (risk mitigation 1,820.4 + 2,369 = 4,189.4 beside its own sentence's and the
    money line's 4,190; aerospace 5,340.9 beside the terminal's 5,341). Now the same cells."""
    run, done = baseline_solve
    page = (run / "report.html").read_text(encoding="utf-8")
    terminal = _terminal_grid(done.stdout)
    shown = _page_table(page, "<h2>Allocation by phase and sector</h2>")
    assert shown == terminal
    assert shown["risk mitigation"][-1] == "4,190"
    assert shown["aerospace"][-1] == "5,341"
    assert shown["total"][-1] == "48,303"
    for name, cells in shown.items():  # every row adds up to its total as shown
        assert sum(map(_whole, cells[:-1])) == _whole(cells[-1]), name
    columns = list(zip(*(c for n, c in shown.items() if n != "total"), strict=True))
    assert [sum(map(_whole, c)) for c in columns] == list(map(_whole, shown["total"]))
    assert "rounded to whole US$ million so that the parts add up to the totals" in page
    chart = page.split("<h2>Allocation by phase and sector</h2>")[1].split("</svg>")[0]
    written = re.findall(r'<text x="[\d.]+" y="\d+" class="s">([\d,.]+)</text>', chart)
    assert written == [cells[-1] for name, cells in shown.items() if name != "total"]
    pieces = re.findall(r"<title>electronics, (phase\d): ([\d,.]+) US\$ million</title>", chart)
    # as the table, not 1,133.5 (task fd: 1,133 keeps phase1's total at 13,454, within 1 of
    # its exact 13,453.9)
    assert pieces == [("phase1", "1,133"), ("phase2", "3,867")]


def test_ten_shared_numbers_read_the_same_everywhere(baseline_solve):
    """Jobs and exports at three milestones, the existing and new jobs of 2040, money spent and
    unspent, risk mitigation spent and copper's processing share: the terminal, report.html, the
    workbook and the CSV tables say each the same."""
    run, done = baseline_solve
    out = done.stdout
    page = (run / "report.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    book = openpyxl.load_workbook(run / "workbook.xlsx")
    totals = {int(r["year"]): r for r in _csv(run, "outcomes") if r["dimension"] == "total"}
    milestones = _page_table(page, "<h2>Jobs and exports per milestone</h2>")
    summary = {r[1]: r for r in book["summary"].iter_rows(min_row=2, values_only=True)}
    for year in (2030, 2035, 2040):
        jobs = cell(float(totals[year]["jobs"]), "jobs")
        exports = cell(float(totals[year]["exports_musd"]))
        line = re.search(rf" {year} ([\d,.]+)", out.split("  exports (")[0].split("  jobs (")[1])
        assert line is not None
        assert jobs == line.group(1) == milestones[str(year)][0] == summary[year][6].split()[0]
        said = re.search(rf" {year} ([\d,.]+)", out.split("  exports (")[1].splitlines()[0])
        assert said is not None
        assert exports == said.group(1).rstrip(",") == milestones[str(year)][1]
    base, new = (cell(float(totals[2040][c]), "jobs") for c in ("jobs_base", "jobs_new"))
    split = f"({base} existing before the plan + {new} new)"
    assert split in out.splitlines()[0]
    assert split in text
    assert summary[2040][6].endswith(split)
    assert milestones["2040"][2:] == [base, new]
    budgets = _csv(run, "budgets")
    spent = cell(sum(float(r["spent_musd"]) for r in budgets), "jobs")  # whole US$ million
    unspent = cell(sum(float(r["unspent_musd"]) for r in budgets), "jobs")
    money = r"spent ([\d,]+) \(investment ([\d,]+), risk mitigation ([\d,]+)\), unspent ([\d,]+)"
    term, shown = re.search(money, out), re.search(money, text)
    assert term is not None
    assert shown is not None
    assert term.groups() == shown.groups()
    assert (term.group(1), term.group(4)) == (spent, unspent) == ("48,303", "8,097")
    mitigation = sum(float(r["spent_musd"]) for r in budgets if r["pool"].startswith("risk:"))
    assert mitigation == pytest.approx(4189.4, abs=0.05)  # exact in the CSV; 4,190 shown
    assert term.group(3) == "4,190"
    assert f"of which {term.group(3)} on risk mitigation" in text
    share = next(r for r in _csv(run, "shares") if r["mineral"] == "copper")
    in_book = next(r for r in book["shares"].iter_rows(min_row=2, values_only=True))
    assert in_book[0] == "copper"
    reached = f"copper in 2040: target 90%, reached {cell(float(share['share_pct']))}%"
    assert reached in out
    assert cell(in_book[6]) == cell(float(share["share_pct"])) == "87.14"
    assert _page_table(page, "<h2>Processing shares</h2>")["copper"][5] == "87.14"


def test_the_pages_processing_shares_say_their_units_as_the_workbook(baseline_solve):
    """report.html's processing shares table: each number column's header with its unit, the
    workbook's words (a shortfall in percentage points, not a percent of anything)."""
    run, _ = baseline_solve
    page = (run / "report.html").read_text(encoding="utf-8")
    part = page.split("<h2>Processing shares</h2>")[1].split("</thead>")[0]
    heads = [html.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", part)]
    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    in_book = [c.value for c in next(book["shares"].iter_rows(max_row=1))]
    assert heads == in_book
    assert "share_shortfall_pct (percentage points)" in heads
