"""Findings of hunt18: numbers a planner quotes (marginal values, outcomes, surfaces), each
checked against `allocator solve` on the data moved, or by hand. Each test fails on the code it
was written against (a strict xfail, its reason the harm; each mark dropped with its fix)."""

from __future__ import annotations

import csv

import pytest

from conftest import DATA, run_cli

BASE_LEVELS = DATA / "base_levels"


def _rows(path) -> dict[str, dict[str, str]]:
    """shadow_prices.csv (or any table keyed by its first column) as {key: row}."""
    with path.open(encoding="utf-8", newline="") as f:
        return {row[next(iter(row))]: row for row in csv.DictReader(f)}


def _solve(tmp_path, name: str, *args: object):
    """`allocator solve ARGS --out tmp_path/name`: the run folder and what it printed."""
    out = tmp_path / name
    done = run_cli("solve", *args, "--out", out)
    assert done.exit_code == 0, done.stderr
    return out, done


# docs/outputs.md, one-sided rates: `; down: then no plan` means "past it no plan is feasible";
# under soft targets, where `allocator solve` on the data moved further finds a plan at a larger
# least shortfall, the side says `then shortfall rises`. tests/data/base_levels meets its one
# target (least shortfall 0): solver/units.py `_past_end` returns THEN_NO_PLAN whenever the held
# least shortfall is 0 ("a least shortfall of 0 that no move lowers"), yet a cut can raise it.


@pytest.mark.xfail(
    strict=True,
    reason="hunt18: a soft-target side past which solve finds a plan says 'then no plan' "
    "when today's least shortfall is 0",
)
@pytest.mark.parametrize(
    ("row", "side", "cell", "moved"),
    [
        # budget 120 - 45 = 75 funds b's 75 musd and nothing of a; 74 leaves s2 short by 4 jobs
        ("budget(public,p1)", "down", "pools.public/p1.budget_musd", "74"),
        # target 600 + 100 = 700 takes b's whole cap; 701 cannot be met, the shortfall is 1 job
        ("target(jobs,sector,s2,2026)", "up", "targets.jobs/sector/s2/2026.value", "701"),
    ],
)
def test_a_side_past_which_solve_finds_a_plan_does_not_say_no_plan(
    tmp_path, row, side, cell, moved
):
    run, printed = _solve(tmp_path, "run", "--inputs", BASE_LEVELS)
    stated = _rows(run / "shadow_prices.csv")[row]
    past, _ = _solve(tmp_path, "past", "--inputs", BASE_LEVELS, "--set", f"{cell}={moved}")
    assert (past / "outcomes.csv").exists()  # solve on the data moved past the side finds a plan
    assert f"{side}: then no plan" not in stated["one_sided"], stated["one_sided"]
    assert f"{side}: then shortfall rises" in stated["one_sided"], stated["one_sided"]
    line = next(s for s in printed.stdout.splitlines() if s.endswith(f"[{row}]"))
    assert "then no plan is feasible" not in line, line
