"""report.html's Unspent budgets table adds up as shown (task fd, item 1): in every row, budget +
carried in = spent + carried out + unspent in the digits the page shows. The baseline's market
risk budget read spent 700.9 + unspent 99.11 = 800.01 against a budget of 800. The budget and
the unspent money keep the terminal's digits (`unspent risk:market 2026-2028: 99.11 of 800`);
budgets.csv and the workbook's budgets sheet keep the exact numbers."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import openpyxl
import pandas as pd

from allocator.report.pricehtml import unspent_section

HEADS = ("budget", "carried in", "spent", "carried out", "unspent")


def _rows(html: str) -> dict[tuple[str, str], dict[str, str]]:
    """The Unspent budgets table: (pool, phase) -> shown text by header (unit dropped)."""
    table = html.split("<h2>Unspent budgets</h2>")[1].split("</table>")[0]
    heads = [h.split(" (")[0] for h in re.findall(r"<th[^>]*>([^<]*)</th>", table)]
    rows = {}
    for row in table.split("<tbody>")[1].split("<tr>")[1:]:
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
        said = dict(zip(heads, cells, strict=True))
        rows[(said["pool"], said["phase"])] = said
    return rows


def _d(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _balances(said: dict[str, str]) -> bool:
    return _d(said["budget"]) + _d(said["carried in"]) == (
        _d(said["spent"]) + _d(said["carried out"]) + _d(said["unspent"])
    )


def test_the_baseline_unspent_table_adds_up_as_shown(baseline_solve):
    run, ran = baseline_solve
    rows = _rows((run / "report.html").read_text(encoding="utf-8"))
    assert len(rows) == 10
    for key, said in rows.items():
        assert _balances(said), (key, said)
    market = rows[("risk:market", "2026-2028")]
    # exact: 700.890980392 + 99.1090196078 = 800; shown at the unspent's two decimals
    assert [market[h] for h in HEADS] == ["800", "0", "700.89", "0", "99.11"]
    skills = rows[("risk:skills", "2025-2030")]
    # exact: 1,499.9945813 + 0.00541870319603 = 1,500; each part alone reads 1,500 and 0.0054
    assert [skills[h] for h in HEADS] == ["1,500", "0", "1,499.9946", "0", "0.0054"]
    assert [rows[("scaleup", "phase2")][h] for h in HEADS] == [
        "12,500", "0", "11,866.5", "0", "633.5"
    ]  # fmt: skip
    # the terminal says the same budget and unspent money
    line = re.search(r"unspent risk:market 2026-2028: ([\d,.]+) of ([\d,.]+) US\$", ran.stdout)
    assert (line.group(1), line.group(2)) == (market["unspent"], market["budget"])
    # budgets.csv and the workbook keep the exact numbers
    with (run / "budgets.csv").open(encoding="utf-8") as f:
        exact = next(r for r in csv.DictReader(f) if r["pool"] == "risk:market")
    assert exact["spent_musd"] == "700.890980392"
    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    try:
        sheet = [r for r in book["budgets"].iter_rows(values_only=True) if r[0] == "risk:market"]
    finally:
        book.close()
    assert abs(sheet[0][6] - 700.890980392) < 1e-6


def test_carried_money_balances_too():
    # budget 100 and 0.333333 carried in; spent 50.12345, carried out 10.2, unspent 40.009883.
    # Each alone: 100, 0.3333, 50.12, 10.2, 40.01: 100.3333 against 100.33. At the unspent's two
    # decimals: carried in 0.33, so spent + carried out is 100.33 - 40.01 = 60.32: 50.12 + 10.2.
    budgets = pd.DataFrame(
        {
            "pool": ["p"],
            "phase": ["p1"],
            "budget_musd": [100.0],
            "carried_in_musd": [0.333333],
            "spent_musd": [50.12345],
            "carried_out_musd": [10.2],
            "unspent_musd": [40.009883],
        }
    )
    said = _rows(unspent_section(pd.DataFrame(), budgets))[("p", "p1")]
    assert [said[h] for h in HEADS] == ["100", "0.33", "50.12", "10.2", "40.01"]
    assert _balances(said)


def test_a_part_rounded_the_other_way_to_balance():
    # budget 10, spent 4.45, carried out 4.45, unspent 1.1: at the unspent's one decimal
    # 4.5 + 4.4 + 1.1 = 10 (each alone 4.5 + 4.5 + 1.1 = 10.1); the tie goes to the earlier part.
    budgets = pd.DataFrame(
        {
            "pool": ["p"],
            "phase": ["p1"],
            "budget_musd": [10.0],
            "carried_in_musd": [0.0],
            "spent_musd": [4.45],
            "carried_out_musd": [4.45],
            "unspent_musd": [1.1],
        }
    )
    said = _rows(unspent_section(pd.DataFrame(), budgets))[("p", "p1")]
    assert [said[h] for h in HEADS] == ["10", "0", "4.5", "4.4", "1.1"]
    assert _balances(said)
