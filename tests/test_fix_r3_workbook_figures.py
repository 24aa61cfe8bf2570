"""Task r3 (hunt26's workbook findings): the numbers a two-stage run and a re-plan lead with on
the terminal and report.html are cells of the workbook (`two_stage`, `replan_summary`), each
with its unit, the exact value run.json holds and the text the terminal and the page show."""

from __future__ import annotations

import html
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import DATA, run_cli, sheet_by_quantity

EVPI = "EVPI (value of perfect information)"
VSS = "VSS (value of the stochastic solution)"


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))  # xlsx keeps 16 significant digits


def _page(run: Path) -> str:
    return html.unescape((run / "report.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("method", ["equivalent", "hedging"])
def test_the_two_stage_sheet_holds_the_terminals_and_pages_numbers(tmp_path, method):
    out = tmp_path / "ts"
    ran = run_cli(
        "solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", "4",
        "--targets", "off", "--two-stage-method", method, "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    block = json.loads((out / "run.json").read_text())["two_stage"]
    sheet, page = sheet_by_quantity(out, "two_stage"), _page(out)
    assert {r["unit"] for q, r in sheet.items() if q != "scenarios"} == {"jobs"}
    assert sheet["scenarios"]["number"] == 4
    for quantity, key in (
        ("expected objective (here and now)", "here_and_now"),
        ("EVPI (value of perfect information)", "evpi"),
        ("EVPI operand: wait-and-see", "wait_and_see"),
        ("EVPI operand: here-and-now", "here_and_now"),
        ("VSS (value of the stochastic solution)", "vss"),
        ("VSS operand: here-and-now", "here_and_now"),
        ("VSS operand: nominal decide-now", "nominal_decide_now"),
    ):
        assert _close(sheet[quantity]["number"], block[key]), quantity
    said = {q: r["shown"] for q, r in sheet.items()}
    assert said["expected objective (here and now)"] == "336"  # 335.954 jobs, whole from 100
    most = "at most " if method == "hedging" else ""
    ws, hn = said["EVPI operand: wait-and-see"], said["EVPI operand: here-and-now"]
    evpi = f"add {most}{said[EVPI]} jobs on average ({ws} if each scenario were planned alone, "
    evpi += f"minus {hn}"
    hn, nominal = said["VSS operand: here-and-now"], said["VSS operand: nominal decide-now"]
    vss = f"adds {said[VSS]} jobs on average ({hn} minus {nominal} "
    assert (said[EVPI], said["VSS operand: here-and-now"]) == (
        "2.483",  # 338.437 - 335.954 (hunt26: EVPI 2.48, VSS 20.1 jobs)
        "336.0",
    )
    for text in (evpi, vss, "gives 336 jobs on average."):
        assert text in ran.stdout, text
        assert text in page, text
    for value, first, second in (
        ("EVPI (value of perfect information)", "EVPI operand: wait-and-see", "EVPI operand: "
         "here-and-now"),
        ("VSS (value of the stochastic solution)", "VSS operand: here-and-now", "VSS operand: "
         "nominal decide-now"),
    ):  # fmt: skip
        assert Decimal(said[first]) - Decimal(said[second]) == Decimal(said[value])
    if method == "hedging":  # the bounds' gap and its operands, as the sentence says them
        gap = said["bound gap (progressive hedging)"]
        assert f"The gap, {gap} jobs" in ran.stdout
        lower = said["gap operand: lower bound"]
        assert f"gives {lower} jobs on average (lower bound)" in page
        assert _close(sheet["gap operand: upper bound"]["number"], block["bounds"]["upper"])
    else:
        assert "bound gap (progressive hedging)" not in sheet


def test_a_two_stage_sheet_without_vss_says_why_and_counts_the_scenarios():
    """A nominal plan whose decide-now money one scenario cannot carry out: no VSS (an empty
    cell, shown `n/a`, as the sentence says), the scenarios counted; a CVaR cap's numbers."""
    from allocator.report.bookfigures import two_stage_sheets
    from allocator.report.twostagehtml import two_stage_sentences

    block = {
        "decide_now": ["p1"], "scenarios": 4, "seed": 0, "sampling": "Latin hypercube",
        "unit": "jobs", "here_and_now": 310.9097, "wait_and_see": 311.2582, "evpi": 0.3485,
        "nominal_decide_now": None, "vss": None, "nominal_infeasible_scenarios": 1,
        "sign_convention": "larger is more",
        "risk": {"beta": 0.75, "reference": 320.0, "tail_shortfall": 12.5, "cap": 12.5,
                 "price": 0.25, "binds": True},
    }  # fmt: skip
    frame = two_stage_sheets({"two_stage": block})["two_stage"].set_index("quantity")
    vss = frame.loc["VSS (value of the stochastic solution)"]
    assert vss["shown"] == "n/a"
    assert vss["number"] != vss["number"]  # NaN: an empty cell
    assert frame.loc["scenarios the nominal decide-now plan does not fit", "number"] == 1
    assert "cannot be carried out in 1 of 4 scenarios" in " ".join(two_stage_sentences(block))
    assert frame.loc["EVPI operand: wait-and-see", "shown"] == "311.2582"
    assert frame.loc["EVPI operand: here-and-now", "shown"] == "310.9097"
    assert frame.loc["CVaR cap price", "number"] == 0.25
    # task fd: the words of the robust plan's price of risk, on every surface
    assert frame.loc["CVaR cap price", "unit"] == "jobs of expected value per job of CVaR cap"
    assert frame.loc["CVaR tail shortfall", "what it says"].endswith("worst 25% of the scenarios")


def test_the_replan_summary_holds_the_terminals_numbers(tmp_path):
    """tests/data/replan as hunt26 worked it by hand: approved 2,360 jobs, re-planned 2,160,
    a cost of 200; 60 musd spent (35 + 25); 80 musd moved after 2026."""
    run = tmp_path / "approved"
    assert run_cli("solve", "--inputs", DATA / "replan", "--out", run).exit_code == 0
    out = tmp_path / "replanned"
    ran = run_cli(
        "replan", run, "--actuals", DATA / "replan" / "actuals.csv", "--as-of", "2026",
        "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    facts = json.loads((out / "run.json").read_text())["replan"]
    sheet, page = sheet_by_quantity(out, "replan_summary"), _page(out)
    expected = {
        "re-planned objective": (2160, "jobs", facts["replanned_objective"]),
        "approved objective": (2360, "jobs", facts["approved_objective"]),
        "cost of the deviations": (200, "jobs", facts["cost_of_deviations"]),
        "spent (the actuals)": (60, "US$ million", facts["actuals"]["spent_musd"]),
        "money moved": (80, "US$ million", facts["moved_musd"]),
    }
    assert set(sheet) == set(expected)
    for quantity, (by_hand, unit, in_json) in expected.items():
        row = sheet[quantity]
        assert (row["number"], row["unit"]) == (by_hand, unit), quantity
        assert row["number"] == in_json
    said = {q: r["shown"] for q, r in sheet.items()}
    for text in (
        f"direct jobs in 2030; the approved plan: {said['approved objective']} direct jobs",
        f": {said['re-planned objective']} direct jobs in 2030; the approved",
        f"cost {said['cost of the deviations']} direct jobs in 2030",
        f"Spent up to 2026 (the actuals): {said['spent (the actuals)']} musd",
        f"after 2026: {said['money moved']} musd",
    ):
        assert text in ran.stdout, text
        assert text in page, text
    assert book_first(out) == "replan_summary"


def book_first(run: Path) -> str:
    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    try:
        return str(book.worksheets[0].title)
    finally:
        book.close()
