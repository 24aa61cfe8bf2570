"""Task fd, item 3: report.html's two-stage section points at the workbook's `two_stage` sheet
(as the robust plan's section points at its `risk` sheet), and the CVaR cap's price says what it
is per, in the same words on the terminal, the CSV, the workbook and the page: jobs of expected
value per job of CVaR cap (the cap is an expected shortfall in jobs)."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import BASELINE, DATA, run_cli, sheet_by_quantity

PRICE_UNIT = "jobs of expected value per job of CVaR cap"


def _page(run: Path) -> str:
    return html.unescape((run / "report.html").read_text(encoding="utf-8"))


def _two_stage(out: Path, cap: str) -> tuple[str, dict[str, Any]]:
    ran = run_cli(
        "solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", "10",
        "--risk", "cvar", "--beta", "0.8", "--cvar-cap", cap, "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    return ran.stdout, json.loads((out / "run.json").read_text(encoding="utf-8"))["two_stage"]


@pytest.fixture(scope="module")
def capped(tmp_path_factory) -> tuple[Path, str, dict[str, Any]]:
    """tests/data/two_stage, p1 decided now over 10 scenarios, the worst 20% capped at 55 jobs
    of expected shortfall (55.84 uncapped): the cap binds."""
    out = tmp_path_factory.mktemp("fd") / "ts"
    stdout, block = _two_stage(out, "55")
    return out, stdout, block


def test_the_two_stage_section_points_at_its_sheet(capped):
    out, _, _ = capped
    page = _page(out)
    section = page.split('id="two-stage"')[1].split("<h2")[0]
    assert "workbook.xlsx's two_stage sheet" in section
    assert "two_stage" in openpyxl.load_workbook(out / "workbook.xlsx", read_only=True).sheetnames


def test_the_two_stage_cvar_price_says_what_it_is_per(capped, tmp_path):
    out, stdout, block = capped
    risk = block["risk"]
    assert risk["binds"]
    # a re-solve with the cap half a job looser gains half the price in expected jobs
    _, looser = _two_stage(tmp_path / "looser", "55.5")
    gained = (looser["here_and_now"] - block["here_and_now"]) / 0.5
    assert gained == pytest.approx(risk["price"], rel=1e-6)
    assert risk["price"] == pytest.approx(6.5707, abs=1e-4)
    said = (
        "falls short of the nominal plan's 260 jobs by 55 jobs on average, at most the cap of "
        f"55 jobs; the cap binds at a price of 6.571 {PRICE_UNIT}"
    )
    assert said in stdout
    assert said in _page(out)
    row = sheet_by_quantity(out, "two_stage")["CVaR cap price"]
    assert (row["unit"], row["shown"]) == (PRICE_UNIT, "6.571")
    assert sheet_by_quantity(out, "two_stage")["CVaR cap"]["unit"] == "jobs"


def test_the_robust_plans_cvar_price_reads_alike_everywhere(tmp_path):
    out = tmp_path / "cvar"
    ran = run_cli(
        "solve", "--inputs", BASELINE, "--risk", "cvar", "--cvar-cap", "15000",
        "--scenarios", "10", "--seed", "3", "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    with (out / "shadow_prices.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["constraint"] == "cvar_cap")
    assert row["unit"] == PRICE_UNIT
    assert abs(float(row["shadow_price"]) - 0.7955) < 1e-4
    assert f"price of risk 0.7955 {PRICE_UNIT}" in ran.stdout
    assert f"price of risk 0.7955 {PRICE_UNIT}" in _page(out)
    assert sheet_by_quantity(out, "risk")["price of risk"]["unit"] == PRICE_UNIT
    assert sheet_by_quantity(out, "shadow_prices")["cvar_cap"]["unit"] == PRICE_UNIT
    book = openpyxl.load_workbook(out / "workbook.xlsx", read_only=True)
    try:
        units = [r for r in book["Sensitivity"].iter_rows(values_only=True) if "cvar_cap" in r]
    finally:
        book.close()
    assert units
    assert all(PRICE_UNIT in r for r in units)


def test_the_replan_section_points_at_its_sheet(tmp_path):
    """The same pointer on a re-plan's section (tests/data/replan, as hunt26 worked it)."""
    run = tmp_path / "approved"
    assert run_cli("solve", "--inputs", DATA / "replan", "--out", run).exit_code == 0
    out = tmp_path / "replanned"
    ran = run_cli(
        "replan", run, "--actuals", DATA / "replan" / "actuals.csv", "--as-of", "2026",
        "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    section = _page(out).split("<h2>Approved and re-planned</h2>")[1].split("<table")[0]
    assert "workbook.xlsx's replan_summary sheet" in section
    assert "replan_summary" in openpyxl.load_workbook(out / "workbook.xlsx").sheetnames
