"""The studies' numbers, one rule each: every study percentile or median is read by the sweep's
one helper (a value some scenario reached), `sweep --plan RUN` takes RUN's recorded options,
targets missed are counted alike by solve and the sweep, and `core RUN` says what it studies."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from allocator.report.studyhtml import PERCENTILE_METHOD


def _later_model(plans: list[float]) -> tuple[object, object, object]:
    """A one-column stand-in for later_plans: one later-phase investment, its money by scenario."""
    lp = SimpleNamespace(col_family=["invest"], col_index=[("P1", "pool", 2031)])
    inp = SimpleNamespace(phase_of_year={2031: "later"})
    result = SimpleNamespace(plans=np.array(plans, dtype=float).reshape(-1, 1))
    return inp, SimpleNamespace(lp=lp), result


def test_later_plans_percentiles_are_scenario_values():
    """5 scenarios, one funds 0 and four 10: P5 is 0 (a scenario's money), never numpy's
    interpolated 2; the median of 4 scenarios 0, 0, 10, 10 is 0, never 5."""
    from allocator.runs.twostage import later_plans

    inp, model, result = _later_model([0, 10, 10, 10, 10])
    row = later_plans(inp, model, result, ["later"]).iloc[0]
    assert (row["p5_musd"], row["median_musd"], row["p95_musd"]) == (0.0, 10.0, 10.0)
    inp, model, result = _later_model([0, 10, 0, 10])
    row = later_plans(inp, model, result, ["later"]).iloc[0]
    assert row["median_musd"] == 0.0


def test_two_stage_says_the_percentile_method():
    """The two-stage run's words for later_plans.csv name the sweep's method."""
    from allocator.runs.twostage import LATER

    assert PERCENTILE_METHOD in LATER


def test_core_median_is_a_plan_value():
    """core.csv's median over 2 good plans funding 0 and 10 is one of them (0), never 5."""
    from allocator.studies.core import CoreSettings, GoodPlans, core_table

    plans = GoodPlans(
        members=["P1"],
        names={},
        samples=np.array([[0.0], [10.0]]),
        alternatives=np.zeros((0, 1)),
        sample_status={},
        drawn=2,
        range_lps=0,
        objective={},
    )
    row = core_table(plans, CoreSettings()).iloc[0]
    assert row["median_musd"] == 0.0
