"""EVPI and VSS within the solver's tolerance of the objective are 0, not noise: a planner
read "knowing the numbers would add 0.003039 jobs" of a 545,000-job plan."""

from __future__ import annotations

from allocator.studies.twostageplan import SOLVED_TO, beyond_tolerance


def test_a_difference_within_the_solvers_tolerance_is_zero():
    assert beyond_tolerance(0.003039, 545_333.54) == 0.0
    assert beyond_tolerance(-0.003039, 545_333.54) == 0.0
    assert beyond_tolerance(0.13, 545_333.54) == 0.0  # the baseline's phase1 EVPI: 2.4e-7
    assert beyond_tolerance(0.6, 545_333.54) == 0.6  # beyond 1e-6 x 545,333.54 = 0.545
    assert beyond_tolerance(2e-6, 1.0) == 2e-6
    assert beyond_tolerance(SOLVED_TO / 2, 0.0) == 0.0
