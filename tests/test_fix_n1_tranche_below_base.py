"""A tranche whose from_level is below its sector's existing jobs (task n1): the row's limit is
max(from_level, base) (data.levels.tranche_limit), so its price is the base's; a move of
from_level that stays at or below the base changes nothing, and the listing says so.

tests/data/tranches with s1's base at 1,000 jobs (from_level 800): 160 musd, a (s1, 10 jobs a
musd, its new jobs past the level counted at 0.2: 2 a musd) and b (s2, 4 jobs a musd, cap 100).
By hand b takes 100 musd (400 jobs), a 60 (120 jobs counted): 1,520 jobs. from_level 900 or
1,000 or 0 gives the same; 1,100 gives 1,600: past the base the row's rate, +0.8 jobs a job of
from_level (100 of a's jobs counted whole, not at the share 0.2: 80 more)."""

from __future__ import annotations

import json

import pytest

from conftest import DATA, constraint_row, solved_objective

TRANCHES = DATA / "tranches"
BASE = "base.jobs/sector/s1.value=1000"
CELL = "tranches.jobs/sector/s1/800.from_level"
ROW = "tranche(s1,800,2026)"


def _objective(tmp_path, name, *sets: str) -> float:
    args = [a for s in (BASE, *sets) for a in ("--set", s)]
    return solved_objective(tmp_path / name, "--inputs", TRANCHES, *args)


@pytest.fixture(scope="module")
def below(solved_run):
    return solved_run("--inputs", TRANCHES, "--set", BASE)


def test_from_level_below_the_base_is_priced_0_up_to_the_base_then_it_acts(below, tmp_path):
    run, ran = below
    said = constraint_row(run / "shadow_prices.csv", ROW)
    base = json.loads((run / "run.json").read_text(encoding="utf-8"))["objective"]["value"]
    assert base == pytest.approx(1520)
    assert float(said["gain_per_unit_up"]) == 0
    assert float(said["up_holds_for"]) == pytest.approx(200)  # 800 -> 1,000, the base
    assert float(said["loss_per_unit_down"]) == 0
    assert float(said["down_holds_for"]) == pytest.approx(800)  # 800 -> 0
    assert said["one_sided"] == "re-solved; up: then it acts; down: then at its minimum"
    assert float(said["gain_of_one_unit_up"]) == 0
    assert float(said["loss_of_one_unit_down"]) == 0
    for level in (801, 900, 1000, 799, 0):  # every move that stays at or below the base
        assert _objective(tmp_path, f"l{level}", f"{CELL}={level}") == pytest.approx(base)
    past = _objective(tmp_path, "l1100", f"{CELL}=1100")  # from the base on, it acts
    assert past - base == pytest.approx(0.8 * 100)
    assert ROW not in ran.stdout  # buys nothing: not among the largest prices
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "+0.8 jobs per job" not in page  # main's page listed it so


def test_a_whole_job_up_that_passes_the_base_is_resolved(tmp_path, solved_run):
    """from_level 999.5 (half a job below the base): one job more is 1,000.5, half a job past
    the base at the row's 0.8 a job: +0.4, as the re-solve gives."""
    run, _ = solved_run("--inputs", TRANCHES, "--set", BASE, "--set", f"{CELL}=999.5")
    said = constraint_row(run / "shadow_prices.csv", ROW.replace("800", "999.5"))
    base = json.loads((run / "run.json").read_text(encoding="utf-8"))["objective"]["value"]
    moved = _objective(tmp_path, "up", f"{CELL}=1000.5")
    assert moved - base == pytest.approx(0.4)
    assert float(said["gain_of_one_unit_up"]) == pytest.approx(moved - base)
    assert float(said["up_holds_for"]) == pytest.approx(0.5)
