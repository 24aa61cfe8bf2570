"""Two-stage plans' numbers (task fD): decide_now_prices.csv gives, per commitment, what one
more and one less US$ million committed now changes in the expected objective, each re-solved on
the deterministic equivalent (the other commitments held), with the rate at the margin and how
far it holds; a scenario with no plan of its own is named; --scenarios is bounded; progressive
hedging's EVPI is said to be a bound."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import BASELINE, copy_dataset, run_cli

DATA = Path(__file__).resolve().parent / "data" / "two_stage"
NO_PLAN = ""  # an empty cell beside one_sided's words, as solve writes an infinite bound (fa)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _price(folder: Path, program: str, pool: str, year: int) -> dict[str, str]:
    return next(
        r
        for r in _rows(folder / "decide_now_prices.csv")
        if (r["program"], r["pool"], int(r["year"])) == (program, pool, year)
    )


@pytest.fixture(scope="module")
def baseline_plan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fd") / "plan"
    args = ("--decide-now", "phase1", "--scenarios", "4", "--seed", "1", "--targets", "off")
    done = run_cli("solve", "--inputs", BASELINE, *args, "--out", out)
    assert done.exit_code == 0, done.stderr
    return out


def test_one_more_and_one_less_musd_are_re_solved_with_their_ranges(baseline_plan):
    """hunt19 finding 1: ev_battery_systems/infrastructure/2026 (1,300 committed, cap 1,800):
    one more musd costs 0.1226 jobs on average (0.491 in scenario 1 alone, 0 in the others: a
    replan of each), for 500 musd (up to the cap); one less changes nothing, for all 1,300."""
    row = _price(baseline_plan, "ev_battery_systems", "infrastructure", 2026)
    assert float(row["committed_musd"]) == 1300
    assert float(row["one_more_per_musd"]) == pytest.approx(-0.1226, abs=5e-4)
    assert float(row["more_rate_per_musd"]) == pytest.approx(-0.1226, abs=5e-4)
    assert float(row["more_holds_for_musd"]) == 500
    assert float(row["one_less_per_musd"]) == 0
    assert float(row["less_holds_for_musd"]) == 1300
    assert float(row["scenario_low"]) == pytest.approx(-0.490548, abs=1e-6)
    assert float(row["scenario_high"]) == 0
    assert "value_per_musd" not in row  # the old dual sum, one-sided and rangeless


def test_a_commitment_that_cannot_grow_says_no_plan(baseline_plan):
    """ngf_infrastructure/china/2025: China's phase-1 budget is 0, so no plan commits one more
    musd there: said in words, and its cells are empty, never a price."""
    row = _price(baseline_plan, "ngf_infrastructure", "china", 2025)
    assert row["one_more_per_musd"] == NO_PLAN
    assert row["scenario_low"] == row["scenario_high"] == NO_PLAN
    assert "one more: no plan" in row["one_sided"]
    assert "one less: no plan" in row["one_sided"]  # nothing committed to take back


def test_the_workbook_and_the_words_carry_the_re_solved_prices(baseline_plan):
    info = json.loads((baseline_plan / "run.json").read_text(encoding="utf-8"))
    words = info["two_stage"]["decide_now_prices"]
    assert "re-solve" in words
    assert "dual" not in words
    html = (baseline_plan / "report.html").read_text(encoding="utf-8")
    assert "One more US$ million committed now" in html


def test_a_scenario_with_no_plan_alone_is_named(tmp_path):
    """hunt19 finding 3: scenarios 0 and 3 have no plan even planned alone: named, with what
    was drawn for them, and no advice to decide fewer phases."""
    data = copy_dataset(BASELINE, tmp_path / "data")
    with (data / "uncertainty.csv").open("a", encoding="utf-8") as handle:
        handle.write("pools:infrastructure/phase1:budget_musd,-95%,+0%,uniform,assumption,,,\n")
    args = ("--set", "programs.manufacturing_zones.floor_musd=3000", "--targets", "off")
    now = ("--decide-now", "phase1", "--scenarios", "6")
    done = run_cli("solve", "--inputs", data, *args, *now, "--out", tmp_path / "plan")
    assert done.exit_code == 1
    error = next(x for x in done.stderr.splitlines() if x.startswith("error: "))
    assert "scenarios 0, 3 " in error, error
    assert "pools:infrastructure/phase1:budget_musd" in error, error
    assert "decide fewer phases" not in error, error
    assert not (tmp_path / "plan").exists()


def test_too_many_scenarios_are_refused_in_one_line(tmp_path):
    out = tmp_path / "plan"
    done = run_cli(
        "solve", "--inputs", DATA, "--decide-now", "p1", "--scenarios", "100000", "--out", out
    )
    assert done.exit_code == 2, done.stderr
    error = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(error) == 1, error
    assert "Fix:" in error[0], error
    assert "--scenarios 100000" in error[0]
    assert not out.exists()


def test_progressive_hedging_says_its_evpi_is_a_bound(tmp_path):
    out = tmp_path / "plan"
    args = ("--decide-now", "p1", "--scenarios", "4", "--two-stage-method", "hedging")
    done = run_cli("solve", "--inputs", DATA, *args, "--targets", "off", "--out", out)
    assert done.exit_code == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if "(EVPI)" in x)
    assert "at most" in line, line
