"""The extra LPs of a solve (issue 30, budget c): an LP an exact test can answer is not run.

Each test counts `Highs.run` calls (by the function that made them), never a time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.pipeline import solve_inputs
from allocator.solver import units

TIES = Path(__file__).resolve().parent / "data" / "ties"


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """For each `Highs.run`, in order: the names of the three functions it was called from
    (innermost first, joined by "<": `solve<_ranges<tie_classes` for a tie range LP)."""
    calls: list[str] = []
    real = highspy.Highs.run

    def counted(self: highspy.Highs, *args: object, **kwargs: object) -> object:
        frame, names = sys._getframe(1), []
        while frame is not None and len(names) < 3:
            names.append(frame.f_code.co_name)
            frame = frame.f_back
        calls.append("<".join(names))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(highspy.Highs, "run", counted)
    return calls


def made(runs: list[str], function: str) -> int:
    """How many of `runs` were called from `function` (at most three frames up)."""
    return sum(function in call.split("<") for call in runs)


def _plan(folder: Path, targets: str = "off") -> tuple[dict, np.ndarray]:
    """The solver record and the invest column of the allocation of `folder`."""
    sol, _ = solve_inputs(load_inputs(folder), "jobs", targets=targets)
    invest = sol.columns.loc[sol.columns["family"] == "invest", "value"].to_numpy(float)
    return sol.solver, invest


def test_no_restore_run_when_no_rate_was_re_solved(
    runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above `EXTEND_UP_TO` nonzeros no listed side is re-solved past its basis range and the
    whole units come from the rates (each holds for a whole unit): no LP runs on the plan's
    instance after the main pass, so it still holds its optimum and basis and is not restored
    (one `Highs.run` of 0 iterations: 0.03 s at 1e6 nonzeros)."""
    before, plan = _plan(TIES)
    calls = len(runs)
    monkeypatch.setattr(units, "EXTEND_UP_TO", 0)  # as a large plan (1e6 nonzeros) has it
    runs.clear()
    solver, after = _plan(TIES)
    assert made(runs, "_piece_end") == 0  # no side re-solved past its basis range
    assert made(runs, "unit_move") == 0  # every whole unit from a rate that holds for one
    assert made(runs, "restored") == 0
    assert made(runs, "solve_pass") == 1  # the main pass, and no other LP on its instance
    assert calls - len(runs) >= 4  # the extension's re-solves and the restore: fewer runs
    assert solver["ties"] == before["ties"]
    assert np.array_equal(after, plan)  # the face starts from the same basis: the same plan


POOL_TIES = TIES.parent.parent / "tie_rule" / "pool_ties"  # not in data/: no reference LP


def test_no_totals_qp_when_no_programs_money_can_move(runs: list[str]) -> None:
    """pool_ties: a (cap 60, 10 jobs/musd) and b (cap 20, 5 jobs/musd) in two pools of 50 musd:
    both at their caps (80 of 100 musd, 700 jobs), and only the pools' split of a's 60 is open
    (private 10-30 of it). No program's total can move, so the rule's QP on the totals (every
    point of the face minimises it) is not run; the split within programs still is: a's money
    from public first (the pools by name, least spending), b's from what private has left."""
    solver, invest = _plan(POOL_TIES)
    assert made(runs, "split_by_caps") == 0
    assert made(runs, "within_programs") == 1
    assert solver["tie_classes"] == []
    alloc = pd.read_csv(POOL_TIES / "programs.csv")  # hand check: every program at its cap
    assert invest.sum() == pytest.approx(float(alloc["cap_musd"].sum()))
    assert sorted(v for v in invest.round(9).tolist() if v) == [10.0, 20.0, 50.0]
