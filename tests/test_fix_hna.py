"""Rates and whole units of limits priced per unit of the cell `allocator solve --set` moves
(task hna): an export market's market_musd (its rows at max_share of it, every year it sets), a
target's value whose weight is 1/value, and a tranche's from_level, whose side ends at 0."""

from __future__ import annotations

import json

import pytest

from conftest import DATA, constraint_row, run_cli, solved_objective


def _objective(tmp_path, name, *args) -> float:
    return solved_objective(tmp_path / name, *args)


EXPORTS = ("--inputs", DATA / "exports", "--objective", "exports")
CAT = "export_market(export_category,cat,2026)"


def test_an_export_markets_rates_and_ranges_are_per_musd_of_market(tmp_path):
    """tests/data/exports: cat's market 300 musd at max_share 50% (150 reachable); x makes 2
    musd of exports a musd, the budget 100 musd, so at most 200 musd of exports. By hand one
    musd more market is 0.5 more exports, up to a market of 400 (200 reachable: the budget
    binds), so +0.5 for 100 musd; one less is -0.5, for the whole 300 musd down to a market of
    0. Re-solved: 350 musd of market gives +25, 400 +50 and 450 +50 too (the rate stops at 400)."""
    base = _objective(tmp_path, "base", *EXPORTS)
    said = constraint_row(tmp_path / "base" / "shadow_prices.csv", CAT)
    assert float(said["gain_per_unit_up"]) == pytest.approx(0.5)
    assert float(said["up_holds_for"]) == pytest.approx(100)
    assert float(said["loss_per_unit_down"]) == pytest.approx(0.5)
    assert float(said["down_holds_for"]) == pytest.approx(300)
    assert float(said["loss_of_one_unit_down"]) == pytest.approx(0.5)
    for market, gain in ((350, 25), (400, 50), (450, 50), (299, -0.5)):
        cell = f"markets./cat/2026.market_musd={market}"
        moved = _objective(tmp_path, f"m{market}", *EXPORTS, "--set", cell)
        assert moved - base == pytest.approx(gain, abs=1e-7)


def test_the_aerospace_markets_row_says_what_solve_on_the_moved_market_gives(tmp_path):
    """The baseline under `--objective exports`: markets.csv's aerospace market (7,300 musd
    from 2030 on, max_share 0.2) sets export_market(program,aerospace_components,y) for
    2030-2040. One musd more of it is 0.2 musd more reachable in every such year; the 2040
    row's whole unit up is what `--set ...market_musd=7301` gives (by hand +0.2), and its
    amount is the row's 12,184.5 musd of room over 0.2: 60,922.6 musd of market."""
    base = _objective(tmp_path, "base", "--objective", "exports")
    said = constraint_row(
        tmp_path / "base" / "shadow_prices.csv",
        "export_market(program,aerospace_components,2040)",
    )
    cell = "markets.aerospace_components//2030.market_musd=7301"
    moved = _objective(tmp_path, "moved", "--objective", "exports", "--set", cell)
    assert moved - base == pytest.approx(0.2, abs=1e-6)
    assert float(said["gain_of_one_unit_up"]) == pytest.approx(moved - base, abs=1e-6)
    assert float(said["gain_per_unit_up"]) == pytest.approx(0.2)
    assert float(said["up_holds_for"]) == pytest.approx(12184.5186 / 0.2)


@pytest.mark.parametrize(
    ("sector", "level", "base"), [("aerospace", 25000, 1000), ("materials_chemicals", 40000, 10000)]
)
def test_a_tranches_one_less_side_ends_where_its_from_level_reaches_the_existing_jobs(
    baseline_run, tmp_path, sector, level, base
):
    """The baseline's tranches at 25,000 (aerospace, 1,000 jobs exist: base.csv) and 40,000
    (materials_chemicals, 10,000 exist) jobs, each -0.5 jobs a job less: the rate held by
    re-solves past 59,227 jobs less, a from_level below 0 that `--set` refuses. The row's limit
    is max(from_level, base) (data.levels.tranche_limit), so the side ends where from_level
    reaches the base, said so; the re-solve there loses 0.5 x (level - base) jobs, and at 0 the
    same (a further cut changes nothing)."""
    said = constraint_row(baseline_run / "shadow_prices.csv", f"tranche({sector},{level},2040)")
    assert float(said["loss_per_unit_down"]) == pytest.approx(0.5)
    assert float(said["down_holds_for"]) == level - base
    assert said["one_sided"] == "re-solved; down: then at the existing level"
    before = json.loads((baseline_run / "run.json").read_text(encoding="utf-8"))
    cell = f"tranches.jobs/sector/{sector}/{level}.from_level="
    at_base = _objective(tmp_path, "base", "--set", f"{cell}{base}")
    at_zero = _objective(tmp_path, "zero", "--set", f"{cell}0")
    drop = before["objective"]["value"] - at_base
    assert drop == pytest.approx(0.5 * (level - base), abs=1e-6)
    assert at_zero == pytest.approx(at_base, abs=1e-6)  # less changes nothing
    refused = run_cli("solve", "--set", f"{cell}-1", "--out", tmp_path / "past")
    assert refused.exit_code == 2  # one job further is no value the data takes
    page = (baseline_run / "report.html").read_text(encoding="utf-8")
    assert f"{level - base:,} jobs, where it reaches the jobs that exist before the plan" in page
