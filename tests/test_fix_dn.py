"""Task dn (issue 30): decide-now prices with far fewer re-solves, every number still one that a
re-solve gives. Each test re-solves the deterministic equivalent that the run writes
(`--write-model`: model.mps) in a fresh HiGHS instance, with plain column bounds holding the
commitments (the run holds them by rows), and checks every row of decide_now_prices.csv: one
whole US$ million more and less, each side's rate over the amount it holds for, the rate
changing (or no plan) just past that amount, and no plan where the table says none."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import highspy
import numpy as np
import pytest

from allocator.solver.highs import new_highs
from conftest import BASELINE, run_cli

DATA = Path(__file__).resolve().parent / "data" / "two_stage"
NO_PLAN = 1e30


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Equivalent:
    """model.mps in a fresh instance, each commitment's shared column held at its value."""

    def __init__(self, folder: Path) -> None:
        h = new_highs()  # a fresh instance: nothing of the run's carried over
        assert h.readModel(str(folder / "model.mps")) == highspy.HighsStatus.kOk
        self.h = h
        lp = h.getLp()
        names = list(lp.col_names_)
        self.lower, self.upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
        self.col: dict[tuple[str, str, int], int] = {}
        self.at: dict[int, float] = {}
        for r in _rows(folder / "decide_now_prices.csv"):
            key = (r["program"], r["pool"], int(r["year"]))
            j = names.index(f"decide_now({key[0]},{key[1]},{key[2]})")
            self.col[key], self.at[j] = j, float(r["committed_musd"])
        for j, v in self.at.items():
            self._fix(j, v)
        self.value = self.solve()
        assert self.value is not None
        info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        assert self.value == pytest.approx(info["objective"]["value"], rel=1e-9)

    def _fix(self, j: int, v: float) -> None:
        self.h.changeColBounds(j, v, v)

    def solve(self) -> float | None:
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return float(self.h.getInfo().objective_function_value)

    def moved(self, j: int, by: float) -> float | None:
        """The objective's change with commitment j moved by `by` (None: no plan)."""
        v = self.at[j] + by
        if not self.lower[j] - 1e-9 <= v <= self.upper[j] + 1e-9:
            return None
        self._fix(j, v)
        try:
            got = self.solve()
        finally:
            self._fix(j, self.at[j])
        return None if got is None else got - self.value


def _check_side(eq: Equivalent, j: int, sign: int, whole: float, rate: float, holds: float):
    """One side of one commitment against re-solves; returns what was checked."""
    tol = 1e-6 * max(1.0, abs(eq.value))
    one = eq.moved(j, sign * 1.0)
    if whole <= -NO_PLAN:
        assert one is None
    else:
        assert one == pytest.approx(whole, abs=tol)
    if rate <= -NO_PLAN:  # no plan with the least move either
        assert eq.moved(j, sign * 1e-4) is None
        return "no plan"
    if holds >= NO_PLAN:
        return "rate without limit"
    on = eq.moved(j, sign * holds)
    assert on == pytest.approx(rate * holds, abs=tol)
    past = holds + max(1e-3 * holds, 0.5)
    beyond = eq.moved(j, sign * past)
    assert beyond is None or beyond < rate * past - tol, (j, sign, holds, beyond, rate * past)
    return "piece"


def _checked(folder: Path) -> list[str]:
    eq = Equivalent(folder)
    seen = []
    for r in _rows(folder / "decide_now_prices.csv"):
        j = eq.col[(r["program"], r["pool"], int(r["year"]))]
        for sign, side in ((+1, "more"), (-1, "less")):
            # an empty cell (task fa): no plan for a change or a rate, any amount for a holds
            whole = float(r[f"one_{side}_per_musd"] or -NO_PLAN)
            rate = float(r[f"{side}_rate_per_musd"] or -NO_PLAN)
            holds = float(r[f"{side}_holds_for_musd"] or NO_PLAN)
            seen.append(_check_side(eq, j, sign, whole, rate, holds))
    return seen


def test_every_baseline_price_is_what_a_re_solve_gives(tmp_path):
    """The baseline over 4 scenarios (phase1 now, targets off): each of the 64 commitments'
    two sides re-solved; the table has pieces ending both where the rate changes and where no
    plan is left (a program's cap the held commitments fill), and sides with no plan."""
    out = tmp_path / "plan"
    args = ("--decide-now", "phase1", "--scenarios", "4", "--seed", "1", "--targets", "off")
    done = run_cli("solve", "--inputs", BASELINE, *args, "--write-model", "--out", out)
    assert done.exit_code == 0, done.stderr
    seen = _checked(out)
    assert len(seen) == 2 * 64
    assert seen.count("piece") >= 20
    assert seen.count("no plan") >= 40


def test_the_hand_solved_case_prices_are_what_a_re_solve_gives(tmp_path):
    out = tmp_path / "plan"
    args = ("--decide-now", "p1", "--scenarios", "6", "--targets", "off")
    done = run_cli("solve", "--inputs", DATA, *args, "--write-model", "--out", out)
    assert done.exit_code == 0, done.stderr
    seen = _checked(out)
    assert "piece" in seen


def test_a_blocked_side_runs_no_lp_and_says_no_plan(tmp_path):
    """A commitment of 0 taken back, or one more where the phase's pool budget is 0: told by
    the rows' activity bounds, no re-solve (`twostageblock`), and the table says no plan."""
    from allocator.runs.spec import RunSpec
    from allocator.runs.twostage import plan_two_stage
    from allocator.solver import probes

    counted: dict[str, int] = {"runs": 0}
    run = probes.run

    def counting(h: highspy.Highs) -> None:
        counted["runs"] += 1
        run(h)

    spec = RunSpec(inputs=BASELINE, decide_now="phase1", scenarios=2, targets="off", seed=1)
    probes.run = counting
    try:
        prices = plan_two_stage(spec).tables["decide_now_prices"]
    finally:
        probes.run = run
    china = prices[(prices["program"] == "ngf_infrastructure") & (prices["pool"] == "china")]
    assert china["one_more_per_musd"].isna().all()  # no plan: an empty cell (task fa)
    assert china["more_rate_per_musd"].isna().all()
    blocked = int(prices["more_rate_per_musd"].isna().sum())
    assert blocked >= 30
    # the probes ran for the sides with a price only: far fewer than two per blocked side
    assert counted["runs"] < 2 * blocked
