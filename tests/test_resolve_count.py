"""Issue 30, task res2: the one-sided rates and whole units with fewer HiGHS runs, the same numbers.

A probe inside the range over which an earlier probe's optimal basis stays feasible is on that
basis's line without a re-solve; probes past a move known infeasible are assumed infeasible and
the nearest of them is re-solved to confirm. Each test counts runs (never time) and checks the
values against re-solves in a fresh HiGHS."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from allocator.solver import probes
from allocator.solver.highs import new_highs
from allocator.solver.marginal import one_sided
from conftest import soft_targets_first_pass

INF = highspy.kHighsInf


@pytest.fixture
def runs(monkeypatch):
    """The HiGHS runs made while the test runs, one entry each."""
    made: list[int] = []
    real = highspy.Highs.run

    def counted(self, *args, **kwargs):
        made.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(highspy.Highs, "run", counted)
    return made


def _long_range(cap: float = 1.0) -> highspy.Highs:
    """max 3x + 2y s.t. x <= cap (row 0), x + y <= 400 (row 1); 0 <= x <= 300, 0 <= y <= 1000.

    At cap 1: x = 1, y = 399, value 801. By hand: one more unit of row 0 buys 1 (x replaces y)
    for 299 units, up to x's bound 300, then nothing; one unit less costs 1 for 1 unit (x down
    to 0), and past it no plan is feasible (x >= 0)."""
    h = new_highs()
    h.addVars(2, np.zeros(2), np.array([300.0, 1000.0]))
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([3.0, 2.0]))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    for cols, coefs, upper in (([0], [1.0], cap), ([0, 1], [1.0, 1.0], 400.0)):
        h.addRow(-INF, upper, len(cols), np.array(cols, dtype=np.int32), np.array(coefs))
    h.run()
    return h


def _fresh(cap: float) -> float | None:
    """The optimum at row 0's bound `cap` in a new instance; None if no plan is feasible."""
    h = _long_range(cap)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return h.getInfo().objective_function_value


def test_a_rate_over_a_long_range_is_found_with_few_runs(runs):
    h = _long_range()
    assert h.getInfo().objective_function_value == pytest.approx(801)
    runs.clear()
    got = one_sided(h, 0)
    made = len(runs)
    # the numbers, each confirmed by a re-solve in a fresh instance
    assert (got.gain_up, got.up_holds_for) == (pytest.approx(1.0), pytest.approx(299.0))
    assert (got.loss_down, got.down_holds_for) == (pytest.approx(1.0), pytest.approx(1.0))
    assert _fresh(1 + 299) - 801 == pytest.approx(299 * got.gain_up)
    assert _fresh(1 + 300) - 801 != pytest.approx(300 * got.gain_up)  # it ends there
    assert 801 - _fresh(0) == pytest.approx(got.loss_down)
    assert _fresh(-1e-4) is None  # past one unit less, no plan
    # up: the probe at 1 unit, the first beyond the basis's range (512: x at its bound), none
    # for 2..256 or the piece's end (299, on the line of the probe at 1); down: the probe at 1,
    # the one at 2 (infeasible), one confirming the nearest move the bisection assumed
    # infeasible; then the optimum restored. Every probe re-solved: 35 runs.
    assert made == 6


def test_the_same_rates_with_every_probe_re_solved(runs, monkeypatch):
    fast = one_sided(_long_range(), 0)
    fewer = len(runs)
    monkeypatch.setattr(probes, "SHORTCUTS", False)
    runs.clear()
    full = one_sided(_long_range(), 0)
    assert fast == full
    assert fewer < len(runs) - 20


def _soft_lp():
    """Soft targets held as `allocator solve` holds them (tests/test_one_sided.py's `_soft_lp`):
    x (3 jobs per musd), y (1), s (x's target shortfall); budget x + y <= 10 (row 0), cap
    x <= 6 (row 1), target x + s >= 8 (row 2), shortfall_total 0.5 s <= least (row 3). The
    least weighted shortfall is 1 (x = 6); then x = 6, y = 4: 22 jobs. By hand: the cap cut by
    any amount has no plan with the least shortfall held; re-solved as `allocator solve` does,
    one unit less costs 2 jobs and the least shortfall rises by 0.5."""
    from allocator.solver.wholeunit import Lexicographic

    h, shortfall, jobs, every = soft_targets_first_pass()
    first = h.getBasis()
    h.changeRowBounds(3, -INF, 1.0)
    h.changeColsCost(3, every, jobs)
    h.run()
    lex = Lexicographic(3, INF, 1.0, shortfall, jobs)
    lex.bases["shortfall"] = first
    return h, lex


def test_a_cut_the_held_least_shortfall_binds_is_tried_at_the_least_move_first(runs):
    from allocator.solver.marginal import Base
    from allocator.solver.units import listed_rates

    h, lex = _soft_lp()
    assert h.getInfo().objective_function_value == pytest.approx(22)
    runs.clear()
    zero = np.zeros(4)  # no Excel range: every side of a listed row re-solved
    out = listed_rates(h, Base.of(h), (zero, zero), np.array([True, True, False, True]), lex)
    made = len(runs)
    # held: no plan at any cut of the cap, so the side holds for no amount (the dual), and
    # past it the whole unit's re-solve (the least found again) has a plan (task w1)
    assert out["down_holds_for"][1] == 0.0
    assert out["loss_per_unit_down"][1] == pytest.approx(Base.of(h).dual[1])
    assert out["down_end"][1] == "then shortfall rises"
    assert out["loss_of_one_unit_down"][1] == pytest.approx(2.0)
    assert out["shortfall_change_down"][1] == pytest.approx(0.5)
    assert out["gain_of_one_unit_up"][1] == pytest.approx(2.0)  # x = 7: 0.5 less shortfall
    assert out["gain_per_unit_up"][0] == pytest.approx(1.0)
    # a fresh instance with the cap at 6 - 1e-4 and the least shortfall held has no plan
    fresh, _ = _soft_lp()
    fresh.changeRowBounds(1, -INF, 6.0 - 1e-4)
    fresh.run()
    assert fresh.getModelStatus() == highspy.HighsModelStatus.kInfeasible
    # the cap: up at one unit, at 4 (beyond its basis's range), at 8 (beyond the piece), both
    # passes of its whole unit; its cut at the least move only (infeasible: so is one unit
    # less), both passes of that unit; the budget: up at one unit only (its basis holds for
    # every move), down at one unit, at 8 (infeasible) and the nearest assumed move, then past
    # that end with the hold released (`sideends._past_end`: no plan there either); the optimum
    # restored. Every probe re-solved: 76 runs.
    assert made == 14


def _baseline_rates(monkeypatch, shortcuts: bool):
    """The baseline's rows table solved in-process and the HiGHS runs of its rates and units
    (`units.listed_rates`), the exact shortcuts on or off."""
    from allocator.data.inputs import load_inputs
    from allocator.pipeline import solve_inputs
    from allocator.solver import ranging
    from conftest import BASELINE

    inside, made = [False], []
    real_run, real_rates = highspy.Highs.run, ranging.listed_rates

    def counted(self, *args, **kwargs):
        made.extend([1] if inside[0] else [])
        return real_run(self, *args, **kwargs)

    def rates(*args, **kwargs):
        inside[0] = True
        try:
            return real_rates(*args, **kwargs)
        finally:
            inside[0] = False

    monkeypatch.setattr(probes, "SHORTCUTS", shortcuts)
    monkeypatch.setattr(highspy.Highs, "run", counted)
    monkeypatch.setattr(ranging, "listed_rates", rates)
    sol, _ = solve_inputs(load_inputs(str(BASELINE)), "jobs")
    monkeypatch.undo()
    return sol.rows, len(made)


def test_the_baseline_rates_and_units_with_fewer_runs(monkeypatch):
    """The baseline's rates and whole units: 83 HiGHS runs (76 before the ramped caps' numbers were
    cap_musd's, their ramp rows moved with the cap row, `probes.Bundle`, q14; 71 before the five
    sides that end where
    the objective's pass has no plan were re-solved past their ends with the hold released,
    `sideends._past_end`; 46 before the listed rows' pieces
    were followed past their basis's range, `marginal.side_end`; 104 before: the long pieces of the
    electronics and ngf caps and of the aerospace tranche, each probe re-solved, and the cuts
    no plan allows tried at one unit first, the objective pass of a whole unit that keeps the
    least shortfall solved again), the numbers those of every probe re-solved."""
    from allocator.solver.ranging import ONE_SIDED

    fast, fewer = _baseline_rates(monkeypatch, shortcuts=True)
    full, runs = _baseline_rates(monkeypatch, shortcuts=False)
    assert fewer == 83
    assert runs > 250  # 278
    assert fast["re_solved"].tolist() == full["re_solved"].tolist()
    for column in ONE_SIDED:
        a, b = fast[column].to_numpy(dtype=float), full[column].to_numpy(dtype=float)
        # a piece's end is an intersection of probes' lines: 1e-9 apart where the probes differ
        rtol = 1e-9 if column.endswith("holds_for") else 1e-12
        same = (a == b) | (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=rtol, atol=0)
        assert same.all(), column
    assert np.isfinite(fast["up_holds_for"]).sum() >= 5  # the long pieces are exercised


@pytest.mark.parametrize("shortcuts", [True, False])
def test_a_rate_whose_basis_holds_for_ever_says_without_limit(monkeypatch, shortcuts):
    """The hand soft-targets LP's budget x + y <= 10 raised by t: y = 4 + t and 22 + t jobs for
    every t (y has no cap and no other row), so one more musd buys 1 job without limit. It used
    to say "for 1.09951e12 musd": the last of 40 doublings, a number no planner can quote."""
    from allocator.solver.marginal import Base
    from allocator.solver.units import listed_rates

    monkeypatch.setattr(probes, "SHORTCUTS", shortcuts)
    h, lex = _soft_lp()
    zero = np.zeros(4)
    out = listed_rates(h, Base.of(h), (zero, zero), np.array([True, False, False, False]), lex)
    assert out["gain_per_unit_up"][0] == pytest.approx(1.0)
    assert out["up_holds_for"][0] == np.inf  # written 1E+30, Excel's "no limit"
    assert out["loss_per_unit_down"][0] == pytest.approx(1.0)
    assert out["down_holds_for"][0] == pytest.approx(4.0)  # y reaches 0 at a budget of 6
